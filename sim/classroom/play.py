"""Playing against the computer: a student's moves against a hidden strategy, on a lesson's game.

Each match is a two-actor scenario of the engine (``You`` and ``Computer``, one track with the
lesson's payoffs and move labels, no noise): the student's moves enter as forced moves (events
at the rounds they were chosen), so the computer's strategy sees them exactly as it would see any
other side's moves. Moves are simultaneous: the computer's move in round t does not depend on the
student's move in round t, so replaying the match with one more round adds one computer move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model.model import NegotiationModel
from ..scenario.load import scenario_from_dict
from ..scenario.resolved import Scenario
from ..streams import generator
from .controls import MENU

ROUNDS = 10
YOU, COMPUTER = "You", "Computer"


@dataclass(frozen=True)
class Game:
    """The game of a lesson's first track, as the first actor sees it."""

    R: float
    S: float
    T: float
    P: float
    labels: tuple[str, str]

    @classmethod
    def of(cls, scenario: Scenario, track: int = 0) -> Game:
        model = NegotiationModel(scenario, runs=[0])
        pay = scenario.tracks[track].payoffs[0]
        value = {x: float(np.asarray(model.values[pay[x]]).reshape(-1)[0]) for x in "RSTP"}
        return cls(**value, labels=scenario.tracks[track].labels)

    def payoff(self, mine: bool, theirs: bool) -> float:
        return (self.R if theirs else self.S) if mine else (self.T if theirs else self.P)


@dataclass(frozen=True)
class Match:
    you: tuple[bool, ...]
    them: tuple[bool, ...]
    your_payoffs: tuple[float, ...]
    their_payoffs: tuple[float, ...]

    @property
    def totals(self) -> tuple[float, float]:
        return sum(self.your_payoffs), sum(self.their_payoffs)


def match(game: Game, you: str | Sequence[bool], them: str, rounds: int | None = None, seed: int = 0) -> Match:
    """``you``: a strategy name, or your moves (True = C), forced in order; ``them``: a strategy."""
    forced = None if isinstance(you, str) else [bool(m) for m in you]
    rounds = len(forced) if rounds is None else rounds
    if rounds == 0:
        return Match((), (), (), ())
    track = {"game": {"R": game.R, "S": game.S, "T": game.T, "P": game.P},
             "labels": {"C": game.labels[0], "D": game.labels[1]}}
    data = {"name": "play", "seed": seed, "runs": 1, "horizon": rounds,
            "actors": {YOU: {"strategies": {"game": you if forced is None else "always_cooperate"}},
                       COMPUTER: {"strategies": {"game": them}}},
            "tracks": {"game": track}}
    if forced is not None:
        events = []
        for move, name in ((True, "C"), (False, "D")):
            at = [t for t, m in enumerate(forced) if m is move]
            if at:
                events.append({"name": f"you play {name}", "at": at,
                               "effects": [{"force": name, "actor": YOU, "track": "game"}]})
        data["events"] = events
    model = NegotiationModel(scenario_from_dict(data), runs=[0], seed=seed)
    rows = []

    def see(m):
        rows.append(tuple((bool(a.realised[0, 0]), float(a.last_payoff[0, 0])) for a in m.actors))

    model.run(see)
    return Match(tuple(r[0][0] for r in rows), tuple(r[1][0] for r in rows),
                 tuple(r[0][1] for r in rows), tuple(r[1][1] for r in rows))


def hidden_strategy(seed: int, game_number: int, choices: Sequence[str] = MENU) -> str:
    """The computer's strategy for game ``game_number``: drawn from (seed, game_number)."""
    rng = generator(seed, "hidden_strategy", game_number)
    return str(choices[int(rng.integers(len(choices)))])


def reveal(game: Game, yours: Sequence[bool], hidden: str, seed: int = 0,
           choices: Sequence[str] = MENU) -> list[dict]:
    """For every strategy S: your moves against S, and S in your place against the hidden strategy."""
    rows = []
    for s in choices:
        against = match(game, yours, s, seed=seed)
        instead = match(game, s, hidden, rounds=len(yours), seed=seed)
        rows.append({"strategy": s, "you_vs": against.totals[0], "it_vs_you": against.totals[1],
                     "in_your_place": instead.totals[0], "computer_then": instead.totals[1]})
    return rows
