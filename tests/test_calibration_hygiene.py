"""Calibration hygiene (MODEL 13.7, docs/calibration.md): acceptance within tolerance only, --nearest,
--adjust (Beaumont, Zhang and Balding 2002), the predictive shares and p-values, the prior-data
conflict check, --holdout, --set, and one-line errors for bad options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.linalg

from sim.calibrate.folder import run_calibration
from sim.calibrate.hygiene import (acceptance_rates, conflict, effective_tolerance, joint_p_value, pattern_p_value,
                                   predictive_check, prior_support, regression_adjust, split_patterns, weighted_quantiles)
from sim.cli import main
from sim.errors import UserError
from sim.scenario.load import load_scenario, scenario_from_dict
from test_calibrate import base_text

RECORD = Path(__file__).resolve().parent.parent / "scenarios" / "history" / "record_2022_2025.yaml"


# --- --adjust: known answers ---------------------------------------------------------------------

def test_regression_adjustment_maps_an_exactly_linear_model_onto_the_record():
    """s1 = t1 + 2 t2, s2 = t1 - t2 exactly: every adjusted (t1, t2) is the one solution of s = s_obs,
    ((s1 + 2 s2) / 3, (s1 - s2) / 3), to rounding; a parameter the statistics do not see is barely moved."""
    rng = np.random.default_rng(1)
    theta = rng.uniform(0, 1, size=(20_000, 3))
    s = np.column_stack([theta[:, 0] + 2 * theta[:, 1], theta[:, 0] - theta[:, 1]])
    obs, tol = np.array([1.5, 0.2]), np.array([0.3, 0.3])
    ok = (np.abs(s - obs) <= tol).all(axis=1)
    d = (np.abs(s[ok] - obs) / tol).sum(axis=1)
    adj, w = regression_adjust(theta[ok], s[ok], obs, d, tol)
    assert np.allclose(adj[:, 0], (obs[0] + 2 * obs[1]) / 3, atol=1e-9)
    assert np.allclose(adj[:, 1], (obs[0] - obs[1]) / 3, atol=1e-9)
    assert np.abs(adj[:, 2] - theta[ok, 2]).max() < 0.05          # no slope to remove (estimated ~0)
    assert w.min() == 0 and w.max() <= 1 and (w[d == d.max()] == 0).all()   # Epanechnikov, bandwidth max d


def test_regression_adjustment_removes_a_known_slope_from_a_linear_gaussian_posterior():
    """theta uniform on [-5, 5], s = 2 theta + N(0, 0.5^2), observed s = 1: the exact posterior is
    N(0.5, 0.25^2). Accepting |s - 1| <= 1 widens it (sd sqrt(0.25^2 + 0.5^2/3) = 0.382); the
    adjusted weighted sample has mean 0.5 and sd 0.25 (tolerance: 0.02 on the mean, 8% on the sd)."""
    rng = np.random.default_rng(7)
    theta = rng.uniform(-5, 5, 400_000)
    s = 2 * theta + rng.normal(0, 0.5, theta.size)
    ok = np.abs(s - 1) <= 1
    raw = theta[ok]
    assert raw.std() == pytest.approx(np.sqrt(0.25 ** 2 + 0.5 ** 2 / 3), rel=0.05)
    adj, w = regression_adjust(raw, s[ok][:, None], [1.0], np.abs(s[ok] - 1), [1.0])
    mean = np.average(adj, weights=w)
    sd = np.sqrt(np.average((adj - mean) ** 2, weights=w))
    assert mean == pytest.approx(0.5, abs=0.02)
    assert sd == pytest.approx(0.25, rel=0.08)
    lo, med, hi = weighted_quantiles(adj, w)
    assert (lo, hi) == pytest.approx((0.5 - 1.645 * 0.25, 0.5 + 1.645 * 0.25), abs=0.04)


def test_adjust_on_the_command_line_reports_and_stores_the_weighted_least_squares_answer(tmp_path, capsys):
    path = tmp_path / "small.yaml"
    path.write_text(base_text())
    assert main(["calibrate", str(path), "--draws", "2000", "--accept", "30", "--predictive", "0", "--adjust",
                 "--quiet", "--workers", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "adjusted median, 90%" in out
    folder = next((tmp_path / "small").iterdir())
    sm = json.loads((folder / "summary.json").read_text())
    post = pd.read_csv(folder / "posterior.csv")
    s = load_scenario(path)
    # independently: the weighted normal equations, solved by scipy, on the statistics that vary
    x = np.column_stack([(post[p.column] - p.observed) / p.tolerance for p in s.patterns])
    w = post["weight"].to_numpy()
    x = x[:, np.ptp(x[w > 0], axis=0) > 0]
    design = np.column_stack([np.ones(len(x)), x])
    for path_ in sm["adjusted"]:
        lo, hi = prior_support(s.params[path_])          # uniform priors here: their two ends
        assert (lo, hi) == tuple(s.params[path_].args)
        u = (post["param." + path_].to_numpy() - lo) / (hi - lo)
        y = np.log(u / (1 - u))                          # regressed on the logit scale, mapped back
        beta = scipy.linalg.solve(design.T @ (w[:, None] * design), design.T @ (w * y))
        back = lo + (hi - lo) / (1 + np.exp(-(y - x @ beta[1:])))
        assert np.allclose(post["adjusted." + path_], back, atol=1e-8)
        assert ((post["adjusted." + path_] > lo) & (post["adjusted." + path_] < hi)).all()
        q = sm["parameters"][path_]["adjusted"]
        assert [q["q05"], q["median"], q["q95"]] == pytest.approx(weighted_quantiles(post["adjusted." + path_], w))
        assert path_ in out
    # a calibrated scenario still draws the raw accepted rows (the adjusted columns are not `param.`)
    assert load_scenario(folder / "calibrated.yaml").posterior.rows == sm["accepted"]


# --- the predictive check, the conflict check ---------------------------------------------------

def test_predictive_shares_and_p_values_follow_their_definitions():
    s = load_scenario(RECORD)
    a, b = s.patterns[0], s.patterns[2]          # US rounds: 6 +- 2; China's answer share: 0.67 +- 0.25
    counts = np.array([4, 6, 9, 10, 12, np.nan])
    shares = np.array([0.5, 0.67, 1.0, 0.9, 0.2, 0.4])
    pred = {a.column: counts, b.column: shares}
    check = predictive_check(pred, (a, b))
    assert check["patterns"][a.name]["share_within"] == pytest.approx(2 / 6)    # 4, 6 (NaN is not within)
    assert check["patterns"][b.name]["share_within"] == pytest.approx(3 / 6)    # 0.5, 0.67, 0.9 (not 0.4)
    assert check["joint"]["share_within"] == pytest.approx(2 / 6)              # runs 0 and 1
    # two-sided: P(T >= 6) = 4/5, P(T <= 6) = 2/5 -> 2 * 2/5
    assert check["patterns"][a.name]["p_value"] == pytest.approx(0.8)
    assert pattern_p_value(np.array([1, 2, 3, 4]), 0) == 0.0 and pattern_p_value(np.array([1, 1]), 1) == 1.0
    # joint: medians of the defined runs, distance sum |x - m| / tol; share at least as far as the record
    x = np.column_stack([counts, shares])[:5]
    m = np.median(x, axis=0)
    dist = (np.abs(x - m) / [2, 0.25]).sum(axis=1)
    rec = (np.abs(np.array([6, 0.67]) - m) / [2, 0.25]).sum()
    assert check["joint"]["p_value"] == pytest.approx(np.mean(dist >= rec - 1e-9))
    assert joint_p_value(np.array([[0.0], [1.0], [2.0]]), np.array([10.0]), np.array([1.0])) == 0.0


def test_acceptance_rates_and_the_conflict_flag():
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 6, size=(5000, 2)).astype(float)
    recs = rng.integers(0, 6, size=(7, 2)).astype(float)
    rates = acceptance_rates(ref, recs, [1, 0], block=999)
    brute = [np.mean([(abs(r[0] - x[0]) <= 1) and x[1] == r[1] for x in ref]) for r in recs]
    assert rates == pytest.approx(brute)
    c = conflict(0.01, np.array([0.2] * 96 + [0.001] * 4))
    assert c["conflict"] and c["records_higher"] == 96 and c["records_lower"] == 4 and c["rank"] == 5
    assert not conflict(0.01, np.array([0.2] * 94 + [0.001] * 6))["conflict"]


def _coin(observed: float, tolerance: float) -> dict:
    """A plays C with probability p (prior uniform 0.2 - 0.8) for 12 steps; the pattern counts A's D."""
    return {"name": "coin", "seed": 3, "runs": 1, "horizon": 12,
            "actors": {"A": {"strategies": {"game": {"name": "random", "p": {"uniform": [0.2, 0.8]}}}},
                       "B": {"strategies": {"game": "tit_for_tat"}}},
            "tracks": {"game": {}},
            "patterns": [{"name": "A defects", "observed": observed, "tolerance": tolerance,
                          "count": {"actor": "A", "track": "game"}}]}


