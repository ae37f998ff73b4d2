"""Rejection ABC over the scenario's own distributions (the priors), on the vectorised engine.

Run ``r`` of a calibration is run ``r`` of the scenario: its parameters are its own prior draw and
its dynamics its own stream, so the reference table (one row per run: sampled parameters and
pattern statistics) is the same for any chunking, executor or number of workers. No trajectory is
kept, and :class:`Acceptor` keeps of the table only the accepted runs, the k nearest and a fixed
sample of the prior: memory grows with the accepted runs, not with the draws.

Acceptance (rejection ABC as docs/calibration.md describes): a run is accepted when every statistic is within its
tolerance, |stat - observed| <= tolerance; if fewer than ``k`` runs are, the ``k`` nearest by
``sum |stat - observed| / tolerance`` are (ties broken by run index). A run with an undefined
statistic (NaN) is never accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..model.model import NegotiationModel
from ..scenario.resolved import Scenario
from .observer import PatternObserver
from ..scenario.patterns import PatternDef
from ..scenario.posterior import PARAM_PREFIX, Posterior

#: slack for comparing float statistics with their tolerance (shares such as 2/3 vs 0.6667)
EPS = 1e-9


@dataclass(frozen=True)
class PatternJob:
    """One chunk of a calibration: its runs, simulated together."""

    scenario: Scenario
    seed: int
    start: int
    stop: int


def simulate_patterns(job: PatternJob) -> dict[str, np.ndarray]:
    """Run index, sampled (uncertain) parameters and pattern statistics of the chunk's runs (simulated
    without the per-step data collector and the robustness grid, which change no run)."""
    s = job.scenario
    model = NegotiationModel(s, runs=np.arange(job.start, job.stop), seed=job.seed, collect=False, grid=False)
    observer = PatternObserver(model, s.patterns)
    model.run(observer=observer)
    out = {"run": model.run_ids.copy()}
    for path in parameter_paths(s):
        out[PARAM_PREFIX + path] = np.asarray(model.values[path], dtype=float).copy()
    out.update(observer.values(model))
    model.release()
    return out


def parameter_paths(s: Scenario) -> list[str]:
    """The parameters a calibration learns: the uncertain ones, then any the posterior sets."""
    paths = list(s.uncertain())
    if s.posterior is not None:
        paths += [p for p in s.posterior.paths if p not in paths]
    return paths


def reference_chunks(s: Scenario, draws: int, seed: int, executor=None, chunk_size: int = 5000,
                     first_run: int = 0):
    """Simulate runs ``first_run .. first_run + draws - 1`` in chunks; yield each chunk's table in run order."""
    from ..ensemble.executors import SerialExecutor

    executor = executor or SerialExecutor()
    jobs = (PatternJob(s, seed, a, min(a + chunk_size, first_run + draws))
            for a in range(first_run, first_run + draws, chunk_size))
    yield from executor.map(simulate_patterns, jobs)


def reference_table(s: Scenario, draws: int, seed: int, executor=None, chunk_size: int = 5000,
                    first_run: int = 0, progress=None) -> dict[str, np.ndarray]:
    """The whole reference table of those runs, one row each (see :func:`simulate_patterns`)."""
    parts = []
    for part in reference_chunks(s, draws, seed, executor, chunk_size, first_run):
        parts.append(part)
        if progress is not None:
            progress(len(part["run"]))
    return concat(parts)


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def take(table: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[rows] for k, v in table.items()}


