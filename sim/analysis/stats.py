"""Ensemble statistics: proportions with Wilson intervals, the channel's Kaplan-Meier survival curve."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Proportion:
    """k successes of n with a Wilson score interval (Wilson 1927), via scipy."""

    k: int
    n: int
    p: float | None
    lo: float | None
    hi: float | None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if self.n == 0:
            return "n/a (no runs)"
        return f"{self.p:.3f}  [{self.lo:.3f}, {self.hi:.3f}]  ({self.k}/{self.n})"


def proportion(k: int, n: int, confidence: float = 0.95) -> Proportion:
    if n == 0:
        return Proportion(0, 0, None, None, None)
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return Proportion(int(k), int(n), k / n, float(ci.low), float(ci.high))


@dataclass(frozen=True)
class Survival:
    """Probability that the channel is still open after each step, with a pointwise 95% band."""

    steps: np.ndarray
    survival: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def median(self) -> float | None:
        """First step at which survival falls to 0.5 or below (None if it never does)."""
        below = np.nonzero(self.survival <= 0.5)[0]
        return float(self.steps[below[0]]) if len(below) else None


def survival(break_step: np.ndarray, length: np.ndarray, horizon: int) -> Survival:
    """Kaplan-Meier estimate of P(break step > t); runs that held are censored at their length.

    A run that held through ``length`` steps is known to have break step >= length, so it is
    censored at ``length - 0.5`` (integer steps). The band is scipy's log-log Greenwood interval.
    """
    broke = ~np.isnan(break_step)
    steps = np.arange(horizon)
    if not broke.any():
        one = np.ones(horizon)
        return Survival(steps, one, one.copy(), one.copy())
    data = stats.CensoredData(uncensored=break_step[broke], right=length[~broke] - 0.5)
    sf = stats.ecdf(data).sf
    s = sf.evaluate(steps)
    with warnings.catch_warnings():  # undefined where S(t) is 0 or 1: those ends are set below
        warnings.filterwarnings("ignore", message="The confidence interval is undefined")
        ci = sf.confidence_interval(0.95, method="log-log")
    lo, hi = ci.low.evaluate(steps), ci.high.evaluate(steps)
    return Survival(steps, s, np.nan_to_num(lo, nan=0.0), np.nan_to_num(hi, nan=1.0))


def payoff_quantiles(table: dict[str, np.ndarray]) -> dict:
    """Per actor, the distribution over runs of the payoff per step (total / run length)."""
    out = {}
    for col in (c for c in table if c.startswith("payoff.")):
        per_step = table[col] / table["length"]
        q = np.quantile(per_step, [0.05, 0.25, 0.5, 0.75, 0.95])
        out[col.removeprefix("payoff.")] = {"mean": float(per_step.mean()),
                                            **{f"q{p:02d}": float(v) for p, v in zip((5, 25, 50, 75, 95), q)}}
    return out


def summarise(table: dict[str, np.ndarray], horizon: int) -> dict:
    """The headline numbers of an ensemble (MODEL.md section 8) from its per-run table."""
    held = table["held"].astype(bool)
    esc = table["escalated"].astype(bool)
    broke = ~np.isnan(table["break_step"].astype(float))
    surv = survival(table["break_step"].astype(float), table["length"].astype(float), horizon)
    return {
        "runs": int(len(held)),
        "p_held": proportion(held.sum(), len(held)).as_dict(),
        "p_held_given_escalated": proportion((held & esc).sum(), esc.sum()).as_dict(),
        "p_held_while_escalated": proportion((held & esc).sum(), len(held)).as_dict(),
        "p_escalated": proportion(esc.sum(), len(esc)).as_dict(),
        "median_break_step": surv.median(),
        "median_break_step_among_broken": float(np.median(table["break_step"][broke])) if broke.any() else None,
        "mean_length": float(np.mean(table["length"])),
        "payoff_per_step": payoff_quantiles(table),
    }
