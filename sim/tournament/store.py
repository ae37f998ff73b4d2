"""A tournament's results folder: CSV tables, a manifest, and figures drawn from the stored tables."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..results.folders import new_folder, timestamp
from ..results.manifest import write_manifest
from ..streams import generator
from .evolution import Shares, moran, replicator
from . import plots
from .results import TournamentResult

DPI = 200


def evolve(result: TournamentResult, kind: str, per_strategy: int = 10, generations: int = 50,
           replicates: int = 20) -> Shares:
    """Replicator dynamics from equal shares, or a Moran process from ``per_strategy`` of each type
    for ``generations`` x N steps (``replicates`` of them, seeded from the tournament's seed)."""
    M = result.payoff_matrix()
    if kind == "replicator":
        return replicator(M)
    n = len(M)
    rng = generator(result.spec.seed, "moran")  # apart from every repetition's streams
    return moran(M, np.full(n, per_strategy), generations * per_strategy * n, replicates, rng)


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for row in rows:
            w.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_tables(folder: Path, result: TournamentResult, shares: Shares) -> None:
    labels = result.labels
    _write_csv(folder / "ranking.csv", result.ranking())
    M = result.payoff_matrix()
    _write_csv(folder / "payoff_matrix.csv",
               [{"strategy": a, **{b: float(M[i, j]) for j, b in enumerate(labels)}} for i, a in enumerate(labels)])
    _write_csv(folder / "pairwise_totals.csv", result.pairwise_rows())
    S = result.scores()
    _write_csv(folder / "scores.csv",
               [{"repetition": r, **{a: float(S[r, i]) for i, a in enumerate(labels)}} for r in range(len(S))])
    _write_csv(folder / "population_shares.csv",
               [{"time": float(t), **{a: float(shares.shares[n, i]) for i, a in enumerate(labels)}}
                for n, t in enumerate(shares.times)])


def _save(ax, folder: Path, name: str) -> None:
    from ..figsave import savefig

    for ext in ("png", "svg"):
        savefig(ax.figure, folder / f"{name}.{ext}", dpi=DPI)


def write_figures(folder: Path, kind: str, replicates: int | None = None) -> None:
    """Heatmap, box plot and population shares, from the stored CSV tables only."""
    rows = _read_csv(folder / "payoff_matrix.csv")
    labels = [r["strategy"] for r in rows]
    M = np.array([[float(r[b]) for b in labels] for r in rows])
    _save(plots.payoff_heatmap(M, labels), folder, "heatmap")
    scores = np.array([[float(r[a]) for a in labels] for r in _read_csv(folder / "scores.csv")])
    _save(plots.score_boxplot(scores, labels), folder, "scores_boxplot")
    table = _read_csv(folder / "population_shares.csv")
    counts = np.zeros((replicates, 0, 0)) if replicates else None
    shares = Shares(np.array([float(r["time"]) for r in table]),
                    np.array([[float(r[a]) for a in labels] for r in table]), kind, counts)
    _save(plots.population_shares(shares, labels), folder, "population_shares")


def write_tournament(result: TournamentResult, out_root: Path, command: list[str],
                     kind: str = "replicator") -> tuple[Path, Shares]:
    """Write a new folder under ``out_root`` (``results/tournaments``); return it and the shares."""
    spec = result.spec
    shares = evolve(result, kind)
    stem = f"{timestamp()}-seed{spec.seed}-{len(spec.strategies)}strategies"
    with new_folder(Path(out_root), stem) as holder:
        folder = holder[0]
        write_tables(folder, result, shares)
        write_figures(folder, kind, shares.counts.shape[0] if shares.counts is not None else None)
        manifest = {
            "kind": "tournament", "command": command, "seed": spec.seed,
            "strategies": list(spec.labels), "game": spec.game_label,
            "payoffs": {"R": spec.game.R, "S": spec.game.S, "T": spec.game.T, "P": spec.game.P},
            "turns": spec.turns, "continuation": spec.continuation, "repetitions": spec.repetitions,
            "noise": spec.noise, "self_play": True, "match_lengths": [int(x) for x in result.lengths],
            "evolution": kind, "simulation_seconds": round(result.seconds, 4),
        }
        write_manifest(folder, manifest)
    return holder[0], shares

