"""The few numbers of ``scipy.stats`` a run needs, computed with ``scipy.special`` (and numpy).

``import scipy.stats`` costs about 0.4 s of CPU, a fifth of `sim run`'s budget; ``scipy.special``
about a third of that. Each function here computes what its ``scipy.stats`` counterpart computes,
with the same special functions in the same order (``tests/test_distributions.py`` checks them
against ``scipy.stats`` over grids of arguments):

- :func:`norm_ppf`, :func:`triang_ppf`, :func:`beta_ppf`, :func:`t_ppf`, :func:`gamma_ppf`: the
  ``ppf`` of ``scipy.stats.norm``, ``triang``, ``beta``, ``t`` and ``gamma``, through ``ndtri``,
  ``betaincinv``, ``stdtrit`` and ``gammaincinv``, with scipy's handling of 0, 1 and bad values;
- :func:`wilson`: ``binomtest(k, n).proportion_ci(method="wilson")``;
- :func:`sign_test_p`: ``binomtest(k, n, 0.5).pvalue`` (the exact McNemar test), exactly, in
  integers;
- :func:`kaplan_meier`: ``ecdf(CensoredData(uncensored=..., right=...)).sf`` with its log-log
  (exponential Greenwood) band, evaluated at given points.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np


def _special():
    import scipy.special  # imported on first use: `sim validate` never needs it

    return scipy.special


def _ppf(q, quantile, support: tuple[float, float], ok=True, loc=0.0, scale=1.0):
    """``rv_continuous.ppf``: ``quantile(q) * scale + loc`` where 0 < q < 1 and the parameters are
    valid (``ok``, scale > 0), the support's ends at q = 0 and 1, NaN elsewhere."""
    q, loc, scale = (np.asarray(x, dtype=float) for x in (q, loc, scale))
    good = np.asarray(ok) & (scale > 0) & (loc == loc)
    inside = good & (0 < q) & (q < 1)
    out = np.full(np.broadcast(q, good, loc, scale).shape, np.nan)
    q_, loc_, scale_ = (np.broadcast_to(x, out.shape) for x in (q, loc, scale))
    out[good & (q == 0)] = (support[0] * scale_ + loc_)[good & (q == 0)]
    out[good & (q == 1)] = (support[1] * scale_ + loc_)[good & (q == 1)]
    if np.any(inside):
        out[inside] = quantile(q_[inside]) * scale_[inside] + loc_[inside]
    return out[()] if out.ndim == 0 else out


def norm_ppf(q, loc=0.0, scale=1.0):
    """``scipy.stats.norm.ppf(q, loc, scale)``."""
    return _ppf(q, _special().ndtri, (-np.inf, np.inf), True, loc, scale)


def triang_ppf(q, c, loc=0.0, scale=1.0):
    """``scipy.stats.triang.ppf(q, c, loc, scale)``: the mode at ``loc + c * scale``."""
    c = float(c)
    return _ppf(q, lambda x: np.where(x < c, np.sqrt(c * x), 1 - np.sqrt((1 - c) * (1 - x))), (0.0, 1.0),
                0 <= c <= 1, loc, scale)


def beta_ppf(q, a, b):
    """``scipy.stats.beta.ppf(q, a, b)``: Boost's beta quantile, the ufunc scipy.stats itself calls
    (``betaincinv`` gives the same numbers down to q = 1e-97, and NaN for some q below that)."""
    a, b = float(a), float(b)
    sc = _special()
    quantile = getattr(sc._ufuncs, "_beta_ppf", None)
    if quantile is None:  # a scipy without it: the public inverse
        return _ppf(q, lambda x: sc.betaincinv(a, b, x), (0.0, 1.0), a > 0 and b > 0)
    return _ppf(q, lambda x: quantile(x, a, b), (0.0, 1.0), a > 0 and b > 0)


def t_ppf(q, df):
    """``scipy.stats.t.ppf(q, df)``."""
    df = float(df)
    return _ppf(q, lambda x: _special().stdtrit(df, x), (-np.inf, np.inf), df > 0)


