"""The two phases of a forecast: the record's runs accepted by the patterns, then their branches.

1. **The record.** ``draws`` runs of the scenario up to the seam, each with its own prior draw, are
   judged by the patterns (rejection ABC, ``sim/calibrate/abc.py``). The first ``accept`` runs (in
   run order) within every tolerance are accepted; with fewer, the forecast stops, unless
   ``nearest`` asks for the ``accept`` nearest runs (their effective tolerance is reported).
2. **The branches.** Each accepted run is continued in ``branches`` futures from its whole state at
   the seam (``sim/model/branch.py``). Lanes are ordered by (accepted run, branch) and cut into
   chunks; a branch depends only on (scenario, seed, accepted run, branch), so the table is the
   same for any chunking, executor or number of workers.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, replace

import numpy as np

from ..calibrate import hygiene
from ..calibrate.abc import EPS, Acceptor, distance, reference_chunks, simulate_patterns, take, with_posterior
from ..ensemble.runner import observe_step, run_table, twins_for
from ..errors import UserError
from ..model.branch import Branching, branch_model, full_scenario, lane_axes, replay_record
from ..results.steps import StepStats
from ..scenario.resolved import Scenario

#: columns that name a branch, first in the runs table
ACCEPTED_RUN, BRANCH = "accepted_run", "branch"


def view(s: Scenario) -> Scenario:
    """The forecast as the analysis sees it: ``forecast.horizon`` steps from the seam's date."""
    f = s.forecast
    return replace(s, horizon=f.horizon, start=f.start)


def check(s: Scenario) -> None:
    if s.forecast is None:
        raise UserError(f"{s.file or s.name}: the scenario has no `forecast: {{from: DATE, horizon: N}}` block "
                        "(see docs/forecast.md)")
    if not s.patterns:
        raise UserError(f"{s.file or s.name}: the scenario has no `patterns:` to accept the record's runs by")


#: the record's runs are ``sim calibrate``'s reference table (one function simulates both)
simulate_record = simulate_patterns
record_chunks = reference_chunks


def accept_record(s: Scenario, draws: int, k: int, seed: int, executor=None, chunk_size: int = 5000,
                  nearest: bool = False, progress=None) -> dict:
    """Phase 1: the record's runs, accepted. Returns the accepted rows (run, parameters, statistics,
    distance), how they were chosen, and the counts per pattern."""
    acc = Acceptor(s.patterns, k, 0)
    for part in record_chunks(s, draws, seed, executor, chunk_size):
        acc.add(part)
        if progress is not None:
            progress(len(part["run"]))
    table, how = acc.result()
    inside = acc.n_inside
    if how != "tolerance" and not nearest:
        raise UserError(f"{s.name}: {inside} of {draws} record runs are within every pattern's tolerance, fewer "
                        f"than --accept {k}: draw more (--draws), accept fewer, or pass --nearest to take the {k} "
                        "nearest (their effective tolerance is reported)")
    if table is None or len(table["run"]) == 0:
        raise UserError(f"{s.name}: no record run has every pattern statistic defined: nothing to accept")
    table = take(table, np.arange(min(k, len(table["run"]))))  # the first k in run order
    table["distance"] = distance(table, s.patterns)
    effective = {}
    for p in s.patterns:
        gap = np.abs(table[p.column] - p.observed)
        effective[p.name] = float(np.nanmax(gap)) if np.isfinite(gap).any() else float("nan")
    return {"accepted": table, "how": how if how == "tolerance" else "nearest", "inside": inside, "draws": draws,
            "pattern_inside": [int(x) for x in acc.pattern_inside], "effective_tolerance": effective}


