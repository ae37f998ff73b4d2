"""Writing the theory panel of a scenario into a results folder as ``theory.json``."""

from __future__ import annotations

import json
from pathlib import Path

from ..scenario.resolved import Scenario
from ..theory import theory_panel


def write_theory(path: Path, scenario: Scenario) -> Path:
    """Write :func:`sim.theory.theory_panel` of ``scenario`` to ``path`` (JSON); return the path."""
    from ..scenario.design import without_design

    path = Path(path)
    path.write_text(json.dumps(theory_panel(without_design(scenario)), indent=2) + "\n", encoding="utf-8")
    return path
