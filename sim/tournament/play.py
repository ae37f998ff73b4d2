"""Play every pairing of a tournament, all repetitions at once.

Design: a tournament is ONE scenario of the engine. Pairing k = (i, j) is track k; actor ``A``
plays entrant i on it and actor ``B`` entrant j; repetition r is run r. With linkage 0 (the
default) the tracks are independent, and every random number of run r comes from ``(seed, r)``
with a fixed slot per actor and track (``sim/model/draws.py``), so the tournament is reproducible
by seed and each pairing's play is exactly what a one-track game with the same numbers gives.

:func:`play` steps that scenario with one of two kernels, vectorised over tracks as well as runs.
Both are the engine's semantics restricted to what a tournament uses (no events, no linkage, no
payoff modifiers), read the same random slots (:class:`Slots`) for the same purposes, and are
checked to be bit-for-bit equal to :func:`play_with_model`, which runs the same scenario through
:class:`~sim.NegotiationModel`:

- :func:`_play_arrays` shares the engine's decision code: each registered rule is called once per
  step on every (run, track, side) where it plays, and the memory update is
  :func:`~sim.strategies.remember`.
- :func:`_play_bits` (every rule but ``forward_looking``, which reads a continuous belief): with
  linkage 0 every move, memory and coin is a bit, so one step of the whole tournament is a few
  operations on Python ints, one formula per rule (:data:`BIT_RULES`, tested against the registry's
  rules on every state), and the totals are counted afterwards.
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ..games import PRESETS, optimal_generosity
from ..model.draws import Slots, draw
from ..model.model import NegotiationModel
from ..scenario.errors import ScenarioError
from ..scenario.load import scenario_from_dict
from ..strategies import Memory, Observation, remember
from .spec import TournamentSpec

SIDES = ("A", "B")


def scenario_data(spec: TournamentSpec) -> dict:
    """The tournament as a scenario mapping: one track per pairing, one run per repetition."""
    pairs = spec.pairings
    game = {"R": spec.game.R, "S": spec.game.S, "T": spec.game.T, "P": spec.game.P}
    if PRESETS.get(spec.game_label) == spec.game:
        game = spec.game_label  # the same payoffs, parsed once per track instead of as four numbers
    tracks = {f"pair{k}": {"game": game, **({"role": "channel"} if k == 0 else {})} for k in range(len(pairs))}
    actors = {side: {"noise": spec.noise,
                     "strategies": {f"pair{k}": spec.strategies[p[s]].scenario_entry() for k, p in enumerate(pairs)}}
              for s, side in enumerate(SIDES)}
    data = {"name": "tournament", "seed": spec.seed, "runs": spec.repetitions, "horizon": spec.turns,
            "actors": actors, "tracks": tracks}
    if spec.continuation is not None:
        data["continuation"] = spec.continuation
    return data


def build_scenario(spec: TournamentSpec):
    try:
        return scenario_from_dict(scenario_data(spec))
    except ScenarioError as exc:  # a strategy parameter the engine rejects
        raise UserError(f"tournament: {exc.message} ({'.'.join(map(str, exc.path))})") from None


def play_with_model(spec: TournamentSpec) -> tuple[np.ndarray, np.ndarray]:
    """Totals (repetitions, pairings, 2) and lengths (repetitions,) through the Mesa engine (slow; a reference)."""
    model = NegotiationModel(build_scenario(spec), runs=spec.repetitions, seed=spec.seed)
    totals = np.zeros((spec.repetitions, len(spec.pairings), 2))

    def observe(m):
        for s in range(2):
            totals[:, :, s] += m.actors[s].last_payoff

    model.run(observe)
    return totals, model.length.copy()


class _Columns:
    """Every (side, track) of the scenario as one column, ordered so that each rule's columns are contiguous."""

    def __init__(self, scenario, values: dict[str, np.ndarray], runs: int, slots: Slots):
        K = len(scenario.tracks)
        defs = [(s, k, scenario.actors[s].strategies[k]) for s in range(2) for k in range(K)]
        key = [(d.name, tuple(sorted(d.params))) for _, _, d in defs]
        order = sorted(range(2 * K), key=lambda c: (key[c], c))
        self.side = np.array([defs[c][0] for c in order])
        self.track = np.array([defs[c][1] for c in order])
        position = np.empty(2 * K, dtype=np.int64)
        position[order] = np.arange(2 * K)
        self.opponent = position[[(c + K) % (2 * K) for c in order]]
        # each column's slots in the dynamics block, as the engine reads them
        self.strategy_slot = slots.strategy(self.side, self.track)
        self.noise_slot = slots.noise(self.side, self.track)

        def per_column(paths):
            return np.stack([values[p] for p in paths], axis=1) if paths else np.zeros((runs, 0))

        actor = lambda name: per_column([scenario.actors[s].params[name] for s in self.side])  # noqa: E731
        pay = lambda x: per_column([scenario.tracks[k].payoffs[s][x] for s, k in zip(self.side, self.track)])  # noqa: E731
        self.R, self.S, self.T, self.P = pay("R"), pay("S"), pay("T"), pay("P")
        self.discount, self.trust, self.learning = actor("discount"), actor("trust"), actor("trust_learning")
        self.noise = actor("noise")
        self.groups = []  # (rule, slice, params)
        start = 0
        while start < 2 * K:
            stop = start
            while stop < 2 * K and key[order[stop]] == key[order[start]]:
                stop += 1
            d = defs[order[start]][2]
            cols = [defs[c][2] for c in order[start:stop]]
            params = {name: per_column([c.params[name] for c in cols]) for name in d.params}
            if "rationality" in d.rule.params and "rationality" not in params:
                params["rationality"] = np.full((runs, stop - start), np.inf)
            if d.name == "generous_tit_for_tat" and "generosity" not in params:
                # payoffs are constant in a tournament, so the engine's per-step default is too
                sl = slice(start, stop)
                params["generosity"] = optimal_generosity(self.R[:, sl], self.S[:, sl], self.T[:, sl], self.P[:, sl])
            for j, c in enumerate(cols):
                if c.noise:
                    self.noise[:, start + j] = values[c.noise]
            self.groups.append((d.rule, slice(start, stop), params))
            start = stop


