"""Checking a results folder against the SHA-256 checksums in its manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from .manifest import SELF_KEY, checksums, fields_digest


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
        raise UserError(f"{folder}: " + ("a file, not a results folder" if folder.exists() else "no such results folder"))
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


def manifest_edited(manifest: dict) -> bool:
    """Whether the manifest's own fields were edited (a manifest written before the self-checksum
    existed has none, and is checked by its file list only)."""
    recorded = manifest.get(SELF_KEY)
    return recorded is not None and recorded != fields_digest(manifest)


def verify(folder: Path) -> Verification:
    """Recompute every checksum; list modified, missing and unexpected files, and manifests whose
    own fields (seed, runs, ...) were edited."""
    folder = Path(folder)
    manifest = load_manifest(folder)
    recorded = manifest["files"]
    actual = checksums(folder)
    v = Verification(folder, checked=len(recorded))
    if manifest_edited(manifest):
        v.modified.append("manifest.json (its own fields)")
    for sub in sorted(folder.rglob("*/manifest.json")):   # the manifests of a sweep's points
        try:
            inner = json.loads(sub.read_text())
        except (OSError, ValueError):
            inner = None
        if not isinstance(inner, dict) or manifest_edited(inner):
            v.modified.append(f"{sub.relative_to(folder)} (its own fields)")
    for rel, digest in recorded.items():
        if rel not in actual:
            v.missing.append(rel)
        elif actual[rel] != digest:
            v.modified.append(rel)
    v.unexpected = sorted(set(actual) - set(recorded))
    return v
