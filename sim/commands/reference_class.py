"""``sim reference-class``: what the record of earlier US-China channels implies, with intervals and priors."""

from __future__ import annotations

import json

from . import positive

ORDER = 36


def register(sub) -> None:
    p = sub.add_parser("reference-class", help="figures and priors from a CSV of earlier US-China channels")
    p.add_argument("file", help="reference-class CSV (e.g. scenarios/reference/us_china_channels.csv)")
    p.add_argument("--shocks", type=positive, metavar="N",
                   help="assume N sovereignty shocks in the period (those followed by a freeze included), "
                        "so the freeze probability per shock can be estimated")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..scenario.reference import describe, reference_figures

    figures = reference_figures(args.file, args.shocks)
    print(json.dumps(figures, indent=2) if args.json else "\n".join(describe(figures)))
    return 0
