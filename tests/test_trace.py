"""The step-record API (sim/model/trace.py) and `sim trace`."""

from __future__ import annotations

import io
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim import load_scenario
from sim.cli import main
from sim.commands.trace import use_color
from sim.model.trace import TableFormat, format_table, trace_scenario

ROOT = Path(__file__).resolve().parents[1]
FIRST = ROOT / "scenarios" / "lessons" / "01_tit_for_tat.yaml"
NOISE = ROOT / "scenarios" / "lessons" / "02_noise.yaml"


def test_records_of_tit_for_tat_against_always_defect():
    s = load_scenario(FIRST)
    recs = list(trace_scenario(s))
    assert [r.step for r in recs] == list(range(10))
    us = "".join("C" if r.tracks[0].realised[0] else "D" for r in recs)
    china = "".join("C" if r.tracks[0].realised[1] else "D" for r in recs)
    assert us == "C" + "D" * 9 and china == "D" * 10
    assert [r.tracks[0].intended for r in recs] == [r.tracks[0].realised for r in recs]   # no noise
    assert recs[0].tracks[0].label(0) == "cooperate" and recs[0].tracks[0].label(1) == "defect"
    assert [r.tracks[0].level for r in recs[:3]] == [1, 3, 4]
    assert recs[-1].tracks[0].rung == "crisis"
    assert recs[-1].actors[0].payoff == 9 and recs[-1].actors[1].payoff == 14
    assert recs[0].actors[1].step_payoff == 5
    assert set(recs[0].actors[0].beliefs) == {"game"}
    assert abs(recs[0].actors[0].trust - 0.4) < 1e-12          # 0.8 * 0.5 + 0.2 * 0


def test_records_show_events_and_noise():
    s = load_scenario(ROOT / "scenarios" / "lessons" / "07_linkage.yaml")
    recs = list(trace_scenario(s, steps=8))
    assert len(recs) == 8
    assert recs[6].events == ("US tightens chip controls regardless",)
    assert recs[6].tracks[1].label(0) == "tighten" and recs[5].events == ()
    noisy = list(trace_scenario(load_scenario(NOISE)))
    flips = [(r.step, i) for r in noisy for i in range(2) if r.tracks[0].flipped(i)]
    assert flips, "5% noise over 200 steps flips some moves"
    table = format_table(load_scenario(NOISE), noisy)
    assert table.count("*") >= len(flips)


