"""The outcomes of a run and of an ensemble, declared once.

Every per-run outcome column is an :class:`Outcome` here: the model's run table writes these
columns, and the summary, figures, comparisons and sweeps read them through these objects (their
column name, label, kind and whether an empty cell means "never") instead of repeating strings.
The robustness grid of the channel's definition (:data:`ROBUSTNESS_GRID`) is declared here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Kind = Literal["binary", "share", "step", "count", "level", "bits", "text"]


@dataclass(frozen=True)
class Outcome:
    """One per-run outcome column.

    ``never``: the column holds a step, and an empty cell (-1 in memory) means "never happened".
    ``twin``: twins of the run record this outcome too, as ``<column>_<twin>``.
    """

    column: str
    label: str
    kind: Kind
    description: str
    never: bool = False
    twin: bool = False

    def twin_column(self, twin: str) -> str:
        return f"{self.column}_{twin}"


HELD = Outcome("held", "channel held", "binary",
               "1 if the channel never collapsed during the run", twin=True)
BREAK_STEP = Outcome("break_step", "break step", "step",
                     "first step of the suspension that became a collapse (empty: held)", never=True)
OPEN_SHARE = Outcome("open_share", "open share", "share", "share of the run's steps with the channel open",
                     twin=True)
ENGAGED_SHARE = Outcome("engaged_share", "engaged share", "share",
                        "share of steps where both actors played C on the channel")
OPEN_AT_END = Outcome("open_at_end", "open at the end", "binary", "1 if the channel was open at the last step")
SUSPENSIONS = Outcome("suspensions", "suspensions", "count", "number of spells of consecutive not-open steps")
FIRST_SUSPENSION = Outcome("first_suspension", "first suspension", "step",
                           "first step the channel was not open (empty: never)", never=True)
RIVALRY_PEAK = Outcome("rivalry_peak", "rivalry peak", "level", "highest level reached on any rivalry track")
ESCALATED = Outcome("escalated", "rivalry escalated", "binary",
                    "1 if some rivalry track stayed at or above the escalated level for `sustained` steps")
ESCALATED_AT_END = Outcome("escalated_at_end", "escalated at the end", "binary",
                           "1 if some rivalry track was at or above the escalated level at the end")
ESCALATED_SHARE = Outcome("escalated_share", "escalated share", "share",
                          "share of steps with some rivalry track at or above the escalated level")
HELD_AND_ESCALATED = Outcome("held_and_escalated", "held and escalated", "binary",
                             "1 if the channel held and the rivalry escalated")
HELD_GRID = Outcome("held_grid", "held under each definition", "bits",
                    "bit i is `held` under definition i of the robustness grid (see docs/model.md)")
LENGTH = Outcome("length", "run length", "count", "steps the run lasted")

# v3: freezes, lapses and thaws (docs/model.md, "Freeze and thaw")
OPEN_MONTHS = Outcome("open_months", "months open", "count", "steps of the run with the channel open")
FROZEN = Outcome("frozen", "frozen at least once", "binary", "1 if some side froze the channel during the run")
LAPSED = Outcome("lapsed", "channel lapsed", "binary",
                 "1 if the channel collapsed and the collapse did not begin during a freeze")
FREEZES = Outcome("freezes", "freezes", "count", "spells of steps with the channel frozen by either side")
FIRST_FREEZE = Outcome("first_freeze", "first freeze", "step", "first step the channel was frozen (empty: never)",
                       never=True)
FROZEN_MONTHS = Outcome("frozen_months", "months frozen", "count", "steps with the channel frozen")
THAWS_AT_MEETING = Outcome("thaws_at_meeting", "thaws at a leaders' meeting", "count",
                           "freezes ended by an event tagged leaders_meeting")
COLLAPSE_CAUSE = Outcome("collapse_cause", "cause of the collapse", "text",
                         "`freeze` (the collapse began during a freeze) or `lapse` (it did not); empty if held")
MOVES_DIFFER = Outcome("moves_differ", "channel moves differ", "binary",
                       "twins only (`moves_differ_<twin>`): 1 if the twin's channel moves differ from the run's "
                       "at some step")

INCIDENTS = Outcome("incidents", "misuse incidents", "count",
                    "nonstate misuse incidents during the run (with a nonstate population)", twin=True)
FIRST_INCIDENT = Outcome("first_incident", "first incident", "step",
                         "step of the first misuse incident (empty: none)", never=True)
CAPABILITY_FINAL = Outcome("capability_final", "nonstate capability at the end", "share",
                           "mean capability of the nonstate groups at the end of the run")
SAFEGUARDS_FINAL = Outcome("safeguards_final", "safeguards at the end", "share",
                           "strength of the safeguards built through the channel, at the end of the run")
#: outcomes of runs with a nonstate population, in table order
NONSTATE_OUTCOMES = (INCIDENTS, FIRST_INCIDENT, CAPABILITY_FINAL, SAFEGUARDS_FINAL)

#: every per-run outcome, in table order
RUN_OUTCOMES = (HELD, BREAK_STEP, OPEN_SHARE, ENGAGED_SHARE, OPEN_AT_END, SUSPENSIONS, FIRST_SUSPENSION,
                RIVALRY_PEAK, ESCALATED, ESCALATED_AT_END, ESCALATED_SHARE, HELD_AND_ESCALATED, HELD_GRID,
                OPEN_MONTHS, FROZEN, LAPSED, FREEZES, FIRST_FREEZE, FROZEN_MONTHS, THAWS_AT_MEETING)
#: per-run text columns (not numbers: left out of numeric analyses such as the EMA outcomes)
TEXT_OUTCOMES = (COLLAPSE_CAUSE,)
#: outcomes compared between folders and along sweeps (proportions) and shares (means)
BINARY = tuple(o for o in RUN_OUTCOMES if o.kind == "binary")
SHARES = tuple(o for o in RUN_OUTCOMES if o.kind == "share")
TWIN_OUTCOMES = tuple(o for o in RUN_OUTCOMES if o.twin)

#: columns that hold a step where an empty cell means "never" (the channel never broke, ...)
NEVER_PREFIXES = ("first_fired.",)


def is_never_column(name: str) -> bool:
    return (any(name == o.column for o in (*RUN_OUTCOMES, *NONSTATE_OUTCOMES) if o.never)
            or name.startswith(NEVER_PREFIXES))


def twin_columns(twin: str) -> list[str]:
    return [o.twin_column(twin) for o in (*TWIN_OUTCOMES, MOVES_DIFFER)]


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
