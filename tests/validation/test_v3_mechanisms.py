"""Model version 3 (MODEL.md section 13) against closed forms.

Each mechanism of version 3 is put in a scenario small enough that its effect has a closed form,
computed here from the text of MODEL.md, never from the engine:

* 13.1, the decision scale: a logit (quantal-response) choice between C and D (McKelvey, R. D. and
  Palfrey, T. R. 1995, "Quantal response equilibria for normal form games", Games and Economic
  Behavior 10: 6-38) on the per-step equivalent (1 - delta)(V_C - V_D) of the expected values of
  MODEL.md section 6; ``value_scale: total`` on V_C - V_D itself (version 2).
* 13.2, freezes and thaws: a freeze that the thaw draw ends with chance r each step lasts a
  geometric number of steps (Feller, An Introduction to Probability Theory and Its Applications,
  vol. 1, ch. XIII), cut at the horizon; a freeze that answers a tagged event fires on independent
  Bernoulli trials, so its count is binomial (Feller, ch. VI); the timing and the thaw at a
  leaders' meeting are deterministic and checked move by move.
* 13.3, level linkage and the two-level (audience) term (Putnam, R. D. 1988, "Diplomacy and
  domestic politics: the logic of two-level games", International Organization 42(3): 427-460):
  perceived cooperation pi (1 - x p) makes tit-for-tat cooperate with probability 1 - x p against
  a cooperator; an audience term adds h * audience_weight to T and P, which moves the
  folk-theorem threshold of section 9 to (T' - R)/(T' - max(S, P')).
* 13.4, rules under uncertainty: a rule drawn once per run with weights w has multinomial
  shares w / sum(w), and each run plays exactly the rule it drew.
* Mechanism twins (13.3): a twin that sets a parameter differs from its run only where that
  parameter acts, and is, run by run, the scenario edited to that value.

Tolerances: deterministic statements are exact. Shares of Bernoulli draws are within 4.5 binomial
standard errors of the closed form (a two-sided chance of about 7e-6 per check when the model is
right); distributions are compared by a chi-square goodness-of-fit test and counts by a dispersion
test, each failing only when its p-value is below 1e-4.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import play
from scipy import stats

from sim import NegotiationModel, scenario_from_dict
from sim.ensemble.runner import run_ensemble, run_table
from sim.strategies import Observation, cooperate_probability

Z = 4.5        # binomial standard errors allowed
P_MIN = 1e-4   # smallest p-value of a goodness-of-fit or dispersion test that passes

PD = {"R": 3.0, "S": 0.0, "T": 5.0, "P": 1.0}       # MODEL.md section 4, prisoners_dilemma
CHICKEN = {"R": 3.0, "S": 1.0, "T": 5.0, "P": 0.0}  # MODEL.md section 4, chicken


# -- independent closed forms ------------------------------------------------------------------


def values(b: float, d: float, R: float, S: float, T: float, P: float) -> tuple[float, float]:
    """V_C and V_D of MODEL.md section 6, written out again."""
    M = max(S, P)
    v_c = b * R / (1 - d) + (1 - b) * (S + d * M / (1 - d))
    v_d = b * (T + d * M / (1 - d)) + (1 - b) * (P + d * M / (1 - d))
    return v_c, v_d


def logit_c(beta: float, d: float, b: float, pay: dict, total: bool = False) -> float:
    """MODEL.md 13.1: 1 / (1 + exp(-beta (1-delta) (V_C - V_D))); ``total``: without (1-delta)."""
    v_c, v_d = values(b, d, **pay)
    gap = (v_c - v_d) if total else (1 - d) * (v_c - v_d)
    return 1.0 / (1.0 + math.exp(-beta * gap))


def within(share: float, p: float, n: int, z: float = Z) -> bool:
    """``share`` of n Bernoulli(p) draws is within z standard errors of p (exact when p is 0 or 1)."""
    return abs(share - p) <= z * math.sqrt(p * (1 - p) / n) + 1e-12


def channel_break(engaged: list[bool], window=6, threshold=0.5, collapse_after=3) -> int:
    """Break step of the channel (MODEL.md section 8, prehistory true): the first step of the
    suspension that became a collapse, -1 if it held."""
    history = [True] * window
    spell, start = 0, -1
    for t, e in enumerate(engaged):
        history = history[1:] + [e]
        if sum(history) >= threshold * window - 1e-9:
            spell = 0
            continue
        if spell == 0:
            start = t
        spell += 1
        if spell >= collapse_after:
            return start
    return -1


def moves(rec, actor: int, run: int = 0, track: int = 0) -> str:
    return rec.moves(actor, run, track)


# -- scenarios ---------------------------------------------------------------------------------


def one_track(us, china, horizon=1, runs=1, seed=0, us_params=None, china_params=None, track=None, events=(),
              **extra):
    """A lone channel track ``ai`` between US and China."""
    return scenario_from_dict({
        "name": "v3", "seed": seed, "runs": runs, "horizon": horizon,
        "actors": {"US": {**(us_params or {}), "strategies": {"ai": us}},
                   "China": {**(china_params or {}), "strategies": {"ai": china}}},
        "tracks": {"ai": dict(track or {})},
        "events": list(events),
        **extra,
    })


def first_moves(scenario, runs: int) -> np.ndarray:
    """US's realised move (True = C) at step 0 in each of ``runs`` runs."""
    m = NegotiationModel(scenario, runs=runs, twins=(), collect=False, grid=False)
    m.step()
    return m.actors[0].realised[:, 0].copy()


# == 13.1 The decision scale ===================================================================

LOGIT_CASES = [
    # (beta, delta, belief, game): per-step gaps +1.06, -0.35 and +0.4 (chicken: M = S)
    (1.0, 0.8, 0.9, "prisoners_dilemma"),
    (2.0, 0.5, 0.3, "prisoners_dilemma"),
    (3.0, 0.6, 0.5, "chicken"),
]
GAMES = {"prisoners_dilemma": PD, "chicken": CHICKEN}
N_LOGIT = 20_000


