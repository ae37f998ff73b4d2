"""The validated scenario as the model sees it: frozen objects with names resolved to indices.

``resolve`` checks every cross-reference (tracks named in strategies, salience, linkage, outcomes
and events; exactly two actors; exactly one channel) and gives every numeric parameter a stable
dotted path, which names its column in the per-run table and its slot in the run's stream.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .. import strategies as strategy_registry
from ..games import Role
from ..ranges import DISCOUNT, NONNEG, REAL, UNIT, Range
from .errors import KeyPath, ScenarioError, suggest
from .params import Fixed, Param, RuleChoice, parse_param
from .schema import ScenarioSpec
from .names import column_slug as event_slug  # noqa: F401  (the name columns and paths use)
from .source import Source

ACTOR_PARAMS: dict[str, Range] = {
    "noise": UNIT, "trust": UNIT, "trust_learning": UNIT, "discount": DISCOUNT,
    "hawkishness": UNIT, "hawk_sensitivity": UNIT, "hawk_decay": UNIT,
    "risk_perception": UNIT, "risk_decay": UNIT,
}
TRACK_PARAMS: dict[str, Range] = {
    "level_cost": NONNEG, "risk_weight": NONNEG, "audience_weight": NONNEG, "thaw_rate": UNIT,
    "R": REAL, "S": REAL, "T": REAL, "P": REAL,
}
EFFECT_TRACK_ATTRS = ("level", *TRACK_PARAMS)


@dataclass(frozen=True)
class StrategyDef:
    """One actor's strategy on one track, with the paths of its parameters."""

    name: str
    params: dict[str, str]          # strategy parameter -> param path (absent: derived default)
    noise: str | None               # param path of a per-track noise override
    linkage: dict[int, str] | str   # source track -> path, or one path spread by salience
    level_linkage: str | None = None  # v3: param path of the weight of the rivalry's level (None: 0)
    value_scale: str = "step"         # v3: forward_looking's logit on per-step values ("total": v2)

    @property
    def rule(self) -> strategy_registry.Strategy:
        return strategy_registry.get(self.name)

    @property
    def candidates(self) -> tuple[StrategyDef, ...]:
        """The rules this entry may play: itself (a :class:`ChoiceDef` has several)."""
        return (self,)


@dataclass(frozen=True)
class ChoiceDef:
    """v3: a rule under uncertainty, one of ``candidates`` drawn once per run with ``weights``;
    ``path`` is the parameter path of the drawn index (0-based), recorded per run."""

    candidates: tuple[StrategyDef, ...]
    weights: tuple[float, ...]
    path: str
    labels: tuple[str, ...]       # each candidate's label (its rule name, made unique)

    name = "choice"

    @property
    def label(self) -> str:
        return " | ".join(f"{n} {w:.2g}" for n, w in zip(self.labels, self.weights))


@dataclass(frozen=True)
class ActorDef:
    name: str
    params: dict[str, str]          # actor parameter -> param path
    salience: tuple[float, ...]     # normalised over tracks
    strategies: tuple[StrategyDef | ChoiceDef | None, ...]  # per track; None (engine only): not a player there


@dataclass(frozen=True)
class TrackDef:
    name: str
    role: Role
    payoffs: tuple[dict[str, str], ...]  # per player (seat): "R"/"S"/"T"/"P" -> param path
    labels: tuple[str, str]              # (C label, D label)
    rungs: tuple[str, ...]
    up: int
    down: int
    start: int
    params: dict[str, str]               # level_cost / risk_weight / audience_weight / thaw_rate -> path
    down_after: int = 1                  # calm steps before the level steps down
    ratchet: int | None = None           # at most this many rungs below the peak (None: no floor)
    players: tuple[int, int] = (0, 1)    # the two actors (indices) who play this track, in seat order
    games: tuple[str, ...] = ()          # per seat: the game as written (a preset's name, or "explicit")

    def game(self, seat: int) -> str:
        return self.games[seat] if seat < len(self.games) else "explicit"


@dataclass(frozen=True)
class EffectDef:
    op: str                      # add | multiply | set | force
    scope: str                   # actor | track
    actors: tuple[int, ...]
    tracks: tuple[int, ...]
    attr: str
    value: str | None            # param path of the operand
    cooperate: bool | None = None
    range: Range = REAL
    # op "freeze": the actors walk out of the track until a thaw; op "thaw": every freeze there ends


@dataclass(frozen=True)
class ConditionDef:
    """One condition of a conditional event, with names resolved to indices."""

    kind: str                    # played | level | channel | fired | fired_tag | incidents | after
    actor: int = -1              # played
    track: int = -1              # played, level
    cooperate: bool = False      # played: C (True) or D
    at_least: int | None = None  # level, incidents
    at_most: int | None = None   # level
    state: str = ""              # channel: open | suspended | collapsed | frozen
    event: int = -1              # fired
    step: int = 0                # after
    events: tuple[int, ...] = ()  # fired_tag: the events carrying the tag


@dataclass(frozen=True)
class EventDef:
    name: str
    at: frozenset[int] | None
    probability: str | None
    probability_if_open: str | None
    effects: tuple[EffectDef, ...]
    when: tuple[ConditionDef, ...] = ()
    delay: str | None = None     # param path of the delay in whole steps (conditional events)
    max_delay: int = 0
    tags: frozenset[str] = frozenset()  # v3: free words (sovereignty, leaders_meeting, ...)

    @property
    def group(self) -> int:
        """Firing order within a step: 0 scheduled, 1 conditional, 2 stochastic."""
        return 1 if self.when else 2 if self.probability is not None else 0


