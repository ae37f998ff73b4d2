"""Benchmark: the baseline ensemble, vectorised across runs vs one Mesa model per run, and the
cost of the pacified twin and of the per-step DataCollector.

Every way is measured side by side in this one process, in interleaved rounds, as CPU time
(``time.process_time``: the machine is shared), and compared as
ratios (the machine is shared and noisy; absolute seconds vary, ratios much less):

- the ensemble alone (no twin), the ensemble with its pacified twin (the default of `sim run`),
  and the ensemble alone with Mesa's model-level DataCollector collecting every step (what
  ensembles did before; single runs and the live page keep it);
- an idiomatic scalar Mesa model of the same game (``scalar_mesa.py``: one ``mesa.Agent`` per
  actor, a Python step per month, every draw from ``model.random``), on the reduced game it
  covers (two tracks, tit-for-tat and random rules, noise; no events, twins or nonstate groups):
  the engine on the same scenario, as runs per second, and whether the two give the same
  distribution of every outcome column (its draws cannot be matched with the engine's streams, so
  the check is a two-sample Kolmogorov-Smirnov test per column, Bonferroni-corrected at 1%);
- the project's own model fed one run at a time (one ``NegotiationModel`` per run: the vectorised
  engine with 1-run arrays, not a scalar model), timed on a subset of the same runs (default
  300), whose results are checked to be identical to the ensemble's;
- parts of the ensemble alone: the nonstate population (the same ensemble with ``nonstate=null``,
  as a ratio; and the same two with every default twin, as ``sim run`` simulates them), the robustness grid of the channel definition (its trackers fed the ensemble's
  recorded moves, with and without the grid) and the random numbers (every chunk's ``draw`` and
  the population's own stream, timed alone), each as a share of the ensemble alone.

    python benchmarks/bench_ensemble.py [--runs 10000] [--conventional-runs 300] [--scalar-runs 2000] [--rounds 3]
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

import scalar_mesa
from sim import NegotiationModel, load_scenario, run_ensemble, scenario_from_dict
from sim.ensemble.runner import chunks, run_table
from sim.model.draws import draw
from sim.model.nonstate import group_values
from sim.model.outcomes import OutcomeTracker
from sim.results.outcomes import ROBUSTNESS_GRID
from sim.streams import keyed_uniform_rows
from sim.workflow import write_results

ROOT = Path(__file__).resolve().parent.parent


def vectorised(scenario, runs, twins=()):
    t = time.process_time()
    result = run_ensemble(scenario, runs=runs, twins=twins)
    return time.process_time() - t, result


def with_datacollector(scenario, runs, chunk=2000):
    """The ensemble alone, chunk by chunk as run_ensemble does, with the DataCollector on."""
    t = time.process_time()
    for a in range(0, runs, chunk):
        NegotiationModel(scenario, runs=np.arange(a, min(a + chunk, runs)), collect=True).run().release()
    return time.process_time() - t


def grid_alone(scenario, runs, chunk=2000):
    """CPU time of the robustness grid's trackers alone: each chunk is simulated once, its moves,
    levels and live lanes recorded, and then fed step by step to outcome trackers with the grid
    and without it; the difference is the grid's cost (far steadier than two whole ensembles)."""
    spec, cost = scenario.outcomes, 0.0
    for ids in chunks(runs, chunk):
        m = NegotiationModel(scenario, runs=np.arange(ids.start, ids.stop), collect=False, grid=False)
        start, steps = m.levels().copy(), []
        ch = spec.channel

        def record(m):
            frozen = m.tracks[ch].was_frozen.copy() if ch in m.thaw_u else None
            steps.append((m.t - 1, tuple(x.copy() for x in m.moves()), m.levels().copy(), (m.t - 1) < m.length,
                          frozen))

        m.run(observer=record)
        n = len(m.run_ids)
        m.release()
        times = {}
        for grid in (True, False):
            t = time.process_time()
            tracker = OutcomeTracker(spec, n, len(scenario.tracks), start, grid=grid, grid_runs=n)
            for step, moves, levels, alive, frozen in steps:
                tracker.update(step, moves, levels, alive, frozen)
            tracker.held_grid()
            times[grid] = time.process_time() - t
        cost += times[True] - times[False]
    return cost


def random_numbers(scenario, runs, chunk=2000):
    """Every random number of the ensemble, drawn alone chunk by chunk: ``draw`` (parameters,
    dynamics block, events, thaws) and the nonstate population's (its groups' values and stream)."""
    t = time.process_time()
    for ids in chunks(runs, chunk):
        ids = np.arange(ids.start, ids.stop)
        draw(scenario, scenario.seed, ids)
        ns = scenario.nonstate
        if ns is not None:
            for name in ("capability", "intent"):
                group_values(ns, name, scenario.seed, ids)
            width = 2 * ns.groups + min(len(scenario.actors), 2)
            for _ in keyed_uniform_rows(scenario.seed, "nonstate", "draws", ids, scenario.horizon * width):
                pass   # as the population reads it: a few runs at a time
    return time.process_time() - t


def conventional(scenario, runs):
    """One NegotiationModel (a plain Mesa model) per run, stepped to the end, one after another."""
    t = time.process_time()
    rows = [run_table(NegotiationModel(scenario, runs=[r]).run()) for r in range(runs)]
    return time.process_time() - t, rows


