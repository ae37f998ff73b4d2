"""The live classroom page (``sim viz``): Mesa's SolaraViz around one run of a lesson.

Served by ``solara run sim.classroom.viz_app:Page`` with the scenario file in
``$SIM_VIZ_SCENARIO``. The sliders (each actor's linkage, noise, discount and trust) and the seed
box take effect on Reset, which rebuilds the model with ``--set`` overrides of the lesson.
"""

from __future__ import annotations

import os
from html import escape

import numpy as np
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from ..ensemble.runner import run_ensemble
from ..model.model import NegotiationModel
from ..model.trace import record
from ..scenario.load import load_scenario
from ..scenario.resolved import Scenario
from .plots import cooperation_pattern, ensemble_figure, level_history, trust_history

#: slider -> (min, max, step)
KNOBS = {"trust": (0.0, 1.0, 0.01), "noise": (0.0, 0.5, 0.01), "discount": (0.0, 0.99, 0.01),
         "linkage": (0.0, 1.0, 0.05)}
ENSEMBLE_RUNS = 100


def _value(scenario: Scenario, path: str) -> float:
    p = scenario.params[path]
    return float(p.sample(np.array([0.5]))[0])  # a fixed value, or a distribution's median


def knobs(scenario: Scenario) -> dict[str, tuple[str, float]]:
    """``US_noise`` -> (override path, the lesson's value); linkage only with more than one track."""
    out = {}
    channel = scenario.tracks[scenario.outcomes.channel].name
    for actor in scenario.actor_names:
        for knob in KNOBS:
            if knob == "linkage":
                if len(scenario.tracks) < 2:
                    continue
                path = f"actors.{actor}.strategies.{channel}.linkage"
                base = scenario.params.get(path)
                value = _value(scenario, path) if base is not None else 0.0
            else:
                path = f"actors.{actor}.{knob}"
                value = _value(scenario, path)
            out[f"{actor}_{knob}"] = (path, value)
    return out


class ClassroomModel(NegotiationModel):
    """One run of a lesson, rebuilt with the page's settings; keeps the step records."""

    source = ""

    def __init__(self, seed: str | int | None = None, **kwargs: float):  # Mesa's check wants "kwargs"
        settings = kwargs
        base = load_scenario(self.source)
        self.knobs = knobs(base)
        self.settings = {k: float(settings.get(k, v)) for k, (_, v) in self.knobs.items()}
        changed = [f"{self.knobs[k][0]}={v:g}" for k, v in self.settings.items()
                   if abs(v - self.knobs[k][1]) > 1e-9]
        scenario = load_scenario(self.source, changed) if changed else base
        try:
            seed = int(str(seed).strip()) if seed not in (None, "") else scenario.seed
        except ValueError:
            seed = scenario.seed
        super().__init__(scenario, runs=[0], seed=max(seed, 0))
        self.history = []

    def step(self) -> None:
        if not self.running:
            return
        t = self.t
        super().step()
        if self.t > t:
            self.history.append(record(self))

    def describe(self) -> str:
        parts = [f"seed {self.seed_value}"]
        for actor in self.scenario.actor_names:
            vals = ", ".join(f"{k.split('_', 1)[1]} {v:.2f}" for k, v in self.settings.items()
                             if k.startswith(actor + "_"))
            parts.append(f"{actor}: {vals}")
        return "; ".join(parts)


def model_params(cls: type[ClassroomModel]) -> dict:
    scenario = load_scenario(cls.source)
    params = {"seed": {"type": "InputText", "value": str(scenario.seed), "label": "seed"}}
    for name, (_, value) in knobs(scenario).items():
        lo, hi, step = KNOBS[name.split("_", 1)[1]]
        params[name] = {"type": "SliderFloat", "value": round(value, 2), "min": lo, "max": hi, "step": step,
                        "label": name.replace("_", " ")}
    return params


BOX = {"max-height": "330px", "overflow-y": "auto"}


