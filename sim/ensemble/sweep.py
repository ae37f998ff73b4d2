"""Parameter sweeps: one ensemble per point of a grid, every point from the same seed.

Every point runs the same run indices from the same seed, so run ``r`` draws the same random
numbers at every point (common random numbers, see ``sim/streams.py``): differences between
points come from the varied values, not from sampling noise. All points are validated before
anything is simulated. Each point is one call of :func:`run_point`, writing one sub-folder, so a
later ``--resume`` can skip points whose sub-folder is complete.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..budget import check as check_memory
from ..paths import folder_lock, results_dir
from ..scenario.errors import Origin, ScenarioError
from ..scenario.load import from_source
from ..scenario.resolved import Scenario
from ..scenario.source import apply_overrides, read_source
from .grid import Axis, expand_grid, override_text
from .store import new_folder, resumable_folder, simulate_to_folder, timestamp


@dataclass(frozen=True)
class SweepPoint:
    index: int
    values: dict[str, Any]
    scenario: Scenario

    @property
    def name(self) -> str:
        return f"point-{self.index:03d}"


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the base scenario, the axes and every point's scenario."""

    base: Scenario
    axes: tuple[Axis, ...]
    points: tuple[SweepPoint, ...]
    runs: int
    seed: int
    design: str = "random"


def file_axes(scenario: Scenario, src) -> list[Axis]:
    """The axes of a scenario's ``sweep:`` section, each remembering its file and line."""
    if scenario.sweep is None:
        return []
    return [Axis(path, tuple(values), src.origin(("sweep", "vary", path)))
            for path, values in scenario.sweep.vary.items()]


def _apply(src, axis: Axis, value: Any) -> None:
    """Set one varied value; errors (now or at validation) point at where the axis was given."""
    text = override_text(axis.path, value)
    where = axis.origin if isinstance(axis.origin, Origin) else Origin(str(axis.origin))
    try:
        apply_overrides(src, [text])
    except ScenarioError as exc:
        raise ScenarioError(f"{exc.message} (value {value!r})", where, exc.path) from None
    set_origin = Origin(f"--set {text}")
    for path, origin in list(src.origins.items()):
        if origin == set_origin:
            src.origins[path] = where


def plan_sweep(path: str | Path, vary: list[Axis] = (), overrides: list[str] = (),
               runs: int | None = None, seed: int | None = None, design: str = "random",
               levers: bool = False) -> SweepPlan:
    """Load the scenario and validate every grid point; raise ScenarioError/ValueError before any run.

    Axes given in ``vary`` (the command line) add to, or replace, those of the ``sweep:`` section;
    ``levers`` adds one axis per lever of the scenario's ``levers:`` section. At every point the
    uncertain parameters are sampled by ``design`` (``random`` or ``lhs``, the same design at
    every point).
    """
    src = read_source(path)
    apply_overrides(src, list(overrides))
    base = from_source(src)
    axes = {a.path: a for a in file_axes(base, src)}
    if levers:
        from ..scenario.levers import lever_axes

        axes.update({a.path: a for a in lever_axes(base)})
    axes.update({a.path: a for a in vary})
    if not axes:
        raise ValueError("nothing to vary: give --vary PATH=v1,v2,... or a `sweep:` section in the scenario")
    axes_t = tuple(axes.values())
    points = []
    for i, values in enumerate(expand_grid(list(axes_t)), start=1):
        point_src = read_source(path)
        apply_overrides(point_src, list(overrides))
        point_src.data.pop("sweep", None)
        for axis in axes_t:
            _apply(point_src, axis, values[axis.path])
        points.append(SweepPoint(i, values, from_source(point_src)))
    sweep_runs = int(runs or (base.sweep.runs if base.sweep is not None and base.sweep.runs else base.runs))
    seed = base.seed if seed is None else int(seed)
    if design != "random":
        from .design import with_design

        points = [SweepPoint(p.index, p.values, with_design(p.scenario, design, sweep_runs, seed)) for p in points]
    return SweepPlan(base, axes_t, tuple(points), sweep_runs, seed, design)


def run_point(point: SweepPoint, folder: Path, runs: int, seed: int, command: list[str],
              executor=None, chunk_size: int = 2000) -> Path:
    """Simulate one point, streaming into its run folder ``folder/point-NNN`` (atomically)."""
    with new_folder(folder, point.name) as holder:
        simulate_to_folder(point.scenario, holder[0], command, runs=runs, seed=seed,
                           chunk_size=chunk_size, executor=executor)
    return holder[0]


def point_done(folder: Path, point: SweepPoint) -> bool:
    """A point is done when its folder is complete (renamed into place, with its manifest)."""
    return (Path(folder) / point.name / "manifest.json").is_file()


def _describe(plan: SweepPlan, command: list[str]) -> dict:
    return {
        "scenario": plan.base.name, "title": plan.base.title, "question": plan.base.question,
        "seed": plan.seed, "runs": plan.runs, "command": command,
        "common_random_numbers": True, "design": plan.design,
        "axes": [{"path": a.path, "values": list(a.values), "given": str(a.origin)} for a in plan.axes],
        "points": [{"name": p.name, "values": p.values} for p in plan.points],
    }


