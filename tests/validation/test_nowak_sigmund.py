"""Validation against Nowak, M. A. and Sigmund, K. (1992), "Tit for tat in heterogeneous
populations", Nature 355: 250-253, and (1993), "A strategy of win-stay, lose-shift that
outperforms tit-for-tat in the Prisoner's Dilemma game", Nature 364: 56-58.

With implementation noise eps (each intended move flipped with probability eps, both actors
seeing the realised moves), play between two memory-one strategies is a Markov chain on the
last outcome (CC, CD, DC, DD), and the long-run mean payoff per step in self-play on T5 R3 P1 S0 is

* TFT vs TFT:          (R + S + T + P)/4 = 2.25 (the stationary distribution is uniform);
* WSLS vs WSLS:        3 - 5 eps + 11 eps^2 - 8 eps^3;
* GTFT(q = 1/3) vs itself: 3 (1 + 7 eps + 9 eps^2) / (1 + 4 eps)^2,

and GTFT's optimal generosity on this game is q* = min(1 - (T-R)/(R-S), (R-P)/(T-P)) = 1/3 (1992).

Method. 2000 independent runs of 500 steps each. The first step is not drawn from the stationary
distribution: both actors intend C, and only the noise (which MODEL.md 3 applies from the first
step) perturbs it, so step 0 is CC with probability (1-eps)^2. The first BURN steps are discarded
and the statistic per run is its mean payoff per step over the remaining steps, averaged over the
two actors. Runs are independent, so the standard error of the ensemble mean is the sample sd of
these per-run means / sqrt(runs); this accounts for the autocorrelation within a run. The tolerance
is 4 such standard errors.

Finite-horizon bias. The expected payoff at step t approaches the stationary value geometrically,
like |lambda_2|^t, where lambda_2 is the second eigenvalue of the transition matrix (1 - 2 eps
for TFT, 0.9 at eps = 0.05; about 0.6 for GTFT(1/3); 0 for WSLS). The test builds the chain
independently of the engine from the textbook rules, computes the exact expected mean over the
measured window from the exact step-0 distribution, and requires the bias (window expectation
minus the closed form) to be below SE/100, so it cannot decide the outcome; with BURN = 100 it is
of order 0.9^100 ~ 3e-5 at most. (Were it not negligible the correct target would be that window
expectation, i.e. the closed form plus the computed bias.) The chain's stationary payoff is also
checked against the closed forms, to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import game_scenario, play

from sim.games import PRESETS, optimal_generosity

PD = PRESETS["prisoners_dilemma"]
R, S, T, P = PD.R, PD.S, PD.T, PD.P
RUNS, HORIZON, BURN = 2000, 500, 100
Z = 4.0
Q = 1.0 / 3.0

# Markov chain on the last realised outcome (mine, other's), order CC, CD, DC, DD (1 = C).
STATES = [(1, 1), (1, 0), (0, 1), (0, 0)]
PAYOFF = np.array([R, S, T, P], dtype=float)  # the first actor's payoff in each state


def _p_intend_c(name, mine, other):
    """Textbook memory-one rules: probability of intending C after (mine, other)."""
    if name == "tit_for_tat":
        return float(other)
    if name == "win_stay_lose_shift":
        return 1.0 if mine == other else 0.0
    if name == "generous_tit_for_tat":
        return 1.0 if other else Q
    raise ValueError(name)


def _chain(name, eps):
    M = np.zeros((4, 4))
    for i, (a, b) in enumerate(STATES):
        pa = _p_intend_c(name, a, b)
        pb = _p_intend_c(name, b, a)
        pa, pb = pa * (1 - eps) + (1 - pa) * eps, pb * (1 - eps) + (1 - pb) * eps  # noise
        for j, (a2, b2) in enumerate(STATES):
            M[i, j] = (pa if a2 else 1 - pa) * (pb if b2 else 1 - pb)
    return M


def _stationary_payoff(M):
    w, v = np.linalg.eig(M.T)
    p = np.real(v[:, np.argmin(np.abs(w - 1))])
    return float((p / p.sum()) @ PAYOFF)


def _window_expectation(M, eps):
    """Exact expected mean payoff per step over steps BURN..HORIZON-1 from the real start."""
    dist = np.array([(1 - eps) ** 2, (1 - eps) * eps, eps * (1 - eps), eps**2])  # step 0: intend CC
    total = 0.0
    for t in range(HORIZON):
        if t >= BURN:
            total += dist @ PAYOFF
        dist = dist @ M
    return total / (HORIZON - BURN)


CLOSED_FORMS = {
    "tit_for_tat": lambda e: (R + S + T + P) / 4,
    "win_stay_lose_shift": lambda e: 3 - 5 * e + 11 * e**2 - 8 * e**3,
    "generous_tit_for_tat": lambda e: 3 * (1 + 7 * e + 9 * e**2) / (1 + 4 * e) ** 2,
}


def _simulate(strategy, eps, seed):
    entry = {"name": strategy, "generosity": Q} if strategy == "generous_tit_for_tat" else strategy
    noisy = {"noise": eps}
    sc = game_scenario(entry, entry, horizon=HORIZON, seed=seed, a_params=noisy, b_params=noisy)
    return play(sc, runs=RUNS)


@pytest.mark.parametrize("eps", [0.05, 0.1])
@pytest.mark.parametrize("strategy, seed", [("tit_for_tat", 101), ("win_stay_lose_shift", 102),
                                            ("generous_tit_for_tat", 103)])
def test_long_run_payoff_under_noise(strategy, seed, eps):
    """Nowak and Sigmund (1992, 1993): long-run mean payoff per step in noisy self-play -
    TFT (R+S+T+P)/4 = 2.25; WSLS 3 - 5e + 11e^2 - 8e^3; GTFT(1/3) 3(1+7e+9e^2)/(1+4e)^2."""
    expected = CLOSED_FORMS[strategy](eps)
    M = _chain(strategy, eps)
    assert _stationary_payoff(M) == pytest.approx(expected, abs=1e-12)  # closed form vs chain

    model, rec = _simulate(strategy, eps, seed)
    pay = np.stack(rec.payoffs)[:, :, :, 0]          # (steps, actors, runs)
    assert pay.shape == (HORIZON, 2, RUNS)
    per_run = pay[BURN:].mean(axis=(0, 1))           # per-run mean per step after burn-in
    mean = float(per_run.mean())
    se = float(per_run.std(ddof=1) / np.sqrt(RUNS))
    bias = _window_expectation(M, eps) - expected
    assert abs(bias) < se / 100, (bias, se)          # finite-horizon bias negligible (docstring)
    assert abs(mean - expected) <= Z * se, (strategy, eps, mean, expected, se)


def test_noise_applies_from_the_first_step():
    """Nowak and Sigmund (1992) / MODEL.md 3: every intended move, the first included, is flipped
    with probability eps. All first moves are intended C; the fraction realised D at step 0 must be
    eps within 4 binomial SE, sqrt(eps(1-eps)/n) with n = 2 actors x RUNS."""
    eps = 0.1
    model, rec = _simulate("tit_for_tat", eps, seed=104)
    assert rec.intended[0].all()
    frac_d = float((~rec.realised[0]).mean())
    n = rec.realised[0].size
    assert abs(frac_d - eps) <= Z * np.sqrt(eps * (1 - eps) / n), frac_d


def test_default_generosity_is_one_third_on_the_pd():
    """Nowak and Sigmund (1992): GTFT's optimal generosity on T5 R3 P1 S0 is
    min(1 - (T-R)/(R-S), (R-P)/(T-P)) = min(1/3, 1/2) = 1/3; the engine's default uses it."""
    independent = min(1 - (T - R) / (R - S), (R - P) / (T - P))
    assert independent == pytest.approx(1 / 3, abs=1e-15)
    assert float(optimal_generosity(R, S, T, P)) == pytest.approx(1 / 3, abs=1e-15)
    # The default (no `generosity` key) must play exactly like generosity 1/3 given the same
    # random numbers (common random numbers: same scenario shape and seed).
    noisy = {"noise": 0.1}
    runs = 500
    default = play(game_scenario("generous_tit_for_tat", "generous_tit_for_tat", horizon=100, seed=7,
                                 a_params=noisy, b_params=noisy), runs=runs)[1]
    explicit_entry = {"name": "generous_tit_for_tat", "generosity": Q}
    explicit = play(game_scenario(explicit_entry, explicit_entry, horizon=100, seed=7,
                                  a_params=noisy, b_params=noisy), runs=runs)[1]
    np.testing.assert_array_equal(np.stack(default.realised), np.stack(explicit.realised))


