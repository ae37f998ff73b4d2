"""Validation of ``sim.theory`` (the theory panel) against hand-computed values for the five
presets and for asymmetric games.

Sources, per function:

* classes: the ordinal definitions of Rapoport, A. and Guyer, M. (1966), "A taxonomy of 2x2
  games", General Systems 11: 203-214 (PD T > R > P > S, stag hunt R > T > P > S, chicken
  T > R > S > P, harmony R > T, S > P, R > S, deadlock T > P > R > S);
* pure and mixed equilibria: Nash, J. (1951), "Non-cooperative games", Annals of Mathematics 54;
  the chicken swerve probability (S-P)/((T-R)+(S-P)): Rapoport and Chammah (1966);
* risk dominance: Harsanyi, J. C. and Selten, R. (1988), product of the deviation losses;
* grim threshold (T-R)/(T-M), M = max(S, P) the best reply to permanent punishment: Friedman (1971); TFT threshold max((T-R)/(T-P), (T-R)/(R-S)):
  Axelrod (1984); GTFT optimal generosity: Nowak and Sigmund (1992);
* pooled threshold sum max(T-R, 0) / sum (max(T, R) - M) over the linked tracks: Bernheim, B. D. and Whinston, M. D. (1990), "Multimarket
  contact and collusive behavior", RAND Journal of Economics 21(1): 1-26.

Every expected value below was computed by hand (shown in the comments), so these checks are
exact (floating-point tolerance 1e-12), except the one over sampled discounts, whose tolerance
is 4 binomial standard errors.

Note: MODEL.md lists the ``deadlock`` preset as R2 S0 T3 P1, whose ordering T > R > P > S is a
prisoner's dilemma; the engine's preset is the textbook deadlock R1 S0 T3 P2 (T > P > R > S), and
this test pins it.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import game_scenario

from sim.games import PRESETS, Payoffs
from sim.theory import (classify, classify_game, grim_threshold, gtft_generosity, mixed_equilibrium,
                        number, pooled_threshold, pure_equilibria, risk_dominant, theory_panel,
                        tft_threshold)

# name: (class, pure equilibria, mixed p(C) each, risk dominant, grim, tft, gtft q*)
EXPECTED = {
    # T5 > R3 > P1 > S0. D dominant: only (D,D). Indifference p = (P-S)/((R-T)+(P-S)) = 1/(-2+1) = -1:
    # no mixed equilibrium. Grim (5-3)/(5-1) = 1/2; TFT max(1/2, 2/3) = 2/3; q* = min(1-2/3, 2/4) = 1/3.
    "prisoners_dilemma": ("prisoners_dilemma", [("D", "D")], None, None, 1 / 2, 2 / 3, 1 / 3),
    # R4 > T3 > P2 > S0. (C,C) and (D,D) strict; p = (2-0)/((4-3)+(2-0)) = 2/3; deviation-loss
    # products (4-3)^2 = 1 < (2-0)^2 = 4: (D,D) risk dominant. No temptation: grim 0. TFT n/a.
    # q* = min(1 - (3-4)/(4-0), (4-2)/(3-2)) = min(5/4, 2) -> clipped to 1.
    "stag_hunt": ("stag_hunt", [("C", "C"), ("D", "D")], 2 / 3, ("D", "D"), 0.0, None, 1.0),
    # T5 > R3 > S1 > P0. (C,D), (D,C) strict; swerve p = (0-1)/((3-5)+(0-1)) = 1/3; products at
    # (C,D): (S-P)(T-R) = 1*2 and at (D,C): (T-R)(S-P) = 2*1: a tie, none. Grim (T-R)/(T-M) with
    # M = max(S, P) = 1, the best reply (swerve) to a hawk for ever: (5-3)/(5-1) = 1/2 (not 2/5).
    # q* = min(1 - 2/2, 3/5) = 0.
    "chicken": ("chicken", [("C", "D"), ("D", "C")], 1 / 3, None, 1 / 2, None, 0.0),
    # R4 > T3, S2 > P1, R > S. C dominant: only (C,C); (R-T)+(P-S) = 1 - 1 = 0: no mixed
    # equilibrium. Grim 0. q* = min(1 + 1/2, 3/2) -> 1.
    "harmony": ("harmony", [("C", "C")], None, None, 0.0, None, 1.0),
    # R1 S0 T3 P2: T > P > R > S. D dominant: only (D,D); (R-T)+(P-S) = -2 + 2 = 0: no mixed
    # equilibrium. Grim (3-1)/(3-2) = 2 (> 1: never sustainable); TFT n/a;
    # q* = min(1 - 2/1, (1-2)/(3-2)) = -1 -> clipped to 0.
    "deadlock": ("deadlock", [("D", "D")], None, None, 2.0, None, 0.0),
}


def _approx(x):
    return None if x is None else pytest.approx(x, abs=1e-12)


@pytest.mark.parametrize("preset", sorted(EXPECTED))
def test_presets_hand_computed(preset):
    """Rapoport and Guyer (1966), Nash (1951), Harsanyi and Selten (1988), Friedman (1971),
    Axelrod (1984), Nowak and Sigmund (1992): every panel value of each symmetric preset."""
    p = PRESETS[preset]
    cls, pure, mixed, rd, grim, tft, q = EXPECTED[preset]
    assert classify(p) == cls and classify_game(p, p) == cls
    assert pure_equilibria(p, p) == pure
    m = mixed_equilibrium(p, p)
    assert (m is None) == (mixed is None)
    if mixed is not None:
        assert m == (_approx(mixed), _approx(mixed))
    assert risk_dominant(p, p) == rd
    assert grim_threshold(p) == _approx(grim)
    assert tft_threshold(p) == _approx(tft)
    assert gtft_generosity(p) == _approx(q)


def test_true_deadlock_and_other():
    """Rapoport and Guyer (1966): T3 > P2 > R1 > S0 is deadlock; (D,D) is the only equilibrium
    and grim trigger can never sustain cooperation ((3-1)/(3-2) = 2 > 1); ties are 'other'."""
    dl = Payoffs(R=1, S=0, T=3, P=2)
    assert classify(dl) == "deadlock"
    assert pure_equilibria(dl, dl) == [("D", "D")]
    assert grim_threshold(dl) == 2.0 and tft_threshold(dl) is None
    assert classify(Payoffs(R=3, S=0, T=3, P=1)) == "other"


def test_stag_hunt_risk_dominance_symmetric_rule():
    """Harsanyi and Selten (1988): in a symmetric coordination game (C,C) is risk dominant iff
    R + S > T + P; checked on every integer coordination game with payoffs 0..6."""
    for R, S, T, P in np.ndindex(7, 7, 7, 7):
        if not (R > T and P > S) or R + S == T + P:
            continue
        g = Payoffs(R, S, T, P)
        assert risk_dominant(g, g) == (("C", "C") if R + S > T + P else ("D", "D"))


def test_asymmetric_stag_hunt():
    """Harsanyi and Selten (1988) in an asymmetric game: A R4 S0 T3 P2, B R5 S0 T2 P1.
    Both (C,C) and (D,D) strict. Products: (C,C) (4-3)(5-2) = 3 > (D,D) (2-0)(1-0) = 2, so (C,C)
    is risk dominant although A alone has R+S = 4 < T+P = 5. Mixed (Nash 1951): A plays C with
    (P_B-S_B)/((R_B-T_B)+(P_B-S_B)) = 1/(3+1) = 1/4, B with 2/(1+2) = 2/3."""
    a, b = Payoffs(4, 0, 3, 2), Payoffs(5, 0, 2, 1)
    assert classify_game(a, b) == "stag_hunt"
    assert pure_equilibria(a, b) == [("C", "C"), ("D", "D")]
    assert risk_dominant(a, b) == ("C", "C")
    assert risk_dominant(b, a) == ("C", "C")
    assert mixed_equilibrium(a, b) == (pytest.approx(1 / 4), pytest.approx(2 / 3))
    assert grim_threshold(a) == 0.0 and grim_threshold(b) == 0.0


def test_asymmetric_pd_against_chicken():
    """Nash (1951): A has the PD (D dominant), B chicken. B's best reply to D is C (S1 > P0), so
    the only equilibrium is (D,C); B's indifference would need A to play C with probability
    (0-1)/((3-5)+(0-1)) = 1/3, but A never mixes (its own condition gives 1/((3-5)+1) = -1):
    no mixed equilibrium. The game is of no single class."""
    a, b = PRESETS["prisoners_dilemma"], PRESETS["chicken"]
    assert classify_game(a, b) == "other"
    assert pure_equilibria(a, b) == [("D", "C")]
    assert pure_equilibria(b, a) == [("C", "D")]
    assert mixed_equilibrium(a, b) is None
    assert risk_dominant(a, b) is None


def test_pooled_threshold_bernheim_whinston():
    """Bernheim and Whinston (1990): punishing on all tracks together, cooperation holds iff
    delta >= sum(T-R)/sum(T-P). PD (2/4) with R3 S0 T4 P0 (1/4): pooled 3/8, between the two;
    at delta = 0.45 the pooled condition holds though the PD track alone (1/2) fails."""
    pd, easy = PRESETS["prisoners_dilemma"], Payoffs(R=3, S=0, T=4, P=0)
    assert grim_threshold(easy) == pytest.approx(1 / 4)
    pooled = pooled_threshold([pd, easy])
    assert pooled == pytest.approx(3 / 8)
    assert grim_threshold(easy) < pooled < grim_threshold(pd)
    assert pooled <= 0.45 < grim_threshold(pd)
    # the same game on every track: pooling changes nothing
    assert pooled_threshold([pd, pd, pd]) == pytest.approx(grim_threshold(pd))
    assert pooled_threshold([PRESETS["harmony"]]) == 0.0


def test_pooled_threshold_counts_no_negative_temptation():
    """Bernheim and Whinston (1990), as the model pools: a track without temptation (harmony,
    R4 S2 T3 P1) adds max(T-R, 0) = 0 to the gain, and to the punishment what defecting for ever
    costs there, max(T, R) - max(S, P) = 4 - 2 = 2 (the deviator keeps cooperating on it in the
    deviation step: R4 > T3). With the PD (T5 R3 P1 S0: gain 2, punishment 5 - 1 = 4) the pool is
    (2 + 0)/(4 + 2) = 1/3. By hand: cooperating everywhere is worth 7/(1-d); the best deviation
    earns 5 + 4 now and 1 + 2 a step after, 9 + 3d/(1-d); 7 >= 9(1-d) + 3d iff d >= 2/6 = 1/3.
    (The old denominator sum (T - M) = 4 + 1 gave 2/5.) A negative T-R must not cancel the PD's."""
    pooled = pooled_threshold([PRESETS["harmony"], PRESETS["prisoners_dilemma"]])
    assert pooled == pytest.approx(1 / 3, abs=1e-12)
    d = pooled
    assert 7 / (1 - d) == pytest.approx(9 + 3 * d / (1 - d))   # indifferent exactly at the threshold


