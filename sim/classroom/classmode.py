"""Class mode: a room of students playing a lesson's game from their own browsers (``sim class``).

This module is the room itself, with no web server in it (``sim/classroom/classweb.py`` serves it),
so everything here is tested without a browser: students join with the room code, the teacher
starts a game that pairs them (student against student, or each against a computer strategy),
rounds run in lockstep, and the results are summarised, played as a tournament and exported.

- **Moves are simultaneous.** Round t closes when every connected student has moved, when its
  deadline passes, or when the teacher closes it; then every pair's two moves are revealed at once.
- **The computer** plays with the rules of ``sim/strategies.py`` (:func:`~sim.strategies.play_script`
  against the other side's moves so far, so its move in round t never depends on the move it
  answers). Each student's computer opponent has its own random numbers, drawn from the stream
  ``class_mode`` keyed by (class seed, student id, game): a reload, another student or another
  class never changes them, and no global random state is used.
- **The lesson's noise**: a move, a student's or the computer's, comes out as the other one with
  the lesson's noise (:func:`lesson_noise`), from the seat's own stream; the computer's rules see
  the moves that came out, and the student is told when their move did not.
- **A dropped student** (no move by the deadline, or a page that stopped asking for news for
  :attr:`Room.drop_after` seconds) is replaced by the computer for that round: :data:`STAND_IN`
  plays in the seat, and the move is marked as the computer's (``by = computer``).
- **The closest classic strategy** of a seat's moves is the rule of :data:`CLASSIC` that, fed the
  opponent's actual moves, would have made the most of the same moves (ties: the first in
  :data:`CLASSIC`); the class tournament plays those strategies against each other.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from ..results.tables import format_rows
from ..scenario.resolved import Scenario
from ..strategies import get, play_script
from ..streams import generator
from .controls import MENU
from .play import Game

#: who plays a seat whose student missed a round
STAND_IN = "tit_for_tat"
#: the deterministic classic strategies a student's moves are compared with, in tie-break order
CLASSIC = ("tit_for_tat", "always_cooperate", "always_defect", "grim_trigger", "win_stay_lose_shift",
           "suspicious_tit_for_tat", "tit_for_two_tats", "alternator")
#: the computer strategies the teacher may pick; HIDDEN draws one per student (from its own stream)
HIDDEN = "hidden"
OPPONENTS = (*MENU, HIDDEN)
#: pairing modes: students against each other (an odd one out meets the computer), or all against it
MODES = ("students", "computer")
#: the longest game class mode plays by default (a lesson with a 200-round horizon is cut to this)
MAX_ROUNDS = 20
#: bounds that keep a room small whatever the network sends
MAX_STUDENTS = 200
NAME_LENGTH = 24
#: room codes: no letters or digits that read alike (0/O, 1/I/L)
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5


class RoomError(Exception):
    """A request the room refuses: an HTTP status and a one-line message for the page."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def room_code(length: int = CODE_LENGTH) -> str:
    """A fresh room code (from the operating system's randomness: a secret, not a simulation draw)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def clean_name(name) -> str:
    """A student's name as shown: printable characters, spaces collapsed, at most NAME_LENGTH."""
    if not isinstance(name, str):
        raise RoomError(400, "your name is missing")
    text = " ".join("".join(c if c.isprintable() else " " for c in name).split())[:NAME_LENGTH].strip()
    if not text:
        raise RoomError(400, "please type your name")
    return text


def lesson_game(scenario: Scenario, rounds: int | None = None) -> tuple[Game, int, float | None]:
    """(game, rounds, continuation) of a lesson for class mode: its first track's payoffs and move
    labels; its horizon, at most :data:`MAX_ROUNDS` unless ``rounds`` is given; the chance that a
    game goes on after each round when the lesson has one (then the length is drawn per game)."""
    game = Game.of(scenario)
    if rounds is not None and not 1 <= rounds <= 1000:
        raise UserError(f"--rounds {rounds}: expected 1..1000")
    n = rounds if rounds is not None else min(scenario.horizon, MAX_ROUNDS)
    w = None
    if scenario.continuation is not None:
        from ..model.model import NegotiationModel

        model = NegotiationModel(scenario, runs=[0])
        w = float(np.asarray(model.values[scenario.continuation]).reshape(-1)[0])
    return game, n, w


