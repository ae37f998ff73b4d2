"""Validation of issue linkage (MODEL.md section 6) against Bernheim, B. D. and Whinston, M. D.
(1990), "Multimarket contact and collusive behavior", RAND Journal of Economics 21(1): 1-26:
when deviations on one market are punished on every market, one defection ends cooperation
everywhere; when markets are separate, each is its own repeated game.

* Full linkage (linkage 1): grim trigger on three tracks is "defect anywhere, punished
  everywhere". A single forced defection on one track spreads to every track within three steps,
  in an exact, deterministic pattern derived below.
* Linkage 0: the tracks are independent repeated games. A forced defection on one track leaves
  the moves on the other tracks exactly unchanged, in every run, with noise and stochastic
  strategies (compared against the same seed without the forced defection).

Note on the comparison. Each event draws from its own stream keyed by its name (sim/streams.py),
so adding an event shifts no other random number; the control scenario still has an event of the
same name at the same step whose effect is a no-op (add 0 to a level), so the two scenarios differ
only in what the event does. Domestic pressure is
another channel between tracks (hawk_sensitivity, audience_weight); both are 0 here (the default),
so only linkage could couple the tracks.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import play

from sim import scenario_from_dict

TRACKS = ("a", "b", "c")
FORCE_AT = 3


def _scenario(linkage, strategies=(("grim_trigger",) * 3, ("grim_trigger",) * 3), force=True, noise=0.0,
              runs=1, seed=0, horizon=10):
    """Actors A, B on tracks a (channel), b, c; B is forced to D on track a at step FORCE_AT
    (or, without ``force``, a no-op event at the same step)."""
    effect = ({"force": "D", "actor": "B", "track": "a"} if force
              else {"target": "tracks.a.level", "add": 0})
    actors = {name: {"noise": noise,
                     "strategies": {t: {"name": s, "linkage": linkage} for t, s in zip(TRACKS, strats)}}
              for name, strats in zip("AB", strategies)}
    return scenario_from_dict({
        "seed": seed, "runs": runs, "horizon": horizon, "actors": actors,
        "tracks": {"a": {"role": "channel"}, "b": {}, "c": {}},
        "events": [{"name": "forced", "at": FORCE_AT, "effects": [effect]}],
    })


def test_full_linkage_spreads_one_defection_to_every_track():
    """Bernheim and Whinston (1990), MODEL.md 6: with linkage 1, grim trigger punishes a defection
    anywhere on every track. Exact pattern after B's forced D on track a at step 3 (t0):

    * t0:   A C C C, B D C C (forced). With linkage 1 a track's own moves have weight 0, so A's
      perceived cooperation is 1 on track a (B cooperated on b and c) and 1/2 on b and c: A's grim
      triggers on b and c only.
    * t0+1: A C D D, B C C C (B saw A cooperate everywhere at t0). B now perceives < 1 on every
      track (A's D on b, c weigh on a; each of b, c sees the other's D): B triggers everywhere.
    * t0+2: A C D D, B D D D. A now sees B defect on b and c: its track a triggers too.
    * t0+3 on: D everywhere, for ever.
    """
    _, rec = play(_scenario(1.0))
    a = [rec.moves(0, 0, k) for k in range(3)]
    b = [rec.moves(1, 0, k) for k in range(3)]
    assert a == ["CCC" + "CCC" + "DDDD", "CCC" + "CDD" + "DDDD", "CCC" + "CDD" + "DDDD"]
    assert b == ["CCC" + "DCD" + "DDDD", "CCC" + "CCD" + "DDDD", "CCC" + "CCD" + "DDDD"]
    # without the forced defection everybody cooperates throughout
    _, quiet = play(_scenario(1.0, force=False))
    assert all(quiet.moves(i, 0, k) == "C" * 10 for i in (0, 1) for k in range(3))


def test_no_linkage_keeps_the_punishment_on_its_track():
    """Bernheim and Whinston (1990): separate markets are separate games. With linkage 0, A's grim
    trigger punishes on track a alone from t0+1 on; tracks b and c cooperate throughout."""
    _, rec = play(_scenario(0.0))
    assert rec.moves(0, 0, 0) == "C" * 4 + "D" * 6
    assert rec.moves(1, 0, 0) == "CCC" + "D" + "C" + "D" * 5   # B's grim answers A's D from t0+2
    assert all(rec.moves(i, 0, k) == "C" * 10 for i in (0, 1) for k in (1, 2))


MIXED = (("grim_trigger", "generous_tit_for_tat", "forward_looking"),
         ("tit_for_tat", "win_stay_lose_shift", "random"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_linkage_other_tracks_exactly_unchanged_under_noise(seed):
    """Bernheim and Whinston (1990), MODEL.md 6 ("with linkage 0 every classic is exactly its
    textbook self"): across 2000 noisy runs (noise 0.05) with stochastic strategies, forcing B to
    D on track a at step 3 leaves every realised move on tracks b and c, of both actors and at
    every step, exactly as in the same runs without it; on track a play does change."""
    kw = dict(strategies=MIXED, noise=0.05, runs=2000, seed=seed, horizon=30)
    _, forced = play(_scenario(0.0, **kw))
    _, control = play(_scenario(0.0, force=False, **kw))
    f, c = np.stack(forced.realised), np.stack(control.realised)     # (steps, actors, runs, tracks)
    np.testing.assert_array_equal(f[:, :, :, 1:], c[:, :, :, 1:])
    np.testing.assert_array_equal(np.stack(forced.payoffs)[:, :, :, 1:], np.stack(control.payoffs)[:, :, :, 1:])
    changed = (f[:, :, :, 0] != c[:, :, :, 0]).any(axis=(0, 1))
    assert changed.mean() > 0.5   # the forced D did change track a in most runs


def test_linkage_does_couple_tracks_under_noise():
    """Bernheim and Whinston (1990), the converse: with linkage 0.5 the same forced defection
    changes the other tracks' moves in some runs (so the previous test can fail)."""
    kw = dict(strategies=MIXED, noise=0.05, runs=2000, seed=1, horizon=30)
    _, forced = play(_scenario(0.5, **kw))
    _, control = play(_scenario(0.5, force=False, **kw))
    f, c = np.stack(forced.realised), np.stack(control.realised)
    assert (f[:, :, :, 1:] != c[:, :, :, 1:]).any()
