"""Validation against Axelrod, R. (1984), *The Evolution of Cooperation*, Basic Books, ch. 2-3.

Results reproduced (MODEL.md section 9, payoffs T5 R3 P1 S0):

* TFT against ALL D over 10 steps: TFT plays C then D x9; totals 9 (TFT) and 14 (ALL D).
* With continuation probability w (the "shadow of the future"), run length L is geometric,
  P(L > t) = w^t, E[L] = 1/(1-w), and the expected totals are
  V(TFT|TFT) = R/(1-w), V(ALLD|TFT) = T + wP/(1-w), V(TFT|ALLD) = S + wP/(1-w): 30, 14, 9 at w = 0.9.
* TFT is collectively stable iff w >= max((T-R)/(T-P), (T-R)/(R-S)) = 2/3, and grim trigger
  sustains cooperation iff w >= (T-R)/(T-P) = 1/2 (Axelrod 1984, Proposition 2; Friedman 1971,
  the folk theorem).

Tolerances: each Monte Carlo comparison allows 4 standard errors of the sample mean, the standard
error being the sample's own standard deviation / sqrt(n). For a correct engine a 4-SE miss has
probability about 6e-5 per check (normal approximation; n is in the thousands, so the CLT applies
to these geometric sums, whose skewness ~ 2/sqrt(n) is negligible).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import game_scenario, play

from sim.games import PRESETS, Payoffs, grim_threshold, tft_threshold

PD = PRESETS["prisoners_dilemma"]
R, S, T, P = PD.R, PD.S, PD.T, PD.P

W = 0.9
RUNS = 20_000
# Horizon cap for the "uncapped" checks. E[L] - E[min(L, H)] = sum_{t>=H} w^t = w^H / (1-w);
# at H = 400 that is 10 * 0.9**400 ~ 5e-18, and P(any of 20000 runs reaches the cap)
# <= 20000 * w^(H-1) ~ 1e-14, against a standard error of the mean length of
# sd(L)/sqrt(n) = (sqrt(w)/(1-w))/sqrt(20000) ~ 0.067. The cap is therefore invisible.
BIG_H = 400
Z = 4.0  # number of standard errors allowed


def _mean_and_se(x: np.ndarray) -> tuple[float, float]:
    """Sample mean and its standard error sd/sqrt(n) (sd with ddof=1)."""
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x)))


def test_tft_vs_alld_ten_steps_exact():
    """Axelrod (1984): TFT vs ALL D over 10 moves - TFT plays C then D x9, totals 9 and 14 (exact)."""
    model, rec = play(game_scenario("tit_for_tat", "always_defect", horizon=10))
    assert rec.moves(0) == "C" + "D" * 9
    assert rec.moves(1) == "D" * 10
    # TFT: S once, then P nine times = 0 + 9*1; ALL D: T once, then P nine times = 5 + 9*1.
    assert model.actors[0].payoff[0] == S + 9 * P == 9
    assert model.actors[1].payoff[0] == T + 9 * P == 14


@pytest.fixture(scope="module")
def tft_vs_tft():
    return play(game_scenario("tit_for_tat", "tit_for_tat", horizon=BIG_H, continuation=W, seed=11),
                runs=RUNS)


@pytest.fixture(scope="module")
def tft_vs_alld():
    return play(game_scenario("tit_for_tat", "always_defect", horizon=BIG_H, continuation=W, seed=12),
                runs=RUNS)


def test_mean_run_length_is_one_over_one_minus_w(tft_vs_tft, tft_vs_alld):
    """Axelrod (1984): with continuation w the game lasts 1/(1-w) = 10 moves on average.

    SE from the sample sd; the formula sd(L) = sqrt(w)/(1-w) ~ 9.49 gives SE ~ 0.067 at n = 20000.
    """
    for model, _ in (tft_vs_tft, tft_vs_alld):
        assert model.length.min() >= 1
        assert model.length.max() < BIG_H  # the cap was never reached (see BIG_H)
        mean, se = _mean_and_se(model.length)
        expected = 1.0 / (1.0 - W)
        assert abs(mean - expected) <= Z * se, (mean, expected, se)


def test_tft_vs_tft_value(tft_vs_tft):
    """Axelrod (1984): V(TFT|TFT) = R/(1-w) = 30 at w = 0.9 (mutual cooperation every move)."""
    model, _ = tft_vs_tft
    expected = R / (1.0 - W)
    for actor in model.actors:
        # total = R * L exactly in every run; SE = sample sd / sqrt(n) (formula: 3*9.49/141 ~ 0.20)
        np.testing.assert_array_equal(actor.payoff, R * model.length)
        mean, se = _mean_and_se(actor.payoff)
        assert abs(mean - expected) <= Z * se, (mean, expected, se)


def test_alld_vs_tft_and_tft_vs_alld_values(tft_vs_alld):
    """Axelrod (1984): V(ALLD|TFT) = T + wP/(1-w) = 14 and V(TFT|ALLD) = S + wP/(1-w) = 9 at w = 0.9."""
    model, _ = tft_vs_alld
    tft, alld = model.actors
    L = model.length
    # Run by run: TFT gets S then P for the remaining L-1 moves; ALL D gets T then P.
    np.testing.assert_array_equal(tft.payoff, S + P * (L - 1))
    np.testing.assert_array_equal(alld.payoff, T + P * (L - 1))
    # E[L - 1] = w/(1-w), so the expected totals are the closed forms; sd = P*sd(L) ~ 9.49, SE ~ 0.067.
    for actor, expected in ((alld, T + W * P / (1 - W)), (tft, S + W * P / (1 - W))):
        mean, se = _mean_and_se(actor.payoff)
        assert abs(mean - expected) <= Z * se, (mean, expected, se)
    assert T + W * P / (1 - W) == pytest.approx(14) and S + W * P / (1 - W) == pytest.approx(9)


def test_mean_length_with_horizon_cap():
    """Axelrod (1984) shadow of the future with a cap (MODEL.md 2): E[min(L, H)] = (1 - w^H)/(1 - w).

    P(L > t) = w^t, so E[min(L, H)] = sum_{t=0}^{H-1} P(L > t) = (1 - w^H)/(1 - w) ~ 5.695 at H = 8.
    The fraction of runs reaching the cap is P(L >= H) = w^(H-1) ~ 0.478; both are checked within
    4 SE (sample sd for the length, binomial sqrt(p(1-p)/n) for the fraction).
    """
    H = 8
    model, _ = play(game_scenario("tit_for_tat", "tit_for_tat", horizon=H, continuation=W, seed=13),
                    runs=RUNS)
    L = model.length
    assert L.min() >= 1 and L.max() == H
    expected = (1.0 - W**H) / (1.0 - W)
    mean, se = _mean_and_se(L)
    assert abs(mean - expected) <= Z * se, (mean, expected, se)
    p_cap = W ** (H - 1)
    frac = float((L == H).mean())
    assert abs(frac - p_cap) <= Z * np.sqrt(p_cap * (1 - p_cap) / RUNS), (frac, p_cap)


def test_grim_and_tft_thresholds():
    """Axelrod (1984) and the folk theorem: for T5 R3 P1 S0, grim trigger needs w >= 1/2 and
    TFT is collectively stable iff w >= 2/3 (ALL D invades below (T-R)/(T-P) = 1/2, the
    alternating D,C,D,C... invader below (T-R)/(R-S) = 2/3)."""
    assert grim_threshold(PD) == pytest.approx(0.5, rel=1e-12)
    assert tft_threshold(PD) == pytest.approx(2.0 / 3.0, rel=1e-12)
    # Independent derivation: ALL D does not beat TFT iff R/(1-w) >= T + wP/(1-w);
    # DCDC... does not beat TFT iff R/(1-w) >= (T + wS)/(1-w^2). Solve both on a fine grid.
    w = np.linspace(0.0, 0.999, 999_001)
    alld_fails = R / (1 - w) >= T + w * P / (1 - w)
    alt_fails = R / (1 - w) >= (T + w * S) / (1 - w**2)
    assert w[alld_fails].min() == pytest.approx(0.5, abs=2e-6)
    assert w[alld_fails & alt_fails].min() == pytest.approx(2.0 / 3.0, abs=2e-6)
    # An asymmetric case where the alternation condition binds only for TFT, not grim.
    p = Payoffs(R=4, S=0, T=6, P=1)
    assert grim_threshold(p) == pytest.approx(2 / 5) and tft_threshold(p) == pytest.approx(1 / 2)


# -- TFT's collective stability, shown by simulation from both sides ---------------------------
#
# Axelrod (1984), Proposition 2: TFT is collectively stable iff no invader earns more against TFT
# than TFT does against itself, R/(1-w). The two candidate invaders are ALL D,
# V(ALLD|TFT) = T + wP/(1-w), and alternation. The engine's alternator starts with C:
# step 0 earns R, then T, S, T, S, ..., so V(ALT|TFT) = R + w(T + wS)/(1 - w^2); it beats R/(1-w)
# iff (T + wS)/(1+w) > R iff w < (T-R)/(R-S), the same condition as Axelrod's D-first alternation.
# With T5 R3 P1 S0: ALL D invades iff w < 1/2, the alternator iff w < 2/3.
#
# Method: each invader plays TFT in 20000 runs with continuation w, and in run r it is compared
# with what TFT would earn against TFT in that run, R x L_r (exact: see test_tft_vs_tft_value).
# The per-run advantage's mean is checked against V(inv|TFT) - R/(1-w) within 4 SE and must lie
# on the predicted side of 0 by more than 4 SE.


def _advantage_expected(invader, w):
    tft = R / (1 - w)
    if invader == "always_defect":
        return T + w * P / (1 - w) - tft
    return R + w * (T + w * S) / (1 - w**2) - tft


@pytest.mark.parametrize("w", [0.45, 0.6, 0.75])
@pytest.mark.parametrize("invader", ["always_defect", "alternator"])
def test_tft_collective_stability_by_simulation(invader, w):
    """Axelrod (1984): TFT is collectively stable iff w >= max((T-R)/(T-P), (T-R)/(R-S)) = 2/3.
    Below 1/2 both ALL D and the alternator earn more than R/(1-w) against TFT; between 1/2 and
    2/3 only the alternator does; at w = 0.75 neither does."""
    model, _ = play(game_scenario(invader, "tit_for_tat", horizon=BIG_H, continuation=w, seed=14),
                    runs=RUNS)
    assert model.length.max() < BIG_H
    advantage = model.actors[0].payoff - R * model.length
    mean, se = _mean_and_se(advantage)
    expected = _advantage_expected(invader, w)
    assert abs(mean - expected) <= Z * se, (mean, expected, se)
    invades = w < (grim_threshold(PD) if invader == "always_defect" else tft_threshold(PD))
    assert (mean > Z * se) if invades else (mean < -Z * se), (invader, w, mean, se)
