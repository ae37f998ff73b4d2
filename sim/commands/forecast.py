"""``sim forecast``: the record to the seam, accepted by its patterns, continued in branches."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import add_memory_option, add_set_option, positive, runs_count, seed
from .run import (add_executor_options, add_figures_option, add_twin_options, executor_for, figures_note,
                  headline as run_headline, twin_selection)

ORDER = 36


def register(sub) -> None:
    p = sub.add_parser("forecast", help="forecast from the calibrated record: accept record runs by the patterns, "
                                        "branch futures from each one's state at the seam")
    p.add_argument("scenario", help="scenario YAML file with `patterns:` and `forecast: {from, horizon}`")
    p.add_argument("--draws", type=runs_count, default=100_000, help="record runs from the priors (default 100000)")
    p.add_argument("--accept", type=positive, default=200, metavar="K",
                   help="accepted record runs: the first K within every tolerance (default 200)")
    p.add_argument("--branches", type=positive, default=100, metavar="M",
                   help="futures branched from each accepted run at the seam (default 100)")
    p.add_argument("--nearest", action="store_true",
                   help="if fewer than K runs are within every tolerance, accept the K nearest and report their "
                        "effective tolerance (default: stop)")
    p.add_argument("--predictive", type=int, default=2000, metavar="N",
                   help="fresh record runs from the posterior for the predictive check (default 2000; 0 = none)")
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's)")
    add_set_option(p)
    add_memory_option(p)
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"), help="results root (default: results/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_figures_option(p)
    add_twin_options(p)
    add_executor_options(p)
    p.add_argument("--branch-chunk", type=positive, default=500, metavar="N",
                   help="branches simulated together, with their twins (default 500)")
    for action in p._actions:
        if action.dest == "chunk_size":
            action.help = "record runs simulated together (default 2000)"
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import UserError
    from ..forecast.folder import headline, run_forecast
    from ..forecast.simulate import check
    from ..scenario.load import load_scenario

    if args.predictive < 0:
        raise UserError("--predictive must be 0 or more")
    scenario = load_scenario(args.scenario, args.set, args.override_posterior)
    check(scenario)
    twins = twin_selection(args, scenario)
    s_seed = scenario.seed if args.seed is None else args.seed
    with executor_for(args, args.draws) as executor:
        folder, summary = run_forecast(scenario, Path(args.out), ["sim", *args.argv], args.draws, args.accept,
                                       args.branches, s_seed, executor, args.chunk_size, args.branch_chunk,
                                       args.nearest, args.predictive, twins,
                                       progress=not args.quiet and sys.stderr.isatty(), figures=args.figures)
    print(headline(summary))
    print("  every branch counted as one run (intervals too narrow: branches of one accepted run are alike):")
    print(run_headline(summary).split("\n", 1)[1])
    print(f"results: {folder}")
    if not args.figures:
        print(figures_note(folder))
    return 0
