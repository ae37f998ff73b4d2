"""Play every pairing of a tournament, all repetitions at once.

Design: a tournament is ONE scenario of the engine. Pairing k = (i, j) is track k; actor ``A``
plays entrant i on it and actor ``B`` entrant j; repetition r is run r. With linkage 0 (the
default) the tracks are independent, and every random number of run r comes from ``(seed, r)``
with a fixed slot per actor and track (``sim/model/draws.py``), so the tournament is reproducible
by seed and each pairing's play is exactly what a one-track game with the same numbers gives.

:func:`play` steps that scenario with a kernel vectorised over tracks as well as runs: each
registered strategy rule is called once per step on every (run, track, side) where it plays,
instead of once per track. It is the engine's semantics restricted to what a tournament uses
(no events, no linkage, no payoff modifiers) and is checked to be bit-for-bit equal to
:func:`play_with_model`, which runs the same scenario through :class:`~sim.NegotiationModel`. It
shares the engine's decision code: the same rules, the same random slots (:class:`Slots`) and the
same memory update (:func:`~sim.strategies.remember`).
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ..games import optimal_generosity
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
    """Totals (repetitions, pairings, 2: entrant i's and entrant j's) and match lengths (repetitions,)."""
    scenario = build_scenario(spec)
    d = draw(scenario, spec.seed, np.arange(spec.repetitions))
    n, K = spec.repetitions, len(scenario.tracks)
    cols = _Columns(scenario, d.params, n, d.slots)
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
