"""Loading a scenario: YAML -> merged data -> schema -> resolved :class:`Scenario`.

This is the one place where user input is checked; every failure is a :class:`ScenarioError`
whose message names the file, the line, the key path and what was expected.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import KeyPath, Origin, ScenarioError, ScenarioErrors
from .levers import resolve_levers
from .resolved import Scenario, resolve
from .schema import ScenarioSpec
from .source import Source, apply_overrides, read_source

_PLAIN = {
    "missing": "missing required key",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "string_type": "expected text",
    "dict_type": "expected a mapping (key: value lines)",
    "list_type": "expected a list",
    "model_type": "expected a mapping (key: value lines)",
    "bool_type": "expected true or false",
}


def _real_path(data: Any, loc: tuple) -> KeyPath:
    """Drop pydantic's union-member and validator labels from ``loc``, keeping real keys."""
    path: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            path.append(part)
            node = node[part]
    return tuple(path)


def _message(err: dict) -> str:
    kind = err["type"]
    got = err.get("input")
    if kind in _PLAIN:
        shown = "" if kind == "missing" else f", got {got!r}"
        return _PLAIN[kind] + shown
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than", "too_short"):
        msg = f"{got!r} is out of range: {msg[0].lower()}{msg[1:]}"
    return msg


MAX_ERRORS = 20


def _union_root(data: Any, loc: tuple) -> tuple:
    """The key path up to the first label pydantic adds (a union member, a validator): errors below
    one root are alternatives for one value, reported as one error."""
    path: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
        path.append(part)
    return tuple(path)


def _one(best: dict, src: Source) -> ScenarioError:
    path = _real_path(src.data, best["loc"])
    if best["type"] == "unknown_key":
        path = path + (best["ctx"]["key"],)
    elif best["type"] == "missing":
        key = best["loc"][-1]
        return ScenarioError(f"missing required key '{key}'", src.origin(path), path)
    return ScenarioError(_message(best), src.origin(path), path)


def _from_validation(exc: ValidationError, src: Source) -> ScenarioError:
    """Every problem pydantic found, one per value (up to MAX_ERRORS), in file order."""
    groups: dict[tuple, list[dict]] = {}
    for err in exc.errors(include_url=False):
        groups.setdefault(_union_root(src.data, err["loc"]), []).append(err)
    # per value, prefer the deepest error that is not a union member's type mismatch
    found = [_one(max(errs, key=lambda e: (e["type"] not in _PLAIN or e["type"] == "missing", len(e["loc"]))), src)
             for errs in groups.values()]
    # an error on a value hides the errors below it (they are consequences of the same mistake)
    found = [e for e in found if not any(o is not e and o.path and e.path[: len(o.path)] == o.path
                                         and len(e.path) > len(o.path) for o in found)]
    found.sort(key=lambda e: (e.origin.file if e.origin else "", (e.origin.line or 0) if e.origin else 0))
    return found[0] if len(found) == 1 else ScenarioErrors(found)


def from_source(src: Source) -> Scenario:
    """Validate merged data and resolve it into a :class:`Scenario`."""
    try:
        spec = ScenarioSpec.model_validate(src.data)
    except ValidationError as exc:
        raise _from_validation(exc, src) from None
    return resolve_levers(src, spec, resolve(src, spec))


def load_scenario(path: str | Path, overrides: Sequence[str | tuple[Sequence[str], str]] = (),
                  override_posterior: bool = False) -> Scenario:
    """Read, merge, override, validate and resolve a scenario file. An override is a ``--set``
    text (``path=value``) or a pair (key parts, value text) for keys that hold ``=``.

    An override of a parameter the scenario's calibration table names is refused unless
    ``override_posterior`` (``--override-posterior``; see sim/scenario/posterior.py)."""
    src = read_source(path)
    src.override_posterior = bool(override_posterior)
    apply_overrides(src, list(overrides))
    return from_source(src)


def scenario_from_dict(data: dict, name: str = "<dict>", overrides: list[str] | tuple[str, ...] = (),
                       override_posterior: bool = False) -> Scenario:
    """Build a scenario from plain data (tests, notebooks); errors name ``name`` as the file."""
    src = Source(copy.deepcopy(data), {(): Origin(name)}, name, override_posterior=bool(override_posterior))
    apply_overrides(src, list(overrides))
    return from_source(src)


__all__ = ["load_scenario", "scenario_from_dict", "ScenarioError", "Scenario"]
