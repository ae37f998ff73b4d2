"""Results folders: one new folder per invocation, written under a hidden name and renamed when complete."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import shutil
import uuid
from importlib import metadata
from pathlib import Path

import yaml

from ..analysis.bands import bands
from ..analysis.figures import write_figures
from ..analysis.stats import summarise
from ..analysis.tables import read_table, write_table
from .runner import EnsembleResult

PACKAGES = ("sim-negotiation", "mesa", "numpy", "scipy", "matplotlib", "pyyaml", "pydantic")


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


def write_results(result: EnsembleResult, out_root: Path, command: list[str]) -> tuple[Path, dict]:
    """Write the folder for ``result`` under ``out_root/<scenario name>/``; return it and the summary."""
    s = result.scenario
    parent = Path(out_root) / s.name
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".partial-{uuid.uuid4().hex}"
    tmp.mkdir()
    started = dt.datetime.now(dt.timezone.utc)
    try:
        with open(tmp / "scenario.yaml", "w", encoding="utf-8") as f:
            f.write(f"# {s.name}: resolved scenario (after extends and --set overrides)\n")
            yaml.safe_dump({**s.data, "name": s.name, "seed": result.seed, "runs": result.runs},
                           f, sort_keys=False, allow_unicode=True)
        write_table(tmp / "runs.csv", result.table)
        write_table(tmp / "bands.csv", bands(s, result.steps))
        summary = {"scenario": s.name, "title": s.title, "seed": result.seed,
                   **summarise(read_table(tmp / "runs.csv"), s.horizon)}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        write_figures(tmp, s)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        manifest = {
            "scenario": s.name, "scenario_file": s.file, "seed": result.seed, "runs": result.runs,
            "chunk_size": result.chunk_size, "command": command,
            "started_utc": started.isoformat(timespec="seconds"),
            "simulation_seconds": round(result.seconds, 3),
            "total_seconds": round(result.seconds + (dt.datetime.now(dt.timezone.utc) - started).total_seconds(), 3),
            "versions": versions(), "platform": platform.platform(),
            "files": {str(p.relative_to(tmp)): sha256(p) for p in files},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        stem = f"{started:%Y%m%d-%H%M%S}-seed{result.seed}-runs{result.runs}"
        return _claim(parent, stem, tmp), summary
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
