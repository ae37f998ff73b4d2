"""The scenario language as pydantic models: key names, types, ranges and defaults (docs/model.md).

Every model is frozen and rejects unknown keys with a suggestion. Cross-references between parts
(track names in strategies, outcomes and events) are checked in ``resolve.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (ConfigDict, Discriminator, Field, PlainValidator, Tag, ValidationInfo, field_validator,
                      model_validator)
from pydantic_core import PydanticCustomError

from .. import strategies
from ..games import PRESETS
from ..ranges import DISCOUNT, NONNEG, REAL, UNIT, Range
from .errors import suggest
from .levers import LeverSpec
from .params import Fixed, Param, parse_param
from .spec import Spec


def _param(rng: Range):
    def check(value: Any) -> Param:
        try:
            return parse_param(value, rng)
        except ValueError as exc:
            raise PydanticCustomError("param", str(exc)) from None

    return PlainValidator(check)


UnitP = Annotated[Param, _param(UNIT)]
DiscountP = Annotated[Param, _param(DISCOUNT)]
NonNegP = Annotated[Param, _param(NONNEG)]
RealP = Annotated[Param, _param(REAL)]
ContinuationP = Annotated[Param, _param(Range(1e-9, 1.0, hi_open=True))]


@dataclass(frozen=True)
class PayoffParams:
    """One actor's stage-game payoffs on a track, each possibly uncertain."""

    R: Param
    S: Param
    T: Param
    P: Param
    preset: str | None = field(default=None, compare=False)   # the preset's name, if one was named


_GAME_HELP = "expected a preset ({names}), {R, S, T, P}, or one of those per actor"


def _payoffs(value: Any, where: str = "") -> PayoffParams:
    if isinstance(value, str):
        if value not in PRESETS:
            raise PydanticCustomError(
                "game", "{where}unknown game '{name}'{hint}: " + _GAME_HELP,
                {"where": where, "name": value, "hint": suggest(value, PRESETS), "names": ", ".join(PRESETS)},
            )
        p = PRESETS[value]
        return PayoffParams(Fixed(p.R), Fixed(p.S), Fixed(p.T), Fixed(p.P), value)
    if not isinstance(value, dict):
        raise PydanticCustomError("game", _GAME_HELP, {"names": ", ".join(PRESETS)})
    for key in value:
        if key not in ("R", "S", "T", "P"):
            raise PydanticCustomError("game", "{where}unknown payoff '{key}'{hint}: payoffs are R, S, T, P",
                                      {"where": where, "key": key, "hint": suggest(str(key), "RSTP")})
    missing = [k for k in ("R", "S", "T", "P") if k not in value]
    if missing:
        raise PydanticCustomError("game", "{where}missing payoff {missing}: give all of R, S, T, P",
                                  {"where": where, "missing": ", ".join(missing)})
    try:
        return PayoffParams(*(parse_param(value[k], REAL) for k in ("R", "S", "T", "P")))
    except ValueError as exc:
        raise PydanticCustomError("game", "{where}{msg}", {"where": where, "msg": str(exc)}) from None


def _game(value: Any) -> dict[str, PayoffParams]:
    """``game``: a preset, {R, S, T, P}, or one of those per actor (asymmetric); '*' = both."""
    if isinstance(value, str) or (isinstance(value, dict) and set(value) & {"R", "S", "T", "P"}):
        return {"*": _payoffs(value)}
    if isinstance(value, dict) and value:
        return {str(actor): _payoffs(v, f"{actor}: ") for actor, v in value.items()}
    raise PydanticCustomError("game", _GAME_HELP, {"names": ", ".join(PRESETS)})


