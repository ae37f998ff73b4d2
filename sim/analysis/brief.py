"""The answer first: a one-page brief of a results folder (``sim brief``), built from its stored numbers.

A :class:`Brief` is read from a folder's stored files only: a run folder's (or any folder with the
same ``summary.json`` shape, such as a forecast's) ``summary.json``; a comparison's ``compare.csv``
and ``robustness.csv`` with the compared folders' summaries; a sweep's points' summaries. It holds
the question, two or three sentences that answer it with intervals, the paired differences (drawn
as a forest chart), the range of the answer over the definitions of "held" and over the decision
rules, the mechanism table in words, what the model leaves out and a reproduce line. It renders as
``brief.html`` (one printed A4 page), ``brief.md`` and, with python-pptx, ``brief.pptx``; its
summary block (:func:`summary_block`) also opens ``report.html``.

Every number is written as the terminal, ``summary.json`` and the report write it (3 decimals,
signed for effects), and every effect follows :data:`sim.analysis.labels.SIGN_CONVENTION`.
"""

from __future__ import annotations

import io
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import UserError
from .labels import SIGN_CONVENTION, words

#: what the model leaves out, said once for every brief (docs/model.md states the model in full)
NOT_INCLUDED = (
    "third countries and alliances (only the two states decide)",
    "what is said in the channel (it is engaged or not: no agenda, agreements or verification)",
    "the states' own AI progress (only the nonstate groups' capability grows)",
    "leaders and bureaucracies as persons (each side follows one decision rule per track, drawn per run "
    "from a fixed list)",
    "evidence for most numbers (stated assumptions with wide ranges: illustrative, not a forecast)",
)

#: a forecast is fitted to the coded record: what it leaves out is said without "not a forecast"
FORECAST_NOT_INCLUDED = NOT_INCLUDED[:-1] + (
    "evidence for the numbers the record does not identify (stated assumptions with wide ranges; the "
    "forecast is conditional on the model's structure and the record's coding)",
)


@dataclass(frozen=True)
class Effect:
    """One row of the forest chart: a difference with its 95% interval and test."""

    label: str
    diff: float
    lo: float
    hi: float
    p: float | None = None
    test: str = ""
    signed: bool = True          # a difference (signed); False: an estimate (a sweep's points)

    @property
    def text(self) -> str:
        p = "" if self.p is None else f", {self.test} p = {self.p:.2g}"
        if not self.signed:
            return f"{self.diff:.3f} [{self.lo:.3f}, {self.hi:.3f}]{p}"
        return f"{self.diff:+.3f} [{self.lo:+.3f}, {self.hi:+.3f}]{p}"


@dataclass
class Brief:
    kind: str                                   # run | compare | sweep (a forecast reads as a run)
    title: str
    question: str
    sentences: list[str]
    effects: list[Effect] = field(default_factory=list)
    effects_axis: str = ""                      # what the forest chart's axis measures
    ranges: list[str] = field(default_factory=list)
    mechanisms: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    reproduce: list[str] = field(default_factory=list)
    not_included: tuple[str, ...] = NOT_INCLUDED

    @property
    def answer(self) -> str:
        return " ".join(self.sentences)


# -- reading a folder -------------------------------------------------------------------------------


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: unreadable ({exc.__class__.__name__})") from None


def _scenario_data(folder: Path) -> dict:
    path = folder / "scenario.yaml"
    if not path.is_file():
        return {}
    try:
        # libyaml's parser where there is one (about 10 times faster; the same safe constructors)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _question(data: dict) -> str:
    return " ".join(str(data.get("question", "") or "").split())


def _ci(x: dict, key: str = "p") -> str:
    """``0.080 (95% interval 0.050 to 0.126)``: an estimate as the summary stores it."""
    if x.get("lo") is None:
        return "n/a"
    return f"{x[key]:.3f} (95% interval {x['lo']:.3f} to {x['hi']:.3f})"


def _signed(d: float, lo: float, hi: float) -> str:
    return f"{d:+.3f} (95% interval {lo:+.3f} to {hi:+.3f})"


def _horizon_words(data: dict, summary: dict) -> str:
    horizon = data.get("horizon") or summary.get("mean_length")
    step = data.get("step", "month")
    return f"all {int(horizon)} {step}s" if horizon else "the whole run"


