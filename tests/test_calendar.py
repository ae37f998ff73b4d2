"""Events by `date:`: conversion to steps, errors with line numbers, the historical calendar scenario."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from sim.analysis import plots
from sim.analysis.stats import survival
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario
from sim.scenario.resolved import step_date, steps_between

ROOT = Path(__file__).resolve().parent.parent
D = dt.date


@pytest.mark.parametrize("date, unit, step", [
    (D(2023, 11, 1), "month", 0), (D(2023, 11, 30), "month", 0), (D(2024, 5, 14), "month", 6),
    (D(2025, 4, 4), "month", 17), (D(2024, 10, 31), "month", 11), (D(2023, 11, 8), "week", 1),
    (D(2023, 11, 7), "week", 0), (D(2024, 11, 1), "day", 366), (D(2025, 10, 31), "year", 1),
    (D(2025, 11, 1), "year", 2),
])
def test_steps_between(date, unit, step):
    assert steps_between(D(2023, 11, 1), date, unit) == step


def test_month_ends():
    assert steps_between(D(2024, 1, 31), D(2024, 2, 29), "month") == 1   # February has no 31st
    assert steps_between(D(2024, 1, 31), D(2024, 2, 28), "month") == 0
    assert steps_between(D(2024, 2, 29), D(2025, 2, 28), "year") == 1


def test_step_date_inverts_steps_between():
    start = D(2024, 1, 31)
    for unit in ("day", "week", "month", "year"):
        for k in range(30):
            assert steps_between(start, step_date(start, k, unit), unit) == k


def test_calendar_scenario_places_the_dated_events():
    s = load_scenario(ROOT / "scenarios" / "calendar_2023_2025.yaml")
    at = {e.name: sorted(e.at) for e in s.events if e.at}
    assert at == {
        "Leaders agree to talks on AI risk": [0],                     # 15 Nov 2023
        "First intergovernmental AI dialogue (Geneva)": [6],          # 14 May 2024
        "Humans, not AI, decide on nuclear use": [12],                # 16 Nov 2024
        "China licenses seven medium and heavy rare earths": [17],    # 4 Apr 2025
        "Tariff truce leaves rare-earth licensing in place": [18],    # 12 May 2025
    }


BASE = """
name: cal
horizon: 12
{top}
actors:
  A: {{strategies: {{g: tit_for_tat}}}}
  B: {{strategies: {{g: tit_for_tat}}}}
tracks:
  g: {{}}
events:
  - name: dated
    date: {date}
    effects: [{{target: actors.A.trust, add: 0.1}}]
"""


@pytest.mark.parametrize("top, date, message", [
    ("start: 2024-01-01", "2023-12-31", "cal.yaml:12: events.0.date: 2023-12-31 is before the scenario's start"),
    ("start: 2024-01-01", "2025-01-01", "cal.yaml:12: events.0.date: 2025-01-01 is step 12, past the horizon"),
    ("step: month", "2024-02-01", "cal.yaml:12: events.0.date: an event `date:` needs the scenario's `start:`"),
    ("start: 2024-01-01\nstep: quarter", "2024-02-01", "cal.yaml:5: step: an event `date:` needs `step:`"),
    ("start: 2024-01-01", "[2024-02-01, 2026-01-01]", "cal.yaml:12: events.0.date.1: 2026-01-01 is step 24"),
    ("start: 2024-01-01", "next week", "cal.yaml:12: events.0.date"),
])
def test_date_errors_name_the_line(tmp_path, top, date, message):
    path = tmp_path / "cal.yaml"
    path.write_text(BASE.format(top=top, date=date))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_dates_and_steps_combine(tmp_path):
    path = tmp_path / "cal.yaml"
    path.write_text(BASE.format(top="start: 2024-01-01\nstep: week", date="[2024-01-15, 2024-02-20]"))
    (event,) = load_scenario(path).events
    assert sorted(event.at) == [2, 7]


def test_time_axis_shows_calendar_dates():
    import numpy as np

    surv = survival(np.array([3.0, np.nan, 7.0]), np.array([26.0, 26.0, 26.0]), 26)
    fig = Figure()
    ax = plots.survival_curve(surv, fig.add_subplot(), step_unit="month", start=D(2023, 11, 1))
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "Nov 2023" in labels and all(lab[-4:].isdigit() for lab in labels)
    assert ax.get_xlabel().startswith("date")
    plain = plots.survival_curve(surv, Figure().add_subplot())
    assert plain.get_xlabel() == "step (months)"
