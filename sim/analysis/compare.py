"""Comparing results folders: differences of outcomes with intervals and tests, overlaid figures.

Reads only stored folders (``summary.json``, ``runs.csv``, ``scenario.yaml``). Differences are
against the first folder. Two folders are **paired** only when they are the same runs of the same
seed (run r of one is run r of the other, with the same random numbers): then the interval is
Newcombe's score interval for paired data (Newcombe 1998, Stat Med 17:2635, method 10) and the
test McNemar's exact test; otherwise Newcombe's hybrid score interval for independent samples
(Newcombe 1998, Stat Med 17:873, method 10) and the pooled two-proportion z test. Run lengths
differ under ``continuation``, so Kaplan-Meier survival at a stated step is compared as well.
The difference in P(held) is also given under every definition of the robustness grid, flagging
definitions where its sign or its significance differs from the scenario's own definition.
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
from ..results import outcomes as out
from .plots import OUTCOMES, PALETTE, _axes
from .stats import distinct_definitions, mcnemar_p, mean_interval, newcombe_paired, proportion, survival
from ..results.tables import read_table

REQUIRED = ("summary.json", "runs.csv", "scenario.yaml")


def compared() -> tuple[tuple[out.Outcome, str, str], ...]:
    """The binary outcomes compared between folders (outcome, summary key, words): the declared
    headline proportions (``sim.results.outcomes``)."""
    return tuple((o, o.summary_key, o.heading) for o in out.headlines(("proportion",)))


#: as declared at import (see :func:`compared`)
COMPARED = compared()


def read_columns() -> tuple[str, ...]:
    """The columns of runs.csv a comparison reads."""
    return tuple(dict.fromkeys(("run", *(o.column for o, _, _ in compared()), "break_step", "length", "open_share",
                                "held_grid")))


#: as declared at import (see :func:`read_columns`)
READ = read_columns()
#: columns a comparison needs (folders written before the other outcomes were declared lack them)
NEEDED = ("run", "held", "escalated", "held_and_escalated", "break_step", "length", "open_share")


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


def read_folder(path: str | Path, label: str | None = None) -> Stored:
    """A results folder, or a one-line :class:`UserError` saying why it is not one."""
    folder = Path(path)
    if not folder.is_dir():
        raise UserError(f"{path}: no such results folder")
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise UserError(f"{path}: not a results folder (no {missing[0]}); give a folder written by `sim run`")
    summary = json.loads((folder / "summary.json").read_text())
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8")) or {}
    header = (folder / "runs.csv").open(encoding="utf-8").readline().rstrip("\n").split(",")
    absent = [c for c in NEEDED if c not in header]
    if absent:
        raise UserError(f"{path}: runs.csv has no column '{absent[0]}' (written by an older version? "
                        "re-run the scenario)")
    return Stored(folder, label or summary.get("scenario", folder.name), summary,
                  read_table(folder / "runs.csv", columns=[c for c in read_columns() if c in header]), scenario)


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


def paired(a: Stored, b: Stored) -> bool:
    """Same seed and same run indices: run r of one is run r of the other, with the same random numbers."""
    return (a.summary.get("seed") == b.summary.get("seed") and len(a.runs["run"]) == len(b.runs["run"])
            and bool(np.array_equal(a.runs["run"], b.runs["run"])))


def difference(x: np.ndarray, y: np.ndarray, pair: bool) -> dict:
    """P(x) - P(y) with its interval and test: paired (Newcombe paired, McNemar) or independent."""
    x, y = np.asarray(x, dtype=bool), np.asarray(y, dtype=bool)
    if pair:
        d, lo, hi = newcombe_paired(x, y)
        return {"diff": d, "lo": lo, "hi": hi, "p_value": mcnemar_p(x, y)}
    d, lo, hi = newcombe_difference(int(x.sum()), len(x), int(y.sum()), len(y))
    return {"diff": d, "lo": lo, "hi": hi, "p_value": two_proportion_p(int(x.sum()), len(x), int(y.sum()), len(y))}


def mean_difference(x: np.ndarray, y: np.ndarray, pair: bool) -> dict:
    """Mean(x) - mean(y): paired t interval for paired runs, Welch's otherwise."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if pair:
        m = mean_interval(x - y)
        return {"diff": m["mean"], "lo": m["lo"], "hi": m["hi"]}
    d = x.mean() - y.mean()
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = math.sqrt(vx + vy)
    if se == 0:
        return {"diff": float(d), "lo": float(d), "hi": float(d)}
    df = (vx + vy) ** 2 / (vx ** 2 / (len(x) - 1) + vy ** 2 / (len(y) - 1))
    half = float(sps.t.ppf(0.975, df) * se)
    return {"diff": float(d), "lo": float(d - half), "hi": float(d + half)}


