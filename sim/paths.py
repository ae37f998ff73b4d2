"""Where the tool may write: only inside the output root the user chose.

Scenario names are checked at load (``scenario/names.py``: no separator, no leading dot), so a
name cannot climb out of the root; :func:`inside` proves it again where a path is built, and
:func:`write_text_atomic` never leaves a half-written file under a final name.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from .errors import UserError


def inside(root: Path, path: Path) -> Path:
    """``path``, after checking that it resolves to a place inside ``root`` (UserError if not)."""
    root_r, path_r = Path(root).resolve(), Path(path).resolve()
    if path_r != root_r and root_r not in path_r.parents:
        raise UserError(f"refusing to write {path}: it is outside the output folder {root}")
    return Path(path)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to a hidden temporary file next to ``path``, then rename it into place."""
    path = Path(path)
    tmp = path.with_name(f".partial-{uuid.uuid4().hex}-{path.name}"[:255])
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def results_dir(root: Path | str, name: str) -> Path:
    """``root/name`` for a scenario's results, proven to be a child of ``root``."""
    from .scenario.names import safe_name_problem

    problem = safe_name_problem(name)
    if problem:
        raise UserError(f"scenario name '{name}' {problem}: refusing to write under {root}")
    return inside(Path(root), Path(root) / name)