@solara.component
def Status(model: ClassroomModel):
    update_counter.get()
    with solara.Column(style=BOX):
        solara.HTML("div", unsafe_innerHTML=f"<b>Step {model.t}</b> of {int(model.length[0])}",
                    classes=["sim-step"])
        solara.Text(f"Settings: {model.describe()}", classes=["sim-settings"])
        last = model.history[-1] if model.history else None
        if last is not None:
            solara.Text(f"Last step: {'; '.join(last.events) or 'no events'}; channel "
                        f"{'open' if last.channel_open else 'closed'}", classes=["sim-last"])
        Notes(model)


@solara.component
def Notes(model: ClassroomModel):
    s = model.scenario
    lesson = s.lesson
    if lesson is None:
        body = f"<h3>{escape(s.title or s.name)}</h3><p>{escape(s.description)}</p>"
    else:
        notice = "".join(f"<li>{escape(x)}</li>" for x in lesson.notice)
        tries = "".join(f"<li>{escape(x)}</li>" for x in lesson.try_)
        body = (f"<h3>{escape(lesson.title)}</h3><p>{escape(lesson.goal)}</p><b>What to notice</b><ul>{notice}</ul>"
                f"<b>What to try</b><ul>{tries}</ul><p><i>Sliders and seed apply on Reset.</i></p>")
    solara.HTML("div", unsafe_innerHTML=body, classes=["sim-notes"])


@solara.component
def Levels(model: ClassroomModel):
    update_counter.get()
    from matplotlib.figure import Figure

    n = len(model.tracks)
    fig = Figure(figsize=(5.5, 3.3), layout="constrained")
    for k, ax in enumerate(np.atleast_1d(fig.subplots(n, 1, squeeze=False)[:, 0])):
        level_history(model.history, k, model.tracks[k].spec.rungs, ax=ax, start=model.tracks[k].spec.start,
                      step_unit=model.scenario.step)
        ax.set_title(f"Escalation: {model.tracks[k].name}", fontsize="small")
        ax.tick_params(labelsize="x-small")
        if k < n - 1:
            ax.set_xlabel("")
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def Trust(model: ClassroomModel):
    update_counter.get()
    start = [float(np.asarray(model.values[a.spec.params["trust"]])[0]) for a in model.actors]
    ax = trust_history(model.history, model.scenario.actor_names, start=start, step_unit=model.scenario.step)
    solara.FigureMatplotlib(ax.figure, format="png")


@solara.component
def Pattern(model: ClassroomModel):
    update_counter.get()
    ax = cooperation_pattern(model.history, model.scenario.actor_names, model.scenario.track_names,
                             step_unit=model.scenario.step)
    solara.FigureMatplotlib(ax.figure, format="png")


@solara.component
def Ensemble(model: ClassroomModel):
    result, set_result = solara.use_state(None)
    current = result if result is not None and result[0] is model else None

    def run():
        res = run_ensemble(model.scenario, runs=ENSEMBLE_RUNS, seed=model.seed_value)
        set_result((model, res.table))

    with solara.Column(style=BOX):
        solara.Button(f"Run {ENSEMBLE_RUNS} runs of these settings", on_click=run, color="secondary",
                      classes=["sim-ensemble"])
        if current is not None:
            EnsembleResult(model, current[1])


@solara.component
def EnsembleResult(model: ClassroomModel, table: dict):
    held = int(table["held"].sum())
    solara.Text(f"Channel held in {held} of {ENSEMBLE_RUNS} runs (seed {model.seed_value})",
                classes=["sim-ensemble-result"])
    solara.FigureMatplotlib(ensemble_figure(table, model.scenario.horizon, model.scenario.step), format="png")


def model_class(source: str) -> type[ClassroomModel]:
    return type("ClassroomModel", (ClassroomModel,), {"source": source})


@solara.component
def Page():
    cls = solara.use_memo(lambda: model_class(os.environ["SIM_VIZ_SCENARIO"]), [])
    params = solara.use_memo(lambda: model_params(cls), [])
    model = solara.use_memo(lambda: cls(seed=params["seed"]["value"]), [])
    title = model.scenario.lesson.title if model.scenario.lesson else (model.scenario.title or model.scenario.name)
    return SolaraViz(model, components=[(Status, 0), (Levels, 0), (Trust, 0), (Pattern, 0), (Ensemble, 0)],
                     model_params=params, name=title, play_interval=400)
