"""A forecast's futures, branched from the record's runs at the seam (docs/forecast.md).

A scenario with ``forecast: {from, horizon}`` is a record of ``seam`` steps. ``sim forecast``
simulates it, accepts some runs by the patterns, and continues each accepted run ``r`` in several
**branches** ``b``. A branch starts from the *whole* state of run ``r`` at the seam and goes on with
fresh random numbers of its own, keyed by ``(seed, r, b)``:

1. **The record, replayed.** The accepted runs are simulated again, alone, to the seam: run ``r``
   depends only on ``(scenario, seed, r)``, so this is its state in the record bit for bit.
2. **Every state array, row by row.** A model of the branches (and their twins) is built, and every
   array of its state that has a lane axis takes, in each lane, the row of the accepted run it
   continues. Nothing is listed by hand: the arrays are found by walking the model's objects
   (:func:`lane_arrays`), and their lane axis by building the model at two sizes and seeing which
   axis grows (:func:`lane_axes`). What starts afresh at the seam is the short list
   :data:`FRESH`, each with its reason; every other array is carried, so a state array added
   to the engine later is carried without anyone remembering to (``tests/test_forecast.py``
   checks the walk against a run that goes straight through the seam).
3. **Fresh numbers.** From the seam on, every uniform of a branch (the dynamics block, each
   event's, each thaw draw, the nonstate population's) comes from the keyed stream
   ``branch:<purpose>`` at counter ``r * 2**32 + b`` (``sim/streams.py``), so branch ``b`` of run ``r``
   is the same whatever else is simulated with it.

Outcomes are measured from the seam: the outcome trackers start there (with ``prehistory: true``
the channel starts freshly agreed), and counters of what happened (freezes, firings, incidents,
payoffs) count from it; steps in outcomes (break step, first freeze, ...) are counted from the seam.
A twin of a branch is the branch with the twin's intervention from the seam on: forced moves,
skipped events and ``set:`` parameters apply from there, and a pacified twin holds the rivalry at
its level at the seam.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..scenario.resolved import Scenario, TwinDef
from ..streams import keyed_uniforms
from .draws import DRAWN_ACTORS, Draws, draw, freezable_tracks
from .model import NegotiationModel
from .outcomes import OutcomeTracker

#: a branch's counter in its keyed streams is ``run * BRANCH_STRIDE + branch``
BRANCH_STRIDE = 2**32

#: State that starts afresh at the seam instead of being carried (paths of attribute names, ``*`` for
#: any list index or key), with the reason. Everything else with a lane axis is carried.
FRESH: dict[tuple, str] = {
    ("values",): "sampled parameters: the branch model samples the same ones from (seed, run), and a twin's "
                 "`set:` applies to them (what events changed is carried in the actors' and tracks' own arrays)",
    ("block",): "random numbers: fresh from the seam (branch streams)",
    ("event_u",): "random numbers: fresh from the seam (branch streams)",
    ("thaw_u",): "random numbers: fresh from the seam (branch streams)",
    ("nonstate_u",): "random numbers: fresh from the seam (branch streams)",
    ("population", "u"): "random numbers: fresh from the seam (branch streams)",
    ("population", "u_more"): "random numbers: fresh from the seam (branch streams)",
    ("length",): "a forecast's runs all last to the forecast's end (no continuation)",
    ("run_ids",): "the branch model's own (each lane's accepted run)",
    ("twin_force",): "twin interventions: they start at the seam",
    ("events", "skip"): "twin interventions: they start at the seam",
    ("tracks", "*", "frozen"): "twin interventions: a pacified rivalry is held from the seam, at its level there",
    ("diverged",): "measured from the seam: twin lanes whose channel moves left their branch's",
    ("outcome",): "measured from the seam: the channel's and the rivalry's outcome trackers",
    ("events", "counts"): "measured from the seam: firings",
    ("events", "first"): "measured from the seam: first firings",
    ("tracks", "*", "freezes"): "measured from the seam: freeze spells",
    ("tracks", "*", "first_freeze"): "measured from the seam",
    ("tracks", "*", "frozen_steps"): "measured from the seam",
    ("tracks", "*", "thaws_at_meeting"): "measured from the seam",
    ("tracks", "*", "was_frozen"): "measured from the seam: a freeze still on at the seam counts as one there",
    ("actors", "*", "payoff"): "measured from the seam: cumulative payoffs",
    ("population", "incidents"): "measured from the seam",
    ("population", "first_incident"): "measured from the seam",
    ("population", "last_incidents"): "measured from the seam (last step's incidents)",
    ("population", "hit_at"): "last step's incidents by (group, lane): recomputed every step",
}

#: attributes never walked: the scenario, back references, Mesa's internals and the data collector
_SKIP = {"scenario", "model", "datacollector", "rng", "random", "twins", "spec"}


def _fresh(path: tuple) -> bool:
    for key in FRESH:
        if len(path) >= len(key) and all(k == "*" or k == p for k, p in zip(key, path)):
            return True
    return False


def state_arrays(model: NegotiationModel) -> dict[tuple, tuple[np.ndarray, bool]]:
    """Every numpy array reachable from the model's state objects, by attribute path (the first
    path it is found under: an array shared by several objects appears once), and whether it
    starts afresh at the seam (:data:`FRESH`: under any of its paths)."""
    first: dict[int, tuple] = {}
    paths: dict[int, list[tuple]] = {}
    arrays: dict[int, np.ndarray] = {}
    seen: set[int] = set()

    def walk(obj, path: tuple) -> None:
        if isinstance(obj, np.ndarray):
            first.setdefault(id(obj), path)
            paths.setdefault(id(obj), []).append(path)
            arrays[id(obj)] = obj
            return
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, path + (k,))
        elif isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                walk(v, path + (i,))
        elif type(obj).__module__.startswith("sim.model"):
            for k, v in vars(obj).items():
                if not k.startswith("_") and k not in _SKIP:
                    walk(v, path + (k,))

    walk(model, ())
    return {first[i]: (arrays[i], any(_fresh(p) for p in paths[i])) for i in arrays}


def carried(model: NegotiationModel) -> dict[tuple, np.ndarray]:
    """The arrays a branch carries across the seam (every array of the state but :data:`FRESH`)."""
    return {p: a for p, (a, fresh) in state_arrays(model).items() if not fresh}


def lane_axes(full: Scenario, seed: int, twins: tuple[TwinDef, ...], every: bool = False) -> dict[tuple, tuple[int, bool]]:
    """Per carried array path (``every``: every array of the state), its lane axis and whether it has
    one lane per (twin, run) (True) or one per run only (False), found by building the model for one
    run and for two and seeing which axis grows. Arrays that do not grow have no lane axis (ladder
    tops, salience): left out."""
    arrays = (lambda m: {p: a for p, (a, _) in state_arrays(m).items()}) if every else carried
    small = []
    for n in (1, 2):
        probe = NegotiationModel(full, runs=[0] * n, seed=seed, twins=twins, collect=False)
        small.append({p: a.shape for p, a in arrays(probe).items()})
        probe.release()
    copies = 1 + len(twins)
    out = {}
    for path, a in small[0].items():
        b = small[1].get(path)
        if b is None or len(a) == 0 or a == b:
            continue
        grew = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(grew) != 1 or len(a) != len(b):
            raise RuntimeError(f"state array {'.'.join(map(str, path))}: shapes {a} and {b} have no single lane axis")
        axis = grew[0]
        out[path] = (axis, a[axis] == copies and b[axis] == 2 * copies)
    return out


# -- random numbers --------------------------------------------------------------------------------


def branch_keys(runs: np.ndarray, branches: np.ndarray) -> np.ndarray:
    """Each lane's counter in the branch streams: ``run * 2**32 + branch``."""
    runs, branches = np.asarray(runs, dtype=np.int64), np.asarray(branches, dtype=np.int64)
    if (branches < 0).any() or (branches >= BRANCH_STRIDE).any() or (runs < 0).any() or (runs >= 2**31).any():
        raise ValueError("branches must be in 0 .. 2**32 - 1 and runs in 0 .. 2**31 - 1")
    return runs * BRANCH_STRIDE + branches


