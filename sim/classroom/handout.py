"""Handouts: one self-contained, printable HTML page per lesson (figures embedded, no network)."""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

from matplotlib.figure import Figure

from ..analysis.stats import proportion
from ..ensemble.runner import run_ensemble
from ..model.trace import StepRecord, TableFormat, trace_scenario
from ..scenario.resolved import Scenario
from .plots import cooperation_pattern, ensemble_figure, level_history, trust_history

CSS = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
       color: #111; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
pre { font-size: 0.72em; line-height: 1.25; overflow-x: auto; background: #f6f6f6; padding: 0.6em; }
img { max-width: 100%; } .goal { font-style: italic; } .meta { color: #555; font-size: 0.9em; }
figure { margin: 1em 0; page-break-inside: avoid; } figcaption { font-size: 0.9em; color: #333; }
@media print { body { margin: 0; max-width: none; } pre { background: none; } h2 { page-break-after: avoid; } }
"""


def embed(fig: Figure) -> str:
    """A figure as a ``data:`` PNG URI."""
    from ..figsave import savefig

    buf = io.BytesIO()
    savefig(fig, buf, format="png", dpi=110)  # user text shown literally (no mathtext)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def run_figure(scenario: Scenario, records: list[StepRecord]) -> Figure:
    """The traced run: moves, trust and every track's level, one figure."""
    n = len(scenario.tracks)
    fig = Figure(figsize=(9, 2.6 + 1.6 * n + 2.6), layout="constrained")
    axes = fig.subplots(n + 2, 1, height_ratios=[1.3, 1.3] + [1.0] * n)
    unit = scenario.step
    cooperation_pattern(records, scenario.actor_names, scenario.track_names, ax=axes[0], step_unit=unit)
    trust_history(records, scenario.actor_names, ax=axes[1], step_unit=unit)
    for k, t in enumerate(scenario.tracks):
        level_history(records, k, t.rungs, ax=axes[2 + k], start=t.start, step_unit=unit)
    return fig


def handout_html(scenario: Scenario, runs: int = 500, seed: int | None = None, run: int = 0) -> str:
    """The handout page as one HTML string."""
    seed = scenario.seed if seed is None else seed
    lesson = scenario.lesson
    title = lesson.title if lesson else (scenario.title or scenario.name)
    records = list(trace_scenario(scenario, seed=seed, run=run))
    fmt = TableFormat(scenario)
    table = "\n".join([fmt.header(), *(fmt.row(r) for r in records), fmt.legend()])
    result = run_ensemble(scenario, runs=runs, seed=seed)
    held = proportion(int(result.table["held"].sum()), runs)
    parts = [f"<h1>{escape(title)}</h1>"]
    if lesson:
        parts.append(f"<p class='goal'>{escape(lesson.goal)}</p>")
    parts.append(f"<p>{escape(scenario.description)}</p>")
    if lesson:
        parts.append("<h2>What to notice</h2><ul>" + "".join(f"<li>{escape(x)}</li>" for x in lesson.notice) + "</ul>")
        parts.append("<h2>What to try</h2><ul>" + "".join(f"<li>{escape(x)}</li>" for x in lesson.try_) + "</ul>")
    parts.append(f"<h2>One run, step by step</h2><p class='meta'>Run {run} with seed {seed}. Each row is one "
                 f"{escape(scenario.step)}: both sides' moves on every track, the escalation level after the "
                 "moves, each side's trust in the other and its total payoff so far.</p>")
    parts.append(f"<pre>{escape(table)}</pre>")
    parts.append(f"<figure><img alt='moves, trust and levels of the run' src='{embed(run_figure(scenario, records))}'>"
                 "<figcaption>The same run: who cooperated (green) or defected (red), trust, and the escalation "
                 "ladder of each track.</figcaption></figure>")
    parts.append(f"<h2>{runs} runs: how often does the channel hold?</h2>"
                 f"<p>The channel held in {int(result.table['held'].sum())} of {runs} runs: "
                 f"{escape(str(held))} (Wilson 95% interval).</p>")
    fig = ensemble_figure(result.table, scenario.horizon, scenario.step)
    parts.append(f"<figure><img alt='distribution of the channel outcome' src='{embed(fig)}'>"
                 "<figcaption>Left: share of runs in each outcome. Right: when the channel broke.</figcaption></figure>")
    parts.append(f"<p class='meta'>Made with <code>sim handout</code> from {escape(Path(scenario.file).name)}. "
                 "The numbers are illustrative, not forecasts.</p>")
    body = "\n".join(parts)
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def write_handout(scenario: Scenario, out: Path, runs: int = 500, seed: int | None = None) -> Path:
    from ..paths import inside, write_text_atomic

    path = inside(out, out / f"{scenario.name}.html")
    html = handout_html(scenario, runs=runs, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(path, html)