@pytest.mark.parametrize("beta, delta, b, game", LOGIT_CASES)
@pytest.mark.parametrize("scale", ["step", "total"])
def test_logit_share_of_c_at_step_zero(beta, delta, b, game, scale):
    """MODEL.md 13.1 (McKelvey and Palfrey 1995): forward_looking with rationality beta, belief b
    held fixed (trust b, trust_learning 0), no noise, against always_cooperate: C at step 0 with
    probability 1/(1 + exp(-beta (1-delta)(V_C - V_D))), or with ``value_scale: total`` on
    V_C - V_D. Tolerance: 4.5 binomial standard errors over 20,000 runs."""
    entry = {"name": "forward_looking", "rationality": beta}
    if scale == "total":
        entry["value_scale"] = "total"
    s = scenario_from_dict({
        "name": "logit", "seed": 11, "runs": N_LOGIT, "horizon": 1,
        "actors": {"US": {"trust": b, "trust_learning": 0.0, "discount": delta, "noise": 0.0,
                          "strategies": {"ai": entry}},
                   "China": {"strategies": {"ai": "always_cooperate"}}},
        "tracks": {"ai": {"game": game}},
    })
    share = first_moves(s, N_LOGIT).mean()
    p = logit_c(beta, delta, b, GAMES[game], total=scale == "total")
    assert within(share, p, N_LOGIT), (share, p)


def test_total_scale_is_visibly_different_and_top_level_key_is_its_default():
    """MODEL.md 13.1: at delta 0.8 the per-step gap is a fifth of the total one, so the two scales
    give clearly different shares (0.743 and 0.995 here, computed from the formulas); the top-level
    ``value_scale: total`` is the default of every entry and draws the same moves as the entry key
    (the same random numbers), and an entry's own ``value_scale: step`` overrides it."""
    beta, delta, b = 1.0, 0.8, 0.9
    p_step, p_total = logit_c(beta, delta, b, PD), logit_c(beta, delta, b, PD, total=True)
    assert p_total - p_step > 0.2

    def scenario(entry_scale=None, top=None):
        entry = {"name": "forward_looking", "rationality": beta}
        if entry_scale:
            entry["value_scale"] = entry_scale
        data = {"name": "scale", "seed": 4, "runs": N_LOGIT, "horizon": 1,
                "actors": {"US": {"trust": b, "trust_learning": 0.0, "discount": delta,
                                  "strategies": {"ai": entry}},
                           "China": {"strategies": {"ai": "always_cooperate"}}},
                "tracks": {"ai": {}}}
        if top:
            data["value_scale"] = top
        return scenario_from_dict(data)

    step, total = first_moves(scenario(), N_LOGIT), first_moves(scenario("total"), N_LOGIT)
    assert within(step.mean(), p_step, N_LOGIT) and within(total.mean(), p_total, N_LOGIT)
    assert np.array_equal(first_moves(scenario(top="total"), N_LOGIT), total)
    assert np.array_equal(first_moves(scenario("step", top="total"), N_LOGIT), step)


def test_infinite_rationality_is_the_deterministic_rule_at_both_scales():
    """MODEL.md 13.1: the deterministic rule is unchanged; C iff V_C >= V_D (here V_C 13.9 > V_D 8.6
    at b 0.9, delta 0.8; D at b 0.3, delta 0.5 where V_C 2.5 < V_D 3.2). Exact."""
    for b, delta in ((0.9, 0.8), (0.3, 0.5)):
        v_c, v_d = values(b, delta, **PD)
        for scale in ("step", "total"):
            s = one_track({"name": "forward_looking", "value_scale": scale}, "always_cooperate", horizon=5,
                          us_params={"trust": b, "trust_learning": 0.0, "discount": delta})
            _, rec = play(s)
            assert moves(rec, 0) == ("C" if v_c >= v_d else "D") * 5


def _obs(b, d, pay, n):
    full = lambda x: np.full(n, float(x))  # noqa: E731
    return Observation(0, np.ones(n, dtype=bool), full(1), full(1), np.zeros(n, dtype=bool), np.asarray(b, float),
                       full(pay["R"]), full(pay["S"]), full(pay["T"]), full(pay["P"]), np.asarray(d, float))


def test_cooperate_probability_matches_the_formula_on_a_grid():
    """MODEL.md 13.1, the function itself on a grid of belief, discount and beta, both scales, for
    the prisoner's dilemma and chicken; infinite beta is the indicator of V_C >= V_D.
    Tolerance: 1e-12 (floating point)."""
    b, d, beta = (x.ravel() for x in np.meshgrid(np.linspace(0, 1, 11), [0.0, 0.3, 0.5, 0.8, 0.95],
                                                  [0.1, 1.0, 4.0, np.inf], indexing="ij"))
    for pay in (PD, CHICKEN):
        obs = _obs(b, d, pay, len(b))
        for total in (False, True):
            got = cooperate_probability(obs, beta, total=total)
            want = []
            for bi, di, be in zip(b, d, beta):
                if np.isinf(be):
                    v_c, v_d = values(bi, di, **pay)
                    want.append(1.0 if v_c >= v_d else 0.0)
                else:
                    want.append(logit_c(be, di, bi, pay, total=total))
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_one_payoff_unit_a_step_at_beta_one_is_0_73_at_every_discount():
    """MODEL.md 13.1's example: beta 1 and a gain of one payoff unit a step gives C with probability
    0.73, whatever delta. With b 1, R 1 and S = T = P = 0, V_C = 1/(1-delta) and V_D = 0: one unit
    a step. On the total scale the same gain gives 1/(1 + exp(-1/(1-delta))), which grows with delta."""
    pay = {"R": 1.0, "S": 0.0, "T": 0.0, "P": 0.0}
    deltas = np.array([0.0, 0.5, 0.9, 0.99])
    obs = _obs(np.ones(4), deltas, pay, 4)
    p = cooperate_probability(obs, 1.0)
    assert np.allclose(p, 1 / (1 + math.exp(-1)), atol=1e-12) and round(float(p[0]), 2) == 0.73
    total = cooperate_probability(obs, 1.0, total=True)
    np.testing.assert_allclose(total, 1 / (1 + np.exp(-1 / (1 - deltas))), atol=1e-12)


# == 13.2 Freeze and thaw ======================================================================

N_THAW, H_THAW, T0 = 20_000, 24, 4


def frozen_scenario(rate, runs=N_THAW, horizon=H_THAW, at=T0, actor="China", china_noise=0.0):
    return one_track("always_cooperate", "always_cooperate", horizon=horizon, runs=runs, seed=21,
                     china_params={"noise": china_noise}, track={"thaw_rate": rate},
                     events=[{"name": "Walkout", "at": at, "effects": [{"freeze": "ai", "actor": actor}]}])