class Acceptor:
    """Rejection ABC over a stream of chunks, in memory bounded by the accepted runs.

    Keeps the runs within every tolerance, the ``k`` nearest runs seen so far (a total order by
    distance then run index, so the result does not depend on the chunking), per-pattern counts of
    runs within tolerance, and the first ``sample`` rows as a sample of the prior for figures and
    prior quantiles. :meth:`result` gives the same answer as :func:`accept` on the whole table.
    """

    def __init__(self, patterns: tuple[PatternDef, ...], k: int, sample: int):
        self.patterns, self.k, self.sample = patterns, k, sample
        self.inside: list[dict[str, np.ndarray]] = []
        self.nearest: dict[str, np.ndarray] | None = None
        self.prior: list[dict[str, np.ndarray]] = []
        self.kept = 0
        self.seen = 0
        self.n_inside = 0
        self.pattern_inside = np.zeros(len(patterns), dtype=np.int64)

    def add(self, part: dict[str, np.ndarray]) -> None:
        n = len(part["run"])
        self.seen += n
        if self.kept < self.sample:
            self.prior.append(take(part, np.arange(min(n, self.sample - self.kept))))
            self.kept += len(self.prior[-1]["run"])
        x = _stats(part, self.patterns)
        with np.errstate(invalid="ignore"):
            ok = np.abs(x - [p.observed for p in self.patterns]) <= np.array([p.tolerance for p in self.patterns]) + EPS
        self.pattern_inside += ok.sum(axis=0)
        inside = ok.all(axis=1)
        self.n_inside += int(inside.sum())
        if inside.any():
            self.inside.append(take(part, np.nonzero(inside)[0]))
        if self.n_inside < self.k:  # nearest runs only matter while fewer than k are inside
            both = part if self.nearest is None else concat([self.nearest, part])
            d = distance(both, self.patterns)
            order = np.lexsort((both["run"], d))
            order = order[np.isfinite(d[order])][: self.k]
            self.nearest = take(both, np.sort(order))

    def result(self) -> tuple[dict[str, np.ndarray] | None, str]:
        """The accepted runs (in run order) and how they were chosen."""
        if self.n_inside >= self.k and self.inside:
            return concat(self.inside), "tolerance"
        if self.nearest is None or len(self.nearest["run"]) == 0:
            return None, "nearest"
        return take(self.nearest, np.argsort(self.nearest["run"], kind="stable")), "nearest"

    def prior_sample(self) -> dict[str, np.ndarray]:
        return concat(self.prior)


def _stats(table: dict[str, np.ndarray], patterns: tuple[PatternDef, ...]) -> np.ndarray:
    return np.column_stack([table[p.column] for p in patterns])


def within(table: dict[str, np.ndarray], patterns: tuple[PatternDef, ...]) -> np.ndarray:
    """Runs whose every statistic is within its pattern's tolerance."""
    x = _stats(table, patterns)
    obs = np.array([p.observed for p in patterns])
    tol = np.array([p.tolerance for p in patterns])
    with np.errstate(invalid="ignore"):
        ok = np.abs(x - obs) <= tol + EPS
    return ok.all(axis=1)


def distance(table: dict[str, np.ndarray], patterns: tuple[PatternDef, ...]) -> np.ndarray:
    """``sum |stat - observed| / tolerance`` per run (a zero tolerance counts a miss as infinite; NaN -> inf)."""
    x = _stats(table, patterns)
    obs = np.array([p.observed for p in patterns])
    tol = np.array([p.tolerance for p in patterns])
    gap = np.abs(x - obs)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(tol > 0, gap / np.where(tol > 0, tol, 1.0), np.where(gap <= EPS, 0.0, np.inf))
    scaled = np.where(np.isnan(scaled), np.inf, scaled)
    return scaled.sum(axis=1)


def accept(table: dict[str, np.ndarray], patterns: tuple[PatternDef, ...], k: int = 0) -> tuple[np.ndarray, str]:
    """Indices (rows of ``table``, in run order) of the accepted runs, and how they were chosen."""
    ok = np.nonzero(within(table, patterns))[0]
    if len(ok) >= k:
        return ok, "tolerance"
    d = distance(table, patterns)
    order = np.lexsort((table["run"], d))
    finite = order[np.isfinite(d[order])]
    return np.sort(finite[:k]), "nearest"


def quantiles(x: np.ndarray, qs=(0.05, 0.5, 0.95), integer: bool = False) -> list[float]:
    """Quantiles of the defined values of ``x`` (NaN: undefined, left out).

    ``integer``: ``x`` takes whole values only (a count, a level, a step), so an interval's bounds
    are values it takes, rounded outward: a quantile below 1/2 is the order statistic at or below
    it (``method="lower"``), one above 1/2 the one at or above it (``"higher"``), never an
    interpolation such as 1.05. The median keeps numpy's default (it may fall halfway)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return [float("nan")] * len(qs)
    if not integer:
        return [float(v) for v in np.quantile(x, qs)]
    return [float(np.quantile(x, q, method="lower" if q < 0.5 else "higher" if q > 0.5 else "linear"))
            for q in qs]


def whole(*arrays: np.ndarray) -> bool:
    """Whether every defined value of the arrays is a whole number (an integer-valued quantity)."""
    x = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    x = x[np.isfinite(x)]
    return len(x) > 0 and bool(np.all(x == np.round(x)))


def with_posterior(s: Scenario, table: dict[str, np.ndarray], file: str = "posterior.csv") -> Scenario:
    """``s`` drawing its parameters jointly from the rows of ``table`` (in memory)."""
    paths = tuple(c[len(PARAM_PREFIX):] for c in table if c.startswith(PARAM_PREFIX))
    values = np.column_stack([table[PARAM_PREFIX + p] for p in paths])
    return replace(s, posterior=Posterior(file, paths, values))
