"""The Python API: load a scenario, simulate an ensemble, look at it as pandas tables, save it.

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml", set={"runs": 2000})
    ens = sim.simulate(scenario, seed=7)
    ens.runs        # pandas DataFrame, one row per run (NaN where something never happened)
    ens.summary     # the dict ``sim run`` writes as summary.json
    ens.bands       # pandas DataFrame of per-step bands (bands.csv)
    folder = ens.save("results")   # the folder ``sim run`` writes (figures=True: with its figures)
    sim.draw_figures(folder)       # its figures, drawn once (``sim figures FOLDER``)

``sim run`` streams chunks to disk (memory stays flat for millions of runs) and ``simulate``
keeps them in memory; both simulate the same chunks with the same code and write folders
through the same functions, so the tables they write are byte-for-byte the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .results.tables import never_to_nan
from .scenario.resolved import Scenario

__all__ = ["load_scenario", "simulate", "Ensemble", "open_results", "draw_figures", "never_to_nan"]


def _override_texts(set: Mapping[str, Any] | Sequence[str] | None) -> list[str]:
    from .scenario.grid import override_text

    if set is None:
        return []
    if isinstance(set, Mapping):
        return [override_text(str(path), value) for path, value in set.items()]
    if isinstance(set, str):
        return [set]
    return [str(s) for s in set]


def load_scenario(path: str | Path, set: Mapping[str, Any] | Sequence[str] | None = None,
                  override_posterior: bool = False) -> Scenario:
    """Read, validate and resolve a scenario file.

    ``set`` overrides values as ``sim run --set`` does: a mapping ``{"actors.US.noise": 0.1}`` or
    a list of ``"path=value"`` texts. Any problem raises :class:`sim.ScenarioError`, whose text
    names the file, line and key. Setting a parameter the scenario's calibration table names is
    refused unless ``override_posterior`` (docs/calibration.md).
    """
    from .scenario.load import load_scenario as _load

    return _load(path, _override_texts(set), override_posterior)


def _frame(cols: dict[str, np.ndarray]):
    import pandas as pd

    return pd.DataFrame({name: never_to_nan(name, v) for name, v in cols.items()})


@dataclass
class Ensemble:
    """An ensemble simulated in memory: its tables as pandas DataFrames, its summary, and ``save``."""

    scenario: Scenario
    seed: int
    n_runs: int
    design: str
    table: dict[str, np.ndarray] = field(repr=False)
    steps: Any = field(repr=False)
    trajectory_table: dict[str, np.ndarray] = field(repr=False)
    seconds: float = 0.0
    chunk_size: int = 2000
    keep_trajectories: bool = False

    @cached_property
    def runs(self):
        """One row per run: outcomes, per-track and per-actor results, every sampled parameter.

        ``break_step`` and ``first_fired.*`` are NaN for runs where it never happened.
        """
        return _frame(self.table)

    @cached_property
    def summary(self) -> dict:
        """The headline numbers, exactly as ``summary.json`` of the saved folder."""
        import json

        from .analysis.run_folder import run_summary
        from .analysis.stats import summary_columns

        header = list(self.table)
        cols = {c: never_to_nan(c, self.table[c]) for c in summary_columns(header) if c in self.table}
        # the same numbers as written and read back (JSON turns numpy scalars into plain ones)
        return json.loads(json.dumps(run_summary(self.scenario, self.seed, cols, header)))

    @cached_property
    def bands(self):
        """Per step: runs alive, channel open share, quantiles of ladder levels and trust (bands.csv)."""
        import pandas as pd

        from .analysis.bands import bands

        return pd.DataFrame(bands(self.scenario, self.steps))

    @cached_property
    def trajectories(self):
        """Per-step states of the first runs (all runs with ``keep_trajectories=True``), long format."""
        return _frame(self.trajectory_table)

    def headline(self) -> str:
        """The headline numbers as ``sim run`` prints them."""
        from .analysis.headline import headline

        return headline(self.summary, self.seconds)

    def __repr__(self) -> str:
        return f"<Ensemble {self.scenario.name}: {self.n_runs} runs, seed {self.seed}, design {self.design}>"

    def save(self, root: str | Path = "results", command: Sequence[str] | None = None, *,
             figures: bool = False) -> Path:
        """Write a new results folder ``root/<scenario>/<time>-seed<seed>-runs<runs>``; return its path.

        The folder is the one ``sim run`` writes (scenario.yaml, runs.csv, bands.csv, summary.json,
        report.html, manifest.json with checksums); it appears only when complete. Its figures are
        drawn with ``figures=True`` (``sim run --figures``), or later by :func:`draw_figures`.
        """
        from .results.manifest import run_meta
        from .workflow import save_tables

        command = list(command) if command is not None else ["sim.simulate(...).save()"]
        meta = run_meta(self.seed, self.n_runs, self.chunk_size, command, self.seconds,
                        executor="python-api", workers=1, design=self.design)
        return save_tables(self.scenario, Path(root), self.seed, self.n_runs, self.table, self.steps, meta,
                           self.trajectory_table, self.keep_trajectories, figures=figures)[0]


def _chunk(job):
    from .ensemble.runner import chunk_arrays

    return chunk_arrays(job)


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    parts = [p for p in parts if p]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}


def simulate(scenario: Scenario | str | Path, runs: int | None = None, seed: int | None = None, *,
             design: str = "random", chunk_size: int = 2000, workers: int | None = 1, executor=None,
             keep_trajectories: bool = False, sample_trajectories: int = 10,
             progress: bool = False, twins: tuple[str, ...] | None = None) -> Ensemble:
    """Simulate ``runs`` runs (default: the scenario's) of ``scenario`` from ``seed`` (default: the scenario's).

    ``design`` samples the uncertain parameters independently per run (``"random"``) or as one
    Latin hypercube over the ensemble (``"lhs"``, see ``sim/scenario/design.py``). ``workers``
    local processes (default 1: this process) or an ``executor`` run the chunks; the result is
    the same whatever the chunk size, workers or executor. ``twins`` names the twins to simulate
    beside each run (default: the pacified twin, as ``sim run``; ``()`` for none).
    """
    import time

    from .scenario.design import with_design
    from .ensemble.executors import make_executor
    from .ensemble.runner import ChunkJob, chunks
    from .results.steps import StepStats

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    if runs < 1 or chunk_size < 1:
        raise ValueError("runs and chunk_size must be at least 1")
    sampled = with_design(scenario, design, runs, seed)
    jobs = [ChunkJob(sampled, seed, ids, keep_trajectories, sample_trajectories, twins)
            for ids in chunks(runs, chunk_size)]
    own = executor is None
    executor = executor or make_executor(workers)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=runs, unit="run", desc=scenario.name, leave=False)
    started = time.perf_counter()
    tables, trajs, steps = [], [], StepStats.empty(scenario)
    try:
        for job, (table, stats, traj) in zip(jobs, executor.map(_chunk, jobs)):
            tables.append(table)
            trajs.append(traj)
            steps.add(stats)
            if bar is not None:
                bar.update(len(job.runs))
    finally:
        if bar is not None:
            bar.close()
        if own:
            executor.close()
    return Ensemble(sampled, seed, runs, design, _concat(tables), steps, _concat(trajs),
                    time.perf_counter() - started, chunk_size, keep_trajectories)


@dataclass
class Results:
    """A stored results folder read back: ``runs``, ``bands`` and ``summary`` as in an :class:`Ensemble`.

    For a sweep folder, ``runs`` is every point's runs in one table, with ``point`` and one
    ``vary.<path>`` column per varied parameter, and ``summary`` is the sweep table (sweep.csv)."""

    folder: Path

    @property
    def is_sweep(self) -> bool:
        return (self.folder / "sweep.json").is_file()

    @cached_property
    def runs(self):
        from .results.tables import read_frame

        if self.is_sweep:
            from .results.export import sweep_runs

            return sweep_runs(self.folder)
        return read_frame(self.folder / "runs.csv")

    @cached_property
    def bands(self):
        from .results.tables import read_frame

        return read_frame(self.folder / "bands.csv")

    @cached_property
    def summary(self):
        import json

        if self.is_sweep:
            from .results.tables import read_frame

            return read_frame(self.folder / "sweep.csv")
        return json.loads((self.folder / "summary.json").read_text())


def draw_figures(folder: str | Path, force: bool = False) -> list[Path]:
    """Draw the figures of a run, forecast or sweep folder once, as ``sim figures FOLDER`` does:
    PNG and SVG in ``figures/``, embedded in ``report.html``, added to ``manifest.json`` (``sim
    verify`` still passes). Already drawn: nothing is done (returns ``[]``) unless ``force``.
    Returns the files drawn; a :class:`sim.errors.UserError` when ``folder`` is no such folder."""
    from .results.folders import resolve_folder
    from .workflow import draw_figures as draw

    return draw(resolve_folder(folder), force)


def open_results(folder: str | Path) -> Results:
    """Read a run folder written by ``sim run`` or :meth:`Ensemble.save`, or a sweep folder."""
    from .errors import UserError

    folder = Path(folder)
    sweep = (folder / "sweep.json").is_file() and (folder / "sweep.csv").is_file()
    if not sweep and not ((folder / "runs.csv").is_file() and (folder / "summary.json").is_file()):
        raise UserError(f"{folder}: not a run or sweep results folder (no runs.csv and summary.json, no sweep.csv)")
    return Results(folder)
