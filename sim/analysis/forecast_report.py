"""The report section of a forecast folder (``sim forecast``, docs/forecast.md): the record that was
accepted, the posterior predictive check of every pattern, and P(held) counted by accepted run."""

from __future__ import annotations


def forecast_section(ctx) -> str:
    """Empty unless the summary has a ``forecast`` entry."""
    from .report import esc, table

    f = (ctx.summary or {}).get("forecast")
    if not f:
        return ""
    nearest = f["acceptance"] != "tolerance"
    intro = (f"A forecast from {esc(f['from'])}: {f['draws']} runs of the record from the priors, judged by its "
             f"patterns on the {f['seam_step']} steps before the seam; {f['within_tolerance']} were within every "
             f"tolerance (rate {f['acceptance_rate']:.3g}). "
             + (f"Fewer than {f['accepted']} were, so the {f['accepted']} <b>nearest</b> were accepted "
                "(--nearest): the effective tolerance column says how far they are. " if nearest else
                f"The first {f['accepted']} of them (in run order) were accepted. ")
             + f"Each accepted run was continued in {f['branches']} branches from its whole state at the seam, with "
             "fresh random numbers per branch; every figure and table above and below counts steps from the seam. "
             "Branches of one accepted run share its parameters and its past, so the intervals that treat the "
             f"{f['accepted'] * f['branches']} branches as independent runs are too narrow: the table of P(held) "
             "by accepted run counts each accepted run once.")
    has_pred = "predictive_runs" in f
    rows = []
    for p in f["patterns"]:
        row = [p["name"], f"{p['observed']:g}", f"{p['tolerance']:g}", f"{p['prior_share_within']:.3f}"]
        if nearest:
            row.append(f"{p['effective_tolerance']:.3g}")
        if has_pred:
            row += [f"{p['accepted_share_within']:.3f}", f"{p['predictive_share_within']:.3f}",
                    f"{p['predictive_median']:.3g}", f"{p['predictive_p']:.3g}"]
        rows.append(row)
    header = ["pattern", "observed", "tolerance", "prior share within"] + (["effective tolerance"] if nearest else [])
    if has_pred:
        header += ["accepted runs within", "predictive share within", "predictive median", "predictive p"]
        rows.append(["all patterns jointly", "", "", f"{f['acceptance_rate']:.3f}"] + ([""] if nearest else [])
                    + [f"{f['accepted_joint_share_within']:.3f}", f"{f['predictive_joint_share_within']:.3f}", "",
                       f"{f['predictive_joint_p']:.3g}"])
    pred = (f"<p>Posterior predictive check: {f['predictive_runs']} fresh runs of the record, each taking one "
            "accepted run's parameters whole, with its own random numbers. The p-values are those of <code>sim calibrate</code> "
            "(per pattern two-sided; jointly the share of predictive runs at least as far from the predictive "
            "medians as the record). A low share within tolerance, or a predictive p-value near 0, says the fitted model rarely reproduces that pattern of the record.</p>"
            if has_pred else "")
    clustered = f.get("clustered", {})
    crow = [[label, f"{clustered[k]['mean']:.3f}", f"[{clustered[k]['lo']:.3f}, {clustered[k]['hi']:.3f}]",
             f"{clustered[k]['between_share']:.3f}"]
            for k, label in (("p_held", "P(channel held)"), ("p_frozen", "P(frozen at least once)"),
                             ("p_lapsed", "P(lapsed)"), ("p_open_at_end", "P(open at the end)")) if k in clustered]
    return ("<h2>The forecast: the record accepted, then branched</h2>" + f"<p>{intro}</p>"
            + table(header, rows) + pred
            + "<p>Counted by accepted run (95% interval from the spread of the accepted runs' own shares; the last "
              "column is the share of the variance between accepted runs):</p>"
            + table(["outcome from the seam", "estimate", "95% interval", "between accepted runs"], crow))
