"""The workflows: simulate -> store -> analyse -> report, composed in one place.

Each layer does one thing: :mod:`sim.ensemble` simulates and writes its own tables through
:mod:`sim.results`; :mod:`sim.analysis` reads those tables through :mod:`sim.results` and writes
summaries, figures and reports; :mod:`sim.results` owns the folders (written under a hidden name,
renamed when complete), the tables and the manifest. Neither ``ensemble`` nor ``analysis``
imports the other: this module is where they meet, for ``sim run``, ``sim sweep``,
``sim sensitivity``, ``sim discover``, ``sim calibrate`` and the Python API.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path

from .errors import UserError
from .results import folders  # called through the module, so a test can stand in for one step
from .results.folders import INCOMPLETE_SUFFIX, results_dir, write_scenario
from .results.manifest import write_manifest
from .scenario.posterior import claim_in, describe as describe_table


def _override_note(scenario, what: str) -> str:
    """A sentence for a report: the calibration table's columns the analysis set itself (--override-posterior)."""
    post = getattr(scenario, "posterior", None)
    if post is None or not post.overridden:
        return ""
    return (f" The scenario draws its parameters from the calibration table {post.file}; with "
            f"--override-posterior, {', '.join(post.overridden)} {'is' if len(post.overridden) == 1 else 'are'} "
            f"{what} instead, after the table (its column ignored).")


def _table_entry(scenario) -> dict:
    """The manifest's ``calibration_table`` entry (the copy, its source and checksum, the columns
    applied and those the scenario sets itself), if the scenario draws from one."""
    table = describe_table(scenario)
    return {} if table is None else {"calibration_table": table}

# -- one ensemble ---------------------------------------------------------------------------------


def simulate_to_folder(scenario, folder: Path, command: list[str], figures: bool = False, **options) -> dict:
    """Simulate an ensemble into ``folder`` (streaming its rows), then analyse it (and draw its
    figures when ``figures``); return the summary.

    ``options`` are those of :func:`sim.ensemble.store.stream_ensemble` (runs, seed, chunk_size,
    executor, keep_trajectories, sample_trajectories, progress, twins).
    """
    from .analysis.run_folder import finish_run_folder
    from .ensemble.store import stream_ensemble

    steps, meta = stream_ensemble(scenario, Path(folder), command, **options)
    return finish_run_folder(Path(folder), scenario, steps, meta, figures=figures)


def run(scenario, out_root: Path, command: list[str], runs: int, seed: int, figures: bool = False,
        **options) -> tuple[Path, dict]:
    """``sim run``: a new folder ``out_root/<scenario>/<time>-seed<seed>-runs<runs>``, its figures
    drawn when ``figures`` (``--figures``); return it and the summary."""
    with folders.new_folder(results_dir(out_root, scenario.name), folders.folder_stem(seed, runs)) as holder:
        summary = simulate_to_folder(scenario, holder[0], command, figures, runs=runs, seed=seed, **options)
    return holder[0], summary


def draw_figures(folder: Path, force: bool = False) -> list[Path]:
    """``sim figures``: draw a finished run, forecast, sweep or calibration folder's figures once
    (see :func:`sim.analysis.run_folder.draw_figures`, :func:`sim.calibrate.folder.draw_figures`);
    return the files drawn."""
    from .calibrate.kind import is_calibration_folder

    if is_calibration_folder(Path(folder)):
        from .calibrate.folder import draw_figures as draw_calibration

        return draw_calibration(Path(folder), force)
    from .analysis.run_folder import draw_figures as draw

    return draw(Path(folder), force)


def write_results(result, out_root: Path, command: list[str]) -> tuple[Path, dict]:
    """A new folder for an ensemble result held in memory (:func:`sim.ensemble.runner.run_ensemble`)."""
    from .results.manifest import run_meta

    meta = run_meta(result.seed, result.runs, result.chunk_size, command, result.seconds)
    return save_tables(result.scenario, out_root, result.seed, result.runs, result.table, result.steps, meta)


def save_tables(scenario, root: Path, seed: int, runs: int, table: dict, steps, meta: dict,
                trajectories: dict | None = None, keep_trajectories: bool = False,
                figures: bool = False) -> tuple[Path, dict]:
    """A new run folder for tables already computed (``sim.simulate(...).save()``); return it and the summary."""
    from .analysis.run_folder import finish_run_folder
    from .ensemble.store import store_tables

    with folders.new_folder(results_dir(root, scenario.name), folders.folder_stem(seed, runs)) as holder:
        store_tables(holder[0], scenario, seed, runs, table, trajectories, keep_trajectories)
        summary = finish_run_folder(holder[0], scenario, steps, meta, figures=figures)
    return holder[0], summary


