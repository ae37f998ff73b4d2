"""All random numbers of some runs of a scenario: every number of run ``r`` comes from ``(seed, r)`` alone.

The streams are those of ``sim/streams.py``, independent of how runs are grouped into chunks or
processes:

- **Keyed streams**: each sampled parameter (``param:<path>``) and each event (``event:<name>``)
  has its own, so adding, removing or reordering them never re-draws the others.
- **The dynamics block**: per run, the ``dynamics`` stream (``SeedSequence(seed, spawn_key=(r, 1))``)
  draws one uniform per step for the continuation draw and for each actor's strategy and noise on
  each track, at the fixed places of :class:`Slots`. Only the first two actors' slots come from
  this generator. An actor beyond them (the engine accepts more, scenario files do not) gets its
  slots from its own keyed stream ``actor:<name>``, so adding one leaves every number of the first
  two exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.posterior import POSTERIOR_STREAM
from ..scenario.resolved import Scenario
from ..streams import keyed_uniforms, spawn_uniforms

#: actors whose dynamics slots the per-run PCG64 generator draws (later actors: keyed streams)
DRAWN_ACTORS = 2


@dataclass(frozen=True)
class Slots:
    """Where each purpose's uniform sits in a step's row of the per-run dynamics block.

    A row is slot 0 (continuation), then per actor and track a strategy slot and a noise slot,
    actor-major. The first :data:`DRAWN_ACTORS` actors' slots (``drawn`` columns) are drawn
    row-major from the run's PCG64 generator, exactly as with two actors only; the slots of each
    further actor are filled from its keyed stream ``actor:<name>`` (per run, ``horizon`` rows of
    ``2 * n_tracks`` uniforms), so they neither shift nor depend on the first two actors' numbers.

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

    @property
    def drawn(self) -> int:
        """Leading slots drawn from the run's PCG64 generator (the rest: keyed streams per actor)."""
        return 1 + 2 * min(self.n_actors, DRAWN_ACTORS) * self.n_tracks


@dataclass
class Draws:
    """Sampled parameters (path -> array over runs), the dynamics block ``(horizon, slots, runs)``,
    each event's uniforms ``(events, horizon, runs)`` and each run's length."""

    params: dict[str, np.ndarray]
    block: np.ndarray
    events: np.ndarray
    length: np.ndarray
    slots: Slots
    thaw: dict = None  # v3: track index -> (horizon, runs) uniforms of its thaw draw (freezable tracks)
    #: a forecast's nonstate numbers, ((runs, horizon, width), [(runs, horizon) per actor beyond two]);
    #: None: the population draws its own from (seed, run) (sim/model/nonstate.py)
    nonstate: tuple | None = None


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
    n_tracks = len(scenario.tracks)
    slots = Slots(n_tracks, len(scenario.actors))
    block = np.empty((horizon, slots.size, n))
    # run r's rows from its own generator(seed, "dynamics", r), all runs' made at once (spawn_uniforms)
    block[:, :slots.drawn, :] = spawn_uniforms(seed, "dynamics", runs, (horizon, slots.drawn)).transpose(1, 2, 0)
    for a in range(DRAWN_ACTORS, len(scenario.actors)):
        u = keyed_uniforms(seed, "actor", scenario.actors[a].name, runs, horizon * 2 * n_tracks)
        first = slots.strategy(a, 0)
        block[:, first:first + 2 * n_tracks, :] = u.reshape(n, horizon, 2 * n_tracks).transpose(1, 2, 0)
    events = np.empty((len(scenario.events), horizon, n))
    for i, e in enumerate(scenario.events):
        events[i] = keyed_uniforms(seed, "event", e.name, runs, horizon).T
    thaw = {k: keyed_uniforms(seed, "thaw", scenario.tracks[k].name, runs, horizon).T
            for k in freezable_tracks(scenario)}
    params = sample_params(scenario, seed, runs)
    params = apply_posterior(scenario, seed, runs, params)  # parameters: {from: posterior.csv}
    return Draws(params, block, events, run_lengths(scenario, params, block), slots, thaw)


def freezable_tracks(scenario: Scenario) -> list[int]:
    """v3: the tracks some event can freeze (only they draw thaw numbers and count freezes)."""
    return sorted({k for e in scenario.events for x in e.effects if x.op == "freeze" for k in x.tracks})


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


def posterior_rows(seed: int, runs: np.ndarray, rows: int) -> np.ndarray:
    """The posterior row each run takes: one uniform of the run's own ``posterior`` stream."""
    u = keyed_uniforms(seed, "posterior", POSTERIOR_STREAM, runs)[:, 0]
    return np.minimum((u * rows).astype(np.int64), rows - 1)


def apply_posterior(scenario, seed: int, runs: np.ndarray, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``params`` with the posterior's columns replaced by each run's row (unchanged without one)."""
    post = getattr(scenario, "posterior", None)
    if post is None:
        return params
    rows = posterior_rows(seed, runs, post.rows)
    out = dict(params)
    for j, p in enumerate(post.paths):
        out[p] = post.values[rows, j].copy()
    return out

