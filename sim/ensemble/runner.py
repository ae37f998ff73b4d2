"""Ensembles: many runs of one scenario, simulated in chunks of vectorised runs.

A chunk is one :class:`NegotiationModel` over a range of run indices. Each chunk yields its
per-run table and per-step histograms; both fold together exactly (tables concatenate, counts
add), so the result does not depend on the chunk size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..model.model import NegotiationModel
from ..results import outcomes as out
from ..results.steps import TRUST_BINS, StepStats, fixed_sum
from ..scenario.resolved import Scenario, TwinDef, event_slug


def observe_step(stats: StepStats, m: NegotiationModel) -> None:
    """Called after each step: add to ``stats`` the runs (not their twins) that were alive during it."""
    t = m.t - 1
    main = m.lane()
    alive = t < m.length[main]
    t -= m.origin  # a forecast's branches count their steps from the seam (sim/model/branch.py)
    stats.alive[t] += alive.sum()
    for k, track in enumerate(m.tracks):
        stats.levels[k][t] += np.bincount(track.level[main][alive], minlength=track.top + 1)
    for i, actor in enumerate(m.actors):
        trust = actor.trust[main][alive]
        bins = np.minimum((trust * TRUST_BINS).astype(np.int64), TRUST_BINS - 1)
        stats.trust[t, i] += np.bincount(bins, minlength=TRUST_BINS)
        stats.trust_sum[t, i] += fixed_sum(trust)
    first, second = m.moves()
    stats.mutual[t] += (first[main] & second[main])[alive].sum(axis=0)
    stats.open[t] += m.outcome.open[main][alive].sum()
    pop = m.population
    if pop is not None and stats.nonstate is not None:
        for j, x in enumerate((pop.mean_capability(main)[alive], pop.safeguards[main][alive])):
            bins = np.minimum((x * TRUST_BINS).astype(np.int64), TRUST_BINS - 1)
            stats.nonstate[t, j] += np.bincount(bins, minlength=TRUST_BINS)
            stats.nonstate_sum[t, j] += fixed_sum(x)
        stats.nonstate_sum[t, 2] += fixed_sum(pop.last_incidents[main][alive])


slug = event_slug  # a column-friendly version of an event name (sim.scenario.names)


def per_run_mean(x: np.ndarray) -> np.ndarray:
    """Mean over groups of a (groups, runs) array, summed in the same order whatever the other runs
    (a strided column sum may round differently from a lone run's)."""
    return np.ascontiguousarray(x.T).mean(axis=1)


class Finished:
    """A finished run's lanes (the runs themselves, or one twin's), as outcome declarations read
    them (``Outcome.compute`` in ``sim.results.outcomes``)."""

    def __init__(self, m: NegotiationModel, lanes):
        self.model, self.lanes = m, lanes
        self.steps = np.maximum(m.outcome.channel.steps[lanes], 1)  # denominators of the shares
        self.length = m.length[lanes]

    def channel(self, name: str) -> np.ndarray:
        """The channel's tracker (open, collapsed, break step...)."""
        return getattr(self.model.outcome.channel, name)[self.lanes]

    def outcome(self, name: str) -> np.ndarray:
        """The run's outcome trackers (rivalry, escalation)."""
        return getattr(self.model.outcome, name)[self.lanes]

    def channel_track(self, name: str) -> np.ndarray:
        """The channel's track (freezes, thaws)."""
        m = self.model
        return getattr(m.tracks[m.scenario.outcomes.channel], name)[self.lanes]

    def population(self, name: str) -> np.ndarray | None:
        pop = self.model.population
        return None if pop is None else getattr(pop, name)[self.lanes]

    def population_capability(self) -> np.ndarray | None:
        pop = self.model.population
        return None if pop is None else pop.mean_capability(self.lanes)

    def held_grid(self) -> np.ndarray:
        o = self.model.outcome
        return o.held_grid()[self.lanes] if o.grid else np.zeros(len(self.length), dtype=np.int64)

    @property
    def diverged(self) -> np.ndarray:
        return self.model.diverged[self.lanes]


def _column(v: np.ndarray) -> np.ndarray:
    return v.astype(np.int64) if v.dtype == bool else v


def run_table(m: NegotiationModel) -> dict[str, np.ndarray]:
    """The per-run outcomes of docs/model.md, each computed by its declaration in
    ``sim.results.outcomes``, the twins' outcomes, and every sampled parameter, as columns."""
    s, o = m.scenario, m.outcome
    main = m.lane()
    run = Finished(m, main)
    pop = m.population
    steps = run.steps
    cols: dict[str, np.ndarray] = {"run": m.run_ids}
    for outcome in out.run_columns():
        v = outcome.compute(run)
        if v is not None:
            cols[outcome.column] = _column(v)
    for j, twin in enumerate(m.twins):
        lanes = Finished(m, m.lane(j))
        for outcome in out.twin_outcomes():
            v = outcome.compute(lanes)
            if v is not None:
                cols[outcome.twin_column(twin.name)] = _column(v)
    for k, t in enumerate(s.tracks):
        cols[f"coop_rate.{t.name}"] = (o.coop[0][main, k] + o.coop[1][main, k]) / (2 * steps)
        cols[f"mutual_coop.{t.name}"] = o.mutual[main, k] / steps
        cols[f"final_level.{t.name}"] = m.tracks[k].level[main]
        cols[f"peak_level.{t.name}"] = o.peak[main, k]
    for a in m.actors:
        cols[f"payoff.{a.name}"] = a.payoff[main]
        cols[f"trust.{a.name}"] = a.trust[main]
        cols[f"hawkishness.{a.name}"] = a.hawkishness[main]
        cols[f"risk_perception.{a.name}"] = a.risk_perception[main]
    for i, e in enumerate(s.events):
        cols[f"fired.{slug(e.name)}"] = m.events.counts[i][main]
        cols[f"first_fired.{slug(e.name)}"] = m.events.first[i][main]
    for i, a in enumerate(s.actors):  # v3: the rule each run drew where a strategy is a choice
        for k, entry in enumerate(a.strategies):
            if entry is not None and hasattr(entry, "path"):
                labels = np.asarray(entry.labels)
                cols[out.strategy_column(a.name, s.tracks[k].name)] = labels[m.values[entry.path][main].astype(np.int64)]
    for path in s.uncertain():
        cols[f"param.{path}"] = m.values[path][main]
    if pop is not None:  # group parameters: their mean over the groups of each run
        for name, param in s.nonstate.group_params.items():
            if param.uncertain:
                initial = pop.initial_capability if name == "capability" else pop.intent
                cols[f"param.nonstate.{name}.mean"] = per_run_mean(initial[:, main])
    return cols


def twins_for(scenario: Scenario, names: tuple[str, ...] | None) -> tuple[TwinDef, ...]:
    """The twins to simulate: by default the pacified twin (when the scenario has rivalry tracks)
    and every twin the scenario declares."""
    if names is None:
        pacified = scenario.pacified()
        return (*(() if pacified is None else (pacified,)), *scenario.twins.values())
    return tuple(scenario.twin(n) for n in names)


@dataclass
class EnsembleResult:
    scenario: Scenario
    seed: int
    runs: int
    table: dict[str, np.ndarray]
    steps: StepStats
    seconds: float
    chunk_size: int
    extra: dict = field(default_factory=dict)


def chunks(runs: int, size: int) -> list[range]:
    return [range(a, min(a + size, runs)) for a in range(0, runs, size)]


def simulate_chunk(scenario: Scenario, seed: int, run_ids: range,
                   twins: tuple[str, ...] | None = None) -> tuple[dict[str, np.ndarray], StepStats]:
    """Simulate the runs ``run_ids`` together (with their twins); return their table and step statistics
    (:func:`chunk_arrays` without trajectories: every way of running an ensemble simulates its
    chunks there)."""
    if len(run_ids) == 0:
        return {}, StepStats.empty(scenario)
    table, stats, _ = chunk_arrays(ChunkJob(scenario, seed, run_ids, twins=twins))
    return table, stats


def probe_runs(scenario: Scenario, runs: int) -> None:
    """Simulate ``runs`` runs of ``scenario`` (seed 0): what ``budget.probe`` measures."""
    simulate_chunk(scenario, 0, range(runs))


def check_memory(scenario: Scenario, runs: int, chunk_size: int = 2000, workers: int = 1,
                 keep_trajectories: bool = False):
    """Refuse an ensemble that would not fit in memory (:func:`sim.budget.check`, measuring this
    layer's own simulation when the formula alone does not decide)."""
    from ..budget import check

    return check(scenario, runs, chunk_size, workers, keep_trajectories, simulate=probe_runs)


def _chunk_job(job: tuple) -> tuple[dict[str, np.ndarray], StepStats]:
    return simulate_chunk(*job)


class TrajectoryRecorder:
    """Full per-step trajectories of selected runs of a chunk (long format, one row per run and step)."""

    def __init__(self, model: NegotiationModel, keep: np.ndarray):
        self.keep = keep  # positions within the chunk
        self.rows: list[dict[str, np.ndarray]] = []
        self.model = model

    def __call__(self, m: NegotiationModel) -> None:
        t = m.t - 1
        alive = (t < m.length)[self.keep]
        if not alive.any():
            return
        idx = self.keep[alive]
        row: dict[str, np.ndarray] = {"run": m.run_ids[idx], "step": np.full(len(idx), t)}
        for k, track in enumerate(m.tracks):
            row[f"level.{track.name}"] = track.level[idx]
            for a in m.actors:
                if a.seat[k] is not None:  # the track's players only
                    row[f"move.{a.name}.{track.name}"] = a.realised[idx, k].astype(np.int64)
        for a in m.actors:
            row[f"trust.{a.name}"] = a.trust[idx]
        row["channel_open"] = m.outcome.open[idx].astype(np.int64)
        self.rows.append(row)

    def table(self) -> dict[str, np.ndarray]:
        if not self.rows:
            return {}
        cols = {k: np.concatenate([r[k] for r in self.rows]) for k in self.rows[0]}
        order = np.lexsort((cols["step"], cols["run"]))
        return {k: v[order] for k, v in cols.items()}


@dataclass
class ChunkJob:
    """One chunk of an ensemble: its runs, and which of them keep full trajectories."""

    scenario: Scenario
    seed: int
    runs: range
    keep_all: bool = False
    sample: int = 0  # keep trajectories of runs with index < sample
    twins: tuple[str, ...] | None = None  # twin names (None: the default, pacified + declared twins)


@dataclass
class ChunkOutput:
    runs: range
    header: str
    rows: str            # runs.csv lines for this chunk (no header)
    steps: StepStats
    trajectories: str    # trajectory lines (no header), possibly empty
    trajectory_header: str


def chunk_arrays(job: ChunkJob) -> tuple[dict[str, np.ndarray], StepStats, dict[str, np.ndarray]]:
    """Simulate a chunk: its per-run table, step statistics and kept trajectories, as arrays."""
    stats = StepStats.empty(job.scenario)
    model = NegotiationModel(job.scenario, runs=np.arange(job.runs.start, job.runs.stop), seed=job.seed,
                             twins=twins_for(job.scenario, job.twins), collect=False)
    keep = np.arange(len(model.run_ids)) if job.keep_all else np.nonzero(model.run_ids < job.sample)[0]
    recorder = TrajectoryRecorder(model, keep) if len(keep) else None

    def observe(m: NegotiationModel) -> None:
        observe_step(stats, m)
        if recorder is not None:
            recorder(m)

    model.run(observer=observe)
    table = run_table(model)
    traj = recorder.table() if recorder is not None and recorder.rows else {}
    model.release()
    return table, stats, traj


def run_chunk_job(job: ChunkJob) -> ChunkOutput:
    """Simulate a chunk and format its rows here, so a worker process does the formatting too."""
    from ..results.tables import format_rows

    table, stats, traj = chunk_arrays(job)
    header, _, rows = format_rows(table).partition("\n")
    t_header, _, t_rows = (format_rows(traj) if traj else "").partition("\n")
    return ChunkOutput(job.runs, header, rows, stats, t_rows, t_header)


def run_ensemble(scenario: Scenario, runs: int | None = None, seed: int | None = None,
                 chunk_size: int = 2000, progress: bool = False, executor=None,
                 twins: tuple[str, ...] | None = None) -> EnsembleResult:
    """Simulate ``runs`` runs (default: the scenario's) from ``seed`` (default: the scenario's).

    ``executor`` (see ``executors.py``) decides where chunks run; the default is this process.
    """
    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    if runs < 1 or chunk_size < 1:
        raise ValueError("runs and chunk_size must be positive")
    check_memory(scenario, runs, chunk_size, getattr(executor, "workers", 1))
    started = time.perf_counter()
    parts: list[dict[str, np.ndarray]] = []
    total = StepStats.empty(scenario)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=runs, unit="run", desc=scenario.name, leave=False)
    from .executors import SerialExecutor

    executor = executor or SerialExecutor()
    jobs = [(scenario, seed, ids, twins) for ids in chunks(runs, chunk_size)]
    for ids, (table, stats) in zip((j[2] for j in jobs), executor.map(_chunk_job, jobs)):
        parts.append(table)
        total.add(stats)
        if bar is not None:
            bar.update(len(ids))
    if bar is not None:
        bar.close()
    table = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return EnsembleResult(scenario, seed, runs, table, total, time.perf_counter() - started, chunk_size)
