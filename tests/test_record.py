"""The record scenario (Oct 2022 - Nov 2025) loads, its patterns are the record's, and it calibrates.

The numbers in docs/calibration.md are the output of
``sim calibrate scenarios/history/record_2022_2025.yaml --draws 200000``; this test runs the same
command at a smaller size, so the command, the folder and the printed summary stay working.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.scenario.load import load_scenario

RECORD = Path(__file__).resolve().parent.parent / "scenarios" / "history" / "record_2022_2025.yaml"


def test_the_record_scenario_spans_october_2022_to_november_2025_with_its_patterns():
    s = load_scenario(RECORD)
    assert str(s.start) == "2022-10-01" and s.step == "month" and s.horizon == 38
    kinds = {p.name: (p.kind, p.observed) for p in s.patterns}
    assert kinds["US chip-control rounds"] == ("count", 6)
    assert kinds["Chinese mineral-control rounds"] == ("count", 8)
    assert kinds["China answers a US round within two months"][0] == "response_share"
    assert {k for k, _ in kinds.values()} >= {"count", "response_share", "largest_drop", "channel_open_share"}
    # rounds of tightening are left to the model: no scheduled event forces a D on a rivalry track
    for e in s.events:
        if e.at is not None:
            assert not any(x.op == "force" for x in e.effects), e.name


def test_calibrating_the_record_writes_a_complete_folder_and_prints_the_posterior(tmp_path, capsys):
    # 4000 draws leave fewer than 40 runs within every tolerance: the command stops, in one line ...
    argv = ["calibrate", str(RECORD), "--draws", "4000", "--accept", "40", "--predictive", "200",
            "--workers", "1", "--quiet", "--out", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "fewer than --accept 40" in err and "--nearest" in err
    assert not any((tmp_path / "record_2022_2025").iterdir())
    # ... unless --nearest asks for the 40 nearest, with each pattern's effective tolerance reported
    assert main(argv + ["--nearest"]) == 0
    out = capsys.readouterr().out
    assert "acceptance rate" in out and "posterior predictive check" in out and "effective tolerance" in out
    folder = next((tmp_path / "record_2022_2025").iterdir())
    summary = json.loads((folder / "summary.json").read_text())
    s = load_scenario(RECORD)
    assert set(summary["parameters"]) == set(s.uncertain())
    assert summary["accepted"] >= 40
    for path, q in summary["parameters"].items():
        assert q["q05"] <= q["median"] <= q["q95"], path
        assert path in out
    assert len(summary["patterns"]) == len(s.patterns)
    html = (folder / "report.html").read_text()
    assert "effective tolerance" in html and "predictive share within" in html and "Jointly, " in html
    post = pd.read_csv(folder / "posterior.csv")
    for p, entry in zip(s.patterns, summary["patterns"]):
        assert entry["effective_tolerance"] == pytest.approx((post[p.column] - p.observed).abs().max())
    assert load_scenario(folder / "calibrated.yaml").posterior.rows == summary["accepted"]