def gamma_ppf(q, a, scale=1.0):
    """``scipy.stats.gamma.ppf(q, a, scale=scale)``."""
    a = float(a)
    return _ppf(q, lambda x: _special().gammaincinv(a, x), (0.0, np.inf), a > 0, 0.0, scale)


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials (Wilson 1927; Newcombe 1998), as
    ``scipy.stats.binomtest(k, n).proportion_ci(confidence, method="wilson")`` computes it."""
    p = k / n
    z = _special().ndtri(0.5 + 0.5 * confidence)
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    q = 1 - p
    delta = z / denom * math.sqrt(4 * n * p * q + z**2)
    lo = 0.0 if k == 0 else center - delta
    hi = 1.0 if k == n else center + delta
    return float(lo), float(hi)


def sign_test_p(k: int, n: int) -> float:
    """Two-sided exact binomial test of k successes in n trials against p = 1/2 (the exact
    McNemar test on n discordant pairs): the probability of a count at least as far from n/2 as
    k, computed exactly in integers (``scipy.stats.binomtest(k, n, 0.5).pvalue``)."""
    k, n = int(k), int(n)
    if 2 * k == n:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(k, n - k) + 1))
    return float(min(Fraction(2 * tail, 2**n), Fraction(1)))


def kaplan_meier(uncensored, right, confidence: float = 0.95) -> tuple[np.ndarray, ...]:
    """Kaplan-Meier survival of times ``uncensored`` (events) and ``right`` (censored there),
    with its pointwise log-log (exponential Greenwood) band: as ``scipy.stats.ecdf(
    CensoredData(uncensored, right=right)).sf`` and its ``confidence_interval(confidence,
    method="log-log")``. Returns (times, survival, low, high) at the distinct times, the band NaN
    where it is undefined and clipped to [0, 1] elsewhere; :func:`step_function` evaluates them."""
    tod, tol = np.asarray(uncensored, dtype=float).ravel(), np.asarray(right, dtype=float).ravel()
    if tol.size == 0:  # scipy's estimator of uncensored data
        sample = np.sort(tod)
        t, counts = np.unique(sample, return_counts=True)
        events = np.cumsum(counts)
        sf = 1 - events / sample.size
        n, d = np.concatenate(([sample.size], sample.size - events[:-1])), counts
    else:
        times = np.concatenate((tod, tol))
        died = np.concatenate((np.ones(tod.size, dtype=np.int64), np.zeros(tol.size, dtype=np.int64)))
        i = np.argsort(times)
        times, died = times[i], died[i]
        at_risk = np.arange(times.size, 0, -1)
        j = np.diff(times, prepend=-np.inf, append=np.inf) > 0
        t, n = times[j[:-1]], at_risk[j[:-1]]
        d = np.diff(np.cumsum(died)[j[1:]], prepend=0)
        sf = np.cumprod((n - d) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = 1 / np.log(sf) ** 2 * np.cumsum(d / (n * (n - d)))
    se = np.sqrt(var)
    z = _special().ndtri(1 / 2 + confidence / 2)
    with np.errstate(divide="ignore"):
        lnl = np.log(-np.log(sf))
    low, high = np.exp(-np.exp(lnl + z * se)), np.exp(-np.exp(lnl - z * se))
    return t, sf, np.clip(low, 0, 1), np.clip(high, 0, 1)


def step_function(x: np.ndarray, y: np.ndarray, at) -> np.ndarray:
    """The survival step function through the points (x, y), right-continuous, 1 left of the
    first point (``interp1d(kind="previous")`` over -inf, x..., inf as scipy's
    ``EmpiricalDistributionFunction.evaluate``), at the points ``at``."""
    xs = np.concatenate(([-np.inf], x, [np.inf]))
    ys = np.concatenate(([1.0], y, [0.0]))
    idx = np.searchsorted(np.nextafter(xs, -np.inf), np.asarray(at, dtype=float), side="left")
    return ys[np.clip(idx, 1, len(xs)) - 1]
