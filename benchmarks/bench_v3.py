"""Benchmark: what the version 3 mechanisms and the mechanism table cost.

Three ensembles of the same size, measured side by side in interleaved rounds in this one process
and compared as ratios of CPU time (the machine is shared and noisy; ratios vary much less than
seconds):

- **v2**: the version 2 baseline (the scenario file as it was before version 3, kept in
  ``benchmarks/data/baseline_v2.yaml``) with its default twins (pacified, channel closed);
- **v3, v2 twins**: the version 3 baseline (rules drawn per run, freezes and thaws, level linkage,
  the audience term on the channel, the dated calendar) with the same two twins only;
- **v3, all twins**: the version 3 baseline with every twin it declares, the mechanism table's
  seven included (what ``sim run`` does).

    python benchmarks/bench_v3.py [--runs 4000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sim import load_scenario, run_ensemble

ROOT = Path(__file__).resolve().parent.parent
V2_TWINS = ("pacified", "channel_closed")


def cpu(scenario, runs: int, twins) -> float:
    t = time.process_time()
    run_ensemble(scenario, runs=runs, twins=twins)
    return time.process_time() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=4000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    v2 = load_scenario(ROOT / "benchmarks" / "data" / "baseline_v2.yaml")
    v3 = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    ways = {"v2": (v2, None), "v3, v2 twins": (v3, V2_TWINS), "v3, all twins": (v3, None)}
    for scenario, twins in ways.values():  # warm up: imports, caches
        run_ensemble(scenario, runs=200, twins=twins)
    times: dict[str, list[float]] = {w: [] for w in ways}
    for r in range(args.rounds):
        order = list(ways) if r % 2 == 0 else list(reversed(ways))
        for w in order:
            times[w].append(cpu(*ways[w][:1], args.runs, ways[w][1]))
    med = {w: statistics.median(t) for w, t in times.items()}
    print(f"{args.runs} runs, {args.rounds} interleaved rounds, median CPU seconds:")
    for w, t in med.items():
        print(f"  {w:<16}{t:6.2f} s")
    print(f"v3 with all twins / v2:             {med['v3, all twins'] / med['v2']:.2f}x")
    print(f"v3 with all twins / v3 with v2 twins: {med['v3, all twins'] / med['v3, v2 twins']:.2f}x")
    print(f"v3 with v2 twins / v2:              {med['v3, v2 twins'] / med['v2']:.2f}x")


if __name__ == "__main__":
    main()
