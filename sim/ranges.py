"""Valid ranges of numeric parameters (a base module: numpy only).

Shared by the scenario language (``sim/scenario``), which checks every value against its range,
and the strategy registry (``sim/strategies.py``), which declares each strategy parameter's range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .lazy import lazy

np = lazy("numpy", __name__)  # imported on first use: `sim validate` never needs numpy



@dataclass(frozen=True)
class Range:
    """The valid values of a parameter: ``lo <= x <= hi`` (``x < hi`` if ``hi_open``)."""

    lo: float = -math.inf
    hi: float = math.inf
    hi_open: bool = False

    def contains(self, x: float) -> bool:
        return self.lo <= x and (x < self.hi if self.hi_open else x <= self.hi)

    def clip(self, x: np.ndarray) -> np.ndarray:
        hi = np.nextafter(self.hi, -np.inf) if self.hi_open else self.hi
        return np.clip(x, self.lo, hi)

    def __str__(self) -> str:
        if self.lo == -math.inf and self.hi == math.inf:
            return "any number"
        if self.hi == math.inf:
            return f"a number >= {self.lo:g}"
        close = ")" if self.hi_open else "]"
        return f"a number in [{self.lo:g}, {self.hi:g}{close}"


UNIT = Range(0.0, 1.0)
DISCOUNT = Range(0.0, 1.0, hi_open=True)
NONNEG = Range(0.0)
REAL = Range()
POSITIVE = Range(1e-12)
