"""Figures on request: `sim run` draws none unless --figures; `sim figures FOLDER` draws a folder's
once, re-writes its report to embed them and adds them to its manifest (sim verify still passes);
the run path imports neither matplotlib nor scipy.stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from analyst_helpers import write_small
from test_report import check_self_contained

from sim.cli import main
from sim.errors import UserError

ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path, capsys, *extra, out="res"):
    path = write_small(tmp_path)
    assert main(["run", str(path), "--out", str(tmp_path / out), "--quiet", *extra]) == 0
    printed = capsys.readouterr().out
    (folder,) = (tmp_path / out / "small").iterdir()
    return folder, printed


def without_manifest(report: str) -> str:
    """The report but its manifest section (the command line and timings differ between two runs)."""
    return report.split("<h2>Manifest</h2>")[0]


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_run_draws_no_figures_and_says_how(tmp_path, capsys):
    folder, printed = run(tmp_path, capsys)
    assert not (folder / "figures").exists()
    line = [x for x in printed.splitlines() if "sim figures" in x]
    assert line == [f"figures: not drawn (they take longer than the simulation); draw them with: sim figures {folder}"]
    report = (folder / "report.html").read_text()
    assert "<img" not in report and "data:image/png" not in report
    figures = report.split("<h2>Figures</h2>")[1].split("<h2>")[0]
    assert figures.strip().count("\n") == 0 and "sim figures &lt;this folder&gt;" in figures and "not drawn yet" in figures
    manifest = json.loads((folder / "manifest.json").read_text())
    assert not [f for f in manifest["files"] if f.startswith("figures/")]
    assert main(["verify", str(folder)]) == 0


def test_sim_figures_draws_once_embeds_them_and_keeps_the_folder_verified(tmp_path, capsys):
    folder, _ = run(tmp_path, capsys)
    before = files(folder)
    assert main(["figures", str(folder)]) == 0
    printed = capsys.readouterr().out
    drawn = sorted(p.name for p in (folder / "figures").iterdir())
    assert drawn == sorted(f"{n}.{e}" for n in ("survival", "levels", "outcomes", "payoffs") for e in ("png", "svg"))
    assert printed.count("written: ") == len(drawn)
    text = check_self_contained(folder)   # every PNG embedded, nothing from the network
    assert "not drawn yet" not in text
    after = files(folder)
    # only the figures, the report and the manifest changed; every other file is as it was
    assert {k for k in after if after[k] != before.get(k)} == {*(f"figures/{n}" for n in drawn), "report.html",
                                                                "manifest.json"}
    assert without_manifest(text) != without_manifest(before["report.html"].decode())
    assert text.split("<h2>Manifest</h2>")[1] == before["report.html"].decode().split("<h2>Manifest</h2>")[1]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {f"figures/{n}" for n in drawn} <= set(manifest["files"])
    assert main(["verify", str(folder)]) == 0
    capsys.readouterr()
    # once: a second call draws nothing and changes nothing
    assert main(["figures", str(folder)]) == 0
    assert "already drawn" in capsys.readouterr().out and files(folder) == after
    # --force draws them again; the folder still verifies
    assert main(["figures", str(folder), "--force"]) == 0
    assert capsys.readouterr().out.count("written: ") == len(drawn)
    assert main(["verify", str(folder)]) == 0


def test_drawn_later_is_drawn_as_by_run_figures(tmp_path, capsys):
    """`sim run --figures` and `sim run` then `sim figures`: the same PNG and SVG bytes (the SVGs'
    ids were random), the same report (but the manifest's command line and timings, which differ
    between the two runs)."""
    now, _ = run(tmp_path, capsys, "--figures", out="now")
    later, _ = run(tmp_path, capsys, out="later")
    assert main(["figures", str(later)]) == 0
    drawn = sorted(p.name for p in (now / "figures").iterdir())
    assert drawn == sorted(p.name for p in (later / "figures").iterdir())
    assert {Path(name).suffix for name in drawn} == {".png", ".svg"}
    for name in drawn:
        assert (now / "figures" / name).read_bytes() == (later / "figures" / name).read_bytes(), name
    assert without_manifest((now / "report.html").read_text()) == without_manifest((later / "report.html").read_text())
    assert main(["verify", str(now), str(later)]) == 0


def test_a_changed_folder_is_refused(tmp_path, capsys):
    folder, _ = run(tmp_path, capsys)
    with open(folder / "runs.csv", "a") as f:
        f.write("\n")
    assert main(["figures", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(folder) in err and "runs.csv" in err and "sim verify" in err
    assert not (folder / "figures").exists()


@pytest.mark.parametrize("make, expected", [
    (lambda p: p / "missing", "no such results folder"),
    (lambda p: p, "not a results folder"),
    (lambda p: write_small(p, name="file.yaml"), "a file, not a results folder"),
])
def test_bad_input_is_one_line(tmp_path, capsys, make, expected):
    target = make(tmp_path)
    assert main(["figures", str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and str(target) in captured.err and expected in captured.err
    assert "Traceback" not in captured.err and not captured.out


def test_a_folder_whose_figures_are_drawn_when_written_is_named(tmp_path, capsys):
    a, _ = run(tmp_path, capsys, out="a")
    b, _ = run(tmp_path, capsys, out="b")
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "cmp")]) == 0
    capsys.readouterr()
    (comp,) = (tmp_path / "cmp" / "compare").iterdir()
    assert main(["figures", str(comp)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(comp) in err and "a compare folder" in err


def test_sweep_points_are_drawn_through_the_sweep(tmp_path, capsys):
    path = write_small(tmp_path)
    assert main(["sweep", str(path), "--vary", "actors.China.noise=0,0.2", "--runs", "30", "--out",
                 str(tmp_path / "res"), "--quiet"]) == 0
    capsys.readouterr()
    (sweep,) = (p for p in (tmp_path / "res" / "small").iterdir() if p.name.startswith("sweep-"))
    points = sorted(p for p in sweep.iterdir() if p.name.startswith("point-"))
    assert points and not any((p / "figures").exists() for p in points)
    assert (sweep / "figures" / "sweep_lines.png").is_file()   # the sweep's own figures are drawn as before
    assert main(["figures", str(sweep)]) == 0
    assert capsys.readouterr().out.count("written: ") == 8 * len(points)
    assert all(sorted((p / "figures").glob("*.png")) for p in points)
    assert main(["verify", str(sweep), *map(str, points)]) == 0
    # one point alone, again by force: the sweep's manifest follows
    assert main(["figures", str(points[0]), "--force"]) == 0
    assert main(["verify", str(sweep), str(points[0])]) == 0
    capsys.readouterr()
    # a changed sweep: its point's figures are refused too, naming the sweep
    with open(sweep / "sweep.csv", "a") as f:
        f.write("\n")
    assert main(["figures", str(points[0]), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{sweep}: changed since it was written (sweep.csv" in err


def test_an_interrupted_drawing_is_finished_by_the_next(tmp_path, capsys):
    """Figures left half drawn (files in figures/ that the manifest does not record) are drawn again."""
    folder, _ = run(tmp_path, capsys)
    (folder / "figures").mkdir()
    (folder / "figures" / "survival.png").write_bytes(b"half")
    assert main(["verify", str(folder)]) == 1
    assert main(["figures", str(folder)]) == 0
    assert (folder / "figures" / "survival.png").read_bytes().startswith(b"\x89PNG")
    assert main(["verify", str(folder)]) == 0


def test_sweep_figures_flag_draws_each_point(tmp_path, capsys):
    path = write_small(tmp_path)
    assert main(["sweep", str(path), "--vary", "actors.China.noise=0,0.2", "--runs", "30", "--out",
                 str(tmp_path / "res"), "--quiet", "--figures"]) == 0
    (sweep,) = (p for p in (tmp_path / "res" / "small").iterdir() if p.name.startswith("sweep-"))
    points = sorted(p for p in sweep.iterdir() if p.name.startswith("point-"))
    assert all(len(list((p / "figures").glob("*.svg"))) == 4 for p in points)
    assert main(["verify", str(sweep)]) == 0


def test_python_api(tmp_path):
    import sim

    ens = sim.simulate(write_small(tmp_path), runs=40, seed=3)
    plain = ens.save(tmp_path / "plain")
    drawn = ens.save(tmp_path / "drawn", figures=True)
    assert not (plain / "figures").exists() and len(list((drawn / "figures").glob("*.png"))) == 4
    written = sim.draw_figures(plain)
    assert sorted(p.name for p in written) == sorted(p.name for p in (drawn / "figures").iterdir())
    assert sim.draw_figures(plain) == []   # once
    assert without_manifest((plain / "report.html").read_text()) == without_manifest((drawn / "report.html").read_text())
    with pytest.raises(UserError, match="no such results folder"):
        sim.draw_figures(tmp_path / "missing")


PROBE = """
import contextlib, io, json, os, sys
from sim.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
watched = tuple(os.environ.get("PROBE_MODULES", "matplotlib,scipy.stats,PIL").split(","))
print(json.dumps({"code": code, "modules": sorted(m for m in sys.modules if m.startswith(watched))}))
"""


def probe(argv: list[str], modules: str | None = None) -> list[str]:
    """The watched modules that ``sim ARGV`` imports in a fresh interpreter (it must exit 0)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIM_LATEST": "0", **({"PROBE_MODULES": modules} if modules else {})}
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True, cwd=ROOT,
                          env=env)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["code"] == 0
    return data["modules"]


