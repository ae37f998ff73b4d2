"""A tournament's results: per-repetition totals, the payoff matrix and the ranking.

Scores are per turn (a total divided by the match length of its repetition). An entrant's score in
a repetition is its mean per-turn score over all opponents, its own twin included (self-play counts,
as in Axelrod's 1980 tournament; the Axelrod library plays self-interactions too but leaves them
out of its ranking). The ranking is by the mean of that score over repetitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .play import play
from .spec import TournamentSpec


@dataclass(frozen=True)
class TournamentResult:
    """``totals[r, k, s]``: total payoff of side s (0: entrant i, 1: entrant j) of pairing k = (i, j) in repetition r."""

    spec: TournamentSpec
    totals: np.ndarray
    lengths: np.ndarray
    seconds: float = 0.0

    @property
    def labels(self) -> tuple[str, ...]:
        return self.spec.labels

    def per_turn_matrix(self) -> np.ndarray:
        """``M[r, i, j]``: i's score per turn against j in repetition r (self-play: mean of the two twins)."""
        n = len(self.labels)
        per_turn = self.totals / self.lengths[:, None, None]
        M = np.zeros((len(self.lengths), n, n))
        for k, (i, j) in enumerate(self.spec.pairings):
            if i == j:
                M[:, i, i] = per_turn[:, k].mean(axis=1)
            else:
                M[:, i, j], M[:, j, i] = per_turn[:, k, 0], per_turn[:, k, 1]
        return M

    def payoff_matrix(self) -> np.ndarray:
        """Mean over repetitions of the score per turn of row against column."""
        return self.per_turn_matrix().mean(axis=0)

    def scores(self) -> np.ndarray:
        """``scores[r, i]``: entrant i's mean score per turn over all its opponents (twin included)."""
        return self.per_turn_matrix().mean(axis=2)

    def ranking(self) -> list[dict]:
        """Rows sorted by mean score per turn (best first): rank, strategy, mean, sd, min, median, max."""
        s = self.scores()
        reps = s.shape[0]
        rows = []
        for i, label in enumerate(self.labels):
            x = s[:, i]
            rows.append({"strategy": label, "mean": float(x.mean()),
                         "sd": float(x.std(ddof=1)) if reps > 1 else 0.0,
                         "min": float(x.min()), "median": float(np.median(x)), "max": float(x.max())})
        rows.sort(key=lambda row: -row["mean"])
        return [{"rank": n + 1, **row} for n, row in enumerate(rows)]

    def pairwise_rows(self) -> list[dict]:
        """One row per repetition and pairing: both entrants, both totals, the turns played."""
        rows = []
        for r in range(len(self.lengths)):
            for k, (i, j) in enumerate(self.spec.pairings):
                rows.append({"repetition": r, "strategy": self.labels[i], "opponent": self.labels[j],
                             "turns": int(self.lengths[r]), "total": float(self.totals[r, k, 0]),
                             "opponent_total": float(self.totals[r, k, 1])})
        return rows

    def totals_of(self, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
        """Totals over repetitions of ``a`` against ``b`` and of ``b`` against ``a`` (labels)."""
        i, j = self.labels.index(a), self.labels.index(b)
        k = self.spec.pairings.index((min(i, j), max(i, j)))
        first, second = self.totals[:, k, 0], self.totals[:, k, 1]
        return (first, second) if i <= j else (second, first)


def run_tournament(spec: TournamentSpec) -> TournamentResult:
    """Play ``spec`` and return its results."""
    import time

    start = time.perf_counter()
    totals, lengths = play(spec)
    return TournamentResult(spec, totals, lengths, time.perf_counter() - start)


def format_ranking(rows: list[dict]) -> str:
    """The ranking as an aligned text table."""
    width = max(len("strategy"), *(len(r["strategy"]) for r in rows))
    head = f"{'rank':>4}  {'strategy':<{width}}  {'mean/turn':>9}  {'sd':>6}  {'min':>6}  {'max':>6}"
    lines = [head]
    for r in rows:
        lines.append(f"{r['rank']:>4}  {r['strategy']:<{width}}  {r['mean']:>9.4f}  {r['sd']:>6.4f}  "
                     f"{r['min']:>6.4f}  {r['max']:>6.4f}")
    return "\n".join(lines)