def _harmony_and_pd(discount: float):
    from sim import scenario_from_dict

    return scenario_from_dict({
        "actors": {"A": {"discount": discount,
                         "strategies": {"x": {"name": "grim_trigger", "linkage": {"y": 0.5}}, "y": "grim_trigger"}},
                   "B": {"strategies": {"x": "grim_trigger", "y": "grim_trigger"}}},
        "tracks": {"x": {"role": "channel", "game": "harmony"}, "y": {"game": "prisoners_dilemma"}},
    })


def test_panel_pools_a_harmony_track_and_says_the_discount_clears():
    """A links a harmony channel (R4 S2 T3 P1) to a PD (T5 R3 P1 S0): pooled 1/3 (hand-computed
    above), so A's discount 0.35 clears it (the old denominator's 2/5 said it did not)."""
    from sim.theory import format_panel

    panel = theory_panel(_harmony_and_pd(0.35))
    assert panel["pooled"]["A"]["tracks"] == ["x", "y"]
    assert panel["pooled"]["A"]["value"] == pytest.approx(1 / 3)
    assert panel["pooled"]["A"]["discount"] == {"clears": True}
    text = format_panel(panel)
    pooled_line = text.split("Linked tracks:")[1].splitlines()[1]
    assert "1/3 = 0.333" in pooled_line and "discount 0.35 clears" in pooled_line
    assert "sum(max(T,R)-M)" in text


