"""The sweep table and sweep figures, read only from a sweep folder's stored files.

``sweep.json`` names the axes and each point's values; each point's ``summary.json`` gives its
headline numbers. ``sweep.csv`` is one row per point.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..scenario.grid import label
from .figures import _save
from .plots import PALETTE, _axes
from ..results.tables import read_table, write_table



def outcome_names() -> dict[str, str]:
    """The sweep's outcomes: the declared headline proportions (``sim.results.outcomes``) and P(held | escalated)."""
    from ..results.outcomes import headlines

    names = {o.summary_key: o.heading for o in headlines(("proportion",))}
    return {"p_held": names.pop("p_held"), "p_held_given_escalated": "P(held | rivalry escalated)", **names}


#: as declared at import (see :func:`outcome_names`)
OUTCOME_NAMES = outcome_names()


def _cell(value):
    """A number as is; anything else as its label, without commas (cells of ``write_table`` are not quoted)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return label(value).replace(", ", " ").replace(",", " ")


def sweep_table(folder: Path) -> dict[str, np.ndarray]:
    """One row per point: varied values, headline proportions with Wilson intervals and counts."""
    folder = Path(folder)
    meta = json.loads((folder / "sweep.json").read_text())
    paths = [a["path"] for a in meta["axes"]]
    rows = []
    for point in meta["points"]:
        summary = json.loads((folder / point["name"] / "summary.json").read_text())
        row = {"point": point["name"], **{p: _cell(point["values"][p]) for p in paths},
               "runs": summary["runs"]}
        for key in outcome_names():
            if key not in summary:  # a folder written before the outcome was declared
                continue
            x = summary[key]
            row.update({key: x["p"], f"{key}.lo": x["lo"], f"{key}.hi": x["hi"],
                        f"{key}.k": x["k"], f"{key}.n": x["n"]})
        row["median_break_step"] = summary["median_break_step"]
        row["median_break_step_among_broken"] = summary["median_break_step_among_broken"]
        rows.append(row)
    cols = {}
    for name in rows[0]:
        values = [np.nan if r[name] is None else r[name] for r in rows]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        cols[name] = np.array(values, dtype=float if numeric and any(isinstance(v, float) for v in values)
                              else (np.int64 if numeric else object))
    return cols


def _positions(values: np.ndarray) -> tuple[np.ndarray, list[str] | None]:
    """Numeric x positions, or category positions with their labels."""
    try:
        return values.astype(float), None
    except (TypeError, ValueError):
        cats = list(dict.fromkeys(str(v) for v in values))
        return np.array([cats.index(str(v)) for v in values], dtype=float), cats


def _word(path: str, names: dict | None) -> str:
    from .labels import param_label

    return (names or {}).get(path) or param_label(path)


def sweep_lines(table: dict[str, np.ndarray], x: str, group: str | None = None, outcome: str = "p_held",
                ax: Axes | None = None, names: dict | None = None) -> Axes:
    """An outcome against one varied parameter with its Wilson 95% band; one line per ``group`` value.

    ``names`` maps parameter paths to labels (default: :func:`labels.param_label`)."""
    ax = _axes(ax)
    groups = [None] if group is None else list(dict.fromkeys(table[group].tolist()))
    for i, g in enumerate(groups):
        rows = np.ones(len(table[x]), bool) if g is None else (table[group] == g)
        xs, cats = _positions(table[x][rows])
        order = np.argsort(xs, kind="stable")
        color = PALETTE[i % len(PALETTE)]
        lo, hi, p = (table[f"{outcome}.lo"][rows][order], table[f"{outcome}.hi"][rows][order],
                     table[outcome][rows][order])
        name = "estimate" if g is None else f"{_word(group, names)} = {label(g)}"
        ax.fill_between(xs[order], lo, hi, alpha=0.2, color=color, linewidth=0,
                        label="Wilson 95% interval" if g is None else None)
        ax.plot(xs[order], p, marker="o", color=color, label=name)
        if cats:
            ax.set_xticks(range(len(cats)), cats)
    from .plots import zoom_probability

    zoom_probability(ax, table[f"{outcome}.lo"], table[f"{outcome}.hi"])
    ax.set_xlabel(textwrap.fill(_word(x, names), 60))
    ax.set_ylabel(f"{OUTCOME_NAMES.get(outcome, outcome)} (share of runs)")
    ax.set_title(f"{OUTCOME_NAMES.get(outcome, outcome)}" + ("" if group is None else " (bands: Wilson 95%)"))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="small", frameon=False,
              ncols=1 if group is not None else 2)
    return ax


def sweep_heatmap(table: dict[str, np.ndarray], x: str, y: str, outcome: str = "p_held",
                  ax: Axes | None = None, names: dict | None = None) -> Axes:
    """An outcome over two varied parameters, each cell annotated with its value."""
    ax = _axes(ax)
    xs = list(dict.fromkeys(label(v) for v in table[x].tolist()))
    ys = list(dict.fromkeys(label(v) for v in table[y].tolist()))
    grid = np.full((len(ys), len(xs)), np.nan)
    for xv, yv, p in zip(table[x].tolist(), table[y].tolist(), table[outcome].tolist()):
        grid[ys.index(label(yv)), xs.index(label(xv))] = p
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1)
    for (r, c), p in np.ndenumerate(grid):
        if not np.isnan(p):
            ax.text(c, r, f"{p:.2f}", ha="center", va="center", fontsize="small",
                    color="white" if p < 0.6 else "black")
    ax.set_xticks(range(len(xs)), xs)
    ax.set_yticks(range(len(ys)), ys)
    ax.set_xlabel(textwrap.fill(_word(x, names), 50))
    ax.set_ylabel(textwrap.fill(_word(y, names), 40))
    ax.set_title(OUTCOME_NAMES.get(outcome, outcome))
    ax.figure.colorbar(image, ax=ax, label=f"{OUTCOME_NAMES.get(outcome, outcome)} (share of runs)")
    return ax


def outcome_heatmap(table: dict[str, np.ndarray], x: str, ax: Axes | None = None, names: dict | None = None) -> Axes:
    """The headline proportions (rows) against one varied parameter (columns)."""
    ax = _axes(ax)
    xs = [label(v) for v in table[x].tolist()]
    names_ = {k: v for k, v in outcome_names().items() if k in table}
    grid = np.array([table[key] for key in names_], dtype=float)
    image = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    for (r, c), p in np.ndenumerate(grid):
        if not np.isnan(p):
            ax.text(c, r, f"{p:.2f}", ha="center", va="center", fontsize="small",
                    color="white" if p < 0.6 else "black")
    ax.set_xticks(range(len(xs)), xs)
    ax.set_yticks(range(len(names_)), list(names_.values()))
    ax.set_xlabel(textwrap.fill(_word(x, names), 50))
    ax.set_title("Headline outcomes across the sweep")
    ax.figure.colorbar(image, ax=ax, label="probability (share of runs)")
    return ax


def write_sweep_outputs(folder: Path) -> list[Path]:
    """Write ``sweep.csv`` and the sweep figures (PNG and SVG) from the stored point folders."""
    folder = Path(folder)
    write_table(folder / "sweep.csv", sweep_table(folder))
    table = read_table(folder / "sweep.csv")
    meta = json.loads((folder / "sweep.json").read_text())
    paths = [a["path"] for a in meta["axes"]]
    title = meta.get("title") or meta["scenario"]
    out = folder / "figures"
    out.mkdir(exist_ok=True)
    written: list[Path] = []
    from .labels import param_label
    from .report import Context

    scenario = Context(folder, {}, "sweep", "").scenario
    names = {p: param_label(p, scenario) for p in paths}
    group = paths[1] if len(paths) > 1 else None
    if len(paths) > 2:  # one line per combination of every parameter but the first
        table["other parameters"] = np.array(
            [", ".join(f"{names[p]} = {label(table[p][i])}" for p in paths[1:])
             for i in range(len(table["point"]))], dtype=object)
        group = "other parameters"
    fig = Figure(figsize=(11, 5.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    sweep_lines(table, paths[0], group, "p_held", left, names)
    sweep_lines(table, paths[0], group, "p_held_given_escalated", right, names)
    fig.suptitle(textwrap.fill(f"{title}: sweep, {meta['runs']} runs per point, seed {meta['seed']} "
                               "(common random numbers)", 110), fontsize="small")
    written += _save(fig, out, "sweep_lines")
    fig = Figure(figsize=(7, 5), layout="constrained")
    if len(paths) == 2:
        sweep_heatmap(table, paths[0], paths[1], "p_held", fig.add_subplot(), names)
        fig.suptitle(textwrap.fill(f"{title}: P(channel held) over two parameters", 80), fontsize="small")
    else:
        outcome_heatmap(table, paths[0], fig.add_subplot(), names)
        fig.suptitle(textwrap.fill(title, 80), fontsize="small")
    written += _save(fig, out, "sweep_heatmap")
    return written
