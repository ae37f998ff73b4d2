"""More than two actors (engine only): actors are a list, and each track is played by a pair.

Scenario files keep exactly two actors (docs/model.md, section 3), so a three-actor scenario is
built here from a resolved two-actor one by adding a third actor's definition. An inert third
actor (it plays no track) must leave every number of the two-actor scenario as it was, bit for
bit: the run table, the twins, the step statistics, trajectories and each step's state of the
first two actors. A third actor who takes a seat on one track changes that track only.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim import NegotiationModel, load_scenario, scenario_from_dict
from sim.ensemble.runner import ChunkJob, chunk_arrays, run_ensemble
from sim.model.draws import draw
from sim.streams import generator, keyed_uniforms
from sim.model.trace import format_table, trace_scenario
from sim.scenario.resolved import Scenario

ROOT = Path(__file__).resolve().parent.parent


def small() -> dict:
    """Three tracks with linkage, a sticky rivalry ladder, scheduled, conditional and stochastic
    events, continuation, uncertain parameters, a nonstate population and two declared twins."""
    return {
        "name": "small", "seed": 11, "runs": 40, "horizon": 20, "continuation": 0.95,
        "actors": {
            "US": {"noise": {"uniform": [0.0, 0.1]}, "trust": 0.6, "hawkishness": 0.3, "hawk_sensitivity": 0.05,
                   "hawk_decay": 0.1, "risk_perception": 0.3, "risk_decay": 0.05,
                   "salience": {"ai": 1, "chips": 2, "minerals": 1},
                   "strategies": {"ai": {"name": "forward_looking", "rationality": {"uniform": [1, 5]},
                                         "linkage": {"chips": {"uniform": [0, 0.5]}}},
                                  "chips": {"name": "random", "p": 0.8}, "minerals": "tit_for_tat"}},
            "China": {"noise": 0.05, "trust": {"uniform": [0.4, 0.8]},
                      "strategies": {"ai": {"name": "generous_tit_for_tat", "linkage": 0.3},
                                     "chips": "tit_for_tat", "minerals": {"name": "random", "p": 0.85}}},
        },
        "tracks": {
            "ai": {"role": "channel", "risk_weight": 1},
            "chips": {"audience_weight": 1,
                      "ladder": {"rungs": ["r0", "r1", "r2", "r3", "r4", "r5"], "down_after": 3, "ratchet": 1}},
            "minerals": {"game": "chicken", "level_cost": 0.2, "ladder": {"rungs": ["r0", "r1", "r2", "r3"]}},
        },
        "events": [
            {"name": "Answer", "when": {"played": "D", "actor": "US", "track": "chips"}, "probability": 0.7,
             "delay": {"choice": [0, 1]}, "effects": [{"force": "D", "actor": "China", "track": "minerals"}]},
            {"name": "Summit", "probability": 0.1,
             "effects": [{"target": "actors.*.trust", "add": 0.1}, {"target": "tracks.chips.level", "add": -1}]},
            {"name": "Rule", "at": [3, 9], "effects": [{"force": "D", "actor": "US", "track": "chips"}]},
        ],
        "nonstate": {"groups": 6, "capability": {"beta": [2, 5]}, "intent": {"uniform": [0, 0.06]},
                     "control_tracks": ["chips"], "incident": {"attribution": 0.5}},
        "twins": {"channel_closed": {"force": [{"actor": "*", "track": "ai", "action": "D"}]},
                  "no_summit": {"skip_events": ["Summit"]}},
    }


def with_actor(s: Scenario, name: str, actor: dict, seats: dict[str, int] | None = None) -> Scenario:
    """``s`` with a third actor ``name`` appended; ``seats`` gives it the seat (0 or 1) on these
    tracks in place of the actor sitting there (who then no longer plays them). Its definition is
    resolved the ordinary way, in a two-actor scenario where it stands in for the second actor."""
    seats = seats or {}
    data = dict(s.data)
    first, second = s.actor_names
    tracks = {n: {**t, "game": {name if a == second else a: g for a, g in t["game"].items()}}
              if isinstance(t.get("game"), dict) else t for n, t in data["tracks"].items()}  # asymmetric games
    data.update(name=s.name, actors={first: data["actors"][first], name: actor}, tracks=tracks, events=[], twins={})
    for key in ("patterns", "parameters", "levers", "sweep"):   # may name the replaced actor
        data.pop(key, None)
    donor = scenario_from_dict(data)
    new = len(s.actors)
    third = donor.actors[1]
    third = dataclasses.replace(third, strategies=tuple(
        st if t.name in seats else None for t, st in zip(s.tracks, third.strategies)))
    prefix = f"actors.{name}."
    params = {**s.params, **{p: v for p, v in donor.params.items() if p.startswith(prefix)}}
    ranges = {**s.param_ranges, **{p: v for p, v in donor.param_ranges.items() if p.startswith(prefix)}}
    actors = list(s.actors)
    tracks = list(s.tracks)
    for k, t in enumerate(tracks):
        if t.name in seats:
            seat = seats[t.name]
            leaving = t.players[seat]
            actors[leaving] = dataclasses.replace(actors[leaving], strategies=tuple(
                None if j == k else st for j, st in enumerate(actors[leaving].strategies)))
            players = tuple(new if i == seat else p for i, p in enumerate(t.players))
            tracks[k] = dataclasses.replace(t, players=players)
    return dataclasses.replace(s, actors=(*actors, third), tracks=tuple(tracks), params=params, param_ranges=ranges)


def ally(s: Scenario) -> dict:
    """A third actor unlike the other two (for an inert one its strategies are dropped)."""
    return {"noise": {"uniform": [0.0, 0.2]}, "trust": 0.3, "hawkishness": 0.5, "hawk_sensitivity": 0.2,
            "hawk_decay": 0.1, "risk_perception": 0.4, "risk_decay": 0.1,
            "strategies": {t: "always_defect" for t in s.track_names}}


def scenarios():
    return [pytest.param(lambda: scenario_from_dict(small()), id="small"),
            pytest.param(lambda: load_scenario(ROOT / "scenarios" / "baseline.yaml"), id="baseline")]


@pytest.mark.parametrize("build", scenarios())
def test_an_inert_third_actor_changes_no_number(build):
    two = build()
    three = with_actor(two, "Ally", ally(two))
    assert len(three.actors) == 3 and all(st is None for st in three.actors[2].strategies)
    job = {"seed": two.seed, "runs": range(5, 45), "sample": 12, "twins": None}   # default twins: pacified + declared
    t2, stats2, traj2 = chunk_arrays(ChunkJob(two, **job))
    t3, stats3, traj3 = chunk_arrays(ChunkJob(three, **job))
    assert any(c.startswith("held_") and c != "held_grid" for c in t2)   # twins rode along
    for col, value in t2.items():
        assert np.array_equal(value, t3[col]), col
    assert set(t3) - set(t2) == {*(f"{x}.Ally" for x in ("payoff", "trust", "hawkishness", "risk_perception")),
                                 "param.actors.Ally.noise"}   # its one uncertain parameter
    assert np.array_equal(t3["payoff.Ally"], np.zeros(40))
    for col, value in traj2.items():
        assert np.array_equal(value, traj3[col]), col
    assert set(traj3) - set(traj2) == {"trust.Ally"}   # no move columns: it plays nowhere
    for name in ("alive", "mutual", "open"):
        assert np.array_equal(getattr(stats2, name), getattr(stats3, name)), name
    assert np.array_equal(stats2.trust, stats3.trust[:, :2])
    assert np.array_equal(stats2.trust_sum, stats3.trust_sum[:, :2])
    for a, b in zip(stats2.levels, stats3.levels):
        assert np.array_equal(a, b)
    if stats2.nonstate is not None:
        assert np.array_equal(stats2.nonstate, stats3.nonstate)
        assert np.array_equal(stats2.nonstate_sum, stats3.nonstate_sum)
    # through the ensemble runner, in chunks
    e2 = run_ensemble(two, runs=30, chunk_size=13).table
    e3 = run_ensemble(three, runs=30, chunk_size=13).table
    for col, value in e2.items():
        assert np.array_equal(value, e3[col]), col


STATE = ("belief", "pi", "pi_prev", "triggered", "last", "intended", "realised", "payoff", "last_payoff",
         "hawkishness", "risk_perception")


@pytest.mark.parametrize("build", scenarios())
def test_an_inert_third_actor_leaves_every_step_of_the_first_two_as_it_was(build):
    two = build()
    three = with_actor(two, "Ally", ally(two))
    twins = [two.pacified(), *two.twins.values()]
    m2 = NegotiationModel(two, runs=np.arange(12), twins=twins)
    m3 = NegotiationModel(three, runs=np.arange(12), twins=twins)
    third = m3.actors[2]
    assert not third.plays.any()
    start = {x: getattr(third, x).copy() for x in ("belief", "last", "realised")}
    while m2.running:
        m2.step()
        m3.step()
        assert m3.running == m2.running
        for i in (0, 1):
            for x in STATE:
                assert np.array_equal(getattr(m2.actors[i], x), getattr(m3.actors[i], x)), (m2.t, i, x)
        assert np.array_equal(m2.levels(), m3.levels())
        assert np.array_equal(m2.outcome.open, m3.outcome.open)
        assert np.array_equal(m2.events.counts, m3.events.counts)
        if m2.population is not None:
            assert np.array_equal(m2.population.incidents, m3.population.incidents)
        # it makes no move, scores nothing and perceives nothing
        assert not third.payoff.any() and not third.last_payoff.any()
        for x, value in start.items():
            assert np.array_equal(getattr(third, x), value), x
    assert m2.datacollector.get_model_vars_dataframe().equals(
        m3.datacollector.get_model_vars_dataframe().drop(columns=["trust_Ally", "payoff_Ally"]))


def test_the_first_two_actors_keep_their_random_numbers_and_the_third_has_its_own():
    two = scenario_from_dict(small())
    three = with_actor(two, "Ally", ally(two))
    runs = np.array([0, 3, 4, 9])
    d2, d3 = draw(two, 7, runs), draw(three, 7, runs)
    k = len(two.tracks)
    assert d2.slots.size == d2.slots.drawn == 1 + 4 * k
    assert d3.slots.size == 1 + 6 * k and d3.slots.drawn == 1 + 4 * k
    assert np.array_equal(d3.block[:, :d2.slots.size], d2.block)
    # the continuation slot and the first two actors' slots: the run's own PCG64 generator, row-major
    for i, r in enumerate(runs):
        assert np.array_equal(d2.block[:, :, i], generator(7, "dynamics", int(r)).random((two.horizon, 1 + 4 * k)))
    # the third actor's slots: its keyed stream, per run horizon rows of (strategy, noise) per track
    u = keyed_uniforms(7, "actor", "Ally", runs, two.horizon * 2 * k).reshape(len(runs), two.horizon, 2 * k)
    for track in range(k):
        assert np.array_equal(d3.block[:, d3.slots.strategy(2, track)], u[:, :, 2 * track].T)
        assert np.array_equal(d3.block[:, d3.slots.noise(2, track)], u[:, :, 2 * track + 1].T)


def rivalry_pair() -> Scenario:
    """No linkage, no hawkishness feedback, no events: the tracks are independent of each other."""
    return scenario_from_dict({
        "name": "pair", "seed": 4, "runs": 30, "horizon": 15,
        "actors": {
            "US": {"noise": 0.1, "strategies": {"ai": "tit_for_tat", "chips": {"name": "random", "p": 0.7},
                                                "minerals": {"name": "tit_for_tat", "noise": 0}}},
            "China": {"noise": 0.1, "strategies": {"ai": "tit_for_tat", "chips": "tit_for_tat",
                                                   "minerals": {"name": "random", "p": 0.5}}},
        },
        "tracks": {"ai": {"role": "channel"}, "chips": {},
                   "minerals": {"ladder": {"rungs": [f"r{i}" for i in range(12)]}}},
    })


def test_a_third_actor_in_a_seat_changes_only_that_track():
    """Ally takes China's seat on minerals: Ally plays always_defect (no noise), the US answers
    with tit-for-tat; the channel and the chip track are exactly as before."""
    two = rivalry_pair()
    defector = {"noise": 0, "strategies": {t: "always_defect" for t in ("ai", "chips", "minerals")}}
    three = with_actor(two, "Ally", defector, seats={"minerals": 1})
    assert three.tracks[2].players == (0, 2) and three.actors[1].strategies[2] is None
    m2 = NegotiationModel(two, runs=np.arange(30)).run()
    m3 = NegotiationModel(three, runs=np.arange(30)).run()
    from sim.ensemble.runner import run_table

    t2, t3 = run_table(m2), run_table(m3)
    channel = ["run", "length", "held", "break_step", "open_share", "engaged_share", "open_at_end", "suspensions",
               "first_suspension", "held_grid"]
    for col in channel + [f"{x}.{t}" for x in ("coop_rate", "mutual_coop", "final_level", "peak_level")
                          for t in ("ai", "chips")]:
        assert np.array_equal(t2[col], t3[col]), col
    assert not np.array_equal(t2["final_level.minerals"], t3["final_level.minerals"])
    _, china, al = m3.actors
    assert not al.realised[:, 2].any()                       # always D
    assert np.array_equal(al.plays, [False, False, True]) and np.array_equal(china.plays, [True, True, False])
    # China's play and payoffs on its two tracks are as before; it scores nothing on minerals
    assert np.array_equal(m2.actors[1].realised[:, :2], china.realised[:, :2])
    assert np.array_equal(m2.actors[1].last_payoff[:, :2], china.last_payoff[:, :2])
    assert not china.last_payoff[:, 2].any()
    # the US answers Ally: tit-for-tat against permanent D is D from the second step on
    rec = list(trace_scenario(three, run=3))
    assert [r.tracks[2].realised for r in rec] == [(True, False)] + [(False, False)] * (len(rec) - 1)
    assert all(r.tracks[2].players == (0, 2) for r in rec)
    # the ladder climbs one rung per D: 1 after the first step, then 2 a step, to the top
    assert [r.tracks[2].level for r in rec] == [min(1 + 2 * t, 11) for t in range(len(rec))]
    # prisoner's dilemma: Ally gets T (5) on the first step, then P (1); it plays nowhere else
    n = len(rec)
    assert t3["payoff.Ally"][3] == 5.0 + (n - 1)
    assert "Ally" in format_table(three, rec).splitlines()[1]


def test_players_must_be_two_different_actors_with_strategies():
    s = rivalry_pair()
    bad = dataclasses.replace(s, tracks=(dataclasses.replace(s.tracks[0], players=(1, 1)), *s.tracks[1:]))
    with pytest.raises(ValueError, match="players"):
        NegotiationModel(bad, runs=[0])
    three = with_actor(s, "Ally", {"strategies": {"ai": "tit_for_tat", "chips": "tit_for_tat",
                                                   "minerals": "tit_for_tat"}})
    seated = dataclasses.replace(three, tracks=(dataclasses.replace(three.tracks[0], players=(0, 2)),
                                                *three.tracks[1:]))
    with pytest.raises(ValueError, match="no strategy"):
        NegotiationModel(seated, runs=[0])


def test_scenario_files_still_have_exactly_two_actors():
    data = rivalry_pair().data
    data["actors"]["Ally"] = dict(data["actors"]["China"])
    from sim.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match="expected exactly 2 actors, got 3"):
        scenario_from_dict(data)


def test_incidents_reach_the_channels_two_players():
    """With Ally in China's seat on the channel, misuse incidents raise Ally's risk perception and
    may be blamed by it (its attribution draws come from its own stream); China is not touched."""
    data = small()
    data["actors"]["China"]["risk_perception"] = 0.1     # no risk_decay: only incidents could move it
    data["nonstate"]["intent"] = {"uniform": [0.2, 0.4]}
    data["nonstate"]["incident"] = {"attribution": 0.5, "blame_trust": 0.05}
    two = scenario_from_dict(data)
    three = with_actor(two, "Ally", {"risk_perception": 0.1, "trust": 0.9,
                                     "strategies": {t: "tit_for_tat" for t in two.track_names}}, seats={"ai": 1})
    m = NegotiationModel(three, runs=np.arange(20), twins=[three.pacified(), *three.twins.values()]).run()
    assert m.population.incidents.sum() > 0
    china, third = m.actors[1], m.actors[2]
    assert np.all(china.risk_perception == 0.1)
    assert (third.risk_perception > 0.1).any()
    assert (third.belief[:, 1:] < 0.9).any()    # blamed: beliefs on tracks it does not play fell too


def test_a_three_actor_ensemble_saves_end_to_end(tmp_path):
    """``Ensemble.save()`` of a three-actor scenario: the folder records the scenario that ran
    (``resolved.json``, with the seats), and the theory panel and the report read seats, not actor
    indices: the third actor is found on the track where it sits, with its own rule and payoffs."""
    import json

    import sim

    two = scenario_from_dict(small())
    three = with_actor(two, "Ally", ally(two), seats={"chips": 1})
    folder = sim.simulate(three, runs=20).save(tmp_path)
    resolved = json.loads((folder / "resolved.json").read_text())
    assert resolved["seats"] == {"ai": ["US", "China"], "chips": ["US", "Ally"], "minerals": ["US", "China"]}
    assert [a["name"] for a in resolved["actors"]] == ["US", "China", "Ally"] and resolved["source"] == two.file
    theory = {t["track"]: t for t in json.loads((folder / "theory.json").read_text())["tracks"]}
    assert theory["chips"]["players"] == ["US", "Ally"] and set(theory["chips"]["actors"]) == {"US", "Ally"}
    assert theory["chips"]["actors"]["Ally"]["strategy"] == "always_defect"
    assert theory["chips"]["actors"]["US"]["strategy"] == "random"
    assert theory["ai"]["players"] == ["US", "China"]
    report = (folder / "report.html").read_text()
    assert "<th>parameter</th><th>US</th><th>China</th><th>Ally</th>" in report
    assert "Ally: R" in report and "China: R" in report
