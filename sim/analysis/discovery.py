"""Scenario discovery: PRIM boxes of the sampled worlds (and policy choices) where the channel collapses.

PRIM (Friedman and Fisher 1999; Bryant and Lempert 2010) peels the space of inputs down to boxes
where the outcome of interest (here: the channel collapsed, ``held == 0``) is concentrated. Each
box is reported with its *coverage* (share of all collapses that fall in the box), *density*
(share of runs in the box that collapsed) and the restricted inputs, labelled in words. The
algorithm is the EMA Workbench's; on its peeling trajectory this module picks the densest box
that still covers at least ``min_coverage`` of the collapses, then looks for the next box in the
remaining runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..results import outcomes as out
from ..scenario.resolved import Scenario
from .labels import param_label


@dataclass(frozen=True)
class Explained:
    """What ``sim discover --outcome`` explains: a per-run binary outcome and the value that counts."""

    outcome: out.Outcome
    value: int
    cases: str       # the cases, plural: "collapses"
    state: str       # an experiment's share is the share of its runs that ...: "collapsed"

    def of(self, column: np.ndarray) -> np.ndarray:
        """Per run: is it a case? (NaN, a run without the outcome, is not.)"""
        return np.asarray(column, dtype=float) == self.value


#: the outcomes `sim discover` can explain (docs/discovery.md)
EXPLAINED = {
    "collapse": Explained(out.HELD, 0, "collapses", "collapsed"),
    "held": Explained(out.HELD, 1, "runs that held", "held"),
    "freeze": Explained(out.FROZEN, 1, "freezes", "froze at least once"),
    "lapse": Explained(out.LAPSED, 1, "lapses", "lapsed"),
    "escalation": Explained(out.ESCALATED, 1, "escalations", "escalated"),
}


INSTALL_HINT = ("the EMA Workbench adapter needs ema-workbench: pip install 'ema-workbench>=2.5' "
                "(or, in the project folder, pip install -e '.[ema]')")


def require_ema():
    """Import the Workbench or raise a one-line :class:`UserError` with the install command."""
    import warnings

    try:
        with warnings.catch_warnings():  # the Workbench warns about optional cluster back-ends
            warnings.simplefilter("ignore")
            import ema_workbench
    except ImportError:
        raise UserError(INSTALL_HINT) from None
    return ema_workbench


def parameter_columns(experiments, model=None) -> list[str]:
    """The columns of ``experiments`` that are model inputs (not scenario/policy/model names)."""
    return [c for c in experiments.columns if c not in ("scenario", "policy", "model")]


def inputs(experiments):
    """The experiments' input columns, ready for PRIM: numeric choices (a delay of 0, 1 or 2 steps)
    as numbers, since the Workbench's PRIM reports categorical inputs poorly."""
    x = experiments[parameter_columns(experiments)].copy()
    for c in x.columns:
        if x[c].dtype.kind not in "fiu":
            try:
                x[c] = x[c].astype(float)
            except (TypeError, ValueError):
                pass
    return x


@dataclass
class Restriction:
    name: str          # parameter path or lever name
    label: str
    lo: float | None   # None for a categorical restriction
    hi: float | None
    values: tuple = ()  # the categories kept, for a categorical input
    full: tuple[float, float] | None = None  # the range explored
    p_value: float | None = None
    names: tuple = ()   # v3: the rules the kept categories stand for (a rule drawn per run)

    def describe(self) -> str:
        p = "" if self.p_value is None else f"  (p = {self.p_value:.2g})"
        if self.values:
            shown = self.names or tuple(f"{v:g}" for v in self.values)
            return f"{self.label}: one of {', '.join(shown)}{p}"
        return f"{self.label}: {self.lo:.3g} to {self.hi:.3g}{p}"


