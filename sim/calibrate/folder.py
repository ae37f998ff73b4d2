"""``sim calibrate``: a reference table, the accepted runs, a posterior predictive check, a folder.

The folder (written under a hidden name and renamed only when complete) holds ``posterior.csv``
(accepted runs: run, ``param.<path>`` columns, ``stat.<pattern>`` columns and the distance),
``predictive.csv`` (pattern statistics of fresh runs drawing from the posterior), ``summary.json``
(acceptance rate, posterior quantiles, predictive intervals), one prior-vs-posterior figure per
parameter and one predictive figure per pattern, ``report.html``, ``scenario.yaml`` (the resolved
scenario that was calibrated), ``calibrated.yaml`` (extends it, with ``parameters: {from:
posterior.csv}``) and ``manifest.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import numpy as np

from ..results.folders import write_scenario
from ..results.manifest import write_manifest
from ..results.tables import write_table
from ..errors import UserError
from ..scenario.resolved import Scenario
from .abc import (EPS, Acceptor, distance, parameter_paths, quantiles, reference_chunks, reference_table, whole,
                  with_posterior)
from ..scenario.patterns import INTEGER_STATISTICS
from .kind import HISTOGRAMS
from ..scenario.posterior import PARAM_PREFIX

PREDICTIVE_INTERVAL = (0.05, 0.95)
#: the first runs kept as a sample of the prior (figures, prior quantiles); memory stays bounded
PRIOR_SAMPLE = 50_000


#: what the report says when runs may end before the horizon (MODEL reading: judged past the end)
CONTINUATION_NOTE = ("<p>Runs end early under <code>continuation</code>. A pattern statistic judged past the end "
                     "of a run that <code>continuation</code> ended (a <code>level_at</code> step, or the start of a "
                     "<code>channel_open_share</code> period, that the run did not reach) is undefined, and that run "
                     "is not accepted, whatever the tolerance. A period the run reached in part is judged on the "
                     "steps it reached, and <code>count</code>, <code>response_share</code>, "
                     "<code>largest_drop</code> and <code>fired</code> on the steps the run lasted.</p>")


def check(s: Scenario) -> None:
    if not s.patterns:
        raise UserError(f"{s.file or s.name}: the scenario has no `patterns:` to calibrate against")
    if not parameter_paths(s):
        raise UserError(f"{s.file or s.name}: no parameter is written as a distribution (nothing to calibrate)")


def run_calibration(s: Scenario, draws: int, k: int, seed: int, executor=None, chunk_size: int = 5000,
                    predictive: int = 2000, progress: bool = False, prior_sample: int = PRIOR_SAMPLE,
                    nearest: bool = False, adjust: bool = False, check_conflict: int = 0,
                    holdout: tuple[str, int] | None = None) -> dict:
    """Simulate, accept and check; return everything the folder needs (tables and a summary).

    MODEL 13.7: only runs within every tolerance are accepted; when fewer than ``k`` are, a
    :class:`UserError` says so unless ``nearest`` (then the ``k`` nearest, with the effective
    tolerance per pattern). ``adjust``: Beaumont et al.'s regression adjustment. ``check_conflict``:
    that many records simulated from the posterior for the prior-data conflict check.
    ``holdout``: ``(label, step)``: fit the patterns judged before the step, check the others."""
    from .hygiene import acceptance_rates, conflict, split_patterns

    check(s)
    fit, held = s.patterns, ()
    if holdout is not None:
        fit, held = split_patterns(s.patterns, holdout[1], s.horizon)
        if not fit:
            raise UserError(f"--holdout {holdout[0]}: no pattern of {s.name} is judged wholly before it "
                            f"(step {holdout[1]}); nothing to fit")
        if not held:
            raise UserError(f"--holdout {holdout[0]}: every pattern of {s.name} is judged before it; nothing is held out")
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=draws + predictive + check_conflict, unit="run", desc=f"calibrate {s.name}", leave=False)
    started = time.perf_counter()
    acceptor = Acceptor(fit, k, prior_sample)
    reference = [] if check_conflict else None   # the fitted statistics of every draw (conflict check only)
    held_inside = np.zeros(len(held), dtype=np.int64)   # prior runs within each held-out pattern's tolerance
    conflict_summary = None
    try:
        for part in reference_chunks(s, draws, seed, executor, chunk_size):
            acceptor.add(part)
            if reference is not None:
                reference.append(np.column_stack([part[p.column] for p in fit]))
            for i, p in enumerate(held):
                with np.errstate(invalid="ignore"):
                    held_inside[i] += np.count_nonzero(np.abs(part[p.column] - p.observed) <= p.tolerance + EPS)
            if bar is not None:
                bar.update(len(part["run"]))
        post, mode = acceptor.result()
        if mode == "nearest" and not nearest:
            counts = ", ".join(f"{p.name} {n}" for p, n in zip(fit, acceptor.pattern_inside))
            raise UserError(f"{s.name}: {acceptor.n_inside} of {draws} runs are within every tolerance, fewer "
                            f"than --accept {k} (within, per pattern: {counts}); draw more, lower --accept, or "
                            f"add --nearest to accept the {k} nearest")
        if post is None:
            raise UserError(f"{s.name}: no run of {draws} has every statistic defined; nothing to accept")
        post["distance"] = distance(post, fit)
        calibrated = with_posterior(s, post)
        # posterior predictive: fresh runs (indices after the draws) taking whole posterior rows
        pred = reference_table(calibrated, predictive, seed, executor, chunk_size, first_run=draws,
                               progress=bar.update if bar is not None else None) if predictive else None
        if check_conflict:
            # records simulated from the posterior: fresh runs after the predictive ones
            records = reference_table(calibrated, check_conflict, seed, executor, chunk_size,
                                      first_run=draws + predictive,
                                      progress=bar.update if bar is not None else None)
            x = np.column_stack([records[p.column] for p in fit])
            defined = np.isfinite(x).all(axis=1)
            rates = acceptance_rates(np.concatenate(reference), x[defined], [p.tolerance for p in fit])
            conflict_summary = conflict(acceptor.n_inside / draws, rates)
            conflict_summary.update({"simulated": check_conflict, "undefined": int((~defined).sum())})
            reference = None
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - started
    prior = acceptor.prior_sample()
    summary = summarise(s, prior, post, pred, mode, draws, seed, k)
    summary.update({"acceptance_rate": acceptor.n_inside / draws, "prior_sample": len(prior["run"]),
                    "simulation_seconds": round(seconds, 3)})
    hygiene(s, summary, post, pred, fit + held, held, mode,
            np.concatenate([acceptor.pattern_inside, held_inside]) / draws, adjust, holdout)
    if conflict_summary is not None:
        summary["conflict"] = conflict_summary
    return {"prior": prior, "posterior": post, "predictive": pred, "summary": summary}


def hygiene(s: Scenario, summary: dict, post: dict, pred: dict | None, fit: tuple, held: tuple, mode: str,
            within: np.ndarray, adjust: bool, holdout: tuple[str, int] | None) -> None:
    """Add to ``summary`` (and ``post``) what section 13.7 asks: per pattern whether it was fitted,
    its prior share within tolerance and (``nearest``) its effective tolerance; the regression-adjusted
    quantiles (``adjust``); the predictive shares and p-values, jointly too; the hold-out's check."""
    from .hygiene import effective_tolerance, predictive_check, prior_support, regression_adjust, weighted_quantiles

    share = dict(zip((p.name for p in fit), within))     # every pattern's prior share within tolerance
    fit = tuple(p for p in fit if p not in held)
    fitted = {p.name for p in fit}
    eff = dict(zip((p.name for p in fit), effective_tolerance(post, fit)))
    for entry in summary["patterns"]:
        entry["fitted"] = entry["name"] in fitted
        entry["prior_within_tolerance"] = float(share[entry["name"]])
        if mode == "nearest" and entry["fitted"]:
            entry["effective_tolerance"] = float(eff[entry["name"]])
    if adjust:
        paths = [path for path in summary["parameters"] if not whole(post[PARAM_PREFIX + path])]
        if paths:
            theta = np.column_stack([post[PARAM_PREFIX + p] for p in paths])
            stats = np.column_stack([post[p.column] for p in fit])
            adjusted, w = regression_adjust(theta, stats, [p.observed for p in fit], post["distance"],
                                            [p.tolerance for p in fit], [prior_support(s.params[p]) for p in paths])
            post["weight"] = w
            for i, path in enumerate(paths):
                post["adjusted." + path] = adjusted[:, i]
                lo, med, hi = weighted_quantiles(adjusted[:, i], w)
                summary["parameters"][path]["adjusted"] = {"median": med, "q05": lo, "q95": hi}
        summary["adjusted"] = paths
    if pred is not None:
        check_ = predictive_check(pred, s.patterns)
        for entry in summary["patterns"]:
            entry.update({"predictive_share_within": check_["patterns"][entry["name"]]["share_within"],
                          "predictive_p_value": check_["patterns"][entry["name"]]["p_value"]})
        summary["predictive_joint"] = check_["joint"]
        if held:
            summary["holdout"] = {"date": holdout[0], "step": holdout[1],
                                  "fitted": [p.name for p in fit], "held_out": [p.name for p in held],
                                  "joint": predictive_check(pred, held)["joint"],
                                  "fitted_joint": predictive_check(pred, fit)["joint"]}
    elif held:
        summary["holdout"] = {"date": holdout[0], "step": holdout[1], "fitted": [p.name for p in fit],
                              "held_out": [p.name for p in held], "joint": None}