def read_brief(folder: str | Path, manifest: dict | None = None) -> Brief:
    """The brief of a run, forecast, compare or sweep folder (a one-line UserError for anything else).

    ``manifest``: the folder's manifest when it is not written yet (a report made before it)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such results folder")
    if manifest is None:
        path = folder / "manifest.json"
        if not path.is_file():
            raise UserError(f"{folder}: not a results folder (no manifest.json; an unfinished folder has none)")
        manifest = _json(path)
    if (folder / "compare.csv").is_file():
        return compare_brief(folder, manifest)
    if (folder / "sweep.json").is_file():
        return sweep_brief(folder, manifest)
    if (folder / "summary.json").is_file():
        return summary_brief(folder, _json(folder / "summary.json"), manifest)
    raise UserError(f"{folder}: no summary.json, compare.csv or sweep.json: not a run, forecast, compare or "
                    "sweep folder")


def _reproduce(manifest: dict, data_file: str, seed=None) -> list[str]:
    command = manifest.get("command")
    lines = []
    if isinstance(command, list) and command:
        lines.append("command: " + shlex.join(str(c) for c in command))
    seed = manifest.get("seed", seed)
    version = (manifest.get("versions") or {}).get("sim-negotiation")
    digest = (manifest.get("files") or {}).get(data_file)
    facts = []
    if seed is not None:
        facts.append(f"seed {seed}")
    if version:
        facts.append(f"sim-negotiation {version}")
    if digest:
        facts.append(f"{data_file} sha256 {digest[:16]}")
    if facts:
        lines.append("; ".join(facts))
    return lines


# -- a run (or forecast) folder: summary.json -------------------------------------------------------


def held_ranges(summary: dict) -> list[str]:
    """P(held) over the distinct definitions of "held" and over each drawn rule, from a summary."""
    out = []
    rows = [r for r in summary.get("robustness") or [] if r.get("p") is not None]
    if rows:
        lo, hi = min(rows, key=lambda r: r["p"]), max(rows, key=lambda r: r["p"])
        out.append(f"P(held) over the {len(rows)} distinct definitions of \"held\": {lo['p']:.3f} "
                   f"({lo['label']}) to {hi['p']:.3f} ({hi['label']})")
    for where, rules in (summary.get("p_held_by_rule") or {}).items():
        actor, _, track = where.partition(".")
        known = {r: x for r, x in rules.items() if x.get("p") is not None}
        if not known:
            continue
        lo_r, hi_r = min(known, key=lambda r: known[r]["p"]), max(known, key=lambda r: known[r]["p"])
        out.append(f"P(held) over {actor}'s decision rule on {words(track)}: {known[lo_r]['p']:.3f} "
                   f"({words(lo_r)}) to {known[hi_r]['p']:.3f} ({words(hi_r)})")
    return out


def mechanism_phrase(m: dict) -> str:
    """One mechanism in a few words: 'leaders' meetings: moves the channel in 64% of runs; P(held) +0.040 [...]'."""
    if m.get("inert"):
        return f"{m['mechanism']}: inert in this scenario"
    runs = m.get("runs") or 0
    share = m["runs_moved"] / runs if runs else 0.0
    pct = f"{100 * share:.0f}% of runs" if share >= 0.01 else f"{m['runs_moved']} of {runs} runs"
    return (f"{m['mechanism']}: moves the channel in {pct}; effect on P(held) {m['difference']:+.3f} "
            f"[{m['lo']:+.3f}, {m['hi']:+.3f}]")


