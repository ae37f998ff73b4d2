"""Axelrod-style round-robin tournaments of the registered strategies, and their evolutionary view.

    >>> from sim.tournament import make_spec, run_tournament
    >>> result = run_tournament(make_spec(["tit_for_tat", "always_defect"], turns=10, repetitions=2))
    >>> result.totals_of("tit_for_tat", "always_defect")[0].tolist()
    [9.0, 9.0]
    >>> [row["strategy"] for row in result.ranking()]
    ['tit_for_tat', 'always_defect']

Modules: ``spec`` (inputs, validation), ``play`` (all pairings in one vectorised scenario),
``results`` (ranking, payoff matrix, totals), ``evolution`` (replicator, Moran), ``plots``,
``store`` (the results folder).
"""

from __future__ import annotations

import importlib

# imported on first use, so the CLI's argument parser does not load Mesa through `play`
_LAZY = {
    "Shares": ".evolution", "fixation": ".evolution", "generator": ".evolution", "moran": ".evolution",
    "replicator": ".evolution", "TournamentResult": ".results", "format_ranking": ".results",
    "run_tournament": ".results", "DEFAULT_STRATEGIES": ".spec", "Entry": ".spec",
    "TournamentSpec": ".spec", "make_spec": ".spec",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