@dataclass
class Box:
    index: int
    coverage: float
    density: float
    mass: float
    cases: int
    restrictions: list[Restriction] = field(default_factory=list)
    trajectory: object = None   # the Workbench's peeling trajectory (DataFrame)
    chosen: int = 0             # position on the trajectory
    explained: Explained = EXPLAINED["collapse"]
    replicates: int = 1

    def describe(self) -> str:
        e = self.explained
        unit = "runs" if self.replicates == 1 else f"experiments of {self.replicates} runs each"
        density = (f"{e.state} among runs in the box" if self.replicates == 1
                   else f"share of runs that {e.state}, among the experiments in the box")
        head = (f"Box {self.index}: coverage {self.coverage:.2f} (of all {e.cases}), density {self.density:.2f} "
                f"({density}), {self.cases} {unit} ({self.mass:.0%} of all)")
        if not self.restrictions:
            return head + f"\n    no restriction: {e.cases} are spread across the explored space"
        return "\n".join([head, "    restricted inputs (p: chance the restriction is noise, PRIM's quasi-p):",
                          *(f"    {r.describe()}" for r in self.restrictions)])


def _label(name: str, scenario: Scenario | None) -> str:
    if scenario is not None:
        for lever in scenario.levers:
            if lever.name == name:
                return f"{lever.title} (lever)"
    return param_label(name, scenario)


def _worst_p(qp: dict) -> float:
    """The largest quasi-p value of a box's restrictions (the Workbench stores -1 for 'not applicable')."""
    values = [v for pair in qp.values() for v in pair if v is not None and v >= 0]
    return max(values, default=0.0)


def _share_stats(box, j: int, y: np.ndarray) -> tuple[float, float, int]:
    """(coverage, density, experiments) of trajectory entry ``j`` for a share ``y``: the box's share
    of the sum of ``y`` over every experiment, and the mean of ``y`` in the box."""
    from ema_workbench.analysis import scenario_discovery_util as sdutil

    alg = box.prim
    res = sdutil._determine_restricted_dims(box.box_lims[j], alg.box_init)
    inside = alg.yi_remaining[sdutil._in_box(alg.x.loc[alg.yi_remaining, res], box.box_lims[j][res])]
    total = float(y.sum())
    return (float(y[inside].sum()) / total if total else 0.0, float(y[inside].mean()) if len(inside) else 0.0,
            int(len(inside)))


