"""End to end: `sim run` on a small scenario writes the folder it promises, and the numbers agree."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.results.tables import read_table
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
SMALL = """
name: small
title: Small test scenario
horizon: 12
runs: 200
seed: 7
continuation: 0.95
actors:
  US: {noise: 0.05, strategies: {safety: {name: generous_tit_for_tat, linkage: 0.5}, chips: tit_for_tat}}
  China: {noise: {uniform: [0.0, 0.1]}, strategies: {safety: forward_looking, chips: always_defect}}
tracks:
  safety: {role: channel, ladder: {rungs: [talking, stalled, over]}}
  chips: {ladder: {rungs: [a, b, c, d]}}
events:
  - {name: Incident, probability: 0.1, effects: [{target: actors.*.risk_perception, add: 0.2}]}
"""


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def run_cli(args, capsys):
    assert main(args) == 0
    return capsys.readouterr().out


def test_run_writes_complete_folder(small, tmp_path, capsys):
    out = run_cli(["run", str(small), "--out", str(tmp_path / "res"), "--quiet"], capsys)
    folders = [p for p in (tmp_path / "res" / "small").iterdir()]
    assert len(folders) == 1
    folder = folders[0]
    assert f"results: {folder}" in out and "P(channel held)" in out and "rivalry's effect on P(held)" in out
    for name in ("scenario.yaml", "manifest.json", "runs.csv", "summary.json", "bands.csv"):
        assert (folder / name).is_file(), name
    # the figures are drawn on request (--figures, or sim figures later: tests/test_figures_lazy.py)
    assert not (folder / "figures").exists() and f"sim figures {folder}" in out
    assert run_cli(["figures", str(folder)], capsys).count("written: ") == 8
    for fig in ("survival", "levels", "outcomes", "payoffs"):
        for ext in ("png", "svg"):
            assert (folder / "figures" / f"{fig}.{ext}").stat().st_size > 1000

    runs = read_table(folder / "runs.csv")
    assert len(runs["run"]) == 200 and list(runs["run"]) == list(range(200))
    for col in ("held", "break_step", "rivalry_peak", "escalated", "held_and_escalated", "open_share",
                "engaged_share", "open_at_end", "suspensions", "first_suspension", "escalated_at_end",
                "escalated_share", "held_grid", "held_pacified", "open_share_pacified",
                "coop_rate.safety", "final_level.chips", "peak_level.chips", "payoff.US", "trust.China",
                "hawkishness.US", "risk_perception.China", "fired.incident", "first_fired.incident",
                "param.actors.China.noise"):
        assert col in runs, col
    # break step is empty exactly when the channel held
    assert np.array_equal(np.isnan(runs["break_step"]), runs["held"] == 1)

    summary = json.loads((folder / "summary.json").read_text())
    held = int(runs["held"].sum())
    assert summary["p_held"]["k"] == held and summary["p_held"]["n"] == 200
    esc = runs["escalated"] == 1
    assert summary["p_held_given_escalated"]["n"] == int(esc.sum())
    assert summary["p_held_given_escalated"]["k"] == int(((runs["held"] == 1) & esc).sum())
    assert summary["p_held"]["lo"] < held / 200 < summary["p_held"]["hi"]
    assert f"{held / 200:.3f}" in out
    per_step = runs["payoff.US"] / runs["length"]
    assert summary["payoff_per_step"]["US"]["mean"] == pytest.approx(per_step.mean(), rel=1e-12)
    assert summary["payoff_per_step"]["China"]["q50"] == pytest.approx(
        np.median(runs["payoff.China"] / runs["length"]), rel=1e-12)

    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["runs"] == 200 and manifest["command"][:2] == ["sim", "run"]
    assert "mesa" in manifest["versions"] and manifest["simulation_seconds"] >= 0
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((folder / rel).read_bytes()).hexdigest() == digest
    resolved = yaml.safe_load((folder / "scenario.yaml").read_text())
    assert resolved["seed"] == 7 and resolved["actors"]["China"]["noise"] == {"uniform": [0.0, 0.1]}

    bands = read_table(folder / "bands.csv")
    assert len(bands["step"]) == 12 and bands["runs_alive"][0] == 200
    assert np.all(np.diff(bands["runs_alive"]) <= 0)  # continuation only ever ends runs
    assert np.all(bands["level.chips.q05"] <= bands["level.chips.q50"])
    assert np.all(bands["level.chips.q50"] <= bands["level.chips.q95"])


def test_overrides_and_no_overwrite(small, tmp_path, capsys):
    """--runs/--seed/--set apply, are recorded, and a second invocation gets a new folder."""
    args = ["run", str(small), "--out", str(tmp_path), "--runs", "30", "--seed", "3",
            "--set", "actors.US.strategies.safety.linkage=0", "--quiet"]
    run_cli(args, capsys)
    run_cli(args, capsys)
    folders = sorted((tmp_path / "small").iterdir())
    assert len(folders) == 2
    a, b = (read_table(f / "runs.csv") for f in folders)
    assert len(a["run"]) == 30 and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    resolved = yaml.safe_load((folders[0] / "scenario.yaml").read_text())
    assert resolved["actors"]["US"]["strategies"]["safety"]["linkage"] == 0
    assert resolved["seed"] == 3 and resolved["runs"] == 30


def test_strategies_command_lists_every_strategy(capsys):
    from sim.strategies import REGISTRY

    out = run_cli(["strategies"], capsys)
    assert len(out.strip().splitlines()) == len(REGISTRY)
    for name in REGISTRY:
        assert any(line.startswith(name + " ") for line in out.splitlines())


def test_console_script_runs_a_shipped_variant(tmp_path):
    """The installed `sim` command, as a user runs it, on a shipped variant built with extends."""
    exe = Path(sys.executable).parent / "sim"
    proc = subprocess.run([str(exe), "run", str(ROOT / "scenarios" / "linked.yaml"), "--runs", "50",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "linked: 50 runs, seed 2026" in proc.stdout
    assert (tmp_path / "linked").is_dir()


@pytest.mark.parametrize("args, words", [
    (["run", "x.yaml", "--runs", "0"], "argument --runs: expected a number >= 1, got 0"),
    (["run", "x.yaml", "--seed", "-3"], "argument --seed: expected a seed >= 0, got -3"),
    (["run", "x.yaml", "--workers", "two"], "argument --workers: expected a whole number, got 'two'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_arguments_are_one_line_and_status_2(args, words, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and words in err and err.startswith("error: sim")
