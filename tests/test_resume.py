"""Interrupted sweeps: a real signal halfway, then --resume gives the uninterrupted result."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import signal_when

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
GRID = ["--vary", "actors.*.strategies.frontier_safety.linkage=0,0.5,1", "--vary", "actors.US.noise=0.01,0.1"]


def finished_sweeps(root: Path) -> list[Path]:
    return [p for p in (root / "baseline").iterdir() if p.name.startswith("sweep-") and not p.name.endswith(".incomplete")]


# Runs per point (6000, then 2000 before; the checks are byte comparisons, so the count decides
# nothing but the time). The signal must land after two of the six points are complete and before
# the sixth is: four more points. A point draws no figures unless --figures, so its simulation
# dominates (the six-point sweep on a loaded 2-core machine: 8 s at 2000 runs, 4.3 s at 1000, 3.1 s
# at 500), so at 1000 runs that window is still about 2.8 s against the 0.05 s the poll in
# `signal_when` takes to notice the second point.
RUNS = "1000"


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The uninterrupted sweep, computed once for every signal."""
    ref_root = tmp_path_factory.mktemp("ref")
    assert main(["sweep", BASELINE, *GRID, "--runs", RUNS, "--out", str(ref_root), "--quiet", "--workers", "1"]) == 0
    (folder,) = finished_sweeps(ref_root)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["KILL", "INT"])
def test_resume_after_a_real_signal_equals_uninterrupted(sig, reference, tmp_path, capsys):
    runs = RUNS
    root = tmp_path / "interrupted"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", BASELINE, *GRID, "--runs", runs,
                             "--out", str(root), "--quiet", "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    signal_when(proc, lambda: len(list(root.glob("baseline/*.incomplete/point-*/manifest.json"))) >= 2,
                sig, "the sweep to complete two of its six points")
    assert finished_sweeps(root) == []  # nothing looks complete
    (work,) = (root / "baseline").iterdir()
    assert work.name.endswith(".incomplete") and not (work / "manifest.json").exists()
    done_before = sorted(p.parent.name for p in work.glob("point-*/manifest.json"))
    assert 2 <= len(done_before) < 6

    capsys.readouterr()
    assert main(["sweep", "--resume", str(work), "--quiet", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert f"resumed: {6 - len(done_before)} unfinished point(s) redone" in out
    (resumed,) = finished_sweeps(root)
    assert (resumed / "sweep.csv").read_bytes() == (reference / "sweep.csv").read_bytes()
    for point in sorted(reference.glob("point-*")):
        assert (resumed / point.name / "runs.csv").read_bytes() == (point / "runs.csv").read_bytes()
    assert not list(resumed.glob(".partial-*"))
    assert main(["verify", str(resumed)]) == 0


def test_resume_refuses_what_it_cannot_resume(tmp_path, capsys):
    assert main(["sweep", "--resume", str(tmp_path)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err
    assert main(["sweep", BASELINE, "--vary", "actors.US.noise=0,0.1", "--runs", "20", "--out", str(tmp_path),
                 "--quiet"]) == 0
    (done,) = finished_sweeps(tmp_path)
    capsys.readouterr()
    assert main(["sweep", "--resume", str(done)]) == 2
    assert "already complete" in capsys.readouterr().err
    assert main(["sweep", "--resume", str(done), "--runs", "5"]) == 2
    assert "--resume takes only the sweep folder" in capsys.readouterr().err
