"""``sim run``: simulate an ensemble and write a results folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


def register(sub) -> None:
    p = sub.add_parser("run", help="run an ensemble of a scenario and write a results folder")
    add_scenario_options(p)
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"), help="results root (default: results/)")
    p.add_argument("--keep-trajectories", action="store_true",
                   help="write every run's per-step trajectory (default: the first 10 runs only)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_executor_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..ensemble.store import folder_stem, new_folder, simulate_to_folder
    from ..paths import results_dir
    from ..scenario.load import load_scenario

    scenario = load_scenario(args.scenario, args.set)
    runs = args.runs or scenario.runs
    seed = scenario.seed if args.seed is None else args.seed
    with executor_for(args, runs) as executor:
        with new_folder(results_dir(args.out, scenario.name), folder_stem(seed, runs)) as holder:
            summary = simulate_to_folder(scenario, holder[0], ["sim", *args.argv], runs=runs, seed=seed,
                                         chunk_size=args.chunk_size, executor=executor,
                                         keep_trajectories=args.keep_trajectories,
                                         progress=not args.quiet and sys.stderr.isatty())
    import json

    manifest = json.loads((holder[0] / "manifest.json").read_text())
    print(headline(summary, manifest["simulation_seconds"]))
    print(f"results: {holder[0]}")
    return 0


def headline(summary: dict, seconds: float | None = None) -> str:
    """The headline numbers of a summary, one per line."""
    from ..analysis.stats import Proportion

    def p(key: str) -> str:
        return str(Proportion(**summary[key]))

    median = summary["median_break_step"]
    timing = f" ({seconds:.2f} s simulated)" if seconds is not None else ""
    return "\n".join([
        f"{summary['scenario']}: {summary['runs']} runs, seed {summary['seed']}{timing}",
        f"  P(channel held)                 {p('p_held')}",
        f"  P(held | rivalry escalated)     {p('p_held_given_escalated')}",
        f"  P(held while escalated)         {p('p_held_while_escalated')}",
        f"  P(rivalry escalated)            {p('p_escalated')}",
        f"  median break step (K-M)         {'not reached' if median is None else f'{median:g}'}",
    ])