def summarise(s: Scenario, prior: dict, post: dict, pred: dict | None, mode: str, draws: int, seed: int, k: int) -> dict:
    """Posterior quantiles (against the prior sample's) and the predictive check; the caller adds
    the acceptance rate and the prior shares within tolerance, counted over every draw."""
    accepted = len(post["run"])
    params, rules = {}, {}
    for path in parameter_paths(s):
        col = PARAM_PREFIX + path
        labels = getattr(s.params[path], "labels", None)
        if labels is not None:  # v3: a decision rule drawn per run: ABC model choice (section 13.4)
            rules[path] = rule_frequencies(labels, prior[col], post[col])
            continue
        integer = whole(prior[col], post[col])   # e.g. a `choice` of whole numbers (a delay in steps)
        lo, med, hi = quantiles(post[col], integer=integer)
        plo, pmed, phi = quantiles(prior[col], integer=integer)
        prior_width = phi - plo
        params[path] = {"median": med, "q05": lo, "q95": hi, "prior_median": pmed, "prior_q05": plo, "prior_q95": phi,
                        # how much the record narrowed the 90% interval (1: not at all)
                        "width_ratio": (hi - lo) / prior_width if prior_width > 0 else float("nan")}
    patterns = []
    for p in s.patterns:
        entry = {"name": p.name, "statistic": p.kind, "observed": p.observed, "tolerance": p.tolerance,
                 "prior_undefined": float(np.isnan(prior[p.column]).mean())}
        if pred is not None:
            lo, med, hi = quantiles(pred[p.column], (PREDICTIVE_INTERVAL[0], 0.5, PREDICTIVE_INTERVAL[1]),
                                    integer=p.kind in INTEGER_STATISTICS)
            entry.update({"predictive_median": med, "predictive_q05": lo, "predictive_q95": hi,
                          "observed_inside_90": bool(lo <= p.observed <= hi)})
        patterns.append(entry)
    return {"scenario": s.name, "seed": seed, "draws": draws, "accept_at_least": k, "accepted": accepted,
            "acceptance": mode, "predictive_runs": 0 if pred is None else len(pred["run"]),
            "parameters": params, "rules": rules, "patterns": patterns}


