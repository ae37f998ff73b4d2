"""The record to May 2026 and the 2026 forecast that continues it (MODEL.md 13.6; docs/record.md).

- both scenarios validate;
- they are one model: the forecast re-states no actor, track, ladder, payoff, rule or nonstate
  parameter, the resolved ones are equal, and the record part of the forecast is the record, run for
  run, statistic for statistic;
- the record's patterns are reachable: a modest number of prior draws, with a fixed seed, has runs
  within every tolerance;
- dated events land on the steps their dates name (checked against hand-counted steps and against
  the baseline's own calendar), and no random hazard of the forecast can fire before the seam.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.calibrate.abc import reference_table, within
from sim.cli import main
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "scenarios" / "history" / "record_2022_2026.yaml"
FORECAST = ROOT / "scenarios" / "forecast_2026.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SEAM = 44  # 15 Sep 2022 .. 14 May 2026: 3 years and 8 months of monthly steps


@pytest.fixture(scope="module")
def record():
    return load_scenario(RECORD)


@pytest.fixture(scope="module")
def forecast():
    return load_scenario(FORECAST)


def test_both_scenarios_validate(capsys):
    assert main(["validate", str(RECORD), str(FORECAST)]) == 0
    assert capsys.readouterr().out.count("ok: ") == 2


def test_the_forecast_extends_the_record_and_restates_none_of_its_model():
    raw = yaml.safe_load(FORECAST.read_text())
    assert raw["extends"] == "history/record_2022_2026.yaml"
    assert raw["forecast"] == {"from": dt.date(2026, 5, 15), "horizon": 36}
    # the model lives in the record only: the forecast adds events (events+), twins and its seam
    for key in ("actors", "tracks", "nonstate", "outcomes", "patterns", "events", "horizon", "start", "step"):
        assert key not in raw, key


def test_calibrated_and_forecast_models_share_strategies_payoffs_ladders_and_mechanisms(record, forecast):
    assert forecast.actors == record.actors            # rules (the choice of five included), salience
    assert forecast.tracks == record.tracks            # games (payoffs), ladders, ratchets, roles
    assert forecast.nonstate == record.nonstate
    assert forecast.outcomes == record.outcomes
    assert forecast.patterns == record.patterns
    assert (forecast.start, forecast.step, forecast.horizon) == (record.start, record.step, record.horizon)
    assert forecast.seed == record.seed  # sim forecast accepts the very runs sim calibrate does
    model = [p for p in record.params if p.startswith(("actors.", "tracks.", "nonstate."))]
    assert len(model) > 30
    for p in model:
        assert forecast.params[p].describe() == record.params[p].describe(), p
    assert not [p for p in forecast.params if p.startswith(("actors.", "tracks.", "nonstate."))
                and p not in record.params]
    # the record's events (mechanisms and dated record) come first in the forecast, unchanged
    # (a reaction to a tag, such as China's freeze after a sovereignty shock, also reacts to the
    # forecast's own shocks: the same condition over more events)
    n = len(record.events)
    for mine, theirs in zip(forecast.events[:n], record.events):
        assert replace(mine, when=()) == replace(theirs, when=()), theirs.name
        assert len(mine.when) == len(theirs.when)
        for c, d in zip(mine.when, theirs.when):
            assert replace(c, events=()) == replace(d, events=()), theirs.name
            assert set(d.events) <= set(c.events)
    for e in record.events:
        if e.probability is not None:
            assert forecast.params[e.probability].describe() == record.params[e.probability].describe()
    # a leaders' meeting does the same thing in the record and in the forecast (a thaw, more trust)
    meetings = [e for e in forecast.data["events"] if "leaders_meeting" in e.get("tags", [])]
    assert len(meetings) >= 7
    assert all(e["effects"] == meetings[0]["effects"] for e in meetings)
    assert any(e["name"] in ("Bali leaders' meeting", "Beijing summit") for e in meetings)


def test_the_record_part_of_the_forecast_is_the_record_run_for_run(record, forecast):
    """Same seed: every sampled parameter the two share and every pattern statistic are identical, so
    the runs the forecast accepts are the runs a calibration of the record accepts."""
    a, b = reference_table(record, 300, 11), reference_table(forecast, 300, 11)
    shared = [k for k in a if k in b]
    assert len(shared) == len(a)
    for k in shared:
        assert np.array_equal(a[k], b[k], equal_nan=True), k
    assert np.array_equal(within(a, record.patterns), within(b, forecast.patterns))


def test_the_record_patterns_are_reachable(record):
    """1500 prior draws (seed 2022) give runs within every tolerance: the record is reproducible by
    the model (about 0.6% of prior runs are; docs/record.md)."""
    table = reference_table(record, 1500, 2022)
    ok = within(table, record.patterns)
    assert ok.sum() >= 1
    # and each pattern on its own is neither impossible nor true of every run
    for p in record.patterns:
        one = within(table, (p,))
        assert 0 < one.sum(), p.name
        if p.name != "Mineral controls eased below their peak":  # nearly true by construction (docs/record.md)
            assert one.sum() < len(one), p.name


def _steps(s, name):
    (e,) = [e for e in s.events if e.name == name]
    return sorted(e.at)


# hand-counted: step 0 is 15 Sep - 14 Oct 2022, and step k begins on the 15th k months later
RECORD_STEPS = {
    "Bali leaders' meeting": 1,               # 14 Nov 2022: still in 15 Oct - 14 Nov
    "Woodside leaders' meeting": 14,          # 15 Nov 2023: the first day of its step
    "Leaders agree to talk about AI risk": 14,
    "First intergovernmental AI dialogue": 19,  # 14 May 2024: the last day of 15 Apr - 14 May
    "Lima leaders' meeting": 26,
    "New US administration": 28,
    "Geneva tariff truce and the diffusion rule rescinded": 31,
    "H20 sales allowed again": 34,
    "Busan leaders' meeting": 37,
    "Busan suspensions": 37,
    "H200 sales allowed": 38,
    "US arms package for Taiwan, December 2025": 39,
    "Beijing summit": 43,
    "Leaders agree to open the AI-safety channel": 43,
}


def test_dated_record_events_land_on_their_steps(record):
    assert str(record.start) == "2022-09-15" and record.step == "month" and record.horizon == SEAM
    for name, step in RECORD_STEPS.items():
        assert _steps(record, name) == [step], name
    # the channel is agreed in the record's last step, and the seam is the step after it
    assert max(RECORD_STEPS.values()) == SEAM - 1


def test_the_calendar_ahead_lands_where_the_baseline_puts_it(forecast):
    """The baseline starts at the seam (15 May 2026): each dated event of the calendar ahead is
    SEAM steps later in the forecast than in the baseline."""
    base = load_scenario(BASELINE)
    assert str(base.start) == "2026-05-15" and forecast.forecast.seam == SEAM
    assert forecast.forecast.horizon == base.horizon == 36
    dated = [e.name for e in base.events if e.at is not None]
    assert len(dated) >= 8
    for name in dated:
        assert _steps(forecast, name) == [s + SEAM for s in _steps(base, name)], name


def test_no_random_hazard_can_fire_before_the_seam(record, forecast):
    """In the record every meeting and shock is known and dated; the forecast's hazards (events with
    a probability and no date) are gated to the seam and after, and none is in the record."""
    names = {e.name for e in record.events}
    added = [e for e in forecast.events if e.name not in names]
    hazards = [e for e in added if e.at is None]
    assert len(hazards) >= 5
    for e in hazards:
        gates = [c.step for c in e.when if c.kind == "after"]
        assert gates and max(gates) >= SEAM, e.name
    for e in added:
        assert e.at is None or min(e.at) >= SEAM, e.name
    # in the record, the only random events are reactions (China's answers, freezes, the incident marker)
    for e in record.events:
        assert e.at is not None or e.when, e.name


def test_record_patterns_are_judged_before_the_seam(record):
    for p in record.patterns:
        if p.kind == "channel_open_share":
            assert p.args[1] < SEAM, p.name


def test_the_two_agreements_to_talk_about_ai_risk_are_coded_alike():
    """Woodside (Nov 2023) and Beijing (May 2026) agreed the same kind of channel: the same effects,
    each with its own draw of the rise in the sense of danger."""
    raw = {e["name"]: e for e in yaml.safe_load(RECORD.read_text())["events"]}
    woodside, beijing = raw["Leaders agree to talk about AI risk"], raw["Leaders agree to open the AI-safety channel"]
    assert woodside["effects"] == beijing["effects"]
    assert {"force": "C", "actor": "US", "track": "frontier_safety"} in beijing["effects"]
    assert {"force": "C", "actor": "China", "track": "frontier_safety"} in beijing["effects"]


def test_docs_record_numbers_are_recomputed(record):
    """docs/record.md, "Is the record reproducible?": the first 20,000 prior draws (seed 2022), as
    `sim calibrate` simulates them, their runs within tolerance, the per-pattern shares and the rules."""
    text = " ".join((ROOT / "docs" / "record.md").read_text(encoding="utf-8").split("## Is the record reproducible?")[1].split())
    table = reference_table(record, 20000, 2022)
    ok = within(table, record.patterns)
    k = int(ok.sum())
    assert k > 0
    assert "`sim calibrate scenarios/history/record_2022_2026.yaml --draws 20000 --accept 100`" in text
    assert f"of the 20,000 prior draws (seed 2022) {k} have every statistic within its tolerance" in text
    assert k >= 100  # so the 100 accepted are all within tolerance
    assert f"(acceptance rate {k / 20000:.4f})" in text
    labels = {"US chip-control rounds": "US rounds", "Chinese mineral-control rounds": "Chinese rounds",
              "China answers a US round within two months": "China's answers",
              "Chip controls eased below their peak": "chip easing",
              "Mineral controls eased below their peak": "mineral easing",
              "AI channel alive, Woodside to Lima": "channel alive",
              "AI channel dormant, Apr 2025 - Apr 2026": "channel dormant", "No misuse incident": "no incident"}
    assert set(labels) == {p.name for p in record.patterns}
    for p in record.patterns:
        assert f"{labels[p.name]} {within(table, (p,)).mean():.3f}" in text, p.name
    rules = ["forward_looking", "generous_tit_for_tat", "tit_for_tat", "grim_trigger", "win_stay_lose_shift"]
    us = np.bincount(table["param.actors.US.strategies.frontier_safety.rule"][ok].astype(int), minlength=5)
    china = np.bincount(table["param.actors.China.strategies.frontier_safety.rule"][ok].astype(int), minlength=5)
    assert [c.name for c in record.actors[0].strategies[0].candidates] == rules
    assert f"forward-looking in {us[0]} of {k} runs" in text and f"grim trigger in {us[3]};" in text
    assert china[3] == 0 and "for China, grim trigger in none" in text
    assert 0.4 < us[0] / k < 0.6  # "half of the posterior"


def test_the_shipped_forecast_runs_from_the_record(tmp_path, capsys):
    """`sim forecast` on the shipped forecast, small: accepted record runs (within tolerance, none
    nearest) each continued by its branches, 36 steps from the seam."""
    import pandas as pd

    assert main(["forecast", str(FORECAST), "--draws", "3000", "--accept", "4", "--branches", "3",
                 "--predictive", "0", "--no-twins", "--workers", "1", "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "forecast from 2026-05-15 (step 44 of the record), 36 steps ahead" in out
    (folder,) = (tmp_path / "forecast_2026").iterdir()
    runs = pd.read_csv(folder / "runs.csv")
    assert len(runs) == 12 and runs["accepted_run"].nunique() == 4 and set(runs["branch"]) == {0, 1, 2}
    assert (runs["length"] == 36).all()
    post = pd.read_csv(folder / "posterior.csv")
    assert sorted(post["run"]) == sorted(runs["accepted_run"].unique())
    stats = [c for c in post.columns if c.startswith("stat.")]
    assert len(stats) == len(load_scenario(RECORD).patterns)
