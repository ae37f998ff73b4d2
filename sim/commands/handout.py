"""``sim handout``: write a self-contained, printable HTML page for a lesson."""

from __future__ import annotations

from pathlib import Path

from . import add_memory_option, add_set_option, runs_count, seed

ORDER = 63


def register(sub) -> None:
    p = sub.add_parser("handout", help="write a printable, self-contained HTML handout for a lesson, and beside it "
                                       "the page replaying its run (see export-page)")
    p.add_argument("lesson", help="lesson name (see `sim lessons`) or scenario YAML file")
    p.add_argument("--out", default="handouts", help="folder to write into (default: handouts/)")
    p.add_argument("--runs", type=runs_count, default=500, help="runs in the ensemble (default: 500)")
    add_memory_option(p)
    p.add_argument("--seed", type=seed, help="master seed (default: the lesson's)")
    add_set_option(p, posterior=False)
    p.add_argument("--neutral", action="store_true", help="call the two sides Blue and Red")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..classroom.handout import write_handout
    from ..classroom.lessons import load_lesson

    scenario = load_lesson(args.lesson, args.set)
    path = write_handout(scenario, Path(args.out), runs=args.runs, seed=args.seed, overrides=args.set,
                         neutral=args.neutral)
    print(f"handout: {path}")
    print(f"replay page: {path.with_name(scenario.name + '_replay.html')}")
    return 0