# -- sweeps ---------------------------------------------------------------------------------------


def run_point(point, folder: Path, runs: int, seed: int, command: list[str], executor=None,
              chunk_size: int = 2000, figures: bool = False) -> Path:
    """Simulate one sweep point into its run folder ``folder/point-NNN`` (atomically)."""
    with folders.new_folder(folder, point.name, latest=False) as holder:  # a point is no latest
        simulate_to_folder(point.scenario, holder[0], command, figures, runs=runs, seed=seed,
                           chunk_size=chunk_size, executor=executor)
    return holder[0]


def run_sweep(plan, out_root: Path, command: list[str], executor=None, chunk_size: int = 2000,
              on_point: Callable | None = None, figures: bool = False) -> Path:
    """Run every point of a :class:`~sim.ensemble.sweep.SweepPlan` into one new sweep folder; return it.

    The folder holds ``scenario.yaml`` (the base, with its ``sweep:`` section), ``sweep.json``
    (axes and points), one run folder per point, ``sweep.csv``, ``figures/``, ``report.html`` and
    ``manifest.json``. It is built as ``<name>.incomplete`` and renamed when complete; if the sweep
    is interrupted that folder stays, and :func:`resume_sweep` finishes it. Each point's own figures
    are drawn when ``figures`` (else on request: ``sim figures``).
    """
    from .ensemble.runner import check_memory
    from .ensemble.sweep import describe

    for point in plan.points:  # every point fits in memory, before any folder is made
        check_memory(point.scenario, plan.runs, chunk_size, getattr(executor, "workers", 1))
    stem = f"sweep-{folders.timestamp()}-seed{plan.seed}-runs{plan.runs}"
    with folders.resumable_folder(results_dir(out_root, plan.base.name), stem) as holder:
        folder = holder[0]
        sweep = {"vary": {a.path: list(a.values) for a in plan.axes}, "runs": plan.runs}
        write_scenario(folder, plan.base, "base scenario of the sweep", seed=plan.seed, sweep=sweep)
        (folder / "sweep.json").write_text(json.dumps(describe(plan, command), indent=2, default=str) + "\n")
        _finish_sweep(plan, folder, command, executor, chunk_size, on_point, figures)
    return holder[0]


def resume_sweep(folder: Path, command: list[str], executor=None, chunk_size: int = 2000,
                 on_point: Callable | None = None, figures: bool = False) -> tuple[Path, int]:
    """Finish an interrupted sweep folder, redoing only unfinished points; return it and the count redone.

    The plan is rebuilt from the folder's own ``scenario.yaml`` (base scenario, axes, runs and
    seed), so the finished sweep is identical to one that was never interrupted.
    """
    from .ensemble.sweep import manifest_written, plan_sweep, point_done

    folder = Path(folder)
    if not (folder / "sweep.json").is_file() or not (folder / "scenario.yaml").is_file():
        raise UserError(f"{folder}: not a sweep folder (no sweep.json and scenario.yaml)")
    if not folder.name.endswith(INCOMPLETE_SUFFIX):
        raise UserError(f"{folder}: this sweep is already complete")
    with folders.folder_lock(folder, "this sweep"):  # a second resume of the same folder fails at once
        if manifest_written(folder):  # interrupted between its manifest and its rename
            return folders.complete(folder), 0
        stored = json.loads((folder / "sweep.json").read_text())
        plan = plan_sweep(folder / "scenario.yaml", design=stored.get("design", "random"))
        if [p["name"] for p in stored["points"]] != [p.name for p in plan.points]:
            raise UserError(f"{folder}: sweep.json and scenario.yaml disagree about the points")
        folders.clear_partials(folder)  # a point that was being written when interrupted
        todo = sum(not point_done(folder, p) for p in plan.points)
        _finish_sweep(plan, folder, stored["command"], executor, chunk_size, on_point, figures)
        return folders.complete(folder), todo


