"""The live page's controls, comparison and game against the computer, without a browser.

Every control a lesson's page shows must change the simulation (moves, payoffs or misuse
incidents) for some value (a control that cannot change a lesson's run is not shown), the page's
default values must be the values the run uses, and the game against the computer must score by
the payoff matrix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario
from sim.classroom.controls import apply, compare, controls, param_value, play
from sim.classroom.play import Game, hidden_strategy, match, reveal

LESSONS = sorted((Path(__file__).resolve().parents[1] / "scenarios" / "lessons").glob("*.yaml"))
RUNS = 12


def outcome(scenario, seed):
    return play(scenario, seed=seed, runs=RUNS)    # moves, payoffs, lengths, incidents per step


def same(a, b) -> bool:
    return all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_shown_control_changes_the_simulation(path):
    base = load_scenario(path)
    cs = controls(base)
    assert cs, "a lesson page without controls"
    defaults = {c.key: c.default(base) for c in cs}
    scenario, seed = apply(str(path), cs, defaults)
    reference = outcome(scenario, seed)
    for c in cs:
        changed = []
        for value in c.candidates(base):
            if value == defaults[c.key]:
                continue
            s, sd = apply(str(path), cs, {**defaults, c.key: value})
            if not same(outcome(s, sd), reference):
                changed.append(value)
                break
        assert changed, f"{path.stem}: control {c.key} changes nothing for any value"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_defaults_shown_are_the_values_run(path):
    """With the page's default values the run is the lesson's own run 0 (same moves and payoffs)."""
    base = load_scenario(path)
    cs = controls(base)
    defaults = {c.key: c.default(base) for c in cs}
    scenario, seed = apply(str(path), cs, defaults)
    assert seed == base.seed
    moves, pays, _, incidents = play(scenario, seed=seed, runs=1)
    moves0, pays0, _, incidents0 = play(base, runs=1)
    assert np.array_equal(moves, moves0)
    assert np.array_equal(pays, pays0)
    assert np.array_equal(incidents, incidents0)
    for c in cs:
        if not c.is_menu and c.key != "seed":
            for p in c.paths:
                assert param_value(scenario, p) == pytest.approx(defaults[c.key])


def test_stag_hunt_page_starts_from_the_run_trust():
    """The lesson draws trust per run; the sliders show run 0's draws, not the distribution's middle."""
    path = next(p for p in LESSONS if "stag_hunt" in p.stem)
    base = load_scenario(path)
    shown = {c.key: c.default(base) for c in controls(base)}
    drawn = [param_value(base, f"actors.{a}.trust") for a in base.actor_names]
    assert [shown["US_trust"], shown["China_trust"]] == [round(x, 4) for x in drawn]
    assert drawn[0] != drawn[1]


def test_deterministic_lesson_has_no_seed_control():
    base = load_scenario(next(p for p in LESSONS if "tit_for_tat" in p.stem))
    assert "seed" not in [c.key for c in controls(base)]
    noisy = load_scenario(next(p for p in LESSONS if "noise" in p.stem))
    assert "seed" in [c.key for c in controls(noisy)]


def test_shadow_comparison_matches_the_expected_payoffs():
    """Against tit-for-tat, always-defect expects T + wP/(1-w) and tit-for-tat R/(1-w) (R3 S0 T5 P1)."""
    base = load_scenario(next(p for p in LESSONS if "shadow" in p.stem))
    rows = compare(base)
    expected = [5 + 0.8 / 0.2, 3 / 0.2, 5 + 0.4 / 0.6, 3 / 0.6]
    for row, want in zip(rows, expected):
        # totals are sums over a geometric number of rounds: sd <= 5 * sd(length) = 5 sqrt(w)/(1-w)
        assert abs(row.total[0] - want) < 4 * 5 * np.sqrt(0.8) / 0.2 / np.sqrt(2000)
    assert rows[0].total[0] < rows[1].total[0] and rows[2].total[0] > rows[3].total[0]


def test_why_talk_comparison_counts_incidents_open_and_closed():
    """The comparison's incident columns: the lesson's runs against their channel_closed twin; the
    closed twin is the same whatever the sides' strategies or noise (they are forced to walk out)."""
    from sim import run_ensemble

    base = load_scenario(next(p for p in LESSONS if "why_talk" in p.stem))
    rows = compare(base, runs=200)
    table = run_ensemble(base, runs=200).table
    assert rows[0].extra["incidents"] == pytest.approx(table["incidents"].mean())
    assert rows[0].extra["incidents_closed"] == pytest.approx(table["incidents_channel_closed"].mean())
    assert len({r.extra["incidents_closed"] for r in rows[:3]}) == 1
    assert all(r.extra["incidents"] < r.extra["incidents_closed"] for r in rows)
    assert rows[0].extra["incidents"] < rows[1].extra["incidents"] < rows[2].extra["incidents"]
    assert "incidents" not in compare(load_scenario(LESSONS[0]))[0].extra


def test_why_talk_page_run_has_an_early_incident():
    """The page's default run (run 0 of the lesson's seed) has an incident in its first four months:
    the browser test and the screenshot rely on it."""
    base = load_scenario(next(p for p in LESSONS if "why_talk" in p.stem))
    _, _, _, incidents = play(base, runs=1)
    assert incidents[:4, 0].sum() >= 1 and incidents[3, 0] >= 1


