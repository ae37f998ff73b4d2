"""Column tables to and from CSV, with exact float round-trips (``repr``) and empty cells for "never"."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

#: columns where -1 means "never" (the channel never broke, the event never fired)
NEVER_COLUMNS = ("break_step", "first_fired.")


def _never(name: str) -> bool:
    return name == NEVER_COLUMNS[0] or name.startswith(NEVER_COLUMNS[1])


def _cell(x) -> str:
    if isinstance(x, (float, np.floating)):
        return "" if np.isnan(x) else repr(float(x))
    return str(int(x)) if isinstance(x, (int, np.integer, bool, np.bool_)) else str(x)


def write_table(path: Path, cols: dict[str, np.ndarray]) -> None:
    names = list(cols)
    arrays = [np.asarray(cols[n]) for n in names]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names)
        for row in zip(*(a.tolist() for a in arrays)):
            w.writerow(["" if (_never(n) and v == -1) else _cell(v) for n, v in zip(names, row)])


def read_table(path: Path) -> dict[str, np.ndarray]:
    """Read a table written by :func:`write_table`; empty cells become NaN."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    names, body = rows[0], rows[1:]
    out = {}
    for j, n in enumerate(names):
        raw = [r[j] for r in body]
        try:
            if all(v.lstrip("-").isdigit() for v in raw):
                out[n] = np.array([int(v) for v in raw], dtype=np.int64)
            else:
                out[n] = np.array([float(v) if v != "" else np.nan for v in raw])
        except ValueError:
            out[n] = np.array(raw, dtype=object)
    return out
