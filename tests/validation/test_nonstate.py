"""The nonstate population (the model's section on nonstate actors, version 2).

With no diffusion and safeguards held at a fixed strength s, each group's misuse attempts are
independent Bernoulli draws, so incidents per step are a sum of independent Bernoulli variables
with mean sum_i intent_i c_i (1 - effect s), and binomial when all groups are alike (Feller,
An Introduction to Probability Theory and Its Applications, vol. 1, ch. VI). Safeguards are held at
s = 1 by a channel engaged every step with build 1 (s -> s + 1 (1 - s) = 1 before the first
attempt), and at s = 0 by a channel never engaged with start 0 and build 0. Tolerances: 4 standard
errors of the mean, and a dispersion test of the counts.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim import NegotiationModel, scenario_from_dict
from sim.ensemble.runner import run_table

G, T, RUNS = 20, 30, 4000


def population_scenario(channel: str, build: float, intent=0.01, capability=0.4, effect=0.5, **extra):
    return scenario_from_dict({
        "name": "pop", "seed": 7, "runs": RUNS, "horizon": T,
        "actors": {side: {"strategies": {"ai": channel, "chips": "always_cooperate"}} for side in ("A", "B")},
        "tracks": {"ai": {"role": "channel"}, "chips": {}},
        "nonstate": {"groups": G, "capability": capability, "diffusion": 0, "intent": intent,
                     "safeguards": {"start": 0, "build": build, "decay": 0.1, "effect": effect},
                     "incident": {"risk": 0.0, "attribution": 0.0}},
        **extra,
    })


@pytest.mark.parametrize("channel, build, s", [("always_cooperate", 1.0, 1.0), ("always_defect", 0.0, 0.0)])
def test_incidents_are_binomial_with_the_stated_mean(channel, build, s):
    sc = population_scenario(channel, build)
    table = run_table(NegotiationModel(sc, runs=RUNS).run())
    p = 0.01 * 0.4 * (1 - 0.5 * s)
    n = table["incidents"]
    expected_mean, expected_var = G * T * p, G * T * p * (1 - p)       # Binomial(G T, p) per run
    assert abs(n.mean() - expected_mean) <= 4 * np.sqrt(expected_var / RUNS)
    # dispersion: (RUNS - 1) s^2 / var is chi-square with RUNS - 1 degrees of freedom
    stat = (RUNS - 1) * n.var(ddof=1) / expected_var
    assert stats.chi2.sf(stat, RUNS - 1) > 1e-4 and stats.chi2.cdf(stat, RUNS - 1) > 1e-4
    assert np.all(table["safeguards_final"] == s)


def test_unequal_groups_sum_their_bernoulli_means():
    """intent ~ choice of two values per group: the mean is sum_i intent_i c (1 - effect s), here
    with s = 0, read off each run's own drawn intents."""
    sc = population_scenario("always_defect", 0.0, intent={"choice": [0.0, 0.02]})
    model = NegotiationModel(sc, runs=RUNS).run()
    n = run_table(model)["incidents"]
    per_run = model.population.intent.sum(axis=0) * 0.4 * T      # expected incidents of each run
    assert abs(n.mean() - per_run.mean()) <= 4 * np.sqrt(per_run.mean() / RUNS)
    assert np.corrcoef(n, per_run)[0, 1] > 0.3


def test_population_with_no_effect_changes_nothing_else():
    """A population that can never cause an incident draws only from its own streams: every
    other column is bit-for-bit what the scenario gives without a population."""
    base = {
        "name": "pop", "seed": 3, "runs": 300, "horizon": 24,
        "actors": {"US": {"noise": 0.05, "trust": {"uniform": [0.3, 0.8]},
                          "strategies": {"ai": {"name": "generous_tit_for_tat", "linkage": 0.4}, "chips": "tit_for_tat"}},
                   "China": {"noise": 0.05, "strategies": {"ai": "forward_looking", "chips": {"name": "random", "p": 0.8}}}},
        "tracks": {"ai": {"role": "channel"}, "chips": {}},
        "events": [{"name": "Call", "probability": 0.1, "effects": [{"target": "actors.*.trust", "add": 0.1}]}],
    }
    with_pop = {**base, "nonstate": {"intent": 0.0, "capability": {"beta": [2, 8]}}}
    a = run_table(NegotiationModel(scenario_from_dict(base), runs=300, twins=()).run())
    b = run_table(NegotiationModel(scenario_from_dict(with_pop), runs=300, twins=()).run())
    for col, values in a.items():
        assert np.array_equal(values, b[col]), col
    assert b["incidents"].sum() == 0 and "param.nonstate.capability.mean" in b


def test_incident_raises_risk_and_blame_cuts_trust():
    sc = population_scenario("always_cooperate", 0.0, intent=1.0, capability=1.0, effect=0.0)
    data = sc.data
    data["nonstate"]["incident"] = {"risk": 0.1, "attribution": 1.0, "blame_trust": 0.05, "blame_hawkishness": 0.02}
    data["horizon"] = 1
    m = NegotiationModel(scenario_from_dict(data), runs=5).run()
    n = m.population.incidents                                   # every group succeeds: G incidents
    assert np.all(n == G)
    for a in m.actors:
        assert np.allclose(a.risk_perception, min(1.0, G * 0.1))
        assert np.allclose(a.hawkishness, min(1.0, G * 0.02))
        assert np.all(a.belief == 0.0)                          # 0.5 - 20 * 0.05 clipped at 0


def test_events_react_to_incidents():
    sc = population_scenario("always_cooperate", 0.0, intent=0.02, events=[
        {"name": "Emergency meeting", "when": {"incidents": {"at_least": 1}}, "probability": 1,
         "effects": [{"target": "actors.*.trust", "add": 0.0}]}])
    m = NegotiationModel(sc, runs=200).run()
    table = run_table(m)
    had = table["incidents"] > 0
    first = table["first_incident"]
    fired = table["first_fired.emergency_meeting"]
    assert had.any()
    # judged on the state after the previous step: it fires the step after the first incident
    assert np.array_equal(fired[had & (first < T - 1)], first[had & (first < T - 1)] + 1)
    assert np.all(fired[~had] == -1)


def test_trace_shows_an_incident_and_its_effect_on_risk():
    from sim.model.trace import format_table, trace_scenario

    sc = population_scenario("always_cooperate", 0.0, intent=0.05, capability=0.5)
    data = sc.data
    data["nonstate"]["incident"] = {"risk": 0.2, "attribution": 1.0, "blame_trust": 0.1, "blame_hawkishness": 0.0}
    sc = scenario_from_dict(data)
    recs = list(trace_scenario(sc))
    hit = next(i for i, r in enumerate(recs) if r.incidents)
    before = recs[hit - 1].actors[0].trust if hit else 0.5
    assert recs[hit].actors[0].trust < before          # blamed: beliefs fall
    assert "misuse incident" in format_table(sc, recs).splitlines()[2 + hit]
