"""The lesson's panels as HTML text: moves strip, scores, payoff matrix, nonstate groups, charts.

Shared by the live page (:mod:`sim.classroom.viz_app`, which redraws them every round) and the
static replay page (:mod:`sim.classroom.staticpage`, which writes them once per round): no web
framework here. ``Run`` is any model with the live page's step records: ``scenario``, ``history``
(:class:`~sim.model.trace.StepRecord` per round), ``payoffs`` (per round: actors x tracks),
``values``, ``actors``, ``population``, ``length``, ``hide_length`` and ``totals()``.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from ..scenario.resolved import Scenario
from .plots import MOVE_COLORS

Run = Any

#: rounds shown in the moves strip (the latest ones)
STRIP = 24

#: the panels' style (the live page and the static page)
CSS = """
.sim-main { font-size: 15px; }
.sim-main h2 { font-size: 1.35em; margin: 0 0 2px 0; }
.sim-step { font-size: 1.2em; font-weight: bold; }
table.sim-table { border-collapse: collapse; font-size: 15px; }
table.sim-table td, table.sim-table th { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }
table.sim-table th:first-child, table.sim-table td:first-child { text-align: left; }
table.sim-ranking td:nth-child(2), table.sim-ranking th:nth-child(2) { text-align: left; }
table.sim-strip { border-collapse: separate; border-spacing: 2px; font-size: 13px; }
table.sim-strip td { width: 26px; height: 26px; text-align: center; color: white; font-weight: bold; padding: 0; }
table.sim-strip td.name { width: auto; color: #111; text-align: right; padding-right: 6px; font-weight: normal;
  white-space: nowrap; }
