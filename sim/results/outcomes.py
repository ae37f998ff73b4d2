"""The outcomes of a run and of an ensemble, declared once.

Every per-run outcome column is an :class:`Outcome` here, and the declaration is all there is
to it (as an EMA Workbench ``ScalarOutcome`` carries its function): its column, how it is
computed from a finished run, its summary statistic over an ensemble, its label and unit, and
whether it is one of the headline numbers. The run table, the summary, the headline ``sim run``
prints, the report, comparisons, sweeps and the docs' list of columns all iterate
:data:`OUTCOMES` (docs/architecture.md shows a new headline outcome added in one declaration).
The robustness grid of the channel's definition (:data:`ROBUSTNESS_GRID`) is declared here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Kind = Literal["binary", "share", "step", "count", "level", "bits", "text"]
#: how an outcome is summarised over an ensemble (implemented in ``sim.analysis.stats.STATISTICS``):
#: a proportion with its Wilson interval, a mean of shares with its t interval clipped to [0, 1], a
#: mean with its Student t interval, or the Kaplan-Meier median of a step (runs where it never
#: happened censored at their length)
Statistic = Literal["proportion", "share", "mean", "survival"]
_KEY_PREFIX = {"proportion": "p_", "share": "mean_", "mean": "mean_", "survival": "median_"}


@dataclass(frozen=True)
class Outcome:
    """One per-run outcome column, and everything that follows from it.

    ``compute(run)``: the column's values from a finished run (``sim.ensemble.runner.Finished``:
    ``run.channel(...)``, ``run.outcome(...)``, ``run.channel_track(...)``, ``run.population(...)``,
    ``run.steps``, ``run.length``...); ``None`` when the run does not have it (no population).
    ``never``: the column holds a step, and an empty cell (-1 in memory) means "never happened".
    ``twin``: twins of the run record this outcome too, as ``<column>_<twin>``; ``twin_only``: only
    twins do. ``statistic``: its summary over an ensemble, stored in ``summary.json`` under
    :attr:`summary_key`. ``headline``: its place among the headline numbers that ``sim run``,
    the report, comparisons and sweeps show (0: not a headline; proportions come first, then means,
    then medians, each by this number), worded :attr:`heading` (``title`` when the label does not
    make a good one) with ``digits``
    decimals; ``unit``: what one unit of the column is.
    """

    column: str
    label: str
    kind: Kind
    description: str
    never: bool = False
    twin: bool = False
    compute: Callable[[Any], Any] | None = field(default=None, compare=False, repr=False)
    statistic: Statistic | None = None
    headline: int = 0
    title: str = ""
    unit: str = ""
    digits: int = 3
    twin_only: bool = False
    nonstate: bool = False

    def twin_column(self, twin: str) -> str:
        return f"{self.column}_{twin}"

    @property
    def summary_key(self) -> str | None:
        """Where ``summary.json`` holds this outcome's statistic (``p_held``, ``mean_open_share``...)."""
        return None if self.statistic is None else _KEY_PREFIX[self.statistic] + self.column

    @property
    def heading(self) -> str:
        """The outcome's statistic in words, as a headline row names it."""
        if self.title:
            return self.title
        return {"proportion": f"P({self.label})", "survival": f"median {self.label} (Kaplan-Meier)"}.get(
            self.statistic or "", f"mean {self.label}")


#: every declared outcome, in the order of the run table's columns (:func:`declare` adds one)
OUTCOMES: list[Outcome] = []


def declare(*args, **kwargs) -> Outcome:
    """Declare an outcome: from now on it is a column of every run table and, with a
    ``statistic``, part of every summary (and with ``headline=N`` of every headline)."""
    o = Outcome(*args, **kwargs)
    if any(x.column == o.column for x in OUTCOMES):
        raise ValueError(f"outcome {o.column!r} declared twice")
    OUTCOMES.append(o)
    return o


def _held(r):
    return ~r.channel("collapsed")


LENGTH = declare("length", "run length (steps)", "count", "steps the run lasted", compute=lambda r: r.length,
                 unit="steps")
HELD = declare("held", "channel held", "binary", "1 if the channel never collapsed during the run", twin=True,
               compute=_held, statistic="proportion", headline=1)
