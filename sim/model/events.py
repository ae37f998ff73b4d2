"""Scheduled and stochastic events and their effects on the state (MODEL.md section 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..scenario.resolved import EffectDef, EventDef

if TYPE_CHECKING:
    from .model import NegotiationModel

Array = np.ndarray


def _apply(op: str, old: Array, value: Array) -> Array:
    if op == "add":
        return old + value
    if op == "multiply":
        return old * value
    return np.broadcast_to(value, old.shape).astype(float)


class EventEngine:
    """Fires the scenario's events each step and applies their effects where they fired."""

    def __init__(self, events: tuple[EventDef, ...], values: dict[str, Array], n_runs: int):
        self.events = events
        self.values = values
        # MODEL.md section 5: events due at t fire first, then stochastic ones (each in file order)
        self.order = sorted(range(len(events)), key=lambda i: events[i].probability is not None)
        self.counts = np.zeros((len(events), n_runs), dtype=np.int64)
        self.first = np.full((len(events), n_runs), -1, dtype=np.int64)

    def due(self, i: int, event: EventDef, t: int, u: Array, channel_open: Array) -> Array:
        """Which runs fire event ``i`` at step ``t`` (before the alive mask)."""
        if event.at is not None and t not in event.at:
            return np.zeros(u.shape, dtype=bool)
        if event.probability is None:
            return np.ones(u.shape, dtype=bool)
        p = self.values[event.probability]
        if event.probability_if_open is not None:
            p = np.where(channel_open, self.values[event.probability_if_open], p)
        return u < p

    def step(self, model: NegotiationModel, t: int, u_events: list[Array], alive: Array):
        """Fire due events, apply their effects; return forced moves per actor and track."""
        n_runs = alive.shape[0]
        forced = [[(np.zeros(n_runs, dtype=bool), np.zeros(n_runs, dtype=bool)) for _ in model.tracks]
                  for _ in model.actors]
        fired_names = []
        for i in self.order:
            event = self.events[i]
            fired = self.due(i, event, t, u_events[i], model.outcome.open) & alive
            if not fired.any():
                continue
            fired_names.append(event.name)
            self.counts[i] += fired
            self.first[i] = np.where(fired & (self.first[i] < 0), t, self.first[i])
            for effect in event.effects:
                self.apply(model, effect, fired, forced)
        model.fired_this_step = fired_names
        return forced

    def apply(self, model: NegotiationModel, e: EffectDef, fired: Array, forced) -> None:
        if e.op == "force":
            for a in e.actors:
                for k in e.tracks:
                    mask, value = forced[a][k]
                    forced[a][k] = (mask | fired, np.where(fired, e.cooperate, value))
            return
        v = self.values[e.value]
        if e.scope == "actor":
            for a in e.actors:
                actor = model.actors[a]
                if e.attr == "trust":  # shifts every per-track belief
                    new = np.clip(_apply(e.op, actor.belief, v[:, None]), 0.0, 1.0)
                    actor.belief = np.where(fired[:, None], new, actor.belief)
                    continue
                old = getattr(actor, e.attr)
                setattr(actor, e.attr, np.where(fired, e.range.clip(_apply(e.op, old, v)), old))
            return
        for k in e.tracks:
            track = model.tracks[k]
            if e.attr == "level":
                new = np.clip(np.rint(_apply(e.op, track.level.astype(float), v)), 0, track.top)
                track.level = np.where(fired, new.astype(np.int64), track.level)
            elif e.attr in "RSTP":
                for pay in track.payoffs:
                    pay[e.attr] = np.where(fired, _apply(e.op, pay[e.attr], v), pay[e.attr])
            else:
                old = getattr(track, e.attr)
                setattr(track, e.attr, np.where(fired, e.range.clip(_apply(e.op, old, v)), old))
