"""Step records of one run: what each side meant to do, what it did, and where that left things.

``trace(model)`` steps a single-run :class:`NegotiationModel` and yields one :class:`StepRecord`
per step (used by ``sim trace``, handouts and replays); ``format_table`` renders records as a
text table, optionally with ANSI colour.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..scenario.resolved import Scenario, calendar_start
from .model import NegotiationModel


@dataclass(frozen=True)
class TrackStep:
    """One track after a step: its two players' moves (True = C), its labels and its level."""

    name: str
    labels: tuple[str, str]            # (C label, D label)
    intended: tuple[bool, ...]         # per player (seat)
    realised: tuple[bool, ...]         # per player (seat)
    level: int
    rung: str
    players: tuple[int, ...] = (0, 1)  # actor index of each seat
    frozen: tuple[bool, ...] = (False, False)  # v3: per seat, walked out (a freeze) during this step

    def label(self, seat: int, realised: bool = True) -> str:
        move = (self.realised if realised else self.intended)[seat]
        return self.labels[0] if move else self.labels[1]

    def flipped(self, seat: int) -> bool:
        """True when noise turned this player's intended move into the other one."""
        return self.intended[seat] != self.realised[seat]


@dataclass(frozen=True)
class ActorStep:
    """One actor after a step: reported trust, per-track beliefs, payoffs."""

    name: str
    trust: float
    beliefs: dict[str, float]
    payoff: float                      # cumulative
    step_payoff: float                 # this step, summed over tracks


@dataclass(frozen=True)
class StepRecord:
    step: int
    events: tuple[str, ...]
    tracks: tuple[TrackStep, ...]
    actors: tuple[ActorStep, ...]
    channel_open: bool
    channel_collapsed: bool = False
    incidents: int = 0                 # nonstate misuse incidents this step


def record(model: NegotiationModel) -> StepRecord:
    """The record of the step the (single-run) model has just taken."""
    if model.n_runs != 1:
        raise ValueError("a trace follows one run: build the model with runs=[r]")
    tracks = tuple(
        TrackStep(t.name, t.spec.labels, tuple(bool(model.actors[i].intended[0, k]) for i in t.players),
                  tuple(bool(model.actors[i].realised[0, k]) for i in t.players), int(t.level[0]),
                  t.spec.rungs[int(t.level[0])], t.players, tuple(bool(x) for x in t.walked[:, 0]))
        for k, t in enumerate(model.tracks))
    actors = tuple(
        ActorStep(a.name, float(a.trust[0]), {t.name: float(a.belief[0, k]) for k, t in enumerate(model.tracks)},
                  float(a.payoff[0]), float(a.last_payoff[0].sum()))
        for a in model.actors)
    return StepRecord(model.t - 1, tuple(model.fired_this_step), tracks, actors, bool(model.outcome.open[0]),
                      bool(model.outcome.collapsed[0]),
                      int(model.population.last_incidents[0]) if model.population is not None else 0)


def trace(model: NegotiationModel, steps: int | None = None) -> Iterator[StepRecord]:
    """Step ``model`` (one run) to its end, or ``steps`` steps, yielding a record after each."""
    done = 0
    while model.running and (steps is None or done < steps):
        model.step()
        done += 1
        yield record(model)


def trace_scenario(scenario: Scenario, seed: int | None = None, run: int = 0,
                   steps: int | None = None) -> Iterator[StepRecord]:
    """Trace run ``run`` of ``scenario`` (the same run as in an ensemble with this seed)."""
    return trace(NegotiationModel(scenario, runs=[run], seed=seed), steps)


# -- text --------------------------------------------------------------------------------------

_ANSI = {"C": "32", "D": "31", "flip": "33;1", "event": "35", "dim": "2", "bold": "1", "broken": "31;1"}


def _paint(text: str, kind: str, color: bool) -> str:
    return f"\x1b[{_ANSI[kind]}m{text}\x1b[0m" if color else text


