"""The analysis of one ensemble's results folder: from its stored ``runs.csv`` and step statistics
to ``bands.csv``, ``summary.json``, ``robustness.csv``, figures, ``theory.json``, ``report.html``
and, last, the manifest. It reads the tables through :mod:`sim.results`; it never simulates."""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path

import numpy as np

from ..results.manifest import versions, write_manifest
from ..results.outcomes import twin_names
from ..results.steps import StepStats
from ..results.tables import read_table, write_table
from .bands import bands
from .figures import write_figures
from .reference_check import reference_check
from .report import write_run_report
from .stats import summarise, summary_columns
from .theory_io import write_theory
from ..scenario.posterior import describe as describe_table


def run_summary(s, seed: int, runs_table: dict, header: list[str]) -> dict:
    """The summary.json of an ensemble from its per-run table (NaN for "never") and column names."""
    o = s.outcomes
    summary = {"scenario": s.name, "title": s.title, "seed": seed, "step": s.step,
               "definition": {"window": o.window, "threshold": o.threshold, "collapse_after": o.collapse_after,
                              "prehistory": o.prehistory, "escalated_level": o.escalated_level,
                              "sustained": o.sustained},
               **summarise(runs_table, s.horizon, o.window, o.threshold, twin_names(header),
                           {n: t.mechanism for n, t in s.twins.items() if t.mechanism})}
    if getattr(s, "reference_class", None) is not None:  # `reference_class: PATH` (reference_check.py)
        summary["reference_class"] = reference_check(s.reference_class, runs_table)
    table = describe_table(s)
    if table is not None:  # `parameters: {from: ...}`: which columns applied, which the scenario set itself
        summary["calibration_table"] = table
    return summary


def finish_run_folder(folder: Path, s, steps: StepStats, meta: dict, extra: dict | None = None) -> dict:
    """From the stored runs.csv: bands, summary, figures, report, manifest. Returns the summary.

    ``meta`` holds seed, runs, chunk size, command and timings for the manifest; ``extra`` entries
    are added to the summary (a forecast's record, acceptance and predictive check).
    """
    started = dt.datetime.now(dt.timezone.utc)
    write_table(folder / "bands.csv", bands(s, steps))
    header = (folder / "runs.csv").open(encoding="utf-8").readline().rstrip("\n").split(",")
    runs_table = read_table(folder / "runs.csv", columns=summary_columns(header))
    summary = {**run_summary(s, meta["seed"], runs_table, header), **(extra or {})}
    del runs_table  # a million-run table: free it before the figures read their own columns
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if summary.get("robustness"):
        rows = summary["robustness"]
        write_table(folder / "robustness.csv", {k: np.array([r[k] for r in rows]) for k in rows[0]})
    manifest = {"scenario": s.name, "scenario_file": s.file, **meta,
                **({"calibration_table": summary["calibration_table"]} if "calibration_table" in summary else {}),
                "versions": versions(), "platform": platform.platform()}
    write_figures(folder, s)
    write_theory(folder / "theory.json", s)
    write_run_report(folder, manifest, s)  # self-contained report.html, with the manifest so far
    manifest["total_seconds"] = round(meta.get("simulation_seconds", 0) + (dt.datetime.now(dt.timezone.utc) - started).total_seconds(), 3)
    write_manifest(folder, manifest)
    return summary
