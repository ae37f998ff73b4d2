"""Replaying one run of a stored ensemble from its resolved scenario, seed and run index."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..model.model import NegotiationModel
from ..model.trace import StepRecord, trace
from ..scenario.load import load_scenario
from ..scenario.resolved import Scenario
from .runner import run_table
from ..results.verify import load_manifest


@dataclass
class Replay:
    scenario: Scenario
    run: int
    records: list[StepRecord]
    mismatches: list[str]      # columns where the replay differs from the stored row

    @property
    def matches(self) -> bool:
        return not self.mismatches


def stored_row(folder: Path, run: int) -> dict[str, object]:
    """Row ``run`` of the folder's runs.csv, read without loading the whole table."""
    import pandas as pd

    from ..results.tables import read_frame

    try:
        frame = read_frame(folder / "runs.csv", skiprows=range(1, run + 1), nrows=1)
        found = len(frame) == 1 and "run" in frame.columns and int(frame["run"].iloc[0]) == run
    except (ValueError, TypeError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(f"{folder / 'runs.csv'}: unreadable ({exc.__class__.__name__}); "
                        f"`sim verify {folder}` lists what changed") from None
    if not found:
        raise UserError(f"{folder}: runs.csv has no row for run {run}")
    return {c: frame[c].iloc[0] for c in frame.columns}


def _same(stored: object, value: object) -> bool:
    if isinstance(value, (str, np.str_)):  # a text column (the rule drawn, the collapse's cause)
        return ("" if stored != stored else str(stored)) == str(value)
    value = float(value)
    try:
        stored = float(stored)
    except (TypeError, ValueError):  # text where a number belongs: an edited cell
        return False
    if np.isnan(stored):
        return value == -1 or np.isnan(value)  # "never" is stored as an empty cell
    return stored == value


def replay(folder: Path, run: int) -> Replay:
    """Re-simulate run ``run`` alone and compare it with the stored per-run row."""
    folder = Path(folder)
    manifest = load_manifest(folder)
    from ..results.verify import manifest_edited

    if manifest_edited(manifest):
        raise UserError(f"{folder}: manifest.json was edited (its own fields no longer match their checksum); "
                        f"`sim verify {folder}` lists what changed")
    try:
        runs, seed = int(manifest["runs"]), int(manifest["seed"])
    except (KeyError, TypeError, ValueError):
        raise UserError(f"{folder}: manifest.json has no whole-number runs and seed") from None
    if not 0 <= run < runs:
        raise UserError(f"{folder}: run {run} is out of range (the ensemble has runs 0..{runs - 1})")
    from ..scenario.design import with_design

    scenario = with_design(load_scenario(folder / "scenario.yaml"), manifest.get("design", "random"), runs, seed)
    model = NegotiationModel(scenario, runs=[run], seed=seed)
    records = list(trace(model))
    row = run_table(model)
    stored = stored_row(folder, run)
    mismatches = [c for c, v in row.items() if c not in stored or not _same(stored[c], v[0])]
    return Replay(scenario, run, records, mismatches)


def format_beliefs(replay: Replay) -> str:
    """Per step, each actor's belief on each track (what it expects the other to do)."""
    s = replay.scenario
    cols = [f"{a}:{t}" for a in s.actor_names for t in s.track_names]
    width = max(len(c) for c in cols) + 1
    lines = ["step " + "".join(f"{c:>{width}}" for c in cols)]
    for rec in replay.records:
        values = [a.beliefs[t] for a in rec.actors for t in s.track_names]
        lines.append(f"{rec.step:>4} " + "".join(f"{v:>{width}.3f}" for v in values))
    return "\n".join(lines)
