"""Outcome trackers (docs/model.md: is the channel engaged, open, suspended or collapsed; how
far and how long did the rivalry escalate.

Every tracker is vectorised over runs and updated once per step after the moves. The channel's
definition (window, threshold, collapse_after, prehistory) is a parameter of :class:`ChannelState`,
so the robustness grid of the definition is a set of extra trackers over the same moves. Of those
only the longest suspension is read, so :class:`ChannelGrid` keeps the moves and works it out for
every definition of the grid at once, when asked: the numbers of a :class:`ChannelState` per
definition, stepped along.
"""

from __future__ import annotations

import numpy as np

from ..results.outcomes import ROBUSTNESS_GRID, ChannelDefinition
from ..scenario.resolved import OutcomeDef

Array = np.ndarray
#: "open" means the engaged share is at least the threshold; this absorbs float rounding (2/6 vs 1/3)
TIE = 1e-9


class ChannelState:
    """The channel under one definition, in every run."""

    def __init__(self, d: ChannelDefinition, n_runs: int):
        self.d = d
        self.ring = np.full((n_runs, d.window), d.prehistory, dtype=bool)  # engaged, last `window` steps
        self.count = self.ring.sum(axis=1)                                 # engaged steps in the ring
        self.open = np.ones(n_runs, dtype=bool)          # open after the last step (open at the start)
        self.collapsed = np.zeros(n_runs, dtype=bool)
        self.break_step = np.full(n_runs, -1, dtype=np.int64)
        self.spell = np.zeros(n_runs, dtype=np.int64)    # length of the current suspension
        self.spell_start = np.full(n_runs, -1, dtype=np.int64)
        self.max_spell = np.zeros(n_runs, dtype=np.int64)
        self.suspensions = np.zeros(n_runs, dtype=np.int64)
        self.first_suspension = np.full(n_runs, -1, dtype=np.int64)
        self.open_steps = np.zeros(n_runs, dtype=np.int64)
        self.engaged_steps = np.zeros(n_runs, dtype=np.int64)
        self.steps = np.zeros(n_runs, dtype=np.int64)
        self.spell_frozen = np.zeros(n_runs, dtype=bool)   # v3: the current suspension began in a freeze
        self.by_freeze = np.zeros(n_runs, dtype=bool)      # v3: the collapse began during a freeze

    def update(self, t: int, engaged: Array, alive: Array, frozen: Array | None = None) -> None:
        d = self.d
        slot = t % d.window
        old = self.ring[:, slot]
        new = np.where(alive, engaged, old)
        self.count += new.astype(np.int64) - old
        self.ring[:, slot] = new
        seen = d.window if d.prehistory else np.minimum(self.steps + 1, d.window)
        open_now = self.count >= d.threshold * seen - TIE
        begins = alive & ~open_now & (self.spell == 0)
        self.spell_start = np.where(begins, t, self.spell_start)
        if frozen is not None:
            self.spell_frozen = np.where(begins, frozen, self.spell_frozen)
        self.suspensions += begins
        self.first_suspension = np.where(begins & (self.first_suspension < 0), t, self.first_suspension)
        self.spell = np.where(alive, np.where(open_now, 0, self.spell + 1), self.spell)
        self.max_spell = np.maximum(self.max_spell, self.spell)
        collapses = alive & ~self.collapsed & (self.spell >= d.collapse_after)
        self.break_step = np.where(collapses, self.spell_start, self.break_step)
        self.by_freeze |= collapses & self.spell_frozen
        self.collapsed |= collapses
        self.open = np.where(alive, open_now, self.open)
        self.open_steps += alive & open_now
        self.engaged_steps += alive & engaged
        self.steps += alive


class ChannelGrid:
    """The robustness grid's trackers: for each definition, the longest suspension of the channel
    (``ChannelState.max_spell``), from the engaged moves and live lanes of every step so far.

    A step only records them; :meth:`max_spell` then works out every definition in a few passes
    over the steps at once: the engaged steps in each window from running sums (prehistory filling
    the window before the start), open where they reach the threshold (the same comparison as
    :meth:`ChannelState.update`), and the longest stretch of live steps not open. That takes each
    lane to be live for a first stretch of steps and then no more (``alive = t < length``, as the
    model steps); steps that are not consecutive or lanes that come back to life are stepped through
    :class:`ChannelState` trackers instead, so the numbers are those of the trackers in every case.
    """

    def __init__(self, definitions, n_runs: int):
        self.definitions = list(definitions)
        self.n_runs = n_runs
        self.steps: list[int] = []
        self.engaged: list[Array] = []
        self.alive: list[Array] = []

    def __len__(self) -> int:
        return len(self.definitions)

    def update(self, t: int, engaged: Array, alive: Array) -> None:
        self.steps.append(t)
        self.engaged.append(np.array(engaged, dtype=bool))
        self.alive.append(np.array(alive, dtype=bool))

    def max_spell(self) -> dict[ChannelDefinition, Array]:
        if not self.steps:
            return {d: np.zeros(self.n_runs, dtype=np.int64) for d in self.definitions}
        alive = np.stack(self.alive)                       # (steps, runs)
        consecutive = np.array_equal(np.diff(self.steps), np.ones(len(self.steps) - 1, dtype=int))
        if not consecutive or (alive[1:] & ~alive[:-1]).any():
            return self._stepped()
        engaged = np.stack(self.engaged)
        k = np.arange(len(self.steps))
        sums = np.zeros((len(k) + 1, self.n_runs), dtype=np.int64)
        np.cumsum(engaged, axis=0, out=sums[1:])
        counts = {}
        suspended = np.empty((len(k), len(self.definitions), self.n_runs), dtype=bool)   # live and not open
        for j, d in enumerate(self.definitions):
            w = d.window
            if (w, d.prehistory) not in counts:
                # engaged steps among the last w (before the start: prehistory), after each step
                count = sums[k + 1] - sums[np.maximum(k + 1 - w, 0)]
                if d.prehistory:
                    count += np.maximum(w - 1 - k, 0)[:, None]
                counts[w, d.prehistory] = count
            seen = w if d.prehistory else np.minimum(k + 1, w)[:, None]   # a live lane's steps so far: k
            np.less(counts[w, d.prehistory], d.threshold * seen - TIE, out=suspended[:, j])
            suspended[:, j] &= alive
        # the longest stretch of suspended steps, every definition at once
        spell = np.zeros(suspended.shape[1:], dtype=np.int64)
        longest = np.zeros_like(spell)
        for now in suspended:
            spell += 1
            spell *= now
            np.maximum(longest, spell, out=longest)
        return dict(zip(self.definitions, longest))

    def _stepped(self) -> dict[ChannelDefinition, Array]:
        trackers = {d: ChannelState(d, self.n_runs) for d in self.definitions}
        for t, engaged, alive in zip(self.steps, self.engaged, self.alive):
            for tracker in trackers.values():
                tracker.update(t, engaged, alive)
        return {d: tr.max_spell for d, tr in trackers.items()}


