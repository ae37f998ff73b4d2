"""Benchmark: CPU time of `sim validate scenarios/baseline.yaml` as a ratio to `python -c pass`,
and of `sim run scenarios/baseline.yaml` (1,000 runs) end to end, without and with --figures, with
their breakdowns (target for `sim run`, which draws no figures: at most 2 s of CPU).

Both are measured side by side in one invocation, alternating, as the CPU time (user + system) of
a child process, and the median of each is compared (the machine is shared: the ratio is what
counts, not the seconds). Target for `validate`: at most 15x. For `run`, the total is the child's
CPU from start to exit, and the breakdown is measured in another child that times each phase
(imports, simulation, summary, figures, theory panel, report, manifest, the rest) with
``time.process_time``.

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
clock = time.process_time
t0 = clock()
import sim.cli
times = {"imports: the command line": clock() - t0}
t = clock()
import mesa
times["imports: mesa (+ pandas, networkx, scipy.spatial)"] = clock() - t
t = clock()
import sim.api, sim.scenario.load, sim.ensemble.runner, sim.theory
from sim.analysis import run_folder, report
from sim.ensemble import store
from sim import workflow
times["imports: the rest, on first use"] = clock() - t
if "--figures" in sys.argv:
    t = clock()
    from sim.analysis import figures
    times["imports: matplotlib (figures)"] = clock() - t

def timed(module, name, phase):
    f = getattr(module, name)
    def wrapper(*a, **k):
        t = clock()
        try:
            return f(*a, **k)
        finally:
            times[phase] = times.get(phase, 0.0) + clock() - t
    setattr(module, name, wrapper)

timed(store, "stream_ensemble", "simulation")
for name, phase in (("summarise", "summary"), ("write_theory", "theory panel"), ("write_run_report", "report"),
                    ("bands", "bands"), ("write_manifest", "manifest (checksums, Parquet copies)")):
    timed(run_folder, name, phase)
if "--figures" in sys.argv:
    timed(figures, "write_figures", "figures")
with open("/dev/null", "w") as devnull:
    out, sys.stdout = sys.stdout, devnull
    sim.cli.main(sys.argv[1:])
    sys.stdout = out
total = clock() - t0
times["the rest"] = total - sum(times.values())
times["total"] = total
print(json.dumps(times))
"""

#: what `import mesa` brings: Mesa's own __init__ imports pandas (and with it pyarrow when it is
#: installed), networkx and scipy.spatial; the simulator cannot avoid them without Mesa
MESA_NOTE = ("`import mesa` brings pandas (and pyarrow when installed), networkx and scipy.spatial: "
             "Mesa's own __init__ imports them, so no run can avoid them")


def run_breakdown(argv: list[str], repeat: int) -> dict[str, float]:
    """Median CPU seconds of each phase of `sim run` over ``repeat`` children."""
    import json

    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIM_LATEST": "0"}
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PHASES, *argv], check=True, capture_output=True, text=True,
                             env=env, cwd=ROOT).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    keys = list(dict.fromkeys(k for r in runs for k in r))
    return {k: statistics.median(r.get(k, 0.0) for r in runs) for k in keys}


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
    """`sim run scenarios/baseline.yaml` (1,000 runs, one process) end to end, without and with
    --figures, side by side, and the phases of each."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        argv = ["run", "scenarios/baseline.yaml", "--quiet", "--workers", "1", "--out", tmp]
        variants = {"sim run scenarios/baseline.yaml": argv, "sim run ... --figures": [*argv, "--figures"]}
        bare = [sys.executable, "-c", "pass"]
        cpu: dict[str, list[float]] = {name: [] for name in ["python -c pass", *variants]}
        for _ in range(repeat):  # alternating, so a busy moment of the machine falls on all alike
            cpu["python -c pass"].append(cpu_seconds(bare))
            for name, a in variants.items():
                cpu[name].append(cpu_seconds([sys.executable, "-m", "sim", *a]))
        phases = {name: run_breakdown(a, repeat) for name, a in variants.items()}
    median = {name: statistics.median(v) for name, v in cpu.items()}
    b = median["python -c pass"]
    print(f"{'python -c pass':<34}{b:6.2f} s CPU (median of {repeat})")
    for name in variants:
        print(f"{name:<34}{median[name]:6.2f} s CPU end to end (median of {repeat}; {median[name] / b:.0f}x python -c pass)")
    default = median["sim run scenarios/baseline.yaml"]
    print(f"target: sim run (no figures) <= 2 s CPU: {'met' if default <= 2 else 'NOT met'} ({default:.2f} s)")
    names = list(dict.fromkeys(k for p in phases.values() for k in p if k != "total"))
    heads = list(variants)
    print(f"breakdown (other children, phases timed inside them; median of {repeat}):")
    def cell(h: str, name: str) -> str:
        sec = phases[h].get(name, 0.0)
        return f"{sec:>12.2f} s {100 * sec / phases[h]['total']:4.0f}%"

    print(f"  {'':<52}" + "".join(f"{h:>21}" for h in ["sim run", "sim run --figures"]))
    for name in names:
        print(f"  {name:<52}" + "".join(cell(h, name) for h in heads))
    print(f"  {'total':<52}" + "".join(f"{phases[h]['total']:>12.2f} s      " for h in heads))
    print(f"  {'start-up and exit (end to end minus the total)':<52}"
          + "".join(f"{median[h] - phases[h]['total']:>12.2f} s      " for h in heads))
    print(f"note: {MESA_NOTE}")


if __name__ == "__main__":
    main()
