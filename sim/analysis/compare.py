"""Comparing results folders: differences of proportions with intervals and tests, overlaid figures.

Reads only stored folders (``summary.json``, ``runs.csv``, ``scenario.yaml``). Differences are
against the first folder. The interval is Newcombe's hybrid score interval (Newcombe 1998,
method 10); the test is the pooled two-proportion z test. Both treat the folders as independent
samples; when two folders share the seed and run indices their runs are paired (common random
numbers) and McNemar's exact test on the discordant runs is also given, which is then the sharper test.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from matplotlib.axes import Axes
from scipy import stats as sps

from ..errors import UserError
from .plots import OUTCOMES, PALETTE, _axes
from .stats import proportion, survival
from .figures import OUTCOME_COLUMNS
from .tables import read_table

REQUIRED = ("summary.json", "runs.csv", "scenario.yaml")
COMPARED = (("p_held", "P(held)"), ("p_held_given_escalated", "P(held|esc)"))


@dataclass(frozen=True)
class Stored:
    """One results folder as stored: its label, summary, per-run table and scenario data."""

    folder: Path
    label: str
    summary: dict
    runs: dict[str, np.ndarray]
    scenario: dict

    @property
    def horizon(self) -> int:
        return int(self.scenario.get("horizon", 60))


def read_folder(path: str | Path) -> Stored:
    """A results folder, or a one-line :class:`UserError` saying why it is not one."""
    folder = Path(path)
    if not folder.is_dir():
        raise UserError(f"{path}: no such results folder")
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise UserError(f"{path}: not a results folder (no {missing[0]}); give a folder written by `sim run`")
    summary = json.loads((folder / "summary.json").read_text())
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8")) or {}
    return Stored(folder, summary.get("scenario", folder.name), summary,
                  read_table(folder / "runs.csv", columns=("run", *OUTCOME_COLUMNS)), scenario)


def newcombe_difference(k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """p1 - p2 with Newcombe's hybrid Wilson score interval (Newcombe 1998, Stat Med 17:873, method 10)."""
    a, b = proportion(k1, n1, confidence), proportion(k2, n2, confidence)
    d = a.p - b.p
    lo = d - math.sqrt((a.p - a.lo) ** 2 + (b.hi - b.p) ** 2)
    hi = d + math.sqrt((a.hi - a.p) ** 2 + (b.p - b.lo) ** 2)
    return d, lo, hi


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z test (equal proportions under the null)."""
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return float(2 * sps.norm.sf(abs(k1 / n1 - k2 / n2) / se))


def mcnemar_p(x: np.ndarray, y: np.ndarray) -> float:
    """Exact McNemar test of paired binary outcomes: binomial test on the discordant pairs."""
    b = int((x & ~y).sum())
    c = int((~x & y).sum())
    return 1.0 if b + c == 0 else float(sps.binomtest(b, b + c, 0.5).pvalue)


def paired(a: Stored, b: Stored) -> bool:
    """Same seed and same run indices: run r of one is run r of the other, with the same random numbers."""
    return (a.summary.get("seed") == b.summary.get("seed") and len(a.runs["run"]) == len(b.runs["run"])
            and bool(np.array_equal(a.runs["run"], b.runs["run"])))


def compare_table(items: list[Stored]) -> dict[str, np.ndarray]:
    """One row per folder: headline proportions and, against the first, differences and tests."""
    first = items[0]
    rows = []
    for item in items:
        s = item.summary
        row = {"label": item.label, "folder": str(item.folder), "seed": s.get("seed"), "runs": s["runs"]}
        for key, _ in (("p_held", 0), ("p_held_given_escalated", 0), ("p_held_while_escalated", 0),
                       ("p_escalated", 0)):
            x = s[key]
            row.update({key: x["p"], f"{key}.lo": x["lo"], f"{key}.hi": x["hi"], f"{key}.k": x["k"],
                        f"{key}.n": x["n"]})
        for key, _ in COMPARED:
            x0, x = first.summary[key], s[key]
            if item is first or x0["n"] == 0 or x["n"] == 0:
                row.update({f"diff.{key}": None, f"diff.{key}.lo": None, f"diff.{key}.hi": None,
                            f"p_value.{key}": None})
                continue
            d, lo, hi = newcombe_difference(x["k"], x["n"], x0["k"], x0["n"])
            row.update({f"diff.{key}": d, f"diff.{key}.lo": lo, f"diff.{key}.hi": hi,
                        f"p_value.{key}": two_proportion_p(x["k"], x["n"], x0["k"], x0["n"])})
        pair = item is not first and paired(first, item)
        row["paired_p_value.p_held"] = (mcnemar_p(item.runs["held"].astype(bool), first.runs["held"].astype(bool))
                                        if pair else None)
        rows.append(row)
    cols = {}
    for name in rows[0]:
        values = [np.nan if r[name] is None else r[name] for r in rows]
        whole = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values)
        kind = object if name in ("label", "folder") else np.int64 if whole else float  # counts stay integers
        cols[name] = np.array(values, dtype=kind)
    return cols


def overlaid_survival(items: list[Stored], ax: Axes | None = None, step_unit: str = "month") -> Axes:
    """Kaplan-Meier curves of every folder on one Axes, each with its 95% band."""
    ax = _axes(ax)
    for i, item in enumerate(items):
        surv = survival(item.runs["break_step"].astype(float), item.runs["length"].astype(float), item.horizon)
        color = PALETTE[i % len(PALETTE)]
        ax.fill_between(surv.steps, surv.lo, surv.hi, step="post", alpha=0.18, color=color, linewidth=0)
        ax.step(surv.steps, surv.survival, where="post", color=color, label=item.label)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"step ({step_unit}s)")
    ax.set_ylabel("P(channel still open)")
    ax.set_title("Survival of the safety channel (Kaplan-Meier, 95% bands)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    return ax


def overlaid_outcomes(items: list[Stored], ax: Axes | None = None) -> Axes:
    """Grouped bars: share of runs in each outcome, one bar per folder, with Wilson 95% intervals."""
    ax = _axes(ax)
    width = 0.8 / len(items)
    for i, item in enumerate(items):
        held, esc = item.runs["held"].astype(bool), item.runs["escalated"].astype(bool)
        props = [proportion(int(f(held, esc).sum()), len(held)) for _, f in OUTCOMES]
        p = np.array([x.p for x in props])
        err = np.array([[x.p - x.lo for x in props], [x.hi - x.p for x in props]])
        ax.bar(np.arange(len(props)) + (i - (len(items) - 1) / 2) * width, p, width, yerr=err, capsize=3,
               color=PALETTE[i % len(PALETTE)], label=item.label)
    ax.set_xticks(range(len(OUTCOMES)), [name for name, _ in OUTCOMES])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of runs")
    ax.set_title("Outcomes: the channel and the rivalry (Wilson 95% intervals)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")
    return ax


def distinct_labels(items: list[Stored]) -> list[Stored]:
    """Label folders by scenario name, adding the folder name where two share a scenario."""
    names = [i.label for i in items]
    return [i if names.count(i.label) == 1 else Stored(i.folder, f"{i.label} ({i.folder.name})", i.summary,
                                                       i.runs, i.scenario) for i in items]


def relabel(items: list[Stored], labels: list[str]) -> list[Stored]:
    """Apply ``--label`` texts: ``TEXT`` labels the folders in order; ``NAME=TEXT`` labels the folder
    whose label (scenario name) or path is NAME."""
    items = list(items)
    plain = [t for t in labels if "=" not in t]
    if plain and len(plain) != len(labels):
        raise UserError("--label: give every label as TEXT (in folder order) or every one as NAME=TEXT")
    if plain:
        if len(plain) > len(items):
            raise UserError(f"--label: {len(plain)} labels for {len(items)} folders")
        named = dict(zip(range(len(plain)), plain))
    else:
        named = {}
        for text in labels:
            key, _, new = text.partition("=")
            hits = [i for i, it in enumerate(items) if key in (it.label, it.summary.get("scenario"), str(it.folder))
                    or Path(key).resolve() == it.folder.resolve()]
            if not hits:
                raise UserError(f"--label {text}: no compared folder is labelled or named '{key}'")
            named.update({i: new for i in hits})
    out = [Stored(it.folder, named.get(i, it.label), it.summary, it.runs, it.scenario) for i, it in enumerate(items)]
    names = [it.label for it in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise UserError(f"--label: two folders are labelled '{dup}'")
    return out


def write_compare(paths: list[str | Path], out_root: Path, command: list[str], labels: list[str] = ()) -> Path:
    """Read the folders, then write ``compare.csv``, the figures, ``report.html`` and the manifest.

    ``labels`` (``--label``) name the folders in tables, legends and the report."""
    import datetime as dt

    from matplotlib.figure import Figure

    from ..ensemble.store import new_folder, timestamp
    from .figures import _save
    from .report import write_manifest, write_table_report
    from .tables import write_table

    if len(paths) < 2:
        raise UserError("compare needs at least two results folders")
    items = distinct_labels([read_folder(p) for p in paths])
    if labels:
        items = relabel(items, list(labels))
    started = dt.datetime.now(dt.timezone.utc)
    stem = f"{timestamp()}-" + "-vs-".join(i.summary.get("scenario", "x") for i in items)[:120]
    with new_folder(Path(out_root) / "compare", stem) as holder:
        folder = holder[0]
        write_table(folder / "compare.csv", compare_table(items))
        (folder / "figures").mkdir()
        units = {str(i.scenario.get("step", "month")) for i in items}
        fig = Figure(figsize=(7, 4.2), layout="constrained")
        overlaid_survival(items, fig.add_subplot(), step_unit=units.pop() if len(units) == 1 else "step")
        _save(fig, folder / "figures", "compare_survival")
        fig = Figure(figsize=(9, 4.2), layout="constrained")
        overlaid_outcomes(items, fig.add_subplot())
        _save(fig, folder / "figures", "compare_outcomes")
        manifest = {"kind": "compare", "compared": [str(i.folder) for i in items],
                    "labels": [i.label for i in items], "command": command,
                    "started_utc": started.isoformat(timespec="seconds")}
        first = items[0]
        intro = (f"Differences are each folder minus the first ({first.label}), with Newcombe's hybrid score "
                 "95% interval (method 10 of Newcombe 1998) and the pooled two-proportion z test. Where a "
                 "folder shares the first's seed and runs, paired_p_value.p_held is McNemar's exact test on "
                 "the runs whose outcome differs (common random numbers make the runs paired).")
        title = "Comparison: " + " vs ".join(i.label for i in items)
        questions = [(i.label, str(i.scenario.get("question", "") or "")) for i in items]
        if len({q for _, q in questions}) == 1:  # one shared question: say it once
            questions = questions[:1]
        write_table_report(folder, title, questions, intro, "compare.csv", manifest, with_assumptions=False)
        write_manifest(folder, manifest)
    return holder[0]