class OutcomeTracker:
    """Per-run outcome state: the channel (scenario's definition and the robustness grid), the
    rivalry, and cooperation per track."""

    def __init__(self, spec: OutcomeDef, n_runs: int, n_tracks: int, start_levels: Array,
                 grid: bool = True, grid_runs: int | None = None):
        """``grid_runs``: the robustness grid is tracked for the first ``grid_runs`` lanes only (the
        runs themselves, not their twins); default all."""
        self.spec = spec
        self.grid_runs = n_runs if grid_runs is None else grid_runs
        self.channel = ChannelState(ChannelDefinition(spec.window, spec.threshold, spec.collapse_after,
                                                      spec.prehistory), n_runs)
        # one tracker per (window, threshold, prehistory) of the grid; collapse_after is read off max_spell
        self.grid = ChannelGrid(ROBUSTNESS_GRID.trackers(spec) if grid else (), self.grid_runs)
        # the rivalry and cooperation trackers follow the runs only (their twins record the channel)
        g = self.grid_runs
        self.steps = np.zeros(g, dtype=np.int64)
        self.coop = np.zeros((2, g, n_tracks), dtype=np.int64)   # C moves per seat, track
        self.mutual = np.zeros((g, n_tracks), dtype=np.int64)    # steps of mutual C
        self.peak = np.asarray(start_levels, dtype=np.int64)[:g].copy()  # (runs, tracks)
        self.after_events = self.peak.copy()
        rivalry = list(spec.rivalry)
        self.streak = np.zeros((g, len(rivalry)), dtype=np.int64)
        self.escalated = np.zeros(g, dtype=bool)
        self.escalated_steps = np.zeros(g, dtype=np.int64)
        self.final_levels = self.peak.copy()

    # the channel under the scenario's definition
    @property
    def open(self) -> Array:
        return self.channel.open

    @property
    def collapsed(self) -> Array:
        return self.channel.collapsed

    @property
    def break_step(self) -> Array:
        return self.channel.break_step

    def see_levels(self, levels: Array) -> None:
        """Levels after this step's events (before the moves)."""
        levels = levels[:self.grid_runs]
        self.after_events = levels
        self.peak = np.maximum(self.peak, levels)

    def update(self, t: int, moves: tuple[Array, Array], levels: Array, alive: Array,
               frozen: Array | None = None) -> None:
        """Record step ``t``: realised moves (True = C) of each track's two players, one
        ``(runs, tracks)`` array per seat (``NegotiationModel.moves``), and levels after the moves."""
        a, b = moves
        mutual = a & b
        engaged = mutual[:, self.spec.channel]
        self.channel.update(t, engaged, alive, frozen)
        g = self.grid_runs
        if self.grid:
            self.grid.update(t, engaged[:g], alive[:g])
        if g < len(alive):
            a, b, mutual, levels, alive = a[:g], b[:g], mutual[:g], levels[:g], alive[:g]
        self.peak = np.maximum(self.peak, levels)
        self.final_levels = np.where(alive[:, None], levels, self.final_levels)
        self.steps += alive
        self.coop[0] += a & alive[:, None]
        self.coop[1] += b & alive[:, None]
        self.mutual += mutual & alive[:, None]
        rivalry = list(self.spec.rivalry)
        if rivalry:
            # a rivalry track is "at or above" during step t if it was there after the events or
            # after the moves of t (so with sustained 1 this is exactly "the peak reached the level")
            during = np.maximum(self.after_events[:, rivalry], levels[:, rivalry])
            above = during >= self.spec.escalated_level
            self.streak = np.where(alive[:, None], np.where(above, self.streak + 1, 0), self.streak)
            self.escalated |= alive & (self.streak >= self.spec.sustained).any(axis=1)
            self.escalated_steps += alive & above.any(axis=1)

    @property
    def rivalry_peak(self) -> Array:
        if not self.spec.rivalry:
            return np.zeros(self.peak.shape[0], dtype=np.int64)
        return self.peak[:, list(self.spec.rivalry)].max(axis=1)

    @property
    def escalated_at_end(self) -> Array:
        if not self.spec.rivalry:
            return np.zeros(self.peak.shape[0], dtype=bool)
        return (self.final_levels[:, list(self.spec.rivalry)] >= self.spec.escalated_level).any(axis=1)

    def held_grid(self) -> Array:
        """Per run, the bits of ``held`` under every definition of the robustness grid."""
        return ROBUSTNESS_GRID.pack(self.grid.max_spell(), self.spec.window, self.spec.threshold, self.grid_runs)
