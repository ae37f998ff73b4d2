"""Numbers a scenario may hold: finite, and small enough that nothing downstream overflows.

The schema checks each key's type and range; these checks cover what would otherwise pass it and
fail late (after the whole simulation, while writing results) or silently: an infinite salience
weight (NaN shares), a whole number past what the model's 64-bit arrays hold (``up: 2**63``), a
channel window longer than any horizon (memory), more runs than any machine can hold, a calendar
that runs past the year 9999 (plot axes). Every failure names the file, the line and the key.

:func:`check_bounds` runs at the end of resolution (``resolved.resolve``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from .errors import KeyPath, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from .resolved import Scenario
    from .source import Source

#: the largest whole number a scenario may hold anywhere (a seed excepted); products of two of
#: these still fit the model's 64-bit integers
MAX_INT = 10**9
#: seeds go to numpy's SeedSequence, which takes any non-negative integer; kept to 128 bits
MAX_SEED = 2**128 - 1
#: runs a scenario (or --runs) may ask for; memory is checked separately before simulating
MAX_RUNS = 10**9
#: the longest channel window (the longest horizon the schema allows)
MAX_WINDOW = 100_000
#: tracks a scenario may have (each is a panel of the levels figure and columns of every table)
MAX_TRACKS = 50
#: events a scenario may have (each is a random slot per step and two columns)
MAX_EVENTS = 1_000
#: the longest text in a scenario (a title, a description, a lesson's notes): every figure, table
#: and report shows it, and a 900,000-character title once took minutes to draw
MAX_TEXT = 10_000


def _walk(node: Any, path: KeyPath):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, path + (i,))


def check_bounds(scenario: Scenario, src: Source) -> None:
    """Raise a file:line :class:`ScenarioError` for a number out of the bounds above."""

    def fail(path: KeyPath, message: str) -> ScenarioError:
        return src.error(path, message)

    for path, value in _walk(src.data, ()):
        if isinstance(value, bool):
            continue
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise fail(path, f"{len(value):,} characters of text: at most {MAX_TEXT:,}")
        if isinstance(value, int):
            top = MAX_SEED if path == ("seed",) else MAX_INT
            if abs(value) > top:
                raise fail(path, f"{value:.3g} is too large: whole numbers in a scenario are at most {top:,}")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise fail(path, f"{value} is not a finite number")
            if abs(value) > MAX_INT:
                raise fail(path, f"{value:g} is too large: numbers in a scenario are at most {MAX_INT:g} in size")
    if len(scenario.tracks) > MAX_TRACKS:
        raise fail(("tracks",), f"{len(scenario.tracks):,} tracks: a scenario has at most {MAX_TRACKS}")
    if len(scenario.events) > MAX_EVENTS:
        raise fail(("events",), f"{len(scenario.events):,} events: a scenario has at most {MAX_EVENTS:,}")
    if scenario.runs > MAX_RUNS:
        raise fail(("runs",), f"{scenario.runs:,} runs: at most {MAX_RUNS:,}")
    window = scenario.outcomes.window
    if window > MAX_WINDOW:
        raise fail(("outcomes", "channel", "window"), f"{window:,} steps: a window is at most {MAX_WINDOW:,}")
    for actor in scenario.actors:
        if not all(math.isfinite(w) for w in actor.salience):
            raise fail(("actors", actor.name, "salience"), "salience weights must be finite numbers")
    _check_calendar(scenario, fail)


def _check_calendar(scenario: Scenario, fail) -> None:
    """The date of the last step must exist (plots and tables label steps with dates)."""
    from .resolved import STEP_UNITS, step_date

    start = scenario.start
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            return  # only an error if a `date:` needs it, which resolution reports
    if not isinstance(start, dt.date) or scenario.step not in STEP_UNITS:
        return
    forecast = getattr(scenario, "forecast", None)
    steps = scenario.horizon if forecast is None else forecast.total
    try:
        step_date(start, steps, scenario.step)
    except (OverflowError, ValueError):
        raise fail(("start",) if forecast is None else ("forecast", "horizon"),
                   f"the horizon ({steps} {scenario.step}s from {start}) runs past the year 9999") from None