def truncated_geometric(r: float, n: int) -> np.ndarray:
    """P(frozen months = d), d = 1..n: geometric on 1, 2, ... with P(d) = (1-r)^(d-1) r, its tail
    from n on lumped at n (the horizon cuts the freeze)."""
    d = np.arange(1, n + 1)
    p = (1 - r) ** (d - 1) * r
    p[-1] = (1 - r) ** (n - 1)
    return p


@pytest.mark.parametrize("rate", [0.15, 0.4])
def test_frozen_months_are_geometric_cut_at_the_horizon(rate):
    """MODEL.md 13.2 (Feller ch. XIII): a freeze that begins at step 4 with thaw_rate r and no thaw
    event lasts D steps, P(D = d) = (1-r)^(d-1) r, cut at the 20 steps left. Every run has exactly
    one freeze, first at step 4. Chi-square goodness of fit over the 20 values (p > 1e-4) and the
    mean within 4.5 standard errors of the closed form, 20,000 runs."""
    t = run_table(NegotiationModel(frozen_scenario(rate), runs=N_THAW, twins=(), grid=False, collect=False).run())
    n = H_THAW - T0
    p = truncated_geometric(rate, n)
    assert abs(p.sum() - 1) < 1e-12
    months = t["frozen_months"]
    assert months.min() >= 1 and months.max() <= n
    observed = np.bincount(months, minlength=n + 1)[1:]
    expected = N_THAW * p
    keep = expected >= 5                       # pool the sparse tail of the fast thaw
    obs_k = np.append(observed[keep], observed[~keep].sum())
    exp_k = np.append(expected[keep], expected[~keep].sum())
    if exp_k[-1] == 0:
        obs_k, exp_k = obs_k[:-1], exp_k[:-1]
    assert stats.chisquare(obs_k, exp_k).pvalue > P_MIN
    d = np.arange(1, n + 1)
    mean, var = (d * p).sum(), (d * d * p).sum() - (d * p).sum() ** 2
    assert abs(mean - (1 - (1 - rate) ** n) / rate) < 1e-9     # the cut geometric's mean, two ways
    assert abs(months.mean() - mean) <= Z * math.sqrt(var / N_THAW)
    assert np.all(t["freezes"] == 1) and np.all(t["frozen"] == 1) and np.all(t["first_freeze"] == T0)


def test_frozen_steps_are_one_spell_of_d_from_the_freeze():
    """MODEL.md 13.2: the frozen actor plays D at every step from the effect's step while frozen and
    its own rule (here always C, no noise) after the thaw draw ends it: D exactly at steps
    4 .. 4 + frozen_months - 1. Exact, in each of 300 runs."""
    runs = 300
    s = frozen_scenario(0.3, runs=runs)
    model, rec = play(s, runs=runs)
    t = run_table(model)
    for r in range(runs):
        k = int(t["frozen_months"][r])
        assert moves(rec, 1, r) == "C" * T0 + "D" * k + "C" * (H_THAW - T0 - k), r
        assert moves(rec, 0, r) == "C" * H_THAW


@pytest.mark.parametrize("rate, months", [(0.0, H_THAW - T0), (1.0, 1)])
def test_thaw_rate_zero_freezes_to_the_end_and_one_for_one_step(rate, months):
    """MODEL.md 13.2: with thaw_rate 0 and no thaw a freeze lasts to the end, horizon - t0 steps;
    with thaw_rate 1 it ends after its first step. Exact."""
    t = run_table(NegotiationModel(frozen_scenario(rate, runs=200), runs=200, twins=(), collect=False).run())
    assert np.all(t["frozen_months"] == months) and np.all(t["freezes"] == 1)


def test_channel_frozen_condition_reads_the_state_after_the_previous_step():
    """MODEL.md 13.2 and 7: ``{channel: frozen}`` holds while a freeze is on, judged on the state
    after the previous step. A freeze from step 4 with thaw_rate 0: the condition first holds at
    step 5 and at every step after, so an event on it fires 24 - 5 times. Exact."""
    s = one_track("always_cooperate", "always_cooperate", horizon=H_THAW, runs=50, track={"thaw_rate": 0.0},
                  events=[{"name": "Walkout", "at": T0, "effects": [{"freeze": "ai", "actor": "China"}]},
                          {"name": "Noticed", "when": {"channel": "frozen"},
                           "effects": [{"target": "actors.US.hawkishness", "add": 0.01}]}])
    t = run_ensemble(s, runs=50, twins=()).table
    assert np.all(t["first_fired.noticed"] == T0 + 1) and np.all(t["fired.noticed"] == H_THAW - T0 - 1)


N_BIN, H_BIN = 10_000, 25


def test_freezes_after_tagged_events_are_binomial():
    """MODEL.md 13.2 (Feller ch. VI): two stochastic events tagged ``sovereignty`` with per-step
    probabilities q1 0.2 and q2 0.25, and a freeze ``when: {fired_tag: sovereignty}`` with
    probability f 0.5 and thaw_rate 1. The condition reads the previous step, is false at t = 0, and
    holds when either tagged event fired, so at each of the steps 1..24 the freeze fires on an
    independent trial of probability p = (1 - (1-q1)(1-q2)) f = 0.2: its count is
    Binomial(24, 0.2). Each freeze lasts one step, so frozen months equal that count; two freezes
    on consecutive steps make one spell, so the number of spells has mean p + 23 p (1-p).
    Tolerances: means within 4.5 standard errors over 10,000 runs; dispersion test p > 1e-4."""
    q1, q2, f = 0.2, 0.25, 0.5
    hawk = {"target": "actors.China.hawkishness", "add": 0.01}
    s = one_track("always_cooperate", "always_cooperate", horizon=H_BIN, runs=N_BIN, seed=5,
                  track={"thaw_rate": 1.0},
                  events=[{"name": "Arms sale", "tags": ["sovereignty"], "probability": q1, "effects": [hawk]},
                          {"name": "Transit", "tags": ["sovereignty", "strait"], "probability": q2, "effects": [hawk]},
                          {"name": "Protest", "when": {"fired_tag": "sovereignty"}, "probability": f,
                           "effects": [{"freeze": "ai", "actor": "China"}]}])
    t = run_table(NegotiationModel(s, runs=N_BIN, twins=(), grid=False, collect=False).run())
    p = (1 - (1 - q1) * (1 - q2)) * f
    n = H_BIN - 1
    count = t["fired.protest"]
    assert abs(count.mean() - n * p) <= Z * math.sqrt(n * p * (1 - p) / N_BIN)
    chi = (N_BIN - 1) * count.var(ddof=1) / (n * p * (1 - p))
    assert stats.chi2.sf(chi, N_BIN - 1) > P_MIN and stats.chi2.cdf(chi, N_BIN - 1) > P_MIN
    assert np.array_equal(t["frozen_months"], count)
    spells = p + (n - 1) * p * (1 - p)
    assert abs(t["freezes"].mean() - spells) <= Z * t["freezes"].std(ddof=1) / math.sqrt(N_BIN)
    assert np.all(t["first_fired.protest"] != 0)       # never at t = 0: no previous step
    assert np.array_equal(t["first_freeze"], t["first_fired.protest"])