def rule_frequencies(labels, prior: np.ndarray, post: np.ndarray) -> dict:
    """ABC model choice (Grelaud et al. 2009): each rule's share among the accepted runs against its
    share among the prior draws, and their ratio (the Bayes factor of the rule against the others
    is the ratio of posterior to prior odds)."""
    out = {}
    for i, label in enumerate(labels):
        p_prior = float(np.mean(prior == i)) if len(prior) else float("nan")
        p_post = float(np.mean(post == i)) if len(post) else float("nan")
        odds = lambda p: p / (1 - p) if 0 < p < 1 else float("inf") if p == 1 else 0.0  # noqa: E731
        bf = odds(p_post) / odds(p_prior) if 0 < p_prior < 1 else float("nan")
        out[label] = {"prior": p_prior, "posterior": p_post, "accepted": int(np.sum(post == i)),
                      "bayes_factor": bf}
    return out


def _pct(x) -> str:
    return "n/a" if x is None or x != x else f"{100 * x:.1f}%"


def text_summary(summary: dict) -> str:
    """What the command prints: acceptance rate, posterior medians and 90% intervals (adjusted ones
    beside them with ``--adjust``), the predictive check, the hold-out and the conflict check."""
    lines = [f"{summary['scenario']}: {summary['draws']} draws, seed {summary['seed']} "
             f"({summary['simulation_seconds']:.1f} s simulated)"]
    n_in = round(summary["acceptance_rate"] * summary["draws"])
    lines.append(f"  acceptance rate {summary['acceptance_rate']:.5f} ({n_in} of {summary['draws']} runs within "
                 f"every tolerance)")
    if summary["acceptance"] == "nearest":
        outside = summary["accepted"] - n_in
        lines.append(f"  fewer than {summary['accept_at_least']} (--nearest): the {summary['accepted']} nearest runs "
                     f"are the posterior, {outside} of them outside at least one tolerance; effective tolerance "
                     f"(largest |stat - observed| accepted):")
        for p in summary["patterns"]:
            if "effective_tolerance" in p:
                lines.append(f"    {p['name']}: {p['effective_tolerance']:.3g} (tolerance {p['tolerance']:g})")
    hold = summary.get("holdout")
    if hold:
        lines.append(f"  hold-out {hold['date']} (step {hold['step']}): fitted {len(hold['fitted'])} pattern(s) "
                     f"judged before it, checked {len(hold['held_out'])}: {', '.join(hold['held_out'])}")
    width = max((len(p) for p in summary["parameters"]), default=10)
    adjusted = bool(summary.get("adjusted"))
    if summary["parameters"]:
        lines.append(f"  {'parameter':<{width}}  {'median':>8}  {'90% interval':<20}  {'prior 90%':<20}  width/prior"
                     + ("  adjusted median, 90%" if adjusted else ""))
    for path, q in summary["parameters"].items():
        interval = f"[{q['q05']:.3g}, {q['q95']:.3g}]"
        prior = f"[{q['prior_q05']:.3g}, {q['prior_q95']:.3g}]"
        line = f"  {path:<{width}}  {q['median']:8.3g}  {interval:<20}  {prior:<20}  {q['width_ratio']:.2f}"
        if "adjusted" in q:
            a = q["adjusted"]
            line += f"         {a['median']:8.3g} [{a['q05']:.3g}, {a['q95']:.3g}]"
        lines.append(line)
    for path, rules in summary.get("rules", {}).items():
        lines.append(f"  {path}: the rule drawn per run (ABC model choice: posterior share, prior share, "
                     f"Bayes factor)")
        for label, r in rules.items():
            lines.append(f"    {label:<24}{r['posterior']:6.3f}  (prior {r['prior']:.3f}, {r['accepted']} accepted)  "
                         f"BF {r['bayes_factor']:.3g}")
    if summary["predictive_runs"]:
        lines.append(f"  posterior predictive check ({summary['predictive_runs']} fresh runs from the posterior):")
        width = max(len(p["name"]) for p in summary["patterns"])
        for p in summary["patterns"]:
            verdict = "inside" if p["observed_inside_90"] else "OUTSIDE"
            line = (f"    {p['name']:<{width}}  observed {p['observed']:g}, 90% predictive "
                    f"[{p['predictive_q05']:.3g}, {p['predictive_q95']:.3g}]: {verdict}")
            if "predictive_share_within" in p:
                line += (f"; within tolerance {_pct(p['predictive_share_within'])}, "
                         f"p = {p['predictive_p_value']:.3g}" + ("" if p.get("fitted", True) else " (held out)"))
            lines.append(line)
        joint = summary.get("predictive_joint")
        if joint:
            lines.append(f"    every pattern within tolerance: {_pct(joint['share_within'])} of predictive runs; "
                         f"joint p = {joint['p_value']:.3g}")
        if hold and hold.get("joint"):
            lines.append(f"    every fitted pattern within tolerance: {_pct(hold['fitted_joint']['share_within'])}; "
                         f"joint p = {hold['fitted_joint']['p_value']:.3g}")
            lines.append(f"    every held-out pattern within tolerance: {_pct(hold['joint']['share_within'])}; "
                         f"joint p = {hold['joint']['p_value']:.3g}")
    c = summary.get("conflict")
    if c:
        simulated = c.get("simulated", c["records"])
        defined = "" if simulated == c["records"] else f", {c['records']} with every statistic defined"
        lines.append(f"  prior-data conflict check ({simulated} records simulated from the posterior{defined}): the "
                     f"record's acceptance rate {c['acceptance_rate']:.5f} is lower than that of {c['records_higher']} "
                     f"of {c['records']} ({_pct(c['share_higher'])}; rank {c.get('rank', c['records_lower'] + 1)} of "
                     f"{c['records'] + 1} from the lowest; median {c['simulated_median_rate']:.5f}): "
                     + ("CONFLICT (below 95% of them)" if c["conflict"] else "no conflict flagged"))
    return "\n".join(lines)