@dataclass(frozen=True)
class TwinDef:
    """An intervention applied to a copy of every run: forced moves, skipped events, frozen tracks.

    ``frozen`` tracks keep their starting level, and every event effect that targets them (level,
    payoff parameters, forced moves) is dropped; the events still consume their random numbers.
    """

    name: str
    force: tuple[tuple[int, int, bool], ...] = ()   # (actor, track, cooperate), every step
    skip_events: frozenset[int] = frozenset()
    frozen: frozenset[int] = frozenset()
    set: tuple[tuple[str, str], ...] = ()            # v3: (parameter path, path of the value) after sampling
    mechanism: str = ""                              # v3: the mechanism it switches off (mechanism table)


PACIFIED = "pacified"


def _common_range(ranges: list[Range]) -> Range:
    """The values valid for every one of ``ranges`` (a twin's ``set:`` may name several parameters)."""
    lo = max(r.lo for r in ranges)
    hi = min(r.hi for r in ranges)
    return Range(lo, hi, any(r.hi_open and r.hi == hi for r in ranges))


@dataclass(frozen=True)
class NonstateDef:
    """The nonstate population: ``group_params`` (capability, intent) are drawn per group and run;
    every other number is a parameter path drawn once per run."""

    groups: int
    group_params: dict[str, Any]        # name -> Param (sampled per group from its own stream)
    params: dict[str, str]              # name -> param path
    control_tracks: tuple[int, ...]


@dataclass(frozen=True)
class OutcomeDef:
    channel: int
    window: int
    threshold: float
    rivalry: tuple[int, ...]
    escalated_level: int
    collapse_after: int = 3
    prehistory: bool = True
    sustained: int = 3


@dataclass(frozen=True)
class ForecastDef:
    """v3: ``forecast: {from, horizon}``. The scenario is the record up to the seam: its ``horizon``
    is ``seam``, the steps before ``start`` (the seam's date); ``sim forecast`` continues each
    accepted run for ``horizon`` more steps (docs/forecast.md)."""

    start: dt.date      # forecast.from: the date of the seam (step ``seam`` begins there)
    seam: int           # steps before the seam (the scenario's horizon)
    horizon: int        # steps after it

    @property
    def total(self) -> int:
        """Steps of a record run and its continuation together."""
        return self.seam + self.horizon


@dataclass(frozen=True)
class Lesson:
    """A classroom lesson's notes: title, learning goal, what to notice, what to try."""

    title: str
    goal: str
    notice: tuple[str, ...]
    try_: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    """A complete, validated scenario. ``params`` maps every numeric parameter's path to it."""

    name: str
    title: str
    description: str
    question: str
    seed: int
    runs: int
    horizon: int
    continuation: str | None
    step: str
    start: Any
    actors: tuple[ActorDef, ...]
    tracks: tuple[TrackDef, ...]
    events: tuple[EventDef, ...]
    outcomes: OutcomeDef
    params: dict[str, Param] = field(repr=False)
    param_ranges: dict[str, Range] = field(repr=False)
    data: dict = field(repr=False)      # the resolved YAML data (after extends and overrides)
    file: str = ""
    sweep: Any = field(default=None, repr=False)  # the validated `sweep:` section (SweepSpec) or None
    lesson: Lesson | None = None        # classroom notes (``lesson:``), if any
    twins: dict[str, TwinDef] = field(default_factory=dict)  # declared twins (``twins:``)
    nonstate: NonstateDef | None = None  # the nonstate population (``nonstate:``), if any
    levers: tuple = ()                  # policy choices (``levers:``, see levers.py)
    patterns: tuple = ()                # calibration patterns (sim/scenario/patterns.py)
    posterior: Any = field(default=None, repr=False)  # ``parameters: {from: ...}`` (sim/scenario/posterior.py)
    reference_class: Any = field(default=None, repr=False)  # ``reference_class: PATH`` (sim/scenario/reference.py)
    forecast: ForecastDef | None = None  # v3: ``forecast: {from, horizon}`` (sim forecast)

    @property
    def track_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tracks)

    @property
    def actor_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.actors)

    def pacified(self) -> TwinDef | None:
        """The built-in pacified twin: both players C on every rivalry track, rivalry levels frozen."""
        rivalry = self.outcomes.rivalry
        if not rivalry:
            return None
        force = tuple((a, k, True) for a in range(len(self.actors)) for k in rivalry
                      if a in self.tracks[k].players)
        return TwinDef(PACIFIED, force, frozenset(), frozenset(rivalry))

    def twin(self, name: str) -> TwinDef:
        """A twin by name: ``pacified`` or one declared under ``twins:`` (KeyError otherwise)."""
        if name == PACIFIED and self.pacified() is not None:
            return self.pacified()
        return self.twins[name]

    def uncertain(self) -> dict[str, Param]:
        """The parameters written as distributions, in canonical order."""
        return {p: v for p, v in self.params.items() if v.uncertain}


