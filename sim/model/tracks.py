"""A track's state across runs: the escalation level and the payoff parameters (docs/model.md."""

from __future__ import annotations

import numpy as np

from ..games import Role
from ..scenario.resolved import TrackDef

Array = np.ndarray


class TrackState:
    """One issue track in every run: level on the ladder, its two players' payoffs and modifiers.

    ``players`` are the indices of the two actors who play the track (by default the first two);
    payoffs are per seat, ``payoffs[0]`` for ``players[0]`` and ``payoffs[1]`` for ``players[1]``.

    The ladder is sticky: after both players play C for ``down_after`` steps in a row the level
    steps down, and with a ``ratchet`` it never falls more than that many rungs below its peak.
    ``frozen`` marks runs (twin lanes) whose level is held at its start whatever happens.
    """

    def __init__(self, index: int, spec: TrackDef, values: dict[str, Array], n_runs: int):
        self.index, self.spec, self.name = index, spec, spec.name
        self.role = spec.role
        self.players = spec.players
        self.top = len(spec.rungs) - 1
        self.level = np.full(n_runs, spec.start, dtype=np.int64)
        self.peak = self.level.copy()                    # highest level reached in the run
        self.calm = np.zeros(n_runs, dtype=np.int64)     # consecutive steps of mutual C
        self.frozen = np.zeros(n_runs, dtype=bool)
        # per seat: {"R": array, ...}; copies so that events can change them per run
        self.payoffs = [{x: values[p].copy() for x, p in pay.items()} for pay in spec.payoffs]
        self.level_cost = values[spec.params["level_cost"]].copy()
        self.risk_weight = values[spec.params["risk_weight"]].copy()
        self.audience_weight = values[spec.params["audience_weight"]].copy()
        # v3: freezes, per seat (a player walked out and plays D until a thaw), and the thaw rate
        self.thaw_rate = values[spec.params["thaw_rate"]].copy() if "thaw_rate" in spec.params else np.zeros(n_runs)
        self.freeze = np.zeros((2, n_runs), dtype=bool)
        self.walked = np.zeros((2, n_runs), dtype=bool)
        self.was_frozen = np.zeros(n_runs, dtype=bool)           # frozen during the previous step
        self.freezes = np.zeros(n_runs, dtype=np.int64)           # spells of frozen steps
        self.first_freeze = np.full(n_runs, -1, dtype=np.int64)
        self.frozen_steps = np.zeros(n_runs, dtype=np.int64)
        self.thaws_at_meeting = np.zeros(n_runs, dtype=np.int64)  # freezes ended by a leaders' meeting

    @property
    def frozen_now(self) -> Array:
        """Runs where some player has frozen the track (v3)."""
        return self.freeze[0] | self.freeze[1]

    def effective(self, seat: int, hawkishness: Array, risk: Array) -> tuple[Array, Array, Array, Array]:
        """R, S, T, P of the player in ``seat`` (0 or 1) after the level cost, risk and audience modifiers."""
        pay = self.payoffs[seat]
        R, S, T, P = pay["R"], pay["S"], pay["T"], pay["P"]
        if self.level_cost.any():  # (a zero term is skipped: x - 0 is x)
            cost = self.level_cost * self.level
            R, S, T, P = R - cost, S - cost, T - cost, P - cost
        if self.role is Role.CHANNEL:
            R = R + risk * self.risk_weight
        if self.role is not Role.OTHER and self.audience_weight.any():  # v3: the channel's too
            bonus = hawkishness * self.audience_weight
            T, P = T + bonus, P + bonus
        return R, S, T, P

    def see_freezes(self, t: int, alive: Array) -> Array:
        """v3: count this step's freeze (before the moves); return where it is frozen."""
        now = self.frozen_now & alive
        self.walked = self.freeze & alive                       # per seat, during this step
        starts = now & ~self.was_frozen
        self.freezes += starts
        self.first_freeze = np.where(starts & (self.first_freeze < 0), t, self.first_freeze)
        self.frozen_steps += now
        self.was_frozen = np.where(alive, now, self.was_frozen)
        return now

    def thaw_draw(self, u: Array, alive: Array) -> None:
        """v3: after the step, each freeze ends on its own with chance ``thaw_rate`` (one uniform
        per run and step, always drawn)."""
        ends = alive & (u < self.thaw_rate)
        self.freeze[:, ends] = False

    def score(self, seat: int, mine: Array, other: Array, hawkishness: Array | None = None,
              risk: Array | None = None, payoffs: tuple | None = None) -> Array:
        """Payoff of the player in ``seat`` for the realised moves (True = C); ``payoffs``: its
        effective (R, S, T, P) if already computed this step."""
        R, S, T, P = payoffs if payoffs is not None else self.effective(seat, hawkishness, risk)
        return np.where(mine, np.where(other, R, S), np.where(other, T, P))

    def set_level(self, new: Array, where: Array) -> None:
        """Move the level to ``new`` where ``where`` holds (not in frozen runs): clipped to the
        ladder and the ratchet's floor; the peak follows."""
        new = np.clip(new, 0, self.top)
        if self.spec.ratchet is not None:
            new = np.maximum(new, self.peak - self.spec.ratchet)
        self.level = np.where(where & ~self.frozen, new, self.level)
        self.peak = np.maximum(self.peak, self.level)

    def move(self, a: Array, b: Array, alive: Array) -> None:
        """Climb ``up`` per D the two players played (``a``, ``b``: their moves, True = C); after
        ``down_after`` calm steps in a row step ``down``."""
        n_defect = (~a).astype(np.int64) + (~b)
        calm = np.where(n_defect > 0, 0, self.calm + 1)
        down = calm >= self.spec.down_after
        step = np.where(n_defect > 0, self.spec.up * n_defect, -self.spec.down * down)
        self.calm = np.where(alive, np.where(down, 0, calm), self.calm)
        self.set_level(self.level + step, alive)
