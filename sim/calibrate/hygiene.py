"""Calibration hygiene (MODEL section 13.7): functions that ``sim calibrate`` (and ``sim forecast``) share.

- :func:`effective_tolerance`: how far from the record the accepted runs are, per pattern (what a
  tolerance became when the nearest runs were accepted);
- :func:`regression_adjust`: the local-linear regression adjustment of Beaumont, Zhang and Balding
  (2002) of the accepted parameters;
- :func:`predictive_check`: per pattern and jointly, the share of posterior predictive runs within
  tolerance and a posterior predictive p-value;
- :func:`acceptance_rates` and :func:`conflict`: the prior-data conflict check (the record's
  acceptance rate against those of records simulated from the posterior);
- :func:`pattern_window` and :func:`split_patterns`: which patterns are judged before a date
  (``--holdout``).

Everything here is plain numpy on the tables of :mod:`.abc` (one row per run, ``stat.<pattern>``
and ``param.<path>`` columns); nothing draws a random number.
"""

from __future__ import annotations

import numpy as np

from ..scenario.patterns import PatternDef
from .abc import EPS

Array = np.ndarray


def _stats(table: dict[str, Array], patterns) -> Array:
    return np.column_stack([np.asarray(table[p.column], dtype=float) for p in patterns])


def _observed(patterns) -> Array:
    return np.array([p.observed for p in patterns], dtype=float)


def _tolerance(patterns) -> Array:
    return np.array([p.tolerance for p in patterns], dtype=float)


def effective_tolerance(post: dict[str, Array], patterns: tuple[PatternDef, ...]) -> Array:
    """The largest |stat - observed| among the accepted runs, per pattern (NaN if none is accepted)."""
    x = _stats(post, patterns)
    if len(x) == 0:
        return np.full(len(patterns), np.nan)
    return np.abs(x - _observed(patterns)).max(axis=0)


# --- Beaumont, Zhang and Balding (2002) ---------------------------------------------------------

def epanechnikov(d: Array, h: float) -> Array:
    """Epanechnikov kernel weights ``1 - (d/h)^2`` for ``d < h``, 0 beyond (all 1 when ``h`` is 0)."""
    d = np.asarray(d, dtype=float)
    if not h > 0:
        return np.ones_like(d)
    u = d / h
    return np.where(u < 1, 1 - u * u, 0.0)


def prior_support(param) -> tuple[float, float]:
    """The values a parameter's prior can take: its distribution's support within the parameter's range."""
    lo, hi = -np.inf, np.inf
    kind, a = getattr(param, "kind", None), getattr(param, "args", ())
    if kind == "uniform":
        lo, hi = min(a), max(a)
    elif kind == "triangular":
        lo, hi = a[0], a[2]
    elif kind == "beta":
        lo, hi = 0.0, 1.0
    rng = getattr(param, "range", None)
    if rng is not None:
        lo, hi = max(lo, rng.lo), min(hi, rng.hi)
    return float(lo), float(hi)


#: how close to a bound a value is taken before the log or logit (a share of the width, or 1e-9)
_EDGE = 1e-6


def _to_free(x: Array, lo: float, hi: float) -> Array:
    """Map a bounded parameter to the real line: logit between two bounds, log beyond one."""
    if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
        u = np.clip((x - lo) / (hi - lo), _EDGE, 1 - _EDGE)
        return np.log(u / (1 - u))
    if np.isfinite(lo):
        return np.log(np.maximum(x - lo, 1e-9))
    if np.isfinite(hi):
        return np.log(np.maximum(hi - x, 1e-9))
    return x


def _from_free(y: Array, lo: float, hi: float) -> Array:
    if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
        return lo + (hi - lo) / (1 + np.exp(-y))
    if np.isfinite(lo):
        return lo + np.exp(y)
    if np.isfinite(hi):
        return hi - np.exp(y)
    return y


def regression_adjust(theta: Array, stats: Array, observed: Array, d: Array,
                      scale: Array | None = None, bounds=None) -> tuple[Array, Array]:
    """Local-linear regression adjustment of accepted parameters (Beaumont, Zhang and Balding 2002).

    ``theta`` (n x p) the accepted parameters, ``stats`` (n x q) their statistics, ``observed`` (q)
    the record, ``d`` (n) their distances to it. Weights are Epanechnikov in ``d`` with bandwidth
    the largest accepted distance (the farthest run gets weight 0); the parameters are regressed on
    ``(stats - observed) / scale`` by weighted least squares (``numpy.linalg.lstsq``), and each is
    moved along the fitted slope to the record: ``theta - (s - s_obs) beta``. Statistics constant
    among the weighted runs are left out (their slope is not identified). Returns the adjusted
    parameters and the weights (the adjusted sample is a weighted sample).

    ``bounds`` (one ``(lo, hi)`` per parameter, e.g. :func:`prior_support`): the regression is done
    on the logit (two bounds) or log (one bound) of the parameter and mapped back, so adjusted
    values stay within the prior's support (Beaumont et al. 2002, section 3)."""
    theta = np.asarray(theta, dtype=float)
    one = theta.ndim == 1
    theta = theta[:, None] if one else theta
    if bounds is not None:
        bounds = [bounds] if one and len(bounds) == 2 and np.isscalar(bounds[0]) else list(bounds)
        free = np.column_stack([_to_free(theta[:, i], lo, hi) for i, (lo, hi) in enumerate(bounds)])
        adj, w = regression_adjust(free, stats, observed, d, scale)
        out = np.column_stack([_from_free(adj[:, i], lo, hi) for i, (lo, hi) in enumerate(bounds)])
        return (out[:, 0] if one else out), w
    x = np.asarray(stats, dtype=float) - np.asarray(observed, dtype=float)
    if scale is not None:
        scale = np.asarray(scale, dtype=float)
        x = x / np.where(scale > 0, scale, 1.0)
    d = np.asarray(d, dtype=float)
    w = epanechnikov(d, float(d.max()) if len(d) else 0.0)
    if w.sum() <= 0:  # every run at the same distance > 0: no local information, equal weights
        w = np.ones_like(w)
    used = w > 0
    spread = np.ptp(x[used], axis=0) if used.any() else np.zeros(x.shape[1])
    x = x[:, spread > 0]
    if x.shape[1] == 0 or used.sum() <= x.shape[1] + 1:
        out = theta.copy()
        return (out[:, 0] if one else out), w
    sw = np.sqrt(w)[:, None]
    design = np.column_stack([np.ones(len(x)), x])
    coef, *_ = np.linalg.lstsq(design * sw, theta * sw, rcond=None)
    out = theta - x @ coef[1:]
    return (out[:, 0] if one else out), w


