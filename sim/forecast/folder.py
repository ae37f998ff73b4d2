"""A forecast's results folder: the run folder of its branches, plus the record that was accepted.

The folder (written under a hidden name and renamed only when complete) is a run folder of the
forecast's K x M branches, as ``sim run`` writes one (``runs.csv`` with ``accepted_run`` and
``branch`` first, ``bands.csv``, ``summary.json``, figures, ``report.html``, ``manifest.json``), with
steps counted from the seam, and beside it ``posterior.csv`` (the accepted record runs: run,
``param.<path>``, ``stat.<pattern>``, distance). ``summary.json`` adds ``forecast``: the seam, the
acceptance, per pattern the share within tolerance of the accepted runs and of fresh posterior
predictive runs with a predictive p-value, and P(held) with an interval that treats the branches
of one accepted run as one cluster.

The record is simulated and accepted before any folder is made: a forecast that stops (too few
runs within tolerance) leaves nothing in the results root.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..results import folders
from ..results.folders import naming, results_dir, write_scenario
from ..results.manifest import run_meta
from ..results.tables import format_rows, write_table
from ..scenario.resolved import Scenario
from .simulate import ACCEPTED_RUN, accept_record, check, predictive_check, run_branches, view

#: fresh record runs of the posterior predictive check (default)
PREDICTIVE = 2000


def report_view(s: Scenario) -> Scenario:
    """:func:`view`, with scheduled events moved to the forecast's steps (figures mark them)."""
    v = view(s)
    seam = s.forecast.seam
    events = tuple(replace(e, at=frozenset(t - seam for t in e.at if t >= seam)) if e.at is not None else e
                   for e in v.events)
    return replace(v, events=events)


def clustered(x: np.ndarray, cluster: np.ndarray) -> dict:
    """Mean of ``x`` with a 95% interval that counts each cluster (accepted run) once: the standard
    error of the mean of the clusters' means (every cluster has the same number of branches)."""
    ids, inv = np.unique(cluster, return_inverse=True)
    means = np.bincount(inv, weights=np.asarray(x, dtype=float)) / np.bincount(inv)
    k = len(ids)
    mean = float(means.mean())
    se = float(means.std(ddof=1) / math.sqrt(k)) if k > 1 else float("nan")
    lo, hi = (max(0.0, mean - 1.96 * se), min(1.0, mean + 1.96 * se)) if k > 1 else (float("nan"),) * 2
    return {"mean": mean, "lo": lo, "hi": hi, "clusters": k,
            "between_share": float(means.var(ddof=1) / max(np.var(x, ddof=1), 1e-300)) if k > 1 else float("nan")}


def forecast_summary(s: Scenario, rec: dict, pred: dict | None, table: dict, branches: int, seed: int) -> dict:
    f = s.forecast
    acc = rec["accepted"]
    entry = {
        "from": str(f.start), "seam_step": f.seam, "horizon": f.horizon, "draws": rec["draws"],
        "accepted": int(len(acc["run"])), "branches": branches, "acceptance": rec["how"],
        "within_tolerance": rec["inside"], "acceptance_rate": rec["inside"] / rec["draws"],
        "patterns": [{"name": p.name, "observed": p.observed, "tolerance": p.tolerance,
                      "prior_share_within": n / rec["draws"],
                      "effective_tolerance": rec["effective_tolerance"][p.name]}
                     for p, n in zip(s.patterns, rec["pattern_inside"])],
        "seed": seed,
    }
    if pred is not None:
        by = {p["name"]: p for p in pred["patterns"]}
        for p in entry["patterns"]:
            p.update({k: v for k, v in by[p["name"]].items() if k not in p})
        entry["predictive_runs"] = pred["runs"]
        entry["predictive_joint_share_within"] = pred["joint_share_within"]
        entry["predictive_joint_p"] = pred["joint_p"]
        entry["accepted_joint_share_within"] = pred["accepted_joint_share_within"]
    cluster = table[ACCEPTED_RUN]
    entry["clustered"] = {name: clustered(table[col], cluster) for name, col in
                          (("p_held", "held"), ("p_frozen", "frozen"), ("p_lapsed", "lapsed"),
                           ("p_open_at_end", "open_at_end")) if col in table}
    return {"forecast": entry}


#: the runs table's columns the forecast's own summary reads (P(held) ... by accepted run)
SUMMARY_COLUMNS = (ACCEPTED_RUN, "held", "frozen", "lapsed", "open_at_end")


def stream_branches(path: Path, s: Scenario, seed: int, accepted_runs, branches: int, executor, chunk_size: int,
                    twins, progress) -> tuple[dict[str, np.ndarray], object]:
    """Simulate the branches, writing each chunk's rows to ``path`` as it comes (memory stays flat);
    return the columns the forecast's summary needs and the step statistics."""
    kept: dict[str, list] = {c: [] for c in SUMMARY_COLUMNS}
    with naming(path), open(path, "w", encoding="utf-8", newline="") as out:
        def sink(part: dict) -> None:
            header, _, rows = format_rows(part).partition("\n")
            if out.tell() == 0:
                out.write(header + "\n")
            out.write(rows)
            for c in SUMMARY_COLUMNS:
                if c in part:
                    kept[c].append(part[c])

        _, steps = run_branches(s, seed, accepted_runs, branches, executor, chunk_size, twins, sink, progress)
    return {c: np.concatenate(v) for c, v in kept.items() if v}, steps