# -- GTFT's optimal generosity, shown by simulation -------------------------------------------
#
# Nowak and Sigmund (1992), following Molander, P. (1985), "The optimal level of generosity in a
# selfish, uncertain environment", Journal of Conflict Resolution 29(4): 611-618: q* is the
# largest generosity at which no invader earns more than R per step against GTFT in the long run.
# Without noise the candidate invaders are ALL D, earning q T + (1-q) P per step (GTFT forgives
# with probability q), and the alternator C, D, C, D, ..., earning (T + q R + (1-q) S)/2. They stay
# at or below R iff q <= (R-P)/(T-P) = 1/2 and q <= 1 - (T-R)/(R-S) = 1/3: q* = 1/3 on this game.
#
# The engine's alternator starts with C, so over H = 100 steps (H even) its expected total against
# GTFT(q) is exactly R + (H/2) T + (H/2 - 1)(q R + (1-q) S), and ALL D's is T + (H-1)(q T + (1-q) P).
# Each simulated mean is checked against that exact expectation within 4 SE (sample sd/sqrt(runs)),
# and the invader's mean per step must lie on the predicted side of R by more than 4 SE.

INVADE_H, INVADE_RUNS = 100, 2000


def _invader_expected_total(invader, q):
    H = INVADE_H
    if invader == "always_defect":
        return T + (H - 1) * (q * T + (1 - q) * P)
    return R + (H // 2) * T + (H // 2 - 1) * (q * R + (1 - q) * S)


@pytest.mark.parametrize("q, alld_invades, alternator_invades", [
    (0.25, False, False), (0.30, False, False),       # q < q* = 1/3: GTFT resists both
    (0.40, False, True), (0.45, False, True),         # 1/3 < q < 1/2: the alternator invades
    (0.60, True, True),                               # q > 1/2: both invade
])
@pytest.mark.parametrize("invader", ["always_defect", "alternator"])
def test_optimal_generosity_is_the_most_generous_uninvadable(invader, q, alld_invades, alternator_invades):
    """Nowak and Sigmund (1992), Molander (1985): GTFT(q) resists ALL D iff q <= 1/2 and the
    alternator iff q <= 1/3, so q* = min(1 - (T-R)/(R-S), (R-P)/(T-P)) = 1/3 is the largest
    uninvadable generosity (simulated, 2000 runs of 100 steps, no noise)."""
    assert float(optimal_generosity(R, S, T, P)) == pytest.approx(1 / 3)
    model, _ = play(game_scenario(invader, {"name": "generous_tit_for_tat", "generosity": q},
                                  horizon=INVADE_H, seed=201), runs=INVADE_RUNS)
    total = model.actors[0].payoff
    mean, se = float(total.mean()), float(total.std(ddof=1) / np.sqrt(INVADE_RUNS))
    expected = _invader_expected_total(invader, q)
    assert abs(mean - expected) <= Z * se, (mean, expected, se)
    invades = alld_invades if invader == "always_defect" else alternator_invades
    margin = mean - R * INVADE_H           # against GTFT, GTFT itself would earn R per step
    assert (margin > Z * se) if invades else (margin < -Z * se), (invader, q, margin, se)
