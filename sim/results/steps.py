"""The per-step statistics of an ensemble: counts over runs still going at each step.

They are the sufficient statistics of the quantile bands (``bands.csv``): every chunk of runs
adds its counts, so the bands of a million runs never need the runs' trajectories. The
simulation fills them (``sim.ensemble.runner.observe_step``); the analysis reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: trust and the nonstate means are counted in this many equal bins of [0, 1]
TRUST_BINS = 200
#: the sums behind the bands' means are kept in integer units of 2**-32 (each value rounded to the
#: nearest unit), so adding chunks is exact and a mean does not depend on how the runs were chunked
#: or on the workers; float sums differed in the last digit. 2**31 runs of values up to 1 fit in int64.
SUM_UNIT = 2.0 ** 32


def fixed_sum(x: np.ndarray) -> int:
    """The sum of ``x`` in units of 2**-32: exact and the same in any order."""
    return int(np.rint(np.asarray(x, dtype=float) * SUM_UNIT).astype(np.int64).sum())


@dataclass
class StepStats:
    """Per-step counts over runs still going: the sufficient statistics of the quantile bands."""

    alive: np.ndarray          # (steps,)
    levels: list[np.ndarray]   # per track: (steps, rungs) counts
    trust: np.ndarray          # (steps, actors, TRUST_BINS) counts
    trust_sum: np.ndarray      # (steps, actors): sums in units of 1/SUM_UNIT (fixed_sum)
    mutual: np.ndarray         # (steps, tracks): runs with mutual C
    open: np.ndarray           # (steps,): runs with the channel open
    nonstate: np.ndarray | None = None   # (steps, 2, TRUST_BINS): mean capability, safeguards
    nonstate_sum: np.ndarray | None = None  # (steps, 3): sums of capability, safeguards, incidents (fixed_sum)

    @classmethod
    def empty(cls, scenario) -> StepStats:
        """Zero counts for a scenario (its horizon, tracks' rungs, actors and nonstate population)."""
        h, n_tracks, n_actors = scenario.horizon, len(scenario.tracks), len(scenario.actors)
        pop = scenario.nonstate is not None
        return cls(np.zeros(h, np.int64), [np.zeros((h, len(t.rungs)), np.int64) for t in scenario.tracks],
                   np.zeros((h, n_actors, TRUST_BINS), np.int64), np.zeros((h, n_actors), np.int64),
                   np.zeros((h, n_tracks), np.int64), np.zeros(h, np.int64),
                   np.zeros((h, 2, TRUST_BINS), np.int64) if pop else None, np.zeros((h, 3), np.int64) if pop else None)

    def add(self, other: StepStats) -> None:
        self.alive += other.alive
        for mine, theirs in zip(self.levels, other.levels):
            mine += theirs
        self.trust += other.trust
        self.trust_sum += other.trust_sum
        self.mutual += other.mutual
        self.open += other.open
        if self.nonstate is not None:
            self.nonstate += other.nonstate
            self.nonstate_sum += other.nonstate_sum