def test_the_conflict_check_flags_a_record_in_the_tail_and_not_a_typical_one():
    """Never defecting in 12 steps is possible (p^12) but rare under every p of the prior, so the
    fitted model's own records are accepted far more often than it: a conflict. Four defections
    of twelve is a typical record: none."""
    tail = run_calibration(scenario_from_dict(_coin(0, 0)), 4000, 10, 1, predictive=200, check_conflict=100)
    c = tail["summary"]["conflict"]
    assert c["conflict"] and c["records_higher"] >= 95 and c["records"] == 100
    assert c["acceptance_rate"] == tail["summary"]["acceptance_rate"]
    typical = run_calibration(scenario_from_dict(_coin(4, 0)), 4000, 10, 1, predictive=200, check_conflict=100)
    assert not typical["summary"]["conflict"]["conflict"]


def test_within_tolerance_only_unless_nearest_and_then_the_effective_tolerance():
    s = scenario_from_dict(_coin(0, 1))
    with pytest.raises(UserError, match=r"coin: \d+ of 300 runs are within every tolerance, fewer than --accept 100"):
        run_calibration(s, 300, 100, 1, predictive=0)
    r = run_calibration(s, 300, 100, 1, predictive=0, nearest=True)
    post = r["posterior"]
    assert r["summary"]["acceptance"] == "nearest" and len(post["run"]) == 100
    from sim.calibrate.abc import within
    from sim.calibrate.folder import text_summary

    n_in = int(within(post, s.patterns).sum())
    assert n_in == round(r["summary"]["acceptance_rate"] * 300) < 100
    assert f"the 100 nearest runs are the posterior, {100 - n_in} of them outside at least one tolerance" in \
        text_summary(r["summary"])
    eff = r["summary"]["patterns"][0]["effective_tolerance"]
    assert eff == effective_tolerance(post, s.patterns)[0] == np.abs(post["stat.a_defects"]).max() > 1


