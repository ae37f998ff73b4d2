"""The ``sim`` command: a thin layer that parses arguments and calls one library function."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .scenario.errors import ScenarioError


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a seed >= 0, got {value}")
    return value


def cmd_run(args: argparse.Namespace) -> int:
    from .ensemble.runner import run_ensemble
    from .ensemble.store import write_results
    from .scenario.load import load_scenario

    scenario = load_scenario(args.scenario, args.set)
    result = run_ensemble(scenario, runs=args.runs, seed=args.seed, chunk_size=args.chunk_size,
                          progress=not args.quiet and sys.stderr.isatty())
    folder, summary = write_results(result, Path(args.out), ["sim", *args.argv])
    print(headline(summary, result.seconds))
    print(f"results: {folder}")
    return 0


def headline(summary: dict, seconds: float) -> str:
    from .analysis.stats import Proportion

    def p(key: str) -> str:
        return str(Proportion(**summary[key]))

    median = summary["median_break_step"]
    lines = [
        f"{summary['scenario']}: {summary['runs']} runs, seed {summary['seed']} ({seconds:.2f} s simulated)",
        f"  P(channel held)                 {p('p_held')}",
        f"  P(held | rivalry escalated)     {p('p_held_given_escalated')}",
        f"  P(held while escalated)         {p('p_held_while_escalated')}",
        f"  P(rivalry escalated)            {p('p_escalated')}",
        f"  median break step (K-M)         {'not reached' if median is None else f'{median:g}'}",
    ]
    return "\n".join(lines)


def cmd_validate(args: argparse.Namespace) -> int:
    from .scenario.load import load_scenario

    failed = 0
    for path in args.scenarios:
        try:
            s = load_scenario(path, args.set)
        except ScenarioError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        unc = len(s.uncertain())
        print(f"ok: {path} ({s.name}: {len(s.tracks)} tracks, {len(s.events)} events, {unc} uncertain parameters)")
    return 2 if failed else 0


def cmd_strategies(args: argparse.Namespace) -> int:
    from .model.strategies import REGISTRY, describe

    width = max(len(n) for n in REGISTRY)
    for name, text in describe():
        print(f"{name:<{width}}  {text}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sim", description="US-China policy-negotiation simulator.")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run an ensemble of a scenario and write a results folder")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--runs", type=_positive, help="number of runs (default: the scenario's)")
    run.add_argument("--seed", type=_seed, help="master seed (default: the scenario's)")
    run.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                     help="override a scenario value, e.g. actors.US.noise=0.1 (repeatable)")
    run.add_argument("--out", default=os.environ.get("SIM_RESULTS", "results"),
                     help="results root (default: results/)")
    run.add_argument("--chunk-size", type=_positive, default=2000, help="runs simulated together")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check scenario files without running them")
    val.add_argument("scenarios", nargs="+", help="scenario YAML files")
    val.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    val.set_defaults(func=cmd_validate)

    strat = sub.add_parser("strategies", help="list the available strategies")
    strat.set_defaults(func=cmd_strategies)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: no results folder was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
