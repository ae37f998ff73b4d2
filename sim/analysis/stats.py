"""Ensemble statistics: proportions with Wilson intervals, the channel's Kaplan-Meier survival curve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .. import distributions as dist
from ..results import outcomes as out
from .reference_check import columns as reference_columns


@dataclass(frozen=True)
class Proportion:
    """k successes of n with a Wilson score interval (Wilson 1927), as scipy computes it (sim.distributions)."""

    k: int
    n: int
    p: float | None
    lo: float | None
    hi: float | None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if self.n == 0:
            return "n/a (no runs)"
        return f"{self.p:.3f}  [{self.lo:.3f}, {self.hi:.3f}]  ({self.k}/{self.n})"


def proportion(k: int, n: int, confidence: float = 0.95) -> Proportion:
    if n == 0:
        return Proportion(0, 0, None, None, None)
    lo, hi = dist.wilson(int(k), int(n), confidence)
    return Proportion(int(k), int(n), k / n, lo, hi)


@dataclass(frozen=True)
class Survival:
    """Probability that the channel is still open after each step, with a pointwise 95% band."""

    steps: np.ndarray
    survival: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def median(self) -> float | None:
        """First step at which survival falls to 0.5 or below (None if it never does)."""
        below = np.nonzero(self.survival <= 0.5)[0]
        return float(self.steps[below[0]]) if len(below) else None


def survival(break_step: np.ndarray, length: np.ndarray, horizon: int) -> Survival:
    """Kaplan-Meier estimate of P(break step > t); runs that held are censored at their length.

    A run that held through ``length`` steps is known to have break step >= length, so it is
    censored at ``length - 0.5`` (integer steps). The band is the log-log Greenwood interval, as
    scipy's ``ecdf`` computes it (:func:`sim.distributions.kaplan_meier`).
    """
    broke = ~np.isnan(break_step)
    steps = np.arange(horizon)
    if not broke.any():
        one = np.ones(horizon)
        return Survival(steps, one, one.copy(), one.copy())
    t, sf, low, high = dist.kaplan_meier(break_step[broke], length[~broke] - 0.5)
    s = dist.step_function(t, sf, steps)
    # the band is undefined (NaN) where S(t) is 0 or 1: those ends are set here
    lo, hi = dist.step_function(t, low, steps), dist.step_function(t, high, steps)
    return Survival(steps, s, np.nan_to_num(lo, nan=0.0), np.nan_to_num(hi, nan=1.0))


def payoff_quantiles(table: dict[str, np.ndarray]) -> dict:
    """Per actor, the distribution over runs of the payoff per step (total / run length)."""
    out = {}
    for col in (c for c in table if c.startswith("payoff.")):
        per_step = table[col] / table["length"]
        q = np.quantile(per_step, [0.05, 0.25, 0.5, 0.75, 0.95])
        out[col.removeprefix("payoff.")] = {"mean": float(per_step.mean()),
                                            **{f"q{p:02d}": float(v) for p, v in zip((5, 25, 50, 75, 95), q)}}
    return out


def newcombe_paired(x: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """P(x) - P(y) for paired binary outcomes with Newcombe's score interval for paired data
    (Newcombe 1998, Stat Med 17:2635, method 10: Wilson limits of each margin combined through the
    correlation phi of the 2x2 table, whose numerator ad - bc is shrunk by n/2 towards 0 when
    positive (0 if that crosses 0) and kept when negative; phi is 0 when a margin is empty)."""
    x, y = np.asarray(x, dtype=bool), np.asarray(y, dtype=bool)
    n = len(x)
    a, b = int((x & y).sum()), int((x & ~y).sum())
    c, d = int((~x & y).sum()), int((~x & ~y).sum())
    p1, p2 = proportion(a + b, n, confidence), proportion(a + c, n, confidence)
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    cross = cross - n / 2 if cross > n / 2 else cross if cross < 0 else 0.0
    phi = cross / np.sqrt(float(denom)) if denom > 0 else 0.0
    l1, u1, l2, u2 = p1.p - p1.lo, p1.hi - p1.p, p2.p - p2.lo, p2.hi - p2.p
    delta = p1.p - p2.p
    lower = np.sqrt(max(l1 ** 2 - 2 * phi * l1 * u2 + u2 ** 2, 0.0))
    upper = np.sqrt(max(u1 ** 2 - 2 * phi * u1 * l2 + l2 ** 2, 0.0))
    return float(delta), float(max(delta - lower, -1.0)), float(min(delta + upper, 1.0))


def mcnemar_p(x: np.ndarray, y: np.ndarray) -> float:
    """Exact McNemar test of paired binary outcomes: binomial test on the discordant pairs."""
    x, y = np.asarray(x, dtype=bool), np.asarray(y, dtype=bool)
    b = int((x & ~y).sum())
    c = int((~x & y).sum())
    return 1.0 if b + c == 0 else dist.sign_test_p(b, b + c)


def share_interval(x: np.ndarray, confidence: float = 0.95) -> dict:
    """Mean of shares in [0, 1] with its t interval clipped to [0, 1] (the mean cannot leave it)."""
    m = mean_interval(x, confidence)
    return {**m, "lo": max(m["lo"], 0.0), "hi": min(m["hi"], 1.0)}


def mean_interval(x: np.ndarray, confidence: float = 0.95) -> dict:
    """Mean with a Student t interval (a point when every value is the same)."""
    x = np.asarray(x, dtype=float)
    m = float(x.mean()) if len(x) else float("nan")
    if len(x) < 2 or np.all(x == x[0]):
        return {"mean": m, "lo": m, "hi": m, "n": int(len(x))}
    half = float(dist.t_ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return {"mean": m, "lo": m - half, "hi": m + half, "n": int(len(x))}


def twin_effect(table: dict[str, np.ndarray], twin: str) -> dict | None:
    """The effect of whatever the twin removes: outcome of the runs minus that of their twins, paired."""
    held_t, open_t = out.HELD.twin_column(twin), out.OPEN_SHARE.twin_column(twin)
    if held_t not in table:
        return None
    held, twin_held = table["held"].astype(bool), table[held_t].astype(bool)
    d, lo, hi = newcombe_paired(held, twin_held)
    diff = table["open_share"].astype(float) - table[open_t].astype(float)
    return {
        "twin": twin,
        "p_held_twin": proportion(twin_held.sum(), len(twin_held)).as_dict(),
        "held": {"difference": d, "lo": lo, "hi": hi, "mcnemar_p": mcnemar_p(held, twin_held),
                 "runs_differing": int((held != twin_held).sum()),
                 "method": "Newcombe 1998 paired score interval (method 10); exact McNemar test"},
        "mean_open_share_twin": float(table[open_t].astype(float).mean()),
        **_moves_effect(table, twin),
        **_incidents_effect(table, twin),
        "open_share": {"difference": float(diff.mean()), **{k: v for k, v in mean_interval(diff).items()
                                                             if k in ("lo", "hi")},
                       "method": "paired mean difference, Student t interval"},
    }


def _moves_effect(table: dict[str, np.ndarray], twin: str) -> dict:
    """v3: how many runs' channel moves the twin's intervention changes at some step."""
    col = out.MOVES_DIFFER.twin_column(twin)
    return {"runs_moved": int(np.asarray(table[col]).astype(bool).sum())} if col in table else {}


def mechanism_table(effects: dict[str, dict], mechanisms: dict[str, str]) -> list[dict]:
    """v3: per declared mechanism twin, what switching the mechanism off changes (run minus twin),
    and whether it is inert in this scenario (no run's channel moves change)."""
    rows = []
    for twin, words in mechanisms.items():
        e = effects.get(twin)
        if not e:
            continue
        h = e["held"]
        moved = e.get("runs_moved", h["runs_differing"])
        rows.append({"twin": twin, "mechanism": words, "difference": h["difference"], "lo": h["lo"], "hi": h["hi"],
                     "mcnemar_p": h["mcnemar_p"], "runs_differing": h["runs_differing"], "runs_moved": moved,
                     "runs": int(e["p_held_twin"]["n"]), "inert": moved == 0, "text": mechanism_words(words, h, moved,
                                                                                             e["p_held_twin"]["n"])})
    return rows


def mechanism_words(mechanism: str, held: dict, moved: int, runs: int) -> str:
    """One mechanism's line of the table, in words."""
    if moved == 0:
        return f"{mechanism}: inert in this scenario (switching it off changes no run's channel moves)"
    share = moved / runs if runs else 0.0
    pct = f"{100 * share:.0f}%" if share >= 0.01 else f"{moved} of {runs}"
    return (f"{mechanism}: moves the channel in {pct} of runs; P(held) with it minus without "
            f"{held['difference']:+.3f} [{held['lo']:+.3f}, {held['hi']:+.3f}] ({held['runs_differing']} runs "
            f"held in one and not the other)")


def rule_breakdown(table: dict[str, np.ndarray]) -> dict:
    """v3: P(held) per drawn rule, for every strategy that is a choice of rules (``strategy.*`` columns)."""
    held = table["held"].astype(bool)
    out_ = {}
    for col in sorted(c for c in table if c.startswith("strategy.")):
        labels = np.asarray(table[col]).astype(str)
        out_[col[len("strategy."):]] = {lab: proportion(int(held[labels == lab].sum()), int((labels == lab).sum())).as_dict()
                                        for lab in dict.fromkeys(sorted(labels))}
    return out_


def _incidents_effect(table: dict[str, np.ndarray], twin: str) -> dict:
    """Incidents in the twin minus in the runs (positive: incidents the runs avoided), paired."""
    col = out.INCIDENTS.twin_column(twin)
    if col not in table or "incidents" not in table:
        return {}
    diff = table[col].astype(float) - table["incidents"].astype(float)
    m = mean_interval(diff)
    return {"incidents_twin": float(table[col].mean()),
            "incidents_averted": {"difference": m["mean"], "lo": m["lo"], "hi": m["hi"],
                                  "method": "paired mean difference (twin minus run), Student t interval"}}


def incidents_summary(table: dict[str, np.ndarray], horizon: int) -> dict:
    """P(at least one incident) and P(no incident by the end) (Kaplan-Meier); the mean and the
    median time to the first incident are the declared outcomes' own statistics."""
    n = table["incidents"].astype(float)
    first = table["first_incident"].astype(float)
    surv = survival(first, table["length"].astype(float), horizon)
    return {"p_any_incident": proportion(int((n > 0).sum()), len(n)).as_dict(),
            "p_no_incident_by_end": float(surv.survival[-1])}


def distinct_definitions(grid: list[tuple]) -> list[tuple]:
    """The rows of an unpacked robustness grid, ``(key, definition, held)``, one per distinct
    definition, each with the labels of the grid's other definitions that are the same one:
    ``(key, definition, held, same_as)``.

    Some labels of the grid name one definition twice (window 3: thresholds 1/2 and 2/3 both need
    2 engaged steps of 3; :func:`sim.results.outcomes.effective_key`). Such rows are identical in
    every run, so they are merged rather than kept and marked: a duplicate would count one
    definition twice whenever results say "under N of the M definitions", and a merged row that
    lists the labels it stands for loses nothing. The first label in grid order represents the
    definition; ``same_as`` lists the others ('; '-separated, empty when there are none)."""
    groups: dict[tuple, list] = {}
    for key, d, held in grid:
        groups.setdefault(out.effective_key(d), []).append((key, d, held))
    return [(*rows[0], "; ".join(d.label for _, d, _ in rows[1:])) for rows in groups.values()]


def robustness(table: dict[str, np.ndarray], window: int, threshold: float) -> list[dict]:
    """P(held) with its Wilson interval under every distinct definition of the robustness grid
    (labels naming the same definition merged: :func:`distinct_definitions`)."""
    if "held_grid" not in table:
        return []
    rows = []
    grid = out.ROBUSTNESS_GRID.unpack(table["held_grid"], window, threshold)
    for key, d, held, same in distinct_definitions(grid):
        rows.append({"key": key, "label": d.label, "same_as": same, "window": d.window, "threshold": d.threshold,
                     "collapse_after": d.collapse_after, "prehistory": d.prehistory,
                     **proportion(held.sum(), len(held)).as_dict()})
    return rows


def hazard(break_step: np.ndarray, length: np.ndarray, horizon: int) -> np.ndarray:
    """Discrete hazard of collapse per step: collapses at t over runs still at risk at t."""
    broke = ~np.isnan(break_step)
    steps = np.arange(horizon)
    events = np.bincount(break_step[broke].astype(np.int64), minlength=horizon)[:horizon]
    # at risk at t: not collapsed before t and still running at t
    end = np.where(broke, break_step, length - 1)
    at_risk = np.array([(end >= t).sum() for t in steps])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(at_risk > 0, events / np.maximum(at_risk, 1), np.nan)


#: steps counted as "first steps" when the collapse hazard is compared with the later steps
EARLY_STEPS = 6

#: the per-run columns :func:`summarise` reads besides the declared outcomes' own
#: (``sim.results.outcomes``: every outcome with a summary statistic)
EXTRA_SUMMARY_COLUMNS = ("held", "escalated", "break_step", "length", "held_grid", "freezes",
                         "thaws_at_meeting", "first_freeze")


def summary_column_names() -> tuple[str, ...]:
    """The per-run columns :func:`summarise` reads (the declarations read when called)."""
    return tuple(dict.fromkeys((*EXTRA_SUMMARY_COLUMNS, *(o.column for o in out.summarised()))))


#: the per-run columns :func:`summarise` reads (as declared at import; see :func:`summary_column_names`)
SUMMARY_COLUMNS = summary_column_names()


def summary_columns(available: Sequence[str]) -> list[str]:
    """Columns of a stored runs table that the summary needs (twins' outcomes and payoffs included)."""
    twin_cols = {o.column for o in out.twin_outcomes()}
    keep = set(summary_column_names()) | set(reference_columns(available))  # for the reference-class check
    return [c for c in available if c in keep or c.startswith(("payoff.", "strategy."))
            or any(c.startswith(t + "_") for t in twin_cols)]


def _proportion_of(x: np.ndarray, **_) -> dict:
    x = np.asarray(x).astype(bool)
    return proportion(int(x.sum()), len(x)).as_dict()


def _median_step(x: np.ndarray, table: dict[str, np.ndarray], horizon: int, column: str) -> float | None:
    from ..results.tables import never_to_nan

    return survival(never_to_nan(column, np.asarray(x)).astype(float), table["length"].astype(float), horizon).median()


#: each summary statistic an outcome can declare (``Outcome.statistic``), computed from its column
STATISTICS = {
    "proportion": _proportion_of,
    "share": lambda x, **_: share_interval(np.asarray(x, dtype=float)),
    "mean": lambda x, **_: mean_interval(np.asarray(x, dtype=float)),
    "survival": lambda x, table, horizon, column: _median_step(x, table, horizon, column),
}


def declared_statistics(table: dict[str, np.ndarray], horizon: int) -> dict:
    """Every declared outcome's summary statistic (``sim.results.outcomes``), for the columns the table has."""
    return {o.summary_key: STATISTICS[o.statistic](table[o.column], table=table, horizon=horizon, column=o.column)
            for o in out.summarised() if o.column in table}


def summarise(table: dict[str, np.ndarray], horizon: int, window: int = 6, threshold: float = 0.5,
              twins: Sequence[str] = (), mechanisms: dict[str, str] | None = None) -> dict:
    """The headline numbers of an ensemble (docs/model.md from its per-run table."""
    held = table["held"].astype(bool)
    esc = table["escalated"].astype(bool)
    broke = ~np.isnan(table["break_step"].astype(float))
    surv = survival(table["break_step"].astype(float), table["length"].astype(float), horizon)
    h = hazard(table["break_step"].astype(float), table["length"].astype(float), horizon)
    early, later = h[:EARLY_STEPS], h[EARLY_STEPS:]
    out_ = {
        "runs": int(len(held)),
        **declared_statistics(table, horizon),
        "p_held_given_escalated": proportion((held & esc).sum(), esc.sum()).as_dict(),
        "p_held_given_escalated_note": "descriptive only: noise, patience and trust drive both outcomes; "
                                       "see rivalry_effect for what the rivalry does to the channel",
    }
    rules = rule_breakdown(table)
    if rules:
        out_["p_held_by_rule"] = rules
    if "incidents" in table:
        out_.update(incidents_summary(table, horizon))
    effects = {t: twin_effect(table, t) for t in twins}
    if effects.get("pacified"):
        out_["rivalry_effect"] = effects.pop("pacified")
    if any(effects.values()):
        out_["twin_effects"] = {t: e for t, e in effects.items() if e}
    mech = mechanism_table(effects, mechanisms or {})
    if mech:
        out_["mechanisms"] = mech
    out_.update({
        "median_break_step_among_broken": float(np.median(table["break_step"][broke])) if broke.any() else None,
        "km_survival_at_end": float(surv.survival[-1]),
        "hazard_first_steps": float(np.nanmean(early)) if np.isfinite(early).any() else None,
        "hazard_later_steps": float(np.nanmean(later)) if np.isfinite(later).any() else None,
        "hazard_note": f"mean per-step collapse hazard (Kaplan-Meier) over steps 0-{EARLY_STEPS - 1} and "
                       f"over steps {EARLY_STEPS} on",
        "robustness": robustness(table, window, threshold),
        "mean_length": float(np.mean(table["length"])),
        "payoff_per_step": payoff_quantiles(table),
    })
    return out_