class _Builder:
    def __init__(self, src: Source, spec: ScenarioSpec):
        self.src, self.spec = src, spec
        self.params: dict[str, Param] = {}
        self.ranges: dict[str, Range] = {}
        self.tracks = list(spec.tracks)
        self.actors = list(spec.actors)
        self.choice_prefixes: set[str] = set()
        self.channel = 0  # index of the channel track, set by build() before the actors are resolved
        self.forecast: ForecastDef | None = None  # set by resolve() (the seam fixes the horizon)

    def fail(self, path: KeyPath, message: str) -> ScenarioError:
        return self.src.error(path, message)

    def add(self, path: str, value: Param, rng: Range) -> str:
        self.params[path] = value
        self.ranges[path] = rng
        return path

    def track_index(self, name: Any, path: KeyPath) -> int:
        if name not in self.tracks:
            raise self.fail(path, f"unknown track '{name}'{suggest(str(name), self.tracks)}"
                                  f" (tracks: {', '.join(self.tracks)})")
        return self.tracks.index(name)

    def actor_indices(self, name: Any, path: KeyPath, wildcard: bool = True) -> tuple[int, ...]:
        if wildcard and name == "*":
            return tuple(range(len(self.actors)))
        if name not in self.actors:
            raise self.fail(path, f"unknown actor '{name}'{suggest(str(name), self.actors)}"
                                  f" (actors: {', '.join(self.actors)})")
        return (self.actors.index(name),)

    # -- parts ---------------------------------------------------------------------------------

    def outcomes(self) -> OutcomeDef:
        spec = self.spec
        roles = [n for n, t in spec.tracks.items() if t.role == "channel"]
        if len(roles) > 1:
            raise self.fail(("tracks", roles[1], "role"),
                            f"only one track can be the channel ('{roles[0]}' already is)")
        named = spec.outcomes.channel.track
        if named is not None:
            channel = self.track_index(named, ("outcomes", "channel", "track"))
            if roles and roles[0] != named:
                raise self.fail(("outcomes", "channel", "track"),
                                f"'{named}' is not the track with role: channel ('{roles[0]}')")
        elif roles:
            channel = self.tracks.index(roles[0])
        elif len(self.tracks) == 1:
            channel = 0
        else:
            raise self.fail(("tracks",), "mark the safety channel with `role: channel` on exactly one track")
        listed = spec.outcomes.rivalry.tracks
        if listed is not None:
            rivalry = []
            for i, name in enumerate(listed):
                k = self.track_index(name, ("outcomes", "rivalry", "tracks", i))
                if k == channel:
                    raise self.fail(("outcomes", "rivalry", "tracks", i),
                                    f"'{name}' is the channel; it cannot also be a rivalry track")
                rivalry.append(k)
        else:
            rivalry = [k for k, (n, t) in enumerate(spec.tracks.items())
                       if k != channel and t.role != "other"]
        ladders = [len(list(spec.tracks.values())[k].ladder.rungs) for k in rivalry]
        top = max(ladders, default=1) - 1
        level = spec.outcomes.rivalry.escalated_level
        if level is None:
            level = max(ladders, default=1) // 2
        elif level > top:
            raise self.fail(("outcomes", "rivalry", "escalated_level"),
                            f"{level} is above the top rung ({top}) of the rivalry ladders")
        ch = spec.outcomes.channel
        if ch.window > spec.horizon and ch.window > 1:
            pass  # a window longer than the run simply never fills without prehistory
        return OutcomeDef(channel, ch.window, ch.threshold, tuple(rivalry), level,
                          ch.collapse_after, ch.prehistory, spec.outcomes.rivalry.sustained)

    def track(self, k: int, name: str, roles: dict[int, Role]) -> TrackDef:
        t = self.spec.tracks[name]
        base = ("tracks", name)
        for actor in t.game:
            if actor != "*":
                self.actor_indices(actor, base + ("game", actor), wildcard=False)
        if "*" not in t.game:
            missing = [a for a in self.actors if a not in t.game]
            if missing:
                raise self.fail(base + ("game",), f"asymmetric game misses payoffs for {', '.join(missing)}")
        payoffs, games = [], []
        for actor in self.actors:
            who = "*" if "*" in t.game else actor
            prefix = f"tracks.{name}." if who == "*" else f"tracks.{name}.{actor}."
            pp = t.game[who]
            payoffs.append({x: self.add(prefix + x, getattr(pp, x), REAL) for x in "RSTP"})
            games.append(pp.preset or "explicit")
        if roles[k] is not Role.CHANNEL and not _zero(t.risk_weight):
            raise self.fail(base + ("risk_weight",), "risk_weight applies to the channel track only")
        if roles[k] is Role.OTHER and not _zero(t.audience_weight):
            raise self.fail(base + ("audience_weight",), "audience_weight applies to rivalry tracks and the "
                                                          "channel only")
        params = {p: self.add(f"tracks.{name}.{p}", getattr(t, p), NONNEG)
                  for p in ("level_cost", "risk_weight", "audience_weight")}
        params["thaw_rate"] = self.add(f"tracks.{name}.thaw_rate", t.thaw_rate, UNIT)
        return TrackDef(name, roles[k], tuple(payoffs), (t.labels.C, t.labels.D), tuple(t.ladder.rungs),
                        t.ladder.up, t.ladder.down, t.ladder.start, params, t.ladder.down_after, t.ladder.ratchet,
                        games=tuple(games))

    def actor(self, name: str) -> ActorDef:
        a = self.spec.actors[name]
        base = ("actors", name)
        params = {p: self.add(f"actors.{name}.{p}", getattr(a, p), rng) for p, rng in ACTOR_PARAMS.items()}
        raw_sal = a.salience or {}
        for track in raw_sal:
            self.track_index(track, base + ("salience", track))
        weights = [float(raw_sal.get(t, 0.0 if a.salience else 1.0)) for t in self.tracks]
        if sum(weights) <= 0:
            raise self.fail(base + ("salience",), "salience weights must not all be zero")
        salience = tuple(w / sum(weights) for w in weights)
        for track in a.strategies:
            self.track_index(track, base + ("strategies", track))
        missing = [t for t in self.tracks if t not in a.strategies]
        if missing:
            raise self.fail(base + ("strategies",), f"no strategy for track {', '.join(missing)}")
        return ActorDef(name, params, salience,
                        tuple(self.entry(name, t, a.strategies[t]) for t in self.tracks))

    def entry(self, actor: str, track: str, s) -> StrategyDef | ChoiceDef:
        """A strategy entry: one rule, or (v3) a choice of rules drawn once per run."""
        if not hasattr(s, "choice"):
            return self.strategy(actor, track, s)
        names = [c.name for c in s.choice]
        labels = [n if names.count(n) == 1 else f"{n}_{names[:i].count(n) + 1}" for i, n in enumerate(names)]
        self.choice_prefixes.update(f"actors.{actor}.strategies.{track}.{lab}." for lab in labels)
        # keys set on the choice itself hold for every rule: one parameter, shared
        shared = {k: getattr(s, k) for k in ("noise", "linkage", "level_linkage") if getattr(s, k) is not None}
        common = None
        if shared:  # built as a rule without parameters of its own, so only the shared keys are registered
            from .schema import StrategySpec

            common = self.strategy(actor, track, StrategySpec.model_validate({"name": "tit_for_tat", **shared}))
        cands = tuple(self.strategy(actor, track, c.model_copy(update={k: None for k in shared}),
                                    f"actors.{actor}.strategies.{track}.{lab}.",
                                    ("actors", actor, "strategies", track, "choice", i))
                      for i, (c, lab) in enumerate(zip(s.choice, labels)))
        if common is not None:
            from dataclasses import replace as _replace

            take = {"noise": common.noise, "linkage": common.linkage, "level_linkage": common.level_linkage}
            cands = tuple(_replace(c, **{k: take[k] for k in shared}) for c in cands)
        weights = tuple(float(w) for w in (s.weights or [1.0] * len(cands)))
        weights = tuple(w / sum(weights) for w in weights)
        path = self.add(f"actors.{actor}.strategies.{track}.rule", RuleChoice(weights, tuple(labels)),
                        Range(0.0, float(len(cands) - 1)))
        return ChoiceDef(cands, weights, path, tuple(labels))

    def strategy(self, actor: str, track: str, s, base: str | None = None, where: KeyPath | None = None) -> StrategyDef:
        base = base or f"actors.{actor}.strategies.{track}."
        where = where or ("actors", actor, "strategies", track)
        rule = strategy_registry.get(s.name)
        params = {}
        for pname, pspec in rule.params.items():
            value = getattr(s, pname)
            if value is None and pspec.default is not None:
                value = Fixed(pspec.default)
            if value is not None:
                params[pname] = self.add(base + pname, value, pspec.range)
        noise = self.add(base + "noise", s.noise, UNIT) if s.noise is not None else None
        if isinstance(s.linkage, dict):
            linkage: dict[int, str] | str = {}
            for src_track, w in s.linkage.items():
                j = self.track_index(src_track, where + ("linkage", src_track))
                if j == self.tracks.index(track):
                    raise self.fail(where + ("linkage", src_track), "a track cannot be linked to itself")
                linkage[j] = self.add(f"{base}linkage.{src_track}", w, UNIT)
            fixed_sum = sum(w.value for w in s.linkage.values() if isinstance(w, Fixed))
            if fixed_sum > 1 + 1e-12:
                raise self.fail(where + ("linkage",), f"linkage weights sum to {fixed_sum:g}; at most 1")
        elif s.linkage is None:  # set on the choice it belongs to (entry)
            linkage = {}
        else:
            linkage = self.add(base + "linkage", s.linkage, UNIT)
        level_linkage = None
        if s.level_linkage is not None:
            if self.tracks.index(track) != self.channel:  # the resolved channel (role or outcomes.channel.track)
                raise self.fail(where + ("level_linkage",), "level_linkage applies to the channel track only "
                                                              "(the rivalry's level weighs on the channel)")
            level_linkage = self.add(base + "level_linkage", s.level_linkage, UNIT)
        scale = s.value_scale or self.spec.value_scale
        return StrategyDef(s.name, params, noise, linkage, level_linkage, scale)

    def effect(self, e, path: KeyPath, value_path: str) -> EffectDef:
        if e.freeze is not None:
            actors = self.actor_indices(e.actor, path + ("actor",), wildcard=True)
            track = self.track_index(e.freeze, path + ("freeze",))
            return EffectDef("freeze", "actor", actors, (track,), "action", None, False)
        if e.thaw is not None:
            track = self.track_index(e.thaw, path + ("thaw",))
            return EffectDef("thaw", "track", (), (track,), "action", None)
        if e.force is not None:
            actors = self.actor_indices(e.actor, path + ("actor",), wildcard=True)
            track = self.track_index(e.track, path + ("track",))
            return EffectDef("force", "actor", actors, (track,), "action", None, e.force == "C")
        op = next(k for k in ("add", "multiply", "set") if getattr(e, k) is not None)
        parts = e.target.split(".")
        tpath = path + ("target",)
        if len(parts) != 3 or parts[0] not in ("actors", "tracks"):
            raise self.fail(tpath, f"unknown target '{e.target}': expected actors.<name|*>.<parameter>"
                                   " or tracks.<name|*>.<parameter>")
        scope, who, attr = parts
        value = self.add(value_path, getattr(e, op), REAL)
        if scope == "actors":
            allowed = ACTOR_PARAMS
            if attr not in allowed:
                raise self.fail(tpath, f"unknown actor parameter '{attr}'{suggest(attr, allowed)}")
            return EffectDef(op, "actor", self.actor_indices(who, tpath), (), attr, value,
                             range=ACTOR_PARAMS[attr])
        if attr not in EFFECT_TRACK_ATTRS:
            raise self.fail(tpath, f"unknown track parameter '{attr}'{suggest(attr, EFFECT_TRACK_ATTRS)}")
        tracks = tuple(range(len(self.tracks))) if who == "*" else (self.track_index(who, tpath),)
        return EffectDef(op, "track", (), tracks, attr, value, range=TRACK_PARAMS.get(attr, REAL))

    def event(self, i: int, e) -> EventDef:
        path = ("events", i)
        at = None
        if e.at is not None:
            steps = [e.at] if isinstance(e.at, int) else list(e.at)
            late = [s for s in steps if s >= self.event_limit]
            if late:
                raise self.fail(path + ("at",), f"step {late[0]} is past the {self.limit_words(self.event_limit)}")
            at = frozenset(steps)
        if e.date is not None:
            at = (at or frozenset()) | frozenset(self.date_steps(e.date, path + ("date",), self.event_limit))
        base = f"events.{event_slug(e.name)}"
        p = self.add(f"{base}.probability", e.probability, UNIT) if e.probability is not None else None
        p_open = (self.add(f"{base}.probability_if_channel_open", e.probability_if_channel_open, UNIT)
                  if e.probability_if_channel_open is not None else None)
        effects = tuple(self.effect(x, path + ("effects", j), f"{base}.effects.{j}")
                        for j, x in enumerate(e.effects))
        when: tuple[ConditionDef, ...] = ()
        if e.when is not None:
            many = isinstance(e.when, list)
            conds = e.when if many else [e.when]
            when = tuple(self.condition(c, path + (("when", j) if many else ("when",)))
                         for j, c in enumerate(conds))
        delay, max_delay = None, 0
        if e.delay is not None:
            max_delay = _whole_steps(e.delay)
            if max_delay is None:
                raise self.fail(path + ("delay",), "a delay is a whole number of steps, or "
                                                   "{choice: [0, 1, 2]} of whole numbers")
            if max_delay >= self.spec.horizon:
                raise self.fail(path + ("delay",), f"a delay of {max_delay} steps is not shorter than "
                                                   f"the horizon ({self.spec.horizon} steps)")
            delay = self.add(f"{base}.delay", e.delay, NONNEG)
        return EventDef(e.name, at, p, p_open, effects, when, delay, max_delay, frozenset(e.tags))

    def condition(self, c, path: KeyPath) -> ConditionDef:
        if c.played is not None:
            actor = self.actor_indices(c.actor, path + ("actor",), wildcard=False)[0]
            track = self.track_index(c.track, path + ("track",))
            return ConditionDef("played", actor=actor, track=track, cooperate=c.played == "C")
        if c.level is not None:
            k = self.track_index(c.level.track, path + ("level", "track"))
            top = len(self.spec.tracks[self.tracks[k]].ladder.rungs) - 1
            for key in ("at_least", "at_most"):
                v = getattr(c.level, key)
                if v is not None and v > top:
                    raise self.fail(path + ("level", key), f"{v} is above the top rung ({top}) of "
                                                           f"'{self.tracks[k]}'")
            return ConditionDef("level", track=k, at_least=c.level.at_least, at_most=c.level.at_most)
        if c.channel is not None:
            return ConditionDef("channel", state=c.channel)
        if c.fired is not None:
            names = [ev.name for ev in self.spec.events]
            if c.fired not in names:
                raise self.fail(path + ("fired",), f"no event named '{c.fired}'{suggest(c.fired, names)}")
            return ConditionDef("fired", event=names.index(c.fired))
        if c.fired_tag is not None:
            tagged = tuple(i for i, ev in enumerate(self.spec.events) if c.fired_tag in ev.tags)
            if not tagged:
                tags = sorted({t for ev in self.spec.events for t in ev.tags})
                raise self.fail(path + ("fired_tag",), f"no event carries the tag '{c.fired_tag}'"
                                                       f"{suggest(c.fired_tag, tags)}"
                                                       f" (tags: {', '.join(tags) or 'none'})")
            return ConditionDef("fired_tag", events=tagged)
        if c.incidents is not None:
            return ConditionDef("incidents", at_least=c.incidents.at_least)
        return ConditionDef("after", step=c.after)

    def nonstate(self, roles: dict[int, Role], explicit_channel: bool) -> NonstateDef | None:
        spec = self.spec.nonstate
        if spec is None:
            return None
        if not explicit_channel:
            raise self.fail(("nonstate",), "a nonstate population needs a track with `role: channel`: "
                                           "safeguards are built while that channel is engaged")
        controls = []
        for j, name in enumerate(spec.control_tracks):
            k = self.track_index(name, ("nonstate", "control_tracks", j))
            if roles[k] is not Role.RIVALRY:
                raise self.fail(("nonstate", "control_tracks", j),
                                f"'{name}' is not a rivalry track; control pressure comes from rivalry tracks")
            controls.append(k)
        params = {}
        for key in ("diffusion", "race_effect", "control_effect"):
            params[key] = self.add(f"nonstate.{key}", getattr(spec, key), NONNEG if key == "race_effect" else UNIT)
        for key in ("start", "build", "decay", "effect"):
            params[f"safeguards_{key}"] = self.add(f"nonstate.safeguards.{key}", getattr(spec.safeguards, key), UNIT)
        for key in ("risk", "attribution", "blame_trust", "blame_hawkishness"):
            params[f"incident_{key}"] = self.add(f"nonstate.incident.{key}", getattr(spec.incident, key), UNIT)
        return NonstateDef(spec.groups, {"capability": spec.capability, "intent": spec.intent}, params,
                           tuple(controls))

    def twin(self, name: str, t) -> TwinDef:
        path = ("twins", name)
        if not _TWIN_NAME.fullmatch(name):
            raise self.fail(path, f"twin name '{name}': use lower-case letters, digits and _ "
                                  "(it names columns such as held_<twin>)")
        if name == PACIFIED:
            raise self.fail(path, "'pacified' is built in (every rivalry track forced to C); "
                                  "give this twin another name")
        force = []
        for j, f in enumerate(t.force):
            where = path + ("force", j)
            for a in self.actor_indices(f.actor, where + ("actor",), wildcard=True):
                force.append((a, self.track_index(f.track, where + ("track",)), f.action == "C"))
        names = [ev.name for ev in self.spec.events]
        skip = set()
        for j, n in enumerate(t.skip_events):
            if n not in names:
                raise self.fail(path + ("skip_events", j), f"no event named '{n}'{suggest(str(n), names)}")
            skip.add(names.index(n))
        tags = sorted({tag for ev in self.spec.events for tag in ev.tags})
        for j, tag in enumerate(t.skip_tags):
            tagged = [i for i, ev in enumerate(self.spec.events) if tag in ev.tags]
            if not tagged:
                raise self.fail(path + ("skip_tags", j), f"no event carries the tag '{tag}'{suggest(str(tag), tags)}")
            skip.update(tagged)
        sets = []
        for key, value in t.set.items():
            matched = self.matching_params(self.event_key(key))
            if not matched and key.startswith("nonstate.") and self.spec.nonstate is None:
                continue  # the scenario has no nonstate population: that mechanism is absent (inert)
            if not matched:
                raise self.fail(path + ("set", key), f"'{key}' names no parameter of this scenario"
                                                     f"{suggest(key, list(self.params))}")
            for p in matched:
                rng = self.ranges[p]
                if isinstance(value, Fixed) and not rng.contains(value.value):
                    raise self.fail(path + ("set", key), f"{value.value:g} is out of range for {p}: expected {rng}")
                if p in getattr(self, "delays", {}) and not (
                        isinstance(value, Fixed) and float(value.value).is_integer()
                        and 0 <= value.value <= self.delays[p]):
                    raise self.fail(path + ("set", key), f"{p} is a delay: set a whole number of steps from 0 to "
                                                         f"{self.delays[p]} (the longest the event's delay allows)")
                if isinstance(self.params[p], RuleChoice) and not (isinstance(value, Fixed)
                                                                   and float(value.value).is_integer()):
                    labels = ", ".join(f"{i} {n}" for i, n in enumerate(self.params[p].labels))
                    raise self.fail(path + ("set", key), f"{p} is which rule a run plays: set a whole number "
                                                         f"({labels})")
            common = _common_range([self.ranges[p] for p in matched])
            if not isinstance(value, Fixed):  # a distribution samples within every parameter it sets
                try:
                    value = parse_param(value.to_yaml(), common)
                except ValueError as exc:
                    raise self.fail(path + ("set", key), f"{exc} (for {', '.join(matched)})") from None
            vpath = self.add(f"twins.{name}.set.{key}", value, common)
            sets.extend((p, vpath) for p in matched)
        return TwinDef(name, tuple(force), frozenset(skip), set=tuple(sets), mechanism=t.mechanism)

    def event_key(self, key: str) -> str:
        """``events.<name|index>.<param>`` (an event is addressed by its name or index, docs/model.md)
        in the form of its parameter paths, ``events.<slug>.<param>``."""
        if not key.startswith("events."):
            return key
        rest = key[len("events."):]
        for i, ev in enumerate(self.spec.events):
            for head in (ev.name, str(i)):
                if rest.startswith(head + "."):
                    return f"events.{event_slug(ev.name)}.{rest[len(head) + 1:]}"
        return key

    def matching_params(self, key: str) -> list[str]:
        """Parameter paths that ``key`` names: ``*`` stands for any one part; a path into a strategy
        that is a choice of rules (v3) names that parameter in every rule of the choice that has it."""
        want = key.split(".")
        choices = tuple(self.choice_prefixes)
        out = []
        for p in self.params:
            full = p.split(".")
            if len(full) < len(want):   # no form of it is as long as the key (forms only shorten)
                continue
            forms = [full]  # a rule's own path inside a choice (its label included) names it too
            if choices and p.startswith(choices):
                forms.append(full[:4] + full[5:])  # the rule's label dropped
            forms += [h[:-1] for h in forms if len(h) > 2 and h[-2] == "linkage"]  # `...linkage`: every weight
            if any(len(h) == len(want) and all(w in ("*", x) for w, x in zip(want, h)) for h in forms):
                out.append(p)
        return out

    def start_date(self, path: KeyPath) -> dt.date:
        start = self.spec.start
        if start is None:
            raise self.fail(path, "an event `date:` needs the scenario's `start:` date (e.g. start: 2023-11-01)")
        if isinstance(start, str):
            try:
                start = dt.date.fromisoformat(start)
            except ValueError:
                raise self.fail(("start",), f"'{start}' is not a date: expected YYYY-MM-DD") from None
        if self.spec.step not in STEP_UNITS:
            raise self.fail(("step",), f"an event `date:` needs `step:` to be one of {', '.join(STEP_UNITS)}"
                                       f" (got '{self.spec.step}')")
        return start

    @property
    def event_limit(self) -> int:
        """Steps an event may be dated in: the horizon, and with a forecast the steps after the seam too."""
        return self.forecast.total if self.forecast is not None else self.spec.horizon

    def limit_words(self, limit: int) -> str:
        if self.forecast is not None and limit == self.forecast.total:
            return f"forecast's end ({self.forecast.seam} + {self.forecast.horizon} steps)"
        if self.forecast is not None:
            return f"seam (forecast.from {self.forecast.start}: the record has {limit} steps)"
        return f"horizon ({limit} steps)"

    def date_steps(self, dates, path: KeyPath, limit: int | None = None) -> list[int]:
        """Steps of ``dates`` counted from ``start:`` in whole ``step:`` units (a date falls in its step);
        each must be before ``limit`` (default: the horizon, which with a forecast is the seam)."""
        limit = self.spec.horizon if limit is None else limit
        start = self.start_date(path)
        many = isinstance(dates, list)
        out = []
        for i, d in enumerate(dates if many else [dates]):
            where = path + (i,) if many else path
            if d < start:
                raise self.fail(where, f"{d} is before the scenario's start ({start})")
            step = steps_between(start, d, self.spec.step)
            if step >= limit and self.forecast is not None:
                raise self.fail(where, f"{d} is step {step}, past the {self.limit_words(limit)}")
            if step >= limit:
                raise self.fail(where, f"{d} is step {step}, past the horizon ({limit} "
                                       f"{self.spec.step}s from {start})")
            out.append(step)
        return out

    def build(self) -> Scenario:
        spec = self.spec
        # the engine takes more actors (TrackDef.players); scenario files stay at two (docs/model.md)
        if len(self.actors) != 2:
            raise self.fail(("actors",), f"expected exactly 2 actors, got {len(self.actors)}"
                                         f" ({', '.join(self.actors) or 'none'}); this version models two states")
        outcomes = self.outcomes()
        self.channel = outcomes.channel
        roles = {k: Role.CHANNEL if k == outcomes.channel else
                 Role.RIVALRY if k in outcomes.rivalry else Role.OTHER for k in range(len(self.tracks))}
        cont = self.add("continuation", spec.continuation, UNIT) if spec.continuation is not None else None
        actors = tuple(self.actor(a) for a in self.actors)
        tracks = tuple(self.track(k, n, roles) for k, n in enumerate(self.tracks))
        names = [event_slug(e.name) for e in spec.events]
        for j, n in enumerate(names):
            if not n:
                raise self.fail(("events", j, "name"), "an event name needs at least one letter or digit")
            if n in names[:j]:
                first = spec.events[names.index(n)].name
                raise self.fail(("events", j, "name"), f"event names must be unique: '{spec.events[j].name}' "
                                                       f"and '{first}' both name the column '{n}'")
        events = tuple(self.event(i, e) for i, e in enumerate(spec.events))
        self.delays = {e.delay: e.max_delay for e in events if e.delay}  # a twin may set a delay within these
        explicit = any(t.role == "channel" for t in spec.tracks.values())
        nonstate = self.nonstate(roles, explicit)
        twins = {n: self.twin(n, t) for n, t in spec.twins.items()}  # after every parameter (twin `set:`)
        name = spec.name or _stem(self.src.file)
        return Scenario(name, spec.title, spec.description, spec.question, spec.seed, spec.runs,
                        spec.horizon, cont, spec.step, spec.start, actors, tracks, events, outcomes,
                        self.params, self.ranges, self.src.data, self.src.file,
                        lesson=_lesson(spec.lesson), sweep=spec.sweep, twins=twins, nonstate=nonstate,
                        forecast=self.forecast, **_calibration(self, spec, [e.name for e in spec.events]))


