"""``sim validate``: check scenario files without running them."""

from __future__ import annotations

import sys

from ..scenario.errors import ScenarioError
from . import add_set_option

ORDER = 20


def register(sub) -> None:
    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("scenarios", nargs="+", help="scenario YAML files")
    add_set_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..scenario.load import load_scenario

    failed = 0
    for path in args.scenarios:
        try:
            s = load_scenario(path, args.set, args.override_posterior)
        except ScenarioError as exc:
            for line in str(exc).splitlines():  # one line per problem found
                print(f"error: {line}", file=sys.stderr)
            failed += 1
            continue
        print(f"ok: {path} ({s.name}: {len(s.tracks)} tracks, {len(s.events)} events, "
              f"{len(s.uncertain())} uncertain parameters)")
        for line in warnings_for(path, s):
            print(line, file=sys.stderr)
    return 2 if failed else 0


def warnings_for(path, scenario) -> list[str]:
    """Advice on a valid scenario (sim/scenario/advice.py), each line naming file, line and key."""
    from ..scenario.advice import rung_warnings
    from ..scenario.source import read_source

    try:
        source = read_source(path)
    except Exception:  # the scenario loaded, so this cannot fail; without origins the key is still named
        source = None
    return rung_warnings(scenario, source)
