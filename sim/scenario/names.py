"""Names that become folder names, table columns and parameter paths: safe, and never colliding.

A scenario's ``name`` becomes a folder under the results root, so it is a plain slug (letters,
digits, ``_``, ``-``, ``.``; no separator, no leading dot, at most 100 characters). Actor and track
names become parts of dotted parameter paths (``tracks.<track>.<actor>.R``) and of column names
(``payoff.<actor>``), so they hold no dot, no ``*`` and no control character; event names become
columns (``fired.<slug>``), so each has a letter or digit and no control character (two events
that slug alike are refused by resolution). Every check names the file, the line and the key.

:func:`check_names` runs at the start of resolution (``resolved.resolve``), before names are
looked up.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from ..results.naming import MAX_NAME, safe_name_problem
from .errors import KeyPath, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from .source import Source



def column_slug(name: str) -> str:
    """The column-friendly form of an event name (``fired.<slug>``): lower case, runs of other
    characters as one ``_``. The same function the per-run table uses (``resolved.event_slug``)."""
    out = "".join(c.lower() if c.isalnum() else "_" for c in str(name))
    return "_".join(p for p in out.split("_") if p)


def shown(name: Any, width: int = 40) -> str:
    """A name as it may appear in a one-line message: escaped, and shortened if long."""
    text = repr(str(name))[1:-1]
    return text if len(text) <= width else text[: width - 3] + "..."


def _control(name: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in name)


def part_problem(name: Any) -> str | None:
    """Why ``name`` cannot be an actor or track name (one part of a dotted path), or None."""
    if not isinstance(name, str) or not name.strip():
        return "a name must be non-empty text"
    if len(name) > MAX_NAME:
        return f"a name has at most {MAX_NAME} characters"
    if "." in name:
        return "a name cannot contain '.' (names are parts of dotted paths such as tracks.<track>.<actor>.R)"
    if name.strip() == "*":
        return "'*' means every name; it cannot be a name"
    if _control(name):
        return "a name cannot contain control characters (newlines, tabs, ...)"
    if name != name.strip():
        return "a name cannot start or end with a space"
    return None


def check_names(src: Source, default_name: str) -> None:
    """Raise a file:line :class:`ScenarioError` for an unsafe or colliding name in ``src``.

    Runs on the validated data before cross-references are resolved, so a bad name is reported
    as what it is rather than as an unknown reference elsewhere. ``default_name`` is the name the
    scenario gets when it has no ``name:`` (its file's stem).
    """

    def fail(path: KeyPath, message: str) -> ScenarioError:
        return src.error(path, message)

    data = src.data
    name = data.get("name")
    if isinstance(name, str):
        problem = safe_name_problem(name)
        if problem:
            raise fail(("name",), f"scenario name '{shown(name)}' {problem}")
    else:
        problem = safe_name_problem(default_name)
        if problem:
            raise fail((), f"the file name gives the scenario name '{shown(default_name)}', which {problem}: "
                           "add a `name:` key")

    for kind in ("actors", "tracks"):
        section = data.get(kind)
        for key in section if isinstance(section, dict) else ():
            problem = part_problem(key)
            if problem:
                raise fail((kind, key), f"'{shown(key)}': {problem}")

    events = data.get("events")
    for i, event in enumerate(events if isinstance(events, list) else ()):
        name = event.get("name") if isinstance(event, dict) else None
        if not isinstance(name, str):
            continue
        path = ("events", i, "name")
        if _control(name):
            raise fail(path, "an event name cannot contain control characters (newlines, tabs, ...)")
        if len(name) > 2 * MAX_NAME:
            raise fail(path, f"an event name has at most {2 * MAX_NAME} characters")
        slug = column_slug(name)
        if not slug:
            raise fail(path, f"event name '{shown(name)}' has no letter or digit (it names a column fired.<name>)")
        # two events sharing a column are reported by resolution (event names must be unique)