def test_a_threshold_above_one_prints_never():
    """Friedman (1971): in deadlock (R1 S0 T3 P2) grim's threshold is (3-1)/(3-2) = 2 > 1, and
    pooling two deadlock tracks gives (2+2)/(1+1) = 2: no discount factor below 1 sustains
    cooperation, so the panel, the `sim theory` text and the report say 'never', not 2."""
    from sim import scenario_from_dict
    from sim.analysis.report import _theory_tables
    from sim.theory import format_panel

    sc = scenario_from_dict({
        "actors": {"A": {"strategies": {"x": {"name": "grim_trigger", "linkage": 1}, "y": "grim_trigger"}},
                   "B": {"strategies": {"x": "grim_trigger", "y": "grim_trigger"}}},
        "tracks": {"x": {"role": "channel", "game": "deadlock"}, "y": {"game": "deadlock"}},
    })
    panel = theory_panel(sc)
    assert panel["pooled"]["A"]["value"] == pytest.approx(2.0)
    assert panel["tracks"][0]["actors"]["A"]["grim_threshold"]["value"] == pytest.approx(2.0)
    text = format_panel(panel)
    grim = [line for line in text.splitlines() if line.strip().startswith("grim")]
    assert grim and all(" never " in line and " 2 " not in line for line in grim)
    assert "never" in text.split("Linked tracks:")[1]
    html = _theory_tables(panel)
    assert html.count(">never<") >= 3   # A's and B's grim thresholds, and A's pooled one


