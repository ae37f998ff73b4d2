"""The negotiation model: one Mesa model simulating one run, or many runs at once as arrays.

``NegotiationModel(scenario, runs=[r])`` is a normal Mesa model of run ``r``: step it and
inspect ``model.actors``, ``model.tracks`` and ``model.datacollector``. Given many run indices,
every state variable is an array over runs and one ``step()`` advances all of them; since each
run's random numbers depend only on ``(seed, r)`` (see ``sim/streams.py``) and every operation is
elementwise per run, run ``r`` is bit-for-bit the same either way.

**Twins.** Given ``twins``, the model also simulates each run once more per twin: an intervention
(forced moves, skipped events, frozen rivalry tracks) applied to the same scenario, seed and random
numbers. The arrays then have one *lane* per (twin, run): lanes ``0 .. n-1`` are the runs
themselves, lanes ``n(j+1) .. n(j+2)-1`` twin ``j``. The random numbers are drawn once and shared
by a run and its twins, so run ``r`` of a twin depends only on (scenario, seed, r, twin).

**Actors.** ``model.actors`` is a list. Each track is a 2x2 game between two of them, its
``players`` (by default the first two): the step scores, moves the ladder and updates beliefs per
track from that pair, and the channel's outcome reads the channel track's pair. Scenario files
have exactly two actors who play every track; the engine also takes more (an actor who plays no
track is inert), with the random numbers of the first two unchanged (see ``draws.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import mesa
import numpy as np

from ..scenario.resolved import Scenario, TwinDef
from ..streams import generator
from .actors import Actor
from .draws import Draws, draw
from .events import EventEngine
from .nonstate import Population
from .outcomes import OutcomeTracker
from .tracks import TrackState

def _forget_agent_ids(model: mesa.Model) -> None:
    """Drop Mesa's class-level per-model id counter for ``model`` (all our agents exist by now).

    In Mesa 3.3 ``mesa.Agent._ids`` is a class-level dict keyed by model, which keeps every model
    ever built alive: thousands of chunk models would otherwise pile up in memory (Mesa issue 3179).
    Later Mesa assigns ids in ``Model.register_agent`` and has no ``_ids`` (pull request 3180);
    there the public ``Model.remove_all_agents()`` of :meth:`NegotiationModel.release` is all it
    takes, and this does nothing.
    """
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


def _check_players(scenario: Scenario) -> None:
    """Every track is played by two different actors of the scenario, each with a strategy there."""
    n = len(scenario.actors)
    for k, t in enumerate(scenario.tracks):
        if len(t.players) != 2 or t.players[0] == t.players[1] or not all(0 <= i < n for i in t.players):
            raise ValueError(f"track '{t.name}': players {t.players} are not two different actors of {n}")
        if len(t.payoffs) != 2:
            raise ValueError(f"track '{t.name}': {len(t.payoffs)} payoff tables, expected one per player (2)")
        for i in t.players:
            if scenario.actors[i].strategies[k] is None:
                raise ValueError(f"track '{t.name}': player '{scenario.actors[i].name}' has no strategy on it")


class NegotiationModel(mesa.Model):
    """US and China (or any actors, two per track) on several issue tracks, for one or many runs.

    ``collect=False`` skips the per-step DataCollector (ensembles read their own statistics);
    ``grid=False`` skips the robustness grid of the channel definition.
    """

    def __init__(self, scenario: Scenario, runs: int | Sequence[int] | None = None, seed: int | None = None,
                 twins: Sequence[TwinDef] = (), collect: bool = True, grid: bool = True, draws: Draws | None = None):
        """``draws``: the runs' random numbers made by the caller (a forecast's branches, see
        ``branch.py``) instead of those of ``(seed, run)``; one column per run in ``runs``."""
        self.scenario = scenario
        self.seed_value = scenario.seed if seed is None else int(seed)
        super().__init__(rng=generator(self.seed_value, "mesa"))  # apart from every run's streams
        if runs is None:
            runs = [0]
        self.run_ids = np.arange(runs) if isinstance(runs, (int, np.integer)) else np.asarray(runs, dtype=np.int64)
        n = len(self.run_ids)
        self.twins = tuple(twins)
        self.copies = 1 + len(self.twins)
        lanes = n * self.copies
        draws = draw(scenario, self.seed_value, self.run_ids) if draws is None else draws
        self.nonstate_u = draws.nonstate  # a forecast's nonstate numbers (None: the population draws its own)
        self.values = {p: self._tile(v) for p, v in draws.params.items()}
        self._twin_sets(n)
        self.block, self.event_u, self.slots = draws.block, draws.events, draws.slots
        self.thaw_u = draws.thaw  # v3: per freezable track, (horizon, runs) uniforms of the thaw draw
        self.length = self._tile(draws.length)
        _check_players(scenario)
        pairs = {t.players for t in scenario.tracks}
        self.pair = pairs.pop() if len(pairs) == 1 else None   # the two players of every track, if the same
        self.tracks = [TrackState(k, t, self.values, lanes) for k, t in enumerate(scenario.tracks)]
        self.actors = [Actor(self, i, a, self.values, self.tracks, lanes) for i, a in enumerate(scenario.actors)]
        self.population = (Population(self, scenario.nonstate, self._tile)
                           if scenario.nonstate is not None else None)
        _forget_agent_ids(self)
        self.twin_force = self._twin_interventions(n)
        self.events = EventEngine(scenario.events, self.values, lanes, self._twin_skips(n), counted=n)
        self.outcome = OutcomeTracker(scenario.outcomes, lanes, len(self.tracks), self.levels(), grid=grid,
                                      grid_runs=n)
        self.t = 0
        #: the step outcomes are measured from (a forecast's seam, ``branch.py``): steps recorded in
        #: outcomes (break step, first freeze, first firing, first incident) count from it
        self.origin = 0
        self.diverged = np.zeros(lanes, dtype=bool)  # twin lanes whose channel moves left the run's
        self.fired_this_step: list[str] = []
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters()) if collect else None
        self.running = True

    # -- lanes -----------------------------------------------------------------------------------

    def _tile(self, x: np.ndarray) -> np.ndarray:
        """Repeat per-run values for every twin (along the last axis: runs)."""
        if self.copies == 1:
            return x
        return np.tile(x, self.copies) if x.ndim == 1 else np.tile(x, (1,) * (x.ndim - 1) + (self.copies,))

    def _lanes(self, j: int, n: int) -> np.ndarray:
        """Mask of the lanes of twin ``j`` (0-based)."""
        mask = np.zeros(n * self.copies, dtype=bool)
        mask[n * (j + 1): n * (j + 2)] = True
        return mask

    def _twin_interventions(self, n: int) -> list[tuple[int, int, np.ndarray, bool]]:
        """Forced moves of every twin as (actor, track, lanes, cooperate); frozen tracks marked."""
        force = []
        for j, twin in enumerate(self.twins):
            lanes = self._lanes(j, n)
            for k in twin.frozen:
                self.tracks[k].frozen = self.tracks[k].frozen | lanes
            for a, k, cooperate in twin.force:
                force.append((a, k, lanes, cooperate))
        return force

    def _twin_sets(self, n: int) -> None:
        """v3: a twin's ``set:`` overrides sampled parameters in its lanes (same random numbers)."""
        for j, twin in enumerate(self.twins):
            if twin.set:
                lanes = self._lanes(j, n)
                for path, value in twin.set:
                    self.values[path] = np.where(lanes, self.values[value], self.values[path])

    def _twin_skips(self, n: int) -> np.ndarray:
        skip = np.zeros((len(self.scenario.events), n * self.copies), dtype=bool)
        for j, twin in enumerate(self.twins):
            for i in twin.skip_events:
                skip[i] |= self._lanes(j, n)
        return skip

    def lane(self, j: int | None = None) -> slice:
        """Slice of the run lanes (``None``) or of twin ``j``'s lanes in every state array."""
        n = len(self.run_ids)
        return slice(0, n) if j is None else slice(n * (j + 1), n * (j + 2))

    # -- state -----------------------------------------------------------------------------------

    @property
    def n_runs(self) -> int:
        return len(self.run_ids)

    @property
    def alive(self) -> np.ndarray:
        """Lanes still going at the current step (continuation may end some early)."""
        return self.t < self.length

    def levels(self) -> np.ndarray:
        return np.stack([t.level for t in self.tracks], axis=1)

    def moves(self) -> tuple[np.ndarray, np.ndarray]:
        """Realised moves (True = C) of each track's two players, ``(lanes, tracks)`` per seat:
        column k of the first array is track k's ``players[0]``, of the second its ``players[1]``."""
        if self.pair is not None:  # the same two players everywhere (every scenario file): their own arrays
            i, j = self.pair
            return self.actors[i].realised, self.actors[j].realised
        return tuple(np.stack([self.actors[t.players[s]].realised[:, k] for k, t in enumerate(self.tracks)], axis=1)
                     for s in (0, 1))

    def incidents_so_far(self) -> np.ndarray:
        """Nonstate misuse incidents so far in each lane (none without a nonstate population)."""
        if self.population is None:
            return np.zeros(len(self.length), dtype=np.int64)
        return self.population.incidents

    def _reporters(self) -> dict:
        """Per-step model reporters (means over runs; the values themselves for a single run)."""
        main = self.lane()
        rep = {f"level_{t.name}": (lambda m, k=k: float(m.tracks[k].level[main].mean()))
               for k, t in enumerate(self.tracks)}
        for i, a in enumerate(self.actors):
            rep[f"trust_{a.name}"] = lambda m, i=i: float(m.actors[i].trust[main].mean())
            rep[f"payoff_{a.name}"] = lambda m, i=i: float(m.actors[i].payoff[main].mean())
        rep["channel_open"] = lambda m: float(m.outcome.open[main].mean())
        return rep

    def step(self) -> None:
        """One step for every run, in the order of docs/model.md."""
        t = self.t
        if t >= self.scenario.horizon:
            self.running = False
            return
        alive = self.alive
        u = self.block[t]
        u_events = self.event_u[:, t, :]
        if self.copies > 1:
            u = np.tile(u, (1, self.copies))
            u_events = np.tile(u_events, (1, self.copies))
        slots = self.slots
        forced = self.events.step(self, t, u_events, alive)
        for k, track in enumerate(self.tracks):  # v3: a frozen player walks out (deliberate: no noise)
            if k in self.thaw_u:
                now = track.see_freezes(t - self.origin, alive)
                for seat, a in enumerate(track.players):
                    walked = now & track.freeze[seat]
                    mask, value = forced[a][k]
                    forced[a][k] = (mask | walked, value & ~walked)
        for a, k, lanes, cooperate in self.twin_force:
            mask, value = forced[a][k]
            forced[a][k] = (mask | lanes, np.where(lanes, cooperate, value))
        self.outcome.see_levels(self.levels())
        n_tracks = len(self.tracks)
        for a in self.actors:
            a.decide(t, [u[slots.strategy(a.index, k)] for k in range(n_tracks)],
                     [u[slots.noise(a.index, k)] for k in range(n_tracks)], forced[a.index])
        for a in self.actors:
            a.score(alive)
        first, second = self.moves()
        if self.copies > 1:  # which twins' channel moves have left their run's
            ch = self.scenario.outcomes.channel
            n = len(self.run_ids)
            a, b = first[:, ch].reshape(self.copies, n), second[:, ch].reshape(self.copies, n)
            differ = (a != a[0]) | (b != b[0])
            self.diverged |= differ.reshape(-1) & alive
        for k, track in enumerate(self.tracks):
            track.move(first[:, k], second[:, k], alive)
        for a in self.actors:
            a.learn(alive)
        if self.population is not None:
            ch = self.scenario.outcomes.channel
            self.population.step(self, t, first[:, ch] & second[:, ch], alive, self.copies)
        ch = self.scenario.outcomes.channel
        frozen = self.tracks[ch].was_frozen if ch in self.thaw_u else None
        self.outcome.update(t - self.origin, (first, second), self.levels(), alive, frozen)
        for k, u in self.thaw_u.items():
            self.tracks[k].thaw_draw(u[t] if self.copies == 1 else np.tile(u[t], self.copies), alive)
        self.t += 1
        if self.datacollector is not None:
            self.datacollector.collect(self)
        if self.t >= self.length.max():
            self.running = False

    def release(self) -> None:
        """Free the per-run arrays now, once results are taken (models and agents reference each
        other, so without this they wait for Python's cycle collector)."""
        if self.population is not None:  # groups and population refer to each other: break the cycle
            self.population.groups.clear()
            self.population.u = None
        self.block = self.values = self.event_u = self.population = self.outcome = self.events = None
        self.thaw_u = self.nonstate_u = None
        self.actors.clear()
        self.tracks.clear()
        self.remove_all_agents()

    def run(self, observer=None) -> NegotiationModel:
        """Step until every run has ended; ``observer(model)`` is called after each step."""
        while self.running:
            self.step()
            if observer is not None:
                observer(self)
        return self
