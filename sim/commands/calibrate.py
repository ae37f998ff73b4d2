"""``sim calibrate``: rejection ABC of a scenario's distributions against its ``patterns:``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import positive, runs_count, seed
from .run import add_executor_options, executor_for

ORDER = 35


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="calibrate a scenario's distributions to its patterns (rejection ABC)")
    p.add_argument("scenario", help="scenario YAML file with `patterns:`")
    p.add_argument("--draws", type=runs_count, default=100_000, help="prior draws, one run each (default 100000)")
    p.add_argument("--accept", type=positive, default=200, metavar="K",
                   help="if fewer than K runs are within every tolerance, accept the K nearest (default 200)")
    p.add_argument("--predictive", type=int, default=2000, metavar="N",
                   help="fresh runs from the posterior for the predictive check (default 2000; 0 = none)")
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's)")
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"), help="results root (default: results/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_executor_options(p)
    for action in p._actions:  # larger chunks than `sim run`: a calibration keeps no per-run rows
        if action.dest == "chunk_size":
            action.default, action.help = 5000, "runs simulated together (default 5000)"
    p.set_defaults(func=run)


def run(args) -> int:
    from ..calibrate.folder import check, text_summary
    from ..errors import UserError
    from ..scenario.load import load_scenario

    if args.predictive < 0:
        raise UserError("--predictive must be 0 or more")
    scenario = load_scenario(args.scenario)
    check(scenario)
    s_seed = scenario.seed if args.seed is None else args.seed
    from ..workflow import calibrate

    with executor_for(args, args.draws) as executor:
        folder, result = calibrate(scenario, Path(args.out), ["sim", *args.argv], args.draws, args.accept, s_seed,
                                   executor, args.chunk_size, args.predictive,
                                   progress=not args.quiet and sys.stderr.isatty())
    print(text_summary(result["summary"]))
    print(f"results: {folder}")
    return 0