@pytest.mark.parametrize("s_at", [0, 5])
def test_freeze_answers_the_tagged_event_from_the_next_step_and_noise_never_flips_it(s_at):
    """MODEL.md 13.2: a scheduled event tagged ``sovereignty`` at step s and a freeze on
    ``{fired_tag: sovereignty}`` (thaw_rate 0): China plays D at every step from s + 1, in every
    run, though its noise is 0.5 (a frozen move is deliberate); before s + 1 its always-C rule is
    flipped by noise about half the time (4.5 binomial standard errors), which shows the noise is
    on. Exact for the frozen steps, over 2,000 runs."""
    runs, horizon = 2000, 14
    s = one_track("always_cooperate", "always_cooperate", horizon=horizon, runs=runs, seed=8,
                  china_params={"noise": 0.5}, track={"thaw_rate": 0.0},
                  events=[{"name": "Sale", "tags": ["sovereignty"], "at": s_at,
                           "effects": [{"target": "actors.China.hawkishness", "add": 0.1}]},
                          {"name": "Protest", "when": {"fired_tag": "sovereignty"},
                           "effects": [{"freeze": "ai", "actor": "China"}]}])
    model, rec = play(s, runs=runs)
    china = np.array([r[1, :, 0] for r in rec.realised])        # (steps, runs), True = C
    intended = np.array([r[1, :, 0] for r in rec.intended])
    assert not china[s_at + 1:].any() and not intended[s_at + 1:].any()
    before = china[: s_at + 1]
    assert within(1 - before.mean(), 0.5, before.size)
    t = run_table(model)
    assert np.all(t["first_freeze"] == s_at + 1) and np.all(t["frozen_months"] == horizon - s_at - 1)
    assert np.all(t["freezes"] == 1)


def test_freeze_of_every_actor():
    """MODEL.md 13.2: ``actor: "*"`` freezes both sides: both play D while frozen. Exact."""
    s = one_track("always_cooperate", "always_cooperate", horizon=8, track={"thaw_rate": 0.0},
                  events=[{"name": "Crisis", "at": 3, "effects": [{"freeze": "ai", "actor": "*"}]}])
    _, rec = play(s)
    assert moves(rec, 0) == moves(rec, 1) == "CCCDDDDD"


def summit_scenario(us="tit_for_tat", freeze_at=(3,), summit_at=(7,), tags=("leaders_meeting",), horizon=12):
    return one_track(us, "always_cooperate", horizon=horizon, track={"thaw_rate": 0.0}, events=[
        {"name": "Walkout", "at": list(freeze_at), "effects": [{"freeze": "ai", "actor": "China"}]},
        {"name": "Summit", "tags": list(tags), "at": list(summit_at), "effects": [{"thaw": "ai"}]}])


def test_thaw_at_a_leaders_meeting_restores_play():
    """MODEL.md 13.2: China (always C, no noise) freezes at step 3; a thaw tagged leaders_meeting at
    step 7 ends it, so China plays D at steps 3..6 and C again from 7; US tit-for-tat copies it a
    step later. One freeze, 4 frozen months, one thaw at a meeting. Exact."""
    model, rec = play(summit_scenario())
    assert moves(rec, 1) == "CCC" + "DDDD" + "CCCCC"
    assert moves(rec, 0) == "CCCC" + "DDDD" + "CCCC"
    t = run_table(model)
    assert (t["freezes"][0], t["frozen_months"][0], t["first_freeze"][0], t["thaws_at_meeting"][0]) == (1, 4, 3, 1)


def test_thaw_not_at_a_meeting_and_meeting_with_nothing_to_thaw_count_no_thaw_at_meeting():
    """MODEL.md 13.2: ``thaws_at_meeting`` counts freezes ended by a thaw of an event tagged
    leaders_meeting: an untagged thaw ends the freeze the same way but counts 0; a meeting before
    any freeze ends nothing (the later freeze runs to the end). Exact."""
    model, rec = play(summit_scenario(tags=("talks",)))
    assert moves(rec, 1) == "CCCDDDDCCCCC" and run_table(model)["thaws_at_meeting"][0] == 0
    model, rec = play(summit_scenario(summit_at=(2,)))
    t = run_table(model)
    assert moves(rec, 1) == "CCC" + "D" * 9 and t["thaws_at_meeting"][0] == 0 and t["frozen_months"][0] == 9


def test_two_freezes_two_meetings():
    """MODEL.md 13.2: freezes at 3 and 8, meetings at 5 and 10: two spells of two frozen steps,
    both ended at a meeting. Exact."""
    model, rec = play(summit_scenario(freeze_at=(3, 8), summit_at=(5, 10)))
    assert moves(rec, 1) == "CCCDDCCCDDCC"
    t = run_table(model)
    assert (t["freezes"][0], t["frozen_months"][0], t["thaws_at_meeting"][0]) == (2, 4, 2)


