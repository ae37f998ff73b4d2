"""Model version 2: the channel outcome, twins, conditional events, keyed random streams.

The channel tracker is checked against a plain-Python re-implementation of the definition
(engaged / open / suspended / collapsed, with and without prehistory) on random move sequences;
twins and conditional events on scripted scenarios whose answer is known in advance.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import play
from sim import NegotiationModel, scenario_from_dict
from sim.ensemble.runner import run_ensemble, run_table
from sim.model.outcomes import ChannelState
from sim.results.outcomes import ROBUSTNESS_GRID, ChannelDefinition


def reference_channel(engaged: list[bool], window: int, threshold: float, collapse_after: int,
                      prehistory: bool) -> dict:
    """The definition written out step by step, the slow obvious way."""
    history: list[bool] = []
    opened, spells, first_susp, spell, spell_start, collapsed, break_step = [], 0, -1, 0, -1, False, -1
    for t, e in enumerate(engaged):
        history.append(e)
        last = history[-window:]
        if prehistory:
            last = [True] * (window - len(last)) + last
        is_open = sum(last) >= threshold * len(last) - 1e-9
        opened.append(is_open)
        if is_open:
            spell = 0
        else:
            if spell == 0:
                spells += 1
                spell_start = t
                if first_susp < 0:
                    first_susp = t
            spell += 1
            if spell >= collapse_after and not collapsed:
                collapsed, break_step = True, spell_start
    return {"held": not collapsed, "break_step": break_step, "open_share": sum(opened) / len(engaged),
            "suspensions": spells, "first_suspension": first_susp, "open_at_end": opened[-1]}


@settings(max_examples=150, deadline=None)
@given(engaged=st.lists(st.booleans(), min_size=1, max_size=40), window=st.integers(1, 12),
       threshold=st.sampled_from([0.0, 1 / 3, 0.5, 2 / 3, 1.0]), collapse=st.integers(1, 6),
       prehistory=st.booleans())
def test_channel_tracker_matches_the_definition(engaged, window, threshold, collapse, prehistory):
    d = ChannelDefinition(window, threshold, collapse, prehistory)
    state = ChannelState(d, 1)
    for t, e in enumerate(engaged):
        state.update(t, np.array([e]), np.array([True]))
    ref = reference_channel(engaged, window, threshold, collapse, prehistory)
    assert bool(~state.collapsed[0]) == ref["held"]
    assert int(state.break_step[0]) == ref["break_step"]
    assert state.open_steps[0] / len(engaged) == pytest.approx(ref["open_share"])
    assert int(state.suspensions[0]) == ref["suspensions"]
    assert int(state.first_suspension[0]) == ref["first_suspension"]
    assert bool(state.open[0]) == ref["open_at_end"]


def test_prehistory_means_one_noisy_first_move_cannot_close_the_channel():
    moves = [False] + [True] * 11
    v2 = reference_channel(moves, 6, 0.5, 3, True)
    v1 = reference_channel(moves, 6, 0.5, 1, False)
    assert v2["held"] and v2["suspensions"] == 0
    assert not v1["held"] and v1["break_step"] == 0   # version 1: broken in month 0


def _three_tracks(**over):
    data = {
        "name": "v2", "seed": 5, "runs": 200, "horizon": 24,
        "actors": {
            "US": {"noise": 0.05, "strategies": {"ai": "tit_for_tat", "chips": "tit_for_tat",
                                                 "minerals": "tit_for_tat"}},
            "China": {"noise": 0.05, "strategies": {"ai": "tit_for_tat", "chips": "always_defect",
                                                    "minerals": "tit_for_tat"}},
        },
        "tracks": {"ai": {"role": "channel"}, "chips": {}, "minerals": {}},
    }
    for key, value in over.items():
        data[key] = value
    return data


def test_compartmentalised_channel_has_zero_rivalry_effect():
    """MODEL section 9: linkage 0, no event touching both sides: no run differs from its twin."""
    s = scenario_from_dict(_three_tracks(events=[
        {"name": "Chip rule", "probability": 0.2, "effects": [{"target": "tracks.chips.level", "add": 1},
                                                              {"target": "actors.China.hawkishness", "add": 0.1}]},
    ]))
    r = run_ensemble(s, runs=300, twins=("pacified",))
    t = r.table
    assert np.array_equal(t["held"], t["held_pacified"])
    assert np.array_equal(t["open_share"], t["open_share_pacified"])
    assert t["escalated"].mean() > 0.5      # the rivalry does escalate in the runs themselves


def test_linked_channel_feels_the_rivalry():
    data = _three_tracks()
    data["actors"]["US"]["strategies"]["ai"] = {"name": "tit_for_tat", "linkage": 0.8}
    r = run_ensemble(scenario_from_dict(data), runs=300, twins=("pacified",))
    t = r.table
    assert (t["held"] != t["held_pacified"]).any()
    assert t["held"].mean() < t["held_pacified"].mean()
    assert t["open_share"].mean() < t["open_share_pacified"].mean()


def test_twin_runs_depend_only_on_seed_run_and_twin():
    data = _three_tracks(twins={"channel_closed": {"force": [{"actor": "*", "track": "ai", "action": "D"}]}})
    data["actors"]["US"]["strategies"]["ai"] = {"name": "generous_tit_for_tat", "linkage": 0.5}
    s = scenario_from_dict(data)
    twins = ("pacified", "channel_closed")
    whole = run_ensemble(s, runs=60, chunk_size=60, twins=twins).table
    pieces = run_ensemble(s, runs=60, chunk_size=7, twins=twins).table
    for col in whole:
        assert np.array_equal(whole[col], pieces[col]), col
    alone = run_table(NegotiationModel(s, runs=[17], twins=[s.twin("channel_closed")]).run())
    assert alone["held_channel_closed"][0] == whole["held_channel_closed"][17]
    assert alone["held"][0] == whole["held"][17]
    # the runs themselves do not depend on which twins ride along
    bare = run_ensemble(s, runs=60, twins=()).table
    for col in bare:
        assert np.array_equal(bare[col], whole[col]), col
    assert whole["held_channel_closed"].sum() == 0      # walking out every month collapses the channel


def test_skip_events_twin_drops_the_event_but_keeps_the_numbers():
    data = _three_tracks(
        events=[{"name": "Shock", "probability": 0.3, "effects": [{"target": "actors.*.trust", "add": -0.5}]},
                {"name": "Calm", "probability": 0.3, "effects": [{"target": "actors.*.trust", "add": 0.1}]}],
        twins={"no_shock": {"skip_events": ["Shock"]}})
    s = scenario_from_dict(data)
    m = NegotiationModel(s, runs=50, twins=[s.twin("no_shock")])
    fired = []  # (events, lanes) of each step: which events fired where
    m.run(observer=lambda model: fired.append(model.events.fired_last.copy()))
    fired = np.stack(fired)
    main, twin = m.lane(), m.lane(0)
    assert fired[:, 0, main].sum() > 0 and fired[:, 0, twin].sum() == 0
    # the other event fires at the same steps in the runs and their twins (its uniforms are shared)
    assert fired[:, 1, main].sum() > 0 and np.array_equal(fired[:, 1, main], fired[:, 1, twin])


def _reaction(delay):
    return scenario_from_dict({
        "name": "reaction", "seed": 3, "runs": 20, "horizon": 30,
        "actors": {"US": {"strategies": {"ai": "always_cooperate", "chips": {"name": "random", "p": 0.7},
                                         "minerals": "always_cooperate"}},
                   "China": {"strategies": {"ai": "always_cooperate", "chips": "always_cooperate",
                                            "minerals": "always_cooperate"}}},
        "tracks": {"ai": {"role": "channel"}, "chips": {}, "minerals": {}},
        "events": [{"name": "China answers", "when": {"played": "D", "actor": "US", "track": "chips"},
                    "probability": 1, "delay": delay,
                    "effects": [{"force": "D", "actor": "China", "track": "minerals"}]}],
    })


@pytest.mark.parametrize("delay", [0, 1, 2])
def test_conditional_event_answers_each_us_round_after_its_delay(delay):
    model, rec = play(_reaction(delay))
    us = np.array([[r[0, run, 1] for r in rec.realised] for run in range(20)])     # True = C
    china = np.array([[r[1, run, 2] for r in rec.realised] for run in range(20)])
    lag = 1 + delay
    assert (~us).sum() > 50
    expected = np.ones_like(china)
    expected[:, lag:] = us[:, :-lag]      # China defects exactly `lag` steps after each US D
    assert np.array_equal(china, expected)
    assert model.events.counts[0].sum() == (~us[:, :-1]).sum()  # fired at t+1 for every D before the last step


def test_every_event_draws_one_number_per_step_whatever_happens():
    """Adding a conditional event that never fires changes no other event's firing steps."""
    base = _three_tracks(events=[{"name": "Call", "probability": 0.2,
                                  "effects": [{"target": "actors.*.trust", "add": 0.1}]}])
    more = _three_tracks(events=[
        {"name": "Never", "when": {"level": {"track": "chips", "at_most": 0}}, "probability": 0.0,
         "effects": [{"target": "actors.*.trust", "add": 0.1}]},
        {"name": "Call", "probability": 0.2, "effects": [{"target": "actors.*.trust", "add": 0.1}]}])
    a = run_ensemble(scenario_from_dict(base), runs=100).table
    b = run_ensemble(scenario_from_dict(more), runs=100).table
    assert np.array_equal(a["first_fired.call"], b["first_fired.call"])
    assert np.array_equal(a["held"], b["held"])