def branch_draws(full: Scenario, seed: int, runs: np.ndarray, branches: np.ndarray) -> Draws:
    """The random numbers of branches ``branches`` of accepted runs ``runs`` (one lane each), over
    the record and the forecast: the record's own numbers before the seam, fresh ones after it."""
    f = full.forecast
    seam, ahead = f.seam, f.horizon
    record = replace(full, horizon=seam)
    uniq, inv = np.unique(np.asarray(runs, dtype=np.int64), return_inverse=True)
    rec = draw(record, seed, uniq)
    keys = branch_keys(runs, branches)
    n = len(keys)
    size = rec.slots.size
    fresh = keyed_uniforms(seed, "branch", "dynamics", keys, ahead * size).reshape(n, ahead, size).transpose(1, 2, 0)
    block = np.concatenate([rec.block[:, :, inv], fresh], axis=0)
    events = np.empty((len(full.events), seam + ahead, n))
    for i, e in enumerate(full.events):
        events[i, :seam] = rec.events[i][:, inv]
        events[i, seam:] = keyed_uniforms(seed, "branch", f"event:{e.name}", keys, ahead).T
    thaw = {k: np.concatenate([rec.thaw[k][:, inv],
                               keyed_uniforms(seed, "branch", f"thaw:{full.tracks[k].name}", keys, ahead).T])
            for k in freezable_tracks(full)}
    params = {p: v[inv] for p, v in rec.params.items()}
    nonstate = None
    if full.nonstate is not None:
        width = 2 * full.nonstate.groups + min(len(full.actors), DRAWN_ACTORS)
        before = keyed_uniforms(seed, "nonstate", "draws", uniq, seam * width).reshape(len(uniq), seam, width)[inv]
        after = keyed_uniforms(seed, "branch", "nonstate:draws", keys, ahead * width).reshape(n, ahead, width)
        more = [np.concatenate([keyed_uniforms(seed, "nonstate", f"attribution:{a.name}", uniq, seam)[inv],
                                keyed_uniforms(seed, "branch", f"nonstate:attribution:{a.name}", keys, ahead)], axis=1)
                for a in full.actors[DRAWN_ACTORS:]]
        nonstate = (np.concatenate([before, after], axis=1), more)
    length = np.full(n, seam + ahead, dtype=np.int64)
    return Draws(params, block, events, length, rec.slots, thaw, nonstate)


