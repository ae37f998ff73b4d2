"""The no-install demo: one HTML file replaying a prepared run of a lesson, round by round.

``sim export-page LESSON DIR`` (and ``sim handout``, beside the handout) writes it for teachers who
cannot install anything: the run is played here, in Python, once; every round's panels (the same
HTML as the live page's: :mod:`sim.classroom.panels`) are written into the file, and a few lines of
JavaScript show them one after another (Reset, Back, Step, Play). No Python, no server, no
network: it opens from ``file://`` in any browser. Nothing in it comes from outside the file.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import numpy as np

from ..model.model import NegotiationModel
from ..model.trace import record
from ..scenario.resolved import Scenario
from .controls import closed_twin
from .panels import CSS, distinct_matrices, matrix_html, plots_html, population_html, score_html, strip_html


class ReplayModel(NegotiationModel):
    """One run of the lesson keeping, like the live page's model, each round's record and payoffs."""

    def __init__(self, scenario: Scenario, seed: int | None = None, run: int = 0):
        super().__init__(scenario, runs=[run], seed=seed, twins=closed_twin(scenario))
        self.history = []
        self.payoffs: list[np.ndarray] = []

    def step(self) -> None:
        t = self.t
        super().step()
        if self.t > t:
            self.history.append(record(self))
            self.payoffs.append(np.array([a.last_payoff[0] for a in self.actors]))

    @property
    def hide_length(self) -> bool:
        return self.scenario.continuation is not None

    def totals(self) -> np.ndarray:
        return np.sum(self.payoffs, axis=0).sum(axis=1) if self.payoffs else np.zeros(len(self.actors))


def counter_text(model: ReplayModel, ended: bool) -> str:
    played = len(model.history)
    if model.hide_length:
        return f"Rounds played: {played}" + (" (game over)" if ended and played else "")
    return f"Rounds played: {played} of {int(model.length[0])}"


def matrices(model: ReplayModel, rename) -> str:
    shown = distinct_matrices(model)
    return "".join(f"<div>{matrix_html(model, k, rename, same=len(shown) == 1)}</div>" for k in shown[:2])


def frame(model: ReplayModel, ended: bool, rename) -> dict:
    """One round's panels, as the live page draws them."""
    strip = (strip_html(model, rename=rename) if model.history
             else "<i>Press Step or Play to play the first round.</i>")
    pop = population_html(model, rename) if model.population is not None else ""
    return {"counter": counter_text(model, ended), "score": score_html(model, rename),
            "matrix": matrices(model, rename), "strip": strip, "pop": pop}


def frames(scenario: Scenario, seed: int | None = None, run: int = 0, rename=str) -> tuple[list[dict], ReplayModel]:
    """Every round's panels of one run (round 0: before the first move), and the model at the end."""
    model = ReplayModel(scenario, seed=seed, run=run)
    out = [frame(model, False, rename)]
    while model.running:
        model.step()
        out.append(frame(model, not model.running, rename))
    return out, model


SCRIPT = """
const F = JSON.parse(document.getElementById('sim-frames').textContent);
let i = 0, timer = null;
const ids = ['counter', 'score', 'matrix', 'strip', 'pop'];
function show(n) {
  i = Math.max(0, Math.min(F.length - 1, n));
  for (const k of ids) document.getElementById('sim-' + k).innerHTML = F[i][k];
  // the charts hold the whole run: uncover it up to this round
  for (const svg of document.querySelectorAll('svg.sim-chart[data-dx]'))
    svg.querySelector('rect.sim-reveal').setAttribute('width', i * parseFloat(svg.dataset.dx) + 4);
  document.getElementById('sim-stepbtn').disabled = i >= F.length - 1;
  document.getElementById('sim-playbtn').disabled = i >= F.length - 1 && timer === null;
  document.getElementById('sim-backbtn').disabled = i === 0;
}
function pause() { if (timer !== null) { clearInterval(timer); timer = null; }
  document.getElementById('sim-playbtn').textContent = '\\u25b6 Play'; show(i); }
function play() {
  if (timer !== null) { pause(); return; }
  document.getElementById('sim-playbtn').textContent = '\\u275a\\u275a Pause';
  timer = setInterval(() => { if (i >= F.length - 1) pause(); else show(i + 1); }, PLAY_MS);
}
document.getElementById('sim-stepbtn').onclick = () => { pause(); show(i + 1); };
document.getElementById('sim-backbtn').onclick = () => { pause(); show(i - 1); };
document.getElementById('sim-resetbtn').onclick = () => { pause(); show(0); };
document.getElementById('sim-playbtn').onclick = play;
document.addEventListener('keydown', e => { if (e.key === 'ArrowRight') { pause(); show(i + 1); }
  if (e.key === 'ArrowLeft') { pause(); show(i - 1); } });
show(0);
"""

