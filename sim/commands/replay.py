"""``sim replay``: re-simulate one run of a results folder, check it, and show it step by step."""

from __future__ import annotations

import os
import sys

ORDER = 60


def register(sub) -> None:
    p = sub.add_parser("replay", help="re-simulate one stored run, verify it, print its steps")
    p.add_argument("folder", help="results folder of `sim run`")
    p.add_argument("--run", type=int, required=True, metavar="K", help="run index")
    p.add_argument("--no-color", action="store_true", help="plain text even on a terminal")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..ensemble.replay import format_beliefs, replay
    from ..model.trace import format_table

    from ..results.folders import resolve_folder

    r = replay(resolve_folder(args.folder), args.run)
    color = sys.stdout.isatty() and not args.no_color and "NO_COLOR" not in os.environ
    print(f"{r.scenario.name}: run {r.run} replayed ({len(r.records)} steps)")
    print(format_table(r.scenario, r.records, color=color))
    print()
    print("beliefs (probability the other plays C, per actor and track):")
    print(format_beliefs(r))
    print()
    if r.matches:
        print(f"replay matches the stored row for run {r.run} (every column of runs.csv)")
        return 0
    print(f"MISMATCH with the stored row for run {r.run}: {', '.join(r.mismatches)}")
    return 1
