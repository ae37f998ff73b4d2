"""The negotiation model: one Mesa model simulating one run, or many runs at once as arrays.

``NegotiationModel(scenario, runs=[r])`` is a normal Mesa model of run ``r``: step it and
inspect ``model.actors``, ``model.tracks`` and ``model.datacollector``. Given many run indices,
every state variable is an array over runs and one ``step()`` advances all of them; since each
run's random numbers depend only on ``(seed, r)`` (see ``draws.py``) and every operation is
elementwise per run, run ``r`` is bit-for-bit the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import mesa
import numpy as np

from ..scenario.resolved import Scenario
from .actors import Actor
from .draws import draw
from .events import EventEngine
from .outcomes import OutcomeTracker
from .tracks import TrackState

#: spawn key of the Mesa model's own generator, kept apart from every run's streams
MESA_STREAM = 2**32 - 1


def _forget_agent_ids(model: mesa.Model) -> None:
    """Drop Mesa's class-level per-model id counter for ``model`` (all our agents exist by now).

    ``mesa.Agent._ids`` (Mesa 3.3-3.5) is a class-level dict keyed by model, which keeps every
    model ever built alive: thousands of chunk models would otherwise pile up in memory.
    """
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


class NegotiationModel(mesa.Model):
    """US and China (or any two actors) on several issue tracks, for one or many runs."""

    def __init__(self, scenario: Scenario, runs: int | Sequence[int] | None = None, seed: int | None = None):
        self.scenario = scenario
        self.seed_value = scenario.seed if seed is None else int(seed)
        super().__init__(rng=np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(self.seed_value, spawn_key=(MESA_STREAM,)))))
        if runs is None:
            runs = [0]
        self.run_ids = np.arange(runs) if isinstance(runs, (int, np.integer)) else np.asarray(runs, dtype=np.int64)
        n = len(self.run_ids)
        draws = draw(scenario, self.seed_value, self.run_ids)
        self.values, self.block, self.length, self.slots = draws.params, draws.block, draws.length, draws.slots
        self.tracks = [TrackState(k, t, self.values, n) for k, t in enumerate(scenario.tracks)]
        self.actors = [Actor(self, i, a, self.values, self.tracks, n) for i, a in enumerate(scenario.actors)]
        _forget_agent_ids(self)
        self.events = EventEngine(scenario.events, self.values, n)
        self.outcome = OutcomeTracker(scenario.outcomes, n, len(self.tracks),
                                      np.stack([t.level for t in self.tracks], axis=1))
        self.t = 0
        self.fired_this_step: list[str] = []
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.running = True

    @property
    def n_runs(self) -> int:
        return len(self.run_ids)

    @property
    def alive(self) -> np.ndarray:
        """Runs still going at the current step (continuation may end some early)."""
        return self.t < self.length

    def levels(self) -> np.ndarray:
        return np.stack([t.level for t in self.tracks], axis=1)

    def _reporters(self) -> dict:
        """Per-step model reporters (means over runs; the values themselves for a single run)."""
        rep = {f"level_{t.name}": (lambda m, k=k: float(m.tracks[k].level.mean())) for k, t in enumerate(self.tracks)}
        for i, a in enumerate(self.actors):
            rep[f"trust_{a.name}"] = lambda m, i=i: float(m.actors[i].trust.mean())
            rep[f"payoff_{a.name}"] = lambda m, i=i: float(m.actors[i].payoff.mean())
        rep["channel_open"] = lambda m: float(m.outcome.open.mean())
        return rep

    def step(self) -> None:
        """One step for every run, in the order of MODEL.md section 5."""
        t = self.t
        if t >= self.scenario.horizon:
            self.running = False
            return
        alive = self.alive
        u = self.block[t]
        slots = self.slots
        forced = self.events.step(self, t, [u[slots.event(i)] for i in range(len(self.scenario.events))], alive)
        self.outcome.see_levels(self.levels())
        for a in self.actors:
            a.decide(t, [u[slots.strategy(a.index, k)] for k in range(len(self.tracks))],
                     [u[slots.noise(a.index, k)] for k in range(len(self.tracks))], forced[a.index])
        us, them = self.actors
        us.score(them, alive)
        them.score(us, alive)
        for k, track in enumerate(self.tracks):
            track.move(us.realised[:, k], them.realised[:, k], alive)
        us.learn(them, alive)
        them.learn(us, alive)
        self.outcome.see_levels(self.levels())
        self.outcome.update(t, (us.realised, them.realised), alive)
        self.t += 1
        self.datacollector.collect(self)
        if self.t >= self.length.max():
            self.running = False

    def release(self) -> None:
        """Free the per-run arrays now, once results are taken (models and agents reference each
        other, so without this they wait for Python's cycle collector)."""
        self.block = self.values = None
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
