"""Writing an ensemble's own tables into a results folder, through :mod:`sim.results`.

:func:`stream_ensemble` simulates chunk by chunk and streams each chunk's rows into ``runs.csv``
(memory stays flat whatever the number of runs); :func:`store_tables` writes an ensemble already
in memory. Both write ``scenario.yaml``, ``runs.csv`` and the trajectories; the streaming one also
returns the step statistics and the manifest entries of the simulation. The analysis
(:mod:`sim.analysis`) then finishes the folder; :mod:`sim.workflow` composes the two.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..results.folders import naming, write_scenario
from ..results.manifest import run_meta
from ..results.steps import StepStats
from ..results.tables import write_table
from ..scenario.design import design_of

RESOLVED = "resolved scenario"


def stream_ensemble(scenario, folder: Path, command: list[str], runs: int | None = None,
                    seed: int | None = None, chunk_size: int = 2000, executor=None,
                    keep_trajectories: bool = False, sample_trajectories: int = 10,
                    progress: bool = False, twins: tuple[str, ...] | None = None) -> tuple[StepStats, dict]:
    """Simulate an ensemble chunk by chunk, streaming rows to ``folder``; return (steps, meta).

    Per-run rows go to runs.csv as each chunk finishes (in run order, whatever the executor);
    per-step counts fold into the step statistics; full trajectories are written for the first
    ``sample_trajectories`` runs, or for every run with ``keep_trajectories``.
    """
    from .runner import check_memory
    from .executors import SerialExecutor
    from .runner import ChunkJob, chunks, run_chunk_job

    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    executor = executor or SerialExecutor()
    check_memory(scenario, runs, chunk_size, getattr(executor, "workers", 1), keep_trajectories)
    write_scenario(folder, scenario, RESOLVED, seed=seed, runs=runs)
    steps = StepStats.empty(scenario)
    jobs = (ChunkJob(scenario, seed, ids, keep_trajectories, sample_trajectories, twins)
            for ids in chunks(runs, chunk_size))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=runs, unit="run", desc=scenario.name, leave=False)
    started = time.perf_counter()
    traj = None
    try:
        with naming(folder / "runs.csv"), open(folder / "runs.csv", "w", encoding="utf-8", newline="") as out:
            for i, chunk in enumerate(executor.map(run_chunk_job, jobs)):
                if i == 0:
                    out.write(chunk.header + "\n")
                out.write(chunk.rows)
                steps.add(chunk.steps)
                if chunk.trajectories:
                    if traj is None:
                        name = "trajectories.csv" if keep_trajectories else "trajectories_sample.csv"
                        traj = open(folder / name, "w", encoding="utf-8", newline="")
                        traj.write(chunk.trajectory_header + "\n")
                    traj.write(chunk.trajectories)
                if bar is not None:
                    bar.update(len(chunk.runs))
    finally:
        if traj is not None:
            traj.close()
        if bar is not None:
            bar.close()
    meta = run_meta(seed, runs, chunk_size, command, time.perf_counter() - started,
                    executor=type(executor).__name__, workers=getattr(executor, "workers", 1),
                    design=design_of(scenario))
    return steps, meta


def store_tables(folder: Path, scenario, seed: int, runs: int, table: dict, trajectories: dict | None = None,
                 keep_trajectories: bool = False) -> None:
    """``scenario.yaml``, ``runs.csv`` and (if any) the trajectories of an ensemble held in memory."""
    write_scenario(folder, scenario, RESOLVED, seed=seed, runs=runs)
    write_table(folder / "runs.csv", table)
    if trajectories:
        name = "trajectories.csv" if keep_trajectories else "trajectories_sample.csv"
        write_table(folder / name, trajectories)