def test_sampled_parameters_are_keyed_by_path_not_position():
    base = _three_tracks()
    base["actors"]["US"]["trust"] = {"uniform": [0, 1]}
    more = _three_tracks()
    more["actors"]["US"]["noise"] = {"uniform": [0.0, 0.1]}        # a new uncertain parameter before it
    more["actors"]["US"]["trust"] = {"uniform": [0, 1]}
    more["actors"]["China"]["discount"] = {"uniform": [0.5, 0.9]}
    a = run_ensemble(scenario_from_dict(base), runs=50).table
    b = run_ensemble(scenario_from_dict(more), runs=50).table
    assert np.array_equal(a["param.actors.US.trust"], b["param.actors.US.trust"])


def test_robustness_grid_bits_equal_runs_under_each_definition():
    data = _three_tracks()
    data["actors"]["US"]["strategies"]["ai"] = {"name": "tit_for_tat", "linkage": 0.6}
    s = scenario_from_dict(data)
    grid = run_ensemble(s, runs=200, twins=()).table["held_grid"]
    defs = ROBUSTNESS_GRID.unpack(grid, 6, 0.5)
    for key, d, held in [defs[4], defs[13], defs[26], defs[-1]]:
        data2 = {**data, "outcomes": {"channel": {"window": d.window, "threshold": d.threshold,
                                                  "collapse_after": d.collapse_after,
                                                  "prehistory": d.prehistory}}}
        direct = run_ensemble(scenario_from_dict(data2), runs=200, twins=()).table["held"].astype(bool)
        assert np.array_equal(direct, held), key


