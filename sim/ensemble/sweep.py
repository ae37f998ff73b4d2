"""Parameter sweeps: one ensemble per point of a grid, every point from the same seed.

Every point runs the same run indices from the same seed, so run ``r`` draws the same random
numbers at every point (common random numbers, see ``sim/streams.py``): differences between
points come from the varied values, not from sampling noise. All points are validated before
anything is simulated. Each point is one call of ``sim.workflow.run_point``, writing one sub-folder, so a
later ``--resume`` can skip points whose sub-folder is complete. Running a plan (simulate, store,
analyse) is :func:`sim.workflow.run_sweep`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..scenario.errors import Origin, ScenarioError
from ..scenario.load import from_source
from ..scenario.resolved import Scenario
from ..scenario.source import apply_overrides, read_source
from ..scenario.grid import Axis, expand_grid, override_text
from ..scenario.posterior import describe as describe_table


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
    for key, origin in list(src.overridden.items()):
        if origin == set_origin:
            src.overridden[key] = where


def plan_sweep(path: str | Path, vary: list[Axis] = (), overrides: list[str] = (),
               runs: int | None = None, seed: int | None = None, design: str = "random",
               levers: bool = False, override_posterior: bool = False) -> SweepPlan:
    """Load the scenario and validate every grid point; raise ScenarioError/ValueError before any run.

    Axes given in ``vary`` (the command line) add to, or replace, those of the ``sweep:`` section;
    ``levers`` adds one axis per lever of the scenario's ``levers:`` section. At every point the
    uncertain parameters are sampled by ``design`` (``random`` or ``lhs``, the same design at
    every point). A varied parameter that the scenario's calibration table names is refused unless
    ``override_posterior`` (sim/scenario/posterior.py); the base then records it in
    ``parameters.override``, so a resumed sweep rebuilds the same points.
    """
    src = read_source(path)
    src.override_posterior = bool(override_posterior)
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
        point_src.override_posterior = bool(override_posterior)
        apply_overrides(point_src, list(overrides))
        point_src.data.pop("sweep", None)
        for axis in axes_t:
            _apply(point_src, axis, values[axis.path])
        points.append(SweepPoint(i, values, from_source(point_src)))
    if base.posterior is not None:  # the base records every column a point sets after the table
        from ..scenario.posterior import claim_in

        base = claim_in(base, {p for pt in points for p in pt.scenario.posterior.overridden}, "", allow=True)
    sweep_runs = int(runs or (base.sweep.runs if base.sweep is not None and base.sweep.runs else base.runs))
    seed = base.seed if seed is None else int(seed)
    if design != "random":
        from ..scenario.design import with_design

        points = [SweepPoint(p.index, p.values, with_design(p.scenario, design, sweep_runs, seed)) for p in points]
    return SweepPlan(base, axes_t, tuple(points), sweep_runs, seed, design)


def point_done(folder: Path, point: SweepPoint) -> bool:
    """A point is done when its folder is complete (renamed into place, with its manifest)."""
    return (Path(folder) / point.name / "manifest.json").is_file()


def describe(plan: SweepPlan, command: list[str]) -> dict:
    return {
        "scenario": plan.base.name, "title": plan.base.title, "question": plan.base.question,
        "seed": plan.seed, "runs": plan.runs, "command": command,
        "common_random_numbers": True, "design": plan.design,
        "axes": [{"path": a.path, "values": list(a.values), "given": str(a.origin)} for a in plan.axes],
        "points": [{"name": p.name, "values": p.values} for p in plan.points],
        **({"calibration_table": describe_table(plan.base)} if plan.base.posterior is not None else {}),
    }


def manifest_written(folder: Path) -> bool:
    """Whether a sweep folder got as far as its manifest (it then only lacks its final rename)."""
    try:
        return "files" in json.loads((Path(folder) / "manifest.json").read_text())
    except (OSError, ValueError, TypeError):
        return False
