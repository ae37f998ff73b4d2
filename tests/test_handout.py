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
    assert refs and all(r.startswith("data:image/png;base64,") for r in refs)
    assert not re.search(r"""(?:src|href)\s*=\s*['"]?\s*(?:https?:)?//""", html)
    assert "@import" not in html and "<script" not in html
    assert len(re.findall(r"<img [^>]*src='data:image/png;base64,[A-Za-z0-9+/=]{1000,}'", html)) == 2
    assert "@media print" in html
    assert "100 runs" in html and "of 100 runs" in html
    assert html.count("cooperate") > 10                       # the traced run's table


def test_handout_needs_a_lesson_block(tmp_path, capsys):
    assert main(["handout", str(ROOT / "scenarios" / "baseline.yaml"), "--out", str(tmp_path)]) == 2
    assert "no `lesson:` block" in capsys.readouterr().err
