"""Evolutionary views of a tournament: replicator dynamics and the Moran process.

Both read only the payoff matrix ``M[i, j]`` (row's mean score per turn against column), so they
work on any tournament's results. Randomness comes from one numpy Generator made by
:func:`generator`; no global random state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from .. import streams
from ..errors import UserError


def generator(seed: int | np.random.SeedSequence | np.random.Generator | None) -> np.random.Generator:
    """One numpy Generator from a seed or a SeedSequence (the ``evolution`` stream of ``sim/streams.py``),
    or a Generator (returned as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return streams.generator(seed, "evolution")


@dataclass(frozen=True)
class Shares:
    """Population shares over time: ``shares[t, i]`` at ``times[t]``; for the Moran process also
    each replicate's counts ``counts[replicate, t, i]`` and the replicates' fixation times."""

    times: np.ndarray
    shares: np.ndarray
    kind: str
    counts: np.ndarray | None = None


def _start(n: int, start) -> np.ndarray:
    x = np.full(n, 1.0 / n) if start is None else np.asarray(start, dtype=float)
    if x.shape != (n,) or (x < 0).any() or x.sum() <= 0:
        raise UserError(f"initial shares must be {n} non-negative numbers with a positive sum")
    return x / x.sum()


def replicator(M: np.ndarray, start=None, until: float = 100.0, points: int = 201) -> Shares:
    """Continuous-time replicator dynamics dx_i/dt = x_i ((M x)_i - x.M x) (Taylor and Jonker 1978).

    Deterministic. ``start``: initial shares (default equal). The total share is conserved by the
    equation; the solver keeps it to about 1e-9.
    """
    M = np.asarray(M, dtype=float)
    x0 = _start(len(M), start)

    def rhs(_t, x):
        f = M @ x
        return x * (f - x @ f)

    times = np.linspace(0.0, until, points)
    sol = solve_ivp(rhs, (0.0, until), x0, t_eval=times, method="LSODA", rtol=1e-10, atol=1e-12)
    # the solver's round-off can dip a vanishing share a hair (~1e-17) below 0
    return Shares(times, np.clip(sol.y.T, 0.0, None), "replicator")


def moran(M: np.ndarray, counts, steps: int, replicates: int = 1, seed=0, intensity: float = 1.0) -> Shares:
    """Moran process of a finite population of N = sum(counts) (Moran 1958; Nowak 2006, ch. 6).

    Each step one individual reproduces, chosen with probability proportional to its fitness
    ``1 - w + w * payoff`` (``w`` = ``intensity``; payoff = mean of ``M`` against the other N-1
    individuals), and its offspring replaces one individual chosen uniformly at random (possibly
    the parent). A population of one type stays so. ``replicates`` independent processes are run
    together from one Generator; ``shares`` is their mean.
    """
    M = np.asarray(M, dtype=float)
    c0 = np.asarray(counts, dtype=np.int64)
    N, n = int(c0.sum()), len(M)
    if c0.shape != (n,) or (c0 < 0).any() or N < 2:
        raise UserError(f"population counts must be {n} non-negative whole numbers summing to >= 2")
    if not 0.0 <= intensity <= 1.0:
        raise UserError(f"selection intensity {intensity:g}: expected a number in [0, 1]")
    if (1.0 - intensity + intensity * M).min() < 0:
        raise UserError("negative fitness: use a smaller selection intensity for a game with negative payoffs")
    rng = generator(seed)
    c = np.repeat(c0[None, :], replicates, axis=0)
    out = np.empty((replicates, steps + 1, n), dtype=np.int64)
    out[:, 0] = c
    rows = np.arange(replicates)
    for t in range(1, steps + 1):
        payoff = (c @ M.T - np.diag(M)[None, :]) / (N - 1)   # against the N-1 others
        weight = c * (1.0 - intensity + intensity * payoff)
        total = weight.sum(axis=1, keepdims=True)
        weight = np.where(total > 0, weight / np.where(total > 0, total, 1.0), c / N)
        u = rng.random((replicates, 2))
        born = np.minimum((u[:, :1] >= np.cumsum(weight, axis=1)).sum(axis=1), n - 1)
        died = np.minimum((u[:, 1:] * N >= np.cumsum(c, axis=1)).sum(axis=1), n - 1)
        c = c.copy()
        c[rows, born] += 1
        c[rows, died] -= 1
        out[:, t] = c
    return Shares(np.arange(steps + 1, dtype=float), out.mean(axis=0) / N, "moran", out)


def fixation(counts: np.ndarray) -> np.ndarray:
    """Per replicate, the type that took over the whole population by the end (-1: not fixed)."""
    final = counts[:, -1]
    fixed = (final == final.sum(axis=1, keepdims=True))
    return np.where(fixed.any(axis=1), fixed.argmax(axis=1), -1)