class StrategySpec(Spec):
    """``tit_for_tat`` or ``{name: generous_tit_for_tat, generosity: 0.2, linkage: 0.5}``."""

    name: str
    noise: UnitP | None = None
    linkage: UnitP | dict[str, UnitP] = Fixed(0.0)
    generosity: UnitP | None = None
    p: UnitP | None = None
    rationality: Annotated[Param, _param(Range(1e-12))] | None = None
    level_linkage: UnitP | None = None              # v3: the rivalry's level weighs on the channel
    value_scale: Literal["step", "total"] | None = None  # v3: forward_looking's logit scale

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _known_strategy(self) -> StrategySpec:
        if self.name not in strategies.REGISTRY:
            raise PydanticCustomError(
                "strategy", "unknown strategy '{name}'{hint} (see `sim strategies`)",
                {"name": self.name, "hint": suggest(self.name, strategies.REGISTRY)},
            )
        allowed = strategies.get(self.name).params
        for key in ("generosity", "p", "rationality"):
            if getattr(self, key) is not None and key not in allowed:
                takes = ", ".join(["noise", "linkage", *allowed])
                raise PydanticCustomError(
                    "strategy_param", "'{key}' is not a parameter of {name} (it takes: {takes})",
                    {"key": key, "name": self.name, "takes": takes},
                )
        rule = strategies.get(self.name)
        if self.level_linkage is not None and not rule.reciprocal:
            raise PydanticCustomError(
                "strategy_param", "level_linkage needs a reciprocal or forward-looking rule ('{name}' does not "
                "react to the other)", {"name": self.name})
        if self.value_scale is not None and "rationality" not in allowed:
            raise PydanticCustomError(
                "strategy_param", "value_scale goes with forward_looking only, not {name}", {"name": self.name})
        return self


class StrategyChoice(Spec):
    """v3: a decision rule under uncertainty, ``{choice: [spec, spec, ...], weights: [...]}``,
    drawn once per run; each spec keeps its own parameters and distributions."""

    choice: Annotated[list[StrategySpec], Field(min_length=1)]
    weights: list[Annotated[float, Field(ge=0)]] | None = None
    # set for every rule of the choice (one draw per run, whichever rule the run plays); a rule's own
    # value of the key gives way to it, so a variant (`extends:`) can set it for every rule at once
    noise: UnitP | None = None
    linkage: UnitP | dict[str, UnitP] | None = None
    level_linkage: UnitP | None = None

    @field_validator("weights")
    @classmethod
    def _weights(cls, weights: list[float] | None, info: ValidationInfo) -> list[float] | None:
        """Checked on `weights:` itself, so an error names that key and its line."""
        rules = info.data.get("choice")
        if weights is not None and rules is not None:
            if len(weights) != len(rules):
                raise PydanticCustomError(
                    "choice", "{n} weights for {m} rules: give one weight per rule",
                    {"n": len(weights), "m": len(rules)})
            if sum(weights) <= 0:
                raise PydanticCustomError("choice", "the weights of a choice must not all be zero")
        return weights

    @model_validator(mode="after")
    def _shared(self) -> StrategyChoice:
        if self.level_linkage is not None:
            flat = [c.name for c in self.choice if not strategies.get(c.name).reciprocal]
            if flat:
                raise PydanticCustomError(
                    "strategy_param", "level_linkage for every rule of the choice needs reciprocal or "
                    "forward-looking rules ('{name}' does not react to the other)", {"name": flat[0]})
        return self


def _strategy_kind(value: Any) -> str:
    return "rule choice" if isinstance(value, dict) and "choice" in value else "one rule"


# the union's tags are no keys of an entry, so error paths keep only real keys (not `choice`)
StrategyEntry = Annotated[Annotated[StrategySpec, Tag("one rule")] | Annotated[StrategyChoice, Tag("rule choice")],
                          Discriminator(_strategy_kind)]


class ActorSpec(Spec):
    noise: UnitP = Fixed(0.0)
    trust: UnitP = Fixed(0.5)
    trust_learning: UnitP = Fixed(0.2)
    discount: DiscountP = Fixed(0.9)
    hawkishness: UnitP = Fixed(0.0)
    hawk_sensitivity: UnitP = Fixed(0.0)
    hawk_decay: UnitP = Fixed(0.0)
    risk_perception: UnitP = Fixed(0.0)
    risk_decay: UnitP = Fixed(0.0)
    salience: dict[str, Annotated[float, Field(ge=0)]] | None = None
    strategies: dict[str, StrategyEntry]


