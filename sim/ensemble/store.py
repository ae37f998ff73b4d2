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

import yaml

from ..analysis.bands import bands
from ..analysis.figures import write_figures
from ..analysis.stats import summarise
from ..analysis.tables import read_table, write_table
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
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` except the manifest itself."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
    return {str(p.relative_to(folder)): sha256(p) for p in files}


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


def write_run_folder(result: EnsembleResult, folder: Path, command: list[str]) -> dict:
    """Write every file of one ensemble's results into ``folder``; return the summary."""
    s = result.scenario
    started = dt.datetime.now(dt.timezone.utc)
    with open(folder / "scenario.yaml", "w", encoding="utf-8") as f:
        f.write(f"# {s.name}: resolved scenario (after extends and --set overrides)\n")
        yaml.safe_dump({**s.data, "name": s.name, "seed": result.seed, "runs": result.runs},
                       f, sort_keys=False, allow_unicode=True)
    write_table(folder / "runs.csv", result.table)
    write_table(folder / "bands.csv", bands(s, result.steps))
    summary = {"scenario": s.name, "title": s.title, "seed": result.seed,
               **summarise(read_table(folder / "runs.csv"), s.horizon)}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    manifest = {
        "scenario": s.name, "scenario_file": s.file, "seed": result.seed, "runs": result.runs,
        "chunk_size": result.chunk_size, "command": command,
        "started_utc": started.isoformat(timespec="seconds"),
        "simulation_seconds": round(result.seconds, 3),
        "versions": versions(), "platform": platform.platform(),
    }
    write_figures(folder, s)
    manifest["total_seconds"] = round(result.seconds + (dt.datetime.now(dt.timezone.utc) - started).total_seconds(), 3)
    manifest["files"] = checksums(folder)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return summary


def write_results(result: EnsembleResult, out_root: Path, command: list[str]) -> tuple[Path, dict]:
    """Write a new folder for ``result`` under ``out_root/<scenario name>/``; return it and the summary."""
    stem = f"{timestamp()}-seed{result.seed}-runs{result.runs}"
    with new_folder(Path(out_root) / result.scenario.name, stem) as holder:
        summary = write_run_folder(result, holder[0], command)
    return holder[0], summary
