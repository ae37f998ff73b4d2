"""Validation of the stage-game presets against Harsanyi, J. C. and Selten, R. (1988), A General
Theory of Equilibrium Selection in Games, MIT Press (risk dominance, stag hunt), and the mixed
equilibrium of chicken (Rapoport, A. and Chammah, A. M. 1966, "The game of chicken", American
Behavioral Scientist 10(3): 10-28; Maynard Smith, J. 1982, Evolution and the Theory of Games,
hawk-dove).

* Stag hunt: (C, C) risk-dominates (D, D) iff R + S > T + P; the preset R4 S0 T3 P2 has
  4 + 0 < 3 + 2, so D is risk dominant, and myopic players with belief 1/2 land on (D, D).
* Chicken: in the mixed equilibrium each swerves (C) with probability (S-P)/((T-R)+(S-P)),
  1/3 for the preset R3 S1 T5 P0.

The closed forms are compared with independent calculations done here (deviation-loss products,
indifference conditions solved in exact rational arithmetic), from sim.games.PRESETS.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from conftest import game_scenario, play

from sim.games import PRESETS


def _frac(p):
    return {k: Fraction(getattr(p, k)).limit_denominator() for k in "RSTP"}


def test_stag_hunt_preset_is_a_coordination_game_with_d_risk_dominant():
    """Harsanyi and Selten (1988): in the stag hunt both (C,C) and (D,D) are strict equilibria;
    (C,C) is risk dominant iff R + S > T + P. Preset 4 + 0 < 3 + 2: D is risk dominant."""
    g = _frac(PRESETS["stag_hunt"])
    R, S, T, P = g["R"], g["S"], g["T"], g["P"]
    assert R > T and P > S                      # both pure profiles are strict Nash equilibria
    assert R > P                                # (C,C) is payoff dominant
    # Independent calculation (Harsanyi-Selten, symmetric 2x2): compare the products of the two
    # players' deviation losses, (R-T)^2 at (C,C) and (P-S)^2 at (D,D).
    cc_loss, dd_loss = (R - T) ** 2, (P - S) ** 2
    assert (cc_loss > dd_loss) == (R + S > T + P)
    assert dd_loss > cc_loss and R + S < T + P  # D risk dominant: 4 < 5
    # Equivalent: against a 50/50 opponent D is the better reply: (T+P)/2 = 2.5 > (R+S)/2 = 2.
    assert (T + P) / 2 > (R + S) / 2
    # The general criterion on a grid of coordination games (R > T, P > S).
    rng = np.random.default_rng(0)
    for _ in range(200):
        r, t, p, s = rng.integers(0, 10, 4)
        if not (r > t and p > s):
            continue
        assert ((r - t) ** 2 > (p - s) ** 2) == (r + s > t + p)


def _chicken_swerve_probability(g):
    """Solve the indifference condition q R + (1-q) S = q T + (1-q) P for the other's swerve
    probability q (exact rationals), as a 2x2 linear system in (q, 1-q)."""
    R, S, T, P = g["R"], g["S"], g["T"], g["P"]
    # a q + b = 0 with a = (R - S) - (T - P), b = S - P
    a = (R - S) - (T - P)
    b = S - P
    return -b / a


def test_chicken_mixed_equilibrium_swerves_one_third():
    """Rapoport and Chammah (1966), Maynard Smith (1982): chicken's mixed equilibrium swerves
    with probability (S-P)/((T-R)+(S-P)); for the preset R3 S1 T5 P0 that is 1/3."""
    g = _frac(PRESETS["chicken"])
    R, S, T, P = g["R"], g["S"], g["T"], g["P"]
    assert T > R > S > P                         # it is chicken
    q = _chicken_swerve_probability(g)
    assert q == (S - P) / ((T - R) + (S - P)) == Fraction(1, 3)
    # q is an equilibrium: against q, C and D earn the same (5/3 each).
    assert q * R + (1 - q) * S == q * T + (1 - q) * P == Fraction(5, 3)


def test_chicken_indifference_in_the_engine():
    """Rapoport and Chammah (1966): against an opponent who swerves with probability 1/3 (the
    `random` strategy, p = 1/3), swerving and going straight earn the same, 5/3 per step.

    Both C-vs-random and D-vs-random are simulated with the same seed and runs (common random
    numbers: the opponent's moves are identical), so the per-run difference of mean payoffs has
    expectation 0; tolerance 4 SE from that difference's sample sd. Each mean is also checked
    against 5/3 within 4 SE.
    """
    runs, horizon = 4000, 50
    other = {"name": "random", "p": 1 / 3}
    c_model, _ = play(game_scenario("always_cooperate", other, game="chicken", horizon=horizon, seed=5), runs=runs)
    d_model, _ = play(game_scenario("always_defect", other, game="chicken", horizon=horizon, seed=5), runs=runs)
    c = c_model.actors[0].payoff / horizon
    d = d_model.actors[0].payoff / horizon
    for x in (c, d):
        se = x.std(ddof=1) / np.sqrt(runs)
        assert abs(x.mean() - 5 / 3) <= 4 * se, (x.mean(), se)
    diff = c - d
    se = diff.std(ddof=1) / np.sqrt(runs)
    assert abs(diff.mean()) <= 4 * se, (diff.mean(), se)


def test_myopic_chicken_reply_switches_at_the_mixed_equilibrium():
    """Rapoport and Chammah (1966): a myopic (discount 0) best reply to a belief b that the other
    swerves is to swerve (C) iff b <= 1/3 (ties: MODEL.md says C). Beliefs sampled per run."""
    sc = game_scenario("forward_looking", "always_cooperate", game="chicken", horizon=1,
                       a_params={"discount": 0.0, "noise": 0.0, "trust_learning": 0.0,
                                 "trust": {"uniform": [0.0, 1.0]}})
    model, rec = play(sc, runs=4000)
    b = model.values["actors.A.trust"]
    first = rec.realised[0][0, :, 0]
    clear = np.abs(b - 1 / 3) > 1e-12
    np.testing.assert_array_equal(first[clear], (b <= 1 / 3)[clear])


def test_myopic_pair_with_belief_one_half_lands_on_risk_dominant_outcome():
    """Harsanyi and Selten (1988): myopic best responders (discount 0) who give the other a
    50/50 chance of C on the stag hunt play the risk-dominant D (V_C = 2 < V_D = 2.5), and stay
    on (D, D) once beliefs learn from it."""
    sure = {"discount": 0.0, "trust": 0.5, "trust_learning": 0.2, "noise": 0.0}
    model, rec = play(game_scenario("forward_looking", "forward_looking", game="stag_hunt",
                                    horizon=20, a_params=sure, b_params=sure))
    assert rec.moves(0) == "D" * 20 and rec.moves(1) == "D" * 20
    g = PRESETS["stag_hunt"]
    assert model.actors[0].payoff[0] == model.actors[1].payoff[0] == 20 * g.P


def test_myopic_pair_above_the_basin_boundary_lands_on_payoff_dominant_outcome():
    """Harsanyi and Selten (1988): the basin boundary is b* = (P-S)/((R-T)+(P-S)) = 2/3 (solved here
    from the indifference condition); with belief 0.8 > 2/3 myopic players coordinate on (C, C)."""
    g = _frac(PRESETS["stag_hunt"])
    R, S, T, P = g["R"], g["S"], g["T"], g["P"]
    b_star = (P - S) / ((R - T) + (P - S))
    assert b_star * R + (1 - b_star) * S == b_star * T + (1 - b_star) * P and b_star == Fraction(2, 3)
    sure = {"discount": 0.0, "trust": 0.8, "trust_learning": 0.2, "noise": 0.0}
    _, rec = play(game_scenario("forward_looking", "forward_looking", game="stag_hunt",
                                horizon=20, a_params=sure, b_params=sure))
    assert rec.moves(0) == "C" * 20 and rec.moves(1) == "C" * 20
