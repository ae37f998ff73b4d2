"""The analysis of one ensemble's results folder: from its stored ``runs.csv`` and step statistics
to ``bands.csv``, ``summary.json``, ``robustness.csv``, ``theory.json``, ``report.html``, the
figures when asked (``sim run --figures``) and, last, the manifest. It reads the tables through
:mod:`sim.results`; it never simulates.

The figures (matplotlib, about 2 s for the baseline's five figures as PNG and SVG, more than the
simulation) are drawn on request: :func:`draw_figures` (``sim figures FOLDER``) draws those of a
finished folder once, re-writes its ``report.html`` to embed them and adds both to its manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
from pathlib import Path

import numpy as np

from ..results.manifest import SELF_KEY, versions, write_manifest
from ..results.outcomes import twin_names
from ..results.steps import StepStats
from ..results.tables import read_table, write_table
from .bands import bands
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


def finish_run_folder(folder: Path, s, steps: StepStats, meta: dict, extra: dict | None = None,
                      figures: bool = False) -> dict:
    """From the stored runs.csv: bands, summary, figures (when ``figures``), report, manifest.
    Returns the summary.

    ``meta`` holds seed, runs, chunk size, command and timings for the manifest; ``extra`` entries
    are added to the summary (a forecast's record, acceptance and predictive check). Without
    ``figures`` the report says where the figures would be and how to draw them (:func:`draw_figures`).
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
    if figures:
        from .figures import write_figures   # matplotlib: imported only when figures are drawn

        write_figures(folder, s)
    write_theory(folder / "theory.json", s)
    write_run_report(folder, manifest, s)  # self-contained report.html, with the manifest so far
    manifest["total_seconds"] = round(meta.get("simulation_seconds", 0) + (dt.datetime.now(dt.timezone.utc) - started).total_seconds(), 3)
    write_manifest(folder, manifest)
    return summary


# -- figures on request ---------------------------------------------------------------------------

#: the manifest entries written after the report (the report shows the manifest as it was then)
AFTER_REPORT = ("total_seconds", "files", SELF_KEY)


def report_manifest(manifest: dict) -> dict:
    """The manifest as the report of a run folder showed it when it was written."""
    return {k: v for k, v in manifest.items() if k not in AFTER_REPORT}


def figures_recorded(manifest: dict, folder: Path) -> bool:
    """Whether a folder's figures are drawn: its manifest records some and they are all there."""
    figs = [name for name in manifest.get("files", {}) if name.startswith("figures/")]
    return bool(figs) and all((folder / name).is_file() for name in figs)


def run_folder_kind(folder: Path) -> str:
    """``run`` (a run or forecast folder), ``sweep``, or a UserError naming the path when the
    folder is no results folder or one whose figures are drawn when it is written."""
    from ..errors import UserError
    from ..results.verify import load_manifest

    manifest = load_manifest(folder)   # one-line errors: no such folder, no manifest, unreadable
    if all((folder / f).is_file() for f in ("runs.csv", "summary.json", "scenario.yaml")):
        return "run"
    if (folder / "sweep.json").is_file():
        return "sweep"
    kind = manifest.get("kind", "")
    drawn = f"a {kind} folder, whose figures are drawn when it is written" if kind else "not a run or sweep folder"
    raise UserError(f"{folder}: {drawn} (sim figures draws those of run, forecast, sweep and calibration folders)")


def _changed(folder: Path, redrawn: tuple[str, ...]) -> list[str]:
    """Files of ``folder`` changed since it was written, except ``redrawn`` ones (the figures,
    which drawing writes anew from the folder's tables)."""
    from ..results.verify import verify

    v = verify(folder)
    return [p for p in v.modified + v.missing + v.unexpected if not p.startswith(redrawn)]


def draw_figures(folder: Path, force: bool = False) -> list[Path]:
    """Draw the figures of a finished run (or forecast) folder, once: PNG and SVG in ``figures/``,
    ``report.html`` written anew to embed them, both added to the manifest's checksums (and to the
    sweep's, for a sweep's point), so ``sim verify`` still passes. A sweep folder: each point's.

    Already drawn (recorded in the manifest and present): nothing is done unless ``force``.
    Refused (UserError) when the folder changed since it was written. Returns the files drawn.
    """
    folder = Path(folder)
    if run_folder_kind(folder) == "sweep":
        points = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "manifest.json").is_file())
        check_unchanged(folder, tuple(f"{p.name}/figures/" for p in points))   # once for all its points
        return [path for p in points for path in _draw(p, force, folder, sweep_checked=True)]
    sweep = folder.parent if (folder.parent / "sweep.json").is_file() else None
    return _draw(folder, force, sweep, sweep_checked=False)


def check_unchanged(folder: Path, redrawn: tuple[str, ...]) -> None:
    """UserError unless ``folder`` is as written, but the figures under ``redrawn`` (drawn anew)."""
    from ..errors import UserError
    from ..results.verify import load_manifest, manifest_edited

    changed = _changed(folder, redrawn)
    if manifest_edited(load_manifest(folder)) or changed:
        what = changed[0] if changed else "manifest.json"
        raise UserError(f"{folder}: changed since it was written ({what}; see sim verify {folder}); "
                        "no figures drawn")


def draw_aside(folder: Path, draw) -> list[Path]:
    """``draw(tmp)`` into a hidden folder beside ``figures/``, which it then replaces: an
    interrupted drawing leaves no half ``figures/``. Returns the files as placed in ``figures/``."""
    from ..results.folders import PARTIAL_PREFIX

    tmp = folder / f"{PARTIAL_PREFIX}figures-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        written = draw(tmp)
        shutil.rmtree(folder / "figures", ignore_errors=True)
        tmp.rename(folder / "figures")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [folder / "figures" / p.name for p in written]


def _draw(folder: Path, force: bool, sweep: Path | None, sweep_checked: bool) -> list[Path]:
    """:func:`draw_figures` of one run folder; ``sweep``: the sweep it is a point of, whose manifest
    lists its files too (already checked when ``sweep_checked``)."""
    from ..results.folders import write_text_atomic
    from ..results.manifest import add_files
    from ..results.verify import load_manifest
    from ..scenario.load import load_scenario
    from .figures import write_figures
    from .report import embed_figures

    manifest = load_manifest(folder)
    if figures_recorded(manifest, folder) and not force:
        return []
    check_unchanged(folder, ("figures/",))
    if sweep is not None and not sweep_checked:
        check_unchanged(sweep, (f"{folder.name}/figures/",))
    scenario = load_scenario(folder / "scenario.yaml")
    written = draw_aside(folder, lambda tmp: write_figures(folder, scenario, out=tmp))
    write_text_atomic(folder / "report.html", embed_figures(folder, report_manifest(manifest)))
    names = sorted(str(p.relative_to(folder)) for p in written) + ["report.html"]
    add_files(folder, names)
    if sweep is not None:
        add_files(sweep, [f"{folder.name}/{n}" for n in names])
    return written