def summary_brief(folder: Path, summary: dict, manifest: dict) -> Brief:
    """The brief of one ensemble from its ``summary.json`` (a run folder, or any folder of that shape)."""
    data = _scenario_data(folder)
    held = summary["p_held"]
    fc = summary.get("forecast") if isinstance(summary.get("forecast"), dict) else None
    if fc and fc.get("horizon"):  # a forecast: its outcomes are measured from the seam
        data = {**data, "horizon": fc["horizon"]}
    first = f"In {summary['runs']} simulated runs the channel held through {_horizon_words(data, summary)} in " \
            f"{_ci(held)} of them"
    stops = [f"{what} in {_ci(summary[key])}" for key, what in
             (("p_frozen", "was frozen at least once"), ("p_lapsed", "lapsed without a freeze"))
             if summary.get(key)]
    sentences = [first + ("; it " + " and ".join(stops) if stops else "") + "."]
    clustered = (fc or {}).get("clustered", {})
    if clustered.get("p_held"):  # branches of one accepted run share their past: the honest interval counts each run once
        c = clustered["p_held"]
        stops = [f"{what} in {_ci(clustered[key], 'mean')}" for key, what in
                 (("p_frozen", "was frozen at least once"), ("p_lapsed", "lapsed without a freeze"))
                 if clustered.get(key)]
        sentences[0] = (f"From {fc.get('from')}, the channel held through {_horizon_words(data, summary)} in "
                        f"{c['mean']:.3f} (95% interval {c['lo']:.3f} to {c['hi']:.3f}, "
                        f"counting each of the {c['clusters']} accepted record runs once) of "
                        f"{summary['runs']} branches" + ("; it " + " and ".join(stops) if stops else "") + ".")
    effects = []
    riv = summary.get("rivalry_effect")
    esc = summary.get("p_escalated")
    if riv:
        h = riv["held"]
        if h["runs_differing"] == 0:
            sentences.append(f"The rivalry escalated in {_ci(esc)} of runs, yet it changes whether the channel holds "
                             f"in none: no run differs from its twin without the rivalry.")
        else:
            sentences.append(f"The rivalry escalated in {_ci(esc)} of runs; its effect on P(held) is "
                             f"{_signed(h['difference'], h['lo'], h['hi'])}, McNemar p = {h['mcnemar_p']:.2g}, "
                             f"against the same runs without the rivalry.")
        effects.append(Effect("the rivalry", h["difference"], h["lo"], h["hi"], h["mcnemar_p"], "McNemar"))
    closed = (summary.get("twin_effects") or {}).get("channel_closed", {})
    if "incidents_averted" in closed:
        a = closed["incidents_averted"]
        sentences.append(f"The channel averts {_ci({'p': a['difference'], 'lo': a['lo'], 'hi': a['hi']})} misuse "
                         f"incidents per run (its effect on incidents: {-a['difference']:+.3f}).")
    mech_rows = summary.get("mechanisms") or []
    mech_twins = {m["twin"] for m in mech_rows}
    for m in mech_rows:
        effects.append(Effect(m["mechanism"], m["difference"], m["lo"], m["hi"], m["mcnemar_p"], "McNemar"))
    for name, e in (summary.get("twin_effects") or {}).items():
        if name == "channel_closed" or name in mech_twins:  # channel_closed: P(held) is 0 by construction
            continue
        h = e["held"]
        effects.append(Effect(f"twin {words(name)}", h["difference"], h["lo"], h["hi"], h["mcnemar_p"], "McNemar"))
    title = summary.get("title") or summary.get("scenario", folder.name)
    return Brief("run", title, _question(data), sentences, effects,
                 "effect on P(channel held): with minus without (95% interval)", held_ranges(summary),
                 [mechanism_phrase(m) for m in mech_rows], joint_caveats(summary),
                 _reproduce(manifest, "summary.json", summary.get("seed")),
                 not_included=FORECAST_NOT_INCLUDED if fc else NOT_INCLUDED)


def joint_caveats(summary: dict) -> list[str]:
    """Where P(held and escalated) is driven by one margin (the other near 0 or 1), say so."""
    esc, held = summary.get("p_escalated"), summary.get("p_held")
    if not esc or not held or esc.get("p") is None:
        return []
    if esc["p"] >= 0.8:
        return [f"P(held and escalated) moves with P(held): escalation is near certain ({esc['p']:.3f})."]
    if held["p"] is not None and held["p"] >= 0.8:
        return [f"P(held and escalated) moves with P(escalated): the channel nearly always holds ({held['p']:.3f})."]
    return []


# -- a comparison folder: compare.csv, robustness.csv -----------------------------------------------


