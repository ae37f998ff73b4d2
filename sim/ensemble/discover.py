"""``sim discover``: a results folder of open exploration and PRIM scenario discovery."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..scenario.resolved import Scenario


@dataclass
class Found:
    inputs: list[str]
    boxes: list


def run_discovery(scenario: Scenario, out_root: Path, command: list[str], experiments: int = 2000,
                  seed: int | None = None, boxes: int = 2, min_coverage: float = 0.5, max_p: float | None = 0.05):
    """Explore, find PRIM boxes of "channel collapsed", write the folder; return it, the boxes, the base rate."""
    import yaml

    from .. import ema
    from ..analysis.discovery import box_figure, discover, tradeoff_figure
    from ..analysis.report import write_manifest
    from ..analysis.tables import write_table
    from .store import new_folder, timestamp

    seed = scenario.seed if seed is None else int(seed)
    started, clock = dt.datetime.now(dt.timezone.utc), time.perf_counter()
    model = ema.to_model(scenario, seed)
    ex, out = ema.explore(model, experiments, seed)
    y = ema.collapsed(out)
    base = float(y.mean())
    found = discover(ex, y, scenario, boxes=boxes, min_coverage=min_coverage, max_p=max_p)
    inputs = ema.parameter_columns(ex)
    stem = f"discover-{timestamp()}-seed{seed}-n{experiments}"
    with new_folder(Path(out_root) / scenario.name, stem) as holder:
        folder = holder[0]
        with open(folder / "scenario.yaml", "w", encoding="utf-8") as f:
            f.write(f"# {scenario.name}: resolved scenario of the exploration\n")
            yaml.safe_dump({**scenario.data, "name": scenario.name, "seed": seed}, f, sort_keys=False,
                           allow_unicode=True)
        cols = {"experiment": np.arange(len(ex))}
        cols.update({c: ex[c].to_numpy(dtype=float) for c in inputs})
        cols.update({k: np.asarray(v) for k, v in out.items()})
        write_table(folder / "experiments.csv", cols)
        (folder / "boxes.json").write_text(json.dumps({
            "outcome": "channel collapsed (held == 0)", "base_rate": base, "experiments": experiments,
            "boxes": [{"index": b.index, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                       "runs": b.cases,
                       "restrictions": [{"input": r.name, "label": r.label, "low": r.lo, "high": r.hi,
                                         "values": list(r.values), "explored": r.full, "p_value": r.p_value}
                                        for r in b.restrictions]} for b in found]}, indent=2) + "\n")
        figs = folder / "figures"
        figs.mkdir()
        title = f"{scenario.title or scenario.name}: where the channel collapses"
        for name, fig in (("prim_boxes", box_figure(found, base, title)), ("prim_tradeoff", tradeoff_figure(found))):
            for ext in ("png", "svg"):
                fig.savefig(figs / f"{name}.{ext}", dpi=150, metadata={"Date": None} if ext == "svg" else None)
        manifest = {"kind": "discover", "scenario": scenario.name, "scenario_file": scenario.file, "seed": seed,
                    "experiments": experiments, "min_coverage": min_coverage, "max_p": max_p, "design": "Latin hypercube (scipy.stats.qmc) over uncertainties "
                    "and levers, one run per experiment", "inputs": inputs, "command": command,
                    "started_utc": started.isoformat(timespec="seconds"),
                    "total_seconds": round(time.perf_counter() - clock, 3)}
        write_manifest(folder, manifest)
    return holder[0], Found(inputs, found), base
