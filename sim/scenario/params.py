"""Numeric parameters that may be uncertain: a fixed value or a distribution sampled per run.

A distribution is sampled by inverse CDF from one uniform number per parameter and run, so the
draw of one parameter never shifts another's (common random numbers across scenario variants).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..lazy import lazy
from ..ranges import DISCOUNT, Range

np = lazy("numpy", __name__)  # imported on first use: `sim validate` never needs numpy

DIST_HELP = (
    "{uniform: [a, b]}, {normal: [mu, sd]}, {triangular: [lo, mode, hi]}, {beta: [a, b]} "
    "or {choice: [v1, v2, ...]}"
)


@dataclass(frozen=True)
class Fixed:
    """A parameter known exactly."""

    value: float

    uncertain = False

    def sample(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value, dtype=float)

    def describe(self) -> str:
        return f"{self.value:g}"

    def to_yaml(self) -> float:
        return self.value


@dataclass(frozen=True)
class Dist:
    """A distribution over a parameter's range, sampled by inverse CDF and clipped to the range."""

    kind: str
    args: tuple[float, ...]
    range: Range

    uncertain = True

    def sample(self, u: np.ndarray) -> np.ndarray:
        from .. import distributions as dist  # scipy.special on first sample: validating never needs it

        a = self.args
        point = self.point()
        if point is not None:  # a distribution of zero width is its one value (never NaN)
            return self.range.clip(np.full(np.shape(u), point, dtype=float))
        if self.kind == "uniform":
            x = a[0] + (a[1] - a[0]) * u
        elif self.kind == "normal":
            # u = 0 (one draw in 2**53) would be -inf: the tails stop at 2**-53 from each end
            x = dist.norm_ppf(np.clip(u, 2.0**-53, 1 - 2.0**-53), loc=a[0], scale=a[1])
        elif self.kind == "triangular":
            lo, mode, hi = a
            c = 0.5 if hi == lo else (mode - lo) / (hi - lo)
            x = dist.triang_ppf(u, c, loc=lo, scale=hi - lo)
        elif self.kind == "beta":
            x = dist.beta_ppf(u, a[0], a[1])
        else:  # choice
            idx = np.minimum((np.asarray(u) * len(a)).astype(int), len(a) - 1)
            x = np.asarray(a, dtype=float)[idx]
        return self.range.clip(np.asarray(x, dtype=float))

    def point(self) -> float | None:
        """The one value of a distribution of zero width (``triangular: [a, a, a]``,
        ``uniform: [a, a]``, ``choice: [a, a]``), else None."""
        a = self.args
        if self.kind in ("uniform", "triangular", "choice") and min(a) == max(a):
            return a[0]
        return None

    def describe(self) -> str:
        return f"{self.kind}({', '.join(f'{v:g}' for v in self.args)})"

    def to_yaml(self) -> dict:
        return {self.kind: list(self.args)}


@dataclass(frozen=True)
class RuleChoice:
    """v3: which of several decision rules a run plays, as the rule's index (0-based), drawn by
    inverse CDF of the rules' ``weights`` from the run's own uniform (like every parameter)."""

    weights: tuple[float, ...]
    labels: tuple[str, ...]

    uncertain = True
    kind = "rule"

    @property
    def args(self) -> tuple[float, ...]:
        return self.weights

    def sample(self, u: np.ndarray) -> np.ndarray:
        edges = np.cumsum(np.asarray(self.weights, dtype=float))
        edges = edges / edges[-1]
        idx = np.searchsorted(edges, np.asarray(u, dtype=float), side="right")
        return np.minimum(idx, len(self.weights) - 1).astype(float)

    def point(self) -> float | None:
        return 0.0 if len(self.weights) == 1 else None

    def describe(self) -> str:
        return " | ".join(f"{n} {w:.2g}" for n, w in zip(self.labels, self.weights))

    def to_yaml(self) -> dict:
        return {"choice": list(self.labels), "weights": list(self.weights)}


Param = Fixed | Dist | RuleChoice

_ARITY = {"uniform": 2, "normal": 2, "triangular": 3, "beta": 2}


def _number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def parse_param(value: object, rng: Range) -> Param:
    """Read a YAML value as a parameter in ``rng``; raise ``ValueError`` with a clear message."""
    expected = f"expected {rng} or a distribution such as {DIST_HELP}"
    if isinstance(value, (Fixed, Dist)):
        return value
    if _number(value):
        if not rng.contains(float(value)):
            raise ValueError(f"{value} is out of range: expected {rng}")
        return Fixed(float(value))
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"got {value!r}: {expected}")
    (kind, args), = value.items()
    if kind not in (*_ARITY, "choice"):
        from .errors import suggest

        raise ValueError(f"unknown distribution '{kind}'{suggest(kind, (*_ARITY, 'choice'))}: {expected}")
    if not isinstance(args, list) or not all(_number(a) for a in args):
        raise ValueError(f"{kind} takes a list of numbers, got {args!r}")
    if kind == "choice":
        if not args:
            raise ValueError("choice needs at least one value")
        bad = [a for a in args if not rng.contains(a)]
        if bad:
            raise ValueError(f"choice value {bad[0]} is out of range: expected {rng}")
        return Dist(kind, tuple(float(a) for a in args), rng)
    if len(args) != _ARITY[kind]:
        raise ValueError(f"{kind} takes {_ARITY[kind]} numbers, got {len(args)}")
    a = [float(x) for x in args]
    if kind == "uniform":
        if a[0] > a[1] or not (rng.contains(a[0]) and rng.contains(a[1])):
            raise ValueError(f"uniform bounds {args} must be ordered and each {rng}")
    elif kind == "normal":
        if a[1] <= 0 or not rng.contains(a[0]):
            raise ValueError(f"normal needs a mean that is {rng} and a positive sd, got {args}")
    elif kind == "triangular":
        if not (a[0] <= a[1] <= a[2]) or not (rng.contains(a[0]) and rng.contains(a[2])):
            raise ValueError(f"triangular needs lo <= mode <= hi, each {rng}, got {args}")
    elif kind == "beta":
        if a[0] <= 0 or a[1] <= 0:
            raise ValueError(f"beta needs two positive shape numbers, got {args}")
        if not (rng.contains(0.0) and rng.contains(1.0) or rng == DISCOUNT):
            raise ValueError(f"beta samples in [0, 1], outside the valid range ({rng})")
    return Dist(kind, tuple(a), rng)
