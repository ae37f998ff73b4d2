"""`sim verify` covers the manifest's own fields (seed, runs...), and `sim replay` answers any
tampered folder with one line: an error (exit 2) or the MISMATCH verdict (exit 1), never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("tamper")
    assert main(["run", str(ROOT / "scenarios" / "lessons" / "02_noise.yaml"), "--runs", "10", "--out", str(out),
                 "--quiet", "--workers", "1"]) == 0
    (f,) = (out / "noise").iterdir()
    return f


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def edit_manifest(key, value):
    def do(g: Path):
        m = json.loads((g / "manifest.json").read_text())
        m[key] = value
        (g / "manifest.json").write_text(json.dumps(m, indent=2) + "\n")
    return do


def cut_columns(g: Path):
    (g / "runs.csv").write_text("".join(",".join(x.rstrip("\n").split(",")[:5]) + "\n" for x in _lines(g / "runs.csv")))


def edit_cell(text):
    def do(g: Path):
        lines = _lines(g / "runs.csv")
        cells = lines[2].split(",")
        cells[1] = text   # run 1's `length`
        lines[2] = ",".join(cells)
        (g / "runs.csv").write_text("".join(lines))
    return do


TAMPER = {
    "manifest-seed": (edit_manifest("seed", 12345), 2),
    "manifest-runs": (edit_manifest("runs", 5), 2),
    "manifest-command": (edit_manifest("command", ["sim", "run", "other.yaml"]), 2),
    "missing-columns": (cut_columns, 1),
    "edited-cell": (edit_cell("999"), 1),
    "text-in-number": (edit_cell("abc"), 1),
    "missing-scenario": (lambda g: (g / "scenario.yaml").unlink(), 2),
    "empty-runs": (lambda g: (g / "runs.csv").write_text(""), 2),
    "binary-runs": (lambda g: (g / "runs.csv").write_bytes(b"\xff\xfe\x00\"x"), 2),
    "no-run-column": (lambda g: (g / "runs.csv").write_text((g / "runs.csv").read_text().replace("run,", "nur,", 1)), 2),
    "missing-runs": (lambda g: (g / "runs.csv").unlink(), 2),
}


@pytest.mark.parametrize("case", list(TAMPER))
def test_tampered_folder(case, folder, tmp_path, capsys):
    g = tmp_path / "copy"
    shutil.copytree(folder, g)
    assert main(["verify", str(g)]) == 0
    change, replay_code = TAMPER[case]
    change(g)
    capsys.readouterr()
    assert main(["verify", str(g)]) == 1
    assert "TAMPERED" in capsys.readouterr().out
    assert main(["replay", str(g), "--run", "1", "--no-color"]) == replay_code
    captured = capsys.readouterr()
    if replay_code == 2:
        err = captured.err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    else:
        assert captured.out.strip().splitlines()[-1].startswith("MISMATCH with the stored row for run 1")


def test_manifest_field_edit_is_named(folder, tmp_path, capsys):
    g = tmp_path / "copy"
    shutil.copytree(folder, g)
    edit_manifest("seed", 7)(g)
    assert main(["verify", str(g)]) == 1
    assert "modified:   manifest.json (its own fields)" in capsys.readouterr().out