PAGE_CSS = """
body { font-family: Roboto, 'Helvetica Neue', Arial, sans-serif; margin: 8px 16px; color: #111; }
.sim-buttons button { font-size: 15px; padding: 4px 14px; margin-right: 6px; border: 0; border-radius: 4px;
  background: #1976d2; color: white; cursor: pointer; } .sim-buttons button:disabled { background: #bbb; }
.sim-top { display: flex; gap: 24px; align-items: flex-start; } .sim-meta { font-size: 13px; color: #444; }
"""


def page_html(scenario: Scenario, seed: int | None = None, run: int = 0, rename=str, play_ms: int = 400) -> str:
    """The whole page: the lesson's title, goal and notes, the buttons, and every round's panels."""
    seed = scenario.seed if seed is None else seed
    shots, end = frames(scenario, seed=seed, run=run, rename=rename)
    plots = plots_html(end, rename, reveal=True)   # the whole run, uncovered round by round
    lesson = scenario.lesson
    title = rename(lesson.title if lesson else (scenario.title or scenario.name))
    goal = f"<p>{escape(rename(lesson.goal))}</p>" if lesson else ""
    notice = ("<b>What to notice</b><ul>" + "".join(f"<li>{escape(rename(x))}</li>" for x in lesson.notice)
              + "</ul>") if lesson else ""
    data = json.dumps(shots).replace("</", "<\\/")       # never ends the script element early
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<style>{CSS}{PAGE_CSS}</style></head><body class="sim-main">
<h2 class="sim-title">{escape(title)}</h2>{goal}
<p class="sim-meta">A prepared run of the lesson (seed {seed}, run {run}), replayed round by round: the same
run as <code>sim viz</code> shows with the lesson's settings. Keys: &larr; and &rarr; step back and forward.</p>
<div class="sim-buttons"><button id="sim-resetbtn">Reset</button><button id="sim-backbtn">&#9664; Back</button>
<button id="sim-stepbtn">Step</button><button id="sim-playbtn">&#9654; Play</button></div>
<div class="sim-top"><div><div id="sim-counter" class="sim-step"></div><div id="sim-score"></div></div>
<div id="sim-matrix" style="display:flex;gap:12px"></div></div>
<div id="sim-strip"></div><div id="sim-pop"></div><div id="sim-plots">{plots}</div>
<div class="sim-notes">{notice}</div>
<p class="sim-meta">Made with <code>sim export-page</code> from {escape(Path(scenario.file).name)}. The numbers are
illustrative, not forecasts.</p>
<script type="application/json" id="sim-frames">{data}</script>
<script>{SCRIPT.replace("PLAY_MS", str(int(play_ms)))}</script>
</body></html>
"""


def write_page(scenario: Scenario, out: Path, seed: int | None = None, run: int = 0, neutral: bool = False) -> Path:
    """Write ``OUT/NAME_replay.html``; the path written."""
    from ..results.folders import inside, write_text_atomic
    from .lessons import renamer

    path = inside(out, out / f"{scenario.name}_replay.html")
    html = page_html(scenario, seed=seed, run=run, rename=renamer(scenario.actor_names, neutral))
    out.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(path, html)
