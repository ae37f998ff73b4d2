"""Finding the shipped lessons: ``scenarios/lessons/*.yaml``, each with a ``lesson:`` block."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import UserError
from ..scenario.load import load_scenario
from ..scenario.resolved import Scenario


def lesson_dir() -> Path:
    """``$SIM_LESSONS``, else ``scenarios/lessons`` of the source tree, else of the working directory."""
    if os.environ.get("SIM_LESSONS"):
        return Path(os.environ["SIM_LESSONS"])
    here = Path(__file__).resolve().parents[2] / "scenarios" / "lessons"
    return here if here.is_dir() else Path("scenarios") / "lessons"


def lesson_files(folder: Path | None = None) -> list[Path]:
    folder = lesson_dir() if folder is None else folder
    return sorted(folder.glob("*.yaml"))


def find_lesson(name: str, folder: Path | None = None) -> Path:
    """A lesson by path, file name, or name with or without its number (``noise``, ``02_noise``)."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    files = lesson_files(folder)
    for f in files:
        if name in (f.stem, f.name, f.stem.split("_", 1)[-1]):
            return f
    names = ", ".join(f.stem.split("_", 1)[-1] for f in files)
    raise UserError(f"no lesson '{name}' (lessons: {names}; or give a scenario file)")


def load_lesson(name: str, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Load a lesson (or any scenario file); a file without a ``lesson:`` block is an error."""
    scenario = load_scenario(find_lesson(name), overrides)
    if scenario.lesson is None:
        raise UserError(f"{scenario.file}: has no `lesson:` block (title, goal, notice, try)")
    return scenario


def listing(folder: Path | None = None) -> list[tuple[str, str, str]]:
    """(name, title, file) of every lesson, in order."""
    rows = []
    for f in lesson_files(folder):
        s = load_scenario(f)
        rows.append((f.stem.split("_", 1)[-1], s.lesson.title if s.lesson else s.title, str(f)))
    return rows