def lesson_noise(scenario: Scenario) -> float:
    """The chance a move comes out wrong in the lesson's first game: the first side's noise on the
    first track (its value in run 0 of the lesson's seed)."""
    from ..model.model import NegotiationModel

    actor = scenario.actors[0]
    path = actor.strategies[0].noise if getattr(actor.strategies[0], "noise", None) else actor.params["noise"]
    model = NegotiationModel(scenario, runs=[0])
    return float(np.asarray(model.values[path]).reshape(-1)[0])


def computer_moves(strategy: str, theirs: Sequence[bool], game: Game, u: np.ndarray) -> list[bool]:
    """The moves ``strategy`` makes against ``theirs`` (one more than ``theirs`` is long: its move
    in the round after them). ``u``: its uniform numbers, one per round (at least len(theirs)+1)."""
    script = [bool(m) for m in theirs] + [True]  # the last is never seen: moves are simultaneous
    u = np.asarray(u[: len(script)], dtype=float)[:, None]
    defaults = {k: p.default for k, p in get(strategy).params.items() if p.default is not None}
    played = play_script(strategy, script, defaults, u=u, game=(game.R, game.S, game.T, game.P))
    return [bool(x) for x in played.intended[:, 0]]


def closest(mine: Sequence[bool], theirs: Sequence[bool], game: Game,
            choices: Sequence[str] = CLASSIC) -> tuple[str, int]:
    """The classic strategy that, given the opponent's moves ``theirs``, would have made the most
    of ``mine``, and how many (ties: the first in ``choices``). Empty moves: (choices[0], 0)."""
    mine = np.asarray(mine, dtype=bool)
    if len(mine) == 0:
        return choices[0], 0
    best = (choices[0], -1)
    u = np.full(len(mine), 0.5)
    for s in choices:
        made = np.asarray(computer_moves(s, list(theirs)[: len(mine) - 1], game, u), dtype=bool)
        agree = int(np.sum(made == mine))
        if agree > best[1]:
            best = (s, agree)
    return best


@dataclass
class Student:
    id: int
    name: str
    token: str
    seen: float


@dataclass
class Seat:
    """One side of a pair: a student (``student`` is its id) or the computer (``strategy``)."""

    student: int | None
    strategy: str
    u: np.ndarray                                      # the strategy's uniforms, one per round
    flips: np.ndarray                                  # a move comes out wrong where flips < noise
    moves: list[bool] = field(default_factory=list)    # the moves that came out (what the other sees)
    chosen: list[bool] = field(default_factory=list)   # the moves chosen (by the student or the computer)
    by: list[str] = field(default_factory=list)        # "student" or "computer", per round
    payoffs: list[float] = field(default_factory=list)
    closest: tuple[str, int] | None = None             # set when the game ends

    @property
    def total(self) -> float:
        return float(sum(self.payoffs))


@dataclass
class Pair:
    a: Seat
    b: Seat

    def other(self, seat: Seat) -> Seat:
        return self.b if seat is self.a else self.a


