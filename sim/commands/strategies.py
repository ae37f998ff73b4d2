"""``sim strategies``: list the registered strategies."""

from __future__ import annotations

ORDER = 30


def register(sub) -> None:
    p = sub.add_parser("strategies", help="list the available strategies")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..strategies import REGISTRY, describe

    width = max(len(n) for n in REGISTRY)
    for name, text in describe():
        print(f"{name:<{width}}  {text}")
    return 0
