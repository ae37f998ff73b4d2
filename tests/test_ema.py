"""The EMA Workbench adapter: vectorised evaluation equals single runs; PRIM boxes; `sim discover`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
LEVERS = ROOT / "scenarios" / "policy_levers.yaml"


def test_model_has_the_scenarios_uncertainties_levers_and_outcomes():
    s = sim.load_scenario(LEVERS)
    model = sim.ema.to_model(s)
    assert sorted(u.name for u in model.uncertainties) == sorted(s.uncertain())
    assert [lv.name for lv in model.levers] == ["us_linkage", "us_chip_restraint"]
    assert {"held", "escalated", "break_step"} <= {o.name for o in model.outcomes}
    unc = {u.name: u for u in model.uncertainties}
    assert (unc["actors.US.discount"].lower_bound, unc["actors.US.discount"].upper_bound) == (0.5, 0.94)
    # a rule drawn per run is a factor the exploration covers evenly, one category per rule
    assert [c.value for c in unc["actors.US.strategies.frontier_safety.rule"].categories] == [0, 1, 2, 3, 4]


def test_vectorised_evaluation_equals_single_runs():
    """Each row of a design evaluated together equals that run simulated alone with those values."""
    from sim.ensemble.runner import run_table
    from sim.model.model import NegotiationModel

    s = sim.load_scenario(LEVERS)
    values = {"actors.US.discount": np.array([0.55, 0.85, 0.7]),
              "actors.US.strategies.export_controls.p": np.array([0.8, 0.92, 0.86])}
    run_ids = np.array([4, 4, 9])
    out = sim.ema.evaluate(s, values, run_ids, seed=3)
    for i in range(3):
        alone = sim.load_scenario(LEVERS, set={p: float(v[i]) for p, v in values.items()})
        m = NegotiationModel(alone, runs=[int(run_ids[i])], seed=3).run()
        row = run_table(m)
        assert out["held"][i] == row["held"][0]
        assert out["rivalry_peak"][i] == row["rivalry_peak"][0]
        assert (np.isnan(out["break_step"][i]) if row["break_step"][0] == -1
                else out["break_step"][i] == row["break_step"][0])


def test_workbench_perform_experiments_with_vector_evaluator():
    """Factorial design (3 sampled worlds x 2 policies): every policy meets the same random futures."""
    from ema_workbench import Policy, Scenario, perform_experiments

    s = sim.load_scenario(LEVERS)
    model = sim.ema.to_model(s, seed=5)
    worlds = [Scenario(i, **{u.name: float(np.mean([u.lower_bound, u.upper_bound])) for u in model.uncertainties})
              for i in range(3)]
    same = [Policy(f"p{k}", us_linkage=0.3, us_chip_restraint=0.86) for k in range(2)]
    ex, out = perform_experiments(model, scenarios=worlds, policies=same, evaluator=sim.ema.VectorEvaluator(model),
                                  log_progress=True)
    assert len(ex) == 6
    by_world = {}
    for i in range(6):
        by_world.setdefault(ex["scenario"].iloc[i], []).append(out["rivalry_peak"][i] + 100 * out["held"][i])
    # identical inputs and the same random future under both policies: identical outcomes
    assert all(len(set(v)) == 1 for v in by_world.values())


def test_explore_is_reproducible_and_prim_boxes_are_honest():
    s = sim.load_scenario(BASELINE)
    ex, out = sim.ema.explore(s, experiments=1000, seed=2)
    ex2, out2 = sim.ema.explore(s, experiments=1000, seed=2)
    assert ex.equals(ex2) and all(np.array_equal(out[k], out2[k], equal_nan=True) for k in out)
    # the design is a Latin hypercube: one experiment per stratum of each uniform input
    d = ex["actors.US.discount"]
    assert sorted(np.floor((d - 0.5) / 0.44 * 1000 + 1e-9).astype(int)) == list(range(1000))

    from sim.analysis.discovery import discover

    y = sim.ema.collapsed(out)
    boxes = discover(ex, y, s, boxes=1, min_coverage=0.4)
    assert boxes, "no box found"
    box = boxes[0]
    inside = np.ones(len(ex), dtype=bool)
    for r in box.restrictions:
        if r.lo is None:  # a categorical input (a decision rule drawn per run): the kept categories
            inside &= ex[r.name].isin(r.values).to_numpy()
        else:
            inside &= (ex[r.name] >= r.lo) & (ex[r.name] <= r.hi)
    # coverage and density as reported are those of the runs inside the stated limits
    assert box.cases == inside.sum()
    assert box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert box.coverage >= 0.4 and box.density > y.mean()
    assert all(r.label != r.name for r in box.restrictions)   # labelled in words


def test_discover_command(tmp_path, capsys):
    """A title that mathtext would fail on (``$\\x$``) is drawn as written: it ended the command with
    a traceback after the whole exploration."""
    assert main(["discover", str(LEVERS), "--experiments", "300", "--boxes", "1", "--out", str(tmp_path),
                 "--set", "title=Levers $\\x$ at 50%"]) == 0
    out = capsys.readouterr().out
    assert "of runs collapsed" in out and "Box 1: coverage" in out and "density" in out
    (folder,) = (tmp_path / "policy_levers").iterdir()
    found = json.loads((folder / "boxes.json").read_text())
    assert found["boxes"][0]["restrictions"] and all(r["label"] for r in found["boxes"][0]["restrictions"])
    for line in found["boxes"][0]["restrictions"]:
        assert line["label"] in out
    assert (folder / "figures" / "prim_boxes.png").stat().st_size > 10_000
    assert len((folder / "experiments.csv").read_text().splitlines()) == 301
    assert main(["verify", str(folder)]) == 0


def test_discovery_doc_runs(tmp_path):
    """docs/discovery.md's notebook example (a PRIM box in a few lines) runs as written."""
    from test_api import doc_blocks, run_doc

    lines = [ln for ln in doc_blocks("discovery.md").split("\n\n")[0].splitlines() if ln.strip()]
    assert len(lines) < 10, lines   # from install to a PRIM box in under ten lines
    run_doc("discovery.md", tmp_path)


def test_missing_workbench_is_one_line_with_an_installable_spec(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    assert main(["discover", str(BASELINE), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'ema-workbench>=2.5'" in err and not any(tmp_path.iterdir())
