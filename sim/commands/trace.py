"""``sim trace``: play one run and print a step table (both sides' moves, levels, trust, events)."""

from __future__ import annotations

import os
import sys

from . import add_set_option, positive, run_index, seed

ORDER = 61


def register(sub) -> None:
    p = sub.add_parser("trace", help="play one run and print what happened, step by step")
    p.add_argument("scenario", help="scenario YAML file or lesson name (see `sim lessons`)")
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's)")
    p.add_argument("--run", type=run_index, default=0, help="which run of the ensemble to trace (default: 0)")
    p.add_argument("--steps", type=positive, help="stop after this many steps")
    add_set_option(p)
    p.add_argument("--pause", action="store_true", help="wait for Enter between steps")
    p.add_argument("--no-color", action="store_true", help="no colour (also: NO_COLOR in the environment)")
    p.add_argument("--neutral", action="store_true", help="call the two sides Blue and Red")
    width = p.add_mutually_exclusive_group()
    width.add_argument("--compact", dest="compact", action="store_const", const=True,
                       help="one letter per move (default when the full table is wider than the terminal "
                            "or 100 columns)")
    width.add_argument("--wide", dest="compact", action="store_const", const=False, help="the full table")
    p.set_defaults(func=run)


def use_color(no_color: bool, stream=None) -> bool:
    stream = sys.stdout if stream is None else stream
    return not no_color and "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def run(args) -> int:
    import shutil

    import builtins

    from ..classroom.lessons import find_lesson, renamer
    from ..classroom.tracefmt import WIDTH, choose, fit, start_state, summary
    from ..model.model import NegotiationModel
    from ..model.trace import trace
    from ..scenario.load import load_scenario

    scenario = load_scenario(find_lesson(args.scenario), args.set, args.override_posterior)
    rename = renamer(scenario.actor_names, getattr(args, "neutral", False))

    def print(*lines, **kw):
        builtins.print(*(rename(str(x)) for x in lines), **kw)

    columns = shutil.get_terminal_size((100, 24)).columns
    names = [rename(n) for n in scenario.actor_names]
    fmt = choose(scenario, use_color(args.no_color), columns, getattr(args, "compact", None), names)
    seed_used = scenario.seed if args.seed is None else args.seed
    title = scenario.lesson.title if scenario.lesson else (scenario.title or scenario.name)
    print(f"{title}: seed {seed_used}, run {args.run}")
    print(fmt.header(), flush=True)
    model = NegotiationModel(scenario, runs=[args.run], seed=args.seed)
    print(fmt.start(*start_state(model)), flush=True)
    if args.pause and sys.stdin.isatty():
        print("(Enter: next step, q: stop)", file=sys.stderr)
    width = max(60, min(columns, WIDTH))
    records = []
    for rec in trace(model, args.steps):
        records.append(rec)
        print(fit(fmt.row(rec), width), flush=True)
        if args.pause and not _wait():
            break
    print(fmt.legend())
    print(summary(scenario, records, names))
    return 0


#: cursor up one line and clear it: takes back the empty line a terminal echoes for Enter
UNECHO = "\x1b[1A\x1b[2K"


def _wait() -> bool:
    """Wait for Enter; False at end of input (stop) or on 'q'. On a terminal, the line the Enter
    left behind is taken back, so the table stays single-spaced."""
    line = sys.stdin.readline()
    if line and sys.stdin.isatty() and sys.stdout.isatty():
        sys.stdout.write(UNECHO)
        sys.stdout.flush()
    return bool(line) and line.strip().lower() not in ("q", "quit")
