"""Every lesson validates and runs, and each lesson's "what to notice" claims hold.

Ensemble claims compare means with a margin of several standard errors (sampling error), or
exact values where the lesson is deterministic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import NegotiationModel, load_scenario, run_ensemble
from sim.classroom.lessons import find_lesson, lesson_files, listing
from sim.cli import main
from sim.errors import UserError

LESSONS = Path(__file__).resolve().parents[1] / "scenarios" / "lessons"
FILES = sorted(LESSONS.glob("*.yaml"))


def table(name: str, *overrides: str, runs: int | None = None, seed: int | None = None) -> dict[str, np.ndarray]:
    return run_ensemble(load_scenario(LESSONS / name, list(overrides)), runs=runs, seed=seed).table


def se(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1) / np.sqrt(len(x))) if len(x) > 1 else 0.0


def test_at_least_nine_lessons_listed(capsys):
    assert len(FILES) >= 9
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    for name, title, _ in listing(LESSONS):
        assert name in out and title in out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_lesson_validates_and_runs(path):
    s = load_scenario(path)
    assert s.lesson is not None and s.lesson.title and s.lesson.goal
    assert len(s.lesson.notice) >= 2 and len(s.lesson.try_) >= 1
    m = NegotiationModel(s, runs=[0]).run()
    assert m.t >= 1
    assert len(run_ensemble(s, runs=20).table["held"]) == 20


def test_lesson_block_is_validated(make_game):
    from sim import ScenarioError, scenario_from_dict

    data = {"actors": {"A": {"strategies": {"g": "tit_for_tat"}}, "B": {"strategies": {"g": "always_defect"}}},
            "tracks": {"g": {}}, "lesson": {"title": "x", "notise": ["a"]}}
    with pytest.raises(ScenarioError, match=r"lesson\.notise: unknown key 'notise' \(did you mean 'notice'\?\)"):
        scenario_from_dict(data)
    data["lesson"] = {"goal": "no title"}
    with pytest.raises(ScenarioError, match="missing required key 'title'"):
        scenario_from_dict(data)


def test_find_lesson_by_name_number_or_path():
    assert find_lesson("noise", LESSONS).name == "02_noise.yaml"
    assert find_lesson("02_noise", LESSONS).name == "02_noise.yaml"
    assert find_lesson(str(FILES[0])) == FILES[0]
    with pytest.raises(UserError, match="no lesson 'nois'"):
        find_lesson("nois", LESSONS)
    assert lesson_files(LESSONS) == FILES


def test_tit_for_tat_against_always_defect():
    t = table("01_tit_for_tat.yaml")
    assert np.all(t["payoff.US"] == 9) and np.all(t["payoff.China"] == 14)
    assert np.all(t["final_level.game"] == 4)                   # top rung: crisis
    t = table("01_tit_for_tat.yaml", "actors.China.strategies.game=tit_for_tat")
    assert np.all(t["payoff.US"] == 30) and np.all(t["payoff.China"] == 30)
    t = table("01_tit_for_tat.yaml", "actors.US.strategies.game=suspicious_tit_for_tat")
    assert np.all(t["payoff.US"] == 10) and np.all(t["payoff.China"] == 10)


def test_noise_tit_for_tat_falls_below_win_stay_lose_shift():
    horizon = 200
    tft = table("02_noise.yaml")["payoff.US"] / horizon
    wsls = table("02_noise.yaml", "actors.*.strategies.game=win_stay_lose_shift")["payoff.US"] / horizon
    assert tft.mean() + 4 * se(tft) < 3.0                       # noise costs tit-for-tat
    assert abs(tft.mean() - 2.25) < 0.1 + 4 * se(tft)           # near (R+S+T+P)/4 (start at CC adds a little)
    assert abs(wsls.mean() - 2.78) < 0.05 + 4 * se(wsls)        # Nowak-Sigmund 3 - 5e + 11e^2 - 8e^3
    assert tft.mean() + 4 * se(tft) < wsls.mean() - 4 * se(wsls)
    clean = table("02_noise.yaml", "actors.*.noise=0", runs=5)["payoff.US"] / horizon
    assert np.all(clean == 3.0)


def test_forgiveness_recovers_more_mutual_cooperation():
    t = table("03_forgiveness.yaml")
    tft, gtft, wsls = t["mutual_coop.tit_for_tat"], t["mutual_coop.generous"], t["mutual_coop.pavlov"]
    for better in (gtft, wsls):
        assert better.mean() - 4 * se(better) > tft.mean() + 4 * se(tft) + 0.3


def test_shadow_of_the_future_threshold():
    def us(cont, strategy):
        return table("04_shadow_of_the_future.yaml", f"continuation={cont}",
                     f"actors.US.strategies.game={strategy}")["payoff.US"]

    for cont, alld_theory, tft_theory in ((0.8, 9.0, 15.0), (0.4, 5 + 0.4 / 0.6, 3 / 0.6)):
        alld, tft = us(cont, "always_defect"), us(cont, "tit_for_tat")
        assert abs(alld.mean() - alld_theory) < 4 * se(alld)
        assert abs(tft.mean() - tft_theory) < 4 * se(tft)
        if cont > 0.5:
            assert tft.mean() - 4 * se(tft) > alld.mean() + 4 * se(alld)
        else:
            assert alld.mean() - 4 * se(alld) > tft.mean() + 4 * se(tft)


def test_stag_hunt_holds_exactly_when_both_trust_enough():
    t = table("05_stag_hunt.yaml")
    enough = (t["param.actors.US.trust"] >= 2 / 3) & (t["param.actors.China.trust"] >= 2 / 3)
    assert np.array_equal(t["held"].astype(bool), enough)
    assert 0 < enough.mean() < 1
    half = table("05_stag_hunt.yaml", "actors.*.trust=0.5", runs=5)
    assert np.all(half["held"] == 0) and np.all(half["coop_rate.game"] == 0)   # hare is risk dominant


def test_chicken_crashes_escalate_and_commitment_wins():
    t = table("06_chicken.yaml")
    swerve_both = t["mutual_coop.game"]
    crash = 1 - t["coop_rate.game"]          # both always move alike here, so D share = crash share
    assert np.all(crash > swerve_both)
    assert np.all(t["peak_level.game"] == 4)                    # the ladder reaches the top rung
    c = table("06_chicken.yaml", "actors.US.strategies.game=always_defect")
    assert np.all(c["payoff.US"] > 4 * c["payoff.China"])        # China learns to swerve


def test_linkage_spreads_the_chip_defection_into_the_channel():
    linked = table("07_linkage.yaml")
    apart = table("07_linkage.yaml", "actors.*.strategies.frontier_safety.linkage=0")
    assert apart["held"].mean() - linked["held"].mean() > 0.4
    assert linked["held"].mean() < 0.1
    clean = table("07_linkage.yaml", "actors.*.strategies.frontier_safety.linkage=0", "actors.*.noise=0", runs=20)
    assert np.all(clean["held"] == 1) and np.all(clean["coop_rate.frontier_safety"] == 1)
    echo = table("07_linkage.yaml", "actors.*.noise=0", runs=20)
    assert np.all(echo["held"] == 0)


def test_narrow_channel_holds_while_escalated_and_linkage_hurts():
    base = table("08_narrow_channel.yaml")
    assert base["escalated"].mean() > 0.5          # "escalates in most runs"
    assert base["held"].mean() > 0.5
    low = table("08_narrow_channel.yaml", "actors.*.strategies.frontier_safety.linkage=0", runs=2000)
    mid = table("08_narrow_channel.yaml", runs=2000)
    high = table("08_narrow_channel.yaml", "actors.*.strategies.frontier_safety.linkage=0.8", runs=2000)
    diff = low["held"].astype(float) - high["held"]             # paired: common random numbers
    assert diff.mean() > 4 * se(diff)
    share = low["open_share"] - high["open_share"]
    assert share.mean() > 4 * se(share)
    # the pacified twin: no effect of the rivalry without linkage, a growing one with it
    assert np.array_equal(low["held"], low["held_pacified"])
    effect = {name: t["held"].astype(float) - t["held_pacified"] for name, t in (("mid", mid), ("high", high))}
    assert effect["mid"].mean() < -3 * se(effect["mid"])
    assert effect["high"].mean() < effect["mid"].mean() - 3 * se(effect["high"] - effect["mid"])


def test_why_talk_channel_averts_incidents():
    """The channel open vs its channel_closed twin on the same random numbers (paired)."""
    t = table("09_why_talk.yaml", runs=2000)
    open_, closed = t["incidents"], t["incidents_channel_closed"]
    averted = closed - open_
    assert averted.mean() > 4 * se(averted)
    assert abs(open_.mean() - 2.7) < 0.1 + 4 * se(open_)         # "about 2.7 per run"
    assert abs(closed.mean() - 8.2) < 0.1 + 4 * se(closed)       # "about 8.2 with it closed"
    # one side walking out is enough: almost the closed level, far above the lesson's own runs
    us_out = table("09_why_talk.yaml", "actors.US.strategies.channel=always_defect", runs=2000)
    gap = us_out["incidents_channel_closed"] - us_out["incidents"]
    assert gap.mean() < 0.05 * us_out["incidents_channel_closed"].mean()
    assert np.array_equal(us_out["incidents_channel_closed"], closed)   # the same closed twin
    rise = us_out["incidents"] - open_
    assert rise.mean() > 4 * se(rise) and rise.mean() > 0.9 * averted.mean()


def test_why_talk_safeguards_grow_only_while_engaged_and_capability_spreads_regardless():
    s = load_scenario(LESSONS / "09_why_talk.yaml")
    runs = 300
    m = NegotiationModel(s, runs=runs, twins=[s.twin("channel_closed")])
    run, closed = m.lane(), m.lane(0)
    pop = m.population
    grew = fell = 0
    while m.running:
        before, cap_before = pop.safeguards.copy(), pop.capability.copy()
        m.step()
        us, china = m.actors
        engaged = us.realised[run, 0] & china.realised[run, 0]
        change = pop.safeguards[run] - before[run]
        assert np.all(change[engaged] >= 0) and np.all(change[~engaged] <= 0)
        grew += int((change[engaged] > 0).sum())
        fell += int((change[~engaged] < 0).sum())
        assert np.all(pop.safeguards[closed] == 0)                         # closed: never built
        assert np.array_equal(pop.capability[:, run], pop.capability[:, closed])   # the same spread
        assert np.all(pop.capability >= cap_before)
    assert grew > 1000 and fell > 100                   # both happen, often
    assert pop.capability.mean() > pop.initial_capability.mean() + 0.3


def test_viz_without_the_extra_says_how_to_install(monkeypatch, capsys):
    from sim.commands import viz

    monkeypatch.setattr(viz, "missing", lambda: ["solara"])
    assert main(["viz", "noise"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install '.[viz]'" in err and "project's folder" in err
    assert "sim-negotiation" not in err          # not a package on the public index


@pytest.mark.parametrize("seed", [11, 12])
def test_lesson_numbers_hold_on_other_seeds(seed):
    """The lessons' quoted numbers are not one seed's luck: noise (2.25 and 2.78 per round), the
    shadow of the future (9 and 15), linkage (the channel almost never holds linked, far more often
    compartmentalised), chicken (crashes outnumber swerves), why talk (about 2.7 against 8.2)."""
    tft = table("02_noise.yaml", seed=seed)["payoff.US"] / 200
    wsls = table("02_noise.yaml", "actors.*.strategies.game=win_stay_lose_shift", seed=seed)["payoff.US"] / 200
    assert abs(tft.mean() - 2.25) < 0.1 + 4 * se(tft) and abs(wsls.mean() - 2.78) < 0.05 + 4 * se(wsls)
    for strategy, theory in (("always_defect", 9.0), ("tit_for_tat", 15.0)):
        us = table("04_shadow_of_the_future.yaml", f"actors.US.strategies.game={strategy}", runs=2000,
                   seed=seed)["payoff.US"]
        assert abs(us.mean() - theory) < 4 * se(us), strategy
    linked = table("07_linkage.yaml", seed=seed)
    apart = table("07_linkage.yaml", "actors.*.strategies.frontier_safety.linkage=0", seed=seed)
    assert linked["held"].mean() < 0.1 and apart["held"].mean() - linked["held"].mean() > 0.4
    chicken = table("06_chicken.yaml", seed=seed)
    assert np.all(1 - chicken["coop_rate.game"] > chicken["mutual_coop.game"])
    why = table("09_why_talk.yaml", runs=2000, seed=seed)
    assert abs(why["incidents"].mean() - 2.7) < 0.1 + 4 * se(why["incidents"])
    assert abs(why["incidents_channel_closed"].mean() - 8.2) < 0.1 + 4 * se(why["incidents_channel_closed"])
