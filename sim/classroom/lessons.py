"""Finding the shipped lessons: ``scenarios/lessons/*.yaml``, each with a ``lesson:`` block.

In a source checkout they are read from the top-level ``scenarios/`` folder; an installed package
(``pip install .``) carries the same files as package data in ``sim/scenarios`` (see setup.py).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import UserError
from ..scenario.load import load_scenario
from ..scenario.resolved import Scenario


def scenario_dir() -> Path:
    """The shipped scenarios: ``scenarios/`` of the source tree, else the installed package data,
    else ``scenarios/`` of the working directory."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package.parent / "scenarios", package / "scenarios"):
        if (folder / "lessons").is_dir():
            return folder
    return Path("scenarios")


def lesson_dir() -> Path:
    """``$SIM_LESSONS``, else the shipped ``scenarios/lessons`` (see :func:`scenario_dir`)."""
    if os.environ.get("SIM_LESSONS"):
        return Path(os.environ["SIM_LESSONS"])
    return scenario_dir() / "lessons"


def lesson_files(folder: Path | None = None) -> list[Path]:
    folder = lesson_dir() if folder is None else folder
    return sorted(folder.glob("*.yaml"))


def find_lesson(name: str, folder: Path | None = None) -> Path:
    """A lesson by path, file name, or name with or without its number (``noise``, ``02_noise``);
    else a shipped scenario by name (``baseline``)."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    files = lesson_files(folder)
    for f in files:
        if name in (f.stem, f.name, f.stem.split("_", 1)[-1]):
            return f
    shipped = scenario_dir() / (name if path.suffix == ".yaml" else f"{name}.yaml")
    if folder is None and path.name == name and shipped.is_file():
        return shipped
    names = ", ".join(f.stem.split("_", 1)[-1] for f in files)
    raise UserError(f"no lesson '{name}' (lessons: {names}; or give a scenario file)")


def lesson_query(search: str | None) -> str | None:
    """The ``lesson`` value of a page's query string (``lesson=noise&x=1``; a leading ``?`` is
    fine), decoded once; ``""`` for ``?lesson=``; None when there is no ``lesson`` parameter."""
    values = urllib.parse.parse_qs((search or "").lstrip("?"), keep_blank_values=True).get("lesson")
    return values[0] if values else None


#: the longest part of a refused ``?lesson=`` value quoted back (in the page and the server's log)
QUOTED = 60


def quoted(name: str) -> str:
    """``name`` for a one-line message: control characters as ``?``, at most :data:`QUOTED` characters."""
    name = "".join(c if c.isprintable() else "?" for c in name)
    return name if len(name) <= QUOTED else name[: QUOTED - 3] + "..."


def served_lesson(name: str | None, started: str | Path, given: str = "", folder: Path | None = None) -> Path:
    """The scenario file a live page's ``?lesson=NAME`` opens: a lesson that ``sim lessons`` lists
    (``noise``, ``02_noise``, ``02_noise.yaml``), or the file ``sim viz`` was started with (``started``;
    ``given`` is how the command line spelled it, which names it too, as do its file name and stem);
    no ``lesson`` parameter (None) is the started file.

    ``name`` is compared with those names as text and never used as a path: a path, ``../``, an
    unknown name or an empty value is a :class:`UserError` ("no such lesson: NAME; lessons: ...")
    that is the same whether or not a file of that name exists."""
    started = Path(started)
    if name is None:
        return started
    files = lesson_files(folder)
    for f in files:
        if name in (f.stem, f.name, f.stem.split("_", 1)[-1]):
            return f
    if name in {given, started.name, started.stem} - {""}:
        return started
    names = [f.stem.split("_", 1)[-1] for f in files]
    if started.resolve() not in {f.resolve() for f in files} and started.stem not in names:
        names.append(started.stem)
    raise UserError(f"no such lesson: {quoted(name) or '(empty)'}; lessons: {', '.join(names)}")


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


#: neutral names for the two sides (``sim trace --neutral``, the page's "Neutral names" switch)
NEUTRAL = ("Blue", "Red")


def renamer(actor_names: Sequence[str], neutral: bool) -> Callable[[str], str]:
    """A text function replacing the actors' names by Blue and Red (not inside ``actors.NAME``
    override paths, which must stay valid commands), dropping an article before a name ("the US
    walks out" reads "Blue walks out"); the identity when ``neutral`` is false."""
    if not neutral:
        return lambda text: text
    mapping = dict(zip(actor_names, NEUTRAL))
    pattern = re.compile(r"(?<!actors\.)\b(?:[Tt]he )?(" + "|".join(map(re.escape, actor_names)) + r")\b")
    return lambda text: pattern.sub(lambda m: mapping[m.group(1)], text)