def _calibration(builder: _Builder, spec: ScenarioSpec, events: list[str]) -> dict:
    """``patterns:`` and ``parameters:`` (see sim/calibrate), checked against the built parameters."""
    from .patterns import resolve_patterns
    from .posterior import load_posterior
    from .reference import resolve_reference

    return {"patterns": resolve_patterns(builder, spec.patterns, events, spec.horizon),
            "posterior": load_posterior(builder, spec.parameters) if spec.parameters else None,
            "reference_class": resolve_reference(builder, spec.reference_class)}


def _lesson(spec) -> Lesson | None:
    if spec is None:
        return None
    return Lesson(spec.title, spec.goal, tuple(spec.notice), tuple(spec.try_))


STEP_UNITS = ("day", "week", "month", "year")


def calendar_start(scenario) -> dt.date | None:
    """The scenario's ``start:`` date when steps are calendar units (time axes and traces can then
    show dates), else None (steps stay numbers)."""
    start = getattr(scenario, "start", None)
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            return None
    return start if isinstance(start, dt.date) and scenario.step in STEP_UNITS else None


def steps_between(start: dt.date, date: dt.date, unit: str) -> int:
    """Whole ``unit`` steps from ``start`` to ``date`` (``date`` on or after ``start``)."""
    if unit == "day":
        return (date - start).days
    if unit == "week":
        return (date - start).days // 7
    import calendar

    # a month is complete on the start's day of the month (or the month's last day, if shorter)
    anniversary = min(start.day, calendar.monthrange(date.year, date.month)[1])
    months = (date.year - start.year) * 12 + date.month - start.month - (date.day < anniversary)
    return months if unit == "month" else months // 12


