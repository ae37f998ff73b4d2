"""A single self-contained ``report.html`` for a run, sweep, compare or sensitivity folder.

Built only from the folder's stored files (scenario.yaml, summary.json, tables, figures, and
theory.json when another step wrote one). Figures are embedded as base64 PNG, styles are inline,
and nothing refers to the network, so the file opens anywhere, offline.

A report is a list of *sections*: functions ``section(ctx) -> str`` that return an HTML block
(or ``""`` to leave it out), rendered in order. ``RUN_SECTIONS`` and ``TABLE_SECTIONS`` are the
lists for run folders and for table folders (sweep, compare, sensitivity); adding a section is
adding a function to a list. Labels are for readers: parameters and outcomes in words (see
``labels.py``), every table inside a box that scrolls sideways rather than spilling off the page.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .labels import outcome_words, param_label, words
from .forecast_report import forecast_section
from .reference_check import reference_section
from ..results import outcomes as declared
from ..results.tables import read_table

#: captions of the figures this project writes; others get their file name
CAPTIONS = {
    "survival": "Kaplan-Meier estimate of the probability that the safety channel is still open, with its "
                "pointwise 95% band (log-log Greenwood). Runs ended early by `continuation` are censored. "
                "Dotted vertical lines mark scheduled events.",
    "levels": "Escalation level of every track over time: median, 25-75% and 5-95% bands across runs, and "
              "the mean (dashed). Rung names on the level axis; dotted vertical lines mark scheduled events.",
    "outcomes": "Left: share of runs in each combination of channel (held/collapsed) and rivalry (calm/escalated), "
                "with Wilson 95% intervals. Right: when the channel collapsed (the first step of the suspension "
                "that became a collapse), among runs where it collapsed.",
    "payoffs": "Each actor's payoff per step over runs (total payoff divided by run length).",
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
    "prim_boxes": "PRIM boxes: each restricted input's kept range (red) within the range explored (grey).",
    "prim_tradeoff": "Coverage against density along PRIM's peeling trajectory; the chosen box is circled.",
}
FIGURE_ORDER = ("survival", "levels", "outcomes", "nonstate", "payoffs", "sweep_lines", "sweep_heatmap",
                "compare_survival", "compare_outcomes", "sensitivity", "prim_boxes", "prim_tradeoff")


def outcome_rows() -> tuple[tuple[str, str], ...]:
    """(summary key, words) of the headline proportions (the declarations in ``sim.results.outcomes``),
    then P(held | escalated)."""
    return (*((o.summary_key, o.heading) for o in declared.headlines(("proportion",))),
            ("p_held_given_escalated", "P(held | rivalry escalated), descriptive only"))


#: the headline proportions as declared at import (see :func:`outcome_rows`)
OUTCOME_ROWS = outcome_rows()
STYLE = """body{font-family:Georgia,serif;max-width:62em;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;margin-top:2em}h3{font-size:1.05em}
.tablewrap{max-width:100%;overflow-x:auto;margin:1em 0}
table{border-collapse:collapse;font-size:.88em}td,th{border:1px solid #ccc;padding:.25em .55em;
text-align:left;vertical-align:top;overflow-wrap:break-word}th{background:#f2f2f2;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.wide{min-width:18em}small,.path{color:#666;font-size:.85em}.path{font-family:monospace;overflow-wrap:anywhere}
figure{margin:1.5em 0}figure img{max-width:100%;height:auto}figcaption{font-size:.9em;color:#444}
.note{background:#fff8e1;border-left:4px solid #E69F00;padding:.5em 1em}code{font-size:.9em}
ul.questions li{margin:.3em 0}
.answer{font-size:1.05em;background:#eef5fb;border-left:4px solid #0072B2;padding:.4em .9em;margin:.6em 0}
.answer p{margin:.25em 0}.forest img{width:100%;max-width:46em;height:auto}.small{font-size:.85em;color:#444}
@media print{h2,h3{break-after:avoid}figure,tr{break-inside:avoid}}"""


def esc(x) -> str:
    return html.escape(str(x))


def fmt(x) -> str:
    """A number for a table cell: 3 decimals for fractions, plain otherwise."""
    if x is None:
        return "n/a"
    if isinstance(x, float):
        if x != x:
            return "n/a"
        return f"{x:.3f}" if abs(x) < 10 else f"{x:g}"
    return str(x)


class Raw(str):
    """Cell content that is already HTML (not escaped again)."""


def _cell(c) -> str:
    if isinstance(c, Raw):
        return f"<td>{c}</td>"
    if isinstance(c, (int, float)) and not isinstance(c, bool):
        return f'<td class="num">{esc(fmt(c))}</td>'
    text = fmt(c)
    return f'<td class="wide">{esc(text)}</td>' if len(text) > 60 else f"<td>{esc(text)}</td>"


def table(header: list[str], rows: list[list]) -> str:
    """An HTML table in a box that scrolls sideways if it is wider than the page; numbers right-aligned."""
    head = "".join(f"<th>{h}</th>" if isinstance(h, Raw) else f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def num(x: float | None, digits: int = 3) -> str:
    """A number rounded for reading: 3 significant digits, no exponent for everyday sizes."""
    if x is None or x != x:
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 1000 or abs(x) < 1e-3:
        return f"{x:.{digits}g}"
    text = f"{x:.{digits}g}"
    return text


# -- the context a section sees -------------------------------------------------------------------


@dataclass
class Context:
    """What a section can use: the folder, its manifest, title, question(s), and lazily its files."""

    folder: Path
    manifest: dict
    kind: str                      # run | sweep | compare | sensitivity | discover
    title: str
    questions: list[tuple[str, str]] = field(default_factory=list)   # (label, question)
    intro: str = ""
    csv_name: str | None = None
    with_assumptions: bool = True

    @cached_property
    def scenario(self):
        """The folder's resolved scenario (scenario.yaml), or None when there is none or it cannot be read."""
        from ..scenario.errors import ScenarioError
        from ..scenario.load import load_scenario

        path = self.folder / "scenario.yaml"
        if not path.exists():
            return None
        try:
            return load_scenario(path)
        except ScenarioError:
            return None

    @cached_property
    def summary(self) -> dict | None:
        path = self.folder / "summary.json"
        return json.loads(path.read_text()) if path.exists() else None


Section = Callable[[Context], str]


# -- sections -------------------------------------------------------------------------------------


def assumptions(folder: Path, swept: dict[str, list] | None = None) -> str:
    """The scenario's description and every number in it, fixed or uncertain, in tables; a sweep's
    ``swept`` parameters (path pattern -> values) are shown as swept, not as their base value."""
    ctx = Context(Path(folder), {}, "run", "")
    if not (ctx.folder / "scenario.yaml").exists():
        return "<p>No scenario.yaml in this folder.</p>"
    s = ctx.scenario
    if s is None:
        from ..scenario.errors import ScenarioError
        from ..scenario.load import load_scenario

        try:
            load_scenario(ctx.folder / "scenario.yaml")
        except ScenarioError as exc:
            return f"<p>The stored scenario could not be read: {esc(exc)}</p>"
    return assumption_tables(s, swept)


def value_text(p) -> str:
    """A parameter as written: its number, or its distribution."""
    if getattr(p, "uncertain", False):
        return p.describe()
    return f"{p.value:g}"


def assumption_tables(s, swept: dict[str, list] | None = None) -> str:
    """Setup, actors, strategies, tracks, events and outcome definitions: every parameter once."""
    from fnmatch import fnmatchcase

    from ..scenario.resolved import ACTOR_PARAMS

    shown: set[str] = set()

    def v(path: str | None) -> str:
        if path is None:
            return "n/a"
        shown.add(path)
        for pattern, values in (swept or {}).items():
            if fnmatchcase(path, pattern):
                return "swept: " + ", ".join(f"{x:g}" if isinstance(x, (int, float)) else str(x) for x in values)
        return value_text(s.params[path])

    out = []
    setup = [["description", s.description.strip() or "(none)"],
             ["time", f"{s.horizon} steps of one {s.step}" + (f", from {s.start}" if s.start else "")],
             ["runs, seed", f"{s.runs} runs by default, seed {s.seed}"]]
    if s.continuation:
        setup.append(["chance the game goes on after each step", v(s.continuation)])
    out.append(table(["setting", "value"], setup))
    n_unc = len(s.uncertain())
    out.append(f"<p>Every number of the scenario follows. {n_unc} of them are uncertain: written as a "
               "distribution, sampled once per run.</p>" if n_unc else
               "<p>Every number of the scenario follows; all are fixed values.</p>")

    actors = s.actor_names
    rows = [[ACTOR_LABEL.get(p, words(p)), *(v(a.params[p]) for a in s.actors)] for p in ACTOR_PARAMS]
    out.append("<h3>Actors</h3>" + table(["parameter", *actors], rows))

    rows = []
    for k, t in enumerate(s.tracks):
        for a in s.actors:
            entry = a.strategies[k]
            if entry is None:   # an actor without a seat on this track
                continue
            weights = getattr(entry, "weights", (1.0,))
            if hasattr(entry, "path"):  # the rule drawn per run, with each rule's weight
                rows.append([words(t.name), a.name, "one rule drawn per run", f"weights: {v(entry.path)}",
                             round(a.salience[k], 3)])
            for st, w in zip(entry.candidates, weights):
                parts = [f"{words(name)} {v(path)}" for name, path in st.params.items()]
                if st.noise:
                    parts.append(f"noise on this track {v(st.noise)}")
                if isinstance(st.linkage, dict):
                    parts += [f"linkage to {words(s.tracks[j].name)} {v(path)}" for j, path in st.linkage.items()]
                else:
                    parts.append(f"linkage {v(st.linkage)}")
                if st.level_linkage:
                    parts.append(f"level linkage {v(st.level_linkage)}")
                name = words(st.name) if len(weights) == 1 else f"{words(st.name)} (drawn in {w:.0%} of runs)"
                rows.append([words(t.name), a.name, name, "; ".join(parts), round(a.salience[k], 3)])
    out.append("<h3>Strategies</h3>" + table(["track", "actor", "strategy", "parameters", "salience (share)"], rows))

    rows = []
    for t in s.tracks:
        pay = []
        for seat, player in enumerate(t.players):   # the track's two players, by seat
            pay.append(f"{s.actors[player].name}: " + ", ".join(f"{x} {v(t.payoffs[seat][x])}" for x in "RSTP"))
        mods = "; ".join(f"{words(p)} {v(path)}" for p, path in t.params.items())
        rows.append([words(t.name), t.role.value, f"{t.labels[0]} / {t.labels[1]}", " | ".join(pay), mods,
                     " > ".join(t.rungs) + f" (start: {t.rungs[t.start]}, up {t.up}, down {t.down} after {t.down_after} "
                     f"calm step{'s' if t.down_after > 1 else ''}"
                     + (f", at most {t.ratchet} below the peak" if t.ratchet is not None else "") + ")"])
    out.append("<h3>Tracks</h3>" + table(["track", "role", "moves (C / D)", "payoffs R, S, T, P",
                                          "modifiers", "escalation ladder"], rows))

    if s.events:
        rows = []
        for i, e in enumerate(s.events):
            when = [_condition_text(s, c) for c in getattr(e, "when", ())]
            if getattr(e, "delay", None):
                when.append(f"after a delay of {v(e.delay)} {s.step}s")
            if e.at:
                when.append(("in " if _dated(s) else "at ") + _steps_text(s, sorted(e.at)))
            if e.probability:  # a conditional event draws only in the steps its conditions hold
                unit = f"in each {s.step} its conditions hold" if getattr(e, "when", ()) else f"per {s.step}"
                when.append(f"chance {unit} {v(e.probability)}")
            if e.probability_if_open:
                when.append(f"chance per {s.step} while the channel is open {v(e.probability_if_open)}")
            effects = [_effect_text(s, eff, v) for eff in e.effects]
            name = e.name + (f" [{', '.join(sorted(e.tags))}]" if getattr(e, "tags", None) else "")
            rows.append([name, "; ".join(when), "; ".join(effects)])
        out.append("<h3>Events</h3>" + table(["event", "when", "effects"], rows))

    ns = getattr(s, "nonstate", None)
    if ns is not None:
        from .labels import NONSTATE_WORDS

        rows = [["groups (Mesa agents, the same in every run)", ns.groups]]
        rows += [[NONSTATE_WORDS.get(k, words(k)), value_text(p)] for k, p in ns.group_params.items()]
        rows += [[param_label(path, s).removeprefix("nonstate groups: "), v(path)] for path in ns.params.values()]
        rows.append(["tracks whose levels slow diffusion (export controls)",
                     ", ".join(words(s.tracks[k].name) for k in ns.control_tracks) or "(none)"])
        out.append("<h3>Nonstate groups</h3>" + table(["parameter", "value"], rows))

    o = s.outcomes
    ch = s.tracks[o.channel]
    rivalry = ", ".join(words(s.tracks[k].name) for k in o.rivalry) or "(none)"
    rungs = {s.tracks[k].rungs[o.escalated_level] for k in o.rivalry if o.escalated_level < len(s.tracks[k].rungs)}
    collapse_after = getattr(o, "collapse_after", None)
    sustained = getattr(o, "sustained", None)
    channel = (f"{words(ch.name)}: open while the share of the last {o.window} steps with both sides engaged "
               f"is at least {o.threshold:g}")
    if collapse_after is not None:
        channel += (f"; suspended otherwise, and collapsed (it did not hold) after {collapse_after} suspended "
                    f"steps in a row" + ("; the window starts full of engagement (prehistory)"
                                         if getattr(o, "prehistory", False) else ""))
    rows = [["channel", channel],
            ["rivalry", f"{rivalry}: escalated at level {o.escalated_level}"
                        + (f" ({' / '.join(sorted(rungs))})" if rungs else "") + " or above"
                        + (f" for {sustained} steps in a row" if sustained else "")]]
    out.append("<h3>Outcome definitions</h3>" + table(["outcome", "definition"], rows))

    if s.twins:
        rows = []
        for name, t in s.twins.items():
            what = []
            if t.force:
                what.append("; ".join(f"{s.actors[a].name} {'cooperates' if c else 'defects'} on "
                                      f"{words(s.tracks[k].name)} every step" for a, k, c in t.force))
            if t.skip_events:
                what.append("without " + ", ".join(f"'{s.events[i].name}'" for i in sorted(t.skip_events)))
            if t.set:
                what.append(", ".join(f"{param_label(p, s)} set to {v(value)}" for p, value in t.set))
            rows.append([name, t.mechanism or "", "; ".join(what)])
        out.append("<h3>Twins</h3><p>Every run is simulated again under each twin's intervention, on the same "
                   "random numbers; a twin that names a mechanism switches it off for the mechanism table.</p>"
                   + table(["twin", "mechanism switched off", "intervention"], rows))

    rest = [p for p in s.params if p not in shown]
    if rest:
        out.append("<h3>Other parameters</h3>" + table(
            ["parameter", "value", "path"], [[param_label(p, s), v(p), Raw(f'<span class="path">{esc(p)}</span>')]
                                             for p in rest]))
    return "\n".join(out)


ACTOR_LABEL = {
    "noise": "noise (chance a move is mistaken)", "trust": "initial trust", "trust_learning": "trust learning rate",
    "discount": "patience (discount factor)", "hawkishness": "hawkishness (domestic pressure)",
    "hawk_sensitivity": "hawkishness gained per escalation", "hawk_decay": "hawkishness decay per step",
    "risk_perception": "perceived AI risk", "risk_decay": "AI-risk perception decay per step",
}


def _dated(s) -> bool:
    from ..scenario.resolved import calendar_start

    return calendar_start(s) is not None


def _steps_text(s, steps: list[int]) -> str:
    from ..scenario.resolved import calendar_start

    start = calendar_start(s)
    if start is None:
        return "step " + ", ".join(str(x) for x in steps)
    from ..scenario.resolved import step_date

    style = "%b %Y" if s.step in ("month", "year") else "%d %b %Y"
    return ", ".join(f"{step_date(start, x, s.step):{style}} (step {x})" for x in steps)


def _condition_text(s, c) -> str:
    """One condition of a conditional event, in words."""
    actor = s.actors[c.actor].name if 0 <= c.actor < len(s.actors) else ""
    track = words(s.tracks[c.track].name) if 0 <= c.track < len(s.tracks) else ""
    if c.kind == "played":
        return f"when {actor} plays {'C' if c.cooperate else 'D'} on {track}"
    if c.kind == "level":
        lo = "" if c.at_least is None else f" at least {c.at_least}"
        hi = "" if c.at_most is None else f" at most {c.at_most}"
        return f"when {track} is at level{lo}{' and' if lo and hi else ''}{hi}"
    if c.kind == "channel":
        return f"when the channel is {c.state}"
    if c.kind == "fired":
        name = s.events[c.event].name if 0 <= c.event < len(s.events) else "another event"
        return f"once '{name}' has fired"
    if c.kind == "fired_tag":
        names = [s.events[i].name for i in c.events]
        return "once an event tagged as one of these has fired: " + ", ".join(f"'{n}'" for n in names)
    if c.kind == "incidents":
        return f"after at least {c.at_least} incidents"
    if c.kind == "after":
        return f"from step {c.step}"
    return c.kind


def _effect_text(s, eff, v) -> str:
    if eff.op == "freeze":
        who = ", ".join(s.actors[i].name for i in eff.actors)
        return f"{who} freezes {words(s.tracks[eff.tracks[0]].name)} (walks out until a thaw)"
    if eff.op == "thaw":
        return f"every freeze of {words(s.tracks[eff.tracks[0]].name)} ends"
    if eff.op == "force":
        who = ", ".join(s.actors[i].name for i in eff.actors)
        return f"{who} {'cooperates' if eff.cooperate else 'defects'} on {words(s.tracks[eff.tracks[0]].name)}"
    if eff.scope == "actor":
        who = "both actors" if len(eff.actors) == len(s.actors) > 1 else ", ".join(s.actors[i].name for i in eff.actors)
        what = ACTOR_LABEL.get(eff.attr, words(eff.attr))
    else:
        who = "every track" if len(eff.tracks) == len(s.tracks) > 1 else ", ".join(
            words(s.tracks[k].name) for k in eff.tracks)
        what = words(eff.attr)
    op = {"add": "add", "multiply": "multiply by", "set": "set to"}[eff.op]
    return f"{who} {what}: {op} {v(eff.value)}"


def answer_section(ctx: Context) -> str:
    """The answer first: the brief's summary block (sim.analysis.brief), with the forest chart."""
    from ..errors import UserError
    from .brief import read_brief, summary_block

    try:
        brief = read_brief(ctx.folder, ctx.manifest)
    except (UserError, KeyError):
        return ""
    drawn = ctx.kind != "run" or figures_drawn(ctx.folder)   # a run folder's figures are drawn on request
    block = summary_block(brief, chart=bool(brief.effects) and drawn,
                          not_drawn="" if drawn else not_drawn(FOREST_NOT_DRAWN))
    if ctx.kind == "compare" and ctx.csv_name == "compare.csv":  # the differences table under the sentences
        cut = block.index("</section>") + len("</section>")
        block = block[:cut] + compare_tables(ctx, differences_only=True) + block[cut:]
    return "<h2>Answer</h2>" + block


def assumptions_section(ctx: Context) -> str:
    if not ctx.with_assumptions:
        return ""
    swept = None
    if ctx.kind == "sweep" and (ctx.folder / "sweep.json").is_file():
        axes = json.loads((ctx.folder / "sweep.json").read_text()).get("axes", [])
        swept = {a["path"]: a.get("values", []) for a in axes if "path" in a}
    intro = ("<p>The swept parameters are marked <b>swept</b> with their values; every other number is as the "
             "scenario has it.</p>" if swept else "")
    if ctx.__dict__.get("scenario") is not None:  # the resolved scenario that ran, when the writer passed it
        return "<h2>Assumptions</h2>" + intro + assumption_tables(ctx.scenario, swept)
    return "<h2>Assumptions</h2>" + intro + assumptions(ctx.folder, swept)


def headline(summary: dict) -> str:
    rows = []
    for key, name in outcome_rows():
        x = summary.get(key)
        if x is None:
            continue
        interval = "n/a" if x["lo"] is None else f"[{x['lo']:.3f}, {x['hi']:.3f}]"
        rows.append([name, x["p"], interval, f"{x['k']}/{x['n']}"])
    for o in declared.headlines(("share", "mean")):
        m, d = summary.get(o.summary_key), o.digits
        if m:
            rows.append([o.heading, round(m["mean"], d), f"[{m['lo']:.{d}f}, {m['hi']:.{d}f}] (t interval)", m["n"]])
    for o in declared.headlines(("survival",)):
        if o.summary_key in summary:
            median = summary[o.summary_key]
            rows.append([o.heading.replace("(K-M)", "(Kaplan-Meier)"), "not reached" if median is None else median,
                         "", ""])
    return table(["outcome", "estimate", "95% interval", "runs"], rows)


def effects_section(ctx: Context) -> str:
    """The twins' contrasts: what the rivalry (pacified twin) and each named twin change."""
    summary = ctx.summary or {}
    mechanisms = {m["twin"] for m in summary.get("mechanisms") or []}  # shown in their own table
    effects = ([("pacified", summary["rivalry_effect"])] if summary.get("rivalry_effect") else []) \
        + [(n, e) for n, e in summary.get("twin_effects", {}).items() if n not in mechanisms]
    if not effects:
        return ""
    rows = []
    for name, e in effects:
        h, o = e["held"], e["open_share"]
        what = "the rivalry (vs pacified twin)" if name == "pacified" else (
            "the channel (vs twin 'channel_closed')" if name == "channel_closed" else f"vs twin '{name}'")
        if name != "channel_closed":  # its twin never holds: its P(held) and open share are 0 by construction
            rows.append([what, "P(held)", h["difference"], f"[{h['lo']:+.3f}, {h['hi']:+.3f}]",
                         f"{h['mcnemar_p']:.2g}", h["runs_differing"]])
            rows.append([what, "mean open share", o["difference"], f"[{o['lo']:+.3f}, {o['hi']:+.3f}]", "", ""])
        if "incidents_averted" in e:
            a = e["incidents_averted"]  # stored as twin minus run: the effect is run minus twin
            rows.append([what, "misuse incidents per run", -a["difference"], f"[{-a['hi']:+.3f}, {-a['lo']:+.3f}]",
                         "", ""])
    intro = ("Each run is simulated again as a <i>twin</i> with one intervention and the same random numbers. "
             "The pacified twin forces both sides to C on every rivalry track and holds rivalry levels at "
             "their start, so the difference (run minus twin) is the effect of the rivalry on the channel; "
             "against the channel_closed twin, the effect of the channel (a negative effect on incidents: "
             "incidents it averts). "
             "Paired 95% intervals: Newcombe's score interval for paired proportions (1998, method 10) and "
             "a paired t interval for the open share; p: exact McNemar test. Every effect is run minus twin "
             "(the sign convention stated under the answer).")
    return ("<h2>Effect of the rivalry on the channel</h2>" + f"<p>{intro}</p>"
            + table(["effect of", "outcome", "difference", "95% interval", "McNemar p", "runs differing"], rows))


def mechanisms_section(ctx: Context) -> str:
    """v3: the mechanism table (each named mechanism switched off in a twin) and P(held) per drawn rule."""
    summary = ctx.summary or {}
    out = []
    mech = summary.get("mechanisms") or []
    if mech:
        rows = [[m["mechanism"], "inert" if m["inert"] else m["runs_moved"], m["difference"],
                 f"[{m['lo']:+.3f}, {m['hi']:+.3f}]", f"{m['mcnemar_p']:.2g}", m["runs_differing"]] for m in mech]
        words_ = "".join(f"<li>{esc(m['text'])}</li>" for m in mech)
        out.append("<h2>Which mechanisms matter</h2><p>Each mechanism the scenario names is switched off in a twin "
                   "of every run, on the same random numbers. A mechanism that changes no run's channel moves is "
                   "<b>inert</b> in this scenario. Difference: P(held) with the mechanism minus without it "
                   "(Newcombe paired interval, exact McNemar p).</p>" + f"<ul>{words_}</ul>"
                   + table(["mechanism", "runs whose channel moves change", "difference in P(held)", "95% interval",
                            "McNemar p", "runs whose outcome changes"], rows))
    for where, rules in (summary.get("p_held_by_rule") or {}).items():
        actor, _, track = where.partition(".")
        rows = [[rule, x["p"], "n/a" if x["lo"] is None else f"[{x['lo']:.3f}, {x['hi']:.3f}]", f"{x['k']}/{x['n']}"]
                for rule, x in rules.items()]
        out.append(f"<h3>P(held) by the rule {esc(actor)} drew on {esc(words(track))}</h3>"
                   "<p>The decision rule is uncertain: each run draws one. The headline mixes them with the "
                   "scenario's weights; this is the answer under each rule alone.</p>"
                   + table(["rule", "P(held)", "Wilson 95% interval", "runs"], rows))
    return "".join(out)


def robustness_section(ctx: Context) -> str:
    """P(held) under every definition of the channel outcome in the robustness grid."""
    summary = ctx.summary or {}
    rows = summary.get("robustness") or []
    if not rows:
        return ""
    d = summary.get("definition", {})
    body = table(["definition", "P(held)", "Wilson 95% interval", "runs"],
                 [[r["label"] + (f" (same as: {r['same_as']})" if r.get("same_as") else ""), r["p"],
                   f"[{r['lo']:.3f}, {r['hi']:.3f}]", f"{r['k']}/{r['n']}"] for r in rows])
    merged = sum(len(r["same_as"].split("; ")) for r in rows if r.get("same_as"))
    note = (f" Labels that name the same definition (the same whole-step requirements) are one row: "
            f"{len(rows)} distinct definitions for {len(rows) + merged} labels." if merged else "")
    return ("<h2>Robustness of the definition</h2>"
            f"<p>The headline uses window {d.get('window')}, threshold {d.get('threshold')}, collapse after "
            f"{d.get('collapse_after')} steps, prehistory {d.get('prehistory')}. The table repeats P(held) under "
            "every definition of the grid, and under version 1 (collapse at the first step the window's "
            f"engaged share falls below the threshold, with no prehistory).{note}</p>" + body)


def headline_section(ctx: Context) -> str:
    s = ctx.summary
    if s is None:
        return ""
    design = ctx.manifest.get("design")
    extra = f", uncertain parameters sampled as a {'Latin hypercube' if design == 'lhs' else 'random'} design" \
        if design else ""
    from .brief import joint_caveats

    caveats = "".join(f'<p class="small"><b>Caveat.</b> {esc(c)}</p>' for c in joint_caveats(s))
    return f"<h2>Headline numbers</h2><p>{s['runs']} runs, seed {s['seed']}{esc(extra)}.</p>" + headline(s) + caveats


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


#: the command that draws a run folder's figures (`sim run` draws none unless given --figures)
DRAW_COMMAND = "sim figures"


def figures_drawn(folder: Path) -> bool:
    """Whether a run folder's figures are drawn (``figures/`` holds a PNG)."""
    return any((Path(folder) / "figures").glob("*.png"))


def not_drawn(what: str) -> str:
    """One line where figures would be: they are not drawn yet, and the command that draws them."""
    return (f'<p class="note">{esc(what)}: not drawn yet (a run draws none unless asked). '
            f"<code>{DRAW_COMMAND} &lt;this folder&gt;</code> draws them once, as PNG and SVG in "
            "<code>figures/</code>, and embeds them here.</p>")


#: the line where a run report's forest chart would be, before the figures are drawn
FOREST_NOT_DRAWN = "The forest chart of these differences"


def figures_section(ctx: Context) -> str:
    if ctx.kind == "run" and not figures_drawn(ctx.folder):
        return "<h2>Figures</h2>" + not_drawn("The figures")
    return "<h2>Figures</h2>" + figures(ctx.folder)


def with_figures_section(text: str, body: str) -> str:
    """A report's ``text`` with what follows its "Figures" heading, up to the next section, replaced
    by ``body``; every other byte is kept."""
    start = text.index("<h2>Figures</h2>")
    end = min(i for i in (text.find("\n<h2>", start), text.find("</body>", start)) if i >= 0)
    return text[:start] + "<h2>Figures</h2>" + body + text[end:]


def embed_figures(folder: Path, manifest: dict) -> str:
    """A run folder's ``report.html`` with the figures now in ``figures/`` embedded: its figures
    section and the forest chart of its answer, in place of the lines that said they were not
    drawn (or of the figures drawn before). Every other byte of the report is kept.

    ``manifest``: the manifest the report was written with (for the answer's brief)."""
    text = with_figures_section((folder / "report.html").read_text(encoding="utf-8"), figures(folder))
    line = not_drawn(FOREST_NOT_DRAWN)
    if line in text:
        from .brief import _img, forest_figure, read_brief

        text = text.replace(line, f'<div class="forest">{_img(forest_figure(read_brief(folder, manifest)))}</div>')
    return text


def theory(folder: Path) -> str:
    """``theory.json`` as tables: the games per track, each actor's thresholds, rounded for reading.

    A file of another shape is rendered generically (a mapping as key/value rows, lists of
    mappings as tables)."""
    path = Path(folder) / "theory.json"
    if not path.exists():
        return ""
    data = json.loads(path.read_text())
    if isinstance(data, dict) and isinstance(data.get("tracks"), list) and all(
            isinstance(t, dict) and "actors" in t for t in data["tracks"]):
        return "<h2>Theory</h2>" + _theory_tables(data)
    return "<h2>Theory</h2>" + _generic(data)


def _stat(x, percent_share: bool = True) -> str:
    """A theory value ``{value, range?, share?}`` as text: '0.326 (0.250 to 0.400)', '(D,C) in 77%'."""
    if x is None:
        return "none"
    if not isinstance(x, dict):
        return str(x)
    if "value" not in x:
        return "; ".join(f"{k} {_stat(v)}" for k, v in x.items())
    value = x["value"]
    if value is None:
        return "n/a"
    text = num(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    if "range" in x and x["range"]:
        lo, hi = x["range"]
        text += f" ({num(lo)} to {num(hi)})"
    if "share" in x:
        text += f" in {x['share']:.0%} of samples"
    return text


def _threshold(x) -> str:
    """A threshold ``{value, range?}`` as :func:`_stat` writes it, with 'never' for a value above 1
    (no discount factor below 1 sustains cooperation)."""
    if not isinstance(x, dict) or not isinstance(x.get("value"), (int, float)):
        return _stat(x)

    def one(v: float) -> str:
        return "never" if v > 1 + 1e-12 else num(v)

    text = one(x["value"])
    if x.get("range"):
        lo, hi = x["range"]
        text += f" ({one(lo)} to {one(hi)})"
    return text


def _clears(x) -> str:
    """'yes' / 'no' for a fixed discount, the share of samples for an uncertain one."""
    d = x.get("discount") if isinstance(x, dict) else None
    if isinstance(d, dict) and "clears" in d:
        return "yes" if d["clears"] else "no"
    share = d.get("share") if isinstance(d, dict) else None
    return "n/a" if share is None else f"{share:.0%}"


def _theory_tables(d: dict) -> str:
    out = [f"<p>{esc(d.get('method', ''))}</p>"]
    if d.get("samples"):
        out.append(f"<p><small>{d['samples']} parameter samples, seed {d.get('seed')}. Values are medians "
                   "with their range over the samples.</small></p>")
    rows = []
    for t in d["tracks"]:
        mixed = t.get("mixed_equilibrium")
        mixed_text = "none" if mixed is None else "; ".join(f"{a} cooperates with p {_stat(v)}" for a, v in mixed.items())
        labels = t.get("labels", {})
        rows.append([words(t["track"]), t.get("role", ""), f"{labels.get('C', 'C')} / {labels.get('D', 'D')}",
                     _stat(t.get("class")).replace("_", " "), _stat(t.get("pure_equilibria")), mixed_text,
                     _stat(t.get("risk_dominant"))])
    out.append("<h3>The stage game of each track</h3>" + table(
        ["track", "role", "moves (C / D)", "game class", "pure equilibria", "mixed equilibrium", "risk dominant"],
        rows))
    rows = []
    for t in d["tracks"]:
        for actor, a in t["actors"].items():
            pay = ", ".join(f"{k} {_stat(v)}" for k, v in (a.get("payoffs") or {}).items())
            if a.get("strategic") is False:
                rows.append([words(t["track"]), actor, words(a.get("strategy", "")) + " (not strategic)", pay,
                             _stat(a.get("class")).replace("_", " "), str(a.get("discount", "")),
                             "not strategic", "", "not strategic", "", ""])
                continue
            rows.append([words(t["track"]), actor, words(a.get("strategy", "")), pay,
                         _stat(a.get("class")).replace("_", " "), str(a.get("discount", "")),
                         _threshold({k: v for k, v in (a.get("grim_threshold") or {}).items() if k != "discount"} or None),
                         _clears(a.get("grim_threshold")),
                         _threshold({k: v for k, v in (a.get("tft_threshold") or {}).items() if k != "discount"} or None),
                         _clears(a.get("tft_threshold")), _stat(a.get("gtft_generosity"))])
    out.append("<h3>Each actor's thresholds</h3><p><small>Cooperation can be sustained by the grim trigger "
               "(or tit for tat) when the actor's patience (discount factor) is at least the threshold; "
               "'never' marks a threshold above 1, which no discount factor reaches; 'clears' says whether "
               "the patience reaches it (the share of samples where it does, if uncertain). 'Not strategic' marks "
               "a rule that neither reacts to the other nor weighs the payoffs (always C, always D, alternating "
               "or random): no threshold applies to it.</small></p>" + table(
        ["track", "actor", "strategy", "effective payoffs", "game class", "patience", "grim-trigger threshold",
         "clears", "tit-for-tat threshold", "clears", "most generous GTFT"], rows))
    pooled = d.get("pooled")
    if isinstance(pooled, dict) and pooled:
        rows = [[actor, ", ".join(words(t) for t in p.get("tracks", [])), _threshold({k: v for k, v in p.items()
                 if k in ("value", "range")}), _clears(p)] for actor, p in pooled.items()]
        out.append("<h3>All tracks together (linked)</h3>" + table(
            ["actor", "tracks", "grim-trigger threshold", "clears"], rows))
    defs = d.get("definitions")
    if isinstance(defs, dict):
        out.append("<h3>Game classes</h3>" + table(["class", "payoff ordering"],
                                                   [[words(k), v] for k, v in defs.items()]))
    return "\n".join(out)


def _generic(data) -> str:
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        keys = list(dict.fromkeys(k for r in data for k in r))
        return table(keys, [[_plain(r.get(k, "")) for k in keys] for r in data])
    if isinstance(data, dict):
        plain = [[k, _plain(v)] for k, v in data.items() if not _records(v)]
        body = table(["item", "value"], plain) if plain else ""
        for key, value in data.items():
            if _records(value):
                keys = list(dict.fromkeys(k for r in value for k in r))
                body += f"<h3>{esc(key)}</h3>" + table(keys, [[_plain(r.get(k, "")) for k in keys] for r in value])
        return body
    return f"<pre>{esc(json.dumps(data, indent=2))}</pre>"


def theory_section(ctx: Context) -> str:
    return theory(ctx.folder)


def _records(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def _plain(value):
    """A table cell: numbers rounded for reading, text as it is, anything nested as compact JSON."""
    if isinstance(value, float):
        return num(value)
    if isinstance(value, (int, str)):
        return value
    if isinstance(value, list) and all(isinstance(v, (int, float, str)) for v in value):
        return ", ".join(num(v) if isinstance(v, float) else str(v) for v in value)
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


def manifest_section(ctx: Context) -> str:
    return manifest_html(ctx.manifest)


# -- the table of a sweep, compare or sensitivity folder ------------------------------------------

_INTERVAL_PARTS = (".lo", ".hi", ".k", ".n")


def column_header(name: str, scenario=None) -> Raw:
    """A column's header in words, with the raw column name underneath where they differ."""
    if name.startswith("diff."):
        text = f"difference in {outcome_words().get(name[5:], words(name[5:]))} vs the first"
    elif name.startswith("paired_p_value."):
        text = f"paired test (McNemar) p-value, {outcome_words().get(name[15:], words(name[15:]))}"
    elif name.startswith("p_value."):
        text = f"p-value (McNemar if paired, else two-proportion z test), {outcome_words().get(name[8:], words(name[8:]))}"
    elif name in outcome_words():
        text = outcome_words()[name]
    elif "." in name:
        text = param_label(name, scenario)
    else:
        text = {"parameter": "uncertain parameter", "S1": "first-order index S1", "ST": "total index ST",
                "output_variance": "output variance", "replicate_variance": "replicate variance",
                "median_break_step": "median break step (K-M)",
                "median_break_step_among_broken": "median break step among broken"}.get(name, words(name))
    if text == name:
        return Raw(esc(text))
    return Raw(f'{esc(text)}<br><span class="path">{esc(name)}</span>')


def condensed_table(cols: dict, scenario=None) -> str:
    """A stored table with each estimate and its interval (``x``, ``x.lo``, ``x.hi``) in one cell,
    counts (``x.k``/``x.n``) under it, parameter paths and outcome names in words."""
    names = list(cols)
    n = len(cols[names[0]]) if names else 0
    shown = [c for c in names if not any(c.endswith(p) and c[: -len(p)] in cols for p in _INTERVAL_PARTS)
             and c != "folder"]
    rows = []
    for i in range(n):
        row = []
        for c in shown:
            x = cols[c][i]
            if f"{c}.lo" in cols and f"{c}.hi" in cols:
                row.append(Raw(_estimate_cell(x, cols[f"{c}.lo"][i], cols[f"{c}.hi"][i],
                                              cols.get(f"{c}.k"), cols.get(f"{c}.n"), i)))
            elif c == "folder":
                p = Path(str(x))
                row.append(Raw(f'<span title="{esc(p)}">{esc(p.parent.name)}/<wbr>{esc(p.name)}</span>'))
            elif c == "parameter":
                row.append(Raw(f'{esc(param_label(str(x), scenario))}<br><span class="path">{esc(x)}</span>'))
            elif c == "outcome":
                row.append(outcome_words().get(str(x), str(x)))
            else:
                row.append(_num_cell(x))
        rows.append(row)
    out = table([column_header(c, scenario) for c in shown], rows)
    if "folder" in cols:  # long paths would crowd the table: listed under it instead
        first = "label" if "label" in cols else None
        out += "<p><small>Folders: " + "; ".join(
            (f"{esc(cols[first][i])}: " if first else "") + f'<span class="path">{esc(cols["folder"][i])}</span>'
            for i in range(n)) + "</small></p>"
    return out


def _num_cell(x):
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if f != f:
        return "n/a"
    if f.is_integer() and abs(f) < 1e15:
        return int(f)
    return Raw(f'<span style="float:right">{esc(num(f))}</span>')


def _estimate_cell(x, lo, hi, k, n, i) -> str:
    try:
        x, lo, hi = float(x), float(lo), float(hi)
    except (TypeError, ValueError):
        return "n/a"
    if x != x:
        return "n/a"
    sign = "+" if lo < 0 or x < 0 else ""
    text = f"{x:{sign}.3f}<br><small>[{lo:{sign}.3f}, {hi:{sign}.3f}]</small>"
    if k is not None and n is not None:
        text += f"<br><small>{int(k[i])}/{int(n[i])}</small>"
    return f'<span style="white-space:nowrap">{text}</span>'


def compare_tables(ctx: Context, differences_only: bool = False) -> str:
    """A comparison built around its differences: first each folder minus the first (difference,
    95% interval, the test's p-value named for its test), then each folder's own estimates with the
    folders as columns, so neither table is wider than the page however many outcomes there are.
    ``differences_only``: the first table (it opens the report, under the answer); else the second."""
    t = read_table(ctx.folder / ctx.csv_name)
    labels = [str(x) for x in t["label"]]
    from .compare import COMPARED

    def interval(key: str, i: int, signed: bool = True) -> str:
        lo, hi = t[f"{key}.lo"][i], t[f"{key}.hi"][i]
        if lo != lo:
            return "n/a"
        return f"[{lo:+.3f}, {hi:+.3f}]" if signed else f"[{lo:.3f}, {hi:.3f}]"

    rows = []
    many = len(labels) > 2
    for i in range(1, len(labels)):
        paired = t["paired"][i] == 1
        test = "McNemar" if paired else "two-proportion z test"
        for _, key, text in COMPARED:
            rows.append(([labels[i]] if many else []) + [text, Raw(f"<b>{t[f'diff.{key}'][i]:+.3f}</b>"),
                                                         interval(f"diff.{key}", i),
                                                         f"{t[f'p_value.{key}'][i]:.2g} ({test})"])
        rows.append(([labels[i]] if many else []) + ["mean open share", Raw(f"<b>{t['diff.mean_open_share'][i]:+.3f}</b>"),
                                                     interval("diff.mean_open_share", i), "(paired t interval)"
                                                     if paired else "(Welch t interval)"])
        rows.append(([labels[i]] if many else []) + [f"Kaplan-Meier survival to step {int(t['km_step'][i])}",
                                                     Raw(f"<b>{t['diff.km_survival'][i]:+.3f}</b>"), "", ""])
    head = (["folder"] if many else []) + ["outcome", "difference", "95% interval", "p-value (test)"]
    how = ("Paired folders (the same runs on the same seed) use Newcombe's paired score interval and McNemar's "
           "exact test; independent folders Newcombe's hybrid interval and the two-proportion z test.")
    first = (f"<h3>Differences: each minus {esc(labels[0])}</h3>" + table(head, rows)
             + f"<p><small>{esc(how)}</small></p>")
    if differences_only:
        return first

    def est(key: str, i: int) -> str:
        x = t[key][i]
        return "n/a" if x != x else f"{x:.3f} {interval(key, i, signed=False)}"

    def signed(key: str, i: int, flip: bool = False) -> str:
        x = t[key][i] if key in t else float("nan")
        if x != x:
            return "n/a"
        lo, hi = t[f"{key}.lo"][i], t[f"{key}.hi"][i]
        if flip:
            x, lo, hi = -x, -hi, -lo
        return f"{x:+.3f} [{lo:+.3f}, {hi:+.3f}]"

    n = len(labels)
    body = [[text] + [est(key, i) + f" ({int(t[key + '.k'][i])}/{int(t[key + '.n'][i])})" for i in range(n)]
            for _, key, text in COMPARED]
    body.append(["mean open share"] + [est("mean_open_share", i) for i in range(n)])
    body.append(["rivalry's effect on P(held) (run minus pacified twin)"]
                + [signed("rivalry_effect", i) + ("" if t["rivalry_effect.p_value"][i] != t["rivalry_effect.p_value"][i]
                                                  else f", McNemar p = {t['rivalry_effect.p_value'][i]:.2g}")
                   for i in range(n)])
    if "mean_incidents" in t:
        body.append(["mean misuse incidents per run"] + [est("mean_incidents", i) for i in range(n)])
    if "incidents_averted" in t:
        body.append(["channel's effect on incidents per run (negative: averted)"]
                    + [signed("incidents_averted", i, flip=True) for i in range(n)])
    body.append([f"Kaplan-Meier survival to step {int(t['km_step'][0])}"] + [est("km_survival", i) for i in range(n)])
    body.append(["runs, seed"] + [f"{int(t['runs'][i])}, seed {int(t['seed'][i])}" for i in range(n)])
    second = ("<h2>Each folder</h2><p>Estimates with their 95% intervals (Wilson for proportions, t for means) "
              "and counts.</p>" + table(["", *labels], body)
              + f"<p><small>Every column: <code>{esc(ctx.csv_name)}</code>. Folders: "
              + "; ".join(f"{esc(labels[i])}: <span class=\"path\">{esc(t['folder'][i])}</span>" for i in range(n))
              + "</small></p>")
    return second


def table_section(ctx: Context) -> str:
    if ctx.csv_name is None:
        return ""
    if ctx.kind == "compare" and ctx.csv_name == "compare.csv":
        return compare_tables(ctx)
    cols = read_table(ctx.folder / ctx.csv_name)
    return (f"<h2>Headline numbers</h2><p>{esc(ctx.intro)}</p>" + condensed_table(cols, ctx.scenario)
            + f"<p><small>Each estimate with its 95% interval in brackets; the full table is "
              f"<code>{esc(ctx.csv_name)}</code>.</small></p>")


#: the sections of a run folder's report, in order (add a function to add a section)
RUN_SECTIONS: list[Section] = [answer_section, assumptions_section, forecast_section, headline_section, mechanisms_section,
                               effects_section, figures_section,
                               robustness_section, reference_section, theory_section, manifest_section]
#: the sections of a sweep, compare or sensitivity folder's report
TABLE_SECTIONS: list[Section] = [answer_section, assumptions_section, table_section, figures_section, theory_section,
                                 manifest_section]


def render(ctx: Context, sections: list[Section]) -> str:
    forecast = bool((ctx.summary or {}).get("forecast")) if ctx.kind == "run" else False
    return page(ctx.title, ctx.questions, [s(ctx) for s in sections], forecast=forecast)


def page(title: str, question, sections: list[str], forecast: bool = False) -> str:
    """The HTML page. ``question`` is one question, or a list of (label, question) pairs; a
    ``forecast`` (fitted to the coded record) is said to be conditional, not illustrative."""
    if isinstance(question, str):
        question = [("", question)] if question.strip() else []
    question = [(label, q.strip()) for label, q in question if q and q.strip()]
    if len(question) == 1:
        q = f"<p><b>Question.</b> {esc(question[0][1])}</p>"
    elif question:
        q = "<p><b>Questions.</b></p><ul class=\"questions\">" + "".join(
            f"<li><b>{esc(label)}:</b> {esc(text)}</li>" for label, text in question) + "</ul>"
    else:
        q = ""
    note = ('<p class="note">Illustrative, not a forecast: the numbers show how the modelled mechanisms '
            "interact under the stated assumptions.</p>")
    if forecast:
        note = ('<p class="note">A forecast from a model: what the runs that reproduce the coded record do '
                "next, conditional on the model's structure and the stated assumptions.</p>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{esc(title)}</h1>{q}{note}"
            + "\n".join(x for x in sections if x) + "</body></html>\n")


def write_run_report(folder: Path, manifest: dict, scenario=None) -> Path:
    """``report.html`` of a run folder (called by ``sim.analysis.run_folder.finish_run_folder`` before the checksums).

    ``scenario``: the resolved scenario that ran (read back from ``scenario.yaml`` when not given)."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text())
    ctx = Context(folder, manifest, "run", summary.get("title") or summary["scenario"],
                  [("", _question(folder))])
    if scenario is not None:
        ctx.__dict__["scenario"] = scenario   # the cached property, set: the objects that ran
    from ..results.folders import write_text_atomic

    return write_text_atomic(folder / "report.html", render(ctx, RUN_SECTIONS))


def _question(folder: Path) -> str:
    import yaml

    path = folder / "scenario.yaml"
    if not path.exists():
        return ""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    return str(data.get("question", "") or "")


def write_table_report(folder: Path, title: str, question, intro: str, csv_name: str,
                       manifest: dict, with_assumptions: bool = True) -> Path:
    """``report.html`` of a sweep, compare or sensitivity folder: its table (``csv_name``) and figures.

    ``question`` is the question, or a list of (label, question) pairs (a comparison's scenarios)."""
    folder = Path(folder)
    questions = [("", question)] if isinstance(question, str) else list(question)
    ctx = Context(folder, manifest, str(manifest.get("kind", "table")), title, questions, intro, csv_name,
                  with_assumptions)
    path = folder / "report.html"
    path.write_text(render(ctx, TABLE_SECTIONS), encoding="utf-8")
    return path