class ChannelNotes:
    """What happened to the channel (and to frozen tracks) at a step, in words, from the step records
    in order: freezes and thaws (v3), suspension, reopening, collapse."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.was_open, self.was_collapsed = True, False
        self.was_frozen = [(False, False) for _ in scenario.tracks]

    def __call__(self, rec: StepRecord) -> list[str]:
        notes = []
        channel = self.scenario.outcomes.channel
        for k, tr in enumerate(rec.tracks):
            what = "the channel" if k == channel else tr.name
            before = self.was_frozen[k]
            for seat, now in enumerate(tr.frozen):
                if now and not before[seat]:
                    notes.append(f"{self.scenario.actor_names[tr.players[seat]]} freezes {what}")
            if any(before) and not any(tr.frozen):
                notes.append(f"{what} thaws")
            self.was_frozen[k] = tr.frozen
        if rec.channel_open != self.was_open:
            notes.append("channel reopens" if rec.channel_open else "channel suspended")
            self.was_open = rec.channel_open
        if rec.channel_collapsed and not self.was_collapsed:
            notes.append("channel collapses")
            self.was_collapsed = True
        return notes


class TableFormat:
    """Fixed-width columns for a scenario's step table: ``header()`` then ``row(record)``."""

    def __init__(self, scenario: Scenario, color: bool = False):
        self.scenario, self.color = scenario, color
        self.names = scenario.actor_names
        self.move_w = [max(len(t.labels[0]), len(t.labels[1])) + 1 for t in scenario.tracks]
        self.rung_w = [max(len(r) for r in t.rungs) + 2 for t in scenario.tracks]
        self.name_w = [max(len(n) for n in self.names) for _ in scenario.tracks]
        self.channel_notes = ChannelNotes(scenario)
        self.start_date = calendar_start(scenario)
        style = "%b %Y" if scenario.step in ("month", "year") else "%d %b %Y"
        self.date_style = style
        self.step_w = 4 if self.start_date is None else 5 + len(f"{self.start_date:{style}}")

    def step_cell(self, step: int) -> str:
        """The step, with the calendar date it begins on when the scenario has a ``start:`` date."""
        if self.start_date is None:
            return f"{step:>4}"
        from ..scenario.resolved import step_date

        return f"{step:>4} {step_date(self.start_date, step, self.scenario.step):{self.date_style}}"

    def _cell_width(self, k: int) -> int:
        return 2 * max(self.move_w[k], self.name_w[k]) + 1 + self.rung_w[k]

    def header(self) -> str:
        top = [f"{'step' if self.start_date is None else 'step date':<{self.step_w}}"]
        sub = [" " * self.step_w]
        for k, t in enumerate(self.scenario.tracks):
            w = max(self.move_w[k], self.name_w[k])
            top.append(f"{t.name[: self._cell_width(k)]:<{self._cell_width(k)}}")
            first, second = (self.names[i] for i in t.players)
            sub.append(f"{first:<{w}} {second:<{w}} {'level':<{self.rung_w[k]}}")
        trust = " ".join(f"{n[:6]:>6}" for n in self.names)
        pay = " ".join(f"{n[:7]:>7}" for n in self.names)
        top += [f"{'trust':<{len(trust)}}", f"{'payoff':<{len(pay)}}", "events"]
        sub += [trust, pay, ""]
        return (" | ".join(top).rstrip() + "\n" + " | ".join(sub).rstrip())

    def row(self, rec: StepRecord) -> str:
        cells = [self.step_cell(rec.step)]
        for k, tr in enumerate(rec.tracks):
            w = max(self.move_w[k], self.name_w[k])
            moves = []
            for i in range(len(tr.realised)):
                text = tr.label(i) + ("*" if tr.flipped(i) else "")
                kind = "flip" if tr.flipped(i) else ("C" if tr.realised[i] else "D")
                moves.append(_paint(f"{text:<{w}}", kind, self.color))
            level = f"{tr.level} {tr.rung}"
            moves.append(_paint(f"{level:<{self.rung_w[k]}}", "bold" if tr.level else "dim", self.color))
            cells.append(" ".join(moves))
        cells.append(" ".join(f"{a.trust:>6.2f}" for a in rec.actors))
        cells.append(" ".join(f"{a.payoff:>7.2f}" for a in rec.actors))
        notes = [_paint(n, "broken", self.color) for n in self.channel_notes(rec)]
        if rec.incidents:
            notes.append(_paint(f"{rec.incidents} misuse incident{'s' if rec.incidents > 1 else ''}", "broken",
                                self.color))
        notes += [_paint(e, "event", self.color) for e in rec.events]
        cells.append("; ".join(notes))
        return " | ".join(cells).rstrip()

    def legend(self) -> str:
        return "* = noise flipped the intended move"




def format_table(scenario: Scenario, records: Iterable[StepRecord], color: bool = False) -> str:
    """The whole table: header, one row per step, legend."""
    fmt = TableFormat(scenario, color)
    return "\n".join([fmt.header(), *(fmt.row(r) for r in records), fmt.legend()])