def check_budget(s: Scenario, draws: int, lanes: int, workers: int, chunk_size: int, branch_chunk: int,
                 twins) -> None:
    """Refuse before simulating, as ``sim run`` does, a record or a set of branches estimated to need
    more memory or time than allowed (``--max-memory``, ``--max-time``; sim/budget.py)."""
    from dataclasses import replace as _replace

    from ..budget import check as check_memory
    from ..model.branch import full_scenario

    check_memory(_replace(s, twins={}), draws, chunk_size, workers)   # the record: no twins
    full = full_scenario(s)
    if twins is not None:  # only the selected twins (pacified among them or not)
        full = _replace(full, twins={n: t for n, t in full.twins.items() if n in twins})
    check_memory(full, lanes, branch_chunk, workers)


def run_forecast(s: Scenario, out_root: Path, command: list[str], draws: int, accept: int, branches: int,
                 seed: int, executor=None, chunk_size: int = 2000, branch_chunk: int = 500,
                 nearest: bool = False, predictive: int = PREDICTIVE, twins: tuple[str, ...] | None = None,
                 progress: bool = False, figures: bool = False) -> tuple[Path, dict]:
    """``sim forecast``: accept the record's runs, branch, write the folder (its figures when
    ``figures``); return it and the summary."""
    from ..analysis.run_folder import finish_run_folder

    check(s)
    check_budget(s, draws, accept * branches, getattr(executor, "workers", 1), chunk_size, branch_chunk, twins)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=draws + predictive + accept * branches, unit="run", desc=f"forecast {s.name}", leave=False)
    update = bar.update if bar is not None else None
    started = time.perf_counter()
    try:
        rec = accept_record(s, draws, accept, seed, executor, chunk_size, nearest, update)
        with folders.new_folder(results_dir(out_root, s.name),
                                f"{folders.timestamp()}-forecast-seed{seed}-draws{draws}") as holder:
            folder = holder[0]
            k = len(rec["accepted"]["run"])
            v = report_view(s)
            write_scenario(folder, v, "resolved scenario of the forecast's branches", seed=seed, runs=k * branches)
            table, steps = stream_branches(folder / "runs.csv", s, seed, rec["accepted"]["run"], branches, executor,
                                           branch_chunk, twins, update)
            pred = predictive_check(s, rec["accepted"], predictive, seed, draws, executor, chunk_size)
            if bar is not None and pred is not None:
                bar.update(pred["runs"])
            extra = forecast_summary(s, rec, pred, table, branches, seed)
            write_table(folder / "posterior.csv", rec["accepted"])
            meta = run_meta(seed, k * branches, branch_chunk, command, time.perf_counter() - started,
                            executor=type(executor).__name__ if executor is not None else "SerialExecutor",
                            workers=getattr(executor, "workers", 1), kind="forecast", draws=draws, accepted=k,
                            branches=branches)
            summary = finish_run_folder(folder, v, steps, meta, extra, figures=figures)
    finally:
        if bar is not None:
            bar.close()
    return holder[0], summary


def headline(summary: dict) -> str:
    """What ``sim forecast`` prints above ``sim run``'s headline: the record, the acceptance, the
    predictive check and P(held) counted by accepted run."""
    f = summary["forecast"]
    lines = [f"{summary['scenario']}: forecast from {f['from']} (step {f['seam_step']} of the record), "
             f"{f['horizon']} steps ahead",
             f"  record: {f['draws']} draws, {f['within_tolerance']} within every tolerance "
             f"(rate {f['acceptance_rate']:.3g}); accepted {f['accepted']} "
             + ("within tolerance" if f["acceptance"] == "tolerance" else "NEAREST (not all within tolerance)")
             + f", {f['branches']} branches each"]
    width = max([len(p["name"]) for p in f["patterns"]] + [10])
    if "predictive_runs" in f:
        lines.append(f"  posterior predictive check ({f['predictive_runs']} fresh record runs from the posterior): "
                     f"jointly within {f['predictive_joint_share_within']:.3f}, p = {f['predictive_joint_p']:.3g}")
    for p in f["patterns"]:
        eff = (f", effective tolerance {p['effective_tolerance']:.3g}" if f["acceptance"] != "tolerance" else "")
        pred = (f"predictive share within {p['predictive_share_within']:.3f}, p = {p['predictive_p']:.3g}"
                if "predictive_share_within" in p else "")
        lines.append(f"    {p['name']:<{width}}  observed {p['observed']:g} +/- {p['tolerance']:g}: {pred}{eff}")
    c = f["clustered"]
    for key, label in (("p_held", "P(channel held)"), ("p_frozen", "P(frozen at least once)"),
                       ("p_lapsed", "P(lapsed)"), ("p_open_at_end", "P(open at the end)")):
        if key in c:
            x = c[key]
            lines.append(f"  {label:<36}{x['mean']:.3f}  [{x['lo']:.3f}, {x['hi']:.3f}]  "
                         f"(95% interval counting each of {x['clusters']} accepted runs once)")
    return "\n".join(lines)