class LadderSpec(Spec):
    """An escalation ladder. ``down_after``: calm steps (both C) before it steps down; ``ratchet``:
    how many rungs below its peak it may fall (``None``: no ratchet). The defaults are version 1."""

    rungs: Annotated[list[str], Field(min_length=1)]
    up: Annotated[int, Field(ge=0)] = 1
    down: Annotated[int, Field(ge=0)] = 1
    start: Annotated[int, Field(ge=0)] = 0
    down_after: Annotated[int, Field(ge=1)] = 1
    ratchet: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _start_on_ladder(self) -> LadderSpec:
        if self.start >= len(self.rungs):
            raise PydanticCustomError(
                "ladder", "start {start} is off the ladder (rungs 0..{top})",
                {"start": self.start, "top": len(self.rungs) - 1},
            )
        return self


DEFAULT_RUNGS = ["calm", "friction", "tension", "confrontation", "crisis"]


class LabelSpec(Spec):
    C: str = "cooperate"
    D: str = "defect"


class TrackSpec(Spec):
    role: Literal["channel", "rivalry", "other"] | None = None
    game: Annotated[dict[str, PayoffParams], PlainValidator(_game)] = _game("prisoners_dilemma")
    labels: LabelSpec = LabelSpec()
    ladder: LadderSpec = LadderSpec(rungs=DEFAULT_RUNGS)
    level_cost: NonNegP = Fixed(0.0)
    risk_weight: NonNegP = Fixed(0.0)
    audience_weight: NonNegP = Fixed(0.0)
    thaw_rate: UnitP = Fixed(0.0)           # v3: per-step chance that a freeze ends on its own


class EffectSpec(Spec):
    target: str | None = None
    add: RealP | None = None
    multiply: RealP | None = None
    set: RealP | None = None
    force: Literal["C", "D"] | None = None
    freeze: str | None = None      # v3: {freeze: TRACK, actor: NAME}: the actor walks out until a thaw
    thaw: str | None = None        # v3: {thaw: TRACK}: every freeze on the track ends
    actor: str | None = None
    track: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> EffectSpec:
        ops = [k for k in ("add", "multiply", "set") if getattr(self, k) is not None]
        if self.freeze is not None:
            if self.target or ops or self.force or self.thaw or self.track or not self.actor:
                raise PydanticCustomError(
                    "effect", "a freeze effect is {freeze: TRACK, actor: NAME} and nothing else")
        elif self.thaw is not None:
            if self.target or ops or self.force or self.track or self.actor:
                raise PydanticCustomError("effect", "a thaw effect is {thaw: TRACK} and nothing else")
        elif self.force is not None:
            if self.target or ops or not (self.actor and self.track):
                raise PydanticCustomError(
                    "effect", "a force effect is {force: C|D, actor: NAME, track: NAME} and nothing else")
        elif not self.target or len(ops) != 1 or self.actor or self.track:
            raise PydanticCustomError(
                "effect", "an effect is {target: PATH, add|multiply|set: NUMBER} (exactly one operation),"
                " {force: C|D, actor: NAME, track: NAME}, {freeze: TRACK, actor: NAME} or {thaw: TRACK}")
        return self


class LevelCondition(Spec):
    track: str
    at_least: Annotated[int, Field(ge=0)] | None = None
    at_most: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _bound(self) -> LevelCondition:
        if self.at_least is None and self.at_most is None:
            raise PydanticCustomError("condition", "a level condition needs `at_least:` or `at_most:`")
        return self


class CountCondition(Spec):
    at_least: Annotated[int, Field(ge=0)]


CONDITION_KINDS = ("played", "level", "channel", "fired", "fired_tag", "incidents", "after")