def _finish_sweep(plan, folder: Path, command: list[str], executor, chunk_size: int, on_point,
                  figures: bool = False) -> None:
    """Run the points not yet done, then the sweep table, figures, report and manifest."""
    from .analysis.labels import param_label
    from .analysis.report import write_table_report
    from .analysis.sweep import write_sweep_outputs
    from .ensemble.sweep import point_done

    started, clock = dt.datetime.now(dt.timezone.utc), time.perf_counter()
    for point in plan.points:
        if point_done(folder, point):
            continue
        done = run_point(point, folder, plan.runs, plan.seed, command, executor, chunk_size, figures)
        if on_point is not None:
            on_point(point, done)
    write_sweep_outputs(folder)
    manifest = {"kind": "sweep", "scenario": plan.base.name, "scenario_file": plan.base.file,
                "seed": plan.seed, "runs_per_point": plan.runs, "points": len(plan.points),
                "varied": [a.path for a in plan.axes], "command": command, **_table_entry(plan.base),
                "started_utc": started.isoformat(timespec="seconds"),
                "total_seconds": round(time.perf_counter() - clock, 3)}
    varied = ", ".join(param_label(a.path, plan.base) for a in plan.axes)
    write_table_report(folder, f"{plan.base.title or plan.base.name}: sweep over {varied}",
                       plan.base.question,
                       f"{len(plan.points)} points, {plan.runs} runs each, all from seed {plan.seed} "
                       "(common random numbers: run r draws the same random numbers at every point). "
                       "Intervals are Wilson 95% score intervals." + _override_note(plan.base, "set by the sweep"),
                       "sweep.csv", manifest)
    write_manifest(folder, manifest)


# -- sensitivity ----------------------------------------------------------------------------------


def run_sensitivity(scenario, out_root: Path, command: list[str], samples: int = 256,
                    replicates: int = 64, seed: int | None = None, executor=None) -> Path:
    """Write a sensitivity folder: scenario, design, samples, Sobol table, bar chart, report, manifest."""
    from .analysis.report import write_table_report
    from .analysis.sensitivity import write_sensitivity_outputs
    from .ensemble.sensitivity import require_salib, write_samples

    require_salib()
    if samples < 2 or samples & (samples - 1):
        raise UserError(f"--samples {samples}: expected a power of 2 (Sobol' sequences need one), e.g. 256")
    # the Sobol design samples every uncertain parameter: one the calibration table names is refused
    # (the table would replace every sample), or with --override-posterior sampled after the table
    scenario = claim_in(scenario, scenario.uncertain(), "the Sobol design of sim sensitivity")
    seed = scenario.seed if seed is None else int(seed)
    started, clock = dt.datetime.now(dt.timezone.utc), time.perf_counter()
    stem = f"sensitivity-{folders.timestamp()}-seed{seed}-N{samples}"
    with folders.new_folder(results_dir(out_root, scenario.name), stem) as holder:
        folder = holder[0]
        write_scenario(folder, scenario, "resolved scenario of the sensitivity analysis", seed=seed)
        info = write_samples(folder, scenario, samples, replicates, seed, executor)
        write_sensitivity_outputs(folder, scenario.title or scenario.name)
        manifest = {"kind": "sensitivity", "scenario": scenario.name, "scenario_file": scenario.file,
                    "seed": seed, "command": command, **{k: v for k, v in info.items() if k != "distributions"},
                    **_table_entry(scenario),
                    "started_utc": started.isoformat(timespec="seconds"),
                    "total_seconds": round(time.perf_counter() - clock, 3)}
        intro = (f"Sobol indices of the headline outcomes with respect to the {len(info['parameters'])} uncertain "
                 f"parameters: {samples} base samples in a Saltelli design ({info['design_rows']} rows), "
                 f"{replicates} runs per row with common random numbers ({info['total_runs']} runs). "
                 "S1: share of variance explained by the parameter alone; ST: including its interactions. "
                 "Intervals: 95% bootstrap. The output is the share of runs over a fixed set of random futures, "
                 "so indices describe that average; replicate_variance is the binomial variance of one row's "
                 "estimate, a guide to how much of output_variance comes from finite replicates."
                 + _override_note(scenario, "sampled from the scenario's distribution"))
        write_table_report(folder, f"{scenario.title or scenario.name}: sensitivity", scenario.question, intro,
                           "sensitivity.csv", manifest)
        write_manifest(folder, manifest)
    return holder[0]


# -- scenario discovery ---------------------------------------------------------------------------


def replicate_shares(scenario, ex, explained, replicates: int, seed: int):
    """Per experiment of ``ex``: the share of ``replicates`` runs that are cases of ``explained``.
    Replicate j of every experiment uses run j's random numbers (common random numbers), so two
    experiments differ only by their inputs."""
    import numpy as np

    from . import ema

    n = len(ex)
    lever_path = {lv.name: lv.path for lv in scenario.levers}
    values = {lever_path.get(c, c): np.repeat(ex[c].to_numpy(dtype=float), replicates)
              for c in ema.parameter_columns(ex)}
    run_ids = np.tile(np.arange(replicates, dtype=np.int64), n)
    column = explained.outcome.column
    runs = ema.evaluate(scenario, values, run_ids, seed, [column])[column]
    return explained.of(runs).reshape(n, replicates).mean(axis=1)


