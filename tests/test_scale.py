"""Scale and integrity: executors and chunking give identical bytes; replay; kill safety; verify."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import signal_when

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")


#: runs of the reference and of each executor and chunking compared with it (300 before): 100 runs
#: are 100 chunks of 1 (each chunk boundary a chance to lose a run's random numbers), 15 of 7 with a
#: short last one, and every mechanism of the baseline fires in some of them; chunks of 1 take about
#: 65 ms each, so 300 runs made that case alone take 20 s
RUNS = 100


def sim_run(tmp_path: Path, *extra: str, runs: int = RUNS) -> Path:
    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
    assert main(["run", BASELINE, "--runs", str(runs), "--out", str(out), "--quiet", *extra]) == 0
    (folder,) = (out / "baseline").iterdir()
    return folder


#: the files an ensemble's numbers are in: the runs, the per-step bands (their means are sums
#: over the chunks' runs) and the summary
COMPARED = ("runs.csv", "bands.csv", "summary.json")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    folder = sim_run(tmp_path_factory.mktemp("ref"), "--workers", "1", "--chunk-size", "2000")
    return {name: (folder / name).read_bytes() for name in COMPARED}


@pytest.mark.parametrize("options", [
    ("--workers", "1", "--chunk-size", "1"),
    ("--workers", "1", "--chunk-size", "7"),
    ("--workers", "1", "--chunk-size", "1000"),
    ("--workers", "2", "--chunk-size", "7"),
    ("--workers", "2", "--chunk-size", "1000"),
    pytest.param(("--dask-local", "2", "--chunk-size", "7"), marks=pytest.mark.cluster),
], ids=lambda o: " ".join(o))
def test_runs_table_identical_bytes(options, reference, tmp_path):
    """Serial, 2 processes and a local Dask cluster, chunks of 1, 7, 1000: the same runs.csv,
    bands.csv and summary.json bytes (the bands' means were float sums over chunks, which differed
    in the last digit)."""
    folder = sim_run(tmp_path, *options)
    for name in COMPARED:
        assert (folder / name).read_bytes() == reference[name], name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["chunk_size"] == int(options[-1])



def test_local_workers_start_with_the_simulation_imported():
    """Workers fork from a server that imported the simulation once (executors.WORKER_MODULES), so
    a pool starts without each worker importing numpy, Mesa and sim again (docs/scale.md). Fails
    with the fork server preloading only its lifeline: the workers then have none of them."""
    from pool_probe import loaded

    from sim.ensemble.executors import WORKER_MODULES, ProcessExecutor

    with ProcessExecutor(2) as pool:
        assert dict(zip(WORKER_MODULES, pool.map(loaded, WORKER_MODULES))) == dict.fromkeys(WORKER_MODULES, True)
        assert all(pool.map(loaded, ["mesa", "numpy"]))

def test_replay_matches_and_detects_a_change(tmp_path, capsys):
    folder = sim_run(tmp_path, runs=120)
    for k in (0, 57, 119):
        assert main(["replay", str(folder), "--run", str(k), "--no-color"]) == 0
        out = capsys.readouterr().out
        assert f"replay matches the stored row for run {k}" in out
        assert "frontier_safety" in out and "beliefs" in out
    # change one stored payoff: the replay no longer matches and says where
    lines = (folder / "runs.csv").read_text().splitlines()
    header = lines[0].split(",")
    row = lines[58].split(",")
    j = header.index("payoff.US")
    row[j] = repr(float(row[j]) + 1.0)
    lines[58] = ",".join(row)
    (folder / "runs.csv").write_text("\n".join(lines) + "\n")
    assert main(["replay", str(folder), "--run", "57", "--no-color"]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "payoff.US" in out
    assert main(["replay", str(folder), "--run", "500"]) == 2
    assert "out of range" in capsys.readouterr().err


def test_verify_reports_tampering(tmp_path, capsys):
    folder = sim_run(tmp_path, runs=50)
    assert main(["verify", str(folder)]) == 0
    assert main(["figures", str(folder)]) == 0   # drawn later: the manifest records them, verify passes
    assert main(["verify", str(folder)]) == 0
    assert "ok:" in capsys.readouterr().out
    with open(folder / "summary.json", "a") as f:
        f.write(" ")
    (folder / "figures" / "levels.svg").unlink()
    assert main(["verify", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "modified:   summary.json" in out and "missing:    figures/levels.svg" in out
    assert main(["verify", str(tmp_path)]) == 2


def test_trajectories_sample_and_all(tmp_path):
    from sim.results.tables import read_table

    sample = read_table(sim_run(tmp_path, runs=40) / "trajectories_sample.csv")
    assert sorted(set(sample["run"])) == list(range(10))
    full = read_table(sim_run(tmp_path, "--keep-trajectories", runs=40) / "trajectories.csv")
    assert sorted(set(full["run"])) == list(range(40)) and len(full["run"]) == 40 * 36


def _complete_folders(root: Path) -> list[Path]:
    base = root / "baseline"
    return [p for p in base.iterdir() if not p.name.startswith(".")] if base.exists() else []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["KILL", "TERM", "INT"])
def test_killed_run_leaves_no_complete_folder(sig, tmp_path):
    """A real signal to a real `sim run` halfway: nothing that looks like a finished folder."""
    out = tmp_path / "res"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", BASELINE, "--runs", "2000000", "--workers", "1",
                             "--out", str(out), "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    def writing() -> bool:  # it is writing rows
        partial = list((out / "baseline").glob(".partial-*/runs.csv")) if (out / "baseline").exists() else []
        return bool(partial) and partial[0].stat().st_size > 100_000

    signal_when(proc, writing, sig, "the run to start writing rows")
    assert _complete_folders(out) == []
    leftovers = list((out / "baseline").iterdir())
    assert all(p.name.startswith(".partial-") and not (p / "manifest.json").exists() for p in leftovers)
    if sig != signal.SIGKILL:  # a catchable signal cleans up entirely
        assert leftovers == []
        assert "interrupted" in proc.stderr.read().decode()


def test_simultaneous_runs_never_collide(tmp_path, monkeypatch):
    """Runs started in the same second get their own folders, deterministically: the clock is
    frozen, so every run asks for the same name; and a name another process takes between the
    check and the rename (simulated: the check is told the name is free) moves on to the next."""
    from sim.results import folders

    monkeypatch.setattr(folders, "timestamp", lambda: "20260101-000000")
    out = tmp_path / "res"
    cmd = ["run", BASELINE, "--runs", "20", "--out", str(out), "--quiet"]
    for _ in range(3):
        assert main(cmd) == 0
    stem = "20260101-000000-seed2026-runs20"
    assert sorted(p.name for p in _complete_folders(out)) == [stem, f"{stem}-2", f"{stem}-3"]
    real_exists = Path.exists
    # the race: every taken name looks free when checked, as if another process took it just after
    monkeypatch.setattr(Path, "exists", lambda self: False if self.name.startswith(stem) else real_exists(self))
    assert main(cmd) == 0
    folders = _complete_folders(out)
    assert sorted(p.name for p in folders) == [stem, f"{stem}-2", f"{stem}-3", f"{stem}-4"]
    assert all((f / "manifest.json").exists() for f in folders)
    assert not [p for p in (out / "baseline").iterdir() if p.name.startswith(".")]
