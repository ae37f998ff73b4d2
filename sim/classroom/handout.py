"""Handouts: one self-contained, printable HTML page per lesson (figures embedded, no network)."""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..ensemble.runner import run_ensemble
from ..model.trace import StepRecord, trace_scenario
from ..scenario.resolved import Scenario
from .outcomes import about_channel
from .plots import cooperation_pattern, ensemble_figure, level_history, trust_history

CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
       color: #111; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
pre { font-size: 0.72em; line-height: 1.25; overflow-x: auto; background: #f6f6f6; padding: 0.6em; }
img { max-width: 100%; } .goal { font-style: italic; } .meta { color: #555; font-size: 0.9em; }
table.grid { border-collapse: collapse; font-size: 0.9em; } table.grid td, table.grid th { border: 1px solid #bbb;
  padding: 2px 8px; text-align: center; }
figure { margin: 1em 0; page-break-inside: avoid; } figcaption { font-size: 0.9em; color: #333; }
@media print { body { margin: 0; max-width: none; } pre { background: none; } h2 { page-break-after: avoid; } }
"""


def embed(fig: Figure) -> str:
    """A figure as a ``data:`` PNG URI."""
    from ..figsave import savefig

    buf = io.BytesIO()
    savefig(fig, buf, format="png", dpi=110)  # user text shown literally (no mathtext)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def run_figure(scenario: Scenario, records: list[StepRecord], names=None) -> Figure:
    """The traced run: moves, trust and every track's level, one figure."""
    n = len(scenario.tracks)
    fig = Figure(figsize=(9, 2.6 + 1.6 * n + 2.6), layout="constrained")
    axes = fig.subplots(n + 2, 1, height_ratios=[1.3, 1.3] + [1.0] * n)
    unit = scenario.step
    names = list(names or scenario.actor_names)
    cooperation_pattern(records, names, scenario.track_names, ax=axes[0], step_unit=unit)
    trust_history(records, names, ax=axes[1], step_unit=unit)
    for k, t in enumerate(scenario.tracks):
        level_history(records, k, t.rungs, ax=axes[2 + k], start=t.start, step_unit=unit)
    return fig


def matrix_html(scenario: Scenario, k: int = 0) -> str:
    """Track k's payoffs per round (first side's, second side's) with the lesson's move labels."""
    from ..model.model import NegotiationModel

    values = NegotiationModel(scenario, runs=[0]).values
    t = scenario.tracks[k]
    a, b = scenario.actor_names
    val = lambda i, x: float(np.asarray(values[t.payoffs[i][x]]).reshape(-1)[0])  # noqa: E731
    cell = {(True, True): ("R", "R"), (True, False): ("S", "T"), (False, True): ("T", "S"), (False, False): ("P", "P")}
    rows = [f"<tr><th>{escape(a)} \\ {escape(b)}</th>" + "".join(f"<th>{escape(x)}</th>" for x in t.labels) + "</tr>"]
    for mine in (True, False):
        tds = "".join(f"<td>{val(0, cell[(mine, th)][0]):g}, {val(1, cell[(mine, th)][1]):g}</td>"
                      for th in (True, False))
        rows.append(f"<tr><th>{escape(t.labels[0 if mine else 1])}</th>{tds}</tr>")
    return "<table class='grid'>" + "".join(rows) + "</table>"


def comparison_section(scenario: Scenario, seed: int | None, overrides) -> str:
    from .controls import compare, comparison, extra_columns, theory_note

    spec = comparison(scenario)
    rows = compare(scenario, seed=seed, overrides=overrides)
    extra = extra_columns(rows)
    a, b = scenario.actor_names
    head = (f"<tr><th></th><th>{escape(a)} total</th><th>{escape(b)} total</th><th>{escape(a)} per round</th>"
            f"<th>{escape(b)} per round</th><th>{escape(a)} coop.</th><th>{escape(b)} coop.</th>"
            "<th>both coop.</th>" + "".join(f"<th>{escape(h)}</th>" for _, h in extra) + "</tr>")
    body = "".join(f"<tr><td>{escape(r.label)}</td><td>{r.total[0]:.2f}</td><td>{r.total[1]:.2f}</td>"
                   f"<td>{r.per_round[0]:.2f}</td><td>{r.per_round[1]:.2f}</td><td>{r.cooperation[0]:.0%}</td>"
                   f"<td>{r.cooperation[1]:.0%}</td><td>{r.mutual:.0%}</td>"
                   + "".join(f"<td>{r.extra[k]:.2f}</td>" if k in r.extra else "<td>-</td>" for k, _ in extra)
                   + "</tr>" for r in rows)
    runs = "one run (no randomness)" if spec.runs == 1 else f"means over {spec.runs} runs"
    note = f" {escape(spec.note)}" if spec.note else ""
    return (f"<h2>The comparison: {escape(spec.title)}</h2><p class='meta'>{runs}; coop. = share of rounds "
            f"cooperating.{note}</p><table class='grid'>{head}{body}</table>"
            + (f"<p>{escape(theory_note(scenario))}</p>" if theory_note(scenario) else ""))


def outcome_section(scenario: Scenario, runs: int, seed: int) -> str:
    """The lesson's own outcome over ``runs`` runs (:mod:`sim.classroom.outcomes`)."""
    from .outcomes import outcome

    o = outcome(scenario, runs=runs, seed=seed)
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in o.rows)
    note = f"<p class='meta'>{escape(o.note)}</p>" if o.note else ""
    return (f"<h2>{escape(o.title)}</h2><p class='meta'>{o.runs} runs from seed {seed}.</p>"
            f"<table class='grid outcome'>{rows}</table>{note}")


def handout_html(scenario: Scenario, runs: int = 500, seed: int | None = None, run: int = 0,
                 overrides: list[str] | tuple[str, ...] = (), neutral: bool = False, page: str = "") -> str:
    """The handout page as one HTML string (``overrides``: the ``--set`` values it was made with;
    ``neutral``: the sides called Blue and Red; ``page``: the file name of the replay page of the same
    run written beside it, linked)."""
    from .lessons import renamer
    from ..model.model import NegotiationModel
    from .tracefmt import choose, fit, start_state

    rename = renamer(scenario.actor_names, neutral)
    seed = scenario.seed if seed is None else seed
    lesson = scenario.lesson
    title = lesson.title if lesson else (scenario.title or scenario.name)
    records = list(trace_scenario(scenario, seed=seed, run=run))
    fmt = choose(scenario, color=False, columns=100, compact=None,   # fits the printed page
                 names=[rename(n) for n in scenario.actor_names])
    model = NegotiationModel(scenario, runs=[run], seed=seed)
    table = "\n".join([fmt.header(), fmt.start(*start_state(model)), *(fit(fmt.row(r)) for r in records),
                       fmt.legend()])
    parts = [f"<h1>{escape(title)}</h1>"]
    if neutral:
        parts.append(f"<p class='meta'>The two sides are called {escape(rename(scenario.actor_names[0]))} and "
                     f"{escape(rename(scenario.actor_names[1]))} here.</p>")
    if lesson:
        parts.append(f"<p class='goal'>{escape(lesson.goal)}</p>")
    parts.append(f"<p>{escape(scenario.description)}</p>")
    if overrides:
        parts.append("<p class='meta'>Changed from the lesson with --set: "
                     + ", ".join(f"<code>{escape(o)}</code>" for o in overrides) + "</p>")
    parts.append(f"<h2>Payoffs per round</h2>{matrix_html(scenario)}")
    parts.append(comparison_section(scenario, seed, overrides))
    if lesson:
        parts.append("<h2>What to notice</h2><ul>" + "".join(f"<li>{escape(x)}</li>" for x in lesson.notice) + "</ul>")
        parts.append("<h2>What to try</h2><ul>" + "".join(f"<li>{escape(x)}</li>" for x in lesson.try_) + "</ul>")
    parts.append(f"<h2>One run, step by step</h2><p class='meta'>Run {run} with seed {seed}. Each row is one "
                 f"{escape(scenario.step)}: both sides' moves on every track, the escalation level after the "
                 "moves, each side's trust in the other and its total payoff so far.</p>")
    parts.append(f"<pre>{escape(table)}</pre>")
    figure = run_figure(scenario, records, [rename(n) for n in scenario.actor_names])
    parts.append(f"<figure><img alt='moves, trust and levels of the run' src='{embed(figure)}'>"
                 "<figcaption>The same run: who cooperated (green) or defected (orange), * where noise flipped "
                 "a move, trust, and the escalation "
                 "ladder of each track.</figcaption></figure>")
    parts.append(outcome_section(scenario, runs, seed))
    if about_channel(scenario):
        result = run_ensemble(scenario, runs=runs, seed=seed)
        fig = ensemble_figure(result.table, scenario.horizon, scenario.step)
        parts.append(f"<figure><img alt='distribution of the channel outcome' src='{embed(fig)}'>"
                     "<figcaption>Left: share of runs in each outcome. Right: when the channel broke."
                     "</figcaption></figure>")
    if page:
        parts.append(f"<p>To replay this run round by round in a browser (nothing to install, no network): "
                     f"open <a href='{escape(page)}'>{escape(page)}</a>, written beside this handout.</p>")
    parts.append(f"<p class='meta'>Made with <code>sim handout</code> from {escape(Path(scenario.file).name)}. "
                 "The numbers are illustrative, not forecasts.</p>")
    body = "\n".join(p if "data:image" in p else rename(p) for p in parts)
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def write_handout(scenario: Scenario, out: Path, runs: int = 500, seed: int | None = None,
                  overrides: list[str] | tuple[str, ...] = (), neutral: bool = False) -> Path:
    from ..results.folders import inside, write_text_atomic

    from .staticpage import write_page

    path = inside(out, out / f"{scenario.name}.html")  # the name is a safe slug; proven here again
    replay = write_page(scenario, out, seed=seed, neutral=neutral)   # the same run, replayed in a browser
    html = handout_html(scenario, runs=runs, seed=seed, overrides=overrides, neutral=neutral, page=replay.name)
    return write_text_atomic(path, html)
