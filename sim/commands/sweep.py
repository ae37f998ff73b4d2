"""``sim sweep``: run a scenario over a grid of parameter values and write one sweep folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import UserError
from . import add_scenario_options
from .run import add_design_option, add_executor_options, executor_for

ORDER = 12


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run a scenario over a grid of values (same seed at every point)")
    add_scenario_options(p)
    p.set_defaults(scenario=None)
    p._actions[[a.dest for a in p._actions].index("scenario")].nargs = "?"
    p.add_argument("--resume", metavar="FOLDER",
                   help="finish an interrupted sweep (its `.incomplete` folder), redoing only unfinished points")
    p.add_argument("--vary", action="append", default=[], metavar="PATH=VALUES",
                   help="a parameter to vary: PATH=v1,v2,... or PATH=start:stop:step (repeatable; "
                        "a grid over all combinations; adds to the scenario's `sweep:` section)")
    p.add_argument("--levers", action="store_true",
                   help="vary every lever of the scenario's `levers:` section over its values (a grid)")
    add_design_option(p)
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"), help="results root (default: results/)")
    p.add_argument("--quiet", action="store_true", help="no per-point progress lines")
    p.add_argument("--figures", action="store_true",
                   help="also draw each point's own figures (default: the sweep's figures only; "
                        "`sim figures FOLDER` draws the points' later)")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..scenario.grid import parse_vary
    from ..ensemble.sweep import plan_sweep
    from ..workflow import resume_sweep, run_sweep

    def report(point, folder) -> None:
        if not args.quiet:
            print(f"  {point.name} done", file=sys.stderr)

    if args.resume:
        if (args.scenario or args.vary or args.set or args.runs or args.seed is not None or args.levers
                or args.override_posterior):
            raise UserError("--resume takes only the sweep folder: its scenario, grid, runs and seed are stored there")
        with executor_for(args, _stored_runs(Path(args.resume))) as executor:
            folder, redone = resume_sweep(Path(args.resume), ["sim", *args.argv], executor=executor,
                                          chunk_size=args.chunk_size, on_point=report, figures=args.figures)
        print(format_table(folder))
        print(f"resumed: {redone} unfinished point(s) redone")
        print(f"results: {folder}")
        return 0
    if not args.scenario:
        raise UserError("give a scenario file (or --resume FOLDER)")

    axes = []
    for text in args.vary:
        try:
            axes.append(parse_vary(text))
        except ValueError as exc:
            raise UserError(f"--vary {text}: {exc}") from None
    try:
        plan = plan_sweep(args.scenario, axes, args.set, runs=args.runs, seed=args.seed, design=args.design,
                          levers=args.levers, override_posterior=args.override_posterior)
    except ValueError as exc:
        raise UserError(str(exc)) from None

    print(f"{len(plan.points)} points x {plan.runs} runs; if interrupted, finish with "
          f"`sim sweep --resume <folder>.incomplete`", file=sys.stderr) if not args.quiet else None
    with executor_for(args, plan.runs) as executor:
        folder = run_sweep(plan, Path(args.out), ["sim", *args.argv], executor=executor,
                           chunk_size=args.chunk_size, on_point=report, figures=args.figures)
    print(format_table(folder))
    from .run import table_note

    if table_note(plan.base):
        print(table_note(plan.base))
    print(f"results: {folder}")
    return 0


def _stored_runs(folder: Path) -> int:
    import json

    try:
        return int(json.loads((folder / "sweep.json").read_text())["runs"])
    except (OSError, ValueError, KeyError):
        return 0  # resume_sweep says what is wrong with the folder


def format_table(folder: Path) -> str:
    """The stored sweep table as aligned text."""
    from ..results.tables import read_table
    from ..scenario.grid import label

    import json

    t = read_table(folder / "sweep.csv")
    meta = json.loads((folder / "sweep.json").read_text())
    paths = [a["path"] for a in meta["axes"]]
    head = [*paths, "P(held) [95%]", "k/n", "P(held|esc) [95%]", "k/n", "median break"]
    rows = []
    for i in range(len(t["point"])):
        def ci(key: str) -> str:
            return f"{t[key][i]:.3f} [{t[key + '.lo'][i]:.3f}, {t[key + '.hi'][i]:.3f}]"

        med = t["median_break_step"][i]
        rows.append([*(label(t[p][i].item() if hasattr(t[p][i], "item") else t[p][i]) for p in paths),
                     ci("p_held"), f"{t['p_held.k'][i]}/{t['p_held.n'][i]}",
                     ci("p_held_given_escalated"),
                     f"{t['p_held_given_escalated.k'][i]}/{t['p_held_given_escalated.n'][i]}",
                     "not reached" if med != med else f"{med:g}"])
    widths = [max(len(str(r[j])) for r in [head, *rows]) for j in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in [head, *rows]]
    title = f"{meta['scenario']} sweep: {len(rows)} points x {meta['runs']} runs, seed {meta['seed']} " \
            "(common random numbers)"
    return "\n".join([title, *lines])