@pytest.mark.parametrize("figures", [False, True], ids=["run", "run --figures"])
def test_the_run_path_imports_neither_matplotlib_nor_scipy_stats(tmp_path, figures):
    """In a fresh interpreter: `sim run` imports neither; with --figures it does import matplotlib
    (the probe can fail). pandas and networkx do come, with `import mesa` (Mesa's __init__ imports them)."""
    path = write_small(tmp_path)
    loaded = probe(["run", str(path), "--runs", "40", "--quiet", "--out", str(tmp_path / "res"),
                    *(["--figures"] * figures)])
    if figures:
        assert "matplotlib" in loaded
    else:
        assert loaded == [], loaded
    assert not [m for m in loaded if m.startswith("scipy.stats")], loaded


def test_drawing_a_run_folders_figures_imports_no_model(tmp_path, capsys):
    """`sim figures` first asks whether the folder is a calibration's (sim/calibrate/kind.py): for a
    run folder the answer costs no import of the model and Mesa (a second of CPU, before)."""
    folder, _ = run(tmp_path, capsys)
    assert probe(["figures", str(folder)], "mesa,sim.model,sim.calibrate.abc") == []
    assert [len(list((folder / "figures").glob(f"*.{ext}"))) for ext in ("png", "svg")] == [4, 4]


@pytest.mark.parametrize("figures", [False, True], ids=["forecast", "forecast --figures"])
def test_forecast_figures_on_request(tmp_path, capsys, figures):
    from test_forecast import HIDDEN, write

    path = write(tmp_path, HIDDEN.replace("OBSERVED", "100"), "hidden.yaml")
    root = tmp_path / "results"
    assert main(["forecast", str(path), "--draws", "300", "--accept", "20", "--branches", "2", "--out", str(root),
                 "--quiet", "--workers", "1", "--nearest", "--predictive", "0", "--no-twins",
                 *(["--figures"] * figures)]) == 0
    out = capsys.readouterr().out
    (folder,) = list((root / "hidden").iterdir())
    assert (folder / "figures").is_dir() == figures and (f"sim figures {folder}" in out) != figures
    if not figures:
        assert "not drawn yet" in (folder / "report.html").read_text()
        assert main(["figures", str(folder)]) == 0
    check_self_contained(folder)
    assert "forecast" in json.loads((folder / "summary.json").read_text())
    assert main(["verify", str(folder)]) == 0
