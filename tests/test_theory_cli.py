"""End-to-end tests of ``sim theory`` and of theory.json in results folders.

``sim.cli.main`` is called in this process (as the other command tests do); the bad-input test
runs real ``python -m sim`` processes, for the exit status and stderr of a real interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
CLASSES = ("prisoners_dilemma", "stag_hunt", "chicken", "harmony", "deadlock", "other")


def sim(*args, cwd=ROOT):
    """A real ``python -m sim`` process."""
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def cli(capsys):
    """``sim ARGS`` in this process: its exit status and what it printed, like ``sim`` above."""
    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        printed = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=printed.out, stderr=printed.err)
    return run


def test_baseline_classifies_every_track(cli):
    out = cli("theory", BASELINE)
    assert out.returncode == 0, out.stderr
    for track in ("frontier_safety", "export_controls", "rare_earths"):
        assert track in out.stdout
    data = json.loads(cli("theory", BASELINE, "--json").stdout)
    classes = {t["track"]: t["class"]["value"] for t in data["tracks"]}
    assert classes == {"frontier_safety": "prisoners_dilemma", "export_controls": "prisoners_dilemma",
                       "rare_earths": "chicken"}
    assert all(c in CLASSES for c in classes.values())
    # each side links the channel to a rivalry track on which it plays no strategy (random or always
    # cooperate): no threshold applies there, and a pool of one strategic track is no pool
    actors = {t["track"]: t["actors"] for t in data["tracks"]}
    assert actors["rare_earths"]["US"]["strategic"] is False and actors["export_controls"]["China"]["strategic"] is False
    assert actors["frontier_safety"]["US"]["strategic"] is True
    assert data["pooled"] == {}
    assert out.stdout.count("not strategic: ") == 4


def test_standard_pd_values(tmp_path, cli):
    f = tmp_path / "pd.yaml"
    f.write_text("actors:\n  A: {discount: 0.6, strategies: {game: tit_for_tat}}\n"
                 "  B: {discount: 0.7, strategies: {game: tit_for_tat}}\n"
                 "tracks:\n  game: {game: prisoners_dilemma}\n")
    out = cli("theory", f)
    assert out.returncode == 0, out.stderr
    grim = [line for line in out.stdout.splitlines() if line.strip().startswith("grim")]
    tft = [line for line in out.stdout.splitlines() if line.strip().startswith("TFT")]
    gtft = [line for line in out.stdout.splitlines() if line.strip().startswith("GTFT")]
    assert grim and all("1/2 = 0.500" in line for line in grim)
    assert tft and all("2/3 = 0.667" in line for line in tft)
    assert gtft and all("1/3 = 0.333" in line for line in gtft)
    assert "discount 0.6 does not clear" in tft[0] and "discount 0.7 clears" in tft[1]
    # --set reaches the panel
    out = cli("theory", f, "--set", "actors.A.discount=0.4")
    assert "discount 0.4 does not clear" in out.stdout


@pytest.mark.parametrize("content", [None, "actors: [\n", "actors:\n  A: {strategies: {game: tit_for_tatt}}\n"])
def test_bad_input_exits_2_with_one_line(tmp_path, content):
    f = tmp_path / "bad.yaml"
    if content is not None:
        f.write_text(content)
    out = sim("theory", f)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    # one line per problem (the last file has two: no tracks, a misspelt strategy), never a traceback
    assert len(lines) == (2 if content and "tatt" in content else 1)
    assert all(line.startswith(f"error: {f}") for line in lines) and "Traceback" not in out.stderr


def test_bad_set_exits_2(cli):
    out = cli("theory", BASELINE, "--set", "actors.US.nois=0.1")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


def test_results_folder_has_theory_json(tmp_path, cli):
    out = cli("run", BASELINE, "--runs", 20, "--out", tmp_path, "--quiet")
    assert out.returncode == 0, out.stderr
    (folder,) = [p for p in (tmp_path / "baseline").iterdir() if p.is_dir()]
    panel = json.loads((folder / "theory.json").read_text())
    assert [t["track"] for t in panel["tracks"]] == ["frontier_safety", "export_controls", "rare_earths"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "theory.json" in manifest["files"]