def predictive_check(s: Scenario, accepted: dict, runs: int, seed: int, draws: int, executor=None,
                     chunk_size: int = 5000) -> dict | None:
    """The posterior predictive check of every pattern: ``runs`` fresh record runs (indices after the
    draws), each taking one whole accepted row of parameters; per pattern and jointly the share
    within tolerance, and a two-sided predictive p-value of the observed value."""
    if runs <= 0:
        return None
    post = {c: v for c, v in accepted.items() if c.startswith("param.")}
    if not post:
        return None
    parts = list(record_chunks(with_posterior(s, post), runs, seed, executor, chunk_size, first_run=draws))
    pred = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    check = hygiene.predictive_check(pred, s.patterns)  # the same shares and p-values as `sim calibrate`
    out = []
    for p in s.patterns:
        x = pred[p.column]
        within_accepted = np.abs(accepted[p.column] - p.observed) <= p.tolerance + EPS
        c = check["patterns"][p.name]
        out.append({"name": p.name, "observed": p.observed, "tolerance": p.tolerance,
                    "accepted_share_within": float(np.mean(within_accepted)),
                    "predictive_share_within": c["share_within"], "predictive_p": c["p_value"],
                    "predictive_median": float(np.nanmedian(x)) if np.isfinite(x).any() else float("nan")})
    return {"runs": runs, "patterns": out, "joint_share_within": check["joint"]["share_within"],
            "joint_p": check["joint"]["p_value"],
            "accepted_joint_share_within": float(np.mean(np.all(
                [np.abs(accepted[p.column] - p.observed) <= p.tolerance + EPS for p in s.patterns], axis=0)))}


@dataclass(frozen=True)
class BranchJob:
    """One chunk of branches: lane i continues accepted run ``runs[i]`` as branch ``branches[i]``;
    ``rows`` are the lanes' rows in the forecast's runs table."""

    scenario: Scenario
    seed: int
    runs: np.ndarray
    branches: np.ndarray
    rows: np.ndarray
    twins: tuple[str, ...] | None = None


def simulate_branches(job: BranchJob) -> tuple[dict[str, np.ndarray], StepStats]:
    """Phase 2 for one chunk: replay its accepted runs to the seam, branch, run to the forecast's end."""
    s = job.scenario
    full = full_scenario(s)
    twins = twins_for(full, job.twins)
    replayed = replay_record(s, job.seed, np.unique(job.runs))
    model = branch_model(s, job.seed, Branching(job.runs, job.branches), twins, replayed,
                         lane_axes(full, job.seed, twins))
    replayed.release()
    stats = StepStats.empty(view(s))
    model.run(observer=lambda m: observe_step(stats, m))
    table = run_table(model)
    model.release()
    del model, replayed
    gc.collect()  # models and their agents refer to each other: free this chunk's arrays before the next
    table["run"] = np.asarray(job.rows, dtype=np.int64)
    table["length"] = table["length"] - s.forecast.seam  # steps from the seam
    return {ACCEPTED_RUN: np.asarray(job.runs, dtype=np.int64), BRANCH: np.asarray(job.branches, dtype=np.int64),
            **table}, stats


def branch_jobs(s: Scenario, seed: int, accepted_runs: np.ndarray, branches: int, chunk_size: int,
                twins: tuple[str, ...] | None = None) -> list[BranchJob]:
    """Every (accepted run, branch) lane, in that order, cut into chunks of ``chunk_size`` lanes."""
    runs = np.repeat(np.asarray(accepted_runs, dtype=np.int64), branches)
    br = np.tile(np.arange(branches, dtype=np.int64), len(accepted_runs))
    rows = np.arange(len(runs), dtype=np.int64)
    return [BranchJob(s, seed, runs[a:a + chunk_size], br[a:a + chunk_size], rows[a:a + chunk_size], twins)
            for a in range(0, len(runs), chunk_size)]


def run_branches(s: Scenario, seed: int, accepted_runs: np.ndarray, branches: int, executor=None,
                 chunk_size: int = 500, twins: tuple[str, ...] | None = None, sink=None,
                 progress=None) -> tuple[dict[str, np.ndarray], StepStats]:
    """Phase 2: every branch of every accepted run, chunk by chunk in (accepted run, branch) order.
    ``sink(part)`` receives each chunk's table (to stream it to disk); without a sink the whole
    table is returned, else an empty one. Returns it and the step statistics from the seam."""
    from ..ensemble.executors import SerialExecutor

    executor = executor or SerialExecutor()
    parts, total = [], StepStats.empty(view(s))
    for table, stats in executor.map(simulate_branches, branch_jobs(s, seed, accepted_runs, branches, chunk_size,
                                                                    twins)):
        if sink is None:
            parts.append(table)
        else:
            sink(table)
        total.add(stats)
        if progress is not None:
            progress(len(table["run"]))
    return ({k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}), total