def test_trace_command_prints_the_exact_moves(capsys, monkeypatch):
    # the full table, as on a 100-column terminal (the width `sim trace` assumes when not on a
    # terminal); the width is pinned because it is read from COLUMNS or the terminal, which
    # differ between machines and under pytest-xdist (whose workers set COLUMNS=80)
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["trace", str(FIRST), "--no-color"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(lines) == 10
    assert lines[0].split("|")[1].split()[:2] == ["cooperate", "defect"]
    for line in lines[1:]:
        assert line.split("|")[1].split()[:2] == ["defect", "defect"]
    assert "crisis" in lines[-1] and "9.00" in lines[-1] and "14.00" in lines[-1]
    # engaged share of the last 6 months (months before the start count as engaged) falls below
    # one half at step 3; three months closed in a row make it a collapse at step 5
    assert ["suspended" in line for line in lines] == [i == 3 for i in range(10)]
    assert ["collapses" in line for line in lines] == [i == 5 for i in range(10)]
    assert "\x1b[" not in out


def test_trace_steps_seed_and_lesson_name(capsys):
    assert main(["trace", "noise", "--steps", "3", "--seed", "5", "--run", "2"]) == 0
    out = capsys.readouterr().out
    assert "seed 5, run 2" in out
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 3


def test_colour_only_on_a_tty(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(False, Tty()) is True
    assert use_color(True, Tty()) is False
    assert use_color(False, io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(False, Tty()) is False
    s = load_scenario(FIRST)
    rec = next(trace_scenario(s))
    assert "\x1b[32m" in TableFormat(s, color=True).row(rec)     # C in green
    assert "\x1b[" not in TableFormat(s, color=False).row(rec)


def _sim(*args, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([sys.executable, "-m", "sim", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60, cwd=ROOT)


def test_pause_waits_for_enter_between_steps():
    p = _sim("trace", str(FIRST), "--pause", stdin="\n\n\n")   # three Enters, then end of input
    assert p.returncode == 0, p.stderr
    rows = [line for line in p.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 4                                       # step 0, then one per Enter; EOF stops
    p = _sim("trace", str(FIRST), "--pause", stdin="\nq\n")
    assert len([line for line in p.stdout.splitlines() if line.strip()[:1].isdigit()]) == 2


def test_no_colour_when_not_a_tty_and_errors_are_one_line():
    p = _sim("trace", str(FIRST))
    assert p.returncode == 0 and "\x1b[" not in p.stdout
    p = _sim("trace", "no_such_lesson")
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0 and "no lesson" in p.stderr


def test_trace_fits_100_columns_with_a_starting_row_and_a_summary(capsys, monkeypatch):
    """Every lesson's table (events aside) fits 100 columns; the compact layout when needed."""
    monkeypatch.setenv("COLUMNS", "100")
    for path in sorted((ROOT / "scenarios" / "lessons").glob("*.yaml")):
        assert main(["trace", str(path), "--steps", "12", "--no-color"]) == 0
        lines = capsys.readouterr().out.splitlines()
        table = [line.rsplit(" | ", 1)[0] if line[:4].strip().isdigit() else line for line in lines[1:]]
        assert max(map(len, table)) <= 100, path.stem
        assert lines[3].startswith("init |")
        s = load_scenario(path)
        recs = list(trace_scenario(s, steps=12))
        summary = " ".join(lines[-2:]) if lines[-1].startswith("  ") else lines[-1]
        totals = ", ".join(f"{n} {a.payoff:g}" for n, a in zip(s.actor_names, recs[-1].actors))
        assert summary.startswith(f"after {len(recs)} {s.step}s: payoffs {totals};"), summary


def test_compact_trace_of_tit_for_tat(capsys):
    assert main(["trace", str(FIRST), "--compact", "--no-color"]) == 0
    out = capsys.readouterr().out.splitlines()
    moves = [line.split(" | ")[1][:5] for line in out if line[:4].strip().isdigit()]
    assert moves == ["C  D "] + ["D  D "] * 9
    assert out[-1] == "after 10 rounds: payoffs US 9, China 14; cooperated US 10%, China 0%; 0 moves flipped by noise"


def test_neutral_names(capsys):
    assert main(["trace", "linkage", "--neutral", "--steps", "7", "--no-color"]) == 0
    out = capsys.readouterr().out
    assert "Blue tightens chip controls" in out and "payoffs Blue " in out and ", Red " in out
    assert "US" not in out and "China" not in out


def test_renamer_keeps_override_paths():
    from sim.classroom.lessons import renamer

    r = renamer(["US", "China"], True)
    assert r("China plays (--set actors.China.strategies.game=x); the US and China; USA") == \
        "Red plays (--set actors.China.strategies.game=x); Blue and Red; USA"
    assert r("The US walks out, the US and China talk") == "Blue walks out, Blue and Red talk"
    assert renamer(["US", "China"], False)("US") == "US"


@pytest.mark.parametrize("lesson", ["narrow_channel", "linkage", "why_talk", "forgiveness"])
def test_trace_rows_with_events_fit_100_columns(lesson, capsys):
    """Every line of the table, events included (they continue under their column), fits 100
    columns; the channel's notes are kept in the compact table; track names are never clipped."""
    import re

    from sim import load_scenario
    from sim.classroom.lessons import find_lesson

    s = load_scenario(find_lesson(lesson))
    for flag in ("--compact", "--wide"):
        assert main(["trace", lesson, "--no-color", flag]) == 0
        out = capsys.readouterr().out
        if flag == "--compact":
            assert max(len(line) for line in out.splitlines()) <= 100, lesson
            assert all(t.name in out.splitlines()[1] for t in s.tracks)
        if lesson == "narrow_channel":
            assert "New chip export rule" in out
    assert re.search(r"^init \|", out, re.M)


def test_fit_wraps_long_events_under_their_column():
    from sim.classroom.tracefmt import fit

    row = "  12 | E  W  1 | 0.40  0.55 |  12.00   13.00 | channel suspended; New chip export rule; " + "x " * 30
    lines = fit(row).splitlines()
    assert len(lines) > 1 and all(len(x) <= 100 for x in lines)
    col = lines[0].index("channel suspended")
    assert all(x[col - 2] == "|" for x in lines[1:])
    assert " ".join(x[col:] for x in lines).split().count("x") == 30
    assert fit("short | row") == "short | row"


def test_pause_takes_back_the_echoed_enter(monkeypatch, capsys):
    """On a terminal, each Enter's echoed empty line is taken back: the table stays single-spaced."""
    import io

    from sim.commands import trace as trace_cmd

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Tty("\n\nq\n"))
    out = Tty()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["trace", "tit_for_tat", "--pause", "--no-color"]) == 0
    text = out.getvalue()
    assert text.count(trace_cmd.UNECHO) == 3
    rows = [line for line in text.split("\n") if re.match(r"^\s+\d+ \|", line.replace(trace_cmd.UNECHO, ""))]
    assert len(rows) == 3          # stopped at q after the third step