class Room:
    """A class: students, the current game, every finished game, and the teacher's actions.

    Every public method takes the room's lock, so the web server's threads may call them at once.
    ``clock`` gives seconds (``time.monotonic``; tests pass their own).
    """

    def __init__(self, game: Game, rounds: int, seed: int = 0, code: str | None = None, *,
                 continuation: float | None = None, noise: float = 0.0, timeout: float = 30.0,
                 drop_after: float = 8.0,
                 title: str = "", lesson: str = "", clock: Callable[[], float] = time.monotonic):
        self.game, self.rounds, self.seed = game, int(rounds), int(seed)
        self.code = code or room_code()
        self.continuation = continuation
        self.noise = float(noise)
        self.timeout, self.drop_after = float(timeout), float(drop_after)
        self.title, self.lesson = title, lesson
        self.clock = clock
        self.lock = threading.RLock()
        self.students: dict[int, Student] = {}
        self.tokens: dict[str, int] = {}
        self.games: list[list[Pair]] = []       # every game started, the current one last
        self.lengths: list[int] = []            # each game's number of rounds
        self.phase = "lobby"                    # lobby, playing, over
        self.round = 0                          # the open round of the current game (0-based)
        self.deadline = 0.0
        self.pending: dict[int, bool] = {}      # student id -> move in the open round
        self.tournament_rows: list[dict] | None = None
        self.version = 0                        # bumped on every change the pages show

    # ---------------------------------------------------------------- students

    def join(self, code, name) -> Student:
        with self.lock:
            if not isinstance(code, str) or code.strip().upper() != self.code:
                raise RoomError(403, "wrong room code: ask your teacher for the code on the screen")
            name = clean_name(name)
            if len(self.students) >= MAX_STUDENTS:
                raise RoomError(429, f"the room is full ({MAX_STUDENTS} students)")
            sid = len(self.students) + 1
            student = Student(sid, name, secrets.token_urlsafe(16), self.clock())
            self.students[sid] = student
            self.tokens[student.token] = sid
            self.version += 1
            return student

    def student_of(self, token) -> Student:
        sid = self.tokens.get(token) if isinstance(token, str) else None
        if sid is None:
            raise RoomError(403, "unknown student: join the room again")
        return self.students[sid]

    def connected(self, sid: int) -> bool:
        return self.clock() - self.students[sid].seen <= self.drop_after

    # ---------------------------------------------------------------- games

    @property
    def pairs(self) -> list[Pair]:
        return self.games[-1] if self.games else []

    def seats(self) -> list[Seat]:
        """The current game's student seats, by student id."""
        found = [s for p in self.pairs for s in (p.a, p.b) if s.student is not None]
        return sorted(found, key=lambda s: s.student)

    def seat_of(self, sid: int) -> tuple[Pair, Seat] | None:
        for p in self.pairs:
            for s in (p.a, p.b):
                if s.student == sid:
                    return p, s
        return None

    def _draws(self, seat: int, number: int) -> np.random.Generator:
        return generator(self.seed, "class_mode", seat, number)

    def _streams(self, sid: int, number: int) -> dict:
        """Student ``sid``'s draws in game ``number``, from its own stream (seed, sid, game), in a
        fixed order: a hidden strategy's index; its computer opponent's uniforms and noise draws;
        the student's own noise draws and stand-in's uniforms."""
        rng = self._draws(sid, number)
        n = self.rounds
        return {"pick": int(rng.integers(len(MENU))), "u": rng.random(n), "flips": rng.random(n),
                "own_flips": rng.random(n), "own_u": rng.random(n)}

    def _computer(self, sid: int, number: int, strategy: str) -> Seat:
        """Student ``sid``'s computer opponent in game ``number``."""
        d = self._streams(sid, number)
        return Seat(None, MENU[d["pick"]] if strategy == HIDDEN else strategy, d["u"], d["flips"])

    def start(self, mode: str = "students", strategy: str = STAND_IN) -> list[Pair]:
        """A new game with every student who has joined: paired as ``mode`` says (the order of
        pairing drawn from (seed, game)), an odd one out against the computer's ``strategy``."""
        with self.lock:
            if mode not in MODES:
                raise RoomError(400, f"unknown pairing '{str(mode)[:20]}' (one of: {', '.join(MODES)})")
            if strategy not in OPPONENTS:
                raise RoomError(400, f"unknown strategy '{str(strategy)[:40]}'")
            if self.phase == "playing":
                raise RoomError(409, "a game is under way: wait for its end")
            if not self.students:
                raise RoomError(409, "nobody has joined yet")
            number = len(self.games) + 1
            room = self._draws(0, number)
            ids = [int(i) for i in room.permutation(sorted(self.students))]
            length = self.rounds
            if self.continuation is not None:  # the shadow of the future: nobody knows the last round
                length = int(min(self.rounds, room.geometric(1.0 - self.continuation)))
            pairs = []
            if mode == "students":
                while len(ids) >= 2:
                    a, b = ids.pop(0), ids.pop(0)
                    pairs.append(Pair(self._student_seat(a, number), self._student_seat(b, number)))
            for sid in ids:
                pairs.append(Pair(self._student_seat(sid, number), self._computer(sid, number, strategy)))
            self.games.append(pairs)
            self.lengths.append(length)
            self.phase, self.round, self.pending = "playing", 0, {}
            self.deadline = self.clock() + self.timeout
            self.tournament_rows = None
            self.version += 1
            return pairs

    def _student_seat(self, sid: int, number: int) -> Seat:
        d = self._streams(sid, number)
        return Seat(sid, STAND_IN, d["own_u"], d["own_flips"])

    @property
    def length(self) -> int:
        return self.lengths[-1] if self.lengths else self.rounds

    def move(self, token, round_, move) -> None:
        with self.lock:
            student = self.student_of(token)
            student.seen = self.clock()
            if self.phase != "playing" or self.seat_of(student.id) is None:
                raise RoomError(409, "no game for you right now: wait for the teacher")
            if round_ != self.round:
                raise RoomError(409, f"round {self.round + 1} is the open round")
            if move not in ("C", "D"):
                raise RoomError(400, "a move is C or D")
            self.pending[student.id] = move == "C"
            self.version += 1
            self._tick()

    def _awaited(self) -> list[int]:
        """Students of the current game who are connected and have not moved in the open round."""
        return [s.student for s in self.seats() if s.student not in self.pending and self.connected(s.student)]

    def tick(self) -> None:
        """Close the open round if it is due (everyone connected moved, or the deadline passed)."""
        with self.lock:
            self._tick()

    def _tick(self) -> None:
        while self.phase == "playing":
            due = self.clock() >= self.deadline or (self.pending and not self._awaited())
            if not due:
                return
            self._close()

    def close_round(self) -> None:
        """The teacher closes the open round now: missing moves are the computer's."""
        with self.lock:
            if self.phase != "playing":
                raise RoomError(409, "no round is open")
            self._close()

    def _close(self) -> None:
        t = self.round
        chosen: dict[int, tuple[bool, str]] = {}
        for p in self.pairs:
            for seat in (p.a, p.b):
                other = p.other(seat)
                if seat.student is not None and seat.student in self.pending:
                    chosen[id(seat)] = (self.pending[seat.student], "student")
                else:
                    chosen[id(seat)] = (computer_moves(seat.strategy, other.moves, self.game, seat.u)[t], "computer")
        came = {k: m != bool(seat_flip < self.noise) for k, m, seat_flip in
                ((id(seat), chosen[id(seat)][0], seat.flips[t]) for p in self.pairs for seat in (p.a, p.b))}
        for p in self.pairs:
            ma, mb = came[id(p.a)], came[id(p.b)]
            for seat, mine, theirs in ((p.a, ma, mb), (p.b, mb, ma)):
                seat.moves.append(mine)
                seat.chosen.append(chosen[id(seat)][0])
                seat.by.append(chosen[id(seat)][1])
                seat.payoffs.append(self.game.payoff(mine, theirs))
        self.pending = {}
        self.round += 1
        if self.round >= self.length:
            self.phase = "over"
            for p in self.pairs:  # once, not at every request for news
                for seat in (p.a, p.b):
                    seat.closest = closest(seat.chosen, p.other(seat).moves, self.game)
        else:
            self.deadline = self.clock() + self.timeout
        self.version += 1

    # ---------------------------------------------------------------- what the pages show

    def labels(self) -> dict:
        g = self.game
        return {"C": g.labels[0], "D": g.labels[1], "noise": self.noise,
                "matrix": {"CC": [g.R, g.R], "CD": [g.S, g.T], "DC": [g.T, g.S], "DD": [g.P, g.P]}}

    def _opponent_name(self, seat: Seat) -> str:
        if seat.student is None:
            return f"computer: {seat.strategy}"
        return self.students[seat.student].name

    def student_view(self, token) -> dict:
        with self.lock:
            student = self.student_of(token)
            student.seen = self.clock()
            self._tick()
            view = {"id": student.id, "name": student.name, "phase": self.phase, "title": self.title,
                    "game": len(self.games), **self.labels(), "in_game": False}
            found = self.seat_of(student.id)
            if found is None:
                return view
            pair, seat = found
            other = pair.other(seat)
            hidden_length = self.continuation is not None and self.phase == "playing"
            view.update({
                "in_game": True, "round": self.round, "rounds": None if hidden_length else self.length,
                "moved": student.id in self.pending,
                "deadline": max(0.0, round(self.deadline - self.clock(), 1)) if self.phase == "playing" else None,
                "opponent": ("the computer" if other.student is None else "a classmate") if self.phase == "playing"
                else f"the computer, playing {other.strategy}" if other.student is None
                else self.students[other.student].name,
                "history": [{"you": "C" if m else "D", "chose": "C" if c else "D", "them": "C" if o else "D",
                             "points": x, "by": b}
                            for m, c, o, x, b in zip(seat.moves, seat.chosen, other.moves, seat.payoffs, seat.by)],
                "total": seat.total, "their_total": other.total})
            if self.phase == "over":
                view.update({"closest": seat.closest[0], "agree": seat.closest[1]})
            return view

    def teacher_view(self) -> dict:
        with self.lock:
            self._tick()
            seats = self.seats()
            n = len(seats[0].moves) if seats else 0
            per_round = [float(np.mean([s.chosen[t] for s in seats])) for t in range(n)]  # what they chose
            board = []
            for seat in seats:
                pair, _ = self.seat_of(seat.student)
                other = pair.other(seat)
                row = {"id": seat.student, "name": self.students[seat.student].name, "total": seat.total,
                       "cooperation": float(np.mean(seat.chosen)) if seat.chosen else None,
                       "strip": "".join(("C" if m else "D") if b == "student" else ("c" if m else "d")
                                        for m, b in zip(seat.moves, seat.by)),
                       "flipped": "".join("x" if m != c else "." for m, c in zip(seat.moves, seat.chosen)),
                       "replaced": seat.by.count("computer"),
                       "moved": seat.student in self.pending,
                       "connected": self.connected(seat.student),
                       "opponent": self._opponent_name(other)}
                if self.phase == "over":
                    row["closest"], row["agree"] = seat.closest
                board.append(row)
            board.sort(key=lambda r: (-r["total"], r["id"]))
            playing = {s.student for s in seats}
            return {"phase": self.phase, "title": self.title, "lesson": self.lesson, "code": self.code,
                    "game": len(self.games), "round": self.round, "rounds": self.length if self.games else self.rounds,
                    "deadline": max(0.0, round(self.deadline - self.clock(), 1)) if self.phase == "playing" else None,
                    "students": [{"id": s.id, "name": s.name, "connected": self.connected(s.id),
                                  "waiting": s.id not in playing} for s in self.students.values()],
                    "cooperation": per_round, "board": board, "tournament": self.tournament_rows,
                    **self.labels(), "version": self.version}

    # ---------------------------------------------------------------- after a game

    def tournament(self, repetitions: int = 1) -> list[dict]:
        """A round robin of the classic strategies closest to the students' play in the last
        game: rank, strategy, mean score per round, and the students it stands for."""
        from ..games import Payoffs
        from ..tournament import make_spec, run_tournament

        with self.lock:
            if self.phase != "over":
                raise RoomError(409, "the tournament comes after a game")
            who: dict[str, list[str]] = {}
            for seat in self.seats():
                who.setdefault(seat.closest[0], []).append(self.students[seat.student].name)
            g = self.game
            spec = make_spec(sorted(who, key=CLASSIC.index), game=Payoffs(g.R, g.S, g.T, g.P),
                             turns=self.length, repetitions=repetitions, seed=self.seed)
            rows = run_tournament(spec).ranking()
            self.tournament_rows = [{"rank": r["rank"], "strategy": r["strategy"], "mean": r["mean"],
                                     "students": who[r["strategy"]]} for r in rows]
            self.version += 1
            return self.tournament_rows

    def moves_table(self) -> dict[str, np.ndarray]:
        """One row per student, game and round: the move chosen and the one that came out (they
        differ where the lesson's noise struck), who chose it, the opponent's, the points."""
        cols: dict[str, list] = {k: [] for k in ("game", "round", "student", "name", "chosen", "move", "by", "opponent",
                                                 "opponent_move", "points", "opponent_points")}
        with self.lock:
            for number, pairs in enumerate(self.games, start=1):
                seats = sorted(((s, p.other(s)) for p in pairs for s in (p.a, p.b) if s.student is not None),
                               key=lambda x: x[0].student)
                for seat, other in seats:
                    for t, (m, b) in enumerate(zip(seat.moves, seat.by)):
                        for k, v in (("game", number), ("round", t + 1), ("student", seat.student),
                                     ("name", self.students[seat.student].name),
                                     ("chosen", "C" if seat.chosen[t] else "D"), ("move", "C" if m else "D"),
                                     ("by", b), ("opponent", self._opponent_name(other)),
                                     ("opponent_move", "C" if other.moves[t] else "D"),
                                     ("points", seat.payoffs[t]), ("opponent_points", other.payoffs[t])):
                            cols[k].append(v)
        return {k: np.asarray(v, dtype=object if k in ("name", "chosen", "move", "by", "opponent", "opponent_move")
                              else float if "points" in k else np.int64) for k, v in cols.items()}

    def moves_csv(self) -> str:
        """:meth:`moves_table` as CSV (text cells protected from spreadsheets, ``sim/results/tables.py``)."""
        return format_rows(self.moves_table())

    def students_table(self) -> dict[str, np.ndarray]:
        """One row per student and game: total, cooperation, rounds the computer played, closest strategy."""
        cols: dict[str, list] = {k: [] for k in ("game", "student", "name", "opponent", "rounds", "total",
                                                 "cooperation", "computer_rounds", "closest", "agree")}
        with self.lock:
            for number, pairs in enumerate(self.games, start=1):
                for p in pairs:
                    for seat in (p.a, p.b):
                        if seat.student is None or not seat.moves:
                            continue
                        other = p.other(seat)
                        name, agree = seat.closest or closest(seat.chosen, other.moves, self.game)
                        for k, v in (("game", number), ("student", seat.student),
                                     ("name", self.students[seat.student].name),
                                     ("opponent", self._opponent_name(other)), ("rounds", len(seat.moves)),
                                     ("total", seat.total), ("cooperation", float(np.mean(seat.chosen))),
                                     ("computer_rounds", seat.by.count("computer")), ("closest", name),
                                     ("agree", agree)):
                            cols[k].append(v)
        order = np.lexsort((np.asarray(cols["student"]), np.asarray(cols["game"]))) if cols["game"] else []
        text = ("name", "opponent", "closest")
        return {k: np.asarray(v, dtype=object if k in text else float if k in ("total", "cooperation")
                              else np.int64)[order] for k, v in cols.items()}

    def students_csv(self) -> str:
        return format_rows(self.students_table())