def _bins(*arrays: np.ndarray) -> np.ndarray:
    x = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.array([])
    if len(x) == 0:
        return np.linspace(0, 1, 11)
    lo, hi = float(x.min()), float(x.max())
    if np.all(x == np.round(x)) and hi - lo <= 60:
        return np.arange(lo - 0.5, hi + 1.5)
    if hi == lo:
        return np.linspace(lo - 0.5, hi + 0.5, 11)
    return np.linspace(lo, hi, 31)


#: the report's line where the figures would be, before ``sim figures`` draws them
FIGURES_NOT_DRAWN = ("<p class=\"note\">The figures: not drawn yet (a calibration draws none unless asked, "
                     "<code>--figures</code>). <code>sim figures &lt;this folder&gt;</code> draws them once, from "
                     "<code>histograms.json</code>, as PNG in <code>figures/</code>, and embeds them here.</p>")


def _density(x: np.ndarray, bins: np.ndarray) -> list[float]:
    """The bar heights of ``matplotlib.axes.Axes.hist(x, bins, density=True)``."""
    counts, _ = np.histogram(x, bins=bins)
    total = counts.sum()
    return (counts / (total * np.diff(bins)) if total else np.zeros(len(counts))).tolist()


def histograms(s: Scenario, result: dict) -> dict:
    """Everything the figures show, as JSON (``histograms.json``): per parameter, the prior sample's
    and the posterior's histograms on shared bins; per pattern, the prior predictive's and the
    posterior predictive's, with the observed value and its tolerance. The figures are drawn from
    this alone, when the calibration asks (``--figures``) or later (``sim figures``)."""
    from ..scenario.names import column_slug as slug

    prior, post, pred = result["prior"], result["posterior"], result["predictive"]
    figures = []
    for path in parameter_paths(s):
        col = PARAM_PREFIX + path
        bins = _bins(prior[col], post[col])
        figures.append({"file": f"posterior_{slug(path)}", "xlabel": path, "title": "", "edges": bins.tolist(),
                        "series": [{"label": f"prior (first {len(prior[col])} draws)", "colour": "#999999",
                                    "alpha": 0.45, "density": _density(prior[col], bins)},
                                   {"label": "posterior", "colour": "#0072B2", "alpha": 0.7,
                                    "density": _density(post[col], bins)}]})
    for p in s.patterns:
        x = prior[p.column]
        arrays = [x] + ([pred[p.column]] if pred is not None else [])
        bins = _bins(*arrays, np.array([p.observed - p.tolerance, p.observed + p.tolerance]))
        series = [{"label": f"prior predictive (first {len(x)} draws)", "colour": "#999999", "alpha": 0.45,
                   "density": _density(x[np.isfinite(x)], bins)}]
        if pred is not None:
            y = pred[p.column]
            series.append({"label": "posterior predictive", "colour": "#D55E00", "alpha": 0.7,
                           "density": _density(y[np.isfinite(y)], bins)})
        figures.append({"file": f"predictive_{slug(p.name)}", "xlabel": p.kind, "title": p.name,
                        "edges": bins.tolist(), "series": series,
                        "observed": p.observed, "tolerance": p.tolerance})
    return {"figures": figures}


