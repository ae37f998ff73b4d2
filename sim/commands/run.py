"""``sim run``: simulate an ensemble and write a results folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import add_scenario_options, positive

ORDER = 10


def register(sub) -> None:
    p = sub.add_parser("run", help="run an ensemble of a scenario and write a results folder")
    add_scenario_options(p)
    p.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"), help="results root (default: results/)")
    p.add_argument("--chunk-size", type=positive, default=2000, help="runs simulated together")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..ensemble.runner import run_ensemble
    from ..ensemble.store import write_results
    from ..scenario.load import load_scenario

    scenario = load_scenario(args.scenario, args.set)
    result = run_ensemble(scenario, runs=args.runs, seed=args.seed, chunk_size=args.chunk_size,
                          progress=not args.quiet and sys.stderr.isatty())
    folder, summary = write_results(result, Path(args.out), ["sim", *args.argv])
    print(headline(summary, result.seconds))
    print(f"results: {folder}")
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
