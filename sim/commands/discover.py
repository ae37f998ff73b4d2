"""``sim discover``: open exploration (Latin hypercube) and PRIM boxes of where the channel collapses."""

from __future__ import annotations

import os
from pathlib import Path

from . import add_set_option, positive, seed

ORDER = 17


def _share(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got '{text}'") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {value:g}")
    return value


def register(sub) -> None:
    p = sub.add_parser("discover", help="scenario discovery: PRIM boxes of where the channel collapses "
                                        "(needs the EMA Workbench)")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--experiments", type=positive, default=2000,
                   help="Latin hypercube experiments over uncertainties and levers, one run each (default 2000)")
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's)")
    add_set_option(p)
    p.add_argument("--replicates", type=positive, default=1, metavar="R",
                   help="runs per experiment, on common random numbers; PRIM then explains each experiment's "
                        "share of runs (default 1: one run, a yes/no outcome)")
    p.add_argument("--outcome", choices=("collapse", "held", "freeze", "lapse", "escalation"), default="collapse",
                   help="what the boxes explain: the channel collapsed (default), held, froze at least once, "
                        "lapsed, or the rivalry escalated")
    p.add_argument("--boxes", type=positive, default=2, help="at most this many boxes (default 2)")
    p.add_argument("--min-coverage", type=_share, default=0.5,
                   help="each box covers at least this share of the cases (default 0.5)")
    p.add_argument("--max-p", type=_share, default=0.05,
                   help="drop a box's restrictions whose quasi-p value is above this (likely noise; default 0.05)")
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"), help="results root (default: results/)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..api import load_scenario
    from ..ema import require_ema
    from ..workflow import run_discovery

    require_ema()
    scenario = load_scenario(args.scenario, args.set, args.override_posterior)
    from ..analysis.discovery import EXPLAINED

    folder, inputs, boxes, base = run_discovery(scenario, Path(args.out), ["sim", *args.argv], args.experiments,
                                                args.seed, args.boxes, args.min_coverage, args.max_p,
                                                args.replicates, args.outcome)
    e = EXPLAINED[args.outcome]
    runs = "one run each" if args.replicates == 1 else f"{args.replicates} runs each on common random numbers"
    print(f"{scenario.name}: {args.experiments} experiments (Latin hypercube over {len(inputs)} inputs; {runs}), "
          f"base rate: {base:.1%} of runs {e.state}")
    if not boxes:
        print("  no PRIM box is denser than the base rate with the coverage asked for")
    for box in boxes:
        print("  " + box.describe().replace("\n", "\n  ") + f"\n    density / base rate: {box.density / base:.2f}")
    print(f"results: {folder}")
    return 0
