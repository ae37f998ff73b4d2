"""Outcome trackers: is the channel open, did it break, how far did the rivalry climb (MODEL.md 8)."""

from __future__ import annotations

import numpy as np

from ..scenario.resolved import OutcomeDef

Array = np.ndarray


class OutcomeTracker:
    """Per-run outcome state, updated once per step after the moves."""

    def __init__(self, spec: OutcomeDef, n_runs: int, n_tracks: int, start_levels: Array):
        self.spec = spec
        self.window = np.zeros((n_runs, spec.window), dtype=bool)  # ring buffer of mutual C
        self.open = np.ones(n_runs, dtype=bool)
        self.broken = np.zeros(n_runs, dtype=bool)
        self.break_step = np.full(n_runs, -1, dtype=np.int64)
        self.steps = np.zeros(n_runs, dtype=np.int64)
        self.coop = np.zeros((2, n_runs, n_tracks), dtype=np.int64)   # C moves per actor, track
        self.mutual = np.zeros((n_runs, n_tracks), dtype=np.int64)    # steps of mutual C
        self.peak = np.asarray(start_levels, dtype=np.int64).copy()  # (runs, tracks)

    def see_levels(self, levels: Array) -> None:
        """Record levels reached (after events and after moves)."""
        self.peak = np.maximum(self.peak, levels)

    def update(self, t: int, moves: tuple[Array, Array], alive: Array) -> None:
        a, b = moves
        mutual = a & b
        ch = self.spec.channel
        self.window[:, t % self.spec.window] = np.where(alive, mutual[:, ch], self.window[:, t % self.spec.window])
        seen = np.minimum(self.steps + 1, self.spec.window)
        frac = self.window.sum(axis=1) / seen
        now_open = frac >= self.spec.threshold
        self.open = np.where(alive, now_open, self.open)
        newly = alive & ~now_open & ~self.broken
        self.break_step = np.where(newly, t, self.break_step)
        self.broken |= newly
        self.steps += alive
        self.coop[0] += a & alive[:, None]
        self.coop[1] += b & alive[:, None]
        self.mutual += mutual & alive[:, None]

    @property
    def rivalry_peak(self) -> Array:
        if not self.spec.rivalry:
            return np.zeros(self.peak.shape[0], dtype=np.int64)
        return self.peak[:, list(self.spec.rivalry)].max(axis=1)

    @property
    def escalated(self) -> Array:
        if not self.spec.rivalry:
            return np.zeros(self.peak.shape[0], dtype=bool)
        return self.rivalry_peak >= self.spec.escalated_level
