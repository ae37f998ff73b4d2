"""``sim theory``: the theory panel of a scenario (classes, equilibria, thresholds per track)."""

from __future__ import annotations

import json

from . import add_set_option

ORDER = 25


def register(sub) -> None:
    p = sub.add_parser("theory", help="show what game theory says about each track of a scenario")
    p.add_argument("scenario", help="scenario YAML file")
    add_set_option(p)
    p.add_argument("--json", action="store_true", help="print the panel as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..scenario.load import load_scenario
    from ..theory import format_panel, theory_panel

    panel = theory_panel(load_scenario(args.scenario, args.set, args.override_posterior))
    print(json.dumps(panel, indent=2) if args.json else format_panel(panel))
    return 0