def step_date(start: dt.date, step: float, unit: str) -> dt.date:
    """The calendar date at which ``step`` begins (inverse of :func:`steps_between`); for plot axes."""
    whole = int(step)
    if unit == "day":
        return start + dt.timedelta(days=whole)
    if unit == "week":
        return start + dt.timedelta(weeks=whole)
    months = whole * (12 if unit == "year" else 1)
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    import calendar

    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


_TWIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


def _whole_steps(p: Param) -> int | None:
    """The largest value of a delay if every value it can take is a whole number, else None."""
    values = [p.value] if isinstance(p, Fixed) else list(p.args) if getattr(p, "kind", "") == "choice" else None
    if values is None or any(float(v) != int(v) or v < 0 for v in values):
        return None
    return int(max(values))


def _zero(p: Param) -> bool:
    return isinstance(p, Fixed) and p.value == 0


def _stem(file: str) -> str:
    import pathlib

    return pathlib.Path(file).stem if file and not file.startswith("<") else "scenario"


def _seam(src: Source, spec: ScenarioSpec) -> tuple[ScenarioSpec, ForecastDef | None]:
    """v3: ``forecast: {from, horizon}``: the seam's step counted from ``start:``, which is the
    scenario's ``horizon`` (the steps before the seam): filled in when not given, checked when given."""
    f = spec.forecast
    if f is None:
        return spec, None
    if spec.continuation is not None:
        raise src.error(("continuation",), "continuation does not go with forecast: (a record run reaches the "
                                           "seam and every branch lasts forecast.horizon steps)")
    if spec.start is None:
        raise src.error(("forecast", "from"), "forecast.from needs the scenario's `start:` date "
                                              "(the seam is counted from it, e.g. start: 2022-10-01)")
    start = spec.start
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            raise src.error(("start",), f"'{start}' is not a date: expected YYYY-MM-DD") from None
    if spec.step not in STEP_UNITS:
        raise src.error(("step",), f"forecast.from needs `step:` to be one of {', '.join(STEP_UNITS)}"
                                   f" (got '{spec.step}')")
    if f.from_ <= start:
        raise src.error(("forecast", "from"), f"{f.from_} is not after the scenario's start ({start}): the seam "
                                              "ends the record")
    seam = steps_between(start, f.from_, spec.step)
    if seam < 1:
        raise src.error(("forecast", "from"), f"{f.from_} is less than one {spec.step} after the scenario's start "
                                              f"({start}): the record before the seam needs at least one step")
    if "horizon" in spec.model_fields_set and spec.horizon != seam:
        raise src.error(("horizon",), f"{spec.horizon} does not agree with forecast.from: {f.from_} is step {seam} "
                                      f"from start ({start}), and horizon counts the steps before the seam "
                                      f"(give {seam} or leave horizon out)")
    if seam + f.horizon > 100_000:
        raise src.error(("forecast", "horizon"), f"{seam} steps before the seam and {f.horizon} after it: at "
                                                 f"most 100000 in all")
    return spec.model_copy(update={"horizon": seam}), ForecastDef(f.from_, seam, f.horizon)


def resolve(src: Source, spec: ScenarioSpec) -> Scenario:
    """Check cross-references and build the model's view of a validated scenario."""
    from .bounds import check_bounds
    from .names import check_names

    check_names(src, _stem(src.file))  # unsafe or colliding names (names.py)
    spec, forecast = _seam(src, spec)
    builder = _Builder(src, spec)
    builder.forecast = forecast
    scenario = builder.build()
    check_bounds(scenario, src)  # numbers that would overflow or run out of memory (bounds.py)
    return scenario
