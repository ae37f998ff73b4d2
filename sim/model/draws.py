"""Random streams: every random number of run ``r`` comes from ``(seed, r)`` alone.

Two kinds of stream, both independent of how runs are grouped into chunks or processes:

- **Keyed streams** (``keyed_uniforms``): one counter-based Philox generator per purpose, keyed by
  ``(seed, purpose)`` where the purpose is a text such as a parameter's path (``"param:actors.US.noise"``)
  or an event's name (``"event:Leaders' call"``). Run ``r`` reads the block of numbers at counter
  ``r``, so it can be read without drawing the runs before it. Because the key is the *name*, not a
  position, adding, removing or reordering parameters or events never re-draws the others: common
  random numbers survive edits of a scenario.
- **The dynamics block**: per run, ``SeedSequence(seed, spawn_key=(r, 1))`` draws one uniform per
  step for the continuation draw and for each actor's strategy and noise on each track (fixed slots).

Every stream key the engine reserves is declared in :data:`STREAMS`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..calibrate.posterior import apply_posterior
from ..scenario.resolved import Scenario

DYNAMICS_STREAM = 1

#: Every kind of keyed stream, by prefix, with what it is for. A stream's full key is
#: ``prefix + ":" + name``; names come from the scenario (parameter paths, event names).
STREAMS = {
    "param": "one uniform per run per sampled parameter, keyed by the parameter's path",
    "event": "one uniform per run per step per event, keyed by the event's name",
    "nonstate": "the nonstate population's per-step draws (groups' attempts and successes, attribution)",
    "posterior": "which row of a posterior table a run takes",
}


def stream_key(seed: int, kind: str, name: str) -> np.ndarray:
    """The 128-bit Philox key of stream ``kind:name`` under ``seed`` (stable across versions)."""
    if kind not in STREAMS:
        raise KeyError(f"undeclared random stream kind {kind!r}")
    digest = hashlib.sha256(f"{kind}:{name}".encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return np.random.SeedSequence(int(seed), spawn_key=tuple(words)).generate_state(2, np.uint64)


def keyed_uniforms(seed: int, kind: str, name: str, runs: np.ndarray, per_run: int = 1) -> np.ndarray:
    """``(len(runs), per_run)`` uniforms of stream ``kind:name``; row i belongs to run ``runs[i]`` only.

    Run ``r`` owns the Philox counter block starting at ``r * ceil(per_run / 4)`` (each counter
    step yields four 64-bit outputs), so its numbers are the same whatever other runs are drawn.
    """
    runs = np.asarray(runs, dtype=np.int64)
    out = np.empty((len(runs), per_run))
    if len(runs) == 0 or per_run == 0:
        return out
    width = -(-per_run // 4)  # counter steps per run
    key = stream_key(seed, kind, name)
    # contiguous stretches of run indices are drawn in one go
    breaks = np.nonzero(np.diff(runs) != 1)[0] + 1
    for part in np.split(np.arange(len(runs)), breaks):
        first = int(runs[part[0]])
        bits = np.random.Philox(key=key)
        if first:
            bits.advance(first * width)
        block = np.random.Generator(bits).random((len(part), 4 * width))
        out[part] = block[:, :per_run]
    return out


@dataclass(frozen=True)
class Slots:
    """Where each purpose's uniform sits in a step's row of the per-run dynamics block.

    ``strategy`` and ``noise`` take an actor and a track, or arrays of them (elementwise).
    """

    n_tracks: int
    n_actors: int = 2

    continuation = 0

    def strategy(self, actor: int | np.ndarray, track: int | np.ndarray) -> int | np.ndarray:
        return 1 + 2 * (actor * self.n_tracks + track)

    def noise(self, actor: int | np.ndarray, track: int | np.ndarray) -> int | np.ndarray:
        return self.strategy(actor, track) + 1

    @property
    def size(self) -> int:
        return 1 + 2 * self.n_actors * self.n_tracks


def run_generator(seed: int, run: int, stream: int = DYNAMICS_STREAM) -> np.random.Generator:
    """The generator of one run's dynamics stream."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(run, stream))))


@dataclass
class Draws:
    """Sampled parameters (path -> array over runs), the dynamics block ``(horizon, slots, runs)``,
    each event's uniforms ``(events, horizon, runs)`` and each run's length."""

    params: dict[str, np.ndarray]
    block: np.ndarray
    events: np.ndarray
    length: np.ndarray
    slots: Slots


def sample_params(scenario: Scenario, seed: int, runs: np.ndarray) -> dict[str, np.ndarray]:
    """Every parameter's value in each run: fixed ones repeated, uncertain ones from their own stream."""
    n = len(runs)
    out = {}
    for path, param in scenario.params.items():
        if param.uncertain:
            out[path] = _sample(param, keyed_uniforms(seed, "param", path, runs)[:, 0], runs)
        else:
            out[path] = param.sample(np.zeros(n))
    return out


def draw(scenario: Scenario, seed: int, runs: np.ndarray) -> Draws:
    """All random numbers of the given runs of ``scenario`` under ``seed``."""
    runs = np.asarray(runs, dtype=np.int64)
    n, horizon = len(runs), scenario.horizon
    slots = Slots(len(scenario.tracks), len(scenario.actors))
    block = np.empty((horizon, slots.size, n))
    for i, r in enumerate(runs):
        block[:, :, i] = run_generator(seed, int(r)).random((horizon, slots.size))
    events = np.empty((len(scenario.events), horizon, n))
    for i, e in enumerate(scenario.events):
        events[i] = keyed_uniforms(seed, "event", e.name, runs, horizon).T
    params = sample_params(scenario, seed, runs)
    params = apply_posterior(scenario, seed, runs, params)  # parameters: {from: posterior.csv}
    return Draws(params, block, events, run_lengths(scenario, params, block), slots)


def _sample(param, u: np.ndarray, runs: np.ndarray) -> np.ndarray:
    """A parameter's values for ``runs``; a design that couples runs (``sample_runs``) gets their indices."""
    by_run = getattr(param, "sample_runs", None)
    return by_run(u, runs) if by_run is not None else param.sample(u)


def run_lengths(scenario: Scenario, params: dict[str, np.ndarray], block: np.ndarray) -> np.ndarray:
    """Steps each run lasts: ``horizon``, or geometric with continuation w (at least 1, capped)."""
    horizon, n = block.shape[0], block.shape[2]
    if scenario.continuation is None or horizon == 1:
        return np.full(n, horizon, dtype=np.int64)
    w = params[scenario.continuation]
    stop = block[: horizon - 1, Slots.continuation, :] >= w  # after step t the run stops
    return np.where(stop.any(axis=0), stop.argmax(axis=0) + 1, horizon).astype(np.int64)