def km_at(item: Stored, step: int) -> dict:
    """Kaplan-Meier survival of the channel to ``step`` (inclusive) with its 95% band."""
    surv = survival(item.runs["break_step"].astype(float), item.runs["length"].astype(float), item.horizon)
    k = min(step, len(surv.steps) - 1)
    return {"survival": float(surv.survival[k]), "lo": float(surv.lo[k]), "hi": float(surv.hi[k])}


def compare_table(items: list[Stored], at: int | None = None) -> dict[str, np.ndarray]:
    """One row per folder: headline outcomes and, against the first, differences and tests."""
    first = items[0]
    at = min(i.horizon for i in items) - 1 if at is None else at
    rows = []
    for item in items:
        s = item.summary
        pair = item is not first and paired(first, item)
        row: dict = {"label": item.label, "folder": str(item.folder), "seed": s.get("seed"), "runs": s["runs"],
                     "paired": int(pair) if item is not first else None}
        for outcome, key, _ in compared():
            x = s.get(key) or {"p": None, "lo": None, "hi": None, "k": None, "n": None}
            row.update({key: x["p"], f"{key}.lo": x["lo"], f"{key}.hi": x["hi"], f"{key}.k": x["k"],
                        f"{key}.n": x["n"]})
        m = mean_interval(item.runs["open_share"])
        row.update({"mean_open_share": m["mean"], "mean_open_share.lo": m["lo"], "mean_open_share.hi": m["hi"]})
        eff = s.get("rivalry_effect")
        row.update({"rivalry_effect": eff["held"]["difference"] if eff else None,
                    "rivalry_effect.lo": eff["held"]["lo"] if eff else None,
                    "rivalry_effect.hi": eff["held"]["hi"] if eff else None,
                    "rivalry_effect.p_value": eff["held"]["mcnemar_p"] if eff else None})
        inc = s.get("mean_incidents")
        averted = s.get("twin_effects", {}).get("channel_closed", {}).get("incidents_averted")
        row.update({"mean_incidents": inc["mean"] if inc else None,
                    "mean_incidents.lo": inc["lo"] if inc else None, "mean_incidents.hi": inc["hi"] if inc else None,
                    "incidents_averted": averted["difference"] if averted else None,
                    "incidents_averted.lo": averted["lo"] if averted else None,
                    "incidents_averted.hi": averted["hi"] if averted else None})
        km = km_at(item, at)
        row.update({"km_step": at, "km_survival": km["survival"], "km_survival.lo": km["lo"],
                    "km_survival.hi": km["hi"]})
        for outcome, key, _ in compared():
            if item is first or outcome.column not in item.runs or outcome.column not in first.runs:
                row.update({f"diff.{key}": None, f"diff.{key}.lo": None, f"diff.{key}.hi": None,
                            f"p_value.{key}": None})
                continue
            d = difference(item.runs[outcome.column], first.runs[outcome.column], pair)
            row.update({f"diff.{key}": d["diff"], f"diff.{key}.lo": d["lo"], f"diff.{key}.hi": d["hi"],
                        f"p_value.{key}": d["p_value"]})
        if item is first:
            row.update({"diff.mean_open_share": None, "diff.mean_open_share.lo": None,
                        "diff.mean_open_share.hi": None, "diff.km_survival": None})
        else:
            d = mean_difference(item.runs["open_share"], first.runs["open_share"], pair)
            row.update({"diff.mean_open_share": d["diff"], "diff.mean_open_share.lo": d["lo"],
                        "diff.mean_open_share.hi": d["hi"], "diff.km_survival": km["survival"] - km_at(first, at)["survival"]})
        rows.append(row)
    return _columns(rows)