def test_tit_for_tat_comparison_is_exact():
    rows = compare(load_scenario(next(p for p in LESSONS if "tit_for_tat" in p.stem)))
    assert [r.total for r in rows] == [(9, 14), (30, 30), (10, 10)]


def test_game_against_the_computer_scores_by_the_matrix():
    base = load_scenario(next(p for p in LESSONS if "stag_hunt" in p.stem))
    game = Game.of(base)
    assert (game.R, game.S, game.T, game.P, game.labels) == (4, 0, 3, 2, ("stag", "hare"))
    mine = [True, False, True, True, False, False, True, True, False, True]
    for opponent in ("tit_for_tat", "always_defect", "win_stay_lose_shift", "random"):
        m = match(game, mine, opponent, seed=3)
        assert m.you == tuple(mine)
        assert m.your_payoffs == tuple(game.payoff(a, b) for a, b in zip(m.you, m.them))
        assert m.their_payoffs == tuple(game.payoff(b, a) for a, b in zip(m.you, m.them))
    tft = match(game, mine, "tit_for_tat")
    assert tft.them == (True, *mine[:-1])          # tit-for-tat copies your previous move
    # one more round never changes the computer's earlier moves (moves are simultaneous)
    assert match(game, mine[:5], "random", seed=3).them == match(game, mine, "random", seed=3).them[:5]


def test_reveal_and_hidden_strategy():
    game = Game.of(load_scenario(LESSONS[0]))
    rows = {r["strategy"]: r for r in reveal(game, [True] * 10, "always_defect")}
    assert (rows["tit_for_tat"]["you_vs"], rows["tit_for_tat"]["it_vs_you"]) == (30, 30)
    assert (rows["tit_for_tat"]["in_your_place"], rows["tit_for_tat"]["computer_then"]) == (9, 14)
    assert rows["always_defect"]["you_vs"] == 0 and rows["always_defect"]["in_your_place"] == 10
    picks = [hidden_strategy(0, n) for n in range(30)]
    assert picks == [hidden_strategy(0, n) for n in range(30)] and len(set(picks)) > 3


def test_docs_list_each_lesson_controls():
    """docs/classroom.md's table names exactly the controls each lesson's page shows."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "classroom.md").read_text(encoding="utf-8")
    rows = dict(line.strip("|").split("|")[:2] for line in doc.splitlines()
                if line.startswith("| ") and not line.startswith("| lesson"))
    rows = {k.strip(): [x.strip() for x in v.split(";")] for k, v in rows.items()}
    for path in LESSONS:
        s = load_scenario(path)
        want = [c.label.split(" (another")[0] for c in controls(s)]
        assert rows[path.stem.split("_", 1)[1]] == want, path.stem


def test_noisy_tournament_note_in_the_docs():
    """docs/classroom.md: in the default noisy round robin generous tit-for-tat ranks below
    tit-for-tat (grim trigger and always-defect first), though it does better against its twin."""
    from sim.tournament import make_spec, run_tournament

    result = run_tournament(make_spec(noise=0.05, seed=0))
    order = [row["strategy"] for row in result.ranking()]
    assert order.index("generous_tit_for_tat") > order.index("tit_for_tat")
    assert set(order[:2]) == {"grim_trigger", "always_defect"}
    M = result.payoff_matrix()
    g, t = result.labels.index("generous_tit_for_tat"), result.labels.index("tit_for_tat")
    assert M[g, g] > M[t, t]


def test_shadow_theory_note():
    base = load_scenario(next(p for p in LESSONS if "shadow" in p.stem))
    from sim.classroom.controls import theory_note

    note = theory_note(base, 0.6)
    assert "w 0.8: always-defect 9.00, tit-for-tat 15.00" in note
    assert "w 0.6: always-defect 6.50, tit-for-tat 7.50" in note
    assert "w 0.4: always-defect 5.67, tit-for-tat 5.00" in note and "w = (T-R)/(T-P) = 0.5" in note
    assert theory_note(load_scenario(LESSONS[0])) == ""


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_what_to_try_item_is_a_page_action(path):
    """Each "What to try" item is said as a page action, never as --set text: every 'set "LABEL"
    (and "LABEL") to VALUE' names controls of the page (their labels as shown) whose range or menu
    holds VALUE; every item names at least one control."""
    import re

    base = load_scenario(path)
    cs = {c.label: c for c in controls(base)}
    found = 0
    for item in base.lesson.try_:
        assert "--set" not in item and "actors." not in item, item
        named = [q for q in re.findall(r'"([^"]+)"', item) if q in cs]
        assert named, f"{path.stem}: names no control: {item}"
        for labels, value in re.findall(r'((?:"[^"]+"(?:,? and )?)+) to ([\w.]+)', item):
            value = value.rstrip(".")
            for label in re.findall(r'"([^"]+)"', labels):
                c = cs[label]
                assert (value in c.choices) if c.is_menu else (c.lo <= float(value) <= c.hi), (label, value)
                found += 1
    assert found >= 1
