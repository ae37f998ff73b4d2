"""What a tournament is: named strategies (with parameters), a game, match length, noise, seed.

Parsing and validation happen here, once; everything after receives a frozen
:class:`TournamentSpec`. Bad input raises :class:`~sim.errors.UserError` with one line and, for a
misspelt name, the nearest valid one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import UserError
from ..games import PRESETS, Payoffs
from ..scenario.errors import suggest
from ..strategies import COMMON_PARAMS, REGISTRY

#: The eight strategies of issue 3, in the order the tests and the README use.
DEFAULT_STRATEGIES = (
    "always_cooperate", "always_defect", "tit_for_tat", "grim_trigger",
    "win_stay_lose_shift", "generous_tit_for_tat", "tit_for_two_tats", "random",
)

#: A run with continuation w is capped at the first length L with w**L < this (when turns is not given).
TAIL = 1e-6
#: Most uniforms a tournament may draw (8 bytes each): a guard against a cap that eats the memory.
MAX_UNIFORMS = 50_000_000


@dataclass(frozen=True)
class Entry:
    """One entrant: a registered strategy name and its parameters (``noise`` overrides the match noise)."""

    name: str
    params: tuple[tuple[str, float], ...] = ()

    @property
    def label(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name}(" + ",".join(f"{k}={v:g}" for k, v in self.params) + ")"

    @property
    def stochastic(self) -> bool:
        """Draws random numbers even without noise (``random``, ``generous_tit_for_tat``)."""
        return REGISTRY[self.name].stochastic

    def scenario_entry(self) -> str | dict:
        return {"name": self.name, **dict(self.params)} if self.params else self.name


def parse_entry(text: str) -> Entry:
    """``name`` or ``name:param=value[:param=value]``, e.g. ``generous_tit_for_tat:generosity=0.1``."""
    name, *rest = text.strip().split(":")
    if name not in REGISTRY:
        raise UserError(f"unknown strategy '{name}'{suggest(name, REGISTRY)} (see `sim strategies`)")
    allowed = {**REGISTRY[name].params, "noise": COMMON_PARAMS["noise"]}
    params: dict[str, float] = {}
    for item in rest:
        key, eq, value = item.partition("=")
        if key not in allowed:
            hint = suggest(key, allowed) or f" (parameters: {', '.join(sorted(allowed))})"
            raise UserError(f"strategy '{name}': unknown parameter '{key}'{hint}")
        try:
            x = float(value) if eq else math.nan
        except ValueError:
            x = math.nan
        if math.isnan(x) or not allowed[key].range.contains(x):
            raise UserError(f"strategy '{name}': {key}={value!r}: expected {allowed[key].range}")
        params[key] = x
    return Entry(name, tuple(sorted(params.items())))


def parse_strategies(text: str | list[str] | tuple[str, ...]) -> tuple[Entry, ...]:
    """A comma-separated list (or a list) of entries; at least one, no entry twice."""
    items = [s for s in (text.split(",") if isinstance(text, str) else text) if str(s).strip()]
    if not items:
        raise UserError("no strategies given")
    entries = tuple(e if isinstance(e, Entry) else parse_entry(str(e)) for e in items)
    seen: set[str] = set()
    for e in entries:
        if e.label in seen:
            raise UserError(f"strategy '{e.label}' is listed twice")
        seen.add(e.label)
    return entries


def parse_game(text: str | Payoffs) -> tuple[str, Payoffs]:
    """A preset name (``prisoners_dilemma``) or four numbers ``R,S,T,P``; returns (label, payoffs)."""
    if isinstance(text, Payoffs):
        return f"R={text.R:g},S={text.S:g},T={text.T:g},P={text.P:g}", text
    text = text.strip()
    if text in PRESETS:
        return text, PRESETS[text]
    parts = text.split(",")
    if len(parts) == 4:
        try:
            R, S, T, P = (float(x) for x in parts)
        except ValueError:
            pass
        else:
            if all(math.isfinite(x) for x in (R, S, T, P)):
                return f"R={R:g},S={S:g},T={T:g},P={P:g}", Payoffs(R, S, T, P)
    raise UserError(f"unknown game '{text}'{suggest(text, PRESETS)}: expected a preset "
                    f"({', '.join(PRESETS)}) or four numbers R,S,T,P")


@dataclass(frozen=True)
class TournamentSpec:
    """A round robin: every entrant meets every other and its own twin (self-play, as in Axelrod 1980).

    ``turns`` is the match length; with ``continuation`` w, matches of one repetition all last the
    same geometric number of turns (at least 1, capped at ``turns``), as in Axelrod's second
    tournament. ``noise`` flips each intended move with that probability.
    """

    strategies: tuple[Entry, ...]
    game: Payoffs = PRESETS["prisoners_dilemma"]
    game_label: str = "prisoners_dilemma"
    turns: int = 200
    repetitions: int = 5
    noise: float = 0.0
    continuation: float | None = None
    seed: int = 0
    labels: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "labels", tuple(e.label for e in self.strategies))

    @property
    def pairings(self) -> list[tuple[int, int]]:
        """(i, j) with i <= j: each unordered pair once, self-play included."""
        n = len(self.strategies)
        return [(i, j) for i in range(n) for j in range(i, n)]


def make_spec(strategies=DEFAULT_STRATEGIES, game="prisoners_dilemma", turns: int | None = None,
              repetitions: int = 5, noise: float = 0.0, continuation: float | None = None,
              seed: int = 0) -> TournamentSpec:
    """Validate user-level inputs into a :class:`TournamentSpec`.

    Without ``turns``: 200 turns, or with ``continuation`` w a cap where w**cap < 1e-6.
    """
    entries = parse_strategies(strategies)
    label, payoffs = parse_game(game)
    if not 0.0 <= noise <= 1.0:
        raise UserError(f"--noise {noise:g}: expected a number in [0, 1]")
    if continuation is not None and not 0.0 < continuation < 1.0:
        raise UserError(f"--continuation {continuation:g}: expected a number in (0, 1)")
    if turns is None:
        turns = 200 if continuation is None else max(1, math.ceil(math.log(TAIL) / math.log(continuation)))
    if turns < 1 or repetitions < 1:
        raise UserError("turns and repetitions must be >= 1")
    if seed < 0:
        raise UserError(f"--seed {seed}: expected a seed >= 0")
    n = len(entries)
    cells = turns * (1 + 2 * n * (n + 1)) * repetitions  # the engine draws every uniform up front
    if cells > MAX_UNIFORMS:
        raise UserError(f"{n} strategies x {turns} turns x {repetitions} repetitions needs "
                        f"{cells * 8 / 2**20:.0f} MiB of random numbers up front: use fewer turns "
                        f"(a --turns cap with --continuation) or repetitions")
    return TournamentSpec(entries, payoffs, label, int(turns), int(repetitions), float(noise),
                          continuation, int(seed))