def test_collapse_cause_is_freeze_or_lapse_by_the_state_at_the_break_step():
    """MODEL.md 13.2 and 8: the cause of a collapse is ``freeze`` if the channel was frozen at the
    break step, ``lapse`` otherwise. Computed from the engaged steps with the channel definition
    (window 6, threshold 1/2, collapse_after 3, prehistory):
    - a freeze from 3 thawed only at 23 (TFT answers it): break at 6, frozen there: freeze;
    - the same freeze thawed at 5 while grim trigger punishes for ever: break at 6, thawed: lapse;
    - no freeze, always_defect: lapse; and a channel that holds has no cause. Exact."""
    cases = [(summit_scenario(summit_at=(23,), horizon=24), "freeze"),
             (summit_scenario(us="grim_trigger", summit_at=(5,), horizon=24), "lapse")]
    for s, cause in cases:
        model, rec = play(s)
        engaged = [a == b == "C" for a, b in zip(moves(rec, 0), moves(rec, 1))]
        brk = channel_break(engaged)
        assert brk == 6
        t = run_table(model)
        assert t["break_step"][0] == brk and t["held"][0] == 0
        assert t["collapse_cause"][0] == cause
        assert t["lapsed"][0] == (cause == "lapse") and t["frozen"][0] == 1
    t = run_table(play(one_track("tit_for_tat", "always_defect", horizon=12))[0])
    assert (t["collapse_cause"][0], t["lapsed"][0], t["frozen"][0], t["freezes"][0]) == ("lapse", 1, 0, 0)
    t = run_table(play(summit_scenario(summit_at=(5,)))[0])     # two frozen months: it holds
    assert t["held"][0] == 1 and t["collapse_cause"][0] == "" and t["lapsed"][0] == 0


# == 13.3 Level linkage and the audience term ==================================================

N_LINK, H_LINK = 4000, 6


def linked_scenario(x, rivalry, us_ai="tit_for_tat", runs=N_LINK, horizon=H_LINK, linkage=None, us_params=None,
                    seed=13, twins=None):
    """Channel ``ai`` (US: ``us_ai`` with level_linkage x; China always C, no noise) and rivalry
    tracks held at fixed levels: ``rivalry`` maps a track to (rungs, level, both players' rule):
    always_defect at the top rung stays there (up clipped), always_cooperate with down 0 stays put."""
    entry = {"name": us_ai, "level_linkage": x}
    if linkage is not None:
        entry["linkage"] = linkage
    tracks = {"ai": {"role": "channel"}}
    us, china = {"ai": entry}, {"ai": "always_cooperate"}
    for name, (rungs, level, rule) in rivalry.items():
        tracks[name] = {"ladder": {"rungs": [f"r{i}" for i in range(rungs)], "start": level, "down": 0}}
        us[name] = china[name] = rule
    data = {"name": "linked", "seed": seed, "runs": runs, "horizon": horizon,
            "actors": {"US": {**(us_params or {}), "strategies": us}, "China": {"strategies": china}},
            "tracks": tracks}
    if twins:
        data["twins"] = twins
    return scenario_from_dict(data)


TOP = {"chips": (4, 3, "always_defect")}                 # pressure 3/3 = 1
MID = {"minerals": (5, 2, "always_cooperate")}           # pressure 2/4 = 1/2


@pytest.mark.parametrize("x", [0.0, 0.4])
@pytest.mark.parametrize("rivalry, linkage, pressure", [
    (TOP, None, 1.0),
    (MID, None, 0.5),
    ({**TOP, **MID}, None, 0.75),                     # mean over every rivalry track
    ({**TOP, **MID}, {"minerals": 0.5}, 0.5),         # the linkage's source tracks only
])
def test_tit_for_tat_under_rivalry_pressure_cooperates_with_one_minus_x_p(x, rivalry, linkage, pressure):
    """MODEL.md 13.3: perceived cooperation becomes pi (1 - x p), p the mean normalised level
    (level / (rungs - 1), section 10) of the rule's linkage sources among the rivalry tracks (all of
    them when the linkage names none). Against always_cooperate pi = 1, so tit-for-tat cooperates
    at every step t >= 1 with probability 1 - x p (independently: one uniform a step); with x = 0
    always. Tolerance: 4.5 binomial standard errors over 4,000 runs x 5 steps (exact at x = 0)."""
    s = linked_scenario(x, rivalry, linkage=linkage)
    _, rec = play(s, runs=N_LINK)
    us = np.array([r[0, :, 0] for r in rec.realised])         # (steps, runs)
    assert us[0].all()                                          # TFT's first move
    later = us[1:]
    expected = 1 - x * pressure
    if x == 0:
        assert later.all()
    else:
        assert within(later.mean(), expected, later.size), (later.mean(), expected)


def test_level_linkage_lowers_a_forward_looking_belief_deterministically():
    """MODEL.md 13.3 and 6: forward_looking (deterministic, trust 1, trust_learning 1, delta 0.6)
    against always_cooperate with a rivalry track held at its top rung: its belief after each step
    is pi (1 - x) = 1 - x. It cooperates at step 0 (b = 1: 7.5 >= 6.5) and from then on iff
    V_C >= V_D at b = 1 - x, which the formulas put at b >= b* = 1/2 (computed below): C for ever at
    x = 0.4, C then D at x = 0.6. Exact."""
    delta = 0.6
    gap = lambda b: (lambda v: v[0] - v[1])(values(b, delta, **PD))  # noqa: E731
    b_star = -gap(0.0) / (gap(1.0) - gap(0.0))                   # the gap is linear in b
    assert abs(b_star - 0.5) < 1e-12
    for x in (0.4, 0.6):
        s = linked_scenario(x, TOP, us_ai="forward_looking", runs=1, horizon=8,
                            us_params={"trust": 1.0, "trust_learning": 1.0, "discount": delta})
        _, rec = play(s)
        later = "C" if gap(1 - x) >= 0 else "D"
        assert moves(rec, 0) == "C" + later * 7


def audience_scenario(us_ai, china_ai, weight, h_us=0.3, h_china=0.1, horizon=10, us_params=None):
    return scenario_from_dict({
        "name": "audience", "seed": 0, "runs": 1, "horizon": horizon,
        "actors": {"US": {"hawkishness": h_us, **(us_params or {}),
                          "strategies": {"ai": us_ai, "chips": "always_cooperate"}},
                   "China": {"hawkishness": h_china, "strategies": {"ai": china_ai, "chips": "always_cooperate"}}},
        "tracks": {"ai": {"role": "channel", "audience_weight": weight}, "chips": {}},
    })


@pytest.mark.parametrize("us_ai, china_ai", [("always_defect", "always_cooperate"), ("always_defect", "always_defect"),
                                             ("always_cooperate", "always_cooperate")])
