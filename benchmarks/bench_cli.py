"""Benchmark: CPU time of `sim validate scenarios/baseline.yaml` as a ratio to `python -c pass`.

Both are measured side by side in one invocation, alternating, as the CPU time (user + system) of
a child process, and the median of each is compared (the machine is shared: the ratio is what
counts, not the seconds). Target: at most 15x.

    python benchmarks/bench_cli.py [--repeat 7] [--command validate|help]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--command", choices=("validate", "help"), default="validate")
    args = ap.parse_args()
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


if __name__ == "__main__":
    main()
