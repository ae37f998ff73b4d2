"""Simulation-based calibration of the real pipeline, in the regime the record is calibrated in.

Four parameters, four statistics of different kinds (a count of moves, a response share, the times
an event fired, a track's level at a step), non-zero tolerances, and the acceptance rule of
``sim calibrate`` (every statistic within its tolerance, :class:`sim.calibrate.abc.Acceptor` on the
stream of chunks; the posterior interval as ``summarise`` reports it). 200 records are simulated
from known parameters drawn from the priors (runs of the same scenario after the reference
table's), each calibrated back against the one reference table, and the 90% posterior interval of
each parameter must cover its true value at the nominal rate.

Exactness (Wilkinson 2013; Fearnhead and Prangle 2012, "noisy ABC"): accepting |s - obs| <= tol is
exact Bayesian inference for a record observed with uniform error on [-tol, tol]. Each synthetic
record is therefore its run's statistics plus such an error (a fixed generator), and coverage is
then 0.90 exactly, up to the Monte Carlo error of the posterior quantiles. The tolerance of the test:
an exact two-sided binomial test at level 0.001 per parameter (with 200 records: coverage between
about 0.83 and 0.97). The posterior must also be narrower than the prior (the record informs), and
a companion test shows the check has power: posteriors paired with the wrong records fail it.

Source: Cook, Gelman and Rubin (2006); Talts et al. (2018).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from sim.calibrate.abc import Acceptor, concat, reference_chunks, reference_table
from sim.calibrate.folder import summarise
from sim.scenario.load import scenario_from_dict

#: more than a few seconds (simulates tens of thousands of runs): scheduled first under xdist
pytestmark = pytest.mark.slow

DRAWS, RECORDS, K = 100_000, 200, 20
PARAMS = ("actors.A.strategies.game.p", "actors.B.noise", "events.shock.probability", "actors.A.noise")


def scenario(observed=(0, 0, 0, 0)) -> object:
    """A plays C with probability p; B answers tit for tat through noise; shocks raise tension."""
    return scenario_from_dict({
        "name": "sbc", "seed": 11, "runs": 1, "horizon": 24,
        "actors": {"A": {"noise": {"uniform": [0.0, 0.3]},
                         "strategies": {"game": {"name": "random", "p": {"uniform": [0.3, 0.9]}},
                                        "tension": "always_cooperate"}},
                   "B": {"noise": {"uniform": [0.0, 0.4]},
                         "strategies": {"game": "tit_for_tat", "tension": "always_cooperate"}}},
        "tracks": {"game": {"role": "channel"}, "tension": {"ladder": {"rungs": [str(i) for i in range(12)]}}},
        "events": [{"name": "shock", "probability": {"uniform": [0.02, 0.3]},
                    "effects": [{"target": "tracks.tension.level", "add": 1}]}],
        "patterns": [
            {"name": "A defects", "count": {"actor": "A", "track": "game"}, "observed": observed[0], "tolerance": 2},
            {"name": "B answers", "observed": observed[1], "tolerance": 0.15,
             "response_share": {"to": {"actor": "A", "track": "game"}, "by": {"actor": "B", "track": "game"}}},
            {"name": "shocks", "fired": {"event": "shock"}, "observed": observed[2], "tolerance": 1},
            {"name": "tension at 15", "level_at": {"track": "tension", "step": 15}, "observed": observed[3],
             "tolerance": 1}]})


@pytest.fixture(scope="module")
def calibrated():
    s = scenario()
    chunks = list(reference_chunks(s, DRAWS, s.seed, chunk_size=5000))
    truth = reference_table(s, RECORDS, s.seed, first_run=DRAWS)     # known parameters, their records
    cols = [p.column for p in s.patterns]
    tol = np.array([p.tolerance for p in s.patterns])
    rng = np.random.default_rng(2024)
    x = np.column_stack([truth[c] for c in cols])
    noisy = x + rng.uniform(-1, 1, size=x.shape) * tol                 # noisy ABC: exact at these tolerances
    prior = concat(chunks)
    out = []
    for r in range(RECORDS):
        if not np.isfinite(noisy[r]).all():        # an undefined share is no record (selection on the data only)
            continue
        s_r = scenario(tuple(float(v) for v in noisy[r]))
        acc = Acceptor(s_r.patterns, K, sample=0)
        for part in chunks:
            acc.add(part)
        post, mode = acc.result()
        if mode != "tolerance":                    # sim calibrate would stop here (no --nearest)
            continue
        sm = summarise(s_r, prior, post, None, mode, DRAWS, s.seed, K)
        out.append({path: (sm["parameters"][path]["q05"], sm["parameters"][path]["q95"],
                           truth["param." + path][r], sm["parameters"][path]["width_ratio"]) for path in PARAMS})
    return out


def test_the_setting_is_the_real_regime(calibrated):
    s = scenario()
    assert set(s.uncertain()) == set(PARAMS)
    assert {p.kind for p in s.patterns} == {"count", "response_share", "fired", "level_at"}
    assert all(p.tolerance > 0 for p in s.patterns)
    assert len(calibrated) >= 0.9 * RECORDS        # nearly every record has at least K runs within tolerance


def test_posterior_90_intervals_cover_the_true_parameters_at_the_nominal_rate(calibrated):
    n = len(calibrated)
    for path in PARAMS:
        covered = sum(lo <= true <= hi for lo, hi, true, _ in (c[path] for c in calibrated))
        assert binomtest(covered, n, 0.9).pvalue > 0.001, (path, covered, n)
    # the record informs the parameters it bears on: narrower than the prior's 90% interval
    for path in PARAMS[:3]:
        assert np.mean([c[path][3] for c in calibrated]) < 0.8, path


def test_intervals_paired_with_the_wrong_records_fail_the_check(calibrated):
    """Power: each true value judged against the posterior of another record (shifted by one)."""
    n = len(calibrated)
    failed = 0
    for path in PARAMS[:3]:
        covered = sum(calibrated[i][path][0] <= calibrated[i - 1][path][2] <= calibrated[i][path][1]
                      for i in range(n))
        failed += binomtest(covered, n, 0.9).pvalue <= 0.001
    assert failed >= 2


def coverage_table(calibrated) -> dict:
    """Per parameter: records covered, records, mean width ratio (printed by ``python -m`` this file)."""
    return {path: (sum(lo <= t <= hi for lo, hi, t, _ in (c[path] for c in calibrated)), len(calibrated),
                   float(np.mean([c[path][3] for c in calibrated]))) for path in PARAMS}
