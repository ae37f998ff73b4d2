"""Column tables to and from CSV, with exact float round-trips (``repr``) and empty cells for "never".

Every CSV file the simulator writes is written here, and text cells are made safe for
spreadsheets in this one place: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return (a formula to Excel, LibreOffice or Google Sheets: OWASP "CSV injection") is
written with a leading single quote ``'``, which spreadsheets show as text. Numbers are never
changed (``-0.5`` stays a number), nor is text that reads as a plain number. A text cell that
already begins with quotes before such a character gets one more, so :func:`unprotect` (applied
by :func:`read_table` and :func:`read_frame` to text columns) gives the original text back
exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .outcomes import is_never_column as _never  # -1 in memory, an empty cell on disk

#: text a spreadsheet would read as a formula (after any quotes this module added or found)
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_PROTECTED = re.compile(r"'+[=+\-@\t\r]")
#: the same pattern for pyarrow (RE2): one added quote stripped from a protected cell
ARROW_PROTECTED, ARROW_REPLACEMENT = r"^'('*[=+\-@\t\r])", r"\1"


_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _is_number(text: str) -> bool:
    """A plain decimal number (``-0.5``, ``+1e3``): a spreadsheet reads it as a number, not a formula."""
    return _NUMBER.fullmatch(text) is not None


def protect(text: str) -> str:
    """``text`` as a spreadsheet shows it literally: a leading ``'`` before a formula character."""
    if _FORMULA.match(text) and not _is_number(text):
        return "'" + text
    return text


def unprotect(text):
    """The text :func:`protect` was given (anything that is not text is returned as it is)."""
    if isinstance(text, str) and _PROTECTED.match(text):
        return text[1:]
    return text


def _quote(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _text_cell(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""    # a missing cell (NaN or None, as pandas reads an empty one) stays empty
    if isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)):
        return repr(float(v)) if isinstance(v, (float, np.floating)) else str(v)   # a number in a mixed column
    return _quote(protect(str(v)))


def never_to_nan(name: str, values: np.ndarray) -> np.ndarray:
    """A per-run column with ``-1`` ("never": the channel never broke, an event never fired) as NaN."""
    values = np.asarray(values)
    if _never(name) and values.dtype.kind in "iu":
        out = values.astype(float)
        out[values == -1] = np.nan
        return out
    return values


def _cells(name: str, values: np.ndarray) -> list[str]:
    values = np.asarray(values)
    if values.dtype.kind == "f":
        return ["" if v != v else repr(v) for v in values.tolist()]
    if values.dtype.kind in "iub":
        cells = [str(v) for v in values.astype(np.int64).tolist()]
    else:  # text: protected from spreadsheets, quoted as CSV requires (a comma, a quote, a newline)
        cells = [_text_cell(v) for v in values.tolist()]
    if _never(name):
        cells = ["" if c == "-1" else c for c in cells]
    return cells


def format_rows(cols: dict[str, np.ndarray], header: bool = True) -> str:
    """CSV text of the table (Unix newlines); floats as ``repr`` so they read back exactly."""
    names = list(cols)
    lines = [",".join(_quote(protect(str(n))) for n in names)] if header else []
    lines += map(",".join, zip(*(_cells(n, cols[n]) for n in names)))
    return "\n".join(lines) + ("\n" if lines else "")


def write_table(path: Path, cols: dict[str, np.ndarray]) -> None:
    from .folders import naming

    with naming(path), open(path, "w", encoding="utf-8", newline="") as f:
        f.write(format_rows(cols))


def read_frame(path: Path, **kwargs):
    """A pandas DataFrame of a table written by :func:`write_table`: empty cells are NaN, floats
    exact, text cells and column names as they were before :func:`protect`."""
    import pandas as pd

    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""], **exact, **kwargs)
    frame.columns = [unprotect(c) for c in frame.columns]
    text = [n for n in frame.columns if frame[n].dtype.kind not in "fiubM"]
    changed = {n: frame[n].map(unprotect) for n in text
               if frame[n].map(lambda v: isinstance(v, str) and v.startswith("'")).any()}
    return frame.assign(**changed) if changed else frame


def read_table(path: Path, columns: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Read a table written by :func:`write_table` (optionally only some columns); empty cells are NaN."""
    usecols = None if columns is None else [protect(c) for c in columns]
    frame = read_frame(path, usecols=usecols)
    return {name: frame[name].to_numpy() for name in frame.columns}
