"""Sampling designs for a scenario's uncertain parameters: independent random draws or a Latin hypercube.

``random`` (the default): run ``r`` samples each uncertain parameter from its own uniform number,
drawn from ``(seed, r)`` alone (see ``sim/streams.py``).

``lhs``: the uncertain parameters of an ensemble of ``N`` runs form one Latin hypercube of ``N``
rows (``scipy.stats.qmc.LatinHypercube``, seeded from ``seed`` alone): every parameter's range of
quantiles is cut into ``N`` equal strata and each stratum is used by exactly one run. Run ``r``
takes row ``r`` and maps it through each parameter's inverse CDF. A Latin hypercube couples the
runs, so under ``lhs`` run ``r``'s parameters depend on ``(scenario, seed, r, N)``: the design is
fixed by the seed and the number of runs, and is the same whatever the chunking or the number of
processes (each chunk reads its own rows of the same design). Run ``r``'s dynamics (moves,
noise, events) still come from ``(seed, r)`` alone. Unlike ``random``, the first ``n`` runs of an
``N``-run LHS ensemble are not an ``n``-run LHS ensemble: change ``runs`` and the design changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from ..streams import generator
from .params import Dist, Param
from .resolved import Scenario

DESIGNS = ("random", "lhs")


@lru_cache(maxsize=4)
def latin_hypercube(seed: int, runs: int, dims: int) -> np.ndarray:
    """The ``runs x dims`` Latin hypercube on (0, 1) of a seed (computed once per process)."""
    from scipy.stats import qmc

    rng = generator(seed, "design")
    try:
        sampler = qmc.LatinHypercube(d=dims, rng=rng)
    except TypeError:  # scipy < 1.15 names the generator `seed`
        sampler = qmc.LatinHypercube(d=dims, seed=rng)
    u = sampler.random(runs)
    u = np.clip(u, 1e-12, 1 - 1e-12)  # inverse CDFs of unbounded distributions at exactly 0 or 1
    u.setflags(write=False)
    return u


@dataclass(frozen=True)
class LatinParam:
    """An uncertain parameter sampled from column ``column`` of the ensemble's Latin hypercube."""

    dist: Dist
    seed: int
    runs: int
    dims: int
    column: int

    uncertain = True

    @property
    def kind(self) -> str:
        return self.dist.kind

    @property
    def args(self) -> tuple:
        return self.dist.args

    @property
    def range(self):
        return self.dist.range

    def sample(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - draws.py calls sample_runs
        raise RuntimeError("a Latin hypercube parameter is sampled by run index (sample_runs)")

    def sample_runs(self, u: np.ndarray, runs: np.ndarray) -> np.ndarray:
        runs = np.asarray(runs, dtype=np.int64)
        if len(runs) and (runs.min() < 0 or runs.max() >= self.runs):
            raise ValueError(f"run {int(runs.max())} is outside the {self.runs}-run Latin hypercube")
        design = latin_hypercube(self.seed, self.runs, self.dims)
        return self.dist.sample(design[runs, self.column])

    def describe(self) -> str:
        return self.dist.describe()

    def to_yaml(self):
        return self.dist.to_yaml()


def with_design(scenario: Scenario, design: str, runs: int, seed: int) -> Scenario:
    """``scenario`` with its uncertain parameters sampled by ``design`` over ``runs`` runs from ``seed``."""
    if design not in DESIGNS:
        raise ValueError(f"unknown design '{design}': expected one of {', '.join(DESIGNS)}")
    if design == "random":
        return scenario
    paths = [p for p, v in scenario.params.items() if isinstance(v, Dist)]
    if not paths:
        return scenario
    params: dict[str, Param] = dict(scenario.params)
    for j, p in enumerate(paths):
        params[p] = LatinParam(scenario.params[p], int(seed), int(runs), len(paths), j)
    return replace(scenario, params=params)


def without_design(scenario: Scenario) -> Scenario:
    """``scenario`` with its uncertain parameters back to independent sampling (for analyses that
    draw their own samples of the distributions, such as the theory panel)."""
    if not any(isinstance(v, LatinParam) for v in scenario.params.values()):
        return scenario
    params = {p: v.dist if isinstance(v, LatinParam) else v for p, v in scenario.params.items()}
    return replace(scenario, params=params)


def design_of(scenario: Scenario) -> str:
    """The design a scenario's uncertain parameters are sampled with."""
    return "lhs" if any(isinstance(v, LatinParam) for v in scenario.params.values()) else "random"
