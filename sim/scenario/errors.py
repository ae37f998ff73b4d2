"""One error type for every problem in a scenario, printed as one line: file, line, key, message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

#: A key path inside a scenario, e.g. ("actors", "US", "strategies", "frontier_safety").
KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """Dotted key path as users write it in ``--set`` (list indices as plain numbers)."""
    return ".".join(str(p) for p in path) if path else "(top level)"


def suggest(name: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' hint for a misspelt name, or an empty string."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass(frozen=True)
class Origin:
    """Where a value came from: a file and line, or a ``--set`` override."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


class ScenarioError(Exception):
    """A scenario that cannot be loaded; ``str()`` is the one-line message users see."""

    def __init__(self, message: str, origin: Origin | None = None, path: KeyPath = ()):
        self.message = message
        self.origin = origin
        self.path = tuple(path)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin else ""
        key = f"{format_path(self.path)}: " if self.path else ""
        return one_line(f"{where}{key}{self.message}")


class ScenarioErrors(ScenarioError):
    """Several problems in one scenario: ``str()`` has one line per problem (at most 20 shown)."""

    LIMIT = 20

    def __init__(self, errors: list[ScenarioError]):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.message, first.origin, first.path)

    def __str__(self) -> str:
        lines = [ScenarioError.__str__(e) for e in self.errors[: self.LIMIT]]
        if len(self.errors) > self.LIMIT:
            lines.append(f"... and {len(self.errors) - self.LIMIT} more problems")
        return "\n".join(lines)


def one_line(text: str) -> str:
    """``text`` with control characters escaped (a name holding a newline stays on one line)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
