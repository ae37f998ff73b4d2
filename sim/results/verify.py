"""Checking a results folder against the SHA-256 checksums in its manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from .manifest import checksums


@dataclass
class Verification:
    folder: Path
    checked: int = 0
    modified: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.modified or self.missing or self.unexpected)

    def report(self) -> str:
        if self.ok:
            return f"ok: {self.folder}: all {self.checked} files match their checksums"
        lines = [f"TAMPERED: {self.folder}"]
        lines += [f"  modified:   {p}" for p in self.modified]
        lines += [f"  missing:    {p}" for p in self.missing]
        lines += [f"  unexpected: {p}" for p in self.unexpected]
        return "\n".join(lines)


def load_manifest(folder: Path) -> dict:
    """The manifest of a results folder, or a one-line UserError saying why there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such results folder")
    path = folder / "manifest.json"
    if not path.is_file():
        raise UserError(f"{folder}: not a results folder (no manifest.json; an unfinished folder has none)")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: unreadable manifest ({exc.__class__.__name__})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise UserError(f"{path}: the manifest has no checksum list")
    return manifest


def verify(folder: Path) -> Verification:
    """Recompute every checksum; list modified, missing and unexpected files."""
    folder = Path(folder)
    recorded = load_manifest(folder)["files"]
    actual = checksums(folder)
    v = Verification(folder, checked=len(recorded))
    for rel, digest in recorded.items():
        if rel not in actual:
            v.missing.append(rel)
        elif actual[rel] != digest:
            v.modified.append(rel)
    v.unexpected = sorted(set(actual) - set(recorded))
    return v