# -- the branches ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Branching:
    """Which lanes a branch model simulates: lane i continues accepted run ``runs[i]`` as branch
    ``branches[i]`` (its twins follow in the usual lanes)."""

    runs: np.ndarray
    branches: np.ndarray


def full_scenario(scenario: Scenario) -> Scenario:
    """The scenario over the record and the forecast together (``horizon``: seam + forecast horizon)."""
    if scenario.forecast is None:
        raise ValueError(f"{scenario.name}: no `forecast:` block")
    return replace(scenario, horizon=scenario.forecast.total)


def replay_record(scenario: Scenario, seed: int, runs: np.ndarray) -> NegotiationModel:
    """The record's runs ``runs`` simulated to the seam, exactly as in the record's ensemble."""
    record = replace(scenario, horizon=scenario.forecast.seam)
    return NegotiationModel(record, runs=np.asarray(runs, dtype=np.int64), seed=seed, collect=False, grid=False).run()


def branch_model(scenario: Scenario, seed: int, plan: Branching, twins: tuple[TwinDef, ...] = (),
                 replayed: NegotiationModel | None = None, axes: dict | None = None,
                 grid: bool = True) -> NegotiationModel:
    """A model of the branches in ``plan`` (and their twins), standing at the seam with each lane in
    the whole state of its accepted run there; step it (``run()``) to the forecast's end.

    ``replayed``: the record's accepted runs already replayed to the seam (:func:`replay_record`),
    holding every run of ``plan``; ``axes``: :func:`lane_axes` already found."""
    full = full_scenario(scenario)
    seam = full.forecast.seam
    runs = np.asarray(plan.runs, dtype=np.int64)
    if replayed is None:
        replayed = replay_record(scenario, seed, np.unique(runs))
    if replayed.t != seam:
        raise ValueError(f"the replayed record stands at step {replayed.t}, not at the seam ({seam})")
    where = {int(r): i for i, r in enumerate(replayed.run_ids)}
    src = np.array([where[int(r)] for r in runs], dtype=np.int64)
    axes = lane_axes(full, seed, tuple(twins)) if axes is None else axes
    m = NegotiationModel(full, runs=runs, seed=seed, twins=twins, collect=False, grid=grid,
                         draws=branch_draws(full, seed, runs, plan.branches))
    copies, n = m.copies, len(runs)
    source = carried(replayed)
    target = carried(m)
    lanes_src = np.tile(src, copies)
    for path, (axis, per_lane) in axes.items():
        if path not in target or path not in source:
            continue  # an entry that exists only once filled (an actor's payoffs of the step): recomputed
        old = target[path]
        index = lanes_src if per_lane else src
        new = np.take(source[path], index, axis=axis)
        if per_lane and copies > 1:  # a twin's `set:` made its lanes differ at the start: keep them
            keep = _set_by_twin(old, axis, copies, n)
            if keep.any():
                shape = [1] * old.ndim
                shape[axis] = len(keep)
                new = np.where(keep.reshape(shape), old, new)
        old[...] = new
    m.t = m.origin = seam
    m.outcome = OutcomeTracker(full.outcomes, n * copies, len(m.tracks), m.levels(), grid=grid, grid_runs=n)
    return m


def _set_by_twin(a: np.ndarray, axis: int, copies: int, n: int) -> np.ndarray:
    """Lanes of twins where ``a`` differs from the run's own lane before any step (a twin's ``set:``)."""
    x = np.moveaxis(a, axis, 0).reshape((copies, n, -1))
    differ = (x != x[:1]).any(axis=2)
    return differ.reshape(-1)
