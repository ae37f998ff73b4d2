"""``sim export``: every table of a results folder as Parquet (or CSV), in a new folder beside it."""

from __future__ import annotations

from pathlib import Path

ORDER = 40


def register(sub) -> None:
    p = sub.add_parser("export", help="write a results folder's tables as Parquet or CSV (a new folder)")
    p.add_argument("folder", help="a results folder (run, sweep, compare, sensitivity, discover)")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table format (default parquet)")
    p.add_argument("--out", help="the new folder (default: FOLDER-FORMAT beside FOLDER)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..results.export import export

    from ..results.folders import resolve_folder

    out = export(resolve_folder(args.folder), args.format, Path(args.out) if args.out else None)
    n = sum(1 for _ in out.rglob(f"*.{args.format}"))
    print(f"{n} tables written as {args.format}: {out}")
    return 0