def test_events_are_addressed_by_name_in_overrides(tmp_path):
    from sim.scenario.load import load_scenario

    path = tmp_path / "s.yaml"
    import yaml

    data = _three_tracks(events=[{"name": "Leaders' call", "probability": 0.2,
                                  "effects": [{"target": "actors.*.trust", "add": 0.1}]}])
    path.write_text(yaml.safe_dump(data))
    by_name = load_scenario(path, ["events.Leaders' call.probability=0.7"])
    by_slug = load_scenario(path, ["events.leaders_call.probability=0.7"])
    for s in (by_name, by_slug):
        assert s.params["events.leaders_call.probability"].value == 0.7


def test_forward_looking_uses_the_best_reply_to_punishment_in_chicken():
    """MODEL section 6 (v2): with belief 1 C iff delta >= (T-R)/(T-max(S,P)) = 0.5 in chicken."""
    from conftest import game_scenario

    for delta, expected in ((0.45, "D"), (0.55, "C")):
        s = game_scenario("forward_looking", "always_cooperate", game="chicken", horizon=1,
                          a_params={"trust": 1.0, "discount": delta})
        _, rec = play(s)
        assert rec.moves(0) == expected


def test_a_run_alone_equals_the_run_in_a_chunk_with_population_and_twins():
    """The shipped baseline (nonstate population, pacified and declared twins): every column of
    runs 25, 41 and 49 is the same simulated alone or in a chunk of 25 runs."""
    from pathlib import Path

    from sim import load_scenario

    s = load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml")
    chunk = run_table(NegotiationModel(s, runs=np.arange(25, 50), twins=[s.pacified(), *s.twins.values()],
                                       collect=False).run())
    for r in (25, 41, 49):
        alone = run_table(NegotiationModel(s, runs=[r], twins=[s.pacified(), *s.twins.values()]).run())
        for col, value in alone.items():
            assert np.array_equal(value[0], chunk[col][r - 25]), (r, col)