def scalar_comparison(runs: int, scalar_runs: int, rounds: int) -> str:
    """The engine vs the idiomatic scalar Mesa model on the game both cover: CPU per run, side by
    side in interleaved rounds, and the agreement of their outcome distributions."""
    game = scenario_from_dict(scalar_mesa.GAME)
    run_ensemble(game, runs=200, twins=())  # warm up
    ratios, engine, scalar = [], None, None
    for i in range(rounds):
        t = time.process_time()
        engine = run_ensemble(game, runs=runs, twins=()).table
        te = (time.process_time() - t) / runs
        t = time.process_time()
        scalar = scalar_mesa.simulate(scalar_runs, seed=i)
        ts = (time.process_time() - t) / scalar_runs
        ratios.append(ts / te)
        print(f"round {i + 1}: engine {1e6 * te:.1f} us CPU per run ({runs} runs); scalar Mesa {1e6 * ts:.1f} us "
              f"per run ({scalar_runs} runs)")
    agree, ps = scalar_mesa.agreement(engine, scalar)
    worst = min(ps, key=lambda x: x[1])
    check = (f"same distributions: {'yes' if agree else 'NO'} (two-sample KS per column, {len(ps)} columns, "
             f"Bonferroni at 1%; smallest p = {worst[1]:.3g} on {worst[0]})")
    return (f"engine vs idiomatic scalar Mesa (game of scalar_mesa.py): {statistics.median(ratios):.1f} x faster per "
            f"run (median of {rounds}); {check}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    p.add_argument("--runs", type=int, default=10_000)
    p.add_argument("--conventional-runs", type=int, default=300)
    p.add_argument("--scalar-runs", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    scalar_line = scalar_comparison(args.runs, args.scalar_runs, args.rounds)
    scenario = load_scenario(args.scenario)
    run_ensemble(scenario, runs=200)  # warm up imports and caches

    bare = load_scenario(args.scenario, ["nonstate=null"]) if scenario.nonstate is not None else None
    vec_rates, conv_rates, twin_ratio, dc_ratio, pop_ratio, all_ratio, pop_all_ratio = [], [], [], [], [], [], []
    grid_share, rng_share, pop_cost = [], [], []
    for i in range(args.rounds):
        tv, result = vectorised(scenario, args.runs)
        tt, with_twin = vectorised(scenario, args.runs, twins=("pacified",))
        ta, _ = vectorised(scenario, args.runs, twins=None)
        td = with_datacollector(scenario, args.runs)
        tc, rows = conventional(scenario, args.conventional_runs)
        if bare is not None:
            tb, _ = vectorised(bare, args.runs)
            pop_ratio.append(tv / tb)
            pop_cost.append(tv - tb)
            tba, _ = vectorised(bare, args.runs, twins=None)   # as `sim run` simulates both
            pop_all_ratio.append(ta / tba)
        grid_share.append(grid_alone(scenario, args.runs) / tv)
        rng_share.append(random_numbers(scenario, args.runs) / tv)
        vec_rates.append(args.runs / tv)
        conv_rates.append(args.conventional_runs / tc)
        twin_ratio.append(tt / tv)
        all_ratio.append(ta / tv)
        dc_ratio.append(td / tv)
        print(f"round {i + 1}: ensemble alone {args.runs} runs in {tv:.2f} s; with pacified twin {tt:.2f} s; "
              f"with DataCollector {td:.2f} s; one model per run: {args.conventional_runs} runs in {tc:.2f} s")
    for col, value in result.table.items():  # the twin changes nothing in the runs themselves
        assert np.array_equal(value, with_twin.table[col]), col
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
    print(scalar_line)
    print(f"the engine fed 1 run at a time: {conv:6.0f} runs/s  (identical results on the {args.conventional_runs} "
          f"runs compared): {vec / conv:.0f} x  (the project's own model, not a scalar Mesa model)")
    print(f"with the pacified twin:    {statistics.median(twin_ratio):10.2f} x the time of the ensemble alone "
          f"(+{100 * (statistics.median(twin_ratio) - 1):.0f}%)")
    print(f"with every default twin:   {statistics.median(all_ratio):10.2f} x  (pacified and the "
          f"{len(scenario.twins)} declared: what `sim run` simulates by default)")
    print(f"with the DataCollector:    {statistics.median(dc_ratio):10.2f} x the time of the ensemble alone "
          f"(what ensembles no longer pay)")
    if pop_ratio:
        print(f"with the nonstate population ({scenario.nonstate.groups} groups): "
              f"{statistics.median(pop_ratio):.2f} x the time of the same ensemble without it (both without twins; "
              f"+{statistics.median(pop_cost):.2f} s CPU)")
        print(f"  and as `sim run` simulates them (every default twin, the population's numbers read once "
              f"for a run and its twins): {statistics.median(pop_all_ratio):.2f} x")
    print(f"the robustness grid ({len(ROBUSTNESS_GRID.trackers(scenario.outcomes))} trackers):  "
          f"{100 * statistics.median(grid_share):.0f}% of the ensemble alone (its trackers alone, on the ensemble's moves)")
    print(f"the random numbers:        {100 * statistics.median(rng_share):.0f}% of the ensemble alone (drawn alone)")
    print(f"peak traced memory (ensemble, {args.runs} runs): {peak / 2**20:.0f} MiB; "
          f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MiB")
    print(f"end to end incl. the results folder (no figures: they are drawn on request): {end_to_end:.2f} s")


if __name__ == "__main__":
    main()
