"""Each lesson's outcome section (page and handout), and the lesson texts' numbers, on several seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario, run_ensemble
from sim.classroom.outcomes import CHANNEL_LESSONS, about_channel, outcome

LESSONS = Path(__file__).resolve().parents[1] / "scenarios" / "lessons"
SEEDS = (4, 5, 6)


def lesson(stem: str, *overrides: str):
    return load_scenario(next(LESSONS.glob(f"*_{stem}.yaml")), list(overrides))


def test_only_the_channel_lessons_ask_whether_the_channel_holds():
    for path in sorted(LESSONS.glob("*.yaml")):
        s = load_scenario(path)
        o = outcome(s, runs=20)
        text = " ".join(k for k, _ in o.rows)
        asks = "the channel held" in text
        assert asks == (s.name in CHANNEL_LESSONS and s.name != "stag_hunt"), s.name
        assert about_channel(s) == (s.name in CHANNEL_LESSONS)


def test_tit_for_tat_match_outcome():
    o = outcome(lesson("tit_for_tat"), runs=5)
    rows = dict(o.rows)
    assert rows["US total"] == "9" and rows["China total"] == "14"
    assert rows["who wins the match"] == "US in 0, China in 5, a draw in 0 of 5"
    assert rows["rounds both cooperated"] == "0 of 10"
    assert "every run is the same" in o.note
    both = dict(outcome(lesson("tit_for_tat", "actors.China.strategies.game=tit_for_tat"), runs=2).rows)
    assert both["US total"] == "30" and both["rounds both cooperated"] == "10 of 10"


@pytest.mark.parametrize("seed", SEEDS)
def test_stag_hunt_text_holds(seed):
    """The lesson's text: cooperation holds exactly when both trusts start at 2/3 or more (about 27%);
    otherwise a miss, then hare for good in about 9 of 10 such runs, back to stag in the rest (about
    8% of all runs), and nothing else."""
    o = outcome(lesson("stag_hunt"), runs=1000, seed=seed)
    n = o.numbers
    assert np.array_equal(n["held"], n["enough"])
    assert abs(n["held"].mean() - 0.27) < 0.03
    missed = ~n["held"]
    assert np.all(n["hare"] | n["back"] | n["held"])                 # "anything else" never happens
    assert 0.85 <= n["hare"][missed].mean() <= 0.95                   # about 9 in 10
    assert abs(n["back"].mean() - 0.08) < 0.02                        # about 8% of all runs
    assert "anything else" not in dict(o.rows)


def test_stag_hunt_page_example_recovers():
    """'US trust 0.92, China 0.6: one miss, then stag for good' (the page's own sliders)."""
    from sim import NegotiationModel

    s = lesson("stag_hunt", "actors.US.trust=0.92", "actors.China.trust=0.6")
    rows = []
    NegotiationModel(s, runs=[0]).run(lambda m: rows.append([bool(a.realised[0, 0]) for a in m.actors]))
    assert rows[0] == [True, False] and all(r == [True, True] for r in rows[1:])


@pytest.mark.parametrize("seed", SEEDS)
def test_narrow_channel_danger_moves_the_channel(seed):
    """Lesson 8's numbers: held about 71% with shared danger 0, 84% at the lesson's 0.2, 91% at 0.7;
    the pacified twin holds more often (the rivalry costs the channel); linkage 0: no difference."""
    held = {}
    for rp in (0, 0.2, 0.7):
        t = run_ensemble(lesson("narrow_channel", f"actors.*.risk_perception={rp}"), runs=1000, seed=seed).table
        held[rp] = t["held"].mean()
        assert t["held_pacified"].mean() > held[rp]
    assert abs(held[0] - 0.71) < 0.04 and abs(held[0.2] - 0.84) < 0.04 and abs(held[0.7] - 0.91) < 0.04
    apart = run_ensemble(lesson("narrow_channel", "actors.*.strategies.frontier_safety.linkage=0"), runs=300,
                         seed=seed).table
    assert np.array_equal(apart["held"], apart["held_pacified"]) and apart["moves_differ_pacified"].sum() == 0


def test_narrow_channel_outcome_shows_held_twin_and_effect():
    o = outcome(lesson("narrow_channel"), runs=200, seed=1)
    rows = dict(o.rows)
    t = run_ensemble(lesson("narrow_channel"), runs=200, seed=1).table
    held, calm = int(t["held"].sum()), int(t["held_pacified"].sum())
    assert rows["the channel held"].startswith(f"{held} of 200")
    assert rows["held in the pacified twin (no rivalry)"].startswith(f"{calm} of 200")
    assert rows["the rivalry's effect on P(held)"].startswith(f"{(held - calm) / 2:+.0f} percentage points")
    low = dict(outcome(lesson("narrow_channel", "actors.*.risk_perception=0"), runs=200, seed=1).rows)
    assert low["the channel held"] != rows["the channel held"]        # the danger control moves it


def test_other_lessons_report_their_own_terms():
    assert "echo" in outcome(lesson("noise"), runs=50).title
    f = outcome(lesson("forgiveness"), runs=100).numbers["mutual"]
    assert f["generous"] > f["tit_for_tat"] + 0.3 and f["pavlov"] > f["tit_for_tat"] + 0.3
    sh = outcome(lesson("shadow_of_the_future"), runs=2000, seed=1).numbers
    assert abs(sh["length"] - 5) < 0.4 and abs(sh["totals"][0] - 9) < 0.6
    ch = outcome(lesson("chicken"), runs=50).numbers
    assert ch["crash"] > ch["swerve"]
    why = outcome(lesson("why_talk"), runs=200).numbers
    assert why["incidents"][1] > 2 * why["incidents"][0]
