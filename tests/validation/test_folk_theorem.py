"""Validation against the folk theorem for the repeated prisoner's dilemma (Friedman, J. W. 1971,
"A non-cooperative equilibrium for supergames", Review of Economic Studies 38(1): 1-12; Axelrod,
R. 1984, The Evolution of Cooperation, ch. 3).

Against grim trigger, a player who is sure the other reciprocates (belief 1) and discounts by
delta compares cooperating for ever, R/(1-delta), with defecting once and being punished for ever,
T + delta P/(1-delta): it cooperates for ever iff delta >= (T-R)/(T-P). MODEL.md section 6 states
that the `forward_looking` rule with b = 1 reproduces exactly this threshold (ties cooperate).

These checks are deterministic (noise 0, belief frozen at 1 by trust 1 and trust_learning 0), so
they are exact, with no tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import game_scenario, play

from sim.games import PRESETS, Payoffs, grim_threshold

HORIZON = 30
SURE = {"trust": 1.0, "trust_learning": 0.0, "noise": 0.0}
OTHER = {"noise": 0.0}


def _threshold(p) -> float:
    """Independent folk-theorem threshold: solve R/(1-d) = T + d P/(1-d) for d."""
    # R = T(1-d) + dP  =>  d (T - P) = T - R
    return (p["T"] - p["R"]) / (p["T"] - p["P"])


def _play_forward(discount, game="prisoners_dilemma", seat=0):
    """forward_looking (belief 1) in seat `seat` against grim_trigger in the other seat."""
    fl = {**SURE, "discount": discount}
    if seat == 0:
        sc = game_scenario("forward_looking", "grim_trigger", game=game, horizon=HORIZON,
                           a_params=fl, b_params=OTHER)
    else:
        sc = game_scenario("grim_trigger", "forward_looking", game=game, horizon=HORIZON,
                           a_params=OTHER, b_params=fl)
    model, rec = play(sc)
    return rec.moves(seat), rec.moves(1 - seat)


def test_pd_threshold_is_one_half():
    """Friedman (1971): on T5 R3 P1 S0 grim trigger sustains cooperation iff delta >= 1/2."""
    pd = PRESETS["prisoners_dilemma"]
    assert _threshold(pd.__dict__) == 0.5 == grim_threshold(pd)


@pytest.mark.parametrize("seat", [0, 1])
def test_pd_below_threshold_defects_at_once(seat):
    """Friedman (1971): at delta = 0.45 < 1/2 defecting now beats cooperating for ever
    (V_C = 3/0.55 = 5.45 < V_D = 5 + 0.45/0.55 = 5.82): D at step 0 and (belief still 1) for ever;
    grim trigger cooperates once and then punishes for ever."""
    fl, grim = _play_forward(0.45, seat=seat)
    assert fl == "D" * HORIZON
    assert grim == "C" + "D" * (HORIZON - 1)


@pytest.mark.parametrize("seat", [0, 1])
@pytest.mark.parametrize("discount", [0.5, 0.55])
def test_pd_at_or_above_threshold_cooperates_for_ever(seat, discount):
    """Friedman (1971): at delta >= 1/2 cooperation is sustained: C at every step by both.
    delta = 0.5 is the tie V_C = V_D = 6 (exact in floating point), which MODEL.md resolves to C."""
    fl, grim = _play_forward(discount, seat=seat)
    assert fl == "C" * HORIZON
    assert grim == "C" * HORIZON


# Asymmetric game: the forward-looking actor has R4 S0 T6 P1 (threshold (6-4)/(6-1) = 2/5);
# the grim-trigger actor keeps the prisoner's dilemma (its own threshold 1/2 must not matter).
MINE = {"R": 4, "S": 0, "T": 6, "P": 1}


def _asym(seat):
    names = ("A", "B")
    return {names[seat]: MINE, names[1 - seat]: "prisoners_dilemma"}


@pytest.mark.parametrize("seat", [0, 1])
@pytest.mark.parametrize("discount, cooperates", [(0.35, False), (0.39, False), (0.41, True), (0.45, True)])
def test_asymmetric_game_threshold_two_fifths(seat, discount, cooperates):
    """Friedman (1971) on an explicit asymmetric game: with the forward-looking actor's own payoffs
    R4 S0 T6 P1 the threshold is (T-R)/(T-P) = 2/5, from either seat and from either side of it
    (0.35, 0.39 below: defect; 0.41, 0.45 above: cooperate for ever)."""
    assert _threshold(MINE) == pytest.approx(0.4) and grim_threshold(Payoffs(**MINE)) == pytest.approx(0.4)
    assert (discount >= _threshold(MINE)) == cooperates
    fl, grim = _play_forward(discount, game=_asym(seat), seat=seat)
    if cooperates:
        assert fl == "C" * HORIZON and grim == "C" * HORIZON
    else:
        assert fl == "D" * HORIZON and grim == "C" + "D" * (HORIZON - 1)


@pytest.mark.parametrize("game, threshold", [("prisoners_dilemma", 0.5), ("asymmetric", 0.4)])
def test_threshold_over_a_continuum_of_discounts(game, threshold):
    """Friedman (1971): the first move is C iff delta >= (T-R)/(T-P), for every delta in [0, 0.99).

    The discount is sampled per run from uniform(0, 0.99) (MODEL.md 2, uncertain parameters), so
    4000 runs test 4000 discounts; exact, except that a draw within 1e-12 of the threshold (chance
    ~ 1e-9) could fall either way by rounding, and such runs are excluded.
    """
    g = _asym(0) if game == "asymmetric" else game
    sc = game_scenario("forward_looking", "grim_trigger", game=g, horizon=3,
                       a_params={**SURE, "discount": {"uniform": [0.0, 0.99]}}, b_params=OTHER)
    model, rec = play(sc, runs=4000)
    delta = model.values["actors.A.discount"]
    first = rec.realised[0][0, :, 0]  # actor A's realised move at step 0, all runs
    clear = np.abs(delta - threshold) > 1e-12
    np.testing.assert_array_equal(first[clear], (delta >= threshold)[clear])
    assert 0.3 < first.mean() < 0.7  # both sides of the threshold were actually sampled