BREAK_STEP = declare("break_step", "step the channel broke", "step",
                     "first step of the suspension that became a collapse (empty: held)", never=True,
                     compute=lambda r: r.channel("break_step"), statistic="survival", headline=10,
                     title="median collapse step (K-M)", unit="step")
OPEN_SHARE = declare("open_share", "share of steps the channel was open", "share",
                     "share of the run's steps with the channel open", twin=True,
                     compute=lambda r: r.channel("open_steps") / r.steps, statistic="share", headline=8,
                     title="mean open share")
ENGAGED_SHARE = declare("engaged_share", "share of steps both engaged", "share",
                        "share of steps where both actors played C on the channel",
                        compute=lambda r: r.channel("engaged_steps") / r.steps, statistic="share")
OPEN_AT_END = declare("open_at_end", "open at the end", "binary", "1 if the channel was open at the last step",
                      compute=lambda r: r.channel("open"), statistic="proportion", headline=6)
SUSPENSIONS = declare("suspensions", "suspensions of the channel", "count",
                      "number of spells of consecutive not-open steps", compute=lambda r: r.channel("suspensions"))
FIRST_SUSPENSION = declare("first_suspension", "step of the first suspension", "step",
                           "first step the channel was not open (empty: never)", never=True,
                           compute=lambda r: r.channel("first_suspension"))
RIVALRY_PEAK = declare("rivalry_peak", "peak rivalry level", "level", "highest level reached on any rivalry track",
                       compute=lambda r: r.outcome("rivalry_peak"))
ESCALATED = declare("escalated", "rivalry escalated", "binary",
                    "1 if some rivalry track stayed at or above the escalated level for `sustained` steps",
                    compute=lambda r: r.outcome("escalated"), statistic="proportion", headline=2)
ESCALATED_AT_END = declare("escalated_at_end", "rivalry escalated at the end", "binary",
                           "1 if some rivalry track was at or above the escalated level at the end",
                           compute=lambda r: r.outcome("escalated_at_end"))
ESCALATED_SHARE = declare("escalated_share", "share of steps the rivalry was escalated", "share",
                          "share of steps with some rivalry track at or above the escalated level",
                          compute=lambda r: r.outcome("escalated_steps") / r.steps)
HELD_AND_ESCALATED = declare("held_and_escalated", "held and escalated", "binary",
                             "1 if the channel held and the rivalry escalated",
                             compute=lambda r: _held(r) & r.outcome("escalated"), statistic="proportion",
                             headline=3)
HELD_GRID = declare("held_grid", "held under each definition", "bits",
                    "bit i is `held` under definition i of the robustness grid (see docs/model.md)",
                    compute=lambda r: r.held_grid())

# v3: freezes, lapses and thaws (docs/model.md, "Freeze and thaw")
OPEN_MONTHS = declare("open_months", "months open", "count", "steps of the run with the channel open",
                      compute=lambda r: r.channel("open_steps"), statistic="mean", headline=7, digits=1,
                      unit="months")
FROZEN = declare("frozen", "frozen at least once", "binary", "1 if some side froze the channel during the run",
                 compute=lambda r: r.channel_track("freezes") > 0, statistic="proportion", headline=4)
LAPSED = declare("lapsed", "channel lapsed", "binary",
                 "1 if the channel collapsed and the collapse did not begin during a freeze",
                 compute=lambda r: ~_held(r) & ~r.channel("by_freeze"), statistic="proportion", headline=5,
                 title="P(lapsed: collapsed, no freeze)")
FREEZES = declare("freezes", "freezes", "count", "spells of steps with the channel frozen by either side",
                  compute=lambda r: r.channel_track("freezes"))
FIRST_FREEZE = declare("first_freeze", "first freeze", "step", "first step the channel was frozen (empty: never)",
                       never=True, compute=lambda r: r.channel_track("first_freeze"))
FROZEN_MONTHS = declare("frozen_months", "months frozen", "count", "steps with the channel frozen",
                        compute=lambda r: r.channel_track("frozen_steps"), statistic="mean", digits=1, unit="months")
