"""No formula injection: text cells that a spreadsheet would run as a formula are written with a
leading ``'`` (OWASP "CSV injection"), by every CSV writer (they all go through
``sim.results.tables``); numbers are never touched; reading back gives the original text."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.results.tables import format_rows, protect, read_frame, read_table, unprotect, write_table

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "scenarios" / "lessons" / "01_tit_for_tat.yaml"
HOSTILE = ["@SUM(1+1)", "+cmd|' /C calc'!A0", "=1+1", "-2+3", "\tx", "\r=1", "'=1+1", "''-x"]
HARMLESS = ["tit_for_tat", "'quoted'", "a,b", "-0.5", "+1e3", "freeze", ""]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def raw_cells(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def assert_no_formula(path: Path) -> None:
    """No cell of the file starts a formula, unless it is a plain number."""
    for row in raw_cells(path):
        for cell in row:
            if cell.startswith(FORMULA_START):
                float(cell)   # a number (-0.5) is the only such cell allowed


@pytest.mark.parametrize("text", HOSTILE + HARMLESS)
def test_protect_round_trips(text):
    assert unprotect(protect(text)) == text
    if text.startswith(FORMULA_START) and text not in ("-0.5", "+1e3"):
        assert protect(text).startswith("'")
    if text in HARMLESS:
        assert protect(text) == text


def test_runs_table_text_columns_and_numbers(tmp_path):
    """A runs.csv-like table: text columns protected, numbers (-0.5) untouched, exact read-back."""
    n = len(HOSTILE) + len(HARMLESS)
    cols = {
        "run": np.arange(n),
        "payoff.US": np.full(n, -0.5),
        "collapse_cause": np.array(HOSTILE + HARMLESS, dtype=object),
        "strategy.US.safety": np.array(list(reversed(HOSTILE + HARMLESS)), dtype=object),
        "mixed": np.array([-0.5, "=x"] * (n // 2) + [1.5] * (n % 2), dtype=object),
    }
    path = tmp_path / "runs.csv"
    write_table(path, cols)
    assert_no_formula(path)
    rows = raw_cells(path)
    assert [r[1] for r in rows[1:]] == ["-0.5"] * n
    back = read_table(path)
    assert [("" if x != x else x) for x in back["collapse_cause"]] == HOSTILE + HARMLESS
    assert [("" if x != x else x) for x in back["strategy.US.safety"]] == list(reversed(HOSTILE + HARMLESS))
    assert back["payoff.US"].dtype.kind == "f" and (back["payoff.US"] == -0.5).all()
    assert list(back["mixed"])[:2] == ["-0.5", "=x"]
    frame = read_frame(path)
    assert frame["collapse_cause"].iloc[2] == "=1+1"
    # a header is protected too
    assert format_rows({"=a": np.array([1])}).splitlines()[0] == "'=a"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    out = tmp_path_factory.mktemp("inj")
    for seed in ("0", "5"):
        assert main(["run", str(LESSON), "--runs", "20", "--seed", seed, "--out", str(out), "--quiet",
                     "--workers", "1"]) == 0
    return out, sorted((out / "tit_for_tat").iterdir())


def test_compare_labels(folders, capsys):
    out, (a, b) = folders
    labels = ["@SUM(1+1)", "+cmd|' /C calc'!A0"]
    assert main(["compare", str(a), str(b), "--label", labels[0], "--label", labels[1], "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "vs @SUM(1+1)" in printed        # the table read back gives the original text
    (folder,) = (out / "compare").iterdir()
    for name in ("compare.csv", "robustness.csv"):
        assert_no_formula(folder / name)
        assert set(read_table(folder / name)["label"]) <= set(labels)
    assert [r[0] for r in raw_cells(folder / "compare.csv")[1:]] == ["'@SUM(1+1)", "'+cmd|' /C calc'!A0"]


def test_sweep_text_values(folders, capsys):
    out, _ = folders
    values = ["=1+1", "-2+3", "@SUM(1+1)"]
    vary = "title=" + ",".join(f'"{v}"' for v in values)
    assert main(["sweep", str(LESSON), "--runs", "5", "--vary", vary, "--out", str(out), "--quiet",
                 "--workers", "1"]) == 0
    capsys.readouterr()
    (folder,) = [p for p in (out / "tit_for_tat").iterdir() if p.name.startswith("sweep-")]
    assert_no_formula(folder / "sweep.csv")
    assert list(read_table(folder / "sweep.csv")["title"]) == values
    from sim.api import open_results

    assert list(open_results(folder).summary["title"]) == values
    assert sorted(set(open_results(folder).runs["vary.title"])) == sorted(values)
    for point in sorted(folder.glob("point-*")):
        assert_no_formula(point / "runs.csv")
        assert_no_formula(point / "robustness.csv")


def test_text_columns_of_runs_replay_and_verify(tmp_path, capsys):
    """A folder with text columns in runs.csv (strategy.<actor>.<track>, collapse_cause) still
    verifies and replays exactly."""
    assert main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "--runs", "12", "--out", str(tmp_path),
                 "--quiet", "--workers", "1", "--no-twins"]) == 0
    (folder,) = (tmp_path / "baseline").iterdir()
    header = raw_cells(folder / "runs.csv")[0]
    assert "collapse_cause" in header and any(h.startswith("strategy.") for h in header)
    assert_no_formula(folder / "runs.csv")
    capsys.readouterr()
    assert main(["verify", str(folder)]) == 0
    assert main(["replay", str(folder), "--run", "7"]) == 0
    assert "matches" in capsys.readouterr().out
