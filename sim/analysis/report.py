"""A single self-contained ``report.html`` for a run, sweep or compare folder.

Built only from the folder's stored files (scenario.yaml, summary.json, tables, figures, and
theory.json when another step wrote one). Figures are embedded as base64 PNG, styles are inline,
and nothing refers to the network, so the file opens anywhere, offline.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from .tables import read_table

#: captions of the figures this project writes; others get their file name
CAPTIONS = {
    "survival": "Kaplan-Meier estimate of the probability that the safety channel is still open, with its "
                "pointwise 95% band (log-log Greenwood). Runs ended early by `continuation` are censored.",
    "levels": "Escalation level of every track over time: median, 25-75% and 5-95% bands across runs, and "
              "the mean (dashed). Rung names on the level axis.",
    "outcomes": "Left: share of runs in each combination of channel (held/collapsed) and rivalry (calm/escalated), "
                "with Wilson 95% intervals. Right: when the channel collapsed (the first month of the suspension that became a collapse), among runs where it collapsed.",
    "sweep_lines": "Headline probabilities against the varied parameter; shaded bands are Wilson 95% "
                   "intervals. Every point uses the same seed and run indices (common random numbers).",
    "sweep_heatmap": "The headline probabilities over the sweep grid (cell values annotated).",
    "compare_survival": "Kaplan-Meier survival of the channel in each compared results folder, with 95% bands.",
    "compare_outcomes": "Share of runs in each outcome, per compared folder, with Wilson 95% intervals.",
    "nonstate": "Left: misuse incidents per run, as simulated and (where the scenario declares the "
                "channel_closed twin) in the same runs with both sides walking out of the channel every "
                "month; the difference of the means is the incidents the channel averts. Right: the nonstate "
                "groups' mean capability and the strength of the safeguards over time (median and 25-75% "
                "band over runs).",
    "sensitivity": "Sobol first-order (S1) and total (ST) indices with bootstrap 95% confidence intervals.",
}
FIGURE_ORDER = ("survival", "levels", "outcomes", "nonstate", "sweep_lines", "sweep_heatmap", "compare_survival",
                "compare_outcomes", "sensitivity")
OUTCOME_ROWS = (
    ("p_held", "P(channel held)"),
    ("p_escalated", "P(rivalry escalated)"),
    ("p_held_and_escalated", "P(held and escalated)"),
    ("p_held_given_escalated", "P(held | rivalry escalated), descriptive only"),
)
STYLE = """body{font-family:Georgia,serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;
text-align:left;vertical-align:top}th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5em 0}figure img{max-width:100%}figcaption{font-size:.9em;color:#444}
.note{background:#fff8e1;border-left:4px solid #E69F00;padding:.5em 1em}code{font-size:.9em}"""


def esc(x) -> str:
    return html.escape(str(x))


def fmt(x) -> str:
    """A number for a table cell: 3 decimals for fractions, plain otherwise."""
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.3f}" if abs(x) < 10 else f"{x:g}"
    return str(x)


def table(header: list[str], rows: list[list]) -> str:
    """An HTML table; numbers right-aligned."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{esc(fmt(c))}</td>' if isinstance(c, (int, float)) and
                         not isinstance(c, bool) else f"<td>{esc(fmt(c))}</td>" for c in row) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figures(folder: Path) -> str:
    """Every ``figures/*.png`` below ``folder`` embedded as base64, in a stable order, with captions."""
    pngs = sorted((folder / "figures").glob("*.png"),
                  key=lambda p: (FIGURE_ORDER.index(p.stem) if p.stem in FIGURE_ORDER else 99, p.stem))
    out = []
    for i, png in enumerate(pngs, start=1):
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        caption = CAPTIONS.get(png.stem, png.stem)
        out.append(f'<figure><img alt="{esc(png.stem)}" src="data:image/png;base64,{data}">'
                   f"<figcaption><b>Figure {i}.</b> {esc(caption)} (Vector version: "
                   f"<code>figures/{esc(png.stem)}.svg</code>.)</figcaption></figure>")
    return "\n".join(out) or "<p>No figures.</p>"


def headline(summary: dict) -> str:
    rows = []
    for key, name in OUTCOME_ROWS:
        x = summary.get(key)
        if x is None:
            continue
        interval = "n/a" if x["lo"] is None else f"[{x['lo']:.3f}, {x['hi']:.3f}]"
        rows.append([name, x["p"], interval, f"{x['k']}/{x['n']}"])
    m = summary.get("mean_open_share")
    if m:
        rows.append(["mean open share", m["mean"], f"[{m['lo']:.3f}, {m['hi']:.3f}] (t interval)", m["n"]])
    median = summary.get("median_break_step")
    rows.append(["median collapse step (Kaplan-Meier)", "not reached" if median is None else median, "", ""])
    return table(["outcome", "estimate", "95% interval", "runs"], rows)


def effects_section(summary: dict) -> str:
    """The twins' contrasts: what the rivalry (pacified twin) and each named twin change."""
    effects = ([("pacified", summary["rivalry_effect"])] if summary.get("rivalry_effect") else []) \
        + list(summary.get("twin_effects", {}).items())
    if not effects:
        return ""
    rows = []
    for name, e in effects:
        h, o = e["held"], e["open_share"]
        what = "the rivalry (vs pacified twin)" if name == "pacified" else f"vs twin '{name}'"
        rows.append([what, "P(held)", h["difference"], f"[{h['lo']:+.3f}, {h['hi']:+.3f}]",
                     f"{h['mcnemar_p']:.2g}", h["runs_differing"]])
        rows.append([what, "mean open share", o["difference"], f"[{o['lo']:+.3f}, {o['hi']:+.3f}]", "", ""])
        if "incidents_averted" in e:
            a = e["incidents_averted"]
            rows.append([what, "misuse incidents averted per run (twin minus run)", a["difference"],
                         f"[{a['lo']:+.3f}, {a['hi']:+.3f}]", "", ""])
    intro = ("Each run is simulated again as a <i>twin</i> with one intervention and the same random numbers. "
             "The pacified twin forces both sides to C on every rivalry track and holds rivalry levels at "
             "their start, so the difference (run minus twin) is the effect of the rivalry on the channel. "
             "Paired 95% intervals: Newcombe's score interval for paired proportions (1998, method 10) and "
             "a paired t interval for the open share; p: exact McNemar test.")
    return ("<h2>Effect of the rivalry on the channel</h2>" + f"<p>{intro}</p>"
            + table(["effect of", "outcome", "difference", "95% interval", "McNemar p", "runs differing"], rows))


def robustness_section(summary: dict) -> str:
    """P(held) under every definition of the channel outcome in the robustness grid."""
    rows = summary.get("robustness") or []
    if not rows:
        return ""
    d = summary.get("definition", {})
    body = table(["definition", "P(held)", "Wilson 95% interval", "runs"],
                 [[r["label"], r["p"], f"[{r['lo']:.3f}, {r['hi']:.3f}]", f"{r['k']}/{r['n']}"] for r in rows])
    return ("<h2>Robustness of the definition</h2>"
            f"<p>The headline uses window {d.get('window')}, threshold {d.get('threshold')}, collapse after "
            f"{d.get('collapse_after')} steps, prehistory {d.get('prehistory')}. The table repeats P(held) under "
            "every definition of the grid, and under version 1 (collapse at the first step the window's "
            "engaged share falls below the threshold, with no prehistory).</p>" + body)


def assumptions(folder: Path) -> str:
    """The scenario's description and its uncertain parameters with their distributions."""
    from ..scenario.errors import ScenarioError
    from ..scenario.load import load_scenario

    path = folder / "scenario.yaml"
    if not path.exists():
        return "<p>No scenario.yaml in this folder.</p>"
    try:
        s = load_scenario(path)
    except ScenarioError as exc:
        return f"<p>The stored scenario could not be read: {esc(exc)}</p>"
    rows = [["description", s.description.strip() or "(none)"],
            ["runs, horizon", f"{s.horizon} steps of one {s.step}" + (f" from {s.start}" if s.start else "")],
            ["actors", ", ".join(s.actor_names)], ["tracks", ", ".join(s.track_names)],
            ["events", "; ".join(e.name for e in s.events) or "(none)"]]
    if s.continuation:
        rows.append(["continuation", s.params[s.continuation].describe()])
    out = table(["assumption", "value"], rows)
    unc = s.uncertain()
    if unc:
        out += "<p>Uncertain parameters, sampled once per run:</p>"
        out += table(["parameter", "distribution", "valid range"],
                     [[p, d.describe(), str(s.param_ranges[p])] for p, d in unc.items()])
    else:
        out += "<p>No uncertain parameters: every parameter is a fixed value.</p>"
    return out


def theory(folder: Path) -> str:
    """``theory.json`` rendered generically: a mapping as key/value rows, a list of mappings as a table."""
    path = folder / "theory.json"
    if not path.exists():
        return ""
    data = json.loads(path.read_text())
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        keys = list(dict.fromkeys(k for r in data for k in r))
        body = table(keys, [[_plain(r.get(k, "")) for k in keys] for r in data])
    elif isinstance(data, dict):
        plain = [[k, _plain(v)] for k, v in data.items() if not _records(v)]
        body = table(["item", "value"], plain) if plain else ""
        for key, value in data.items():
            if _records(value):
                keys = list(dict.fromkeys(k for r in value for k in r))
                body += f"<h3>{esc(key)}</h3>" + table(keys, [[_plain(r.get(k, "")) for k in keys] for r in value])
    else:
        body = f"<pre>{esc(json.dumps(data, indent=2))}</pre>"
    return "<h2>Theory</h2>" + body


def _records(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def _plain(value):
    """A table cell: numbers and text as they are, anything nested as compact JSON."""
    if isinstance(value, (int, float, str)):
        return value
    if isinstance(value, list) and all(isinstance(v, (int, float, str)) for v in value):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, default=str)


def manifest_html(manifest: dict) -> str:
    rows = []
    for key, value in manifest.items():
        if key == "files":
            continue
        if isinstance(value, dict):
            value = "; ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = " ".join(str(v) for v in value)
        rows.append([key, value])
    return "<h2>Manifest</h2>" + table(["key", "value"], rows)


def page(title: str, question: str, sections: list[str]) -> str:
    q = f"<p><b>Question.</b> {esc(question.strip())}</p>" if question.strip() else ""
    note = ('<p class="note">Illustrative, not a forecast: the numbers show how the modelled mechanisms '
            "interact under the stated assumptions.</p>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{esc(title)}</h1>{q}{note}"
            + "\n".join(sections) + "</body></html>\n")


def write_run_report(folder: Path, manifest: dict) -> Path:
    """``report.html`` of a run folder (called by ``write_run_folder`` before the checksums)."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text())
    title = summary.get("title") or summary["scenario"]
    question = _question(folder)
    sections = ["<h2>Assumptions</h2>" + assumptions(folder),
                f"<h2>Headline numbers</h2><p>{summary['runs']} runs, seed {summary['seed']}.</p>"
                + headline(summary), effects_section(summary),
                "<h2>Figures</h2>" + figures(folder), robustness_section(summary), theory(folder),
                manifest_html(manifest)]
    path = folder / "report.html"
    path.write_text(page(title, question, sections), encoding="utf-8")
    return path


def _question(folder: Path) -> str:
    import yaml

    path = folder / "scenario.yaml"
    if not path.exists():
        return ""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return str(data.get("question", "") or "")


def write_table_report(folder: Path, title: str, question: str, intro: str, csv_name: str,
                       manifest: dict, with_assumptions: bool = True) -> Path:
    """``report.html`` of a sweep or compare folder: its table (``csv_name``) and figures."""
    folder = Path(folder)
    cols = read_table(folder / csv_name)
    names = list(cols)
    rows = [[_num(cols[n][i]) for n in names] for i in range(len(cols[names[0]]))]
    sections = []
    if with_assumptions:
        sections.append("<h2>Assumptions</h2>" + assumptions(folder))
    sections += [f"<h2>Headline numbers</h2><p>{esc(intro)}</p>" + table(names, rows),
                 "<h2>Figures</h2>" + figures(folder), theory(folder), manifest_html(manifest)]
    path = folder / "report.html"
    path.write_text(page(title, question, sections), encoding="utf-8")
    return path


def _num(x):
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if f != f:
        return "n/a"
    return int(f) if f.is_integer() and abs(f) >= 1 or f == 0 else f


def write_manifest(folder: Path, manifest: dict) -> dict:
    """Finish a sweep, compare or sensitivity folder (see :func:`sim.ensemble.store.write_manifest`)."""
    from ..ensemble.store import write_manifest as finish

    return finish(folder, manifest)
