"""Benchmark: ``sim forecast`` at full size, next to a plain ``sim run`` of as many runs.

The forecast simulates ``--draws`` record runs from the priors to the seam, accepts ``--accept`` of
them by the patterns and branches ``--branches`` futures from each (with every twin the scenario
declares), then writes its folder. The plain run is ``sim run`` of the same scenario with as many
runs as the forecast draws (the record only: a forecast scenario's horizon is its seam), all its
twins, the same workers. Both are started as commands (``python -m sim ...``), one after the other,
and the peak resident memory of each command's whole process tree (the command and its workers,
sampled every 0.1 s, as proportional set size: a page shared by several processes is divided among
them) is reported beside its wall time and CPU time, with the resident size of the largest process.

Goal (issue 19): the full forecast, 2x10^5 draws and 100 branches for each of 200 accepted runs,
in under 5 minutes on 2 cores with peak memory under 1 GiB. The figures depend on the machine and
on what else runs on it: say so when quoting them.

    python benchmarks/bench_forecast.py            # full size
    python benchmarks/bench_forecast.py --quick    # a smoke run: 2x10^4 draws, 20 x 10 branches

The scenario is ``scenarios/forecast_2026.yaml`` if it is there, else
``scenarios/history/record_2022_2025.yaml`` with a ``forecast:`` block set from the command line.
Too few record runs fall within every tolerance at these sizes, so the forecast is run with
``--nearest`` (the effective tolerance is in its summary).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def scenario_args() -> list[str]:
    shipped = ROOT / "scenarios" / "forecast_2026.yaml"
    if shipped.exists():
        return [str(shipped)]
    return [str(ROOT / "scenarios" / "history" / "record_2022_2025.yaml"),
            "--set", "forecast={from: 2025-12-01, horizon: 36}"]


def _memory(p: psutil.Process) -> tuple[int, int]:
    """(proportional set size, resident set size) of a process: PSS shares each shared page among
    the processes that map it, so PSS sums over a tree without counting numpy's pages per worker."""
    try:
        full = p.memory_full_info()
        return getattr(full, "pss", full.rss), full.rss
    except psutil.AccessDenied:
        rss = p.memory_info().rss
        return rss, rss


def measure(cmd: list[str]) -> dict:
    """Wall time, CPU time and peak memory of a command and its workers (sampled every 0.1 s)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    peak = {"pss": 0, "rss": 0, "largest": 0}
    cpu: dict[int, float] = {}

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            pss = rss = 0
            for p in tree:
                try:
                    a, b = _memory(p)
                    t = p.cpu_times()
                except psutil.Error:
                    continue
                pss, rss = pss + a, rss + b
                peak["largest"] = max(peak["largest"], b)
                cpu[p.pid] = t.user + t.system
            peak["pss"], peak["rss"] = max(peak["pss"], pss), max(peak["rss"], rss)
            time.sleep(0.1)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    watcher.join()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return {"wall": wall, **peak, "cpu": sum(cpu.values()), "out": out}


def describe(name: str, r: dict) -> str:
    gib = 2**30
    return (f"  wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s (sampled), peak memory {r['pss'] / gib:.2f} GiB "
            f"(PSS of the process tree; RSS {r['rss'] / gib:.2f} GiB counting shared pages in every process; "
            f"largest process {r['largest'] / gib:.2f} GiB)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a smoke run: 2x10^4 draws, 20 accepted, 10 branches")
    p.add_argument("--draws", type=int)
    p.add_argument("--accept", type=int)
    p.add_argument("--branches", type=int)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--scenario", help="a forecast scenario (default: see above)")
    args = p.parse_args()
    draws = args.draws or (20_000 if args.quick else 200_000)
    accept = args.accept or (20 if args.quick else 200)
    branches = args.branches or (10 if args.quick else 100)
    scen = [str(Path(args.scenario).resolve())] if args.scenario else scenario_args()
    sim = [sys.executable, "-m", "sim"]
    with tempfile.TemporaryDirectory() as out:
        forecast = measure([*sim, "forecast", *scen, "--draws", str(draws), "--accept", str(accept), "--branches",
                            str(branches), "--nearest", "--workers", str(args.workers), "--quiet", "--out", out])
        plain = measure([*sim, "run", *scen, "--runs", str(draws), "--workers", str(args.workers), "--quiet",
                         "--out", out])
    gib = 2**30
    print(f"scenario: {' '.join(scen)}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end "
          "(shared with other jobs: figures vary from run to run)")
    print(f"sim forecast: {draws} draws, {accept} accepted x {branches} branches, --workers {args.workers}")
    print(describe("forecast", forecast))
    print(f"sim run: {draws} runs, --workers {args.workers}")
    print(describe("run", plain))
    print(f"forecast / run: wall {forecast['wall'] / plain['wall']:.2f}x, CPU {forecast['cpu'] / plain['cpu']:.2f}x, "
          f"peak memory (PSS) {forecast['pss'] / plain['pss']:.2f}x")
    goal = forecast["wall"] < 300 and forecast["pss"] < gib
    if not args.quick and not args.draws:
        print(f"goal (< 5 min, < 1 GiB): {'met' if goal else 'NOT met'} on this machine as loaded now")
    head = forecast["out"].splitlines()
    print("forecast headline:", *head[:2], sep="\n  ")


if __name__ == "__main__":
    main()
