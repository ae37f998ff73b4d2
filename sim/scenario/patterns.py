"""``patterns:``: statistics of a run observed in the real record, for calibration.

Each pattern names one statistic of a run, the value observed in the record and a tolerance
(pattern-oriented modelling, Grimm et al. 2005). The statistics, on realised moves:

- ``count: {played: C|D, actor, track}``: steps where the actor played C (or D, the default);
- ``response_share: {to: {actor, track}, by: {actor, track}, within: N}``: share of the ``to``
  actor's moves at steps t followed by a ``by`` move at one of the steps t+1 .. t+N; ``to`` moves
  in the last N steps of the run cannot be answered and are left out (not counted as
  unanswered); undefined when no ``to`` move remains: such a run is never accepted;
- ``largest_drop: {track}``: the largest value over steps of the track's running peak minus its level;
- ``level_at: {track, step}``: the track's level at the end of that step;
- ``channel_open_share: {from, to}``: share of the steps from .. to (inclusive) with the channel open;

- ``fired: {event}``: times the event fired.

Steps may be given as dates (``2024-11-16``), counted from the scenario's ``start:`` like events' ``date:``.
``period: {from, to}`` (steps or dates, inclusive) judges ``count``, ``response_share``,
``largest_drop`` and ``fired`` on those steps only (default: the whole run); ``level_at`` and
``channel_open_share`` name their own steps. A pattern's window (:meth:`PatternDef.window`) is what
``sim calibrate --holdout DATE`` splits the patterns by.

``PatternSpec`` is the schema (pydantic); :func:`resolve_patterns` checks the names against the
scenario and returns :class:`PatternDef` objects with indices, which ``sim.calibrate.observer`` computes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .errors import suggest
from .names import column_slug
from .spec import Spec

STATISTICS = ("count", "response_share", "largest_drop", "level_at", "channel_open_share", "fired")
#: statistics that take whole values only (counts, levels): their intervals are reported as whole values
INTEGER_STATISTICS = ("count", "largest_drop", "level_at", "fired")


class MoveSpec(Spec):
    """An actor's moves on a track (``played`` defaults to D)."""

    actor: str
    track: str
    played: Literal["C", "D"] = "D"


class ResponseSpec(Spec):
    to: MoveSpec
    by: MoveSpec
    within: Annotated[int, Field(ge=1)] = 1


class TrackRef(Spec):
    track: str


#: a step, or a date counted from the scenario's ``start:`` (the step it falls in)
Step = Annotated[int, Field(ge=0)] | dt.date


class LevelAtSpec(Spec):
    track: str
    step: Step


class OpenShareSpec(Spec):
    from_: Annotated[Step, Field(alias="from")]
    to: Step


class EventRef(Spec):
    event: str


class PatternSpec(Spec):
    """One pattern: a name, exactly one statistic, the observed value and a tolerance."""

    name: str
    observed: float
    tolerance: Annotated[float, Field(ge=0)]
    count: MoveSpec | None = None
    response_share: ResponseSpec | None = None
    largest_drop: TrackRef | None = None
    level_at: LevelAtSpec | None = None
    channel_open_share: OpenShareSpec | None = None
    fired: EventRef | None = None
    period: OpenShareSpec | None = None

    @model_validator(mode="after")
    def _one_statistic(self) -> PatternSpec:
        given = [s for s in STATISTICS if getattr(self, s) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "pattern", "a pattern has exactly one statistic ({names}), got {n}",
                {"names": ", ".join(STATISTICS), "n": len(given) and ", ".join(given) or "none"})
        return self

    @property
    def statistic(self) -> str:
        return next(s for s in STATISTICS if getattr(self, s) is not None)


@dataclass(frozen=True)
class PatternDef:
    """A resolved pattern: the statistic's kind and its arguments as indices."""

    name: str
    kind: str
    observed: float
    tolerance: float
    args: tuple  # per kind, see :mod:`.observer`
    #: ``(from, to)`` steps (inclusive) a count, response share, largest drop or firing is judged on; None: the run
    period: tuple[int, int] | None = None

    def window(self, horizon: int) -> tuple[int, int]:
        """The first and last step the statistic reads: its ``period:``, its step (``level_at``), its
        period (``channel_open_share``), or else the whole run."""
        if self.period is not None:
            return self.period
        if self.kind == "level_at":
            return self.args[1], self.args[1]
        if self.kind == "channel_open_share":
            return self.args[0], self.args[1]
        return 0, horizon - 1

    @property
    def column(self) -> str:
        """Column name of the statistic in tables (``stat.<slug of the name>``)."""
        return f"stat.{column_slug(self.name)}"


def resolve_patterns(builder, specs: list[PatternSpec], events: list[str], horizon: int) -> tuple[PatternDef, ...]:
    """Check every name a pattern uses against the scenario (``builder`` is resolve's _Builder)."""
    out = []
    seen: dict[str, int] = {}
    for i, p in enumerate(specs):
        base = ("patterns", i)
        kind = p.statistic
        where = base + (kind,)
        stat = getattr(p, kind)

        def move(m: MoveSpec, path) -> tuple[int, int, bool]:
            actor = builder.actor_indices(m.actor, path + ("actor",), wildcard=False)[0]
            return actor, builder.track_index(m.track, path + ("track",)), m.played == "C"

        def step(value: int | dt.date, path) -> int:
            if isinstance(value, dt.date):
                return builder.date_steps(value, path)[0]
            if value >= horizon:
                raise builder.fail(path, f"step {value} is past the horizon ({horizon} steps)")
            return value

        if kind == "count":
            args = move(stat, where)
        elif kind == "response_share":
            args = (*move(stat.to, where + ("to",)), *move(stat.by, where + ("by",)), stat.within)
        elif kind == "largest_drop":
            args = (builder.track_index(stat.track, where + ("track",)),)
        elif kind == "level_at":
            args = (builder.track_index(stat.track, where + ("track",)), step(stat.step, where + ("step",)))
        elif kind == "channel_open_share":
            args = (step(stat.from_, where + ("from",)), step(stat.to, where + ("to",)))
            if args[1] < args[0]:
                raise builder.fail(where + ("to",), f"`to` (step {args[1]}) is before `from` (step {args[0]})")
        else:
            if stat.event not in events:
                raise builder.fail(where + ("event",), f"unknown event '{stat.event}'{suggest(stat.event, events)}")
            args = (events.index(stat.event),)
        period = None
        if p.period is not None:
            if kind in ("level_at", "channel_open_share"):
                raise builder.fail(base + ("period",), f"`period:` is for count, response_share, largest_drop and "
                                                       f"fired; {kind} names its own steps")
            period = (step(p.period.from_, base + ("period", "from")), step(p.period.to, base + ("period", "to")))
            if period[1] < period[0]:
                raise builder.fail(base + ("period", "to"), f"`to` (step {period[1]}) is before `from` (step {period[0]})")
        d = PatternDef(p.name, kind, float(p.observed), float(p.tolerance), args, period)
        if d.column in seen:
            raise builder.fail(base + ("name",), f"two patterns are named '{p.name}' (or alike)")
        seen[d.column] = i
        out.append(d)
    return tuple(out)
