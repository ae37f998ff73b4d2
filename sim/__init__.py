"""Agent-based simulator of US-China negotiation on separate issue tracks.

Does a narrow frontier-AI safety channel hold while the chip and rare-earth rivalry escalates?

The Python API (see ``docs/api.md``)::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml", set={"runs": 2000})
    ens = sim.simulate(scenario, seed=7)
    ens.runs, ens.summary, ens.bands, ens.save("results")

Names are imported on first use, so ``import sim`` (and ``sim --help``) stays light: Mesa,
pandas and matplotlib load only when something needs them.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> module that defines it (imported lazily by ``__getattr__``)
_LAZY = {
    "load_scenario": "sim.api",
    "simulate": "sim.api",
    "Ensemble": "sim.api",
    "open_results": "sim.api",
    "draw_figures": "sim.api",
    "scenario_from_dict": "sim.scenario.load",
    "ScenarioError": "sim.scenario.errors",
    "run_ensemble": "sim.ensemble.runner",
    "NegotiationModel": "sim.model.model",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name == "ema":  # `sim.ema` without an explicit import, as for any submodule
        return importlib.import_module("sim.ema")
    raise AttributeError(f"module 'sim' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
