"""Scheduled, conditional and stochastic events and their effects on the state (docs/model.md.

Each step the events fire in three groups, each in file order: scheduled events due now, then
conditional events (``when:``; effects queued ``delay`` steps, and effects queued earlier that are
due now come first), then stochastic events. Every event reads exactly one uniform per step from
its own stream whether or not it can fire, so common random numbers survive.

Twin lanes (see ``model.py``) may skip events (they neither fire nor count there) and freeze
tracks: an effect that targets a frozen track is dropped in those lanes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..scenario.resolved import ConditionDef, EffectDef, EventDef

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

    def __init__(self, events: tuple[EventDef, ...], values: dict[str, Array], n_runs: int,
                 skip: Array | None = None, counted: int | None = None):
        """``counted``: how many leading lanes (the runs, not their twins) count firings (default all)."""
        self.events = events
        self.values = values
        self.order = sorted(range(len(events)), key=lambda i: events[i].group)
        counted = n_runs if counted is None else counted
        self.counts = np.zeros((len(events), counted), dtype=np.int64)
        self.first = np.full((len(events), counted), -1, dtype=np.int64)
        self.fired_last = np.zeros((len(events), n_runs), dtype=bool)
        #: lanes where each event is skipped (twins), events x runs
        self.skip = np.zeros((len(events), n_runs), dtype=bool) if skip is None else skip
        # conditional events: per-run delay and a ring of queued effects, (max_delay + 1) x runs
        self.delay = {i: values[e.delay].astype(np.int64) if e.delay else np.zeros(n_runs, dtype=np.int64)
                      for i, e in enumerate(events) if e.when}
        self.queue = {i: np.zeros((e.max_delay + 1, n_runs), dtype=bool) for i, e in enumerate(events) if e.when}

    # -- conditions ------------------------------------------------------------------------------

    def condition(self, m: NegotiationModel, c: ConditionDef, t: int, state) -> Array:
        """Whether ``c`` holds in each run, judged on the state after the previous step."""
        n = self.fired_last.shape[1]
        if c.kind == "played":
            if t == 0:
                return np.zeros(n, dtype=bool)
            last = m.actors[c.actor].last[:, c.track]
            return last if c.cooperate else ~last
        if c.kind == "level":
            level = state["levels"][:, c.track]
            ok = np.ones(n, dtype=bool)
            if c.at_least is not None:
                ok &= level >= c.at_least
            if c.at_most is not None:
                ok &= level <= c.at_most
            return ok
        if c.kind == "channel":
            if c.state == "frozen":
                return state["frozen"]
            if c.state == "open":
                return state["open"]
            if c.state == "suspended":
                return ~state["open"]
            return state["collapsed"]
        if c.kind == "fired":
            return self.fired_last[c.event] if t > 0 else np.zeros(n, dtype=bool)
        if c.kind == "fired_tag":
            return self.fired_last[list(c.events)].any(axis=0) if t > 0 else np.zeros(n, dtype=bool)
        if c.kind == "incidents":
            return m.incidents_so_far() >= c.at_least
        return np.full(n, t >= c.step)

    def draw(self, event: EventDef, t: int, u: Array, channel_open: Array) -> Array:
        """Which runs would fire ``event`` at step ``t`` on their uniform ``u`` (before conditions)."""
        if event.at is not None and t not in event.at:
            return np.zeros(u.shape, dtype=bool)
        if event.probability is None:
            return np.ones(u.shape, dtype=bool)
        p = self.values[event.probability]
        if event.probability_if_open is not None:
            p = np.where(channel_open, self.values[event.probability_if_open], p)
        return u < p

    # -- one step --------------------------------------------------------------------------------

    def step(self, model: NegotiationModel, t: int, u_events: Array, alive: Array):
        """Fire due events, apply their effects; return forced moves per actor and track."""
        n_runs = alive.shape[0]
        forced = [[(np.zeros(n_runs, dtype=bool), np.zeros(n_runs, dtype=bool)) for _ in model.tracks]
                  for _ in model.actors]
        o = model.outcome
        state = {"levels": model.levels(), "open": o.open.copy(), "collapsed": o.collapsed.copy(),
                 "frozen": model.tracks[model.scenario.outcomes.channel].frozen_now.copy()}
        fired_now = np.zeros_like(self.fired_last)
        fired_names: list[str] = []
        group = lambda g: [i for i in self.order if self.events[i].group == g]  # noqa: E731

        main = self.counts.shape[1]  # counted for the runs only (their twins need no counts)

        def fire(i: int, fired: Array) -> None:
            fired_now[i] = fired
            if fired.any():
                fired_names.append(self.events[i].name)
                here = fired[:main]
                self.counts[i] += here
                self.first[i] = np.where(here & (self.first[i] < 0), t - model.origin, self.first[i])

        def effects(i: int, where: Array) -> None:
            if where.any():
                meeting = "leaders_meeting" in self.events[i].tags
                for effect in self.events[i].effects:
                    self.apply(model, effect, where, forced, meeting)

        def is_due(i: int) -> bool:  # an event with steps fires only at them: skip the others at once
            at = self.events[i].at
            return at is None or t in at

        for i in group(0):
            if not is_due(i):
                continue
            fired = self.draw(self.events[i], t, u_events[i], state["open"]) & alive & ~self.skip[i]
            fire(i, fired)
            effects(i, fired)
        conditional = group(1)
        for i in conditional:  # effects queued earlier and due now
            ring = self.queue[i]
            slot = t % ring.shape[0]
            effects(i, ring[slot] & alive)
            ring[slot] = False
        for i in conditional:
            e = self.events[i]
            ok = self.draw(e, t, u_events[i], state["open"]) & alive & ~self.skip[i]
            for c in e.when:
                ok &= self.condition(model, c, t, state)
            fire(i, ok)
            now = ok & (self.delay[i] == 0)
            effects(i, now)
            later = ok & ~now
            if later.any():
                ring = self.queue[i]
                due = (t + self.delay[i]) % ring.shape[0]
                ring[due[later], np.nonzero(later)[0]] = True
        for i in group(2):
            if not is_due(i):
                continue
            fired = self.draw(self.events[i], t, u_events[i], state["open"]) & alive & ~self.skip[i]
            fire(i, fired)
            effects(i, fired)
        self.fired_last = fired_now
        model.fired_this_step = fired_names
        return forced

    def apply(self, model: NegotiationModel, e: EffectDef, fired: Array, forced, meeting: bool = False) -> None:
        if e.op == "freeze":  # v3: the actor walks out from this step until a thaw
            track = model.tracks[e.tracks[0]]
            where = fired & ~track.frozen
            for a in e.actors:
                if a in track.players:
                    seat = track.players.index(a)
                    track.freeze[seat] = track.freeze[seat] | where
            return
        if e.op == "thaw":  # v3: every freeze on the track ends (counted when at a leaders' meeting)
            track = model.tracks[e.tracks[0]]
            ended = fired & track.frozen_now
            track.freeze[:, ended] = False
            if meeting:
                track.thaws_at_meeting += ended
            return
        if e.op == "force":
            for a in e.actors:
                for k in e.tracks:
                    where = fired & ~model.tracks[k].frozen
                    mask, value = forced[a][k]
                    forced[a][k] = (mask | where, np.where(where, e.cooperate, value))
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
            where = fired & ~track.frozen
            if e.attr == "level":
                new = np.clip(np.rint(_apply(e.op, track.level.astype(float), v)), 0, track.top).astype(np.int64)
                track.set_level(new, where)
            elif e.attr in "RSTP":
                for pay in track.payoffs:
                    pay[e.attr] = np.where(where, _apply(e.op, pay[e.attr], v), pay[e.attr])
            else:
                old = getattr(track, e.attr)
                setattr(track, e.attr, np.where(where, e.range.clip(_apply(e.op, old, v)), old))