def test_audience_term_raises_t_and_p_on_the_channel(us_ai, china_ai):
    """MODEL.md 13.3 (Putnam 1988): ``audience_weight`` w on the channel raises T and P there by
    h w for each actor (h its hawkishness, constant without hawk_sensitivity); R and S are
    unchanged. Per-step channel payoffs of a deterministic run and ``TrackState.effective``,
    exact (1e-12)."""
    w, h = 2.0, {"US": 0.3, "China": 0.1}
    model, rec = play(audience_scenario(us_ai, china_ai, w))
    table = {(True, True): "R", (True, False): "S", (False, True): "T", (False, False): "P"}
    for i, name in enumerate(("US", "China")):
        mine, other = rec.realised[0][i, 0, 0], rec.realised[0][1 - i, 0, 0]
        cell = table[(bool(mine), bool(other))]
        want = PD[cell] + (h[name] * w if cell in "TP" else 0.0)
        got = np.array([p[i, 0, 0] for p in rec.payoffs])
        np.testing.assert_allclose(got, want, atol=1e-12)
        R, S, T, P = model.tracks[0].effective(i, model.actors[i].hawkishness, model.actors[i].risk_perception)
        np.testing.assert_allclose([R[0], S[0], T[0], P[0]],
                                   [PD["R"], PD["S"], PD["T"] + h[name] * w, PD["P"] + h[name] * w], atol=1e-12)


def test_audience_term_moves_the_folk_theorem_threshold_on_the_channel():
    """MODEL.md 13.3 and 9: with belief 1 forward_looking cooperates iff delta >= (T-R)/(T-M); the
    audience term makes that (T' - R)/(T' - max(S, P')) with T' = T + h w, P' = P + h w. At h 0.5,
    w 2: T' 6, P' 2, threshold 3/4, so delta 0.6 (>= 1/2 without the term) now defects. Exact."""
    delta, h, w = 0.6, 0.5, 2.0

    def threshold(extra):
        T, P = PD["T"] + extra, PD["P"] + extra
        return (T - PD["R"]) / (T - max(PD["S"], P))

    assert threshold(0) == 0.5 and threshold(h * w) == 0.75
    for weight in (0.0, w):
        s = audience_scenario("forward_looking", "always_cooperate", weight, h_us=h,
                              us_params={"trust": 1.0, "trust_learning": 0.0, "discount": delta})
        _, rec = play(s)
        assert moves(rec, 0) == ("C" if delta >= threshold(h * weight) else "D") * 10


# == 13.4 Rules under uncertainty ==============================================================

N_CHOICE, H_CHOICE = 20_000, 4
CHOICE = {"choice": ["always_cooperate", "always_defect", "alternator"], "weights": [1, 1, 2]}
SCRIPTS = {"always_cooperate": "CCCC", "always_defect": "DDDD", "alternator": "CDCD"}


def choice_scenario(entry=CHOICE, runs=N_CHOICE, horizon=H_CHOICE, seed=17):
    return one_track(entry, "always_cooperate", horizon=horizon, runs=runs, seed=seed)


def test_rule_shares_follow_the_weights_and_each_run_plays_its_rule():
    """MODEL.md 13.4: with weights 1, 1, 2 each run draws always_cooperate, always_defect or
    alternator with probabilities 1/4, 1/4, 1/2 (multinomial; each share within 4.5 binomial
    standard errors over 20,000 runs); the column ``param.actors.US.strategies.ai.rule`` is the
    0-based index of the label; and each run's moves are exactly its rule's (no noise)."""
    model, rec = play(choice_scenario(), runs=N_CHOICE)
    t = run_table(model)
    labels = t["strategy.US.ai"]
    index = t["param.actors.US.strategies.ai.rule"]
    names = CHOICE["choice"]
    for i, (name, w) in enumerate(zip(names, CHOICE["weights"])):
        share = (labels == name).mean()
        assert within(share, w / 4, N_CHOICE), (name, share)
        assert np.all((index == i) == (labels == name))
    us = np.array([r[0, :, 0] for r in rec.realised]).T           # (runs, steps)
    want = np.array([[m == "C" for m in SCRIPTS[lab]] for lab in labels])
    assert np.array_equal(us, want)


def test_a_run_draws_the_same_rule_whatever_the_chunking():
    """MODEL.md 2 and 13.4: run r depends only on (scenario, seed, r): run 137 alone, in a chunk of
    500 and in chunks of 7 draws the same rule and plays the same. Exact."""
    s = choice_scenario(runs=500)
    whole = run_ensemble(s, runs=500, chunk_size=500, twins=()).table
    pieces = run_ensemble(s, runs=500, chunk_size=7, twins=()).table
    alone = run_table(NegotiationModel(s, runs=[137], twins=()).run())
    for col in alone:
        assert np.array_equal(whole[col], pieces[col]), col
        assert alone[col][0] == whole[col][137], col


def test_each_candidate_keeps_its_own_parameters_and_duplicate_names_get_suffixes():
    """MODEL.md 13.4: each spec in a choice keeps its parameters and distributions. Two ``random``
    rules, p 0.9 and p ~ uniform[0, 0.2], labelled ``random_1`` and ``random_2``; the second's p is
    recorded as ``param.actors.US.strategies.ai.random_2.p``. Among runs that drew the first, C has
    probability 0.9; among the second, the mean of its runs' recorded p. Equal weights: each half.
    Tolerance: 4.5 binomial standard errors (4,000 runs x 5 steps)."""
    runs, horizon = 4000, 5
    entry = {"choice": [{"name": "random", "p": 0.9}, {"name": "random", "p": {"uniform": [0.0, 0.2]}}]}
    model, rec = play(choice_scenario(entry, runs=runs, horizon=horizon), runs=runs)
    t = run_table(model)
    labels = t["strategy.US.ai"]
    assert set(labels) == {"random_1", "random_2"}
    assert within((labels == "random_1").mean(), 0.5, runs)
    p2 = t["param.actors.US.strategies.ai.random_2.p"]
    assert p2.min() >= 0 and p2.max() <= 0.2
    us = np.array([r[0, :, 0] for r in rec.realised]).T
    first = us[labels == "random_1"]
    assert within(first.mean(), 0.9, first.size)
    second = us[labels == "random_2"]
    expected = p2[labels == "random_2"].mean()              # C with each run's own p
    assert abs(second.mean() - expected) <= Z * math.sqrt(expected * (1 - expected) / second.size)


# == Mechanism twins (13.3) ====================================================================


