"""Figures a policy reader can read: probability axes zoomed to the data (with a note), dates on
time axes when the scenario has a start date, whole-number ticks on counts, payoffs in the
tracks' own move labels, and no text outside the figure."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from test_report_browser import clipped_texts

from sim.analysis import plots
from sim.analysis.compare import Stored, overlaid_survival
from sim.analysis.stats import survival


def _texts(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts)


def test_a_narrow_probability_axis_is_zoomed_with_a_note():
    # survival between 0.97 and 1.0: a 0-1 axis would hide it
    n, horizon = 1000, 24
    rng = np.random.default_rng(3)
    broke = rng.random(n) < 0.03
    break_step = np.where(broke, rng.integers(0, horizon, n), np.nan).astype(float)
    surv = survival(break_step, np.full(n, horizon, float), horizon)
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = plots.survival_curve(surv, fig.add_subplot())
    bottom, top = ax.get_ylim()
    assert bottom > 0.5 and bottom <= surv.lo.min() and top >= 1.0
    assert f"starts at {bottom:.2f}, not 0" in _texts(ax)
    assert not clipped_texts(fig)
    # a wide range keeps the whole 0-1 axis and says nothing
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    assert not plots.zoom_probability(ax, [0.1, 0.2], [0.8, 0.9])
    assert ax.get_ylim() == (-0.02, 1.02) and "zoomed" not in _texts(ax)


def test_compare_survival_has_dates_when_the_scenarios_share_a_start():
    n = 50
    runs = {"run": np.arange(n), "break_step": np.where(np.arange(n) % 3 == 0, 4.0, np.nan),
            "length": np.full(n, 12.0)}
    start = dt.date(2026, 5, 15)
    items = [Stored(None, name, {}, runs, {"horizon": 12, "step": "month", "start": start}) for name in ("a", "b")]
    from sim.analysis.compare import common_start

    assert common_start(items) == start
    assert common_start([items[0], Stored(None, "c", {}, runs, {"horizon": 12, "step": "month"})]) is None
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = overlaid_survival(items, fig.add_subplot(), start=common_start(items))
    FigureCanvasAgg(fig).draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(any(m in x for m in ("2026", "2027")) for x in labels), labels
    assert "date" in ax.get_xlabel()


def test_counts_have_whole_number_ticks_and_payoffs_name_the_moves():
    import tempfile
    from pathlib import Path

    from analyst_helpers import write_small

    from sim.scenario.load import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        scenario = load_scenario(write_small(Path(tmp)))
    table = {"held": np.array([1, 0, 0]), "break_step": np.array([np.nan, 2.0, 3.0])}
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = plots.break_histogram(table, 12, fig.add_subplot())
    FigureCanvasAgg(fig).draw()
    ticks = ax.get_yticks()
    assert len(ticks) and np.allclose(ticks, np.round(ticks))   # never a tick at 0.5 runs
    lines = plots.track_payoff_lines(scenario)
    c, d = scenario.tracks[0].labels
    assert lines[0].startswith(f"safety ({c} / {d})") and f"both {c}" in lines[1]
    runs = {"payoff.US": np.array([3.0, 5.0, 8.0]), "payoff.China": np.array([2.0, 6.0, 7.0]),
            "length": np.array([12.0, 12.0, 12.0])}
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = plots.payoff_distribution(runs, ("US", "China"), fig.add_subplot(), tracks=lines)
    assert "payoff units" not in ax.get_xlabel() and f"both {c}" in _texts(ax)
    assert not clipped_texts(fig)


def test_sobol_titles_and_long_labels_stay_inside_the_figure():
    """Thirty long parameter names and two outcomes, as the baseline's Sobol figure has: the labels
    wrap, so the panels keep their width and their titles stay inside the figure."""
    from sim.analysis.sensitivity import OUTCOMES, sobol_bars

    names = [f"events.china_bans_gallium_germanium_and_antimony_exports_again_{i}.probability" for i in range(30)]
    outcomes = list(OUTCOMES)[:2]
    rng = np.random.default_rng(0)
    table = {"outcome": np.array([o for o in outcomes for _ in names], dtype=object),
             "parameter": np.array(names * len(outcomes), dtype=object)}
    for key in ("S1", "ST"):
        v = rng.random(len(table["outcome"])) * 0.3
        table.update({key: v, f"{key}.lo": v - 0.05, f"{key}.hi": v + 0.05})
    fig = Figure(figsize=(7 * len(outcomes), 0.55 * len(names) + 2), layout="constrained")
    for ax, outcome in zip(fig.subplots(1, len(outcomes)), outcomes):
        sobol_bars(table, outcome, ax, None)
    fig.suptitle("Baseline: the AI-safety channel of May 2026 beside the chip and rare-earth rivalry",
                 fontsize="small")
    assert not clipped_texts(fig)


def test_the_trace_of_a_dated_scenario_shows_dates(capsys, monkeypatch):
    """`sim trace` of a scenario with a start date shows each step's calendar month beside its number;
    a lesson without one keeps plain steps."""
    from pathlib import Path

    from sim.cli import main
    from sim.scenario.load import load_scenario
    from sim.scenario.resolved import step_date

    monkeypatch.setenv("COLUMNS", "100")
    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    assert main(["trace", str(baseline), "--steps", "3", "--no-color"]) == 0
    out = capsys.readouterr().out.splitlines()
    s = load_scenario(baseline)
    rows = [line for line in out if line.strip()[:1].isdigit()]
    assert len(rows) == 3
    for k, line in enumerate(rows):
        assert line.split("|")[0].split() == [str(k), *f"{step_date(s.start, k, s.step):%b %Y}".split()]
    bars = {line.index("|") for line in out if "|" in line and not line.startswith(" " * 20)}
    assert len(bars) == 1    # every row's step column has the same width, header and wrapped notes too
    assert main(["trace", "noise", "--steps", "2", "--no-color"]) == 0
    lesson = capsys.readouterr().out.splitlines()
    assert next(line for line in lesson if line.startswith("step")).startswith("step |")


def test_event_names_are_listed_whole_beside_the_plot():
    """Long event names (and several events in one month, joined by "; ") are wrapped, not cut: the
    legend of the baseline's survival curve cut "...; US midterm elections" down to "...; China's Octo...".
    Only past three lines per event (two with more than six events, one with more than twelve) is a
    name shortened, so that the list still fits beside the plot."""
    n, horizon = 200, 36
    surv = survival(np.where(np.arange(n) % 4 == 0, 5.0, np.nan), np.full(n, horizon, float), horizon)
    long = "US affiliates rule returns; China's October 2025 rare-earth rules return; US midterm elections"
    events = [(5, long), (7, "21st Party Congress")]
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = plots.survival_curve(surv, fig.add_subplot(), events=events)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    listed = [" ".join(x.split()) for x in labels if x[:2] in ("1:", "2:")]
    assert listed == [f"1: {long}", "2: 21st Party Congress"], labels
    assert all(len(line) <= 44 for x in labels for line in x.splitlines())
    assert not clipped_texts(fig)
    many = [(i, long) for i in range(13)]   # thirteen events: one line each, shortened
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = plots.survival_curve(surv, fig.add_subplot(), events=many)
    labels = [t.get_text() for t in ax.get_legend().get_texts() if re.match(r"\d+: ", t.get_text())]
    assert len(labels) == 13 and all("\n" not in x and x.endswith("...") for x in labels), labels
