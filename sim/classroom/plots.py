"""Plots of one traced run (a list of step records). Each takes data and an optional Axes, no I/O."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..analysis.plots import PALETTE
from ..model.trace import StepRecord

#: colours of a cooperative and a defecting move (Okabe-Ito green and vermillion)
MOVE_COLORS = ["#D55E00", "#009E73"]


def _axes(ax: Axes | None, size=(5.5, 3.3)) -> Axes:
    if ax is None:
        ax = Figure(figsize=size, layout="constrained").add_subplot()
    return ax


def level_history(records: Sequence[StepRecord], track: int, rungs: Sequence[str], ax: Axes | None = None,
                  start: int | None = None, step_unit: str = "step") -> Axes:
    """One track's escalation level after each step, rung names on the axis."""
    ax = _axes(ax)
    steps = [-1] + [r.step for r in records]
    first = start if start is not None else (records[0].tracks[track].level if records else 0)
    levels = [first] + [r.tracks[track].level for r in records]
    name = records[0].tracks[track].name if records else ""
    ax.step(steps, levels, where="post", color=PALETTE[1], linewidth=2)
    ax.set_yticks(range(len(rungs)), rungs)
    ax.set_ylim(-0.3, len(rungs) - 0.7)
    ax.set_xlim(-1, max(len(records), 10))
    ax.set_xlabel(step_unit)
    ax.set_title(f"Escalation: {name}" if name else "Escalation")
    ax.grid(alpha=0.3)
    return ax


def trust_history(records: Sequence[StepRecord], actors: Sequence[str], ax: Axes | None = None,
                  start: Sequence[float] | None = None, step_unit: str = "step") -> Axes:
    """Each actor's reported trust (belief that the other reciprocates) after each step."""
    ax = _axes(ax)
    for i, name in enumerate(actors):
        ys = [r.actors[i].trust for r in records]
        xs = [r.step for r in records]
        if start is not None:
            xs, ys = [-1, *xs], [start[i], *ys]
        ax.plot(xs, ys, color=PALETTE[i], linewidth=2, marker="os"[i % 2] if len(xs) < 30 else None,
                linestyle="-" if i == 0 else "--",
                markersize=3, label=name)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(-1, max(len(records), 10))
    ax.set_xlabel(step_unit)
    ax.set_ylabel("trust")
    ax.set_title("Trust in the other side")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    return ax


def cooperation_pattern(records: Sequence[StepRecord], actors: Sequence[str], tracks: Sequence[str],
                        ax: Axes | None = None, step_unit: str = "step") -> Axes:
    """Who played C (green) or D (orange), per track and actor (rows) and step (columns); * = noise."""
    ax = _axes(ax)
    rows, names = [], []
    for k, track in enumerate(tracks):
        for i, actor in enumerate(actors):
            rows.append([r.tracks[k].realised[i] for r in records])
            names.append(f"{track}: {actor}" if len(tracks) > 1 else actor)
    width = max(len(records), 10)
    shown = np.full((len(rows), width), np.nan)
    if records:
        shown[:, : len(records)] = np.array(rows, dtype=float)
    ax.imshow(shown, aspect="auto", cmap=ListedColormap(MOVE_COLORS), vmin=0, vmax=1,
              interpolation="nearest", extent=(-0.5, width - 0.5, len(names) - 0.5, -0.5))
    for k in range(len(tracks)):
        for i in range(len(actors)):
            for r in records:
                if r.tracks[k].flipped(i):
                    ax.plot(r.step, k * len(actors) + i, marker="*", color="black", markersize=7)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel(step_unit)
    labels = records[0].tracks[0].labels if records and len(tracks) == 1 else ("C", "D")
    ax.set_title(f"Moves: green = {labels[0]}, orange = {labels[1]}, * = noise")
    return ax


def ensemble_figure(table: dict[str, np.ndarray], horizon: int, step_unit: str = "step") -> Figure:
    """The channel outcome over many runs: the four outcomes, and when the channel broke."""
    from ..analysis.plots import break_histogram, outcome_distribution

    fig = Figure(figsize=(10, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    outcome_distribution(table, ax=left)
    left.set_xticks(left.get_xticks(), [t.get_text().replace(", ", ",\n").replace(" while", "\nwhile")
                                        .replace(" and", "\nand") for t in left.get_xticklabels()])
    left.tick_params(axis="x", labelsize="small")
    b = np.asarray(table["break_step"], dtype=float)
    break_histogram({**table, "break_step": np.where(b < 0, np.nan, b)}, horizon, ax=right,
                    step_unit=step_unit)
    return fig
