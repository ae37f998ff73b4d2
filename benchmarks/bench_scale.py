"""Benchmark: one large baseline ensemble on every executor, memory at growing sizes.

Measured side by side in one invocation (the machine is shared: compare the ratios):
- throughput (runs/s) of the same ensemble, serial, on 2 local processes and on a 2-worker local
  Dask cluster, each streamed to a results folder (the runs.csv files are checked identical);
- peak memory (max RSS of a fresh process, workers included) of a serial run at 10^4, 10^5, 10^6 runs;
- the ratio against one Mesa model per run (the conventional way), on a subset.

    python benchmarks/bench_scale.py [--runs 1000000] [--no-dask] [--memory-sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.yaml"

CHILD = """
import sys, tempfile, time
from pathlib import Path
from sim import load_scenario
from sim.workflow import simulate_to_folder
s = load_scenario(sys.argv[1])
with tempfile.TemporaryDirectory() as d:
    t = time.perf_counter()
    simulate_to_folder(s, Path(d), ["bench"], runs=int(sys.argv[2]))
    wall = time.perf_counter() - t
# VmHWM: this process's own peak resident memory (ru_maxrss would carry over the parent's
# high-water mark across fork and exec)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"{hwm / 1024:.0f} {wall:.2f}")
"""


def timed(executor, runs: int, folder: Path) -> float:
    from sim import load_scenario
    from sim.workflow import simulate_to_folder

    scenario = load_scenario(SCENARIO)
    folder.mkdir()
    t = time.perf_counter()
    simulate_to_folder(scenario, folder, ["bench"], runs=runs, executor=executor)
    return time.perf_counter() - t


def conventional_rate(n: int) -> float:
    from sim import NegotiationModel, load_scenario
    from sim.ensemble.runner import run_table

    scenario = load_scenario(SCENARIO)
    t = time.perf_counter()
    for r in range(n):
        run_table(NegotiationModel(scenario, runs=[r]).run())
    return n / (time.perf_counter() - t)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1_000_000)
    p.add_argument("--no-dask", action="store_true")
    p.add_argument("--memory-sizes", default="10000,100000,1000000")
    p.add_argument("--conventional-runs", type=int, default=300)
    p.add_argument("--memory-only", action="store_true", help="only the peak-memory measurements")
    args = p.parse_args()
    if args.memory_only:
        memory(args.memory_sizes)
        return

    from sim.ensemble.executors import ProcessExecutor, SerialExecutor

    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        conv = conventional_rate(args.conventional_runs)
        rates["serial"] = args.runs / timed(SerialExecutor(), args.runs, tmp / "serial")
        print(f"serial:            {rates['serial']:9.0f} runs/s", flush=True)
        with ProcessExecutor(2) as ex:
            rates["2 processes"] = args.runs / timed(ex, args.runs, tmp / "proc")
        print(f"2 processes:       {rates['2 processes']:9.0f} runs/s", flush=True)
        assert filecmp.cmp(tmp / "serial" / "runs.csv", tmp / "proc" / "runs.csv", shallow=False)
        if not args.no_dask:
            from sim.ensemble.dask_executor import DaskExecutor

            with DaskExecutor(local_workers=2) as ex:
                rates["Dask, 2 workers"] = args.runs / timed(ex, args.runs, tmp / "dask")
            print(f"Dask, 2 workers:   {rates['Dask, 2 workers']:9.0f} runs/s", flush=True)
            assert filecmp.cmp(tmp / "serial" / "runs.csv", tmp / "dask" / "runs.csv", shallow=False)

    print(f"\nbaseline, {args.runs:,} runs streamed to a results folder (runs.csv identical on every executor)")
    print(f"{'executor':<18}{'runs/s':>10}{'vs serial':>11}{'vs one model per run':>22}")
    for name, rate in rates.items():
        print(f"{name:<18}{rate:10.0f}{rate / rates['serial']:10.2f}x{rate / conv:21.0f}x")
    print(f"{'one model per run':<18}{conv:10.0f}   ({args.conventional_runs} runs)")

    memory(args.memory_sizes)
    print(json.dumps({k: round(v) for k, v in rates.items()}))


def memory(sizes: str) -> None:
    print("\npeak memory of a fresh serial `simulate_to_folder` process (VmHWM, peak resident set):")
    for n in (int(x) for x in sizes.split(",")):
        out = subprocess.run([sys.executable, "-c", CHILD, str(SCENARIO), str(n)], capture_output=True,
                             text=True, check=True).stdout.split()
        print(f"  {n:>10,} runs: {float(out[0]):7.0f} MiB  ({float(out[1]):.1f} s)", flush=True)


if __name__ == "__main__":
    main()
