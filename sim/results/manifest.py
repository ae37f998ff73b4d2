"""``manifest.json``: what made a results folder (command, seed, versions, timings) and the
SHA-256 of every file in it. Writing the manifest is the last step of every folder."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

PACKAGES = ("sim-negotiation", "mesa", "numpy", "scipy", "matplotlib", "pyyaml", "pydantic")


def versions() -> dict[str, str]:
    """The versions of Python and of the packages that make a folder (read once per process)."""
    return dict(_versions())


@functools.cache
def _versions() -> dict[str, str]:
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


def run_meta(seed: int, runs: int, chunk_size: int, command: list[str], seconds: float, **extra) -> dict:
    """The manifest entries of an ensemble's simulation."""
    return {"seed": seed, "runs": runs, "chunk_size": chunk_size, "command": command,
            "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "simulation_seconds": round(seconds, 3), **extra}


def write_manifest(folder: Path, manifest: dict) -> dict:
    """Finish a folder: add package versions, platform and the checksum of every file, write ``manifest.json``."""
    from .export import parquet_copies

    parquet_copies(Path(folder))  # X.parquet beside each X.csv when pyarrow is installed
    manifest = {**manifest, "versions": versions(), "platform": platform.platform()}
    manifest["files"] = checksums(Path(folder))
    manifest[SELF_KEY] = fields_digest(manifest)
    (Path(folder) / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest


#: the manifest's checksum of its own fields (seed, runs, command, the file list...)
SELF_KEY = "manifest_sha256"


def fields_digest(manifest: dict) -> str:
    """SHA-256 of every field of ``manifest`` but :data:`SELF_KEY`, as JSON with sorted keys (what
    ``manifest.json`` holds after a round trip), so an edit of any field is detected."""
    fields = {k: v for k, v in manifest.items() if k != SELF_KEY}
    text = json.dumps(json.loads(json.dumps(fields, default=str)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_files(folder: Path, names: list[str]) -> dict:
    """Add files written into a finished folder (a brief) to its manifest: their checksums, and the
    manifest's own checksum again. The other files' recorded checksums are kept as they were, so
    a folder changed since it was written still fails ``sim verify``. Refused (UserError) when
    the manifest's own fields were edited."""
    from ..errors import UserError
    from .folders import write_text_atomic

    folder = Path(folder)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    recorded = manifest.get(SELF_KEY)
    if recorded is not None and recorded != fields_digest(manifest):
        raise UserError(f"{path}: the manifest's own fields were edited (sim verify {folder}); not adding to it")
    manifest["files"] = {**manifest.get("files", {}), **{n: sha256(folder / n) for n in names}}
    manifest[SELF_KEY] = fields_digest(manifest)
    write_text_atomic(path, json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest
