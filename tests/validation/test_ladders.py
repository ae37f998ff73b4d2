"""Sticky escalation ladders (the model's section on tracks, version 2).

A ladder with ``down_after: m`` steps down one rung after m calm steps (both actors C) in a row;
with ``ratchet: r`` it never falls more than r rungs below the highest level reached in the run
(export controls are rarely rolled back). With the defaults (m = 1, no ratchet) a ladder is the
version 1 ladder: it steps down after every calm step. These are exact, deterministic statements,
checked step by step on scenarios where both actors always cooperate from the top rung.
"""

from __future__ import annotations

from conftest import play

from sim import scenario_from_dict

RUNGS = ["r0", "r1", "r2", "r3", "r4", "r5", "r6"]


def calm_from_top(**ladder):
    return scenario_from_dict({
        "name": "ladder", "seed": 0, "runs": 1, "horizon": 24,
        "actors": {side: {"strategies": {"game": "always_cooperate"}} for side in ("A", "B")},
        "tracks": {"game": {"ladder": {"rungs": RUNGS, "start": 6, **ladder}}},
    })


def levels(**ladder) -> list[int]:
    _, rec = play(calm_from_top(**ladder))
    return [int(lv[0, 0]) for lv in rec.levels]


def test_down_after_three_falls_one_rung_every_three_steps():
    got = levels(down_after=3)
    expected = [max(6 - (t + 1) // 3, 0) for t in range(24)]
    assert got == expected
    assert got[:7] == [6, 6, 5, 5, 5, 4, 4]


def test_ratchet_stops_the_fall_two_rungs_below_the_peak():
    got = levels(down_after=3, ratchet=2)
    assert got[:6] == [6, 6, 5, 5, 5, 4]
    assert min(got) == 4 and got[-1] == 4          # the peak is 6: never below 6 - 2


def test_default_ladder_is_version_one():
    assert levels() == [max(6 - (t + 1), 0) for t in range(24)]


def test_ratchet_also_holds_against_easing_events():
    s = scenario_from_dict({
        "name": "ladder", "seed": 0, "runs": 1, "horizon": 6,
        "actors": {side: {"strategies": {"game": "always_defect"}} for side in ("A", "B")},
        "tracks": {"game": {"ladder": {"rungs": RUNGS, "ratchet": 1}}},
        "events": [{"name": "Truce", "at": 4, "effects": [{"target": "tracks.game.level", "set": 0}]}],
    })
    _, rec = play(s)
    got = [int(lv[0, 0]) for lv in rec.levels]
    assert got[:4] == [2, 4, 6, 6]
    assert got[4] == 6    # set to 0 at step 4, floored at 6 - 1 = 5, then both D climb back to 6