def discover(experiments, y: np.ndarray, scenario: Scenario | None = None, boxes: int = 2,
             min_coverage: float = 0.5, threshold: float | None = None, max_p: float | None = 0.05,
             explained: Explained = EXPLAINED["collapse"], replicates: int = 1) -> list[Box]:
    """Find up to ``boxes`` PRIM boxes of ``y`` over the inputs: booleans (the case of interest, one
    run per experiment) or, with ``replicates`` > 1, each experiment's share of runs that are cases.
    A share is peeled by PRIM's regression mode (the box's mean); its density is the mean share in
    the box and its coverage the box's part of the sum of the shares over all experiments.

    On the peeling trajectory the densest box covering at least ``min_coverage`` of the cases whose
    every restriction has a quasi-p value of at most ``max_p`` is chosen; failing that, the densest
    box, with its restrictions above ``max_p`` (likely noise) dropped as the Workbench's
    ``drop_restriction`` does. ``max_p=None`` keeps the densest box as it is."""
    import logging

    require_ema()
    from ema_workbench.analysis import prim

    x = inputs(experiments)
    x = x[[c for c in x.columns if x[c].nunique() > 1]]
    share = replicates > 1
    y = np.asarray(y, dtype=float) if share else np.asarray(y, dtype=bool)
    base = float(y.mean())
    if threshold is None:
        threshold = min(0.9, max(base * 1.25, base + 0.02))
    import warnings

    logger = logging.getLogger("EMA")
    level = logger.level
    logger.setLevel(logging.WARNING)
    found: list[Box] = []
    with warnings.catch_warnings():  # the Workbench's own deprecation warnings are not the reader's concern
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        try:
            from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

            mode = RuleInductionType.REGRESSION if share else RuleInductionType.BINARY
            alg = prim.Prim(x, y, threshold=threshold, peel_alpha=0.05, mode=mode)
            for _ in range(boxes):
                box = alg.find_box()
                if box is None:
                    break
                traj = box.peeling_trajectory
                if share:  # coverage and density of the shares, not of PRIM's count above the threshold
                    stats_ = [_share_stats(box, int(j), y) for j in traj.index]
                    traj = traj.copy()
                    traj["coverage"] = [c for c, _, _ in stats_]
                    traj["density"] = [d for _, d, _ in stats_]
                ok = traj[(traj["coverage"] >= min_coverage) & (traj["res_dim"] > 0)]
                if ok.empty or float(ok["density"].max()) <= base:
                    break
                i = int(ok["density"].idxmax())
                if max_p is not None:  # prefer the densest box whose every restriction is significant
                    clean = [j for j in ok.index if _worst_p(box.qp[int(j)]) <= max_p]
                    if clean and float(traj.loc[clean, "density"].max()) > base:
                        i = int(traj.loc[clean, "density"].idxmax())
                box.select(i)
                if max_p is not None:
                    _, lims = box.inspect(i, style="data")[0]
                    ps = {name: max([v for v in lims.loc[name].iloc[2:].tolist() if v == v] or [0.0])
                          for name in lims.index}
                    keep = min(ps, key=ps.get) if ps else None   # the most significant restriction stays
                    for name in sorted(ps, key=ps.get, reverse=True):
                        if name != keep and ps[name] > max_p:
                            box.drop_restriction(name)
                    i = box._cur_box
                stats, lims = box.inspect(i, style="data")[0]
                restrictions = []
                for name in lims.index:
                    lo, hi = lims.loc[name].iloc[0], lims.loc[name].iloc[1]
                    qp = [v for v in lims.loc[name].iloc[2:].tolist() if v == v]
                    col = x[name]
                    if isinstance(lo, (set, frozenset)) or col.dtype.kind not in "fiu":
                        kept = tuple(sorted(box.box_lims[i][name].iloc[0]))
                        rule = scenario.params.get(name) if scenario is not None else None
                        names = tuple(rule.labels[int(v)] for v in kept) if hasattr(rule, "labels") else ()
                        restrictions.append(Restriction(name, _label(name, scenario), None, None,
                                                        kept, None, max(qp) if qp else None, names))
                    elif hasattr(scenario.params.get(name) if scenario is not None else None, "labels"):
                        # v3: a decision rule drawn per run (PRIM sees its index): the rules kept
                        labels = scenario.params[name].labels
                        kept = tuple(range(int(np.ceil(lo)), int(np.floor(hi)) + 1))
                        restrictions.append(Restriction(name, _label(name, scenario), None, None, kept, None,
                                                        max(qp) if qp else None, tuple(labels[v] for v in kept)))
                    else:
                        restrictions.append(Restriction(name, _label(name, scenario), float(lo), float(hi), (),
                                                        (float(col.min()), float(col.max())), max(qp) if qp else None))
                restrictions.sort(key=lambda r: (r.p_value is None, r.p_value or 0.0))
                coverage, density, n_in = float(stats["coverage"]), float(stats["density"]), int(stats["n"])
                if share:
                    coverage, density, n_in = _share_stats(box, i, y)
                found.append(Box(len(found) + 1, coverage, density, float(stats["mass"]), n_in, restrictions, traj,
                                 i, explained, replicates))
        finally:
            logger.setLevel(level)
    return found


