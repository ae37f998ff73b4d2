"""`sim discover --replicates R --outcome ...`: each experiment's outcome is the share of R runs on
common random numbers, and PRIM finds where that share is high. The figures docs/discovery.md
quotes for the baseline are re-computed here at reduced size (120 experiments x 5 runs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.results.tables import read_table

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
#: the reduced-size command of docs/discovery.md
REDUCED = ["--experiments", "120", "--replicates", "5", "--boxes", "1"]


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    """The reduced-size discovery of each outcome the docs quote: outcome -> folder."""
    folders = {}
    for outcome in ("held", "collapse"):
        out = tmp_path_factory.mktemp(outcome)
        assert main(["discover", str(BASELINE), *REDUCED, "--outcome", outcome, "--out", str(out)]) == 0
        (folders[outcome],) = (out / "baseline").iterdir()
    return folders


@pytest.fixture
def held(found):
    return found["held"]


def test_each_experiment_is_the_share_of_its_runs_on_common_random_numbers(held):
    t = read_table(held / "experiments.csv")
    share = np.asarray(t["share_held"], dtype=float)
    assert len(share) == 120 and np.allclose(share * 5, np.round(share * 5))
    s = sim.load_scenario(BASELINE)
    inputs = [c for c in t if c in s.params]
    assert inputs
    for i in (3, 77):   # recomputed: runs 0..4 of the seed with experiment i's inputs
        values = {c: np.full(5, float(t[c][i])) for c in inputs}
        runs = sim.ema.evaluate(s, values, np.arange(5), s.seed, ["held"])["held"]
        assert share[i] == pytest.approx(runs.mean())
    assert json.loads((held / "manifest.json").read_text())["replicates"] == 5


def test_the_box_is_at_least_twice_the_base_rate_of_held(held, capsys):
    """The docs' claim, at reduced size: a box where P(held) is at least twice its base rate;
    its density and coverage recomputed from experiments.csv and the box's restrictions."""
    t = read_table(held / "experiments.csv")
    share = np.asarray(t["share_held"], dtype=float)
    boxes = json.loads((held / "boxes.json").read_text())
    base = boxes["base_rate"]
    assert base == pytest.approx(share.mean())
    (box,) = boxes["boxes"]
    inside = np.ones(len(share), bool)
    for r in box["restrictions"]:
        x = np.asarray(t[r["input"]], dtype=float)
        inside &= np.isin(x, r["values"]) if r["values"] else (x >= r["low"]) & (x <= r["high"])
    assert box["density"] == pytest.approx(share[inside].mean())
    assert box["coverage"] == pytest.approx(share[inside].sum() / share.sum())
    assert box["density"] >= 2 * base
    assert "decision rule" in box["restrictions"][0]["label"]   # the strongest restriction (smallest p)


def test_collapse_cannot_be_twice_its_base_rate(found):
    """Why no collapse box reaches twice the base rate: the base rate is above one half, and a
    density is a share (at most 1)."""
    boxes = json.loads((found["collapse"] / "boxes.json").read_text())
    assert boxes["base_rate"] > 0.5 and 2 * boxes["base_rate"] > 1
    assert all(b["density"] <= 1 for b in boxes["boxes"])


def test_the_docs_quote_these_numbers(found):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "discovery.md").read_text()
    rows = []
    for outcome in ("held", "collapse"):
        b = json.loads((found[outcome] / "boxes.json").read_text())
        best = max((x["density"] for x in b["boxes"]), default=None)
        rows.append(f"| `--outcome {outcome}` | {b['base_rate']:.3f} | "
                    + ("none" if best is None else f"{best:.3f} | {best / b['base_rate']:.2f}") + " |")
    block = doc[doc.index("<!-- discover:begin"):doc.index("<!-- discover:end")]
    for row in rows:
        assert row in block, row
    assert " ".join(REDUCED) in block
