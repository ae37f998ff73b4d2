"""Parquet copies of result tables, and ``sim export``.

When ``pyarrow`` is installed (optional group ``parquet``), every results folder gets a
``<table>.parquet`` next to each ``<table>.csv`` as it is finished (set ``SIM_PARQUET=0`` to skip).
The CSV stays the reference (exact float round-trips, empty cells for "never"); the Parquet copy
holds the same values with typed columns and nulls for the empty cells.

``sim export FOLDER --format parquet|csv`` writes every table of a folder (and its sub-folders)
in one format into a new folder next to it; for a sweep it adds ``sweep_runs``: every point's
per-run rows in one table, with the point and its varied values as columns.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ..errors import UserError

INSTALL_HINT = "Parquet needs pyarrow: pip install 'pyarrow>=14' (or, in the project folder, pip install -e '.[parquet]')"
FORMATS = ("parquet", "csv")


def have_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.csv  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def _read_csv(path: Path):
    import pyarrow.csv as pacsv

    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(null_values=[""], strings_can_be_null=True,
                                                                     quoted_strings_can_be_null=False))


def csv_to_parquet(csv: Path, parquet: Path | None = None) -> Path:
    """Stream ``csv`` into Parquet batch by batch (memory stays flat for a million-run table).

    Column types are inferred from the first block (8 MiB); a column empty there (a step that
    never happened in those runs) is read as float64, where an empty cell is a null."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    parquet = parquet or csv.with_suffix(".parquet")
    read = pacsv.ReadOptions(block_size=1 << 23, use_threads=False)

    def open_reader(types: dict):
        return pacsv.open_csv(csv, read_options=read, convert_options=pacsv.ConvertOptions(
            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False, column_types=types))

    reader = open_reader({})
    empty = {f.name: pa.float64() for f in reader.schema if pa.types.is_null(f.type)}
    if empty:
        reader = open_reader(empty)
    with pq.ParquetWriter(parquet, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(_unprotected(batch))
    return parquet


def _unprotected(batch):
    """The batch with text cells as they were before ``tables.protect`` (the spreadsheet quote off)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .tables import ARROW_PROTECTED, ARROW_REPLACEMENT

    columns = [pc.replace_substring_regex(c, pattern=ARROW_PROTECTED, replacement=ARROW_REPLACEMENT)
               if pa.types.is_string(c.type) or pa.types.is_large_string(c.type) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


#: CSV tables larger than this (MB) get no automatic Parquet copy (``SIM_PARQUET_MAX_MB`` raises it);
#: ``sim export FOLDER --format parquet`` converts them on demand, in a process of its own
PARQUET_MAX_MB = 256


def parquet_copies(folder: Path) -> list[Path]:
    """Write ``X.parquet`` beside every ``X.csv`` directly in ``folder`` (if pyarrow is installed).

    Tables above ``PARQUET_MAX_MB`` (a run of about 250,000 runs) are left to ``sim export``, so that
    writing a million-run folder stays within the memory of the simulation itself."""
    if os.environ.get("SIM_PARQUET", "1") == "0" or not have_pyarrow():
        return []
    limit = float(os.environ.get("SIM_PARQUET_MAX_MB", PARQUET_MAX_MB)) * 1e6
    return [csv_to_parquet(p) for p in sorted(Path(folder).glob("*.csv")) if p.stat().st_size <= limit]


def sweep_runs(folder: Path):
    """Every point's runs.csv in one DataFrame, with ``point`` and one ``vary.<path>`` column per axis."""
    import pandas as pd

    from .tables import read_frame

    meta = json.loads((Path(folder) / "sweep.json").read_text())
    frames = []
    for point in meta["points"]:
        runs = read_frame(Path(folder) / point["name"] / "runs.csv")
        head = {"point": point["name"], **{f"vary.{p}": v for p, v in point["values"].items()}}
        for k, (name, value) in enumerate(head.items()):
            runs.insert(k, name, value if not isinstance(value, (dict, list)) else json.dumps(value))
        frames.append(runs)
    return pd.concat(frames, ignore_index=True)


def export(folder: Path, fmt: str, out: Path | None = None) -> Path:
    """Write every table of ``folder`` as ``fmt`` into a new folder (default ``<folder>-<fmt>``)."""
    folder = Path(folder)
    if fmt not in FORMATS:
        raise UserError(f"unknown format '{fmt}': expected {' or '.join(FORMATS)}")
    if not (folder / "manifest.json").is_file():
        raise UserError(f"{folder}: not a results folder (no manifest.json)")
    if fmt == "parquet" and not have_pyarrow():
        raise UserError(INSTALL_HINT)
    out = Path(out) if out is not None else folder.with_name(f"{folder.name}-{fmt}")
    if out.exists():
        raise UserError(f"{out} already exists: choose another --out")
    tmp = out.with_name(f".partial-{out.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for csv in sorted(folder.rglob("*.csv")):
            target = tmp / csv.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "parquet":
                csv_to_parquet(csv, target.with_suffix(".parquet"))
            else:
                shutil.copyfile(csv, target)
        if (folder / "sweep.json").is_file():
            frame = sweep_runs(folder)
            if fmt == "parquet":
                frame.to_parquet(tmp / "sweep_runs.parquet", index=False)
            else:
                from .tables import write_table

                write_table(tmp / "sweep_runs.csv", {c: frame[c].to_numpy() for c in frame.columns})
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
