"""Agent-based simulator of US-China negotiation on separate issue tracks.

Does a narrow frontier-AI safety channel hold while the chip and rare-earth rivalry escalates?

The public names below are imported on first use, so ``sim --help`` and ``sim validate`` do not
pay for Mesa, pandas, SciPy or matplotlib.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "run_ensemble": ".ensemble.runner",
    "NegotiationModel": ".model.model",
    "ScenarioError": ".scenario.errors",
    "load_scenario": ".scenario.load",
    "scenario_from_dict": ".scenario.load",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
