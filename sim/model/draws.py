"""Random streams: every random number of run ``r`` comes from ``(seed, r)`` alone.

Run ``r`` owns two numpy generators, seeded by ``SeedSequence(seed, spawn_key=(r, 0))`` for its
sampled parameters and ``(r, 1)`` for its dynamics. The dynamics stream is drawn up front as one
block of uniforms with a fixed slot per step and purpose, so a run gives the same numbers alone,
in any chunk, or on any process; and runs of two variants that differ only in parameter values,
or in events appended at the end, share their other random numbers (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..calibrate.posterior import apply_posterior
from ..scenario.resolved import Scenario

PARAMS_STREAM, DYNAMICS_STREAM = 0, 1


@dataclass(frozen=True)
class Slots:
    """Where each purpose's uniform sits in a step's row of the dynamics block."""

    n_events: int
    n_tracks: int

    continuation = 0

    def strategy(self, actor: int, track: int) -> int:
        return 1 + 2 * (actor * self.n_tracks + track)

    def noise(self, actor: int, track: int) -> int:
        return self.strategy(actor, track) + 1

    def event(self, i: int) -> int:
        """Events come last, so a variant that appends events keeps every other slot."""
        return 1 + 4 * self.n_tracks + i

    @property
    def size(self) -> int:
        return 1 + self.n_events + 4 * self.n_tracks


def run_generator(seed: int, run: int, stream: int) -> np.random.Generator:
    """The generator of one run's parameter (0) or dynamics (1) stream."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(run, stream))))


@dataclass
class Draws:
    """Sampled parameters (path -> array over runs) and the dynamics block, shape (horizon, slots, runs)."""

    params: dict[str, np.ndarray]
    block: np.ndarray
    length: np.ndarray
    slots: Slots


def draw(scenario: Scenario, seed: int, runs: np.ndarray) -> Draws:
    """All random numbers of the given runs of ``scenario`` under ``seed``."""
    runs = np.asarray(runs, dtype=np.int64)
    n, horizon = len(runs), scenario.horizon
    slots = Slots(len(scenario.events), len(scenario.tracks))
    paths = list(scenario.params)
    u_params = np.empty((n, len(paths)))
    block = np.empty((horizon, slots.size, n))
    core = slots.event(0)
    for i, r in enumerate(runs):
        run_generator(seed, int(r), PARAMS_STREAM).random(out=u_params[i])
        gen = run_generator(seed, int(r), DYNAMICS_STREAM)
        block[:, :core, i] = gen.random((horizon, core))
        # then each event's whole horizon in turn: appending an event appends numbers at the end
        block[:, core:, i] = gen.random((slots.n_events, horizon)).T
    params = {p: scenario.params[p].sample(u_params[:, j]) for j, p in enumerate(paths)}
    params = apply_posterior(scenario, seed, runs, params)  # parameters: {from: posterior.csv}
    return Draws(params, block, run_lengths(scenario, params, block), slots)


def run_lengths(scenario: Scenario, params: dict[str, np.ndarray], block: np.ndarray) -> np.ndarray:
    """Steps each run lasts: ``horizon``, or geometric with continuation w (at least 1, capped)."""
    horizon, n = block.shape[0], block.shape[2]
    if scenario.continuation is None or horizon == 1:
        return np.full(n, horizon, dtype=np.int64)
    w = params[scenario.continuation]
    stop = block[: horizon - 1, Slots.continuation, :] >= w  # after step t the run stops
    return np.where(stop.any(axis=0), stop.argmax(axis=0) + 1, horizon).astype(np.int64)
