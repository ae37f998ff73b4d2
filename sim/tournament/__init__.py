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

from .evolution import Shares, fixation, generator, moran, replicator
from .results import TournamentResult, format_ranking, run_tournament
from .spec import DEFAULT_STRATEGIES, Entry, TournamentSpec, make_spec

__all__ = ["DEFAULT_STRATEGIES", "Entry", "Shares", "TournamentResult", "TournamentSpec", "fixation",
           "format_ranking", "generator", "make_spec", "moran", "replicator", "run_tournament"]