def write_figures(folder: Path, data: dict, out: Path | None = None) -> list[Path]:
    """Draw the figures of ``histograms.json``'s ``data`` as PNG into ``out`` (default
    ``folder/figures``); return the files written."""
    from matplotlib.figure import Figure

    from ..figsave import savefig

    figs = Path(out) if out is not None else Path(folder) / "figures"
    figs.mkdir(exist_ok=True)
    written = []
    for f in data["figures"]:
        fig = Figure(figsize=(5, 3.2))
        ax = fig.subplots()
        edges = np.asarray(f["edges"])
        for x in f["series"]:   # the bars of hist(values, edges, density=True), from their heights
            ax.hist(edges[:-1], bins=edges, weights=x["density"], alpha=x["alpha"], color=x["colour"],
                    label=x["label"])
        if "observed" in f:
            lo, hi = f["observed"] - f["tolerance"], f["observed"] + f["tolerance"]
            ax.axvspan(lo, hi, color="#009E73", alpha=0.12, label="tolerance")
            ax.axvline(f["observed"], color="#009E73", lw=2, label=f"observed {f['observed']:g}")
            ax.set_title(f["title"], fontsize=9)
        ax.set_xlabel(f["xlabel"])
        ax.set_ylabel("density")
        ax.legend(frameon=False, **({"fontsize": 7} if "observed" in f else {}))
        fig.tight_layout()
        savefig(fig, figs / f"{f['file']}.png", dpi=120)
        written.append(figs / f"{f['file']}.png")
    return written


