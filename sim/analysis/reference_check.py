"""The reference-class check: the record's figures next to the model's own for a freshly agreed channel.

When a scenario names ``reference_class: PATH``, ``summary.json`` gets a ``reference_class`` entry
(:func:`reference_check`) and the report a section (:func:`reference_section`). A check, not a
fit: nothing is calibrated to it. Each row pairs one figure of the record with the model's nearest
counterpart, computed from the runs table:

- collapsed within 24 steps (``break_step`` < 24, every run starting freshly agreed) against the
  share of new channels that lapsed within 24 months; with ``collapse_cause``, also the runs whose
  collapse was a lapse;
- the Kaplan-Meier median of ``break_step`` (runs that held censored at their length) against the
  record's median months to restart (they measure different things and are shown for scale only:
  a channel's life against a freeze's length);
- with ``freezes`` and ``frozen_months``: the share of runs frozen at least once and the months
  frozen per freeze (freezes still on at the end counted to the end: a lower bound on the time to
  thaw) against the record's Kaplan-Meier median and exponential mean months to restart;
- with ``thaws_at_meeting`` as well: freezes ended at a leaders' meeting, per freeze, against the
  record's restarts at a meeting or visit per freeze.

Columns the runs table lacks are skipped quietly.
"""

from __future__ import annotations

import numpy as np

from ..scenario.reference import AT_MEETING, LAPSE_MONTHS, figures, km_median, share

#: optional columns of the runs table this check reads when they are there (model spec 13.2)
FREEZE_COLUMNS = ("freezes", "first_freeze", "frozen_months", "thaws_at_meeting", "collapse_cause")
#: every runs-table column the check may read
COLUMNS = ("held", "break_step", "length", *FREEZE_COLUMNS)


def columns(available) -> list[str]:
    """The columns of a stored runs table that the check reads."""
    return [c for c in available if c in COLUMNS]


def _steps(x) -> np.ndarray:
    """A step column as floats, NaN for "never" (an empty cell on disk, -1 in memory)."""
    x = np.asarray(x, dtype=float)
    return np.where(x < 0, np.nan, x)


def model_figures(table: dict, within: int = LAPSE_MONTHS) -> dict:
    """The model's counterparts of the record's figures from a runs table (one row per run)."""
    brk = _steps(table["break_step"])
    length = np.asarray(table["length"], dtype=float)
    early = brk < within                                  # NaN compares False: never collapsed
    known = early | (length >= within)                    # fate by step `within` known
    out = {"steps": within, "collapsed_within": share(int(early.sum()), int(known.sum()))}
    broke = ~np.isnan(brk)
    km = km_median(np.where(broke, brk, length - 0.5), broke) if len(brk) else {"median": None}
    out["median_break_step"] = km
    if "collapse_cause" in table:
        cause = np.array([str(c).strip().lower() for c in table["collapse_cause"]])
        out["lapsed_within"] = share(int((early & (cause == "lapse")).sum()), int(known.sum()))
    if "freezes" in table and "frozen_months" in table:
        freezes = np.nan_to_num(np.asarray(table["freezes"], dtype=float))
        frozen = np.nan_to_num(np.asarray(table["frozen_months"], dtype=float))
        total = float(freezes.sum())
        out["frozen_at_least_once"] = share(int((freezes > 0).sum()), len(freezes))
        out["months_frozen_per_freeze"] = float(frozen.sum()) / total if total else None
        if "thaws_at_meeting" in table:
            meet = np.nan_to_num(np.asarray(table["thaws_at_meeting"], dtype=float))
            out["freezes_ended_at_meeting"] = share(int(meet.sum()), int(total))
    if "first_freeze" in table:
        first = _steps(table["first_freeze"])
        out["first_freeze_within"] = share(int((first < within).sum()),
                                           int(((first < within) | (length >= within)).sum()))
    return out


def reference_check(rc, table: dict) -> dict:
    """The ``reference_class`` entry of summary.json: the record's figures and the model's."""
    ref = figures(rc)
    per_freeze = sum(e.occasion in AT_MEETING for e in rc.freezes if e.restarted)
    return {"file": rc.file, "note": "a check, not a fit: the record's figures next to the model's own",
            "record": ref, "record_restarts_at_meeting_per_freeze": share(per_freeze, ref["freezes"]),
            "model": model_figures(table)}


def _interval(x: dict) -> str:
    if not x or x.get("p") is None:
        return "n/a"
    return f"{x['p']:.3f} [{x['lo']:.3f}, {x['hi']:.3f}] ({x['k']}/{x['n']})"


def _median(km: dict) -> str:
    if not km or km.get("median") is None:
        return "not reached"
    hi = "not reached" if km.get("hi") is None else f"{km['hi']:.1f}"
    lo = "n/a" if km.get("lo") is None else f"{km['lo']:.1f}"
    return f"{km['median']:.1f} [{lo}, {hi}]"


def rows(check: dict) -> list[list[str]]:
    """(figure, record, model) rows of the comparison table."""
    r, m = check["record"], check["model"]
    steps = m["steps"]
    out = [[f"new channel lapsed (record) / collapsed (model) within {steps} months",
            _interval(r["lapse_within_24_months"]), _interval(m["collapsed_within"])]]
    if "lapsed_within" in m:
        out.append([f"... of which by a lapse (model: collapse cause 'lapse') within {steps} months",
                    _interval(r["lapse_within_24_months"]), _interval(m["lapsed_within"])])
    out.append(["median months: to restart after a freeze (record) / to collapse (model), Kaplan-Meier",
                _median(r["months_to_restart"]), _median(m["median_break_step"])])
    if "frozen_at_least_once" in m:
        per = m["months_frozen_per_freeze"]
        out.append(["months to thaw: record KM median; model months frozen per freeze (a lower bound)",
                    _median(r["months_to_restart"]), "n/a" if per is None else f"{per:.1f}"])
        out.append(["months to thaw: record exponential mean (censored)", f"{r['thaw_rate']['mean_months']:.1f}",
                    "n/a" if per is None else f"{per:.1f}"])
        out.append(["runs frozen at least once (model only)", "n/a", _interval(m["frozen_at_least_once"])])
    if "freezes_ended_at_meeting" in m:
        out.append(["freezes ended at a leaders' meeting (record: or a top-level visit), per freeze",
                    _interval(check["record_restarts_at_meeting_per_freeze"]),
                    _interval(m["freezes_ended_at_meeting"])])
    return out


def reference_section(ctx) -> str:
    """The report's section (empty when the summary has no reference-class check)."""
    from .report import esc, table

    check = (ctx.summary or {}).get("reference_class")
    if not check:
        return ""
    intro = ("The reference class of earlier US-China channels (" + esc(check["file"]) + ") next to this "
             "ensemble's own figures for a freshly agreed channel. A check, not a fit: nothing is calibrated "
             "to it. Record: Wilson 95% intervals and a Kaplan-Meier median with its log-log 95% interval, "
             "in months; model: the same, in steps. See docs/reference_class.md for the codings.")
    return ("<h2>Reference class: the record next to the model</h2>" + f"<p>{intro}</p>"
            + table(["figure", "record", "model"], rows(check)))
