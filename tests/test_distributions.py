"""sim.distributions computes with scipy.special what scipy.stats computes, to 1e-12 over grids of
arguments (the run path no longer imports scipy.stats: tests/test_cli_imports.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from sim import distributions as dist

Q = np.concatenate(([0.0, 1e-300, 2.0**-53, 1e-9, 1e-4], np.linspace(0, 1, 2001)[1:-1],
                    [1 - 1e-9, 1 - 2.0**-53, 1.0, -0.5, 1.5, np.nan]))


def close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(a)
    assert np.array_equal(a[ok & np.isinf(a)], b[ok & np.isinf(a)])
    finite = ok & np.isfinite(a)
    assert np.all(np.abs(a[finite] - b[finite]) <= 1e-12 * np.maximum(1.0, np.abs(b[finite])))


@pytest.mark.parametrize("loc,scale", [(0, 1), (0.3, 0.05), (-2, 7), (1, 0)])
def test_norm_ppf(loc, scale):
    close(dist.norm_ppf(Q, loc, scale), stats.norm.ppf(Q, loc=loc, scale=scale))


@pytest.mark.parametrize("lo,mode,hi", [(0, 0.5, 1), (0.1, 0.1, 0.9), (0.2, 0.7, 0.7), (-3, 1, 2), (0, 0.3, 1)])
def test_triang_ppf(lo, mode, hi):
    c = (mode - lo) / (hi - lo)
    close(dist.triang_ppf(Q, c, loc=lo, scale=hi - lo), stats.triang.ppf(Q, c, loc=lo, scale=hi - lo))


@pytest.mark.parametrize("a,b", [(1, 9), (2, 5), (0.5, 0.5), (10, 1), (3, 3), (0.2, 7), (40, 60), (0, 1)])
def test_beta_ppf(a, b):
    close(dist.beta_ppf(Q, a, b), stats.beta.ppf(Q, a, b))


@pytest.mark.parametrize("df", [1, 2, 3, 9, 29, 199, 999, 10**6])
def test_t_ppf(df):
    close(dist.t_ppf(Q, df), stats.t.ppf(Q, df))
    assert dist.t_ppf(0.975, df) == stats.t.ppf(0.975, df)   # the scalar a mean's interval uses


@pytest.mark.parametrize("a,scale", [(0.5, 1.0), (3.5, 1 / 120.5), (41.5, 1 / 900.5), (200, 2.0)])
def test_gamma_ppf(a, scale):
    close(dist.gamma_ppf(Q, a, scale=scale), stats.gamma.ppf(Q, a, scale=scale))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 59, 200, 886, 1000, 4000])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson(n, confidence):
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
        lo, hi = dist.wilson(k, n, confidence)
        assert abs(lo - ci.low) <= 1e-12 and abs(hi - ci.high) <= 1e-12, (k, n)


@pytest.mark.parametrize("n", [1, 2, 5, 10, 11, 40, 101, 500, 1000])
def test_sign_test_p(n):
    for k in range(n + 1) if n <= 101 else range(0, n + 1, 7):
        assert abs(dist.sign_test_p(k, n) - stats.binomtest(k, n, 0.5).pvalue) <= 1e-12, (k, n)


def scipy_km(uncensored, right, at):
    sf = stats.ecdf(stats.CensoredData(uncensored=uncensored, right=right)).sf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ci = sf.confidence_interval(0.95, method="log-log")
    return (sf.quantiles, sf.probabilities, ci.low.probabilities, ci.high.probabilities,
            sf.evaluate(at), ci.low.evaluate(at), ci.high.evaluate(at))


@pytest.mark.parametrize("seed", range(6))
def test_kaplan_meier(seed):
    rng = np.random.default_rng(seed)
    n = [5, 40, 300, 1000, 2, 1000][seed]
    times = rng.integers(0, 36, n).astype(float)
    censored = rng.random(n) < [0.5, 0.0, 0.8, 0.3, 0.5, 1.0][seed]
    if censored.all():
        censored[0] = False   # scipy needs one event
    event, right = times[~censored], times[censored] - 0.5
    at = np.arange(-1, 40)
    t, sf, low, high = dist.kaplan_meier(event, right)
    expected = scipy_km(event, right, at)
    for mine, theirs in zip((t, sf, low, high, dist.step_function(t, sf, at), dist.step_function(t, low, at),
                             dist.step_function(t, high, at)), expected):
        close(mine, theirs)


def test_the_run_path_numbers_are_scipys():
    """The numbers summary.json holds, through sim.analysis.stats, against scipy.stats directly."""
    from sim.analysis.stats import mcnemar_p, mean_interval, proportion, survival

    p = proportion(59, 886)
    ci = stats.binomtest(59, 886).proportion_ci(method="wilson")
    assert (p.lo, p.hi) == (float(ci.low), float(ci.high))
    x = np.random.default_rng(1).random(1000)
    half = stats.t.ppf(0.975, 999) * x.std(ddof=1) / np.sqrt(1000)
    assert mean_interval(x)["hi"] == pytest.approx(x.mean() + half, abs=1e-12)
    held = np.arange(1000) % 3 == 0
    assert mcnemar_p(held, np.arange(1000) % 5 == 0) == pytest.approx(
        stats.binomtest(int((held & ~(np.arange(1000) % 5 == 0)).sum()),
                        int((held != (np.arange(1000) % 5 == 0)).sum()), 0.5).pvalue, abs=1e-12)
    brk = np.where(np.arange(1000) % 4 == 0, np.arange(1000) % 36, np.nan).astype(float)
    s = survival(brk, np.full(1000, 36.0), 36)
    sf = stats.ecdf(stats.CensoredData(uncensored=brk[~np.isnan(brk)], right=np.full(750, 35.5))).sf
    close(s.survival, sf.evaluate(np.arange(36)))
