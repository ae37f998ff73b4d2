"""``levers:``: the policy choices an analyst controls, kept apart from the uncertainties.

A lever names one numeric parameter of the scenario (a dotted path, as in ``--set``) and the
options for it: a list of ``values`` or a ``range: [lo, hi]``. The parameter itself stays a plain
number in the scenario (the choice a single ``sim run`` makes); ``sim sweep --levers`` and the EMA
Workbench adapter (``sim.ema``) vary it over the options. An uncertain parameter (a distribution)
cannot be a lever: it is something the analyst does not control.

    levers:
      us_linkage:
        path: actors.US.strategies.frontier_safety.linkage
        range: [0, 0.8]
        label: US links the safety channel to the rivalry
      retaliation:
        path: events.1.probability
        values: [0.05, 0.1, 0.2]
        label: Chance of retaliation after an incident
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .errors import Origin, ScenarioError, suggest
from .spec import Spec

#: points of a ``range:`` lever in a sweep over levers
RANGE_POINTS = 5


class LeverSpec(Spec):
    """One lever: ``{path: PATH, values: [v1, v2, ...] | range: [lo, hi], label: TEXT}``."""

    path: str
    values: Annotated[list[float], Field(min_length=1)] | None = None
    range: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    label: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> LeverSpec:
        if (self.values is None) == (self.range is None):
            raise PydanticCustomError("lever", "a lever has `values: [v1, v2, ...]` or `range: [lo, hi]` (one of them)")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise PydanticCustomError("lever", "range [lo, hi] needs lo < hi, got {got}", {"got": self.range})
        if not all(math.isfinite(v) for v in (self.values or self.range)):
            raise PydanticCustomError("lever", "lever options must be finite numbers")
        return self


@dataclass(frozen=True)
class Lever:
    """A resolved lever: the parameter path it sets and its options."""

    name: str
    path: str
    values: tuple[float, ...] | None
    range: tuple[float, float] | None
    label: str
    origin: Origin | None = None

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def grid(self, points: int = RANGE_POINTS) -> tuple[float, ...]:
        """The options a sweep tries: the values, or ``points`` evenly spaced over the range."""
        if self.values is not None:
            return self.values
        lo, hi = self.range
        return tuple(float(round(lo + (hi - lo) * i / (points - 1), 12)) for i in range(points))


def resolve_levers(src, spec, scenario):
    """Check every lever against the resolved scenario; return the scenario with its ``levers``."""
    from dataclasses import replace

    levers = []
    for name, lv in (getattr(spec, "levers", None) or {}).items():
        base = ("levers", name)
        where = base + ("path",)
        if lv.path not in scenario.params:
            raise ScenarioError(f"'{lv.path}' is not a numeric parameter of this scenario"
                                f"{suggest(lv.path, scenario.params)}", src.origin(where), where)
        if scenario.params[lv.path].uncertain:
            raise ScenarioError(f"'{lv.path}' is uncertain (a distribution); a lever is a choice: "
                                "write the parameter as a number", src.origin(where), where)
        rng = scenario.param_ranges[lv.path]
        options = lv.values if lv.values is not None else lv.range
        key = "values" if lv.values is not None else "range"
        for i, v in enumerate(options):
            if not rng.contains(v):
                at = base + (key, i)
                raise ScenarioError(f"{v:g} is out of range for {lv.path}: expected {rng}", src.origin(at), at)
        levers.append(Lever(name, lv.path, tuple(lv.values) if lv.values is not None else None,
                            tuple(lv.range) if lv.range is not None else None, lv.label, src.origin(base)))
    for path in getattr(spec, "labels", None) or {}:
        if path not in scenario.params:
            where = ("labels", path)
            raise ScenarioError(f"'{path}' is not a numeric parameter of this scenario"
                                f"{suggest(path, scenario.params)}", src.origin(where), where)
    return replace(scenario, levers=tuple(levers)) if levers else scenario


def lever_axes(scenario) -> list:
    """One sweep axis per lever (its values, or evenly spaced points over its range)."""
    from .grid import Axis

    levers = getattr(scenario, "levers", ())
    if not levers:
        raise ValueError(f"{scenario.name} has no `levers:` section to sweep over")
    return [Axis(lv.path, lv.grid(), lv.origin) for lv in levers]