def compare_brief(folder: Path, manifest: dict) -> Brief:
    from ..results.tables import read_table
    from .compare import COMPARED

    t = read_table(folder / "compare.csv")
    labels = [str(x) for x in t["label"]]
    folders = [Path(str(x)) for x in t["folder"]]
    summaries = [_json(f / "summary.json") if (f / "summary.json").is_file() else {} for f in folders]
    datas = [_scenario_data(f) for f in folders]
    questions = list(dict.fromkeys(q for q in (_question(d) for d in datas) if q))
    robust = read_table(folder / "robustness.csv") if (folder / "robustness.csv").is_file() else None
    first = labels[0]
    sentences, effects, ranges, robust_words = [], [], [], []
    for i in range(1, len(labels)):
        paired = t["paired"][i] == 1
        test = "McNemar" if paired else "two-proportion z test"
        p0 = {"p": t["p_held"][0], "lo": t["p_held.lo"][0], "hi": t["p_held.hi"][0]}
        p1 = {"p": t["p_held"][i], "lo": t["p_held.lo"][i], "hi": t["p_held.hi"][i]}
        d, lo, hi, pv = (t["diff.p_held"][i], t["diff.p_held.lo"][i], t["diff.p_held.hi"][i], t["p_value.p_held"][i])
        sentences.append(f"The channel held in {_ci(p1)} of runs in '{labels[i]}' against {_ci(p0)} in '{first}': "
                         f"a difference "
                         f"of {_signed(d, lo, hi)}, {test} p = {pv:.2g}"
                         + (" (the same runs on the same random numbers)." if paired else " (independent runs)."))
        suffix = f" ({labels[i]})" if len(labels) > 2 else ""
        for _, key, text in COMPARED:
            effects.append(Effect(text + suffix, t[f"diff.{key}"][i], t[f"diff.{key}.lo"][i], t[f"diff.{key}.hi"][i],
                                  t[f"p_value.{key}"][i], test))
        effects.append(Effect("mean open share" + suffix, t["diff.mean_open_share"][i], t["diff.mean_open_share.lo"][i],
                              t["diff.mean_open_share.hi"][i]))
        if robust is not None:
            rows = [j for j in range(len(robust["label"])) if str(robust["label"][j]) == labels[i]]
            if rows:
                same = sum(1 for j in rows if (robust["diff"][j] < 0) == (d < 0) and robust["diff"][j] != 0)
                lo_d = min(robust["diff"][j] for j in rows)
                hi_d = max(robust["diff"][j] for j in rows)
                sign = "negative" if d < 0 else "positive"
                ranges.append(f"the difference in P(held), {labels[i]} minus {first}, over the {len(rows)} distinct "
                              f"definitions of \"held\": {lo_d:+.3f} to {hi_d:+.3f}; {sign} under {same} of them")
                robust_words.append(f"{sign} under {same} of the {len(rows)} distinct definitions of \"held\" "
                                    f"(from {lo_d:+.3f} to {hi_d:+.3f})")
    if robust_words:
        sentences.append("The difference is " + "; ".join(robust_words) + ".")
    riv = [(labels[i], s["rivalry_effect"]["held"]) for i, s in enumerate(summaries) if s.get("rivalry_effect")]
    if riv:
        sentences.append("The rivalry's effect on P(held) is " + "; ".join(
            f"{h['difference']:+.3f} [{h['lo']:+.3f}, {h['hi']:+.3f}] in '{lab}'" for lab, h in riv) + ".")
    for lab, s in zip(labels, summaries):
        ranges += [f"{lab}: {r}" for r in held_ranges(s)[1:]]  # the rules (definitions: the difference above)
    mechanisms = []
    names = list(dict.fromkeys(m["mechanism"] for s in summaries for m in s.get("mechanisms") or []))
    for name in names:
        parts = []
        for lab, s in zip(labels, summaries):
            m = next((m for m in s.get("mechanisms") or [] if m["mechanism"] == name), None)
            if m is not None:
                parts.append(f"{lab} inert" if m["inert"] else f"{lab} {m['difference']:+.3f}")
        mechanisms.append(f"{name}: " + ", ".join(parts))
    seeds = sorted({str(s.get("seed")) for s in summaries if s.get("seed") is not None})
    repro = _reproduce(manifest, "compare.csv", ", ".join(seeds) if seeds else None)
    for lab, f in zip(labels, folders):  # how each compared folder was made
        m = _json(f / "manifest.json") if (f / "manifest.json").is_file() else {}
        if isinstance(m.get("command"), list):
            repro.append(f"{lab}: " + shlex.join(str(c) for c in m["command"]))
    title = "Comparison: " + " vs ".join(labels)
    return Brief("compare", title, " / ".join(questions), sentences, effects,
                 "difference vs " + first + " (95% interval)", ranges,
                 mechanisms, [c for s in summaries for c in joint_caveats(s)][:1], repro)


