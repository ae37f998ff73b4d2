"""The strategy registry: decision rules for one actor on one track, vectorised across runs.

A strategy is pure: it sees an :class:`Observation` (what the actor may know), its parameters and
one uniform number per run from the run's own stream, and returns the intended move (``True`` = C).
It never touches Mesa or global random state. Classic rules follow the Axelrod library; with
linkage, reciprocal rules react to perceived cooperation ``pi`` instead of the raw last move
(docs/model.md), so with linkage 0 each is exactly its textbook self.

What an actor remembers between steps is a :class:`Memory`, and :func:`remember` is the one
update of it after a step, used by the model's actors (``sim/model/actors.py``) and the tournament
kernel (``sim/tournament/play.py``) alike. :func:`play_script` plays a rule against a scripted
opponent with nothing but these pieces (no Mesa, no scenario): the rules as pure functions on arrays.

A base module: numpy, ``sim.games`` and ``sim.ranges`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .games import PRESETS, Payoffs, optimal_generosity
from .lazy import lazy
from .ranges import POSITIVE, UNIT, Range

np = lazy("numpy", __name__)  # imported on first use: `sim validate` never needs numpy

Array = "np.ndarray"  # for annotations only (a name, so importing needs no numpy)


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
    "level_linkage": ParamSpec(UNIT, 0.0, "v3, channel only: perceived cooperation times (1 - x * rivalry "
                                          "pressure), so the rivalry's level weighs on the channel"),
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


def cooperate_probability(obs: Observation, beta: Array, total: bool = False, values=None) -> Array:
    """The logit rule's chance of C: ``1 / (1 + exp(-beta (1-delta) (V_C - V_D)))`` (v3: the gap in
    per-step equivalents, so beta means the same at every delta); ``total``: on whole present
    values (version 2). Infinite beta: 1 where ``V_C >= V_D``, else 0. ``values``: (V_C, V_D) if
    already computed."""
    v_c, v_d = forward_values(obs) if values is None else values
    gap = v_c - v_d if total else (1.0 - obs.discount) * (v_c - v_d)
    beta = np.broadcast_to(np.asarray(beta, dtype=float), np.shape(gap))
    finite = np.isfinite(beta)
    with np.errstate(over="ignore"):
        p_c = 1.0 / (1.0 + np.exp(-np.where(finite, beta, 0.0) * gap))
    return np.where(finite, p_c, (v_c >= v_d).astype(float))


@register(
    "forward_looking",
    "Expected-utility rule on the belief and discount; C iff V_C >= V_D (logit if `rationality`).",
    reciprocal=True,
    params={"rationality": ParamSpec(POSITIVE, None, "logit precision beta on the per-step gain "
                                                     "(1-delta)(V_C - V_D); default infinite")},
)
def _forward(obs, params, u):
    beta = params.get("rationality")
    if beta is None:
        v_c, v_d = forward_values(obs)
        return v_c >= v_d
    finite = np.isfinite(beta)
    v_c, v_d = forward_values(obs)
    p_c = cooperate_probability(obs, beta, bool(np.all(params.get("value_scale_total", False))), (v_c, v_d))
    return np.where(finite, u < p_c, v_c >= v_d)


def describe() -> list[tuple[str, str]]:
    """(name, one-line description) for every registered strategy, sorted by name."""
    return sorted((s.name, s.description) for s in REGISTRY.values())


# --------------------------------------------------------------------------------------------
# Memory of play, and playing a rule against a script
# --------------------------------------------------------------------------------------------


@dataclass
class Memory:
    """What one actor remembers of play, as arrays of one shape (runs, or runs x tracks).

    ``last``: its own last realised move; ``pi``/``pi_prev``: the other's perceived cooperation
    one and two steps back (1 before play); ``triggered``: ``pi`` has ever fallen below 1;
    ``belief``: that the other reciprocates (starts at the actor's ``trust``).
    """

    last: Array
    pi: Array
    pi_prev: Array
    triggered: Array
    belief: Array

    @classmethod
    def start(cls, belief: Array) -> Memory:
        """The memory before the first step, with initial ``belief`` (its shape is the memory's)."""
        belief = np.array(belief, dtype=float)
        return cls(np.ones(belief.shape, dtype=bool), np.ones(belief.shape), np.ones(belief.shape),
                   np.zeros(belief.shape, dtype=bool), belief)


def remember(memory: Memory, realised: Array, pi: Array, learning: Array, alive: Array | None = None,
             *, out: Memory | None = None) -> Memory:
    """The memory after a step in which the actor played ``realised`` and perceived cooperation
    ``pi`` of the other (docs/model.md, section 5): ``pi`` shifts to ``pi_prev``, ``triggered``
    sticks once ``pi < 1``, and ``belief <- (1 - learning) belief + learning pi``.

    Only where ``alive`` is true (broadcast to the memory's shape; ``None``: everywhere) does
    anything change: a run that has ended keeps its memory. Returns a new :class:`Memory`; with
    ``out`` (which may be ``memory`` itself) writes into ``out``'s arrays instead and returns it,
    for a caller that holds views of them.
    """
    belief = (1.0 - learning) * memory.belief + learning * pi
    where = True if alive is None else alive
    trigger = pi < 1.0 if alive is None else alive & (pi < 1.0)
    if out is None:
        return Memory(last=np.where(where, realised, memory.last), pi=np.where(where, pi, memory.pi),
                      pi_prev=np.where(where, memory.pi, memory.pi_prev),
                      triggered=np.where(trigger, True, memory.triggered),
                      belief=np.where(where, belief, memory.belief))
    np.copyto(out.pi_prev, memory.pi, where=where)  # before pi is overwritten: out may be memory
    np.copyto(out.pi, pi, where=where)
    np.copyto(out.triggered, True, where=trigger)
    np.copyto(out.last, realised, where=where)
    np.copyto(out.belief, belief, where=where)
    return out


@dataclass(frozen=True)
class ScriptedPlay:
    """A rule's moves against a script: ``intended`` and ``realised`` (after noise), (steps, runs)."""

    intended: Array
    realised: Array

    def moves(self, run: int = 0, intended: bool = False) -> str:
        """One run's moves as a string such as ``"CDDC"``."""
        return "".join("C" if m else "D" for m in (self.intended if intended else self.realised)[:, run])


def _script(script: str | Sequence[bool] | Array, runs: int) -> Array:
    if isinstance(script, str):
        if set(script) - {"C", "D"}:
            raise ValueError(f"a script is a string of C and D, got {script!r}")
        script = [m == "C" for m in script]
    moves = np.asarray(script, dtype=bool)
    if moves.ndim == 1:
        moves = moves[:, None]
    return np.broadcast_to(moves, (len(moves), runs))


def play_script(strategy: str | Strategy, script: str | Sequence[bool] | Array,
                params: Mapping[str, float | Array] | None = None, *, runs: int = 1,
                u: Array | None = None, noise: float | Array = 0.0, u_noise: Array | None = None,
                game: str | Payoffs | tuple[float, float, float, float] = "prisoners_dilemma",
                trust: float | Array = 0.5, trust_learning: float | Array = 0.2,
                discount: float | Array = 0.9) -> ScriptedPlay:
    """Play ``strategy`` against an opponent whose realised moves are ``script``, in ``runs`` runs at once.

    Pure: the rule sees an :class:`Observation` built from its :class:`Memory`, which
    :func:`remember` updates after each step, exactly as in the engine with linkage 0 and no
    events or payoff modifiers; there is no Mesa and no scenario. ``script``: the opponent's moves,
    ``"CDDC..."``, or booleans (steps,) or (steps, runs) (never flipped, like forced moves).
    ``params``: the rule's parameters (numbers or arrays over runs). ``u``: the rule's uniform
    numbers (steps, runs); a rule that draws (a stochastic one, or ``forward_looking`` with a finite
    ``rationality``) needs them, and any other rule moves the same whatever they are (default 0.5).
    ``noise`` flips an intended move where ``u_noise`` (steps, runs) is below it. ``game``: a preset
    name, :class:`~sim.games.Payoffs` or (R, S, T, P); ``trust``, ``trust_learning`` and ``discount``
    are the actor's (defaults: a scenario's).
    """
    rule = get(strategy) if isinstance(strategy, str) else strategy
    moves = _script(script, runs)
    steps = len(moves)
    unknown = sorted(set(params or {}) - set(rule.params))
    if unknown:
        raise ValueError(f"{rule.name} has no parameter {unknown[0]!r} (it has: {', '.join(rule.params) or 'none'})")
    values = {k: np.broadcast_to(np.asarray(v, dtype=float), (runs,)) for k, v in (params or {}).items()}
    draws = rule.stochastic or ("rationality" in values and not np.isinf(values["rationality"]).all())
    if u is None and draws:
        raise ValueError(f"{rule.name} draws random numbers here: pass u (steps x runs uniforms)")
    u = np.broadcast_to(np.asarray(0.5 if u is None else u, dtype=float), (steps, runs))
    if u_noise is None and np.any(np.asarray(noise) > 0):
        raise ValueError("noise needs u_noise (steps x runs uniforms)")
    flips = (np.zeros((steps, runs), dtype=bool) if u_noise is None
             else np.broadcast_to(np.asarray(u_noise, dtype=float), (steps, runs)) < noise)
    pay = PRESETS[game] if isinstance(game, str) else game if isinstance(game, Payoffs) else Payoffs(*game)
    R, S, T, P = (np.full(runs, float(x)) for x in (pay.R, pay.S, pay.T, pay.P))
    delta = np.broadcast_to(np.asarray(discount, dtype=float), (runs,))
    learning = np.broadcast_to(np.asarray(trust_learning, dtype=float), (runs,))
    memory = Memory.start(np.broadcast_to(np.asarray(trust, dtype=float), (runs,)))
    intended = np.empty((steps, runs), dtype=bool)
    for t in range(steps):
        obs = Observation(t, memory.last, memory.pi, memory.pi_prev, memory.triggered, memory.belief, R, S, T, P, delta)
        intended[t] = rule.decide(obs, values, u[t])
        other_d = (~moves[t]).astype(float)
        memory = remember(memory, intended[t] ^ flips[t], 1.0 - other_d, learning)
    return ScriptedPlay(intended, intended ^ flips)