def box_figure(found: list[Box], base_rate: float, title: str = ""):
    """One panel per box: each restricted input's kept range within the range explored."""
    from matplotlib.figure import Figure

    import textwrap

    rows = sum(max(1, len(b.restrictions)) for b in found) or 1
    fig = Figure(figsize=(10, 1.2 + 0.6 * rows + 0.5 * len(found)), layout="constrained")
    if not found:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no box denser than the base rate", ha="center", va="center")
        ax.set_axis_off()
        return fig
    axes = fig.subplots(len(found), 1, squeeze=False,
                        gridspec_kw={"height_ratios": [max(1, len(b.restrictions)) for b in found]})[:, 0]
    for ax, b in zip(axes, found):
        labels = []
        for k, r in enumerate(b.restrictions):
            if r.values:
                ax.barh(k, 1, left=0, color="#d9d9d9")
                ax.text(0.5, k, "kept: " + ", ".join(f"{v:g}" for v in r.values), ha="center", va="center",
                        fontsize="small")
            else:
                lo_f, hi_f = r.full
                span = (hi_f - lo_f) or 1.0
                ax.barh(k, 1, left=0, color="#eeeeee")
                ax.barh(k, (r.hi - r.lo) / span, left=(r.lo - lo_f) / span, color="#c0392b", alpha=0.75)
                ax.text(1.01, k, f"{r.lo:.3g} to {r.hi:.3g}  (of {lo_f:.3g} to {hi_f:.3g})", va="center",
                        fontsize="small")
            labels.append(textwrap.fill(r.label, 38))
        ax.set_yticks(range(len(labels)), labels, fontsize="small")
        ax.set_ylim(-0.6, max(len(labels), 1) - 0.4)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
        ax.set_title(f"Box {b.index}: coverage {b.coverage:.2f}, density {b.density:.2f} "
                     f"(base rate {base_rate:.2f})", fontsize="medium", loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    if title:
        fig.suptitle(title, fontsize="medium")
    return fig


def tradeoff_figure(found: list[Box], title: str = "", explained: Explained = EXPLAINED["collapse"]):
    """Coverage against density along each box's peeling trajectory, the chosen box marked."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for b in found:
        t = b.trajectory
        ax.plot(t["coverage"], t["density"], marker=".", lw=1, label=f"box {b.index} peeling trajectory")
        ax.plot([b.coverage], [b.density], marker="o", ms=10, mfc="none", mec="black")
        ax.annotate(f"box {b.index}", (b.coverage, b.density), textcoords="offset points", xytext=(8, 6))
    ax.set_xlabel(f"coverage (share of all {explained.cases} inside the box)")
    ax.set_ylabel(f"density (share that {explained.state} inside the box)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    if found:
        ax.legend(loc="lower left", fontsize="small", frameon=False)
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def write_discovery(folder: Path, scenario: Scenario, experiments, y: np.ndarray, n: int, boxes: int = 2,
                    min_coverage: float = 0.5, max_p: float | None = 0.05,
                    explained: Explained = EXPLAINED["collapse"], replicates: int = 1) -> tuple[list[Box], float]:
    """PRIM boxes of ``y`` (per experiment: a case, or with ``replicates`` > 1 the share of its runs
    that are) over the experiments: ``boxes.json`` and two figures. Returns the boxes and the base rate.
    """
    base = float(np.mean(y))
    found = discover(experiments, y, scenario, boxes=boxes, min_coverage=min_coverage, max_p=max_p,
                     explained=explained, replicates=replicates)
    e = explained
    (folder / "boxes.json").write_text(json.dumps({
        "outcome": f"{e.outcome.column} == {e.value} ({e.state})", "replicates": replicates,
        "base_rate": base, "experiments": n,
        "best_density_over_base": (max(b.density for b in found) / base) if found and base else None,
        "boxes": [{"index": b.index, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                   "runs": b.cases,
                   "restrictions": [{"input": r.name, "label": r.label, "low": r.lo, "high": r.hi,
                                     "values": list(r.values), "explored": r.full, "p_value": r.p_value}
                                    for r in b.restrictions]} for b in found]}, indent=2) + "\n")
    from ..figsave import savefig

    figs = folder / "figures"
    figs.mkdir()
    title = f"{scenario.title or scenario.name}: where runs {e.state}"
    for name, fig in (("prim_boxes", box_figure(found, base, title)),
                      ("prim_tradeoff", tradeoff_figure(found, explained=e))):
        for ext in ("png", "svg"):   # the scenario's title shown literally (no mathtext), SVG ids fixed
            savefig(fig, figs / f"{name}.{ext}", dpi=150)
    return found, base