def run_sweep(plan: SweepPlan, out_root: Path, command: list[str], executor=None, chunk_size: int = 2000,
              on_point: Callable[[SweepPoint, Path], None] | None = None) -> Path:
    """Run every point of ``plan`` into one new sweep folder; return the folder.

    The folder holds ``scenario.yaml`` (the base, with its ``sweep:`` section), ``sweep.json``
    (axes and points), one run folder per point, ``sweep.csv``, ``figures/``, ``report.html`` and
    ``manifest.json``. It is built as ``<name>.incomplete`` and renamed when complete; if the sweep
    is interrupted that folder stays, and :func:`resume_sweep` finishes it.
    """
    stem = f"sweep-{timestamp()}-seed{plan.seed}-runs{plan.runs}"
    for point in plan.points:  # every point fits in memory, before any folder is made
        check_memory(point.scenario, plan.runs, chunk_size, getattr(executor, "workers", 1))
    with resumable_folder(results_dir(out_root, plan.base.name), stem) as holder:
        folder = holder[0]
        data = dict(plan.base.data)
        data["sweep"] = {"vary": {a.path: list(a.values) for a in plan.axes}, "runs": plan.runs}
        with open(folder / "scenario.yaml", "w", encoding="utf-8") as f:
            f.write(f"# {plan.base.name}: base scenario of the sweep (after extends and --set)\n")
            yaml.safe_dump({**data, "name": plan.base.name, "seed": plan.seed}, f, sort_keys=False,
                           allow_unicode=True)
        (folder / "sweep.json").write_text(json.dumps(_describe(plan, command), indent=2, default=str) + "\n")
        _finish(plan, folder, command, executor, chunk_size, on_point)
    return holder[0]


def resume_sweep(folder: Path, command: list[str], executor=None, chunk_size: int = 2000,
                 on_point: Callable[[SweepPoint, Path], None] | None = None) -> tuple[Path, int]:
    """Finish an interrupted sweep folder, redoing only unfinished points; return it and the count redone.

    The plan is rebuilt from the folder's own ``scenario.yaml`` (base scenario, axes, runs and
    seed), so the finished sweep is identical to one that was never interrupted.
    """
    from ..errors import UserError
    from .store import INCOMPLETE_SUFFIX, complete

    folder = Path(folder)
    if not (folder / "sweep.json").is_file() or not (folder / "scenario.yaml").is_file():
        raise UserError(f"{folder}: not a sweep folder (no sweep.json and scenario.yaml)")
    if not folder.name.endswith(INCOMPLETE_SUFFIX):
        raise UserError(f"{folder}: this sweep is already complete")
    with folder_lock(folder, "this sweep"):  # a second resume of the same folder fails at once
        if _manifest_written(folder):  # interrupted between its manifest and its rename
            return complete(folder), 0
        return _resume_locked(folder, command, executor, chunk_size, on_point)


def _manifest_written(folder: Path) -> bool:
    try:
        return "files" in json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError, TypeError):
        return False


def _resume_locked(folder: Path, command: list[str], executor, chunk_size: int, on_point) -> tuple[Path, int]:
    from ..errors import UserError
    from .store import complete

    stored = json.loads((folder / "sweep.json").read_text())
    plan = plan_sweep(folder / "scenario.yaml", design=stored.get("design", "random"))
    if [p["name"] for p in stored["points"]] != [p.name for p in plan.points]:
        raise UserError(f"{folder}: sweep.json and scenario.yaml disagree about the points")
    for leftover in folder.glob(".partial-*"):  # a point that was being written when interrupted
        import shutil

        shutil.rmtree(leftover, ignore_errors=True)
    todo = sum(not point_done(folder, p) for p in plan.points)
    _finish(plan, folder, stored["command"], executor, chunk_size, on_point)
    return complete(folder), todo


def _finish(plan: SweepPlan, folder: Path, command: list[str], executor, chunk_size: int, on_point) -> None:
    """Run the points not yet done, then the sweep table, figures, report and manifest."""
    import datetime as dt
    import time

    from ..analysis.report import write_manifest, write_table_report
    from ..analysis.sweep import write_sweep_outputs

    started, clock = dt.datetime.now(dt.timezone.utc), time.perf_counter()
    for point in plan.points:
        if point_done(folder, point):
            continue
        done = run_point(point, folder, plan.runs, plan.seed, command, executor, chunk_size)
        if on_point is not None:
            on_point(point, done)
    write_sweep_outputs(folder)
    manifest = {"kind": "sweep", "scenario": plan.base.name, "scenario_file": plan.base.file,
                "seed": plan.seed, "runs_per_point": plan.runs, "points": len(plan.points),
                "varied": [a.path for a in plan.axes], "command": command,
                "started_utc": started.isoformat(timespec="seconds"),
                "total_seconds": round(time.perf_counter() - clock, 3)}
    from ..analysis.labels import param_label

    varied = ", ".join(param_label(a.path, plan.base) for a in plan.axes)
    write_table_report(folder, f"{plan.base.title or plan.base.name}: sweep over {varied}",
                       plan.base.question,
                       f"{len(plan.points)} points, {plan.runs} runs each, all from seed {plan.seed} "
                       "(common random numbers: run r draws the same random numbers at every point). "
                       "Intervals are Wilson 95% score intervals.", "sweep.csv", manifest)
    write_manifest(folder, manifest)
