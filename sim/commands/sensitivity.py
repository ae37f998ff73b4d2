"""``sim sensitivity``: Sobol indices of the headline outcomes w.r.t. the uncertain parameters (SALib)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from . import add_memory_option, add_set_option, runs_count, seed

ORDER = 16


def register(sub) -> None:
    p = sub.add_parser("sensitivity", help="Sobol sensitivity of P(held) to the uncertain parameters (needs SALib)")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--samples", type=runs_count, default=256, help="base samples N, a power of 2 (default 256)")
    p.add_argument("--replicates", type=runs_count, default=64, help="runs per design row (default 64)")
    add_memory_option(p)
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's)")
    add_set_option(p)
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"), help="results root (default: results/)")
    p.set_defaults(func=run)


def run(args) -> int:
    import math

    from ..results.tables import read_table
    from ..ensemble.sensitivity import require_salib
    from ..workflow import run_sensitivity
    from ..scenario.load import load_scenario

    require_salib()
    started = time.perf_counter()
    scenario = load_scenario(args.scenario, args.set, args.override_posterior)
    folder = run_sensitivity(scenario, Path(args.out), ["sim", *args.argv], args.samples, args.replicates, args.seed)
    t = read_table(folder / "sensitivity.csv")
    print(f"{scenario.name}: Sobol indices, {args.samples} base samples x {args.replicates} runs "
          f"({time.perf_counter() - started:.1f} s)")
    for outcome, name in (("p_held", "P(channel held)"), ("p_held_and_escalated", "P(held and escalated)")):
        print(f"  {name}")
        rows = [i for i in range(len(t["outcome"])) if t["outcome"][i] == outcome]
        rows.sort(key=lambda i: -t["ST"][i])
        width = max(len(str(t["parameter"][i])) for i in rows)
        if all(math.isnan(t["ST"][i]) for i in rows):
            print(f"    not estimable: {name} took one value in every base sample of the design "
                  "(raise --samples or --replicates)")
            continue
        print(f"    {'parameter':<{width}}  {'S1 [95%]':<22}  ST [95%]")
        for i in rows:
            print(f"    {t['parameter'][i]:<{width}}  {t['S1'][i]:6.3f} [{t['S1.lo'][i]:6.3f}, {t['S1.hi'][i]:6.3f}]"
                  f"  {t['ST'][i]:6.3f} [{t['ST.lo'][i]:6.3f}, {t['ST.hi'][i]:6.3f}]")
    from .run import table_note

    stored = load_scenario(folder / "scenario.yaml")  # as analysed: with the columns it set itself
    if table_note(stored):
        print(table_note(stored))
    print(f"results: {folder}")
    return 0