def test_twin_setting_a_parameter_to_its_own_value_changes_no_run():
    """MODEL.md 13.3: a twin differs from its run only by its ``set:``; setting US's noise to the
    value it already has changes no run: moves_differ 0, held and open_share identical. Exact."""
    s = scenario_from_dict({
        "name": "same", "seed": 2, "runs": 400, "horizon": 24,
        "actors": {"US": {"noise": 0.1, "strategies": {"ai": "tit_for_tat", "chips": "tit_for_tat"}},
                   "China": {"noise": 0.1, "strategies": {"ai": "generous_tit_for_tat", "chips": "always_defect"}}},
        "tracks": {"ai": {"role": "channel"}, "chips": {}},
        "twins": {"same": {"set": {"actors.US.noise": 0.1}}},
    })
    t = run_ensemble(s, runs=400, twins=("same",)).table
    assert np.all(t["moves_differ_same"] == 0)
    assert np.array_equal(t["held"], t["held_same"]) and np.array_equal(t["open_share"], t["open_share_same"])
    assert t["held"].min() == 0                         # the runs are not trivial


def test_noise_zero_twin_differs_exactly_where_a_move_was_flipped():
    """MODEL.md 13.3: both always_cooperate with noise e, twin ``set: {actors.*.noise: 0}``: the
    twin plays C always, and its channel moves differ from the run's iff one of the run's 2 x 12
    moves was flipped, probability 1 - (1-e)^24. Tolerance: 4.5 binomial standard errors over
    4,000 runs; the twin always holds (exact)."""
    e, runs, horizon = 0.02, 4000, 12
    s = one_track("always_cooperate", "always_cooperate", horizon=horizon, runs=runs, seed=3,
                  us_params={"noise": e}, china_params={"noise": e},
                  twins={"noiseless": {"set": {"actors.*.noise": 0.0}, "mechanism": "noise"}})
    t = run_ensemble(s, runs=runs, twins=("noiseless",)).table
    p = 1 - (1 - e) ** (2 * horizon)
    assert within(t["moves_differ_noiseless"].mean(), p, runs)
    assert np.all(t["held_noiseless"] == 1) and np.all(t["open_share_noiseless"] == 1)
    assert np.array_equal(t["moves_differ_noiseless"], (t["engaged_share"] < 1).astype(np.int64))


def test_level_linkage_twin_is_inert_without_pressure_and_is_the_edited_scenario_with_it():
    """MODEL.md 13.3: ``set: {actors.*.strategies.ai.level_linkage: 0}``. With the rivalry at rung
    0 (pressure 0) the linkage does nothing: no run differs (exact). With the rivalry at its top
    rung, TFT against always_cooperate plays D at each step t >= 1 with probability x and its twin
    never: the moves differ with probability 1 - (1-x)^(H-1) (4.5 binomial standard errors over
    3,000 runs), and the twin's held and open_share are, run by run, those of the scenario written
    with level_linkage 0 (same random numbers; exact)."""
    x, runs, horizon = 0.1, 3000, 8
    twin = {"unlinked": {"set": {"actors.*.strategies.ai.level_linkage": 0}}}
    calm = {"chips": (4, 0, "always_cooperate")}
    t = run_ensemble(linked_scenario(x, calm, runs=runs, horizon=horizon, twins=twin), twins=("unlinked",)).table
    assert np.all(t["moves_differ_unlinked"] == 0)
    s = linked_scenario(x, TOP, runs=runs, horizon=horizon, twins=twin)
    t = run_ensemble(s, twins=("unlinked",)).table
    assert within(t["moves_differ_unlinked"].mean(), 1 - (1 - x) ** (horizon - 1), runs)
    edited = run_ensemble(linked_scenario(0.0, TOP, runs=runs, horizon=horizon), twins=()).table
    assert np.array_equal(t["held_unlinked"], edited["held"])
    assert np.array_equal(t["open_share_unlinked"], edited["open_share"])
    assert (t["held"] != t["held_unlinked"]).any() or (t["open_share"] != t["open_share_unlinked"]).any()


def test_twin_set_reaches_every_rule_of_a_choice():
    """MODEL.md 13.3 and 13.4: a ``set:`` path into a strategy that is a choice names that parameter
    in every rule of the choice that has it; with level_linkage 0 in both rules, the twin is, run by
    run, the scenario written with level_linkage 0 in both (same draws of the rule). Exact."""
    runs, horizon = 600, 10

    def scenario(x, twins=None):
        choice = {"choice": [{"name": "tit_for_tat", "level_linkage": x},
                             {"name": "generous_tit_for_tat", "generosity": 0.0, "level_linkage": x}]}
        data = {"name": "choice-twin", "seed": 9, "runs": runs, "horizon": horizon,
                "actors": {"US": {"noise": 0.05, "strategies": {"ai": choice, "chips": "always_defect"}},
                           "China": {"noise": 0.05, "strategies": {"ai": "tit_for_tat", "chips": "always_defect"}}},
                "tracks": {"ai": {"role": "channel"},
                           "chips": {"ladder": {"rungs": ["a", "b", "c"], "start": 2}}}}
        if twins:
            data["twins"] = twins
        return scenario_from_dict(data)

    s = scenario(0.5, {"unlinked": {"set": {"actors.US.strategies.ai.level_linkage": 0}}})
    assert sorted(p for p, _ in s.twins["unlinked"].set) == [
        "actors.US.strategies.ai.generous_tit_for_tat.level_linkage", "actors.US.strategies.ai.tit_for_tat.level_linkage"]
    t = run_ensemble(s, twins=("unlinked",)).table
    edited = run_ensemble(scenario(0.0), twins=()).table
    assert np.array_equal(t["strategy.US.ai"], edited["strategy.US.ai"])
    assert np.array_equal(t["held_unlinked"], edited["held"])
    assert np.array_equal(t["open_share_unlinked"], edited["open_share"])
    assert t["moves_differ_unlinked"].sum() > 0


