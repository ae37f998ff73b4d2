"""``sim export-page``: write a static page replaying a prepared run of a lesson (no install needed to view)."""

from __future__ import annotations

from pathlib import Path

from . import add_set_option, run_index, seed

ORDER = 64


def register(sub) -> None:
    p = sub.add_parser("export-page", help="write one HTML file replaying a run of a lesson round by round "
                                           "(matrix, moves, scores): opens in any browser, nothing to install")
    p.add_argument("lesson", help="lesson name (see `sim lessons`) or scenario YAML file")
    p.add_argument("dir", help="folder to write NAME_replay.html into")
    p.add_argument("--seed", type=seed, help="master seed (default: the lesson's)")
    p.add_argument("--run", type=run_index, default=0, help="which run of the ensemble to replay (default: 0)")
    add_set_option(p, posterior=False)
    p.add_argument("--neutral", action="store_true", help="call the two sides Blue and Red")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..classroom.lessons import load_lesson
    from ..classroom.staticpage import write_page

    scenario = load_lesson(args.lesson, args.set)
    path = write_page(scenario, Path(args.dir), seed=args.seed, run=args.run, neutral=args.neutral)
    print(f"page: {path}")
    return 0