class ConditionSpec(Spec):
    """One condition of a conditional event (``when:``), judged on the state after the previous step."""

    played: Literal["C", "D"] | None = None
    actor: str | None = None
    track: str | None = None
    level: LevelCondition | None = None
    channel: Literal["open", "suspended", "collapsed", "frozen"] | None = None
    fired: str | None = None
    fired_tag: str | None = None
    incidents: CountCondition | None = None
    after: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ConditionSpec:
        kinds = [k for k in CONDITION_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise PydanticCustomError(
                "condition", "a condition is exactly one of {{played: C|D, actor, track}}, {{level: {{track, "
                "at_least|at_most}}}}, {{channel: open|suspended|collapsed|frozen}}, {{fired: EVENT}}, "
                "{{fired_tag: TAG}}, {{incidents: {{at_least: N}}}}, {{after: STEP}}")
        if kinds[0] == "played" and not (self.actor and self.track):
            raise PydanticCustomError("condition", "a `played` condition needs `actor:` and `track:`")
        if kinds[0] != "played" and (self.actor or self.track):
            raise PydanticCustomError("condition", "`actor:` and `track:` go with a `played` condition only")
        return self


class EventSpec(Spec):
    name: str
    tags: list[Annotated[str, Field(min_length=1)]] = []   # v3: free words, e.g. sovereignty, leaders_meeting
    at: Annotated[int, Field(ge=0)] | list[Annotated[int, Field(ge=0)]] | None = None
    date: dt.date | list[dt.date] | None = None      # converted to steps from `start:` in resolved.py
    when: ConditionSpec | Annotated[list[ConditionSpec], Field(min_length=1)] | None = None
    delay: NonNegP | None = None                     # whole steps; checked in resolved.py
    probability: UnitP | None = None
    probability_if_channel_open: UnitP | None = None
    effects: Annotated[list[EffectSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _kind(self) -> EventSpec:
        if self.at is None and self.date is None and self.probability is None and self.when is None:
            raise PydanticCustomError(
                "event", "an event needs `at:` or `date:` (scheduled), `when:` (conditional) or "
                         "`probability:` (stochastic)")
        if self.probability_if_channel_open is not None and self.probability is None:
            raise PydanticCustomError("event", "probability_if_channel_open needs `probability:` as well")
        if self.delay is not None and self.when is None:
            raise PydanticCustomError("event", "`delay:` goes with a conditional event (`when:`) only")
        return self


class ChannelOutcome(Spec):
    track: str | None = None
    window: Annotated[int, Field(ge=1, le=1000)] = 6
    threshold: Annotated[float, Field(ge=0, le=1)] = 0.5
    collapse_after: Annotated[int, Field(ge=1)] = 3
    prehistory: bool = True


class RivalryOutcome(Spec):
    tracks: list[str] | None = None
    escalated_level: Annotated[int, Field(ge=0)] | None = None
    sustained: Annotated[int, Field(ge=1)] = 3


class TwinForce(Spec):
    actor: str
    track: str
    action: Literal["C", "D"]


class TwinSpec(Spec):
    """A named intervention: the same runs with some moves forced and/or some events skipped."""

    force: list[TwinForce] = []
    skip_events: list[str] = []
    set: dict[str, RealP] = {}      # v3: parameter paths set after sampling (a mechanism switched off)
    skip_tags: list[str] = []       # v3: skip every event carrying one of these tags
    mechanism: str = ""             # v3: the mechanism this twin switches off, in words (mechanism table)

    @model_validator(mode="after")
    def _something(self) -> TwinSpec:
        if not (self.force or self.skip_events or self.set or self.skip_tags):
            raise PydanticCustomError("twin", "a twin needs `force:`, `skip_events:`, `skip_tags:` or `set:`")
        return self


class OutcomesSpec(Spec):
    channel: ChannelOutcome = ChannelOutcome()
    rivalry: RivalryOutcome = RivalryOutcome()


class SafeguardSpec(Spec):
    start: UnitP = Fixed(0.0)
    build: UnitP = Fixed(0.2)
    decay: UnitP = Fixed(0.1)
    effect: UnitP = Fixed(0.7)


class IncidentSpec(Spec):
    risk: UnitP = Fixed(0.2)
    attribution: UnitP = Fixed(0.3)
    blame_trust: UnitP = Fixed(0.2)
    blame_hawkishness: UnitP = Fixed(0.1)


class NonstateSpec(Spec):
    """``nonstate:``: a population of nonstate groups whose misuse of frontier models the channel
    exists to prevent (one Mesa agent per group)."""

    groups: Annotated[int, Field(ge=1, le=1000)] = 40
    capability: UnitP = Fixed(0.2)          # per group and run
    diffusion: UnitP = Fixed(0.01)
    race_effect: NonNegP = Fixed(1.0)
    control_tracks: list[str] = []
    control_effect: UnitP = Fixed(0.5)
    intent: UnitP = Fixed(0.002)            # per group and run
    safeguards: SafeguardSpec = SafeguardSpec()
    incident: IncidentSpec = IncidentSpec()


class LessonSpec(Spec):
    """``lesson:``: classroom notes shown by ``sim viz``, ``sim trace`` and ``sim handout``."""

    title: str
    goal: str = ""
    notice: list[str] = []
    try_: list[str] = Field(default=[], alias="try")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = ("title", "goal", "notice", "try")
            for key in data:
                if key not in known:
                    raise PydanticCustomError("unknown_key", "unknown key '{key}'{hint}",
                                              {"key": key, "hint": suggest(str(key), known)})
        return data


def _sweep_values(value: Any) -> tuple:
    """``[v1, v2, ...]`` or a range ``"a:b:step"`` (inclusive of ``b`` when it lands on it)."""
    from .grid import parse_values  # the one parser of sweep values (also used by --vary)

    try:
        return parse_values(value)
    except ValueError as exc:
        raise PydanticCustomError("sweep", str(exc)) from None


class SweepSpec(Spec):
    """``sweep: {vary: {PATH: [v1, v2] | "a:b:step", ...}, runs: N}``: a grid over all combinations."""

    vary: Annotated[dict[str, Annotated[tuple, PlainValidator(_sweep_values)]], Field(min_length=1)]
    runs: Annotated[int, Field(ge=1)] | None = None


def _seam_date(value: Any) -> dt.date:
    """``forecast.from``: a calendar date ``YYYY-MM-DD`` (YAML's date, or the same text in quotes)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("date", "expected a date YYYY-MM-DD, got {got}", {"got": repr(value)})


class ForecastSpec(Spec):
    """``forecast: {from: DATE, horizon: N}``: the scenario is a record up to the seam ``from``, and
    ``sim forecast`` continues every accepted run of it for ``horizon`` steps (docs/forecast.md).
    The scenario's own ``horizon`` counts the steps before the seam (checked in resolved.py)."""

    from_: Annotated[dt.date, PlainValidator(_seam_date), Field(alias="from")]
    horizon: Annotated[int, Field(ge=1, le=100_000)]

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


from .patterns import PatternSpec  # noqa: E402  (calibration keys)
from .posterior import ParametersSpec  # noqa: E402


class ScenarioSpec(Spec):
    name: str | None = None
    title: str = ""
    description: str = ""
    question: str = ""
    seed: Annotated[int, Field(ge=0)] = 0
    runs: Annotated[int, Field(ge=1)] = 1000
    horizon: Annotated[int, Field(ge=1, le=100_000)] = 60
    continuation: ContinuationP | None = None
    step: str = "month"
    start: dt.date | str | None = None
    actors: dict[str, ActorSpec]
    tracks: Annotated[dict[str, TrackSpec], Field(min_length=1)]
    events: list[EventSpec] = []
    outcomes: OutcomesSpec = OutcomesSpec()
    twins: dict[str, TwinSpec] = {}
    nonstate: NonstateSpec | None = None
    sweep: SweepSpec | None = None
    lesson: LessonSpec | None = None
    levers: dict[str, LeverSpec] = {}
    labels: dict[str, str] = {}         # human labels of parameter paths (reports, PRIM boxes)
    patterns: list[PatternSpec] = []
    parameters: ParametersSpec | None = None
    value_scale: Literal["step", "total"] = "step"  # v3: default logit scale of forward_looking rules
    reference_class: Annotated[str, Field(min_length=1)] | None = None  # CSV of earlier channels (reference.py)
    forecast: ForecastSpec | None = None  # v3: the record continued from a seam (sim forecast)