def test_panel_pools_only_the_tracks_an_actor_links():
    """The pooled threshold runs over the tracks with non-zero linkage weight: A links x to y
    only, so the chicken track z (which would change the pool) stays out."""
    from sim import scenario_from_dict

    sc = scenario_from_dict({
        "actors": {"A": {"strategies": {"x": {"name": "grim_trigger", "linkage": {"y": 0.5}},
                                        "y": "grim_trigger", "z": "grim_trigger"}},
                   "B": {"strategies": {"x": "grim_trigger", "y": "grim_trigger", "z": "grim_trigger"}}},
        "tracks": {"x": {"role": "channel"}, "y": {"game": {"R": 3, "S": 0, "T": 4, "P": 0}},
                   "z": {"game": "chicken"}},
    })
    panel = theory_panel(sc)
    assert panel["pooled"]["A"]["tracks"] == ["x", "y"]
    assert panel["pooled"]["A"]["value"] == pytest.approx(3 / 8)


def test_number_shows_small_fractions():
    """Display: 1/2, 2/3, 1/3 print as fractions with their decimals."""
    assert number(0.5) == "1/2 = 0.500"
    assert number(2 / 3) == "2/3 = 0.667"
    assert number(1 / 3) == "1/3 = 0.333"
    assert number(None) == "n/a" and number(1.0) == "1" and number(0.4123) == "0.412"


def test_panel_on_the_standard_pd():
    """Friedman (1971), Axelrod (1984), Nowak and Sigmund (1992) through the panel of a
    scenario: fixed inputs give the exact values and a yes/no for each discount."""
    sc = game_scenario("tit_for_tat", "grim_trigger", a_params={"discount": 0.6}, b_params={"discount": 0.7})
    panel = theory_panel(sc)
    (track,) = panel["tracks"]
    assert track["class"] == {"value": "prisoners_dilemma"}
    assert track["pure_equilibria"] == {"value": "(D,D)"}
    assert track["mixed_equilibrium"] is None and track["risk_dominant"] == {"value": "n/a"}
    a, b = track["actors"]["A"], track["actors"]["B"]
    for actor in (a, b):
        assert actor["grim_threshold"]["value"] == pytest.approx(1 / 2)
        assert actor["tft_threshold"]["value"] == pytest.approx(2 / 3)
        assert actor["gtft_generosity"]["value"] == pytest.approx(1 / 3)
    assert a["grim_threshold"]["discount"] == {"clears": True}    # 0.6 >= 1/2
    assert a["tft_threshold"]["discount"] == {"clears": False}    # 0.6 < 2/3
    assert b["tft_threshold"]["discount"] == {"clears": True}     # 0.7 >= 2/3
    assert panel["pooled"] == {} and panel["uncertain_parameters"] == []


def test_panel_with_an_uncertain_discount():
    """Friedman (1971): with delta ~ uniform(0.4, 0.8) the grim threshold 1/2 is cleared with
    probability (0.8 - 0.5)/0.4 = 3/4, and TFT's 2/3 with (0.8 - 2/3)/0.4 = 1/3. The panel
    reports the share of its 2000 sampled parameter sets: 4 binomial SE sqrt(p(1-p)/2000)."""
    sc = game_scenario("tit_for_tat", "tit_for_tat", a_params={"discount": {"uniform": [0.4, 0.8]}})
    panel = theory_panel(sc)
    a = panel["tracks"][0]["actors"]["A"]
    n = panel["samples"]
    for key, p in (("grim_threshold", 3 / 4), ("tft_threshold", 1 / 3)):
        share = a[key]["discount"]["share"]
        assert abs(share - p) <= 4 * np.sqrt(p * (1 - p) / n), (key, share)
    assert panel["tracks"][0]["actors"]["B"]["grim_threshold"]["discount"] == {"clears": True}  # 0.9 default


