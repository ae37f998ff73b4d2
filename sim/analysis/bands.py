"""Per-step quantile bands from the ensemble's per-step counts (exact for levels, 1/200 for trust)."""

from __future__ import annotations

import numpy as np

from ..results.steps import SUM_UNIT, TRUST_BINS, StepStats
from ..scenario.resolved import Scenario

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _qname(q: float) -> str:
    return f"q{round(q * 100):02d}"


def discrete_quantiles(counts: np.ndarray, qs=QUANTILES) -> np.ndarray:
    """Quantiles of integer values 0..m-1 given counts (steps, m): least v with CDF(v) >= q."""
    total = counts.sum(axis=1, keepdims=True)
    cdf = np.cumsum(counts, axis=1) / np.where(total > 0, total, 1)
    out = np.stack([(cdf < q - 1e-12).sum(axis=1) for q in qs], axis=1).astype(float)
    out[total[:, 0] == 0] = np.nan
    return out


def binned_quantiles(counts: np.ndarray, lo: float = 0.0, hi: float = 1.0, qs=QUANTILES) -> np.ndarray:
    """Quantiles of values binned evenly on [lo, hi], interpolated linearly inside a bin."""
    n_bins = counts.shape[1]
    width = (hi - lo) / n_bins
    total = counts.sum(axis=1)
    cum = np.cumsum(counts, axis=1)
    out = np.full((counts.shape[0], len(qs)), np.nan)
    for t in np.nonzero(total)[0]:
        for j, q in enumerate(qs):
            target = q * total[t]
            b = int(np.searchsorted(cum[t], target, side="left"))
            b = min(b, n_bins - 1)
            before = cum[t, b - 1] if b > 0 else 0
            inside = counts[t, b]
            frac = (target - before) / inside if inside else 0.0
            out[t, j] = lo + (b + frac) * width
    return out


def bands(scenario: Scenario, st: StepStats) -> dict[str, np.ndarray]:
    """Columns of the bands table: per step, runs alive, level and trust quantiles, means."""
    alive = st.alive.astype(float)
    denom = np.where(alive > 0, alive, np.nan)
    cols: dict[str, np.ndarray] = {"step": np.arange(scenario.horizon), "runs_alive": st.alive}
    cols["channel_open.mean"] = st.open / denom
    for k, track in enumerate(scenario.tracks):
        counts = st.levels[k]
        q = discrete_quantiles(counts)
        for j, qq in enumerate(QUANTILES):
            cols[f"level.{track.name}.{_qname(qq)}"] = q[:, j]
        cols[f"level.{track.name}.mean"] = (counts * np.arange(counts.shape[1])).sum(axis=1) / denom
        cols[f"mutual_coop.{track.name}.mean"] = st.mutual[:, k] / denom
    for i, actor in enumerate(scenario.actors):
        q = binned_quantiles(st.trust[:, i, :])
        for j, qq in enumerate(QUANTILES):
            cols[f"trust.{actor.name}.{_qname(qq)}"] = q[:, j]
        cols[f"trust.{actor.name}.mean"] = st.trust_sum[:, i] / SUM_UNIT / denom
    if st.nonstate is not None:
        for j, name in enumerate(("capability", "safeguards")):
            q = binned_quantiles(st.nonstate[:, j, :])
            for jj, qq in enumerate(QUANTILES):
                cols[f"nonstate.{name}.{_qname(qq)}"] = q[:, jj]
            cols[f"nonstate.{name}.mean"] = st.nonstate_sum[:, j] / SUM_UNIT / denom
        cols["nonstate.incidents.mean"] = st.nonstate_sum[:, 2] / SUM_UNIT / denom
    return cols


__all__ = ["bands", "discrete_quantiles", "binned_quantiles", "QUANTILES", "TRUST_BINS"]