def test_skip_tags_twin_equals_skipping_the_tagged_events_by_name():
    """MODEL.md 13.2 and 8: ``skip_tags: [sovereignty]`` skips every event carrying the tag, the same
    intervention as naming them in ``skip_events`` (identical twin columns); the skipped twin
    never freezes, so its channel stays engaged (always C, no noise). Exact."""
    events = [{"name": "Sale", "tags": ["sovereignty"], "probability": 0.2,
               "effects": [{"target": "actors.China.hawkishness", "add": 0.01}]},
              {"name": "Protest", "tags": ["sovereignty"], "when": {"fired_tag": "sovereignty"}, "probability": 0.5,
               "effects": [{"freeze": "ai", "actor": "China"}]}]
    s = one_track("tit_for_tat", "always_cooperate", horizon=24, runs=300, track={"thaw_rate": 0.2}, events=events,
                  twins={"by_tag": {"skip_tags": ["sovereignty"]}, "by_name": {"skip_events": ["Sale", "Protest"]}})
    t = run_ensemble(s, twins=("by_tag", "by_name")).table
    for col in ("held", "open_share", "moves_differ"):
        assert np.array_equal(t[f"{col}_by_tag"], t[f"{col}_by_name"]), col
    assert np.all(t["held_by_tag"] == 1) and np.all(t["open_share_by_tag"] == 1)
    assert np.array_equal(t["moves_differ_by_tag"], t["frozen"])


# == Freezes with the rest of the model ========================================================


def test_a_freeze_lasts_to_the_end_of_a_run_that_continuation_ends():
    """MODEL.md 2 and 13.2: a freeze from step 0 with thaw_rate 0 is on at every step the run lasts,
    so frozen months equal the run's length, whatever ``continuation`` made it. Exact, 2,000 runs."""
    s = one_track("always_cooperate", "always_cooperate", horizon=30, runs=2000, seed=2, continuation=0.9,
                  track={"thaw_rate": 0.0},
                  events=[{"name": "Walkout", "at": 0, "effects": [{"freeze": "ai", "actor": "China"}]}])
    t = run_ensemble(s, twins=()).table
    assert np.array_equal(t["frozen_months"], t["length"]) and t["length"].min() < 30


def test_a_delayed_freeze_begins_delay_steps_after_its_condition():
    """MODEL.md 7 and 13.2: the condition on a tagged event at step 3 holds at step 4; with
    ``delay: 2`` the freeze applies at step 6 and (thaw_rate 0) lasts to the end. Exact."""
    s = one_track("always_cooperate", "always_cooperate", horizon=12, track={"thaw_rate": 0.0}, events=[
        {"name": "Sale", "at": 3, "tags": ["sovereignty"], "effects": [{"target": "actors.US.hawkishness", "add": 0.1}]},
        {"name": "Protest", "when": {"fired_tag": "sovereignty"}, "delay": 2,
         "effects": [{"freeze": "ai", "actor": "China"}]}])
    model, rec = play(s)
    t = run_table(model)
    assert t["first_fired.protest"][0] == 4 and t["first_freeze"][0] == 6 and t["frozen_months"][0] == 6
    assert moves(rec, 1) == "C" * 6 + "D" * 6


def test_a_twin_forces_through_a_freeze():
    """MODEL.md 13.2: twins force through freezes like any forced move: a twin forcing C on the
    channel keeps it engaged (held, open every step) while the run itself collapses. Exact."""
    s = one_track("always_cooperate", "always_cooperate", horizon=12, runs=5, track={"thaw_rate": 0.0},
                  events=[{"name": "Walkout", "at": 2, "effects": [{"freeze": "ai", "actor": "China"}]}],
                  twins={"engaged": {"force": [{"actor": "*", "track": "ai", "action": "C"}]}})
    t = run_ensemble(s, twins=("engaged",)).table
    assert np.all(t["held"] == 0) and np.all(t["collapse_cause"] == "freeze")
    assert np.all(t["held_engaged"] == 1) and np.all(t["open_share_engaged"] == 1)
    assert np.all(t["moves_differ_engaged"] == 1)


def test_freezes_and_thaws_of_a_run_do_not_depend_on_the_chunking():
    """MODEL.md 2 and 13.2: the thaw draw comes from the run's own stream (one uniform per run and
    step), so run r's freezes are the same alone, in one chunk or in chunks of 7. Exact."""
    events = [{"name": "Sale", "tags": ["sovereignty"], "probability": 0.2,
               "effects": [{"target": "actors.China.hawkishness", "add": 0.01}]},
              {"name": "Protest", "when": {"fired_tag": "sovereignty"}, "probability": 0.6,
               "effects": [{"freeze": "ai", "actor": "China"}]},
              {"name": "Summit", "tags": ["leaders_meeting"], "probability": 0.1, "effects": [{"thaw": "ai"}]}]
    s = one_track("tit_for_tat", {"name": "random", "p": 0.95}, horizon=24, runs=300, seed=6,
                  track={"thaw_rate": 0.1}, events=events)
    whole = run_ensemble(s, chunk_size=300, twins=()).table
    pieces = run_ensemble(s, chunk_size=7, twins=()).table
    alone = run_table(NegotiationModel(s, runs=[137], twins=()).run())
    for col in whole:
        assert np.array_equal(whole[col], pieces[col]), col
        assert alone[col][0] == whole[col][137], col
    assert whole["freezes"].sum() > 0 and whole["thaws_at_meeting"].sum() > 0


@pytest.mark.parametrize("key", ["events.Protest.probability", "events.1.probability", "events.protest.probability"])
def test_twin_setting_an_event_probability_to_zero_is_skipping_it(key):
    """MODEL.md 7 and 13.3: an event is addressed by its name or its index in parameter paths; a
    twin that sets the freeze event's probability to 0 never freezes, which is the same
    intervention as skipping it (identical twin columns, run by run). Exact."""
    events = [{"name": "Sale", "tags": ["sovereignty"], "probability": 0.3,
               "effects": [{"target": "actors.China.hawkishness", "add": 0.01}]},
              {"name": "Protest", "when": {"fired_tag": "sovereignty"}, "probability": 0.7,
               "effects": [{"freeze": "ai", "actor": "China"}]}]
    s = one_track("tit_for_tat", "always_cooperate", horizon=24, runs=300, seed=4, track={"thaw_rate": 0.25},
                  events=events, twins={"zero": {"set": {key: 0}}, "skipped": {"skip_events": ["Protest"]}})
    t = run_ensemble(s, twins=("zero", "skipped")).table
    for col in ("held", "open_share", "moves_differ"):
        assert np.array_equal(t[f"{col}_zero"], t[f"{col}_skipped"]), col
    assert np.array_equal(t["moves_differ_zero"], t["frozen"]) and t["frozen"].sum() > 0
