"""``sim trace`` tables for a classroom terminal: a starting row, a summary line, and a compact
layout (one letter per move) that fits 100 columns when the full one does not."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

import numpy as np

from ..model.model import NegotiationModel
from ..model.trace import StepRecord, TableFormat, _paint
from ..scenario.resolved import Scenario

WIDTH = 100


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def visible(text: str) -> str:
    """``text`` without its colour codes (what a terminal shows)."""
    return _ANSI.sub("", text)


def fit(row: str, width: int = WIDTH) -> str:
    """A table row of at most ``width`` columns: when its last cell (the step's notes and events,
    separated by "; ") runs past ``width``, the notes continue on lines of their own aligned under
    that cell (or under the step column when the cell starts too far right)."""
    if len(visible(row)) <= width or " | " not in row:
        return row
    head, tail = row.rsplit(" | ", 1)
    at = len(visible(head)) + 3
    step_w = visible(row).index(" | ")   # the step column (wider with calendar dates)
    below = width - at < 24          # the notes cell starts too far right: notes on lines of their own
    room = width - (step_w + 3 if below else at)
    pieces = []
    for note in tail.split("; "):
        plain = visible(note)
        pieces += [note] if len(plain) <= room else textwrap.wrap(plain, room)
    lines, current = [], ""
    for p in pieces:
        joined = f"{current}; {p}" if current else p
        if current and len(visible(joined)) > room:
            lines.append(current)
            current = p
        else:
            current = joined
    lines.append(current)
    if below:
        out = [head + " |"] + [" " * (step_w + 1) + "| " + line for line in lines]
    else:
        out = [f"{head} | {lines[0]}"] + [" " * (at - 2) + "| " + line for line in lines[1:]]
    return "\n".join(o.rstrip() for o in out)


def initials(labels: tuple[str, str]) -> tuple[str, str]:
    a, b = labels[0][:1].upper(), labels[1][:1].upper()
    return (a, b) if a != b else ("C", "D")


def start_state(model: NegotiationModel) -> tuple[list[int], list[float]]:
    """Levels and trust before the first step (a distribution's value is this run's draw)."""
    return [int(t.level[0]) for t in model.tracks], [float(a.trust[0]) for a in model.actors]


class CompactFormat(TableFormat):
    """One letter per move (the label's initial, ``*`` after a move noise flipped), level as a number."""

    def __init__(self, scenario: Scenario, color: bool = False, names: Sequence[str] | None = None):
        super().__init__(scenario, color)
        self.names = list(names or scenario.actor_names)
        self.letters = [initials(t.labels) for t in scenario.tracks]

    def _cell(self, k: int) -> int:
        return max(len(self.scenario.tracks[k].name), 10)   # the whole name: never clipped

    def header(self) -> str:
        a, b = (n[:5] for n in self.names)
        top = [f"{'step' if self.start_date is None else 'step date':<{self.step_w}}"] + [
            f"{t.name:<{self._cell(k)}}" for k, t in enumerate(self.scenario.tracks)]
        sub = [" " * self.step_w] + [f"{a[:2]:<3}{b[:2]:<3}lvl".ljust(self._cell(k)) for k in range(len(self.scenario.tracks))]
        top += ["trust      ", "payoff         ", "events"]
        sub += [f"{a:>5} {b:>5}", f"{a:>7} {b:>7}", ""]
        return " | ".join(top).rstrip() + "\n" + " | ".join(sub).rstrip()

    def start(self, levels: list[int], trust: list[float]) -> str:
        cells = [f"{'init':<{self.step_w}}"] + [f"{'':6}{levels[k]:>3}".ljust(self._cell(k)) for k in range(len(levels))]
        cells += [" ".join(f"{x:>5.2f}" for x in trust), " ".join(f"{0:>7.2f}" for _ in trust), ""]
        return " | ".join(cells).rstrip()

    def row(self, rec: StepRecord) -> str:
        cells = [self.step_cell(rec.step)]
        for k, tr in enumerate(rec.tracks):
            moves = []
            for i in range(len(tr.realised)):
                text = self.letters[k][0 if tr.realised[i] else 1] + ("*" if tr.flipped(i) else "")
                kind = "flip" if tr.flipped(i) else ("C" if tr.realised[i] else "D")
                moves.append(_paint(f"{text:<3}", kind, self.color))
            cells.append("".join(moves) + f"{tr.level:>3}".ljust(self._cell(k) - 6))
        cells.append(" ".join(f"{a.trust:>5.2f}" for a in rec.actors))
        cells.append(" ".join(f"{a.payoff:>7.2f}" for a in rec.actors))
        notes = [_paint(n, "broken", self.color) for n in self.channel_notes(rec)]
        if rec.incidents:
            notes.append(_paint(f"{rec.incidents} misuse incident{'s' if rec.incidents > 1 else ''}", "broken",
                                self.color))
        notes += [_paint(e, "event", self.color) for e in rec.events]
        cells.append("; ".join(notes))
        return " | ".join(cells).rstrip()

    def legend(self) -> str:
        keys = []
        for t, (c, d) in zip(self.scenario.tracks, self.letters):
            keys.append(f"{t.name}: {c} = {t.labels[0]}, {d} = {t.labels[1]}")
        return ("\n".join(keys)
                + "\n* = noise flipped the intended move; lvl = escalation rung; init = before the first step")


class FullFormat(TableFormat):
    """The full table with a starting row."""

    def start(self, levels: list[int], trust: list[float]) -> str:
        cells = [f"{'init':<{self.step_w}}"]
        for k, t in enumerate(self.scenario.tracks):
            w = max(self.move_w[k], self.name_w[k])
            cells.append(" " * (2 * w + 2) + f"{levels[k]} {t.rungs[levels[k]]}".ljust(self.rung_w[k]))
        cells += [" ".join(f"{x:>6.2f}" for x in trust), " ".join(f"{0:>7.2f}" for _ in trust), ""]
        return " | ".join(cells).rstrip()

    def legend(self) -> str:
        return super().legend() + "; init = before the first step"


def choose(scenario: Scenario, color: bool, columns: int, compact: bool | None,
           names: Sequence[str] | None = None) -> TableFormat:
    """The full table when it fits ``columns`` (and ``compact`` is not forced), else the compact one;
    ``names``: what to call the two sides."""
    full = FullFormat(scenario, color)
    if names:
        full.names = list(names)
        full.name_w = [max(len(n) for n in names) for _ in scenario.tracks]
    if compact is None:
        compact = max(len(line) for line in full.header().splitlines()) > min(columns, WIDTH)
    return CompactFormat(scenario, color, names) if compact else full


def summary(scenario: Scenario, records: Sequence[StepRecord], names: Sequence[str] | None = None) -> str:
    """Totals, cooperation rates and noise flips of the traced run, one line."""
    if not records:
        return "no steps played"
    names = list(names or scenario.actor_names)
    last = records[-1]
    coop = np.array([[tr.realised[i] for tr in r.tracks] for r in records for i in range(2)], dtype=float)
    coop = coop.reshape(len(records), 2, -1).mean(axis=(0, 2))
    flips = sum(tr.flipped(i) for r in records for tr in r.tracks for i in range(2))
    totals = ", ".join(f"{n} {a.payoff:g}" for n, a in zip(names, last.actors))
    rates = ", ".join(f"{n} {c:.0%}" for n, c in zip(names, coop))
    line = (f"after {len(records)} {scenario.step}s: payoffs {totals}; cooperated {rates}; "
            f"{flips} move{'s' if flips != 1 else ''} flipped by noise")
    return "\n".join(textwrap.wrap(line, WIDTH, subsequent_indent="  "))
