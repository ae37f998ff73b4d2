"""``sim lessons``: list the classroom lessons."""

from __future__ import annotations

ORDER = 60


def register(sub) -> None:
    p = sub.add_parser("lessons", help="list the classroom lessons (scenarios/lessons/)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..classroom.lessons import listing

    rows = listing()
    width = max((len(name) for name, _, _ in rows), default=0)
    for name, title, file in rows:
        print(f"{name:<{width}}  {title}  ({file})")
    print("try: sim trace LESSON_FILE, sim viz LESSON, sim handout LESSON")
    return 0
