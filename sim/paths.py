"""Where the tool may write: only inside the output root the user chose.

Scenario names are checked at load (``scenario/names.py``: no separator, no leading dot), so a
name cannot climb out of the root; :func:`inside` proves it again where a path is built, and
:func:`write_text_atomic` never leaves a half-written file under a final name.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
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


@contextmanager
def folder_lock(folder: Path, what: str = "this folder"):
    """Hold an exclusive lock on ``folder`` (the directory itself, so the lock follows a rename and
    no lock file is left behind; the kernel drops it when the process ends, even on SIGKILL).

    A second writer fails at once with a UserError instead of racing the first.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except FileNotFoundError:
        raise UserError(f"{folder}: no such folder (another process may have finished it)") from None
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX: no lock
            pass
        except BlockingIOError:
            raise UserError(f"{folder}: another sim process is writing {what}; wait for it to finish") from None
        yield
    finally:
        os.close(fd)