table.sim-strip td.pay { background: none; color: #333; font-weight: normal; height: 16px; font-size: 12px; }
table.sim-strip th { font-weight: normal; color: #666; font-size: 11px; }
table.sim-pop { border-collapse: separate; border-spacing: 2px; }
table.sim-pop td { width: 24px; height: 24px; padding: 0; text-align: center; font-weight: bold; font-size: 14px; }
table.sim-pop td.sim-hit { outline: 3px solid #000; outline-offset: -1px; box-shadow: inset 0 0 0 2px #fff; }
.sim-pop-legend { font-size: 13px; color: #333; display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.sim-pop-scale { display: inline-block; width: 160px; height: 14px; border: 1px solid #999; }
.sim-pop-key { display: inline-block; width: 20px; height: 20px; line-height: 20px; vertical-align: middle; }
table.sim-matrix { border-collapse: collapse; font-size: 15px; }
table.sim-matrix td, table.sim-matrix th { border: 1px solid #bbb; padding: 3px 10px; text-align: center; }
table.sim-matrix td.last { outline: 3px solid #111; outline-offset: -3px; font-weight: bold; }
.sim-side { width: 290px; min-width: 290px; }
.sim-controller { flex-wrap: nowrap; }
.sim-controller .v-btn:not(.v-btn--round).v-size--default { min-width: 0; padding: 0 12px; }
.sim-side .v-input__slider .v-input__slot { flex-wrap: wrap; }
.sim-side .v-input__slider .v-input__slot > .v-label { flex: 1 0 100%; max-width: 100%; margin-bottom: -4px;
  white-space: normal; height: auto; }
.sim-notes li { margin-bottom: 2px; }
.sim-tournament .sim-side .v-input__slider { margin-top: 0; }
.sim-tournament .sim-side .v-input__slider .v-input__slot { min-height: 22px; }
.sim-tournament .sim-side .v-messages { display: none; }
"""


#: the two sides' colours (Okabe-Ito blue, Tol wine): distinct from the green and orange of the moves
SIDES = ("#0072B2", "#882255")


def side_colour(i: int) -> str:
    return SIDES[i % 2]


def num(x: float, digits: int) -> str:
    """A payoff for the page: at most ``digits`` decimals, none when it is whole (3, 3.4, -0.25)."""
    return f"{round(float(x), digits):g}"


def initials(labels: tuple[str, str]) -> tuple[str, str]:
    """One letter per move label ("stag", "hare" -> "S", "H"); C and D when they would clash."""
    a, b = labels[0][:1].upper(), labels[1][:1].upper()
    return (a, b) if a != b else ("C", "D")


def strip_html(model: Run, width: int = STRIP, rename=str) -> str:
    """The latest rounds: one row of coloured moves per side and track, each with its payoffs."""
    s = model.scenario
    first = max(0, len(model.history) - width)
    shown = model.history[first:]
    head = "<tr><td class='name'>round</td>" + "".join(f"<th>{r.step}</th>" for r in shown) + "</tr>"
    rows = [head]
    for k, track in enumerate(s.tracks):
        letters = initials(track.labels)
        for i, actor in enumerate(s.actor_names):
            actor = rename(actor)
            name = f"{track.name}: {actor}" if len(s.tracks) > 1 else actor
            cells = []
            for r in shown:
                tr = r.tracks[k]
                move = tr.realised[i]
                walked = bool(tr.frozen[i]) if tr.frozen else False
                text = letters[0 if move else 1] + ("*" if tr.flipped(i) else "") + ("\u2744" if walked else "")
                title = (f"round {r.step}: {actor} {tr.label(i)}" + (" (noise)" if tr.flipped(i) else "")
                         + (f" ({actor} froze the channel: walked out until a thaw)" if walked else ""))
                cells.append(f"<td style='background:{MOVE_COLORS[int(move)]}' title='{escape(title)}'>"
                             f"{escape(text)}</td>")
            rows.append(f"<tr class='sim-moves'><td class='name'>{escape(name)}</td>{''.join(cells)}</tr>")
            pays = model.payoffs[first:]
            rows.append("<tr><td class='name pay'>payoff</td>" + "".join(
                f"<td class='pay'>{num(p[i, k], 1)}</td>" for p in pays) + "</tr>")
    c, d = track_legend(s)
    frozen = any(any(tr.frozen) for r in shown for tr in r.tracks)
    legend = (f"<div style='font-size:13px;color:#333'>{c}, {d}; * = noise turned the intended move into the other"
              + ("; \u2744 = frozen: that side walked out until a thaw" if frozen else "")
              + (f"; showing the last {width} rounds" if first else "") + "</div>")
    return (f"<table class='sim-strip' data-round='{len(model.history)}'>{''.join(rows)}</table>{legend}"
            f"{news_html(model, rename)}")


def news_html(model: Run, rename=str, last: int = 4, events: int = 2) -> str:
    """What happened to the channel (freezes, thaws, suspension, collapse: the latest ``last``) and
    the events that fired (the latest ``events``, so that frequent events never push the channel's
    news out), each with its round, in order."""
    from ..model.trace import ChannelNotes

    notes = ChannelNotes(model.scenario)
    channel, fired = [], []
    for r in model.history:
        channel += [(r.step, 0, n) for n in notes(r)]
        fired += [(r.step, 1, e) for e in r.events]
    news = sorted(channel[-last:] + fired[-events:]) if events else channel[-last:]
    if not news:
        return ""
    items = "".join(f"<li>{escape(rename(f'round {step}: {n}'))}</li>" for step, _, n in news)
    return f"<ul class='sim-news' style='font-size:13px;margin:.3em 0'>{items}</ul>"


def track_legend(s: Scenario) -> tuple[str, str]:
    labels = {t.labels for t in s.tracks}
    if len(labels) == 1:
        c, d = next(iter(labels))
        return f"green = {escape(c)}", f"orange = {escape(d)}"
    return "green = cooperative move", "orange = defection"


#: capability colour scale: matplotlib's cividis (designed to read the same with colour-vision deficiency)
def capability_colour(c: float) -> str:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    return to_hex(colormaps["cividis"](float(np.clip(c, 0.0, 1.0))))


def population_html(model: Run, rename=str) -> str:
    """One square per nonstate group coloured by capability; groups with an incident this round
    outlined and marked "!"; incidents this round, so far, and so far with the channel closed;
    the safeguards and both sides' risk perception (which incidents raise)."""
    pop = model.population
    played = bool(model.history)
    cells = []
    for i, group in enumerate(pop.groups):
        c = float(group.capability[0])
        hit = played and bool(group.incident[0])
        ink = "#fff" if c < 0.5 else "#000"
        title = f"group {i + 1}: capability {c:.2f}" + (" - caused a misuse incident this round" if hit else "")
        cells.append(f"<td class='sim-group{' sim-hit' if hit else ''}' style='background:{capability_colour(c)};"
                     f"color:{ink}' title='{escape(title)}'>{'!' if hit else ''}</td>")
    now = int(pop.last_incidents[0]) if played else 0
    text = (f"Misuse incidents this round: <b class='sim-incidents-now'>{now}</b>; so far: "
            f"<b class='sim-incidents-total'>{int(pop.incidents[0])}</b>")
    if model.copies > 1:
        text += (f"; with the channel closed (same random numbers): <b class='sim-incidents-closed'>"
                 f"{int(pop.incidents[model.lane(0)][0])}</b>")
    text += f". Safeguards: {float(pop.safeguards[0]):.0%} (built while both engage). Risk perception: " + ", ".join(
        f"{escape(rename(a.name))} <span class='sim-risk'>{float(a.risk_perception[0]):.2f}</span>"
        for a in model.actors) + " (incidents raise it)."
    scale = ", ".join(f"{capability_colour(x)} {x:.0%}" for x in np.linspace(0, 1, 6))
    legend = (f"<div class='sim-pop-legend'>colour = capability: 0 <span class='sim-pop-scale' "
              f"style='background:linear-gradient(to right, {scale})'></span> 1 (full access to frontier models);"
              f" <span class='sim-pop-key' style='background:{capability_colour(0.5)};outline:3px solid #000;"
              f"box-shadow:inset 0 0 0 2px #fff;color:#000;text-align:center;font-weight:bold;font-size:14px'>!</span>"
              f" = caused a misuse incident this round</div>")
    head = f"<div style='font-size:14px'><b>Nonstate groups ({len(pop.groups)})</b>. {text}</div>"
    # data-round lets a reader (or a browser test) tell which round this panel shows
    return (f"<div class='sim-pop-round' data-round='{len(model.history)}'>{head}<table class='sim-pop'>"
            f"<tr>{''.join(cells)}</tr></table>{legend}</div>")


def score_html(model: Run, rename=str) -> str:
    s = model.scenario
    last = model.payoffs[-1].sum(axis=1) if model.payoffs else None
    totals = model.totals()
    head = "<tr><th></th><th>last move</th><th>this round</th><th>total</th></tr>"
    rows = [head]
    for i, actor in enumerate(s.actor_names):
        move = ", ".join(model.history[-1].tracks[k].label(i) for k in range(len(s.tracks))) if model.history else "-"
        this = num(last[i], 2) if last is not None else "-"
        rows.append(f"<tr><td style='color:{side_colour(i)};font-weight:bold'>{escape(rename(actor))}</td>"
                    f"<td>{escape(move)}</td><td>{this}</td><td class='sim-total'><b>{num(totals[i], 2)}</b></td></tr>")
    return f"<table class='sim-table sim-score' data-round='{len(model.history)}'>{''.join(rows)}</table>"


def distinct_matrices(model: Run) -> list[int]:
    """The tracks whose payoff matrix differs from every earlier one's (labels and R, S, T, P)."""
    seen, shown = set(), []
    for k, t in enumerate(model.scenario.tracks):
        key = (t.labels, tuple(float(np.asarray(model.values[p[x]]).reshape(-1)[0]) for p in t.payoffs for x in "RSTP"))
        if key not in seen:
            seen.add(key)
            shown.append(k)
    return shown


def matrix_html(model: Run, k: int, rename=str, same: bool = False) -> str:
    """Track k's payoffs (row side's, column side's) with the lesson's labels; the last round outlined."""
    s = model.scenario
    t = s.tracks[k]
    a, b = map(rename, s.actor_names)
    val = lambda i, x: float(np.asarray(model.values[t.payoffs[i][x]]).reshape(-1)[0])  # noqa: E731
    cell = {(True, True): ("R", "R"), (True, False): ("S", "T"), (False, True): ("T", "S"), (False, False): ("P", "P")}
    last = model.history[-1].tracks[k].realised if model.history else None
    head = (f"<tr><th>{escape(a)} \\ {escape(b)}</th>"
            + "".join(f"<th style='color:{side_colour(1)}'>{escape(lbl)}</th>" for lbl in t.labels) + "</tr>")
    rows = [head]
    for mine in (True, False):
        tds = []
        for theirs in (True, False):
            x, y = cell[(mine, theirs)]
            cls = " class='last'" if last is not None and (last[0], last[1]) == (mine, theirs) else ""
            tds.append(f"<td{cls}><span style='color:{side_colour(0)}'>{val(0, x):g}</span>, "
                       f"<span style='color:{side_colour(1)}'>{val(1, y):g}</span></td>")
        label = t.labels[0 if mine else 1]
        rows.append(f"<tr><th style='color:{side_colour(0)}'>{escape(label)}</th>{''.join(tds)}</tr>")
    extra = [n for n in ("level_cost", "risk_weight", "audience_weight") if n in t.params
             and abs(float(np.asarray(model.values[t.params[n]]).reshape(-1)[0])) > 0]
    note = "" if not extra else "<div style='font-size:12px'>plus costs of escalation, risk or audience</div>"
    title = f"Payoffs per round ({escape(a)}, {escape(b)})" + (f": {escape(t.name)}" if len(s.tracks) > 1 and not same
                                                                 else "")
    return f"<div style='font-size:13px'>{title}</div><table class='sim-matrix'>{''.join(rows)}</table>{note}"


def plots_html(model: Run, rename=str, reveal: bool = False) -> str:
    """Every track's escalation level and both sides' trust, round by round, as inline SVG (cheap
    enough to redraw every round; :mod:`sim.classroom.svgplot`)."""
    from .svgplot import Series, chart

    s = model.scenario
    played = len(model.history)
    length = max(played if model.hide_length else int(model.length[0]), played, 1) + 1   # rounds -1 (start) ..
    charts = []
    for k, t in enumerate(s.tracks):
        levels = [t.start] + [r.tracks[k].level for r in model.history]
        charts.append(chart([Series("level", "#D55E00", levels, steps=True)], 0, len(t.rungs) - 1, length,
                            f"Escalation: {t.name}", first=-1, left=110, reveal=f"sim-clip-{k}" if reveal else "",
                            y_labels=[(i, name) for i, name in enumerate(t.rungs)], x_label="round"))
    start = [float(np.asarray(model.values[a.spec.params["trust"]])[0]) for a in model.actors]
    trust = [Series(rename(name), side_colour(i), [start[i]] + [r.actors[i].trust for r in model.history],
                    dashed=i == 1) for i, name in enumerate(s.actor_names)]
    charts.append(chart(trust, 0, 1, length, "Trust in the other side", first=-1,
                        reveal="sim-clip-trust" if reveal else "",
                        y_labels=[(v, f"{v:g}") for v in (0, 0.25, 0.5, 0.75, 1)], x_label="round"))
    return (f"<div class='sim-plots' data-round='{len(model.history)}' style='display:flex;flex-wrap:wrap;gap:8px'>"
            + "".join(charts) + "</div>")
