"""Faults around the run: the parent killed with workers running, two writers of one sweep folder,
a sweep interrupted between its manifest and its final rename."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")


def session_members(sid: int) -> list[tuple[int, str]]:
    """Live processes of session ``sid`` (pid, command line)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                out.append((int(d.name), (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]))
        except (OSError, IndexError, ValueError):
            pass
    return out


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and prctl")
def test_workers_die_with_a_killed_parent(tmp_path):
    """SIGKILL of `sim run --workers 2` mid-run: the fork server, the workers and the resource
    tracker all end (they used to survive and hold the caller's pipes open)."""
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", BASELINE, "--runs", "400000", "--workers", "2",
                             "--out", str(tmp_path / "out"), "--quiet"], start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(session_members(proc.pid)) < 4:  # sim, fork server, two workers (and the tracker)
            assert time.monotonic() < deadline and proc.poll() is None, "the workers never started"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30
        while session_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert session_members(proc.pid) == []
    finally:
        for pid, _ in session_members(proc.pid):
            os.kill(pid, signal.SIGKILL)


GRID = ["--vary", "actors.US.noise=0.01,0.05", "--runs", "20", "--quiet", "--workers", "1"]


def interrupted_before_rename(tmp_path, monkeypatch, capsys) -> Path:
    """A sweep that wrote everything, its manifest included, and was stopped before its rename."""
    from sim.cli import main
    from sim.results import folders

    def stop(work):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(folders, "complete", stop)
        assert main(["sweep", BASELINE, *GRID, "--out", str(tmp_path)]) == 130
    capsys.readouterr()
    (work,) = (tmp_path / "baseline").iterdir()
    assert work.name.endswith(".incomplete") and (work / "manifest.json").is_file()
    return work


def test_resume_finishes_the_final_rename(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    work = interrupted_before_rename(tmp_path, monkeypatch, capsys)
    manifest = (work / "manifest.json").read_bytes()
    assert main(["sweep", "--resume", str(work), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "resumed: 0 unfinished point(s) redone" in out
    (done,) = (tmp_path / "baseline").iterdir()
    assert done.name == work.name.removesuffix(".incomplete")
    assert (done / "manifest.json").read_bytes() == manifest  # nothing was redone
    assert main(["verify", str(done)]) == 0


def test_second_writer_of_a_sweep_folder_fails_at_once(tmp_path, monkeypatch, capsys):
    from sim.cli import main
    from sim.results.folders import folder_lock

    work = interrupted_before_rename(tmp_path, monkeypatch, capsys)
    with folder_lock(work):  # another `sim sweep --resume` of the same folder is running
        started = time.monotonic()
        assert main(["sweep", "--resume", str(work), "--quiet"]) == 2
        assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert err == f"error: {work}: another sim process is writing this sweep; wait for it to finish\n"
    assert work.is_dir()  # untouched; the lock is gone with its holder, and resume now works
    assert main(["sweep", "--resume", str(work), "--quiet"]) == 0


def _slow_chunk(x):
    time.sleep(60)
    return x


@pytest.mark.cluster
@pytest.mark.slow
def test_cluster_without_workers_gives_up_after_the_timeout():
    """Every worker of the cluster leaves while a chunk is computed: after --cluster-timeout
    seconds the run ends with one UserError line, instead of waiting for ever."""
    import threading

    from dask.distributed import LocalCluster

    from sim.ensemble.dask_executor import DaskExecutor
    from sim.errors import UserError

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with DaskExecutor(scheduler=cluster.scheduler_address, cluster_timeout=2) as executor:
            threading.Timer(1.0, lambda: cluster.scale(0)).start()
            started = time.monotonic()
            with pytest.raises(UserError) as info:
                list(executor.map(_slow_chunk, [1]))
            waited = time.monotonic() - started
    assert "no worker for 2 s; giving up" in str(info.value)
    assert "\n" not in str(info.value)
    assert 2 <= waited < 30
