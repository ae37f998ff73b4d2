"""``sim run``: simulate an ensemble and write a results folder."""

from __future__ import annotations

import os
import sys

from ..analysis.headline import headline  # noqa: F401  (moved to sim.analysis; kept importable here)
from . import add_scenario_options, positive, workers_count

ORDER = 10


def add_executor_options(p) -> None:
    """Where chunks run: --workers N local processes, or a Dask cluster."""
    g = p.add_argument_group("execution (results are identical whatever is chosen)")
    g.add_argument("--workers", type=workers_count, help="local processes (default: every core; 1 = serial)")
    g.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on an existing Dask cluster")
    g.add_argument("--dask-local", type=workers_count, metavar="N", help="start a local Dask cluster of N workers")
    g.add_argument("--chunk-size", type=positive, default=2000, help="runs simulated together (default 2000)")
    g.add_argument("--cluster-timeout", type=positive, metavar="SECONDS",
                   help="on a Dask cluster, give up after this long without a worker or scheduler (default 60)")


def executor_for(args, runs: int):
    """The executor the options ask for; small ensembles (one chunk) stay in this process."""
    from ..ensemble.executors import SerialExecutor, make_executor

    small = args.workers is None and runs <= args.chunk_size
    if not (args.scheduler or args.dask_local) and (args.workers == 1 or small):
        return SerialExecutor()
    return make_executor(args.workers, args.scheduler, args.dask_local, getattr(args, "cluster_timeout", None))


def add_twin_options(p) -> None:
    g = p.add_argument_group("twins (the same runs with an intervention; see docs/model.md)")
    g.add_argument("--no-twins", action="store_true",
                   help="simulate no twin (by default: the pacified twin and every twin the scenario declares)")
    g.add_argument("--twin", action="append", default=[], metavar="NAME",
                   help="simulate only these twins (repeatable; `pacified` or a name under `twins:`)")


def twin_selection(args, scenario) -> tuple[str, ...] | None:
    """Twin names to simulate (``None``: the default, pacified and every declared twin)."""
    from ..errors import UserError

    for name in args.twin:
        if name != "pacified" and name not in scenario.twins:
            known = ", ".join(["pacified", *scenario.twins])
            raise UserError(f"--twin {name}: {scenario.name} declares no twin '{name}' (twins: {known})")
    if args.no_twins:
        return ()
    if not args.twin:
        return None
    return tuple(dict.fromkeys(args.twin))


def register(sub) -> None:
    p = sub.add_parser("run", help="run an ensemble of a scenario and write a results folder")
    add_scenario_options(p)
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"), help="results root (default: results/)")
    p.add_argument("--keep-trajectories", action="store_true",
                   help="write every run's per-step trajectory (default: the first 10 runs only)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_figures_option(p)
    add_twin_options(p)
    add_design_option(p)
    add_executor_options(p)
    p.set_defaults(func=run)


def add_figures_option(p) -> None:
    p.add_argument("--figures", action="store_true",
                   help="also draw the figures (PNG and SVG, embedded in report.html); by default they are "
                        "drawn later, once, by `sim figures FOLDER`")


def figures_note(folder) -> str:
    """The line that says the figures are not drawn, and the command that draws them."""
    import shlex

    return ("figures: not drawn (they take longer than the simulation); draw them with: "
            f"sim figures {shlex.quote(str(folder))}")


def add_design_option(p) -> None:
    p.add_argument("--design", choices=("random", "lhs"), default="random",
                   help="how uncertain parameters are sampled over the runs: independently per run (random, "
                        "default) or as one Latin hypercube (lhs); see docs/api.md")


def run(args) -> int:
    from ..api import load_scenario
    from ..scenario.design import with_design
    from ..workflow import run as run_workflow

    scenario = load_scenario(args.scenario, args.set, args.override_posterior)
    runs = args.runs or scenario.runs
    seed = scenario.seed if args.seed is None else args.seed
    scenario = with_design(scenario, args.design, runs, seed)
    from .validate import warnings_for

    for line in warnings_for(args.scenario, scenario):
        print(line, file=sys.stderr)
    with executor_for(args, runs) as executor:
        folder, summary = run_workflow(scenario, args.out, ["sim", *args.argv], runs, seed,
                                       chunk_size=args.chunk_size, executor=executor,
                                       keep_trajectories=args.keep_trajectories,
                                       progress=not args.quiet and sys.stderr.isatty(),
                                       twins=twin_selection(args, scenario), figures=args.figures)
    import json

    manifest = json.loads((folder / "manifest.json").read_text())
    print(headline(summary, manifest["simulation_seconds"]))
    note = table_note(scenario)
    if note:
        print(note)
    print(f"results: {folder}")
    if not args.figures:
        print(figures_note(folder))
    return 0


def table_note(scenario) -> str:
    """One line on the scenario's calibration table: its rows, and any column the scenario sets itself."""
    post = getattr(scenario, "posterior", None)
    if post is None:
        return ""
    line = f"  parameters from the calibration table {post.file}: {post.rows} rows, {len(post.paths)} columns applied"
    if post.overridden:
        line += f"; set after the table (--override-posterior), its column ignored: {', '.join(post.overridden)}"
    return line
