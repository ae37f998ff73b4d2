"""Column tables to and from CSV, with exact float round-trips (``repr``) and empty cells for "never"."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .outcomes import is_never_column as _never  # -1 in memory, an empty cell on disk


def _quote(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _cells(name: str, values: np.ndarray) -> list[str]:
    values = np.asarray(values)
    if values.dtype.kind == "f":
        return ["" if v != v else repr(v) for v in values.tolist()]
    if values.dtype.kind in "iub":
        cells = [str(v) for v in values.astype(np.int64).tolist()]
    else:  # text: quoted as CSV requires when it holds a comma, a quote or a newline
        # a missing cell (NaN or None, as pandas reads an empty one) stays empty
        cells = ["" if v is None or v != v else _quote(str(v)) for v in values.tolist()]
    if _never(name):
        cells = ["" if c == "-1" else c for c in cells]
    return cells


def format_rows(cols: dict[str, np.ndarray], header: bool = True) -> str:
    """CSV text of the table (Unix newlines); floats as ``repr`` so they read back exactly."""
    names = list(cols)
    lines = [",".join(map(_quote, names))] if header else []
    lines += map(",".join, zip(*(_cells(n, cols[n]) for n in names)))
    return "\n".join(lines) + ("\n" if lines else "")


def write_table(path: Path, cols: dict[str, np.ndarray]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(format_rows(cols))


def read_table(path: Path, columns: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Read a table written by :func:`write_table` (optionally only some columns); empty cells are NaN."""
    import pandas as pd

    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    frame = pd.read_csv(path, usecols=list(columns) if columns is not None else None,
                        keep_default_na=False, na_values=[""], **exact)
    return {name: frame[name].to_numpy() for name in frame.columns}
