"""Sobol indices from a stored sensitivity design (``samples.csv``, ``design.json``), table and bar chart.

First-order S1 and total ST indices by SALib's estimators (Saltelli et al. 2010 for S1, Jansen
1999 for ST) with bootstrap 95% confidence intervals, for each stored outcome share.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .figures import _save
from .plots import PALETTE, _axes
from ..results.tables import read_table, write_table

OUTCOMES = {"p_held": "P(channel held)", "p_held_and_escalated": "P(held and escalated)"}


def estimable(y: np.ndarray, parameters: int) -> bool:
    """Whether Sobol indices of output ``y`` (the rows of a Saltelli design without second order:
    blocks of A, AB_1..AB_D, B) can be estimated: its base samples (the A and B rows) must not all
    hold one value. SALib's estimators divide by their variance; with none it warns and returns 0
    for every index, which would read as "no parameter matters" when the AB rows say otherwise."""
    block = parameters + 2
    base = np.r_[y[0::block], y[block - 1::block]]
    return bool(np.ptp(base) > np.finfo(float).eps)


def sobol_indices(folder: Path, resamples: int = 1000) -> dict[str, np.ndarray]:
    """One row per (outcome, parameter): S1 and ST with 95% bootstrap intervals, from stored samples."""
    from SALib.analyze import sobol

    folder = Path(folder)
    info = json.loads((folder / "design.json").read_text())
    samples = read_table(folder / "samples.csv")
    paths = info["parameters"]
    problem = {"num_vars": len(paths), "names": paths, "bounds": [[0.0, 1.0]] * len(paths)}
    rows: list[dict] = []
    for outcome in OUTCOMES:
        y = samples[outcome].astype(float)
        if not estimable(y, len(paths)):
            si = {k: np.full(len(paths), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            with warnings.catch_warnings():
                # a bootstrap resample of few base samples may hold one value throughout: SALib
                # warns and counts it as 0 (the interval is rough); the estimate itself is defined
                warnings.filterwarnings("ignore", message="Constant values encountered", category=UserWarning)
                si = sobol.analyze(problem, y, calc_second_order=False, num_resamples=resamples,
                                   conf_level=0.95, seed=info["seed"])
        for j, p in enumerate(paths):
            rows.append({"outcome": outcome, "parameter": p,
                         "S1": si["S1"][j], "S1.lo": si["S1"][j] - si["S1_conf"][j],
                         "S1.hi": si["S1"][j] + si["S1_conf"][j], "ST": si["ST"][j],
                         "ST.lo": si["ST"][j] - si["ST_conf"][j], "ST.hi": si["ST"][j] + si["ST_conf"][j],
                         "output_variance": float(np.var(y)),
                         "replicate_variance": float(np.mean(y * (1 - y)) / info["replicates_per_row"])})
    return {k: np.array([r[k] for r in rows], dtype=object if k in ("outcome", "parameter")
                        else float) for k in rows[0]}


def sobol_bars(table: dict[str, np.ndarray], outcome: str = "p_held", ax: Axes | None = None,
               scenario=None) -> Axes:
    """Horizontal bars of S1 and ST per parameter (largest ST on top) with 95% intervals, parameters in words."""
    from .labels import param_label

    ax = _axes(ax)
    rows = np.nonzero(table["outcome"] == outcome)[0]
    rows = rows[np.argsort(np.nan_to_num(table["ST"][rows].astype(float)), kind="stable")]
    y = np.arange(len(rows))
    for shift, key, color, name in ((-0.2, "S1", PALETTE[0], "first order S1"),
                                    (0.2, "ST", PALETTE[1], "total ST")):
        v = table[key][rows].astype(float)
        err = np.array([v - table[f"{key}.lo"][rows].astype(float), table[f"{key}.hi"][rows].astype(float) - v])
        ax.barh(y + shift, v, 0.4, xerr=np.clip(np.nan_to_num(err), 0, None), capsize=2, color=color, label=name)
    import textwrap

    # long labels wrapped, so the bars keep their width and the title stays inside the figure
    ax.set_yticks(y, [textwrap.fill(param_label(str(p), scenario), 34) for p in table["parameter"][rows]],
                  fontsize="x-small")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("Sobol index (share of output variance)\nwhiskers: 95% bootstrap interval")
    ax.set_title(textwrap.fill(f"Sobol indices of {OUTCOMES.get(outcome, outcome)}", 32), fontsize="medium")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return ax


def write_sensitivity_outputs(folder: Path, title: str = "") -> list[Path]:
    """``sensitivity.csv`` and ``figures/sensitivity.{png,svg}`` from the stored design."""
    folder = Path(folder)
    write_table(folder / "sensitivity.csv", sobol_indices(folder))
    table = read_table(folder / "sensitivity.csv")
    (folder / "figures").mkdir(exist_ok=True)
    n = len(set(table["outcome"].tolist()))
    fig = Figure(figsize=(7 * n, 0.55 * len(table["outcome"]) / n + 2), layout="constrained")
    from .report import Context

    scenario = Context(folder, {}, "sensitivity", "").scenario
    for ax, outcome in zip(np.atleast_1d(fig.subplots(1, n)), OUTCOMES):
        sobol_bars(table, outcome, ax, scenario)
    if title:
        fig.suptitle(title, fontsize="small")
    return _save(fig, folder / "figures", "sensitivity")


def top(table: dict[str, np.ndarray], outcome: str = "p_held", n: int = 3) -> list[int]:
    """Rows of the ``n`` parameters with the largest total index for ``outcome``."""
    rows = np.nonzero(table["outcome"] == outcome)[0]
    return list(rows[np.argsort(-np.nan_to_num(table["ST"][rows].astype(float)), kind="stable")][:n])
