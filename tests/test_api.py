"""The Python API: sim.load_scenario / sim.simulate / Ensemble, the documented examples, designs, levers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
LEVERS = ROOT / "scenarios" / "policy_levers.yaml"


def doc_blocks(name: str) -> str:
    text = (ROOT / "docs" / name).read_text()
    return "\n".join(re.findall(r"```python\n(.*?)```", text, re.S))


def run_doc(name: str, tmp_path: Path) -> None:
    """Execute every Python block of a docs page in a fresh process, in a folder with scenarios/."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    script = tmp_path / "doc.py"
    script.write_text(doc_blocks(name))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr[-3000:]


def test_api_doc_runs(tmp_path):
    """docs/api.md runs as written and leaves a complete results folder (one row per run)."""
    run_doc("api.md", tmp_path)   # a fresh environment: the `latest` alias is on (docs/analysis.md)
    (folder,) = [p for p in (tmp_path / "results" / "baseline").iterdir() if p.name != "latest"]
    assert (tmp_path / "results" / "baseline" / "latest").resolve() == folder.resolve()
    assert (folder / "manifest.json").is_file()
    lines = (folder / "runs.csv").read_text().splitlines()
    assert len(lines) == 2001


def test_import_is_light():
    code = ("import sys, sim\n"
            "assert 'mesa' not in sys.modules and 'pandas' not in sys.modules, 'heavy import'\n"
            "from sim.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('mesa', 'pandas', 'matplotlib', 'scipy') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr


def test_ensemble_matches_sim_run_folder(tmp_path):
    """Ensemble.save writes the tables `sim run` writes, byte for byte; summary is summary.json."""
    assert main(["run", str(BASELINE), "--runs", "150", "--seed", "5", "--out", str(tmp_path / "cli"),
                 "--quiet", "--chunk-size", "40"]) == 0
    (cli,) = (tmp_path / "cli" / "baseline").iterdir()
    # (bands hold float sums over chunks, so their last digits follow the chunking: same chunks here)
    ens = sim.simulate(sim.load_scenario(BASELINE), runs=150, seed=5, chunk_size=40)
    saved = ens.save(tmp_path / "api")
    assert saved.parent == tmp_path / "api" / "baseline"
    for name in ("runs.csv", "bands.csv", "trajectories_sample.csv", "summary.json", "theory.json"):
        assert (saved / name).read_bytes() == (cli / name).read_bytes(), name
    assert json.loads((cli / "summary.json").read_text()) == ens.summary
    # one row per run; NaN (not -1) exactly where the channel never broke
    runs = ens.runs
    assert list(runs["run"]) == list(range(150))
    assert (runs["break_step"].isna() == (runs["held"] == 1)).all()
    assert not (runs.filter(like="first_fired.") == -1).any().any()
    assert len(ens.bands) == ens.scenario.horizon
    other = sim.simulate(ens.scenario, runs=150, seed=5, chunk_size=150)
    assert other.runs.equals(runs)
    assert np.allclose(other.bands.to_numpy(dtype=float), ens.bands.to_numpy(dtype=float), equal_nan=True)
    assert main(["verify", str(saved)]) == 0


def test_load_scenario_set_mapping_and_errors(tmp_path):
    s = sim.load_scenario(BASELINE, set={"runs": 77, "actors.US.noise": 0.2})
    assert s.runs == 77 and s.params["actors.US.noise"].value == 0.2
    with pytest.raises(sim.ScenarioError, match=r"--set actors.US.noise=2.*out of range"):
        sim.load_scenario(BASELINE, set={"actors.US.noise": 2})


def test_lhs_design_is_stratified_and_independent_of_chunking():
    s = sim.load_scenario(BASELINE)
    a = sim.simulate(s, runs=90, seed=3, design="lhs", chunk_size=7)
    b = sim.simulate(s, runs=90, seed=3, design="lhs", chunk_size=90, workers=2)
    assert a.runs.equals(b.runs)
    lo, hi = s.params["actors.China.trust"].args
    strata = np.floor((a.runs["param.actors.China.trust"] - lo) / (hi - lo) * 90).astype(int)
    assert sorted(strata) == list(range(90))
    # the random design is not stratified like that (with overwhelming probability)
    r = sim.simulate(s, runs=90, seed=3, chunk_size=90)
    strata_r = np.floor((r.runs["param.actors.China.trust"] - lo) / (hi - lo) * 90).astype(int)
    assert sorted(strata_r) != list(range(90))
    # dynamics do not depend on the design: a run with the same parameters gives the same result
    assert not a.runs["param.actors.China.trust"].equals(r.runs["param.actors.China.trust"])


def test_lhs_run_folder_replays(tmp_path, capsys):
    assert main(["run", str(BASELINE), "--runs", "60", "--design", "lhs", "--out", str(tmp_path), "--quiet",
                 "--chunk-size", "25"]) == 0
    (folder,) = (tmp_path / "baseline").iterdir()
    assert json.loads((folder / "manifest.json").read_text())["design"] == "lhs"
    capsys.readouterr()
    assert main(["replay", str(folder), "--run", "41", "--no-color"]) == 0
    assert "replay matches the stored row for run 41" in capsys.readouterr().out


def test_levers_resolved_and_validated(tmp_path):
    s = sim.load_scenario(LEVERS)
    assert [lv.name for lv in s.levers] == ["us_linkage", "us_chip_restraint"]
    assert s.levers[0].grid() == (0.0, 0.15, 0.3, 0.45, 0.6)
    assert s.levers[1].grid() == (0.8, 0.86, 0.92)
    bad = tmp_path / "bad.yaml"
    text = LEVERS.read_text().replace("extends: baseline.yaml", f"extends: {LEVERS.parent / 'baseline.yaml'}")
    for old, new, message in [
        ("path: actors.US.strategies.export_controls.p", "path: actors.US.strategies.export_controls.q",
         r"bad.yaml:\d+: levers.us_chip_restraint.path: 'actors.US.strategies.export_controls.q' is not a numeric "
         r"parameter.*did you mean 'actors.US.strategies.export_controls.p'"),
        ("values: [0.8, 0.86, 0.92]", "values: [0.8, 1.5]", r"bad.yaml:\d+: levers.us_chip_restraint.values.1: "
         r"1.5 is out of range"),
        ("range: [0, 0.6]", "range: [0.6, 0]", r"bad.yaml:\d+: levers.us_linkage: range \[lo, hi\] needs lo < hi"),
        ("path: actors.US.strategies.frontier_safety.linkage.rare_earths", "path: actors.US.discount",
         r"levers.us_linkage.path: 'actors.US.discount' is uncertain"),
    ]:
        assert old in text
        bad.write_text(text.replace(old, new))
        with pytest.raises(sim.ScenarioError, match=message):
            sim.load_scenario(bad)


def test_sweep_over_levers(tmp_path, capsys):
    assert main(["sweep", str(LEVERS), "--levers", "--set", "levers.us_linkage.values=[0, 0.6]",
                 "--set", "levers.us_chip_restraint.values=[0.92]",
                 "--set", "levers.us_linkage.range=null", "--runs", "30", "--design", "lhs",
                 "--out", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    (folder,) = (tmp_path / "policy_levers").iterdir()
    meta = json.loads((folder / "sweep.json").read_text())
    assert meta["design"] == "lhs"
    assert [p["values"] for p in meta["points"]] == [
        {"actors.US.strategies.frontier_safety.linkage.rare_earths": a, "actors.US.strategies.export_controls.p": b}
        for a in (0.0, 0.6) for b in (0.92,)]
    stored = sim.open_results(folder)         # a sweep reads back as one table of runs, varied values as columns
    assert len(stored.runs) == 2 * 30 and len(stored.summary) == 2
    assert set(stored.runs["vary.actors.US.strategies.frontier_safety.linkage.rare_earths"]) == {0.0, 0.6}
    s = sim.load_scenario(folder / "point-002" / "scenario.yaml")
    assert s.params["actors.US.strategies.export_controls.p"].value == 0.92
    assert s.params["actors.US.strategies.frontier_safety.linkage.rare_earths"].value == 0.6


def test_labels_key_names_parameters_in_reports(tmp_path):
    """`labels: {PATH: text}` names a parameter wherever it is shown; a path that is no parameter is an error."""
    from sim.analysis.labels import param_label

    text = LEVERS.read_text().replace("extends: baseline.yaml", f"extends: {BASELINE}")
    good = tmp_path / "good.yaml"
    good.write_text(text + "\nlabels:\n  events.leaders_meeting.effects.2: Summit eases chip rules\n")
    s = sim.load_scenario(good)
    assert param_label("events.leaders_meeting.effects.2", s) == "Summit eases chip rules"
    assert param_label("events.leaders_meeting.effects.3", s) == "Leaders' meeting: change to rare earths ladder level"
    assert param_label("actors.US.strategies.frontier_safety.linkage.rare_earths", s) == \
        "US links the safety channel to China's minerals moves"
    bad = tmp_path / "bad.yaml"
    bad.write_text(text + "\nlabels:\n  events.leaders_meeting.effects.9: nothing\n")
    with pytest.raises(sim.ScenarioError, match=r"bad.yaml:\d+: labels.events.leaders_meeting.effects.9: "
                                                r"'events.leaders_meeting.effects.9' is not a numeric parameter"):
        sim.load_scenario(bad)