def play(spec: TournamentSpec) -> tuple[np.ndarray, np.ndarray]:
    """Totals (repetitions, pairings, 2: entrant i's and entrant j's) and match lengths (repetitions,).

    With only rules of :data:`BIT_RULES` (all but ``forward_looking``), :func:`_play_bits`;
    otherwise :func:`_play_arrays`. Both give the engine's totals bit for bit.
    """
    scenario = build_scenario(spec)
    d = draw(scenario, spec.seed, np.arange(spec.repetitions))
    cols = _Columns(scenario, d.params, spec.repetitions, d.slots)
    kernel = _play_bits if all(rule.name in BIT_RULES for rule, _, _ in cols.groups) else _play_arrays
    return kernel(d, cols, spec.repetitions, len(scenario.tracks))


def _play_arrays(d, cols: _Columns, n: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Any rule: each registered rule called once per step on all its columns, the memory as arrays."""
    memory = Memory.start(cols.trust)
    totals = np.zeros((n, 2 * K))
    want = np.empty((n, 2 * K), dtype=bool)
    steps = int(d.length.max())
    # everything that does not depend on play, for all steps at once: (turns, runs, columns)
    u_strategy = np.ascontiguousarray(d.block[:steps, cols.strategy_slot, :].transpose(0, 2, 1))
    flip = d.block[:steps, cols.noise_slot, :].transpose(0, 2, 1) < cols.noise
    everyone = int(d.length.min())  # before this step every run is alive
    # memory is updated in place (remember(..., out=memory)), so each rule's views of it are made once
    m = memory
    groups = [(rule.rule, sl, params, (m.last[:, sl], m.pi[:, sl], m.pi_prev[:, sl], m.triggered[:, sl],
                                       m.belief[:, sl], cols.R[:, sl], cols.S[:, sl], cols.T[:, sl], cols.P[:, sl],
                                       cols.discount[:, sl]))
              for rule, sl, params in cols.groups]
    for t in range(steps):
        u = u_strategy[t]
        for decide, sl, params, views in groups:
            want[:, sl] = decide(Observation(t, *views), params, u[:, sl])
        realised = want ^ flip[t]
        other = realised[:, cols.opponent]
        pay = np.where(realised, np.where(other, cols.R, cols.S), np.where(other, cols.T, cols.P))
        seen = 1.0 - (~other).astype(float)  # perceived cooperation with linkage 0, as the engine computes it
        alive = None if t < everyone else (t < d.length)[:, None]
        totals += pay if alive is None else np.where(alive, pay, 0.0)
        remember(memory, realised, seen, cols.learning, alive, out=memory)
    out = np.zeros((n, K, 2))
    out[:, cols.track, cols.side] = totals
    return out, d.length.copy()


# ---------------------------------------------------------------------------------------------
# The same play with every move as one bit of a Python int
# ---------------------------------------------------------------------------------------------

#: With linkage 0 (always, in a tournament) perceived cooperation ``pi`` is the other's last
#: realised move exactly (1.0 or 0.0), and a uniform ``u`` in [0, 1) has ``u < 1.0`` true and
#: ``u < 0.0`` false. Each rule of the registry then reduces to a formula on bit sets: ``last``,
#: ``pi``, ``prev`` (the other's move two steps back), ``trig`` (the other has ever defected) and
#: ``coin``: ``u < threshold`` for the rule's parameter named in :data:`COIN` (GTFT: ``u < pi +
#: (1 - pi) q`` is ``u < 1.0`` or ``u < q``; random: ``u < p``). ``ones`` is every bit. A rule's
#: formula is read only on its own columns. ``tests/test_tournament.py`` checks each formula against
#: the registry's rule on every state and at the thresholds' edges, and the whole kernel against the
#: engine. ``forward_looking`` reads the (continuous) belief, so it is not here.
BIT_RULES = {
    "always_cooperate": lambda t, last, pi, prev, trig, coin, ones: ones,
    "always_defect": lambda t, last, pi, prev, trig, coin, ones: 0,
    "tit_for_tat": lambda t, last, pi, prev, trig, coin, ones: ones if t == 0 else pi,
    "suspicious_tit_for_tat": lambda t, last, pi, prev, trig, coin, ones: 0 if t == 0 else pi,
    "generous_tit_for_tat": lambda t, last, pi, prev, trig, coin, ones: ones if t == 0 else pi | coin,
    "grim_trigger": lambda t, last, pi, prev, trig, coin, ones: ones ^ trig,
    "win_stay_lose_shift": lambda t, last, pi, prev, trig, coin, ones: ones if t == 0 else ones ^ (last ^ pi),
    "tit_for_two_tats": lambda t, last, pi, prev, trig, coin, ones: ones if t < 2 else pi | prev,
    "alternator": lambda t, last, pi, prev, trig, coin, ones: ones if t % 2 == 0 else 0,
    "random": lambda t, last, pi, prev, trig, coin, ones: coin,
}
#: The parameter a rule's ``coin`` compares its uniform with (``u < params[name]``).
COIN = {"generous_tit_for_tat": "generosity", "random": "p"}


def pack(bits: np.ndarray) -> list[int]:
    """(steps, m) booleans -> one int per step, element c as bit c."""
    packed = np.packbits(bits.reshape(len(bits), -1), axis=1, bitorder="little")
    raw, width = packed.tobytes(), packed.shape[1]
    return [int.from_bytes(raw[i:i + width], "little") for i in range(0, len(raw), width)]


def unpack(rows: list[int], m: int) -> np.ndarray:
    """The inverse of :func:`pack`: ints -> (len(rows), m) booleans."""
    width = (m + 7) // 8
    raw = np.frombuffer(b"".join(x.to_bytes(width, "little") for x in rows), dtype=np.uint8)
    return np.unpackbits(raw.reshape(len(rows), width), axis=1, count=m, bitorder="little").astype(bool)


def _play_bits(d, cols: _Columns, n: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Rules of :data:`BIT_RULES` only: the moves of one step of every (run, side, track) as the bits of
    one int (bit ``r * 2K + side * K + track``), each rule one formula per step on all its columns.
    The same uniforms decide the same things as in :func:`_play_arrays` (strategy and noise slots)."""
    steps, m = int(d.length.max()), n * 2 * K
    natural = np.empty(2 * K, dtype=np.int64)  # natural[c]: column of `cols` that is (side, track) = divmod(c, K)
    natural[cols.side * K + cols.track] = np.arange(2 * K)
    threshold = np.zeros((n, 2 * K))  # u < 0 never: no coin where a rule has none
    names = np.empty(2 * K, dtype=object)
    for rule, sl, params in cols.groups:
        names[sl] = rule.name
        if rule.name in COIN:
            threshold[:, sl] = params[COIN[rule.name]]

    def bits_of(slot: np.ndarray, below: np.ndarray) -> list[int]:
        """Per step, the bits where the uniform of each column's slot is below its threshold (runs, 2K)."""
        u = d.block[:steps, slot[natural], :]  # (steps, 2K, runs)
        return pack((u < below[:, natural].T).transpose(0, 2, 1))

    coins = bits_of(cols.strategy_slot, threshold)
    noisy = bool((cols.noise > 0).any())
    flips = bits_of(cols.noise_slot, cols.noise) if noisy else None
    rules = [(BIT_RULES[name], pack(np.broadcast_to(names[natural] == name, (1, n, 2 * K)))[0])
             for name in dict.fromkeys(names[natural])]
    ones = (1 << m) - 1
    side_a = sum(((1 << K) - 1) << (r * 2 * K) for r in range(n))
    last, pi, prev, trig = ones, ones, ones, 0  # the memory before play (Memory.start)
    played = []
    for t in range(steps):
        coin = coins[t]
        want = 0
        for rule, mask in rules:
            want |= rule(t, last, pi, prev, trig, coin, ones) & mask
        realised = want ^ flips[t] if noisy else want
        other = ((realised >> K) & side_a) | ((realised & side_a) << K)
        played.append(realised)
        last, pi, prev = realised, other, pi
        trig |= ones ^ other
    me = unpack(played, m).reshape(steps, n, 2 * K)
    other = me[..., (np.arange(2 * K) + K) % (2 * K)]
    R, S, T, P = (x[:, natural] for x in (cols.R, cols.S, cols.T, cols.P))
    alive = np.arange(steps)[:, None] < d.length[None, :]  # (steps, runs): a run that has ended adds nothing
    totals = add_payoffs(me, other, alive, R, S, T, P)
    out = np.zeros((n, K, 2))
    out[:, np.arange(2 * K) % K, np.arange(2 * K) // K] = totals
    return out, d.length.copy()


def add_payoffs(me: np.ndarray, other: np.ndarray, alive: np.ndarray, R, S, T, P) -> np.ndarray:
    """Each column's total payoff over the steps where its run is alive: moves (steps, runs, columns),
    ``alive`` (steps, runs), payoffs (runs, columns).

    The engine adds a step's payoffs to the totals one step after the other. With whole-number
    payoffs every partial sum is a whole number below 2**53, so exact in any order, and the totals
    are counts of the four outcomes times their payoffs (each product and sum exact too); otherwise
    the payoffs are added step by step in the engine's order.
    """
    games = np.stack([R, S, T, P])
    steps = len(me)
    if np.all(games == np.round(games)) and steps * np.abs(games).max() < 2.0**52:
        me = me & alive[:, :, None]
        both = np.count_nonzero(me & other, axis=0)
        mine, theirs = np.count_nonzero(me, axis=0), np.count_nonzero(other & alive[:, :, None], axis=0)
        lived = np.count_nonzero(alive, axis=0)[:, None]
        cc, cd, dc = both, mine - both, theirs - both
        return R * cc + S * cd + T * dc + P * (lived - mine - theirs + both)
    totals = np.zeros(me.shape[1:])
    for t in range(steps):
        pay = np.where(me[t], np.where(other[t], R, S), np.where(other[t], T, P))
        totals += np.where(alive[t][:, None], pay, 0.0)
    return totals