def run_discovery(scenario, out_root: Path, command: list[str], experiments: int = 2000,
                  seed: int | None = None, boxes: int = 2, min_coverage: float = 0.5, max_p: float | None = 0.05,
                  replicates: int = 1, outcome: str = "collapse"):
    """``sim discover``: explore, find PRIM boxes of the outcome (default: "channel collapsed"),
    write the folder. With ``replicates`` R > 1 each experiment is simulated R times, replicate j
    of every experiment on run j's random numbers (common random numbers), and PRIM explains the
    share of its R runs that are cases.

    Returns the folder, the explored inputs, the boxes found and the base rate.
    """
    import numpy as np

    from . import ema
    from .analysis.discovery import EXPLAINED, write_discovery
    from .results.tables import write_table

    explained = EXPLAINED[outcome]

    seed = scenario.seed if seed is None else int(seed)
    scenario = claim_in(scenario, [*scenario.uncertain(), *(lv.path for lv in scenario.levers)],
                        "the experiments of sim discover")
    started, clock = dt.datetime.now(dt.timezone.utc), time.perf_counter()
    ex, out = ema.explore(ema.to_model(scenario, seed), experiments, seed)
    inputs = ema.parameter_columns(ex)
    y = explained.of(out[explained.outcome.column])
    if replicates > 1:
        shares = replicate_shares(scenario, ex, explained, replicates, seed)
        out = {**out, f"share_{outcome}": shares}
        y = shares
    n_cases = float(np.sum(y))
    if n_cases == 0 or (replicates == 1 and n_cases == len(ex)) or (replicates > 1 and np.all(y == 1)):
        which = "every one" if n_cases else "none"
        raise UserError(f"{scenario.name}: the runs {explained.state} in {which} of the {len(ex):,} experiments: "
                        "nothing to tell apart; widen the uncertainties (or levers) or use more --experiments")
    stem = f"discover-{folders.timestamp()}-seed{seed}-n{experiments}" + (f"-r{replicates}" if replicates > 1 else "")
    with folders.new_folder(results_dir(out_root, scenario.name), stem) as holder:
        folder = holder[0]
        write_scenario(folder, scenario, "resolved scenario of the exploration", seed=seed)
        cols = {"experiment": np.arange(len(ex))}
        cols.update({c: ex[c].to_numpy(dtype=float) for c in inputs})
        cols.update({k: np.asarray(v) for k, v in out.items()})
        write_table(folder / "experiments.csv", cols)
        found, base = write_discovery(folder, scenario, ex, y, experiments, boxes, min_coverage, max_p,
                                      explained, replicates)
        manifest = {"kind": "discover", "scenario": scenario.name, "scenario_file": scenario.file, "seed": seed,
                    "experiments": experiments, "min_coverage": min_coverage, "max_p": max_p, **_table_entry(scenario),
                    "outcome": outcome, "replicates": replicates,
                    "design": "Latin hypercube (scipy.stats.qmc) over uncertainties and levers, "
                              + ("one run per experiment" if replicates == 1 else
                                 f"{replicates} runs per experiment on common random numbers (replicate j: run j)"),
                    "inputs": inputs, "command": command,
                    "started_utc": started.isoformat(timespec="seconds"),
                    "total_seconds": round(time.perf_counter() - clock, 3)}
        write_manifest(folder, manifest)
    return holder[0], inputs, found, base


# -- calibration ----------------------------------------------------------------------------------


def calibrate(scenario, out_root: Path, command: list[str], draws: int, accept: int, seed: int, executor,
              chunk_size: int, predictive: int, progress: bool = False, figures: bool = False,
              **hygiene) -> tuple[Path, dict]:
    """``sim calibrate``: rejection ABC, the posterior predictive check, the folder (its figures if
    ``figures``); return it and the result."""
    from .calibrate.folder import run_calibration, write_calibration_folder

    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with folders.new_folder(results_dir(out_root, scenario.name), f"{folders.timestamp()}-calibrate-seed{seed}-draws{draws}") as holder:
        result = run_calibration(scenario, draws, accept, seed, executor, chunk_size, predictive, progress=progress,
                                 **hygiene)
        write_calibration_folder(holder[0], scenario, result, command,
                                 {"started_utc": started, "seed": seed, "draws": draws, "chunk_size": chunk_size,
                                  "executor": type(executor).__name__, "workers": getattr(executor, "workers", 1)},
                                 figures=figures)
    return holder[0], result
