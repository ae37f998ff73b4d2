"""`sim export-page`: a static page replaying a prepared run (no Python, no network to view it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from sim import load_scenario
from sim.classroom.staticpage import frames
from sim.cli import main

LESSONS = Path(__file__).resolve().parents[1] / "scenarios" / "lessons"


def model_totals(s, seed=None):
    """Cumulative totals per round of run 0, from the bare model (independent of the page's code)."""
    from sim.model.trace import trace_scenario

    return [[float(a.payoff) for a in r.actors] for r in trace_scenario(s, seed=seed, run=0)]


def test_export_page_is_one_offline_file(tmp_path, capsys):
    assert main(["export-page", "noise", str(tmp_path)]) == 0
    path = tmp_path / "noise_replay.html"
    assert str(path) in capsys.readouterr().out
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*['"]?\s*(?:https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "<script src" not in html
    assert "default-src 'none'" in html                     # the browser refuses anything from outside
    data = json.loads(re.search(r"<script type=\"application/json\" id=\"sim-frames\">(.*?)</script>", html,
                                re.S).group(1).replace("<\\/", "</"))
    s = load_scenario(LESSONS / "02_noise.yaml")
    assert len(data) == s.horizon + 1 and "Rounds played: 0 of" in data[0]["counter"]


def test_frames_scores_are_the_models():
    s = load_scenario(LESSONS / "08_narrow_channel.yaml")
    shots, model = frames(s)
    want = model_totals(s)
    assert len(shots) == len(want) + 1
    for i in (1, 7, len(want)):
        shown = [float(x) for x in re.findall(r"<td class='sim-total'><b>([-\d.]+)</b>", shots[i]["score"])]
        assert shown == [round(x, 2) for x in want[i - 1]], i
    assert np.allclose(model.totals(), want[-1])


def test_export_page_bad_lesson_is_one_line(tmp_path, capsys):
    assert main(["export-page", "nope", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no lesson 'nope'" in err


def test_page_news_keeps_the_channel_and_names_sides_neutrally():
    """Frequent events (new chip rules) never push the channel's news out of the page's list, and
    with neutral names a side is "Blue", never "the Blue"."""
    from sim.classroom.lessons import renamer
    from sim.classroom.panels import news_html
    from sim.classroom.staticpage import ReplayModel
    from sim.model.trace import ChannelNotes
    from sim.ensemble.runner import run_ensemble

    s = load_scenario(LESSONS / "08_narrow_channel.yaml")
    t = run_ensemble(s, runs=40).table
    run = int(np.flatnonzero(t["held"] == 0)[0])                 # a run in which the channel broke
    m = ReplayModel(s, run=run)
    while m.running:
        m.step()
    notes = ChannelNotes(s)
    said = [f"round {r.step}: {n}" for r in m.history for n in notes(r)]
    assert said
    news = news_html(m)
    assert all(x in news for x in said[-4:])
    blue = news_html(m, renamer(s.actor_names, True))
    assert "the Blue" not in blue and "the Red" not in blue
