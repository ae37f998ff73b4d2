"""``sim forecast``: the forecast as the continuation of the calibrated record (docs/forecast.md).

The scenario key ``forecast: {from, horizon}`` and its one-line errors come first; the engine's
whole-state branching and the command follow.
"""

from __future__ import annotations

import pytest

from sim import scenario_from_dict
from sim.cli import main
from test_scenario_errors import write
from test_scenario_errors_v2 import check_case

KEY_BASE = """name: fc
start: 2024-01-01
forecast: {from: 2024-07-01, horizon: 12}
actors:
  US: {strategies: {ai: tit_for_tat}}
  China: {strategies: {ai: tit_for_tat}}
tracks:
  ai: {role: channel}
events:
  - name: Summit
    date: 2024-09-01
    effects: [{thaw: ai}]
"""

KEY_CASES = [
    # (description, old text, new text, needle for the line, expected key path, expected words)
    ("horizon disagrees with the seam", "start: 2024-01-01", "horizon: 5\nstart: 2024-01-01", "horizon: 5",
     "horizon", "5 does not agree with forecast.from: 2024-07-01 is step 6 from start (2024-01-01)"),
    ("from before start", "from: 2024-07-01", "from: 2023-07-01", "from: 2023", "forecast.from",
     "2023-07-01 is not after the scenario's start (2024-01-01)"),
    ("from less than a step after start", "from: 2024-07-01", "from: 2024-01-20", "from: 2024-01-20",
     "forecast.from", "less than one month after the scenario's start"),
    ("from not a date", "from: 2024-07-01", "from: July 2024", "from: July", "forecast.from",
     "expected a date YYYY-MM-DD, got 'July 2024'"),
    ("from an impossible date", "from: 2024-07-01", "from: '2024-02-30'", "2024-02-30", "forecast.from",
     "expected a date YYYY-MM-DD"),
    ("horizon zero", "horizon: 12}", "horizon: 0}", "horizon: 0", "forecast.horizon", "0 is out of range"),
    ("horizon fractional", "horizon: 12}", "horizon: 1.5}", "horizon: 1.5", "forecast.horizon",
     "expected a whole number"),
    ("horizon missing", "{from: 2024-07-01, horizon: 12}", "{from: 2024-07-01}", "forecast:", "forecast",
     "missing required key 'horizon'"),
    ("unknown key", "horizon: 12}", "horizon: 12, horizn: 3}", "horizn", "forecast.horizn",
     "unknown key 'horizn' (did you mean 'horizon'?)"),
    ("no start", "start: 2024-01-01\n", "", "forecast:", "forecast.from", "needs the scenario's `start:` date"),
    ("with continuation", "start: 2024-01-01", "continuation: 0.9\nstart: 2024-01-01", "continuation",
     "continuation", "continuation does not go with forecast:"),
    ("event past the forecast's end", "date: 2024-09-01", "date: 2025-07-01", "date: 2025-07-01", "events.0.date",
     "2025-07-01 is step 18, past the forecast's end (6 + 12 steps)"),
]


def test_forecast_key_is_valid(tmp_path):
    assert main(["validate", str(write(tmp_path, KEY_BASE))]) == 0


@pytest.mark.parametrize("case", KEY_CASES, ids=[c[0] for c in KEY_CASES])
def test_forecast_key_error_names_file_line_key(case, tmp_path, capsys):
    check_case(KEY_BASE, case, tmp_path, capsys)


def _key_scenario(**changes):
    import yaml

    data = yaml.safe_load(KEY_BASE)
    data.update(changes)
    return scenario_from_dict(data)


def test_seam_fixes_the_horizon_and_events_after_it_are_the_forecasts():
    """The horizon is the number of months from start to the seam (Jan -> Jul: 6); an event dated
    in September is step 8, after the seam (the record's runs never reach it)."""
    s = _key_scenario()
    assert s.horizon == 6 and s.forecast.seam == 6 and s.forecast.horizon == 12 and s.forecast.total == 18
    assert s.events[0].at == frozenset({8})
    assert _key_scenario(horizon=6).horizon == 6           # given, it must agree
    weekly = _key_scenario(step="week")
    assert weekly.horizon == (182 // 7)                    # 2024-01-01 .. 2024-07-01 is 182 days


def test_a_pattern_after_the_seam_is_refused(tmp_path, capsys):
    """Patterns are judged on the record: a date after the seam is an error naming the seam."""
    text = KEY_BASE + """patterns:
  - name: open in autumn
    channel_open_share: {from: 2024-08-01, to: 2024-10-01}
    observed: 1
    tolerance: 0
"""
    path = write(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "patterns.0.channel_open_share.from" in err
    assert "past the seam" in err