def weighted_quantiles(x: Array, w: Array, qs=(0.05, 0.5, 0.95)) -> list[float]:
    """Quantiles of a weighted sample (the inverse of its weighted empirical distribution)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    keep = np.isfinite(x) & (w > 0)
    if not keep.any():
        return [float("nan")] * len(qs)
    return [float(v) for v in np.quantile(x[keep], qs, weights=w[keep], method="inverted_cdf")]


# --- posterior predictive check -------------------------------------------------------------------

def pattern_p_value(values: Array, observed: float) -> float:
    """Two-sided posterior predictive p-value of one statistic: ``min(1, 2 min(P(T >= obs), P(T <= obs)))``
    over the predictive runs where it is defined (NaN if none is)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return float("nan")
    upper = float(np.mean(v >= observed - EPS))
    lower = float(np.mean(v <= observed + EPS))
    return min(1.0, 2 * min(upper, lower))


def joint_p_value(x: Array, observed: Array, scale: Array) -> float:
    """Joint posterior predictive p-value: the share of predictive runs at least as far from the
    predictive medians as the record, distance ``sum_k |x_k - median_k| / scale_k`` (scale: the
    tolerance, 1 where it is 0); runs with an undefined statistic are left out."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x).all(axis=1)]
    if len(x) == 0:
        return float("nan")
    scale = np.where(np.asarray(scale, dtype=float) > 0, scale, 1.0)
    m = np.median(x, axis=0)
    dist = (np.abs(x - m) / scale).sum(axis=1)
    record = float((np.abs(np.asarray(observed, dtype=float) - m) / scale).sum())
    return float(np.mean(dist >= record - EPS))


def predictive_check(pred: dict[str, Array], patterns: tuple[PatternDef, ...]) -> dict:
    """Per pattern and jointly: the share of predictive runs within tolerance (an undefined
    statistic is not within) and the posterior predictive p-value."""
    x = _stats(pred, patterns)
    obs, tol = _observed(patterns), _tolerance(patterns)
    with np.errstate(invalid="ignore"):
        ok = np.abs(x - obs) <= tol + EPS
    per = {p.name: {"share_within": float(ok[:, i].mean()) if len(ok) else float("nan"),
                    "p_value": pattern_p_value(x[:, i], p.observed)}
           for i, p in enumerate(patterns)}
    joint = {"share_within": float(ok.all(axis=1).mean()) if len(ok) else float("nan"),
             "p_value": joint_p_value(x, obs, tol), "runs": int(len(x))}
    return {"patterns": per, "joint": joint}


# --- prior-data conflict ----------------------------------------------------------------------------

def acceptance_rates(reference: Array, records: Array, tolerance: Array, block: int = 200_000) -> Array:
    """Share of the reference table's rows within every tolerance of each record (rows of ``records``)."""
    reference = np.asarray(reference, dtype=float)
    tolerance = np.asarray(tolerance, dtype=float) + EPS
    out = np.zeros(len(records))
    for a in range(0, len(reference), block):
        ref = reference[a:a + block]
        for r, rec in enumerate(np.asarray(records, dtype=float)):
            with np.errstate(invalid="ignore"):
                out[r] += np.count_nonzero((np.abs(ref - rec) <= tolerance).all(axis=1))
    return out / max(len(reference), 1)


def conflict(real_rate: float, rates: Array, level: float = 0.95) -> dict:
    """The record's acceptance rate among those of the simulated records: a prior-data conflict is
    flagged when it is below that of at least ``level`` of them."""
    rates = np.asarray(rates, dtype=float)
    higher = int(np.sum(rates > real_rate))
    return {"records": int(len(rates)), "acceptance_rate": float(real_rate),
            "records_higher": higher, "records_lower": int(np.sum(rates < real_rate)),
            # the record's rank among the records and itself, from the lowest rate (ties: the best rank)
            "rank": int(np.sum(rates < real_rate)) + 1,
            "share_higher": higher / len(rates) if len(rates) else float("nan"),
            "simulated_median_rate": float(np.median(rates)) if len(rates) else float("nan"),
            "conflict": bool(len(rates) and higher >= level * len(rates))}


# --- hold-out -------------------------------------------------------------------------------------

def pattern_window(p: PatternDef, horizon: int) -> tuple[int, int]:
    """The first and last step a pattern's statistic reads (:meth:`PatternDef.window`)."""
    return p.window(horizon)


def split_patterns(patterns: tuple[PatternDef, ...], step: int, horizon: int):
    """``(fitted, held_out)``: the patterns whose window ends before ``step``, and the others."""
    fit = tuple(p for p in patterns if pattern_window(p, horizon)[1] < step)
    held = tuple(p for p in patterns if pattern_window(p, horizon)[1] >= step)
    return fit, held
