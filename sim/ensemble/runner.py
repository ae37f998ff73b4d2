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
from ..scenario.resolved import Scenario

TRUST_BINS = 200


@dataclass
class StepStats:
    """Per-step counts over runs still going: the sufficient statistics of the quantile bands."""

    alive: np.ndarray          # (steps,)
    levels: list[np.ndarray]   # per track: (steps, rungs) counts
    trust: np.ndarray          # (steps, actors, TRUST_BINS) counts
    trust_sum: np.ndarray      # (steps, actors)
    mutual: np.ndarray         # (steps, tracks): runs with mutual C
    open: np.ndarray           # (steps,): runs with the channel open

    @classmethod
    def empty(cls, scenario: Scenario) -> StepStats:
        h, n_tracks, n_actors = scenario.horizon, len(scenario.tracks), len(scenario.actors)
        return cls(np.zeros(h, np.int64), [np.zeros((h, len(t.rungs)), np.int64) for t in scenario.tracks],
                   np.zeros((h, n_actors, TRUST_BINS), np.int64), np.zeros((h, n_actors)),
                   np.zeros((h, n_tracks), np.int64), np.zeros(h, np.int64))

    def observe(self, m: NegotiationModel) -> None:
        """Called after each step: count the runs that were alive during it."""
        t = m.t - 1
        alive = t < m.length
        self.alive[t] += alive.sum()
        for k, track in enumerate(m.tracks):
            self.levels[k][t] += np.bincount(track.level[alive], minlength=track.top + 1)
        for i, actor in enumerate(m.actors):
            trust = actor.trust[alive]
            bins = np.minimum((trust * TRUST_BINS).astype(np.int64), TRUST_BINS - 1)
            self.trust[t, i] += np.bincount(bins, minlength=TRUST_BINS)
            self.trust_sum[t, i] += trust.sum()
        us, them = m.actors
        self.mutual[t] += (us.realised & them.realised)[alive].sum(axis=0)
        self.open[t] += m.outcome.open[alive].sum()

    def add(self, other: StepStats) -> None:
        self.alive += other.alive
        for mine, theirs in zip(self.levels, other.levels):
            mine += theirs
        self.trust += other.trust
        self.trust_sum += other.trust_sum
        self.mutual += other.mutual
        self.open += other.open


def slug(name: str) -> str:
    """A column-friendly version of an event name."""
    out = "".join(c.lower() if c.isalnum() else "_" for c in name)
    return "_".join(p for p in out.split("_") if p)


def run_table(m: NegotiationModel) -> dict[str, np.ndarray]:
    """The per-run outcomes of MODEL.md section 8 and every sampled parameter, as columns."""
    s, o = m.scenario, m.outcome
    held = ~o.broken
    cols: dict[str, np.ndarray] = {
        "run": m.run_ids, "length": m.length, "held": held.astype(np.int64),
        "break_step": o.break_step, "rivalry_peak": o.rivalry_peak,
        "escalated": o.escalated.astype(np.int64),
        "held_while_escalated": (held & o.escalated).astype(np.int64),
    }
    steps = np.maximum(o.steps, 1)
    for k, t in enumerate(s.tracks):
        cols[f"coop_rate.{t.name}"] = (o.coop[0][:, k] + o.coop[1][:, k]) / (2 * steps)
        cols[f"mutual_coop.{t.name}"] = o.mutual[:, k] / steps
        cols[f"final_level.{t.name}"] = m.tracks[k].level
        cols[f"peak_level.{t.name}"] = o.peak[:, k]
    for a in m.actors:
        cols[f"payoff.{a.name}"] = a.payoff
        cols[f"trust.{a.name}"] = a.trust
        cols[f"hawkishness.{a.name}"] = a.hawkishness
        cols[f"risk_perception.{a.name}"] = a.risk_perception
    for i, e in enumerate(s.events):
        cols[f"fired.{slug(e.name)}"] = m.events.counts[i]
        cols[f"first_fired.{slug(e.name)}"] = m.events.first[i]
    for path in s.uncertain():
        cols[f"param.{path}"] = m.values[path]
    return cols


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


def simulate_chunk(scenario: Scenario, seed: int, run_ids: range) -> tuple[dict[str, np.ndarray], StepStats]:
    """Simulate the runs ``run_ids`` together; return their table and step statistics."""
    stats = StepStats.empty(scenario)
    if len(run_ids) == 0:
        return {}, stats
    model = NegotiationModel(scenario, runs=np.arange(run_ids.start, run_ids.stop), seed=seed)
    model.run(observer=stats.observe)
    table = run_table(model)
    model.release()
    return table, stats


def _chunk_job(job: tuple[Scenario, int, range]) -> tuple[dict[str, np.ndarray], StepStats]:
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


@dataclass
class ChunkOutput:
    runs: range
    header: str
    rows: str            # runs.csv lines for this chunk (no header)
    steps: StepStats
    trajectories: str    # trajectory lines (no header), possibly empty
    trajectory_header: str


def run_chunk_job(job: ChunkJob) -> ChunkOutput:
    """Simulate a chunk and format its rows here, so a worker process does the formatting too."""
    from ..analysis.tables import format_rows

    stats = StepStats.empty(job.scenario)
    model = NegotiationModel(job.scenario, runs=np.arange(job.runs.start, job.runs.stop), seed=job.seed)
    keep = np.arange(len(model.run_ids)) if job.keep_all else np.nonzero(model.run_ids < job.sample)[0]
    recorder = TrajectoryRecorder(model, keep) if len(keep) else None

    def observe(m: NegotiationModel) -> None:
        stats.observe(m)
        if recorder is not None:
            recorder(m)

    model.run(observer=observe)
    table = format_rows(run_table(model))
    header, _, rows = table.partition("\n")
    traj = format_rows(recorder.table()) if recorder is not None and recorder.rows else ""
    model.release()
    t_header, _, t_rows = traj.partition("\n")
    return ChunkOutput(job.runs, header, rows, stats, t_rows, t_header)


def run_ensemble(scenario: Scenario, runs: int | None = None, seed: int | None = None,
                 chunk_size: int = 2000, progress: bool = False, executor=None) -> EnsembleResult:
    """Simulate ``runs`` runs (default: the scenario's) from ``seed`` (default: the scenario's).

    ``executor`` (see ``executors.py``) decides where chunks run; the default is this process.
    """
    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    if runs < 1 or chunk_size < 1:
        raise ValueError("runs and chunk_size must be positive")
    from ..budget import check as check_memory  # refuse before simulating (budget.py)

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
    jobs = [(scenario, seed, ids) for ids in chunks(runs, chunk_size)]
    for ids, (table, stats) in zip((j[2] for j in jobs), executor.map(_chunk_job, jobs)):
        parts.append(table)
        total.add(stats)
        if bar is not None:
            bar.update(len(ids))
    if bar is not None:
        bar.close()
    table = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return EnsembleResult(scenario, seed, runs, table, total, time.perf_counter() - started, chunk_size)
