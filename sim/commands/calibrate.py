"""``sim calibrate``: rejection ABC of a scenario's distributions against its ``patterns:``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import add_set_option, positive, runs_count, seed
from .run import add_executor_options, executor_for

ORDER = 35


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="calibrate a scenario's distributions to its patterns (rejection ABC)")
    p.add_argument("scenario", help="scenario YAML file with `patterns:`")
    p.add_argument("--draws", type=runs_count, default=100_000, help="prior draws, one run each (default 100000)")
    p.add_argument("--accept", type=positive, default=200, metavar="K",
                   help="at least K runs must be within every tolerance, or the command stops (default 200)")
    p.add_argument("--nearest", action="store_true",
                   help="if fewer than K runs are within every tolerance, accept the K nearest instead and report "
                        "each pattern's effective tolerance")
    p.add_argument("--adjust", action="store_true",
                   help="also report the accepted parameters adjusted by local-linear regression on the statistics "
                        "(Beaumont, Zhang and Balding 2002)")
    p.add_argument("--check-conflict", type=positive, default=0, metavar="R",
                   help="simulate R records from the posterior and flag a prior-data conflict when the record's "
                        "acceptance rate is below that of 95%% of them")
    p.add_argument("--holdout", type=iso_date, metavar="DATE",
                   help="fit only the patterns judged before DATE (YYYY-MM-DD); check the others")
    p.add_argument("--predictive", type=int, default=2000, metavar="N",
                   help="fresh runs from the posterior for the predictive check (default 2000; 0 = none)")
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's)")
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"), help="results root (default: results/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--figures", action="store_true",
                   help="draw the figures now (PNG; by default none: `sim figures FOLDER` draws them later)")
    add_set_option(p)
    add_executor_options(p)
    for action in p._actions:  # larger chunks than `sim run`: a calibration keeps no per-run rows
        if action.dest == "chunk_size":
            action.default, action.help = 5000, "runs simulated together (default 5000)"
    p.set_defaults(func=run)


def iso_date(text: str):
    """argparse type: a date, YYYY-MM-DD."""
    import argparse
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got '{text[:40]}'") from None


def holdout_step(scenario, date) -> tuple[str, int]:
    """``--holdout DATE`` as ``(DATE, step)``: the step the date falls in, counted from ``start:``."""
    import datetime as dt

    from ..errors import UserError
    from ..scenario.resolved import STEP_UNITS, steps_between

    start = scenario.start
    if start is None or scenario.step not in STEP_UNITS:
        raise UserError(f"--holdout {date}: {scenario.file or scenario.name} has no `start:` date and calendar "
                        f"`step:`, so a date names no step")
    start = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    if date <= start:
        raise UserError(f"--holdout {date}: not after the scenario's start ({start}); nothing would be fitted")
    return str(date), steps_between(start, date, scenario.step)


def run(args) -> int:
    from ..calibrate.folder import check, text_summary
    from ..errors import UserError
    from ..scenario.load import load_scenario

    if args.predictive < 0:
        raise UserError("--predictive must be 0 or more")
    scenario = load_scenario(args.scenario, args.set, args.override_posterior)
    check(scenario)
    holdout = None if args.holdout is None else holdout_step(scenario, args.holdout)
    s_seed = scenario.seed if args.seed is None else args.seed
    from ..workflow import calibrate

    with executor_for(args, args.draws) as executor:
        folder, result = calibrate(scenario, Path(args.out), ["sim", *args.argv], args.draws, args.accept, s_seed,
                                   executor, args.chunk_size, args.predictive,
                                   progress=not args.quiet and sys.stderr.isatty(), nearest=args.nearest,
                                   adjust=args.adjust, check_conflict=args.check_conflict, holdout=holdout,
                                   figures=args.figures)
    print(text_summary(result["summary"]))
    if not args.figures:
        from .run import figures_note

        print(figures_note(folder))
    print(f"results: {folder}")
    return 0