# -- a sweep folder: its points' summaries ----------------------------------------------------------


def sweep_brief(folder: Path, manifest: dict) -> Brief:
    from .labels import param_label

    sweep = _json(folder / "sweep.json")
    data = _scenario_data(folder)
    axes = [a["path"] for a in sweep.get("axes", [])]
    points = []
    for point in sweep.get("points", []):
        path = folder / point["name"] / "summary.json"
        if path.is_file():
            points.append((point["values"], _json(path)))
    if not points:
        raise UserError(f"{folder}: the sweep has no finished point (no point-*/summary.json)")

    def name(path: str) -> str:
        label = param_label(path)
        return "both actors' " + label[2:] if label.startswith("* ") else label

    def at(values: dict) -> str:
        return ", ".join(f"{name(k)} {v:g}" if isinstance(v, (int, float)) else f"{name(k)} {v}"
                         for k, v in values.items())

    lo_v, lo_s = min(points, key=lambda p: p[1]["p_held"]["p"])
    hi_v, hi_s = max(points, key=lambda p: p[1]["p_held"]["p"])
    swept = ", ".join(name(a) for a in axes)
    sentences = [f"Over the {len(points)} points of the sweep of {swept} ({points[0][1]['runs']} runs each, the same "
                 f"random numbers at every point), P(channel held) goes from {_ci(lo_s['p_held'])} at {at(lo_v)} to "
                 f"{_ci(hi_s['p_held'])} at {at(hi_v)}."]
    esc = [s["p_escalated"]["p"] for _, s in points]
    sentences.append(f"P(rivalry escalated) is {esc[0]:.3f} at every point." if min(esc) == max(esc) else
                     f"P(rivalry escalated) stays between {min(esc):.3f} and {max(esc):.3f}.")
    effects = [Effect(at(v), s["p_held"]["p"], s["p_held"]["lo"], s["p_held"]["hi"], signed=False) for v, s in points]
    ranges = [f"at {at(v)}: {r}" for v, s in (points[0], points[-1]) for r in held_ranges(s)[:1]]
    caveats = []
    if min(esc) >= 0.8:
        caveats.append(f"P(held and escalated) moves with P(held) along the sweep: escalation is near certain at "
                       f"every point ({min(esc):.3f} to {max(esc):.3f}).")
    elif max(esc) >= 0.8 > min(esc):
        caveats.append(f"Where P(held and escalated) rises along the sweep, check P(rivalry escalated) ({min(esc):.3f} "
                       f"to {max(esc):.3f}): a joint probability rises when one margin becomes near certain.")
    return Brief("sweep", sweep.get("title") or sweep.get("scenario", folder.name), _question(data or sweep),
                 sentences, effects, "P(channel held) at each point (95% interval; not a difference)", ranges,
                 [], caveats, _reproduce(manifest, "sweep.csv", sweep.get("seed")))


# -- rendering ----------------------------------------------------------------------------------------


