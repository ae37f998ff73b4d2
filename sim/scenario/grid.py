"""Sweep grids: the values of each varied parameter and every combination of them.

A varied parameter is a dotted scenario path (as in ``--set``, ``*`` allowed) with a list of
values or a numeric range ``a:b:step``. This module knows no scenario semantics: each point's
values are applied as overrides and validated by the scenario loader.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import yaml

#: how far past the end a range may land and still include it (floating-point slack)
_SLACK = 1e-9


@dataclass(frozen=True)
class Axis:
    """One varied parameter: its path, its values, and where it was given (for error messages)."""

    path: str
    values: tuple
    origin: object = ""      # an Origin (file and line) or the command-line text


def frange(text: str) -> tuple[float, ...]:
    """``"0:1:0.25"`` -> (0.0, 0.25, 0.5, 0.75, 1.0); the end is included only when a step lands on it."""
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"range '{text}' should be start:stop:step")
    try:
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"range '{text}' should be three numbers, start:stop:step") from None
    if not all(math.isfinite(x) for x in (start, stop, step)) or step <= 0:
        raise ValueError(f"range '{text}' needs a positive step")
    if stop < start:
        raise ValueError(f"range '{text}' ends before it starts")
    count = math.floor((stop - start) / step + _SLACK) + 1
    if count > 10_000:
        raise ValueError(f"range '{text}' has {count} values; at most 10000")
    # round away accumulated binary error so 0.1 * 3 prints as 0.3
    return tuple(float(round(start + i * step, 12)) for i in range(count))


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets and braces, so ``{uniform: [0, 1]},0.5`` is two values."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _is_range(text: str) -> bool:
    """A colon outside any YAML mapping or list marks a range (``1:0`` is not read as base-60 YAML)."""
    return ":" in text and not any(c in text for c in "{[ ")


def parse_values(value: Any) -> tuple:
    """A YAML list of values, or a range string ``a:b:step``; never empty."""
    if isinstance(value, str) and _is_range(value.strip()):
        return frange(value.strip())
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("expected at least one value")
        return tuple(value)
    raise ValueError(f"expected a list of values or a range start:stop:step, got {value!r}")


def parse_vary(text: str) -> Axis:
    """``--vary PATH=v1,v2,...`` or ``--vary PATH=a:b:step``; each value is read as YAML."""
    if "=" not in text:
        raise ValueError("expected PATH=v1,v2,... or PATH=start:stop:step")
    path, _, raw = text.partition("=")
    path, raw = path.strip(), raw.strip()
    if not path or any(not p for p in path.split(".")):
        raise ValueError("expected a dotted key path before '='")
    if not raw:
        raise ValueError("expected values after '='")
    if _is_range(raw):
        return Axis(path, frange(raw), f"--vary {text}")
    values = []
    for item in split_top(raw):
        try:
            values.append(yaml.safe_load(item) if item.strip() else None)
        except yaml.YAMLError:
            raise ValueError(f"cannot read the value '{item}'") from None
    if any(v is None for v in values):
        raise ValueError("empty value in the list")
    return Axis(path, tuple(values), f"--vary {text}")


def expand_grid(axes: list[Axis]) -> list[dict[str, Any]]:
    """Every combination of the axes' values, the first axis varying slowest."""
    if len({a.path for a in axes}) != len(axes):
        dup = next(a.path for a in axes if [b.path for b in axes].count(a.path) > 1)
        raise ValueError(f"'{dup}' is varied twice")
    return [dict(zip((a.path for a in axes), combo)) for combo in itertools.product(*(a.values for a in axes))]


def override_text(path: str, value: Any) -> str:
    """The ``--set`` text that sets ``path`` to ``value`` (YAML flow style)."""
    shown = yaml.safe_dump(value, default_flow_style=True).strip()
    shown = shown.removesuffix("\n...").strip()
    return f"{path}={shown}"


def label(value: Any) -> str:
    """A short text form of a value, for tables and plot legends."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True).strip()
    return str(value)