# --- --holdout ---------------------------------------------------------------------------------------

DATED = """\
name: dated
seed: 9
start: 2024-01-01
step: month
horizon: 24
actors:
  A: {strategies: {game: {name: random, p: {uniform: [0.1, 0.9]}}}}
  B: {noise: {uniform: [0, 0.3]}, strategies: {game: tit_for_tat}}
tracks:
  game: {ladder: {rungs: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z]}}
patterns:
  - name: level in mid 2024
    level_at: {track: game, step: 2024-06-15}
    observed: 2
    tolerance: 1
  - name: level at the end of 2025
    level_at: {track: game, step: 2025-12-01}
    observed: 20
    tolerance: 0
  - name: B's defections
    count: {actor: B, track: game}
    observed: 8
    tolerance: 3
"""


def test_holdout_fits_the_patterns_before_the_date_and_checks_the_others(tmp_path, capsys):
    path = tmp_path / "dated.yaml"
    path.write_text(DATED)
    s = load_scenario(path)
    fit, held = split_patterns(s.patterns, 12, s.horizon)          # 2025-01-01 is step 12
    assert [p.name for p in fit] == ["level in mid 2024"]
    assert [p.name for p in held] == ["level at the end of 2025", "B's defections"]  # a count reads the whole run
    assert main(["calibrate", str(path), "--draws", "3000", "--accept", "50", "--predictive", "400", "--holdout",
                 "2025-01-01", "--quiet", "--workers", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "hold-out 2025-01-01 (step 12): fitted 1 pattern(s)" in out and "(held out)" in out
    folder = next((tmp_path / "dated").iterdir())
    sm = json.loads((folder / "summary.json").read_text())
    post, pred = pd.read_csv(folder / "posterior.csv"), pd.read_csv(folder / "predictive.csv")
    # accepted on the fitted pattern alone: the held-out one (observed 20, tolerance 0) is not required
    assert (np.abs(post["stat.level_in_mid_2024"] - 2) <= 1).all()
    assert (post["stat.level_at_the_end_of_2025"] != 20).any()
    assert sm["acceptance_rate"] == pytest.approx(sm["patterns"][0]["prior_within_tolerance"])
    assert sm["holdout"]["held_out"] == ["level at the end of 2025", "B's defections"]
    within = ((pred["stat.level_at_the_end_of_2025"] == 20) & (np.abs(pred["stat.b_s_defections"] - 8) <= 3))
    assert sm["holdout"]["joint"]["share_within"] == pytest.approx(within.mean())
    assert [p["fitted"] for p in sm["patterns"]] == [True, False, False]
    # every pattern's prior share within tolerance is over every draw, held out or not (the same runs again)
    from sim.calibrate.abc import reference_table

    ref = reference_table(s, 3000, s.seed)
    for p, entry in zip(s.patterns, sm["patterns"]):
        assert entry["prior_within_tolerance"] == pytest.approx(np.mean(np.abs(ref[p.column] - p.observed) <= p.tolerance))
    html = (folder / "report.html").read_text()
    assert "Hold-out: fitted before 2025-01-01" in html and "for the fitted ones" in html
    fitted = np.abs(pred["stat.level_in_mid_2024"] - 2) <= 1
    assert sm["holdout"]["fitted_joint"]["share_within"] == pytest.approx(fitted.mean())


@pytest.mark.parametrize("extra,words", [
    (["--holdout", "2025-13-01"], "argument --holdout: expected a date YYYY-MM-DD, got '2025-13-01'"),
    (["--holdout", "soon"], "argument --holdout: expected a date YYYY-MM-DD, got 'soon'"),
    (["--holdout", "2023-01-01"], "--holdout 2023-01-01: not after the scenario's start (2024-01-01)"),
    (["--holdout", "2024-03-01"], "--holdout 2024-03-01: no pattern of dated is judged wholly before it"),
    (["--holdout", "2030-01-01"], "--holdout 2030-01-01: every pattern of dated is judged before it"),
    (["--check-conflict", "0"], "argument --check-conflict: expected a number >= 1, got 0"),
    (["--check-conflict", "x"], "argument --check-conflict: expected a whole number, got 'x'"),
    (["--set", "actors.A.nosuch=1"], "nosuch"),
])
def test_bad_options_are_one_line_errors_and_write_nothing(tmp_path, capsys, extra, words):
    path = tmp_path / "dated.yaml"
    path.write_text(DATED)
    try:
        rc = main(["calibrate", str(path), "--draws", "300", "--accept", "5", "--quiet", "--workers", "1",
                   "--out", str(tmp_path / "r"), *extra])
    except SystemExit as e:   # argparse's own errors (sim/cli.py makes them one line)
        rc = e.code
    assert rc == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and words in err, err
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").rglob("*.csv"))


def test_set_applies_before_calibrating(tmp_path, capsys):
    """--set fixes B's noise: it is no longer a parameter to calibrate, and the folder's scenario says so."""
    path = tmp_path / "dated.yaml"
    path.write_text(DATED)
    assert main(["calibrate", str(path), "--draws", "500", "--accept", "5", "--predictive", "0", "--quiet",
                 "--workers", "1", "--set", "actors.B.noise=0", "--out", str(tmp_path)]) == 0
    folder = next((tmp_path / "dated").iterdir())
    sm = json.loads((folder / "summary.json").read_text())
    assert "actors.B.noise" not in sm["parameters"] and "actors.A.strategies.game.p" in sm["parameters"]
    assert load_scenario(folder / "scenario.yaml").params["actors.B.noise"].value == 0


# --- period: a count, share, drop or firing judged on some steps only (what --holdout splits by) -----

def test_statistics_over_a_period_equal_a_brute_force_recomputation_per_run():
    from conftest import Recorder
    from sim import NegotiationModel
    from sim.calibrate.observer import PatternObserver

    period = {"from": 4, "to": 11}
    pat = lambda name, **st: {"name": name, "observed": 0, "tolerance": 1, "period": period, **st}  # noqa: E731
    data = {"name": "t", "seed": 3, "runs": 1, "horizon": 16, "continuation": 0.95,
            "actors": {"A": {"noise": 0.2, "strategies": {"game": {"name": "random", "p": {"uniform": [0.3, 0.9]}}}},
                       "B": {"noise": 0.1, "strategies": {"game": "tit_for_tat"}}},
            "tracks": {"game": {"ladder": {"rungs": ["0", "1", "2", "3"]}}},
            "events": [{"name": "bump", "probability": 0.3, "effects": [{"target": "actors.A.trust", "add": 0}]}],
            "patterns": [pat("d", count={"actor": "A", "track": "game"}),
                         pat("r", response_share={"to": {"actor": "A", "track": "game"},
                                                  "by": {"actor": "B", "track": "game"}, "within": 2}),
                         pat("drop", largest_drop={"track": "game"}),
                         pat("bumps", fired={"event": "bump"})]}
    s = scenario_from_dict(data)
    assert all(p.period == (4, 11) and p.window(16) == (4, 11) for p in s.patterns)
    model = NegotiationModel(s, runs=300)
    rec, obs, fired = Recorder(), PatternObserver(model, s.patterns), []

    def both(m):
        rec(m)
        obs(m)
        fired.append(np.asarray(m.events.counts[0]).copy())

    model.run(observer=both)
    got = obs.values(model)
    assert (model.length < 12).any() and (model.length > 12).any() and (model.length <= 4).any()
    for run in range(300):
        n = int(model.length[run])
        a = [bool(r[0, run, 0]) for r in rec.realised][:n]
        b = [bool(r[1, run, 0]) for r in rec.realised][:n]
        levels = [int(x[run, 0]) for x in rec.levels]
        steps = range(4, min(11, n - 1) + 1)
        rounds = [t for t in steps if not a[t]]
        to = [t for t in rounds if t + 2 < min(n, 12)]
        answered = [t for t in to if any(not b[u] for u in range(t + 1, t + 3))]
        peak, drop = levels[3] if n > 4 else 0, 0
        for t in steps:
            peak = max(peak, levels[t])
            drop = max(drop, peak - levels[t])
        bumps = int(fired[min(11, n - 1)][run] - fired[3][run]) if n > 4 else 0
        want = {"stat.d": float(len(rounds)), "stat.r": len(answered) / len(to) if to else np.nan,
                "stat.drop": float(drop), "stat.bumps": float(bumps)}
        for col, value in want.items():
            np.testing.assert_equal(got[col][run], value, err_msg=f"{col} run {run}")


@pytest.mark.parametrize("old,new,key,words", [
    ("    count: {actor: B, track: game}\n", "    count: {actor: B, track: game}\n    period: {from: 2025-01-01, to: 2024-02-01}\n",
     "patterns.2.period.to", "`to` (step 1) is before `from` (step 12)"),
    ("    count: {actor: B, track: game}\n", "    count: {actor: B, track: game}\n    period: {from: 2024-02-01, to: 2027-02-01}\n",
     "patterns.2.period.to", "past the horizon"),
    ("    level_at: {track: game, step: 2024-06-15}\n",
     "    level_at: {track: game, step: 2024-06-15}\n    period: {from: 2024-02-01, to: 2024-07-01}\n",
     "patterns.0.period", "`period:` is for count, response_share, largest_drop and fired"),
    ("    count: {actor: B, track: game}\n", "    count: {actor: B, track: game}\n    period: {from: 2024-02-01, till: 3}\n",
     "patterns.2.period.till", "unknown key"),
])
def test_a_bad_period_is_one_line_naming_file_line_and_key(tmp_path, capsys, old, new, key, words):
    assert old in DATED
    path = tmp_path / "bad.yaml"
    path.write_text(DATED.replace(old, new, 1))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f": {key}: " in err and words in err, err
    assert err.startswith(f"error: {path}:"), err


def test_a_count_with_a_period_before_the_date_is_fitted_by_the_holdout(tmp_path):
    path = tmp_path / "dated.yaml"
    path.write_text(DATED.replace("    count: {actor: B, track: game}\n",
                                  "    count: {actor: B, track: game}\n    period: {from: 2024-01-01, to: 2024-12-31}\n"))
    s = load_scenario(path)
    fit, held = split_patterns(s.patterns, 12, s.horizon)
    assert [p.name for p in fit] == ["level in mid 2024", "B's defections"]
    assert [p.name for p in held] == ["level at the end of 2025"]
