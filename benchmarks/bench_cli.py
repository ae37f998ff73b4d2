"""Benchmark: CPU time of `sim validate scenarios/baseline.yaml` as a ratio to `python -c pass`,
and of `sim run scenarios/baseline.yaml` (1,000 runs) end to end, with its breakdown.

Both are measured side by side in one invocation, alternating, as the CPU time (user + system) of
a child process, and the median of each is compared (the machine is shared: the ratio is what
counts, not the seconds). Target for `validate`: at most 15x. For `run`, the total is the child's
CPU from start to exit, and the breakdown is measured in another child that times each phase
(imports, simulation, summary, figures, theory panel, report, the rest) with ``time.process_time``.

    python benchmarks/bench_cli.py [--repeat 7] [--command validate|help|run]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(argv: list[str]) -> float:
    """User + system CPU time of one child process running ``argv`` to the end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: run in a child: `sim run` with each phase timed (CPU seconds), printed as JSON on the last line
PHASES = r"""
import json, sys, time
t0 = time.process_time()
import sim.cli
cli = time.process_time() - t0
times = {"imports: the command line": cli, "imports: on first use": 0.0}
from sim.analysis import run_folder
from sim.ensemble import store
from sim import workflow

def timed(module, name, phase):
    f = getattr(module, name)
    def wrapper(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            times[phase] = times.get(phase, 0.0) + time.process_time() - t
    setattr(module, name, wrapper)

times["imports: on first use"] = time.process_time() - t0 - cli
timed(store, "stream_ensemble", "simulation")
for name, phase in (("summarise", "summary"), ("write_figures", "figures"), ("write_theory", "theory panel"),
                    ("write_run_report", "report"), ("bands", "bands")):
    timed(run_folder, name, phase)
with open("/dev/null", "w") as devnull:
    out, sys.stdout = sys.stdout, devnull
    sim.cli.main(sys.argv[1:])
    sys.stdout = out
total = time.process_time() - t0
times["the rest"] = total - sum(times.values())
times["total"] = total
print(json.dumps(times))
"""


def run_breakdown(argv: list[str], repeat: int) -> dict[str, float]:
    """Median CPU seconds of each phase of `sim run` over ``repeat`` children."""
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PHASES, *argv], check=True, capture_output=True, text=True,
                             env=env, cwd=ROOT).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {k: statistics.median(r.get(k, 0.0) for r in runs) for k in runs[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--command", choices=("validate", "help", "run"), default="validate")
    args = ap.parse_args()
    if args.command == "run":
        return bench_run(args.repeat)
    sim = [sys.executable, "-m", "sim"] + (["validate", "scenarios/baseline.yaml"] if args.command == "validate"
                                           else ["--help"])
    bare = [sys.executable, "-c", "pass"]
    cpu_sim, cpu_bare = [], []
    for _ in range(args.repeat):
        cpu_bare.append(cpu_seconds(bare))
        cpu_sim.append(cpu_seconds(sim))
    s, b = statistics.median(cpu_sim), statistics.median(cpu_bare)
    print(f"python -c pass:        {b * 1000:7.1f} ms CPU (median of {args.repeat})")
    print(f"sim {' '.join(sim[3:]):<18} {s * 1000:7.1f} ms CPU (median of {args.repeat})")
    print(f"ratio: {s / b:.1f}x (target <= 15x)")


def bench_run(repeat: int) -> None:
    """`sim run scenarios/baseline.yaml` (1,000 runs, one process) end to end, and its phases."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        argv = ["run", "scenarios/baseline.yaml", "--quiet", "--workers", "1", "--out", tmp]
        bare = [sys.executable, "-c", "pass"]
        cpu_run, cpu_bare = [], []
        for _ in range(repeat):
            cpu_bare.append(cpu_seconds(bare))
            cpu_run.append(cpu_seconds([sys.executable, "-m", "sim", *argv]))
        phases = run_breakdown(argv, repeat)
    total, b = statistics.median(cpu_run), statistics.median(cpu_bare)
    print(f"python -c pass:                        {b:6.2f} s CPU (median of {repeat})")
    print(f"sim run scenarios/baseline.yaml:       {total:6.2f} s CPU end to end (median of {repeat}; "
          f"{total / b:.0f}x python -c pass; target <= 2 s)")
    print(f"breakdown (another child, phases timed inside it; total {phases['total']:.2f} s):")
    for name, sec in phases.items():
        if name != "total":
            print(f"  {name:<28}{sec:6.2f} s  {100 * sec / phases['total']:5.1f}%")


if __name__ == "__main__":
    main()