def forest_figure(brief: Brief, width: float = 7.0):
    """The paired differences (or a sweep's estimates) as a forest chart: a point and its 95% interval
    per row, a line at 0, the axis zoomed to the intervals (0 always shown for differences)."""
    from matplotlib.figure import Figure

    rows = brief.effects
    height = 0.8 + 0.24 * len(rows)
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ys = list(range(len(rows)))[::-1]
    for y, e in zip(ys, rows):
        clear = e.lo > 0 or e.hi < 0
        color = "#0072B2" if clear or brief.kind == "sweep" else "#999999"
        ax.plot([e.lo, e.hi], [y, y], color=color, linewidth=1.6, solid_capstyle="butt")
        ax.plot([e.diff], [y], "o", color=color, markersize=4.5)
    ax.set_yticks(ys, [e.label if len(e.label) <= 48 else e.label[:46] + "..." for e in rows], fontsize=8)
    lo = min([e.lo for e in rows] + ([0.0] if brief.kind != "sweep" else []))
    hi = max([e.hi for e in rows] + ([0.0] if brief.kind != "sweep" else []))
    pad = max(hi - lo, 0.01) * 0.06
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    if brief.kind != "sweep":
        ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(brief.effects_axis, fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _img(fig, alt: str = "forest chart") -> str:
    """The figure as an embedded PNG (no network reference, as every report)."""
    import base64

    return f'<img class="chart" alt="{alt}" src="data:image/png;base64,{base64.b64encode(_png(fig)).decode("ascii")}">'


def _png(fig) -> bytes:
    from ..figsave import savefig

    buf = io.BytesIO()
    savefig(fig, buf, format="png", dpi=200)
    return buf.getvalue()


def _esc(x) -> str:
    import html

    return html.escape(str(x))


BRIEF_STYLE = """@page{size:A4;margin:11mm 13mm}
body{font-family:Georgia,serif;color:#222;line-height:1.32;font-size:10pt;max-width:184mm;margin:1em auto;padding:0 1em}
h1{font-size:14pt;margin:0 0 .3em}h2{font-size:10.5pt;margin:.7em 0 .2em;border-bottom:1px solid #ccc}
.question{margin:.2em 0}.answer{font-size:11pt;background:#eef5fb;border-left:4px solid #0072B2;padding:.4em .8em;margin:.5em 0}
.answer p{margin:.2em 0}.cols{display:grid;grid-template-columns:1fr 1fr;gap:0 1.2em}
ul{margin:.2em 0;padding-left:1.2em}li{margin:.05em 0}.small{font-size:8.5pt;color:#444}
.forest img{width:100%;height:auto;max-height:80mm;object-fit:contain}.repro{font-family:monospace;font-size:7.5pt;overflow-wrap:anywhere;color:#444}
@media print{body{margin:0;padding:0;max-width:none;font-size:9.2pt;line-height:1.25}.answer{font-size:10pt}
.forest img{max-height:64mm}h2{margin:.5em 0 .15em}.small{font-size:8pt}}"""


def summary_block(brief: Brief, chart: bool = False, not_drawn: str = "") -> str:
    """The answer block that opens ``brief.html`` and ``report.html``: the answer, caveats, ranges.
    ``not_drawn``: the line put where the forest chart would be when it is not drawn."""
    parts = ['<section class="answer" id="answer">' + "".join(f"<p>{_esc(s)}</p>" for s in brief.sentences)
             + "</section>"]
    if brief.caveats:
        parts.append("<p class=\"small\"><b>Caveat.</b> " + " ".join(_esc(c) for c in brief.caveats) + "</p>")
    if chart and brief.effects:
        parts.append(f'<div class="forest">{_img(forest_figure(brief))}</div>')
    elif not_drawn and brief.effects:
        parts.append(not_drawn)
    if brief.ranges:
        parts.append("<p><b>How much the answer depends on the definitions and the rules.</b></p><ul>"
                     + "".join(f"<li>{_esc(r)}</li>" for r in brief.ranges) + "</ul>")
    if brief.kind != "sweep":  # a sweep shows estimates, not effects
        parts.append(f'<p class="small">{_esc(SIGN_CONVENTION)}</p>')
    return "".join(parts)


def brief_html(brief: Brief) -> str:
    q = f'<p class="question"><b>Question.</b> {_esc(brief.question)}</p>' if brief.question else ""
    answer = '<section class="answer" id="answer">' + "".join(f"<p>{_esc(s)}</p>" for s in brief.sentences) \
        + "</section>"
    caveat = ("<p class=\"small\"><b>Caveat.</b> " + " ".join(_esc(c) for c in brief.caveats) + "</p>"
              if brief.caveats else "")
    chart = ""
    if brief.effects:
        head = "Estimates at each point" if brief.kind == "sweep" else "Paired differences"
        note = (f"{SIGN_CONVENTION} Blue: the 95% interval excludes 0." if brief.kind != "sweep"
                else "Each point's P(channel held) with its Wilson 95% interval.")
        chart = (f"<h2>{head}</h2><div class=\"forest\">{_img(forest_figure(brief))}</div>"
                 f'<p class="small">{_esc(note)}</p>')
    left = ("<div><h2>Range of the answer</h2><ul>" + "".join(f"<li>{_esc(r)}</li>" for r in brief.ranges)
            + "</ul></div>") if brief.ranges else "<div></div>"
    right = ("<div><h2>Mechanisms (each switched off in a twin)</h2><ul>"
             + "".join(f"<li>{_esc(m)}</li>" for m in brief.mechanisms) + "</ul></div>") if brief.mechanisms \
        else "<div></div>"
    missing = "<h2>What the model does not include</h2><p class=\"small\">" + "; ".join(
        _esc(x) for x in brief.not_included) + ".</p>"
    repro = ("<h2>Reproduce</h2>" + "".join(f'<div class="repro">{_esc(x)}</div>' for x in brief.reproduce)) \
        if brief.reproduce else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_esc(brief.title)}</title>'
            f"<style>{BRIEF_STYLE}</style></head><body><h1>{_esc(brief.title)}</h1>{q}{answer}{caveat}{chart}"
            f'<div class="cols">{left}{right}</div>{missing}{repro}</body></html>\n')


