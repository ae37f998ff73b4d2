"""What the version 3 baseline must show (the model v3 issue): the answer is not decided by noise,
no mechanism the scenario names is silently inert, a leaders' meeting changes some channel
outcomes, and a rivalry held at its top rung lowers P(held) when level linkage is on (and only
then). Each is checked on the shipped scenario, with common random numbers where a contrast is
claimed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim import load_scenario, run_ensemble

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
RUNS = 1000


@pytest.fixture(scope="module")
def table():
    return run_ensemble(load_scenario(BASELINE), runs=RUNS).table


def test_noise_does_not_decide_the_answer(table):
    """Version 2 held in every run without noise. Now, with noise 0 (the no_noise twin, same random
    numbers), the channel still fails in most runs: P(held) is clearly below 1."""
    held = table["held_no_noise"].astype(bool)
    upper = stats.binomtest(int(held.sum()), len(held)).proportion_ci(0.99).high
    assert upper < 0.5


def test_every_named_mechanism_moves_some_runs_or_is_called_inert(table):
    from sim.analysis.stats import mechanism_table, twin_effect

    s = load_scenario(BASELINE)
    mechanisms = {n: t.mechanism for n, t in s.twins.items() if t.mechanism}
    assert set(mechanisms) == {"no_meetings", "no_freezes", "no_issue_linkage", "no_level_linkage", "no_audience",
                               "no_incident_politics", "no_noise"}
    rows = mechanism_table({n: twin_effect(table, n) for n in mechanisms}, mechanisms)
    assert len(rows) == len(mechanisms)
    for row in rows:
        moved = int(table[f"moves_differ_{row['twin']}"].sum())
        assert row["runs_moved"] == moved
        assert row["inert"] == (moved == 0)
        assert ("inert in this scenario" in row["text"]) == (moved == 0)
    assert not any(r["inert"] for r in rows)  # in the baseline every mechanism moves some runs


def test_a_leaders_meeting_changes_some_channel_outcomes(table):
    """Skipping every event tagged leaders_meeting changes whether the channel held in some runs,
    and the meetings help: more runs hold with them than without (exact McNemar)."""
    held, without = table["held"].astype(bool), table["held_no_meetings"].astype(bool)
    better, worse = int((held & ~without).sum()), int((~held & without).sum())
    assert better + worse > 0
    assert stats.binomtest(better, better + worse).pvalue < 0.01 and better > worse


def _pacified_held(start: int, level_linkage: bool) -> np.ndarray:
    """``held`` of the pacified twins (the rivalry held still at its start, both sides C there) of
    the baseline without nonstate groups, with both rivalry ladders starting at ``start``."""
    sets = {"nonstate": None, "tracks.export_controls.ladder.start": start,
            "tracks.rare_earths.ladder.start": start}
    if not level_linkage:
        for who in ("US", "China"):
            for rule in ("forward_looking", "generous_tit_for_tat", "tit_for_tat", "win_stay_lose_shift"):
                sets[f"actors.{who}.strategies.frontier_safety.choice.{_index(rule)}.level_linkage"] = 0
    s = load_scenario(BASELINE, set=sets)
    return run_ensemble(s, runs=600, twins=("pacified",)).table["held_pacified"].astype(bool)


def _index(rule: str) -> int:
    return ["forward_looking", "generous_tit_for_tat", "tit_for_tat", "grim_trigger", "win_stay_lose_shift"].index(rule)


@pytest.mark.slow
def test_a_rivalry_held_at_its_top_rung_lowers_p_held_only_through_level_linkage():
    """The pacified twin holds the rivalry still at its start: at the top rung (11) against rung 0,
    the only path from the rivalry to the channel left is its standing (level linkage), since no
    rivalry move is made, meetings' easing is dropped, and there is no nonstate population. So
    P(held) is lower at the top rung with level linkage on, and identical, run for run, with it
    off."""
    top, bottom = _pacified_held(11, True), _pacified_held(0, True)
    assert top.mean() < bottom.mean()
    worse, better = int((bottom & ~top).sum()), int((top & ~bottom).sum())
    assert stats.binomtest(worse, worse + better).pvalue < 0.01
    assert np.array_equal(_pacified_held(11, False), _pacified_held(0, False))


@pytest.mark.slow
def test_in_every_shipped_variant_only_the_mechanisms_it_switches_off_are_inert():
    """docs/parameters.md: every variant of the baseline keeps its mechanisms moving some runs, except
    compartmentalised.yaml, where issue and level linkage are 0 by construction."""
    from sim.analysis.stats import mechanism_table, twin_effect

    expected = {"compartmentalised": {"no_issue_linkage", "no_level_linkage"}}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        s = load_scenario(path)
        mech = {n: t.mechanism for n, t in s.twins.items() if t.mechanism}
        assert mech, path.name
        table = run_ensemble(s, runs=300).table
        rows = mechanism_table({n: twin_effect(table, n) for n in mech}, mech)
        assert {r["twin"] for r in rows if r["inert"]} == expected.get(path.stem, set()), path.name