THAWS_AT_MEETING = declare("thaws_at_meeting", "thaws at a leaders' meeting", "count",
                           "freezes ended by an event tagged leaders_meeting",
                           compute=lambda r: r.channel_track("thaws_at_meeting"))
COLLAPSE_CAUSE = declare("collapse_cause", "cause of the collapse", "text",
                         "`freeze` (the collapse began during a freeze) or `lapse` (it did not); empty if held",
                         compute=lambda r: np.where(_held(r), "", np.where(r.channel("by_freeze"), "freeze", "lapse")))
MOVES_DIFFER = declare("moves_differ", "channel moves differ", "binary",
                       "twins only (`moves_differ_<twin>`): 1 if the twin's channel moves differ from the run's "
                       "at some step", twin=True, twin_only=True, compute=lambda r: r.diverged)

INCIDENTS = declare("incidents", "misuse incidents", "count",
                    "nonstate misuse incidents during the run (with a nonstate population)", twin=True,
                    compute=lambda r: r.population("incidents"), statistic="mean", headline=9,
                    title="mean misuse incidents per run", nonstate=True)
FIRST_INCIDENT = declare("first_incident", "step of the first misuse incident", "step",
                         "step of the first misuse incident (empty: none)", never=True,
                         compute=lambda r: r.population("first_incident"), statistic="survival", nonstate=True)
CAPABILITY_FINAL = declare("capability_final", "nonstate capability at the end", "share",
                           "mean capability of the nonstate groups at the end of the run",
                           compute=lambda r: r.population_capability(), nonstate=True)
SAFEGUARDS_FINAL = declare("safeguards_final", "safeguard strength at the end", "share",
                           "strength of the safeguards built through the channel, at the end of the run",
                           compute=lambda r: r.population("safeguards"), nonstate=True)


def run_columns() -> list[Outcome]:
    """The outcomes a run's own row holds (twin-only ones left out), in table order."""
    return [o for o in OUTCOMES if not o.twin_only]


def twin_outcomes() -> list[Outcome]:
    """The outcomes a twin records (``<column>_<twin>``), in table order."""
    return [o for o in OUTCOMES if o.twin]


def summarised() -> list[Outcome]:
    """The outcomes with a summary statistic, in table order."""
    return [o for o in OUTCOMES if o.statistic is not None and not o.twin_only]


_ORDER = {"proportion": 0, "share": 1, "mean": 1, "survival": 2}


def headlines(statistics: tuple[str, ...] | None = None) -> list[Outcome]:
    """The headline outcomes: proportions, then means, then Kaplan-Meier medians, each in the order
    of their ``headline`` number (only the given ``statistics`` when asked)."""
    rows = [o for o in summarised() if o.headline and (statistics is None or o.statistic in statistics)]
    return sorted(rows, key=lambda o: (_ORDER[o.statistic], int(o.headline)))


def by_column(column: str) -> Outcome | None:
    return next((o for o in OUTCOMES if o.column == column), None)


#: outcomes of runs with a nonstate population, in table order
NONSTATE_OUTCOMES = tuple(o for o in OUTCOMES if o.nonstate)
#: every per-run outcome of the channel and the rivalry, in table order (the run length and text left out)
RUN_OUTCOMES = tuple(o for o in run_columns() if not o.nonstate and o.kind != "text" and o is not LENGTH)
#: per-run text columns (not numbers: left out of numeric analyses such as the EMA outcomes)
TEXT_OUTCOMES = tuple(o for o in OUTCOMES if o.kind == "text")
#: outcomes compared between folders and along sweeps (proportions) and shares (means)
BINARY = tuple(o for o in RUN_OUTCOMES if o.kind == "binary")
SHARES = tuple(o for o in RUN_OUTCOMES if o.kind == "share")
TWIN_OUTCOMES = tuple(o for o in RUN_OUTCOMES if o.twin)

#: columns that hold a step where an empty cell means "never" (the channel never broke, ...)
NEVER_PREFIXES = ("first_fired.",)


def is_never_column(name: str) -> bool:
    return any(name == o.column for o in OUTCOMES if o.never) or name.startswith(NEVER_PREFIXES)


def twin_columns(twin: str) -> list[str]:
    return [o.twin_column(twin) for o in twin_outcomes() if not o.nonstate]


