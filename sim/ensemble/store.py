"""Results folders: one new folder per invocation, written under a hidden name and renamed when complete."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import shutil
import uuid
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import numpy as np
import yaml

from ..analysis.bands import bands
from ..analysis.figures import write_figures
from ..analysis.stats import summarise, summary_columns
from ..results.outcomes import twin_names
from ..analysis.tables import read_table, write_table
from ..analysis.report import write_run_report
from ..analysis.theory_io import write_theory
from ..paths import folder_lock, results_dir
from .runner import EnsembleResult

PACKAGES = ("sim-negotiation", "mesa", "numpy", "scipy", "matplotlib", "pyyaml", "pydantic")
PARTIAL_PREFIX = ".partial-"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks (a million-run runs.csv is about 1 GB)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` except the manifest itself."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
    return {str(p.relative_to(folder)): sha256(p) for p in files}


def write_manifest(folder: Path, manifest: dict) -> dict:
    """Finish a folder: add package versions, platform and the checksum of every file, write ``manifest.json``."""
    from ..analysis.export import parquet_copies

    parquet_copies(Path(folder))  # X.parquet beside each X.csv when pyarrow is installed
    manifest = {**manifest, "versions": versions(), "platform": platform.platform()}
    manifest["files"] = checksums(Path(folder))
    (Path(folder) / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest


def timestamp() -> str:
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%d-%H%M%S}"


def _claim(parent: Path, stem: str, tmp: Path) -> Path:
    """Rename ``tmp`` to the first free ``stem``, ``stem-2``, ... (never overwriting)."""
    for i in range(1, 10_000):
        final = parent / (stem if i == 1 else f"{stem}-{i}")
        if final.exists():
            continue
        try:
            tmp.rename(final)  # fails if another process took the name in between
            return final
        except OSError:
            continue
    raise RuntimeError(f"no free results folder name under {parent}")


@contextmanager
def new_folder(parent: Path, stem: str):
    """Yield a hidden temporary folder under ``parent``; on success rename it to a free ``stem``.

    On any exception (Ctrl-C included) the temporary folder is removed, so nothing that looks
    complete is ever left behind. The final path is in ``holder[0]`` after the block.
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f"{PARTIAL_PREFIX}{uuid.uuid4().hex}"
    tmp.mkdir()
    holder: list[Path] = [tmp]
    try:
        yield holder
        holder[0] = _claim(parent, stem, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


INCOMPLETE_SUFFIX = ".incomplete"


@contextmanager
def resumable_folder(parent: Path, stem: str):
    """Like :func:`new_folder`, for long jobs that can resume: the work happens in a visible
    ``<stem>.incomplete`` folder that is kept if the job is interrupted (it has no manifest, so it
    never looks complete) and renamed to a free ``stem`` when the block succeeds."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for i in range(1, 10_000):
        work = parent / f"{stem if i == 1 else f'{stem}-{i}'}{INCOMPLETE_SUFFIX}"
        try:
            work.mkdir()
            break
        except FileExistsError:
            continue
    holder = [work]
    with folder_lock(work):  # held until renamed: a concurrent `--resume` fails at once
        yield holder
        holder[0] = complete(work)


def complete(work: Path) -> Path:
    """Rename a finished ``<stem>.incomplete`` folder to a free ``<stem>``."""
    stem = work.name.removesuffix(INCOMPLETE_SUFFIX)
    return _claim(work.parent, stem, work)


def _write_scenario(folder: Path, s, seed: int, runs: int) -> None:
    with open(folder / "scenario.yaml", "w", encoding="utf-8") as f:
        f.write(f"# {s.name}: resolved scenario (after extends and --set overrides)\n")
        yaml.safe_dump({**s.data, "name": s.name, "seed": seed, "runs": runs}, f, sort_keys=False, allow_unicode=True)


def run_summary(s, seed: int, runs_table: dict, header: list[str]) -> dict:
    """The summary.json of an ensemble from its per-run table (NaN for "never") and column names."""
    o = s.outcomes
    return {"scenario": s.name, "title": s.title, "seed": seed,
            "definition": {"window": o.window, "threshold": o.threshold, "collapse_after": o.collapse_after,
                           "prehistory": o.prehistory, "escalated_level": o.escalated_level,
                           "sustained": o.sustained},
            **summarise(runs_table, s.horizon, o.window, o.threshold, twin_names(header))}


def finish_run_folder(folder: Path, s, steps, meta: dict) -> dict:
    """From the stored runs.csv: bands, summary, figures, manifest. Returns the summary.

    ``meta`` holds seed, runs, chunk size, command and timings for the manifest.
    """
    started = dt.datetime.now(dt.timezone.utc)
    write_table(folder / "bands.csv", bands(s, steps))
    header = (folder / "runs.csv").open(encoding="utf-8").readline().rstrip("\n").split(",")
    runs_table = read_table(folder / "runs.csv", columns=summary_columns(header))
    summary = run_summary(s, meta["seed"], runs_table, header)
    del runs_table  # a million-run table: free it before the figures read their own columns
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if summary.get("robustness"):
        rows = summary["robustness"]
        write_table(folder / "robustness.csv", {k: np.array([r[k] for r in rows]) for k in rows[0]})
    manifest = {"scenario": s.name, "scenario_file": s.file, **meta,
                "versions": versions(), "platform": platform.platform()}
    write_figures(folder, s)
    write_theory(folder / "theory.json", s)
    write_run_report(folder, manifest)  # self-contained report.html, with the manifest so far
    manifest["total_seconds"] = round(meta.get("simulation_seconds", 0) + (dt.datetime.now(dt.timezone.utc) - started).total_seconds(), 3)
    write_manifest(folder, manifest)
    return summary


def _meta(seed: int, runs: int, chunk_size: int, command: list[str], seconds: float, **extra) -> dict:
    return {"seed": seed, "runs": runs, "chunk_size": chunk_size, "command": command,
            "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "simulation_seconds": round(seconds, 3), **extra}


def write_run_folder(result: EnsembleResult, folder: Path, command: list[str]) -> dict:
    """Write every file of one in-memory ensemble result into ``folder``; return the summary."""
    s = result.scenario
    _write_scenario(folder, s, result.seed, result.runs)
    write_table(folder / "runs.csv", result.table)
    meta = _meta(result.seed, result.runs, result.chunk_size, command, result.seconds)
    return finish_run_folder(folder, s, result.steps, meta)


def simulate_to_folder(scenario, folder: Path, command: list[str], runs: int | None = None,
                       seed: int | None = None, chunk_size: int = 2000, executor=None,
                       keep_trajectories: bool = False, sample_trajectories: int = 10,
                       progress: bool = False, twins: tuple[str, ...] | None = None) -> dict:
    """Simulate an ensemble chunk by chunk, streaming rows to ``folder``; memory stays flat.

    Per-run rows go to runs.csv as each chunk finishes (in run order, whatever the executor);
    per-step counts fold into the bands; full trajectories are written for the first
    ``sample_trajectories`` runs, or for every run with ``keep_trajectories``.
    """
    import time

    from ..budget import check as check_memory
    from .executors import SerialExecutor
    from .runner import ChunkJob, StepStats, chunks, run_chunk_job

    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    executor = executor or SerialExecutor()
    check_memory(scenario, runs, chunk_size, getattr(executor, "workers", 1), keep_trajectories)
    _write_scenario(folder, scenario, seed, runs)
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
        with open(folder / "runs.csv", "w", encoding="utf-8", newline="") as out:
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
    seconds = time.perf_counter() - started
    from .design import design_of

    meta = _meta(seed, runs, chunk_size, command, seconds, executor=type(executor).__name__,
                 workers=getattr(executor, "workers", 1), design=design_of(scenario))
    return finish_run_folder(folder, scenario, steps, meta)


def folder_stem(seed: int, runs: int) -> str:
    return f"{timestamp()}-seed{seed}-runs{runs}"


def write_results(result: EnsembleResult, out_root: Path, command: list[str]) -> tuple[Path, dict]:
    """Write a new folder for ``result`` under ``out_root/<scenario name>/``; return it and the summary."""
    stem = f"{timestamp()}-seed{result.seed}-runs{result.runs}"
    with new_folder(results_dir(out_root, result.scenario.name), stem) as holder:
        summary = write_run_folder(result, holder[0], command)
    return holder[0], summary
