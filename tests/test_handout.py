"""`sim handout`: a self-contained, printable HTML page."""

from __future__ import annotations

import re
from pathlib import Path

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_handout_is_self_contained(tmp_path, capsys):
    assert main(["handout", "noise", "--out", str(tmp_path), "--runs", "100"]) == 0
    path = tmp_path / "noise.html"
    assert str(path) in capsys.readouterr().out
    html = path.read_text(encoding="utf-8")
    assert "Noise breaks tit-for-tat" in html and "What to notice" in html and "What to try" in html
    refs = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]*)['"]""", html)
    # the figures are embedded; the one link is the replay page written beside the handout
    assert [r for r in refs if not r.startswith("data:image/png;base64,")] == ["noise_replay.html"]
    assert (tmp_path / "noise_replay.html").is_file()
    assert not re.search(r"""(?:src|href)\s*=\s*['"]?\s*(?:https?:)?//""", html)
    assert "@import" not in html and "<script" not in html
    # noise is not about the channel: the run's figure only, and its own outcome (no "channel held")
    assert len(re.findall(r"<img [^>]*src='data:image/png;base64,[A-Za-z0-9+/=]{1000,}'", html)) == 1
    assert "@media print" in html
    assert "100 runs from seed" in html and "What noise costs" in html and "channel held" not in html
    assert "rounds both cooperate" in html
    assert html.count("cooperate") > 10                       # the traced run's table
    assert re.search(r"<pre>[^<]*\ninit \|[^\n]*\n\s+0 \|", html)   # its starting row, then step 0


def test_handout_needs_a_lesson_block(tmp_path, capsys):
    assert main(["handout", str(ROOT / "scenarios" / "baseline.yaml"), "--out", str(tmp_path)]) == 2
    assert "no `lesson:` block" in capsys.readouterr().err


def test_handout_has_the_payoff_matrix_the_comparison_and_the_overrides(tmp_path):
    assert main(["handout", "stag_hunt", "--out", str(tmp_path), "--runs", "50",
                 "--set", "actors.US.noise=0.02"]) == 0
    html = (tmp_path / "stag_hunt.html").read_text(encoding="utf-8")
    # stag hunt: R 4, S 0, T 3, P 2 with the lesson's labels
    matrix = re.search(r"<h2>Payoffs per round</h2><table class='grid'>(.*?)</table>", html).group(1)
    assert re.findall(r"<td>([^<]*)</td>", matrix) == ["4, 4", "0, 3", "3, 0", "2, 2"]
    assert "<th>stag</th>" in matrix and "<th>hare</th>" in matrix
    assert "How much trust does the stag need?" in html
    # both trust 0.7 (a fixed, deterministic row apart from the US noise override): everyone hunts stag often
    assert "<td>both trust 0.6</td>" in html
    assert re.search(r"<td>both trust 0.6</td><td>48.00</td>", html) is None          # noise 0.02 changes it
    assert "<code>actors.US.noise=0.02</code>" in html


def test_handout_with_neutral_names(tmp_path):
    assert main(["handout", "tit_for_tat", "--out", str(tmp_path), "--runs", "20", "--neutral"]) == 0
    html = (tmp_path / "tit_for_tat.html").read_text(encoding="utf-8")
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert "Blue \\ Red" in text and "<th>Blue total</th>" in text
    # China only inside the --set paths of "What to try", which must stay valid commands
    assert re.findall(r"\w*China\w*", text) == ["China"] * text.count("actors.China.")


def test_handout_of_a_population_lesson_counts_incidents_open_and_closed(tmp_path):
    from sim import load_scenario
    from sim.classroom.controls import compare

    assert main(["handout", "why_talk", "--out", str(tmp_path), "--runs", "50"]) == 0
    html = (tmp_path / "why_talk.html").read_text(encoding="utf-8")
    assert "<th>incidents</th><th>incidents, closed</th>" in html
    rows = compare(load_scenario(ROOT / "scenarios" / "lessons" / "09_why_talk.yaml"))
    first = rows[0]
    assert (f"<td>{first.label}</td>" in html and f"<td>{first.extra['incidents']:.2f}</td>"
            f"<td>{first.extra['incidents_closed']:.2f}</td></tr>" in html)
    assert main(["handout", "noise", "--out", str(tmp_path), "--runs", "20"]) == 0
    assert "<th>incidents</th>" not in (tmp_path / "noise.html").read_text(encoding="utf-8")   # no population


def test_channel_handouts_show_held_broken_and_the_rivalry(tmp_path):
    """Lesson 8's handout: held/broken, the pacified twin, the rivalry's effect, the outcome figure;
    lesson 1's: who wins the match, no channel section."""
    assert main(["handout", "narrow_channel", "--out", str(tmp_path), "--runs", "60"]) == 0
    html = (tmp_path / "narrow_channel.html").read_text(encoding="utf-8")
    for row in ("the channel held", "the channel broke", "held in the pacified twin", "the rivalry&#x27;s effect"):
        assert f"<th>{row}" in html, row
    assert len(re.findall(r"<img [^>]*src='data:image/png", html)) == 2
    assert main(["handout", "tit_for_tat", "--out", str(tmp_path), "--runs", "10"]) == 0
    html = (tmp_path / "tit_for_tat.html").read_text(encoding="utf-8")
    assert "<th>who wins the match</th><td>US in 0, China in 10, a draw in 0 of 10</td>" in html
    assert "the channel held" not in html and "does the channel hold" not in html
