"""Benchmark: the baseline ensemble, vectorised across runs vs one Mesa model per run.

Both ways are measured side by side in this one process, in interleaved rounds, and compared as
ratios (the machine is shared and noisy; absolute seconds vary, ratios much less). The
conventional way is timed on a subset of the same runs (default 300) and its results are checked
to be identical to the ensemble's.

    python benchmarks/bench_ensemble.py [--runs 10000] [--conventional-runs 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from sim import NegotiationModel, load_scenario, run_ensemble
from sim.ensemble.runner import run_table
from sim.ensemble.store import write_results

ROOT = Path(__file__).resolve().parent.parent


def vectorised(scenario, runs):
    t = time.perf_counter()
    result = run_ensemble(scenario, runs=runs)
    return time.perf_counter() - t, result


def conventional(scenario, runs):
    """One NegotiationModel (a plain Mesa model) per run, stepped to the end, one after another."""
    t = time.perf_counter()
    rows = [run_table(NegotiationModel(scenario, runs=[r]).run()) for r in range(runs)]
    return time.perf_counter() - t, rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    p.add_argument("--runs", type=int, default=10_000)
    p.add_argument("--conventional-runs", type=int, default=300)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    scenario = load_scenario(args.scenario)
    run_ensemble(scenario, runs=200)  # warm up imports and caches

    vec_rates, conv_rates = [], []
    for i in range(args.rounds):
        tv, result = vectorised(scenario, args.runs)
        tc, rows = conventional(scenario, args.conventional_runs)
        vec_rates.append(args.runs / tv)
        conv_rates.append(args.conventional_runs / tc)
        print(f"round {i + 1}: vectorised {args.runs} runs in {tv:.2f} s; "
              f"one model per run: {args.conventional_runs} runs in {tc:.2f} s")
    for r, row in enumerate(rows):  # the two ways give the same runs
        for col, value in row.items():
            assert np.array_equal(value[0], result.table[col][r]), (r, col)

    tracemalloc.start()
    run_ensemble(scenario, runs=args.runs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        res = run_ensemble(scenario, runs=args.runs)
        write_results(res, Path(tmp), ["benchmark"])
        end_to_end = time.perf_counter() - t

    vec, conv = statistics.median(vec_rates), statistics.median(conv_rates)
    print()
    print(f"scenario: {scenario.name}, {args.runs} runs x {scenario.horizon} steps, {len(scenario.tracks)} tracks")
    print(f"vectorised ensemble:       {vec:10.0f} runs/s  ({args.runs / vec:.2f} s for {args.runs} runs, median of {args.rounds})")
    print(f"one Mesa model per run:    {conv:10.0f} runs/s  (identical results on the {args.conventional_runs} runs compared)")
    print(f"throughput ratio:          {vec / conv:10.0f} x")
    print(f"peak traced memory (ensemble, {args.runs} runs): {peak / 2**20:.0f} MiB; "
          f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MiB")
    print(f"end to end incl. results folder and figures: {end_to_end:.2f} s")


if __name__ == "__main__":
    main()
