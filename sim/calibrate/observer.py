"""Pattern statistics of every run of a vectorised model, computed step by step.

:class:`PatternObserver` is passed to ``model.run(observer=...)`` and keeps only running counters
per run (no trajectories), so memory is O(runs x patterns) whatever the horizon.
"""

from __future__ import annotations

import numpy as np

from ..scenario.patterns import PatternDef

Array = np.ndarray


class _Stat:
    def __init__(self, p: PatternDef, n: int):
        self.p = p
        self.n = n
        # the steps judged (``period:``; the whole run by default)
        self.lo, self.hi = p.period if p.period is not None else (0, None)

    def judged(self, t: int) -> bool:
        return self.lo <= t and (self.hi is None or t <= self.hi)

    def step(self, m, t: int, alive: Array) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def value(self, m) -> Array:  # pragma: no cover - interface
        raise NotImplementedError


class _Count(_Stat):
    def __init__(self, p, n):
        super().__init__(p, n)
        self.actor, self.track, self.cooperate = p.args
        self.total = np.zeros(n, dtype=np.int64)

    def step(self, m, t, alive):
        if self.judged(t):
            self.total += (m.actors[self.actor].realised[:, self.track] == self.cooperate) & alive

    def value(self, m):
        return self.total.astype(float)


class _Response(_Stat):
    """Moves of ``to`` still waiting for an answer, by age: pending[:, j] = move made j+1 steps ago.

    A ``to`` move in the last ``within`` steps of the judged period (the run's steps: ``t + within
    >= length``) has no full window in which to be answered: it is left out, counted neither as
    answered nor as unanswered. With no ``to`` move left the share is undefined (NaN)."""

    def __init__(self, p, n):
        super().__init__(p, n)
        self.to = p.args[:3]
        self.by = p.args[3:6]
        self.within = p.args[6]
        self.pending = np.zeros((n, self.within), dtype=bool)
        self.moves = np.zeros(n, dtype=np.int64)
        self.answered = np.zeros(n, dtype=np.int64)

    @staticmethod
    def _played(m, who) -> Array:
        actor, track, cooperate = who
        return m.actors[actor].realised[:, track] == cooperate

    def step(self, m, t, alive):
        by_now = self._played(m, self.by) & alive
        hit = self.pending & by_now[:, None]
        self.answered += hit.sum(axis=1)
        left = self.pending & ~hit
        # a `to` move counts if it is judged and its whole window lies in the run and the period
        end = m.length if self.hi is None else np.minimum(m.length, self.hi + 1)
        to_now = self._played(m, self.to) & alive & (t + self.within < end) & (t >= self.lo)
        # age every pending move by one step; moves older than `within` expire unanswered
        self.pending = np.concatenate([to_now[:, None], left[:, :-1]], axis=1)
        self.moves += to_now

    def value(self, m):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.moves > 0, self.answered / np.maximum(self.moves, 1), np.nan)


class _LargestDrop(_Stat):
    def __init__(self, p, n, start: Array):
        super().__init__(p, n)
        self.track = p.args[0]
        self.peak = np.asarray(start, dtype=np.int64).copy()
        self.drop = np.zeros(n, dtype=np.int64)

    def step(self, m, t, alive):
        level = m.tracks[self.track].level
        if t == self.lo - 1:   # a period: the running peak starts at the level entering it
            self.peak = np.asarray(level, dtype=np.int64).copy()
        if not self.judged(t):
            return
        self.peak = np.where(alive, np.maximum(self.peak, level), self.peak)
        self.drop = np.where(alive, np.maximum(self.drop, self.peak - level), self.drop)

    def value(self, m):
        return self.drop.astype(float)


class _LevelAt(_Stat):
    def __init__(self, p, n):
        super().__init__(p, n)
        self.track, self.at = p.args
        self.level = np.full(n, np.nan)

    def step(self, m, t, alive):
        if t == self.at:
            self.level = np.where(alive, m.tracks[self.track].level.astype(float), np.nan)

    def value(self, m):
        return self.level


class _OpenShare(_Stat):
    def __init__(self, p, n):
        super().__init__(p, n)
        self.lo, self.hi = p.args
        self.open = np.zeros(n, dtype=np.int64)
        self.steps = np.zeros(n, dtype=np.int64)

    def step(self, m, t, alive):
        if self.lo <= t <= self.hi:
            self.open += m.outcome.open & alive
            self.steps += alive

    def value(self, m):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.steps > 0, self.open / np.maximum(self.steps, 1), np.nan)


class _Fired(_Stat):
    """Times the event fired: its count at the end, or, with a period, the firings at steps in it."""

    def __init__(self, p, n):
        super().__init__(p, n)
        self.before = np.zeros(n, dtype=np.int64)   # the count before the period
        self.total = np.zeros(n, dtype=np.int64)

    def step(self, m, t, alive):
        if self.p.period is None:
            return
        counts = np.asarray(m.events.counts[self.p.args[0]], dtype=np.int64)
        if t == self.lo - 1:
            self.before = counts.copy()
        if self.judged(t):
            self.total = np.where(alive, counts - self.before, self.total)

    def value(self, m):
        if self.p.period is None:
            return m.events.counts[self.p.args[0]].astype(float)
        return self.total.astype(float)


class PatternObserver:
    """Running pattern statistics of every run of ``model``; call after each step."""

    def __init__(self, model, patterns: tuple[PatternDef, ...]):
        n = model.n_runs
        self.stats: list[_Stat] = []
        for p in patterns:
            if p.kind == "count":
                s = _Count(p, n)
            elif p.kind == "response_share":
                s = _Response(p, n)
            elif p.kind == "largest_drop":
                s = _LargestDrop(p, n, model.tracks[p.args[0]].level)
            elif p.kind == "level_at":
                s = _LevelAt(p, n)
            elif p.kind == "channel_open_share":
                s = _OpenShare(p, n)
            else:
                s = _Fired(p, n)
            self.stats.append(s)

    def __call__(self, m) -> None:
        t = m.t - 1
        alive = t < m.length
        for s in self.stats:
            s.step(m, t, alive)

    def values(self, m) -> dict[str, Array]:
        """Statistic per run, by pattern column (NaN where undefined)."""
        return {s.p.column: s.value(m) for s in self.stats}


def pattern_statistics(model, patterns: tuple[PatternDef, ...]) -> dict[str, Array]:
    """Run ``model`` to the end and return each pattern's statistic per run."""
    obs = PatternObserver(model, patterns)
    model.run(observer=obs)
    return obs.values(model)
