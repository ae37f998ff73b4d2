"""The standard figures of a results folder, drawn from its stored tables, as PNG and SVG."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from ..scenario.resolved import Scenario, calendar_start
from . import plots
from .stats import survival
from ..results.tables import read_table

DPI = 200
#: the per-run columns the figures need (reading only these keeps a million-run folder cheap)
OUTCOME_COLUMNS = ("held", "escalated", "break_step", "length")


def outcome_columns(scenario: Scenario) -> list[str]:
    """The outcome columns plus each actor's total payoff."""
    return [*OUTCOME_COLUMNS, *(f"payoff.{a}" for a in scenario.actor_names)]


def _save(fig: Figure, folder: Path, name: str) -> list[Path]:
    """The figure as PNG and SVG, laid out once: the constrained layout is computed for the first
    format and then kept (not recomputed for the second)."""
    from ..figsave import savefig

    paths = []
    for ext in ("png", "svg"):
        path = folder / f"{name}.{ext}"
        savefig(fig, path, dpi=DPI)  # no mathtext; an SVG without date or random ids
        paths.append(path)
        fig.set_layout_engine("none")   # the positions the layout found stay
    return paths


def scheduled_events(scenario: Scenario) -> list[tuple[int, str]]:
    """(step, name) of every scheduled event occurrence, in time order; events at one step share a mark."""
    at: dict[int, list[str]] = {}
    for e in scenario.events:
        for step in sorted(e.at or ()):
            at.setdefault(step, []).append(e.name)
    return [(step, "; ".join(names)) for step, names in sorted(at.items())]


def write_figures(folder: Path, scenario: Scenario, out: Path | None = None) -> list[Path]:
    """Survival curve, level fan charts, outcome and payoff distributions from ``runs.csv``/``bands.csv``,
    into ``out`` (default: the folder's ``figures/``)."""
    runs = read_table(folder / "runs.csv", columns=outcome_columns(scenario))
    bands = read_table(folder / "bands.csv")
    out = folder / "figures" if out is None else Path(out)
    out.mkdir(exist_ok=True)
    unit, start = scenario.step, calendar_start(scenario)
    events = scheduled_events(scenario)
    written: list[Path] = []

    fig = Figure(figsize=(9 if events else 7, 4.2), layout="constrained")
    surv = survival(runs["break_step"].astype(float), runs["length"].astype(float), scenario.horizon)
    plots.survival_curve(surv, fig.add_subplot(), step_unit=unit, start=start, events=events)
    fig.suptitle(scenario.title or scenario.name, fontsize="small")
    written += _save(fig, out, "survival")

    n = len(scenario.tracks)
    fig = Figure(figsize=(8.5, 2.9 * n), layout="constrained")
    for k, (track, ax) in enumerate(zip(scenario.tracks, fig.subplots(n, 1, squeeze=False)[:, 0])):
        plots.fan_chart(bands, track.name, track.rungs, ax, color=plots.PALETTE[(k + 1) % 8], step_unit=unit,
                        start=start, events=events)
    fig.suptitle(scenario.title or scenario.name, fontsize="small")
    written += _save(fig, out, "levels")

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    plots.outcome_distribution(runs, left)
    plots.break_histogram(runs, scenario.horizon, right, step_unit=unit, start=start, events=events)
    left.tick_params(axis="x", labelsize="small")
    fig.suptitle(scenario.title or scenario.name, fontsize="small")
    written += _save(fig, out, "outcomes")

    if scenario.nonstate is not None:
        header = (folder / "runs.csv").open(encoding="utf-8").readline().rstrip("\n").split(",")
        cols = [c for c in ("incidents", "incidents_channel_closed") if c in header]
        inc = read_table(folder / "runs.csv", columns=cols)
        fig = Figure(figsize=(11, 4.2), layout="constrained")
        left, right = fig.subplots(1, 2)
        plots.incidents_distribution(inc, left)
        plots.nonstate_bands(bands, right, step_unit=unit, start=start)
        fig.suptitle(scenario.title or scenario.name, fontsize="small")
        written += _save(fig, out, "nonstate")

    fig = Figure(figsize=(9, 4.2), layout="constrained")
    plots.payoff_distribution(runs, scenario.actor_names, fig.add_subplot(), step_unit=unit,
                              tracks=plots.track_payoff_lines(scenario))
    fig.suptitle(scenario.title or scenario.name, fontsize="small")
    written += _save(fig, out, "payoffs")
    return written
