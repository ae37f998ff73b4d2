"""The strategy registry: decision rules for one actor on one track, vectorised across runs.

A strategy is pure: it sees an :class:`Observation` (what the actor may know), its parameters and
one uniform number per run from the run's own stream, and returns the intended move (``True`` = C).
It never touches Mesa or global random state. Classic rules follow the Axelrod library; with
linkage, reciprocal rules react to perceived cooperation ``pi`` instead of the raw last move
(docs/model.md), so with linkage 0 each is exactly its textbook self.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .games import optimal_generosity
from .ranges import POSITIVE, UNIT, Range

Array = np.ndarray


@dataclass(frozen=True)
class Observation:
    """What one actor knows on one track at step ``t``, as arrays over runs.

    ``pi``/``pi_prev`` are the perceived cooperation of the other one and two steps back (1 where
    there is no such step); ``triggered`` is whether ``pi`` has ever fallen below 1.
    """

    t: int
    my_last: Array
    pi: Array
    pi_prev: Array
    triggered: Array
    belief: Array
    R: Array
    S: Array
    T: Array
    P: Array
    discount: Array


@dataclass(frozen=True)
class ParamSpec:
    """A strategy parameter: its valid range and its default (``None``: derived, see the rule)."""

    range: Range
    default: float | None
    help: str


@dataclass(frozen=True)
class Strategy:
    """A named decision rule with its traits and parameters.

    ``stochastic``: draws on the run's stream even with linkage 0 (reciprocal rules also draw
    when linkage makes perceived cooperation fractional). ``reciprocal``: reacts to the other.
    """

    name: str
    description: str
    rule: Callable[[Observation, Mapping[str, Array], Array], Array]
    stochastic: bool = False
    reciprocal: bool = False
    params: Mapping[str, ParamSpec] = field(default_factory=dict)

    def decide(self, obs: Observation, params: Mapping[str, Array], u: Array) -> Array:
        return np.asarray(self.rule(obs, params, u), dtype=bool)


#: Parameters every strategy entry accepts, whatever the rule.
COMMON_PARAMS: dict[str, ParamSpec] = {
    "noise": ParamSpec(UNIT, None, "implementation error on this track (default: the actor's noise)"),
    "linkage": ParamSpec(UNIT, 0.0, "weight of the other tracks in perceived cooperation"),
}

REGISTRY: dict[str, Strategy] = {}


def register(name: str, description: str, **traits) -> Callable:
    """Decorator adding a rule to the registry under ``name``."""

    def wrap(rule: Callable) -> Callable:
        REGISTRY[name] = Strategy(name, description, rule, **traits)
        return rule

    return wrap


def get(name: str) -> Strategy:
    return REGISTRY[name]


def _first(obs: Observation, first: bool, later: Array) -> Array:
    return np.full(obs.pi.shape, first) if obs.t == 0 else later


@register("always_cooperate", "Always C.")
def _allc(obs, params, u):
    return np.ones(obs.pi.shape, dtype=bool)


@register("always_defect", "Always D.")
def _alld(obs, params, u):
    return np.zeros(obs.pi.shape, dtype=bool)


@register("tit_for_tat", "C first, then copy the other's last move (C with probability pi).",
          reciprocal=True)
def _tft(obs, params, u):
    return _first(obs, True, u < obs.pi)


@register("suspicious_tit_for_tat", "D first, then copy the other's last move.", reciprocal=True)
def _stft(obs, params, u):
    return _first(obs, False, u < obs.pi)


@register(
    "generous_tit_for_tat",
    "TFT that forgives a D with probability `generosity` (default: Nowak-Sigmund optimum q*).",
    stochastic=True,
    reciprocal=True,
    params={"generosity": ParamSpec(UNIT, None, "forgiveness probability; default q* of the track")},
)
def _gtft(obs, params, u):
    """q* is computed from this actor's current effective payoffs (risk and audience included)."""
    q = params["generosity"] if "generosity" in params else optimal_generosity(obs.R, obs.S, obs.T, obs.P)
    return _first(obs, True, u < obs.pi + (1.0 - obs.pi) * q)


@register("grim_trigger", "C until the other has ever defected (pi < 1), then D for ever.",
          reciprocal=True)
def _grim(obs, params, u):
    return ~obs.triggered


@register("win_stay_lose_shift", "C first; C iff both played the same last step (Pavlov).",
          reciprocal=True)
def _wsls(obs, params, u):
    other_c = u < obs.pi
    return _first(obs, True, obs.my_last == other_c)


@register("tit_for_two_tats", "D iff the other defected in each of the last two steps.",
          reciprocal=True)
def _tf2t(obs, params, u):
    if obs.t < 2:
        return np.ones(obs.pi.shape, dtype=bool)
    return ~(u < (1.0 - obs.pi) * (1.0 - obs.pi_prev))


@register("alternator", "C, D, C, D, ... from the first step.")
def _alt(obs, params, u):
    return np.full(obs.pi.shape, obs.t % 2 == 0)


@register("random", "C with probability `p` (default 0.5).", stochastic=True,
          params={"p": ParamSpec(UNIT, 0.5, "probability of C")})
def _random(obs, params, u):
    return u < params["p"]


def forward_values(obs: Observation) -> tuple[Array, Array]:
    """Expected values of C and D against a reciprocating-or-not other (docs/model.md).

    After a D the other answers with D for ever, and the best reply to that is worth
    ``M = max(S, P)`` a step: P in a prisoner's dilemma, S (swerve) in chicken.
    """
    b, d = obs.belief, obs.discount
    tail = d * np.maximum(obs.S, obs.P) / (1.0 - d)
    v_c = b * obs.R / (1.0 - d) + (1.0 - b) * (obs.S + tail)
    v_d = b * (obs.T + tail) + (1.0 - b) * (obs.P + tail)
    return v_c, v_d


@register(
    "forward_looking",
    "Expected-utility rule on the belief and discount; C iff V_C >= V_D (logit if `rationality`).",
    reciprocal=True,
    params={"rationality": ParamSpec(POSITIVE, None, "logit precision beta; default infinite")},
)
def _forward(obs, params, u):
    v_c, v_d = forward_values(obs)
    beta = params.get("rationality")
    if beta is None:
        return v_c >= v_d
    finite = np.isfinite(beta)
    with np.errstate(over="ignore"):
        p_c = 1.0 / (1.0 + np.exp(-np.where(finite, beta, 0.0) * (v_c - v_d)))
    return np.where(finite, u < p_c, v_c >= v_d)


def describe() -> list[tuple[str, str]]:
    """(name, one-line description) for every registered strategy, sorted by name."""
    return sorted((s.name, s.description) for s in REGISTRY.values())
