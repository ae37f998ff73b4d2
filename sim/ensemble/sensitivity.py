"""Sobol sensitivity design: Saltelli samples of the uncertain parameters, a small ensemble at each.

The scenario's uncertain parameters are sampled on the unit cube with SALib's Saltelli/Sobol'
design (Saltelli 2002; Saltelli et al. 2010) and mapped to each parameter's own distribution by its
inverse CDF, so the indices are with respect to the distributions the scenario states. At every
sample the parameters are fixed and ``replicates`` runs are simulated, always run indices
``0..replicates-1`` from the same seed: the dynamics' random numbers are common to every sample,
so the estimated P(held) at a sample is a deterministic function of the parameters (the average
over a fixed set of random futures) and the Sobol estimators see no sampling noise from the runs.
All samples are simulated together in vectorised chunks. Results go to ``samples.csv``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..model.model import NegotiationModel
from ..scenario.resolved import Scenario

INSTALL_HINT = ("sensitivity analysis needs SALib: pip install 'SALib>=1.5' "
                "(or, in the project folder, pip install -e '.[sensitivity]')")
CHUNK_RUNS = 4000


def require_salib():
    """Import SALib or raise a one-line :class:`UserError` with the install command."""
    try:
        import SALib  # noqa: F401
        from SALib.sample import sobol
    except ImportError:
        raise UserError(INSTALL_HINT) from None
    return sobol


@dataclass(frozen=True)
class Preset:
    """A parameter whose per-run values are given (one per run of a chunk), ignoring the run's uniform."""

    values: np.ndarray
    uncertain = True

    def sample(self, u: np.ndarray) -> np.ndarray:
        if np.shape(u) != self.values.shape:
            raise ValueError("preset values do not match the runs of the chunk")
        return self.values.copy()

    def describe(self) -> str:
        return "preset per run"


def design(scenario: Scenario, samples: int, seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Parameter paths, the Saltelli design on [0, 1]^D, and its values in each parameter's distribution."""
    sobol = require_salib()
    paths = list(scenario.uncertain())
    if not paths:
        raise UserError(f"{scenario.name} has no uncertain parameters (none is written as a distribution)")
    problem = {"num_vars": len(paths), "names": paths, "bounds": [[0.0, 1.0]] * len(paths)}
    u = sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    u = np.clip(u, 1e-12, 1 - 1e-12)  # inverse CDFs of unbounded distributions at exactly 0 or 1
    x = np.column_stack([scenario.params[p].sample(u[:, j]) for j, p in enumerate(paths)])
    return paths, u, x


def _simulate(job: tuple[Scenario, int, np.ndarray, int]) -> dict[str, np.ndarray]:
    """Run ``replicates`` runs at each row of ``x``; return per-sample outcome shares."""
    scenario, seed, x, replicates = job
    paths = list(scenario.uncertain())
    params = dict(scenario.params)
    for j, p in enumerate(paths):
        params[p] = Preset(np.repeat(x[:, j], replicates))
    chunk = replace(scenario, params=params)
    ids = np.tile(np.arange(replicates), len(x))
    model = NegotiationModel(chunk, runs=ids, seed=seed, collect=False, grid=False).run()
    held = ~model.outcome.collapsed
    esc = model.outcome.escalated
    shape = (len(x), replicates)
    return {"p_held": held.reshape(shape).mean(axis=1),
            "p_held_and_escalated": (held & esc).reshape(shape).mean(axis=1),
            "p_escalated": esc.reshape(shape).mean(axis=1)}


def run_design(scenario: Scenario, x: np.ndarray, replicates: int, seed: int, executor=None) -> dict[str, np.ndarray]:
    """Outcome shares at every design row, simulated in chunks of about ``CHUNK_RUNS`` runs."""
    from .runner import check_memory
    from .executors import SerialExecutor

    executor = executor or SerialExecutor()
    per = max(1, CHUNK_RUNS // replicates)
    check_memory(scenario, len(x) * replicates, per * replicates, getattr(executor, "workers", 1))
    jobs = [(scenario, seed, x[a:a + per], replicates) for a in range(0, len(x), per)]
    parts = list(executor.map(_simulate, jobs))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def write_samples(folder: Path, scenario: Scenario, samples: int, replicates: int, seed: int,
                  executor=None) -> dict:
    """Sample, simulate and store ``samples.csv`` and ``design.json``; return the design description."""
    from ..results.tables import write_table

    started = time.perf_counter()
    paths, u, x = design(scenario, samples, seed)
    outcomes = run_design(scenario, x, replicates, seed, executor)
    cols = {"sample": np.arange(len(x))}
    cols.update({f"param.{p}": x[:, j] for j, p in enumerate(paths)})
    cols.update(outcomes)
    write_table(folder / "samples.csv", cols)
    info = {"method": "Sobol indices, Saltelli design (SALib sobol sample/analyze, no second order)",
            "parameters": paths,
            "distributions": {p: scenario.params[p].describe() for p in paths},
            "base_samples": samples, "design_rows": len(x), "replicates_per_row": replicates,
            "total_runs": len(x) * replicates, "seed": seed, "common_random_numbers": True,
            "simulation_seconds": round(time.perf_counter() - started, 3)}
    (folder / "design.json").write_text(json.dumps(info, indent=2) + "\n")
    return info