def _columns(rows: list[dict]) -> dict[str, np.ndarray]:
    cols = {}
    for name in rows[0]:
        values = [r[name] for r in rows]
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values if v is not None) \
                and all(v is not None for v in values):
            cols[name] = np.array(values, dtype=np.int64)
        elif any(isinstance(v, str) for v in values):
            cols[name] = np.array(["" if v is None else v for v in values], dtype=object)
        else:
            cols[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
    return cols


def robustness_table(items: list[Stored], alpha: float = 0.05) -> dict[str, np.ndarray] | None:
    """The difference in P(held) (each folder minus the first) under every distinct definition of the
    grid (labels naming the same definition merged, the others listed in ``same_as``:
    :func:`sim.analysis.stats.distinct_definitions`).

    ``sign_changes`` / ``significance_changes`` flag definitions where the difference's sign, or
    whether it is significant at ``alpha``, is not the same as under the first folder's own definition.
    ``significant``: the difference under that definition is significant at ``alpha`` by the
    comparison's own test (McNemar's exact test for paired runs, the two-proportion z test
    otherwise); ``excludes_0``: its 95% interval excludes 0. A sign flip that is not significant is
    a difference indistinguishable from none, not a reversal.
    """
    if len(items) < 2 or any("held_grid" not in i.runs for i in items):
        return None
    first = items[0]
    d0 = first.summary.get("definition", {})
    window, threshold = int(d0.get("window", 6)), float(d0.get("threshold", 0.5))
    grids = [distinct_definitions(out.ROBUSTNESS_GRID.unpack(i.runs["held_grid"], window, threshold))
             for i in items]
    rows = []
    for item, grid in zip(items[1:], grids[1:]):
        pair = paired(first, item)
        main = difference(item.runs["held"], first.runs["held"], pair)
        main_sig = main["p_value"] < alpha
        for (key, d, held, same), (_, _, held0, _) in zip(grid, grids[0]):
            x = difference(held, held0, pair)
            rows.append({"label": item.label, "definition": d.label, "key": key, "same_as": same,
                         "p_first": float(held0.mean()), "p": float(held.mean()), "diff": x["diff"],
                         "lo": x["lo"], "hi": x["hi"], "p_value": x["p_value"],
                         "significant": int(x["p_value"] < alpha), "excludes_0": int(x["lo"] > 0 or x["hi"] < 0),
                         "sign_changes": int(np.sign(x["diff"]) * np.sign(main["diff"]) < 0),
                         "significance_changes": int((x["p_value"] < alpha) != main_sig)})
    return _columns(rows)


def common_start(items: list[Stored]):
    """The calendar start date every compared folder shares (with the same step unit), else None."""
    import datetime as dt

    from ..scenario.resolved import STEP_UNITS

    starts = {(str(i.scenario.get("start", "") or ""), str(i.scenario.get("step", "month"))) for i in items}
    if len(starts) != 1:
        return None
    (start, unit), = starts
    try:
        return dt.date.fromisoformat(start) if start and unit in STEP_UNITS else None
    except ValueError:
        return None


def overlaid_survival(items: list[Stored], ax: Axes | None = None, step_unit: str = "month", start=None) -> Axes:
    """Kaplan-Meier curves of every folder on one Axes, each with its 95% band (dates on the time
    axis when ``start``; the probability axis zoomed to the bands when they span little)."""
    from .plots import time_axis, zoom_probability

    ax = _axes(ax)
    lows, highs = [], []
    for i, item in enumerate(items):
        surv = survival(item.runs["break_step"].astype(float), item.runs["length"].astype(float), item.horizon)
        color = PALETTE[i % len(PALETTE)]
        ax.fill_between(surv.steps, surv.lo, surv.hi, step="post", alpha=0.18, color=color, linewidth=0)
        ax.step(surv.steps, surv.survival, where="post", color=color, label=item.label)
        lows.append(np.min(surv.lo))
        highs.append(np.max(surv.hi))
    zoom_probability(ax, lows, highs)
    time_axis(ax, step_unit, start)
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


def write_compare(paths: list[str | Path], out_root: Path, command: list[str], at: int | None = None,
                  labels: list[str] = ()) -> Path:
    """Read the folders, then write ``compare.csv``, the figures, ``report.html`` and the manifest.

    ``labels`` (``--label``) name the folders in tables, legends and the report."""
    import datetime as dt

    from matplotlib.figure import Figure

    from ..results.folders import new_folder, timestamp
    from .figures import _save
    from ..results.manifest import write_manifest
    from .report import write_table_report
    from ..results.tables import write_table

    if len(paths) < 2:
        raise UserError("compare needs at least two results folders")
    items = distinct_labels([read_folder(p) for p in paths])
    if labels:
        items = relabel(items, list(labels))
    started = dt.datetime.now(dt.timezone.utc)
    stem = f"{timestamp()}-" + "-vs-".join(i.summary.get("scenario", "x") for i in items)[:120]
    with new_folder(Path(out_root) / "compare", stem) as holder:
        folder = holder[0]
        write_table(folder / "compare.csv", compare_table(items, at))
        robust = robustness_table(items)
        if robust is not None:
            write_table(folder / "robustness.csv", robust)
        (folder / "figures").mkdir()
        units = {str(i.scenario.get("step", "month")) for i in items}
        fig = Figure(figsize=(7, 4.2), layout="constrained")
        overlaid_survival(items, fig.add_subplot(), step_unit=units.pop() if len(units) == 1 else "step",
                          start=common_start(items))
        _save(fig, folder / "figures", "compare_survival")
        fig = Figure(figsize=(9, 4.2), layout="constrained")
        overlaid_outcomes(items, fig.add_subplot())
        _save(fig, folder / "figures", "compare_outcomes")
        manifest = {"kind": "compare", "compared": [str(i.folder) for i in items],
                    "labels": [i.label for i in items], "command": command,
                    "started_utc": started.isoformat(timespec="seconds")}
        first = items[0]
        intro = (f"Differences are each folder minus the first ({first.label}). Where a folder is the same runs "
                 "of the same seed as the first (paired = 1: common random numbers), the 95% interval is "
                 "Newcombe's score interval for paired data (Newcombe 1998, method 10) and the p-value McNemar's "
                 "exact test; otherwise Newcombe's hybrid score interval for independent samples and the "
                 "two-proportion z test. km_survival is the Kaplan-Meier probability that the channel has not "
                 "collapsed by step km_step. robustness.csv repeats the difference in P(held) under every "
                 "distinct definition of the channel outcome (labels that name the same definition are merged "
                 "and listed in same_as) and flags where its sign or significance changes; 'significant' says "
                 "whether the difference under that definition is itself significant (p < 0.05).")
        title = "Comparison: " + " vs ".join(i.label for i in items)
        questions = [(i.label, str(i.scenario.get("question", "") or "")) for i in items]
        if len({q for _, q in questions}) == 1:  # one shared question: say it once
            questions = questions[:1]
        write_table_report(folder, title, questions, intro, "compare.csv", manifest, with_assumptions=False)
        write_manifest(folder, manifest)
    return holder[0]
