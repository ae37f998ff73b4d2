"""Rejection ABC recovers known parameters: simulated data, calibrated back, covered at the stated rate.

Source: the calibration check of simulation-based inference (Cook, Gelman and Rubin 2006; Talts et
al. 2018): if the true parameters are drawn from the prior and the data simulated from them, an
exact posterior's 90% interval covers the truth in 90% of cases. With discrete statistics and zero
tolerance, rejection ABC conditions exactly on the statistics, so its posterior is exact for them
(up to the Monte Carlo error of the reference table, kept small by
skipping records with fewer than MIN_ACCEPTED matching reference runs) and the coverage must be 90% within its
binomial error.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import stats

from sim.calibrate.abc import accept, quantiles, reference_table
from sim.scenario.load import scenario_from_dict

TRUTHS = 200
REFERENCE = 30_000
MIN_ACCEPTED = 40


def scenario():
    return scenario_from_dict({
        "name": "coverage", "seed": 1, "horizon": 30,
        "actors": {
            "A": {"strategies": {"game": {"name": "random", "p": {"uniform": [0.2, 0.9]}}}},
            "B": {"noise": {"uniform": [0.0, 0.3]}, "strategies": {"game": "always_cooperate"}},
        },
        "tracks": {"game": {}},
        "patterns": [
            {"name": "A defects", "count": {"actor": "A", "track": "game"}, "observed": 0, "tolerance": 0},
            {"name": "B defects", "count": {"actor": "B", "track": "game"}, "observed": 0, "tolerance": 0},
        ],
    })


def test_ninety_percent_intervals_cover_known_parameters_ninety_percent_of_the_time():
    s = scenario()
    reference = reference_table(s, REFERENCE, seed=11)
    # the truths: other runs of the same prior (another seed), with their statistics as the "record"
    truths = reference_table(s, TRUTHS, seed=12)
    params = ["actors.A.strategies.game.p", "actors.B.noise"]
    covered = {p: 0 for p in params}
    shrink = {p: [] for p in params}
    used = 0
    for i in range(TRUTHS):
        observed = [truths[p.column][i] for p in s.patterns]
        pats = tuple(replace(p, observed=float(o), tolerance=0.0) for p, o in zip(s.patterns, observed))
        rows, how = accept(reference, pats, k=0)
        assert how == "tolerance"
        if len(rows) < MIN_ACCEPTED:
            # a rare record: too few reference runs to estimate its interval. Skipping it keeps the
            # test exact, since an exact posterior covers at 90% given any event of the data.
            continue
        used += 1
        for p in params:
            x = reference["param." + p][rows]
            lo, _, hi = quantiles(x)
            covered[p] += lo <= truths["param." + p][i] <= hi
            shrink[p].append(x.std() / reference["param." + p].std())
    assert used >= 0.8 * TRUTHS
    for p in params:
        # two-sided exact binomial test of coverage 0.9; fails only if the posterior is miscalibrated
        pvalue = stats.binomtest(covered[p], used, 0.9).pvalue
        assert pvalue > 0.001, (p, covered[p], used)
        assert np.mean(shrink[p]) < 0.8, p   # and the record is informative: the posterior is narrower


def test_a_miscalibrated_posterior_would_fail_the_coverage_check():
    """The check has power: intervals from the wrong runs (ignoring the record) cover far less often
    for the well-identified parameter."""
    s = scenario()
    reference = reference_table(s, REFERENCE, seed=11)
    truths = reference_table(s, TRUTHS, seed=12)
    p = "actors.A.strategies.game.p"
    x = reference["param." + p]
    lo, _, hi = quantiles(x, (0.45, 0.5, 0.55))   # a narrow interval that ignores the data
    covered = sum(lo <= truths["param." + p][i] <= hi for i in range(TRUTHS))
    assert stats.binomtest(covered, TRUTHS, 0.9).pvalue < 0.001