def test_panel_pools_linked_tracks():
    """Bernheim and Whinston (1990): an actor with linkage > 0 gets the pooled threshold over
    all tracks; here PD (1/2) and R3 S0 T4 P0 (1/4) pool to 3/8."""
    from sim import scenario_from_dict

    sc = scenario_from_dict({
        "actors": {"A": {"strategies": {"x": {"name": "grim_trigger", "linkage": 1}, "y": "grim_trigger"}},
                   "B": {"strategies": {"x": "grim_trigger", "y": "grim_trigger"}}},
        "tracks": {"x": {"role": "channel"}, "y": {"game": {"R": 3, "S": 0, "T": 4, "P": 0}}},
    })
    panel = theory_panel(sc)
    assert set(panel["pooled"]) == {"A"}
    assert panel["pooled"]["A"]["value"] == pytest.approx(3 / 8)
    assert panel["pooled"]["A"]["discount"] == {"clears": True}


@pytest.mark.parametrize("rule", ["random", "always_cooperate", "always_defect", "alternator"])
def test_a_track_where_the_actor_plays_no_strategy_is_marked_not_strategic(rule):
    """A rule that neither reacts to the other nor weighs the payoffs gets no threshold and no
    verdict on its discount (a discount of 0.1 would 'not clear' 1/2 for a rule that never asks);
    the reciprocal and forward-looking rules keep theirs. A linked track where the actor is not
    strategic leaves the pool: A links x to y but plays `rule` on y, so A has no pooled threshold."""
    from sim import scenario_from_dict
    from sim.analysis.report import _theory_tables
    from sim.theory import format_panel

    sc = scenario_from_dict({
        "actors": {"A": {"discount": 0.1, "strategies": {"x": {"name": "forward_looking", "linkage": {"y": 0.5}},
                                                         "y": rule}},
                   "B": {"strategies": {"x": "tit_for_tat", "y": "grim_trigger"}}},
        "tracks": {"x": {"role": "channel"}, "y": {}},
    })
    panel = theory_panel(sc)
    x, y = (t["actors"] for t in panel["tracks"])
    assert y["A"]["strategic"] is False and y["A"]["grim_threshold"] is None and y["A"]["tft_threshold"] is None
    assert y["A"]["class"] == {"value": "prisoners_dilemma"}     # the game itself is still described
    assert x["A"]["strategic"] is True and x["A"]["grim_threshold"]["value"] == pytest.approx(1 / 2)
    assert y["B"]["strategic"] is True and x["B"]["strategic"] is True
    assert panel["pooled"] == {}
    text = format_panel(panel)
    y_block = text.split("\ny (")[1]
    a_lines = y_block.splitlines()[2:4]
    assert a_lines[0].strip().startswith(f"A  {rule}") and "not strategic" in a_lines[1]
    assert "discount 0.1" not in y_block.split("\n  B")[0]
    html = _theory_tables(panel)
    assert f"{rule.replace('_', ' ')} (not strategic)" in html


def test_the_panel_s_facts_of_many_games_are_each_game_s_facts():
    """theory.games_facts (all sampled games at once) gives, game by game, what game_facts gives:
    every class, equilibria with ties (payoffs on a coarse grid, so equal payoffs and zero
    denominators are common), chicken's mixed equilibrium and risk dominance with its ties."""
    import numpy as np

    from sim.games import Payoffs
    from sim.theory import game_facts, games_facts

    rng = np.random.default_rng(3)
    grid = rng.integers(0, 4, size=(4000, 2, 4)).astype(float)
    fine = rng.uniform(-2, 5, size=(4000, 2, 4))
    games = [(Payoffs(*a), Payoffs(*b)) for a, b in np.concatenate([grid, fine]).tolist()]
    a, b = zip(*games)
    many = games_facts(a, b)
    assert many == [game_facts(x, y) for x, y in games]
    kinds = {f[0] for f in many}
    assert kinds == {"prisoners_dilemma", "stag_hunt", "chicken", "harmony", "deadlock", "other"}
    assert {f[3] for f in many} >= {"tie", "n/a", "(C,C)", "(D,D)"} and any(f[2] for f in many)
    assert games_facts([], []) == []