def brief_markdown(brief: Brief) -> str:
    lines = [f"# {brief.title}", ""]
    if brief.question:
        lines += [f"**Question.** {brief.question}", ""]
    lines += ["**Answer.** " + brief.answer, ""]
    lines += [f"*Caveat.* {c}" for c in brief.caveats] + ([""] if brief.caveats else [])
    if brief.effects:
        lines += ["## " + ("Estimates at each point" if brief.kind == "sweep" else "Paired differences"), "",
                  f"| | {brief.effects_axis} |", "|---|---|"]
        lines += [f"| {e.label} | {e.text} |" for e in brief.effects]
        lines += ["", SIGN_CONVENTION, ""] if brief.kind != "sweep" else [""]
    if brief.ranges:
        lines += ["## Range of the answer", ""] + [f"- {r}" for r in brief.ranges] + [""]
    if brief.mechanisms:
        lines += ["## Mechanisms (each switched off in a twin)", ""] + [f"- {m}" for m in brief.mechanisms] + [""]
    lines += ["## What the model does not include", ""] + [f"- {x}" for x in brief.not_included] + [""]
    if brief.reproduce:
        lines += ["## Reproduce", ""] + [f"    {x}" for x in brief.reproduce] + [""]
    return "\n".join(lines)


PPTX_MISSING = "brief.pptx needs python-pptx: pip install 'sim-negotiation[slides]' (brief.html and brief.md written)"


def brief_pptx(brief: Brief) -> bytes | None:
    """Two slides (the answer; the chart), or None when python-pptx is not installed."""
    try:
        from pptx import Presentation
        from pptx.util import Inches, Pt
    except ImportError:
        return None
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    slide.shapes.title.text = brief.title
    box = slide.shapes.add_textbox(Inches(0.7), Inches(1.6), Inches(11.9), Inches(5.4)).text_frame
    box.word_wrap = True
    if brief.question:
        box.text = brief.question
        box.paragraphs[0].runs[0].font.size = Pt(16)
        box.paragraphs[0].runs[0].font.italic = True
    for s in brief.sentences:
        para = box.add_paragraph() if box.text else box.paragraphs[0]
        para.text = s
        para.runs[0].font.size = Pt(20)
        para.space_before = Pt(12)
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Estimates at each point" if brief.kind == "sweep" else "Paired differences"
    if brief.effects:
        png = _png(forest_figure(brief, width=10))
        slide.shapes.add_picture(io.BytesIO(png), Inches(0.9), Inches(1.5), width=Inches(11.5))
    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


def write_brief(folder: str | Path, slides: bool = True) -> tuple[list[Path], str | None]:
    """Write ``brief.html``, ``brief.md`` (and ``brief.pptx``) into ``folder`` and add them to its
    manifest. Returns the paths written and a note (python-pptx missing), or None."""
    from ..results.folders import write_text_atomic
    from ..results.manifest import add_files

    from ..results.verify import load_manifest, manifest_edited

    folder = Path(folder)
    brief = read_brief(folder)
    if manifest_edited(load_manifest(folder)):  # refused before anything is written
        raise UserError(f"{folder}/manifest.json: its own fields were edited (sim verify {folder}); no brief written")
    written = [write_text_atomic(folder / "brief.html", brief_html(brief)),
               write_text_atomic(folder / "brief.md", brief_markdown(brief))]
    note = None
    if slides:
        data = brief_pptx(brief)
        if data is None:
            note = PPTX_MISSING
        else:
            from ..results.folders import write_bytes_atomic

            written.append(write_bytes_atomic(folder / "brief.pptx", data))
    add_files(folder, [p.name for p in written])
    return written, note