def figures_html(folder: Path) -> str:
    """The figures of ``folder/figures`` embedded, or the line that says they are not drawn."""
    import base64

    from ..analysis.report import esc

    pngs = sorted((Path(folder) / "figures").glob("*.png"))
    if not pngs:
        return FIGURES_NOT_DRAWN
    imgs = []
    for png in pngs:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        imgs.append(f'<figure><img alt="{esc(png.stem)}" src="data:image/png;base64,{data}">'
                    f"<figcaption>{esc(png.stem)}</figcaption></figure>")
    return "\n".join(imgs)


def embed_figures(folder: Path) -> str:
    """A calibration folder's ``report.html`` with ``figures/`` embedded in its figures section;
    every other byte of the report is kept."""
    from ..analysis.report import with_figures_section

    return with_figures_section((Path(folder) / "report.html").read_text(encoding="utf-8"), figures_html(folder))


def draw_figures(folder: Path, force: bool = False) -> list[Path]:
    """``sim figures`` of a calibration folder: its figures drawn once from ``histograms.json``
    (PNG in ``figures/``), ``report.html`` written anew to embed them, both added to the
    manifest's checksums, so ``sim verify`` still passes. Already drawn: nothing, unless ``force``.
    Refused (UserError) when the folder changed since it was written, or keeps no histograms (a
    folder written before they were kept, whose figures were drawn with it)."""
    from ..analysis.run_folder import check_unchanged, draw_aside, figures_recorded
    from ..results.folders import write_text_atomic
    from ..results.manifest import add_files
    from ..results.verify import load_manifest

    folder = Path(folder)
    if figures_recorded(load_manifest(folder), folder) and not force:
        return []
    if not (folder / HISTOGRAMS).is_file():
        raise UserError(f"{folder}: a calibration folder without {HISTOGRAMS} (written before the figures were "
                        "drawn on request); its figures were drawn when it was written")
    check_unchanged(folder, ("figures/",))
    try:
        data = json.loads((folder / HISTOGRAMS).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{folder / HISTOGRAMS}: unreadable ({exc.__class__.__name__})") from None
    written = draw_aside(folder, lambda tmp: write_figures(folder, data, out=tmp))
    write_text_atomic(folder / "report.html", embed_figures(folder))
    add_files(folder, sorted(str(p.relative_to(folder)) for p in written) + ["report.html"])
    return written


def write_report(folder: Path, s: Scenario, summary: dict, manifest: dict) -> None:
    from ..analysis.report import esc, manifest_html, page, table

    sm = summary
    adjusted = bool(sm.get("adjusted"))
    rows = [[path, q["median"], f"[{q['q05']:.3g}, {q['q95']:.3g}]", f"[{q['prior_q05']:.3g}, {q['prior_q95']:.3g}]",
             q["width_ratio"]]
            + ([f"{q['adjusted']['median']:.3g} [{q['adjusted']['q05']:.3g}, {q['adjusted']['q95']:.3g}]"
                if "adjusted" in q else "not adjusted"] if adjusted else [])
            for path, q in sm["parameters"].items()]
    nearest = sm["acceptance"] == "nearest"
    prows = [[p["name"], p["statistic"], p["observed"], p["tolerance"]]
             + ([p.get("effective_tolerance", "")] if nearest else [])
             + [p["prior_within_tolerance"] if p.get("fitted", True) else f"{p['prior_within_tolerance']:.3g} (held out)",
                f"[{p.get('predictive_q05', float('nan')):.3g}, {p.get('predictive_q95', float('nan')):.3g}]",
                "yes" if p.get("observed_inside_90") else "no",
                p.get("predictive_share_within", float("nan")), p.get("predictive_p_value", float("nan"))]
             for p in sm["patterns"]]
    joint = sm.get("predictive_joint")
    check_html = ("<p>The share within tolerance is the share of predictive runs whose statistic is within the "
                  "pattern's tolerance of the observed value (an undefined statistic is not). The posterior "
                  "predictive p-value of a pattern is <code>min(1, 2 min(P(T &ge; observed), P(T &le; "
                  "observed)))</code> over the predictive runs (two-sided; small: the record is in a tail of what "
                  "the fitted model predicts).</p>")
    if joint:
        check_html += (f"<p>Jointly, {100 * joint['share_within']:.1f}% of the predictive runs have every pattern "
                       f"within its tolerance. Joint p-value {joint['p_value']:.3g}: the share of predictive runs at "
                       "least as far from the predictive medians as the record, by the sum over patterns of "
                       "|statistic - median| / tolerance.</p>")
    hold = sm.get("holdout")
    hold_html = ""
    if hold:
        hj = hold.get("joint")
        hold_html = (f"<h2>Hold-out: fitted before {esc(hold['date'])}, checked after</h2><p>Only the patterns judged "
                     f"wholly before {esc(hold['date'])} (step {hold['step']}) were fitted: "
                     f"{esc(', '.join(hold['fitted']))}. The others, judged on steps from it on, were held out and "
                     f"checked on the posterior predictive runs: {esc(', '.join(hold['held_out']))}"
                     + (f"; {100 * hj['share_within']:.1f}% of the predictive runs have every held-out pattern "
                        f"within its tolerance (joint p-value {hj['p_value']:.3g}), against "
                        f"{100 * hold['fitted_joint']['share_within']:.1f}% for the fitted ones." if hj else ".")
                     + " Per pattern, see the table above.</p>")
    c = sm.get("conflict")
    conflict_html = ""
    if c:
        conflict_html = (f"<h2>Prior-data conflict</h2><p>{c.get('simulated', c['records'])} records were simulated "
                         "from the posterior "
                         f"(fresh runs, each run's statistics taken as the observed record"
                         + (f"; {c['undefined']} with an undefined statistic left out" if c.get("undefined") else "")
                         + "), and each one's acceptance rate computed against the same reference table. The real "
                         f"record's, {c['acceptance_rate']:.5f}, is lower than that of {c['records_higher']} of the "
                         f"{c['records']} "
                         f"({100 * c['share_higher']:.1f}%; their median {c['simulated_median_rate']:.5f}). "
                         + ("<strong>A prior-data conflict is flagged</strong>: the record is rarer under the "
                            "model than 95% of records the fitted model itself produces."
                            if c["conflict"] else "No conflict is flagged (the threshold is 95%).") + "</p>")
    intro = (f"<p>Rejection ABC: {sm['draws']} runs, each with its own draw from the scenario's distributions "
             f"(the priors), seed {sm['seed']}. {round(sm['acceptance_rate'] * sm['draws'])} runs had every "
             f"pattern within its tolerance (acceptance rate {sm['acceptance_rate']:.5f}); the posterior is "
             + ("those runs." if sm["acceptance"] == "tolerance" else
                f"the {sm['accepted']} runs nearest the record (sum of |statistic - observed| / tolerance), as "
                "--nearest asked: each pattern's effective tolerance (the largest |statistic - observed| among "
                "them) is in the patterns' table.")
             + (" With --adjust, the accepted parameters are also adjusted by local-linear regression on the "
                "statistics (Beaumont, Zhang and Balding 2002; Epanechnikov weights on the distance): the last "
                "column of the posterior table." if adjusted else "")
             + f" The posterior predictive check simulates {sm['predictive_runs']} fresh runs, each taking a "
             "whole posterior row.</p>" + (CONTINUATION_NOTE if s.continuation is not None else ""))
    sections = [
        "<h2>Method</h2>" + intro,
        "<h2>Posterior</h2>" + table(["parameter", "median", "90% interval", "prior 90%", "width / prior width"]
                                     + (["adjusted median [90%]"] if adjusted else []), rows)
        + "<p>The last column is the posterior 90% interval's width over the prior's: near 1, the record "
        "does not identify the parameter.</p>",
        *(["<h2>Decision rules (ABC model choice)</h2><p>Each run drew its rule; the posterior share of a rule "
           "is its share among the accepted runs. The Bayes factor is the rule's posterior odds over its prior "
           "odds (Grelaud et al. 2009): above 1 the record favours the rule, below 1 it disfavours it.</p>"
           + "".join(f"<h3>{esc(path)}</h3>" + table(
               ["rule", "posterior share", "prior share", "accepted runs", "Bayes factor"],
               [[lab, r["posterior"], r["prior"], r["accepted"], r["bayes_factor"]] for lab, r in rules.items()])
               for path, rules in sm.get("rules", {}).items())] if sm.get("rules") else []),
        "<h2>Patterns and the posterior predictive check</h2>"
        + table(["pattern", "statistic", "observed", "tolerance"] + (["effective tolerance"] if nearest else [])
                + ["prior share within", "90% predictive", "observed inside", "predictive share within",
                   "p-value"], prows) + check_html + hold_html + conflict_html,
        "<h2>Figures</h2>" + figures_html(folder),
        manifest_html(manifest),
    ]
    title = f"Calibration of {s.title or s.name}"
    (folder / "report.html").write_text(page(title, s.question, sections), encoding="utf-8")


def write_calibration_folder(folder: Path, s: Scenario, result: dict, command: list[str], meta: dict,
                             figures: bool = False) -> dict:
    """Every file of a calibration folder; returns the manifest (written last). The figures only if
    ``figures`` (``histograms.json`` holds what they show: ``sim figures`` draws them later)."""
    folder = Path(folder)
    write_table(folder / "posterior.csv", result["posterior"])
    if result["predictive"] is not None:
        write_table(folder / "predictive.csv", result["predictive"])
    (folder / "summary.json").write_text(json.dumps(result["summary"], indent=2) + "\n")
    data = {k: v for k, v in s.data.items() if k != "parameters"} if s.posterior is None else dict(s.data)
    # its own table (if it draws from one) is stored under another name: posterior.csv is the result
    write_scenario(folder, s, "the scenario that was calibrated", data=data, table="calibrated_from.csv")
    (folder / "calibrated.yaml").write_text(
        f"# {s.name}, calibrated: every run draws one whole row of posterior.csv (jointly, so the\n"
        f"# correlations between parameters survive); everything else is the scenario as calibrated.\n"
        f"# Written by: {' '.join(command)}\n"
        f"extends: scenario.yaml\nname: {s.name}_calibrated\nparameters: {{from: posterior.csv}}\n",
        encoding="utf-8")
    data = histograms(s, result)
    (folder / HISTOGRAMS).write_text(json.dumps(data) + "\n")
    if figures:
        write_figures(folder, data)
    manifest = {"kind": "calibrate", "scenario": s.name, "scenario_file": s.file, "command": command,
                "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **meta,  # meta may say when it started
                "simulation_seconds": result["summary"]["simulation_seconds"]}
    write_report(folder, s, result["summary"], manifest)
    return write_manifest(folder, manifest)
