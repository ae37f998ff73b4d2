"""``sim trace``: play one run and print a step table (both sides' moves, levels, trust, events)."""

from __future__ import annotations

import os
import sys

from . import positive, seed

ORDER = 61


def register(sub) -> None:
    p = sub.add_parser("trace", help="play one run and print what happened, step by step")
    p.add_argument("scenario", help="scenario YAML file or lesson name (see `sim lessons`)")
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's)")
    p.add_argument("--run", type=seed, default=0, help="which run of the ensemble to trace (default: 0)")
    p.add_argument("--steps", type=positive, help="stop after this many steps")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="override a scenario value")
    p.add_argument("--pause", action="store_true", help="wait for Enter between steps")
    p.add_argument("--no-color", action="store_true", help="no colour (also: NO_COLOR in the environment)")
    p.set_defaults(func=run)


def use_color(no_color: bool, stream=None) -> bool:
    stream = sys.stdout if stream is None else stream
    return not no_color and "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def run(args) -> int:
    from ..classroom.lessons import find_lesson
    from ..model.trace import TableFormat, trace_scenario
    from ..scenario.load import load_scenario

    scenario = load_scenario(find_lesson(args.scenario), args.set)
    fmt = TableFormat(scenario, color=use_color(args.no_color))
    seed_used = scenario.seed if args.seed is None else args.seed
    title = scenario.lesson.title if scenario.lesson else (scenario.title or scenario.name)
    print(f"{title}: seed {seed_used}, run {args.run}")
    print(fmt.header(), flush=True)
    if args.pause and sys.stdin.isatty():
        print("(Enter: next step, q: stop)", file=sys.stderr)
    for rec in trace_scenario(scenario, seed=args.seed, run=args.run, steps=args.steps):
        print(fmt.row(rec), flush=True)
        if args.pause and not _wait():
            break
    print(fmt.legend())
    return 0


def _wait() -> bool:
    """Wait for Enter; False at end of input (stop) or on 'q'."""
    line = sys.stdin.readline()
    return bool(line) and line.strip().lower() not in ("q", "quit")
