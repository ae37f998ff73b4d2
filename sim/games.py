"""Stage games: the 2x2 payoffs R, S, T, P and the classic closed-form results about them."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Action(enum.IntEnum):
    """A move on a track. Arrays of moves store ``True`` for C (cooperate / restrain / engage)."""

    D = 0
    C = 1


class Role(enum.Enum):
    """What a track stands for in the outcomes: the narrow safety channel, or part of the rivalry."""

    CHANNEL = "channel"
    RIVALRY = "rivalry"
    OTHER = "other"


@dataclass(frozen=True)
class Payoffs:
    """One actor's payoffs: R (both C), S (I C, other D), T (I D, other C), P (both D)."""

    R: float
    S: float
    T: float
    P: float


PRESETS: dict[str, Payoffs] = {
    "prisoners_dilemma": Payoffs(R=3, S=0, T=5, P=1),
    "stag_hunt": Payoffs(R=4, S=0, T=3, P=2),
    "chicken": Payoffs(R=3, S=1, T=5, P=0),
    "harmony": Payoffs(R=4, S=2, T=3, P=1),
    # the textbook deadlock T > P > R > S
    "deadlock": Payoffs(R=1, S=0, T=3, P=2),
}


def optimal_generosity(R, S, T, P):
    """GTFT's optimal generosity q* = min(1 - (T-R)/(R-S), (R-P)/(T-P)), clipped to [0, 1].

    Nowak and Sigmund (1992). Works elementwise on numpy arrays; a zero denominator drops its term.
    """
    import numpy as np

    R, S, T, P = (np.asarray(x, dtype=float) for x in (R, S, T, P))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(R != S, 1.0 - (T - R) / np.where(R != S, R - S, 1.0), np.inf)
        b = np.where(T != P, (R - P) / np.where(T != P, T - P, 1.0), np.inf)
    q = np.minimum(a, b)
    return np.clip(np.where(np.isinf(q), 1.0, q), 0.0, 1.0)


def grim_threshold(p: Payoffs) -> float | None:
    """Least discount at which grim trigger sustains cooperation, delta >= (T-R)/(T-M), M = max(S, P).

    Friedman, J. W. (1971), "A non-cooperative equilibrium for supergames": cooperating for ever,
    R/(1-delta), against defecting once and earning the best reply to permanent punishment, M, for
    ever after, T + delta M/(1-delta). M is P in a prisoner's dilemma and S (swerve) in chicken.
    0 when there is no temptation (T <= R); ``None`` when the punishment costs nothing (T <= M);
    above 1 when cooperation can never be sustained this way (R < M).
    """
    m = max(p.S, p.P)
    if p.T <= p.R:
        return 0.0
    if p.T <= m:
        return None
    return (p.T - p.R) / (p.T - m)


def tft_threshold(p: Payoffs) -> float:
    """Least continuation probability at which TFT is collectively stable (Axelrod 1984)."""
    return max((p.T - p.R) / (p.T - p.P), (p.T - p.R) / (p.R - p.S))