def strategy_column(actor: str, track: str) -> str:
    """v3: the column naming the rule a run drew for ``actor`` on ``track`` (a choice of rules)."""
    return f"strategy.{actor}.{track}"


def twin_names(columns) -> list[str]:
    """The twins recorded in a runs table, from its ``open_share_<twin>`` columns."""
    prefix = OPEN_SHARE.column + "_"
    return [c[len(prefix):] for c in columns if c.startswith(prefix)]


@dataclass(frozen=True)
class ChannelDefinition:
    """When the channel counts as open, and when a suspension counts as a collapse."""

    window: int
    threshold: float
    collapse_after: int
    prehistory: bool

    @property
    def label(self) -> str:
        thr = {1 / 3: "1/3", 1 / 2: "1/2", 2 / 3: "2/3"}.get(self.threshold, f"{self.threshold:g}")
        pre = "" if self.prehistory else ", no prehistory"
        return f"window {self.window}, threshold {thr}, collapse after {self.collapse_after}{pre}"

    def tracker(self) -> ChannelDefinition:
        """The tracker that serves this definition: collapse is read off the longest suspension."""
        return ChannelDefinition(self.window, self.threshold, 0, self.prehistory)


def effective_key(d: ChannelDefinition) -> tuple:
    """What a definition decides, for telling apart definitions that only look different.

    The channel is open at a step iff the engaged steps in its window number at least
    ``threshold * seen`` (less a 1e-9 tie margin; ``seen`` the window, or with no prehistory the
    steps so far when fewer), i.e. at least ``ceil(threshold * seen - 1e-9)``: so two thresholds
    with the same whole-step requirements are one definition (window 3: 1/2 and 2/3 both need 2 of
    3 steps). With prehistory the window is always full and one requirement decides; without it,
    one per window length 1 .. window (window 1 has nothing before t = 0 to fill: prehistory is moot).
    Definitions with equal keys give the same ``held`` in every run."""
    import math

    prehistory = d.prehistory or d.window == 1
    seen = (d.window,) if prehistory else tuple(range(1, d.window + 1))
    need = tuple(min(max(math.ceil(d.threshold * k - 1e-9), 0), k + 1) for k in seen)
    return d.window, need, d.collapse_after, prehistory


class Grid:
    """The robustness grid: window x threshold x collapse_after with prehistory, plus version 1
    (the scenario's window and threshold, collapse after 1 step, no prehistory)."""

    windows = (3, 6, 12)
    thresholds = (1 / 3, 1 / 2, 2 / 3)
    collapses = (1, 3, 6)

    def definitions(self, window: int, threshold: float) -> list[tuple[str, ChannelDefinition]]:
        """(key, definition) in bit order; the last is version 1 for the given window and threshold."""
        out = [(f"w{w}_t{t:.3f}_c{c}", ChannelDefinition(w, t, c, True))
               for w in self.windows for t in self.thresholds for c in self.collapses]
        out.append(("v1", ChannelDefinition(window, threshold, 1, False)))
        return out

    def trackers(self, spec) -> list[ChannelDefinition]:
        seen: dict[ChannelDefinition, None] = {}
        for _, d in self.definitions(spec.window, spec.threshold):
            seen.setdefault(d.tracker(), None)
        return list(seen)

    def pack(self, max_spell: dict[ChannelDefinition, np.ndarray], window: int, threshold: float,
             n: int) -> np.ndarray:
        """Bits of held (longest suspension shorter than collapse_after) per definition."""
        out = np.zeros(n, dtype=np.int64)
        for bit, (_, d) in enumerate(self.definitions(window, threshold)):
            if d.tracker() in max_spell:
                out |= (max_spell[d.tracker()] < d.collapse_after).astype(np.int64) << bit
        return out

    def unpack(self, bits: np.ndarray, window: int, threshold: float) -> list[tuple[str, ChannelDefinition, np.ndarray]]:
        """(key, definition, held per run) for every definition, from a ``held_grid`` column."""
        bits = np.asarray(bits, dtype=np.int64)
        return [(key, d, ((bits >> i) & 1).astype(bool))
                for i, (key, d) in enumerate(self.definitions(window, threshold))]


ROBUSTNESS_GRID = Grid()
