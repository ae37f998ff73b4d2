"""Sweeps: grid expansion, ranges, common random numbers, validation before simulation, outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analyst_helpers import write_small
from sim.results.tables import read_table
from sim.cli import main
from sim.scenario.grid import Axis, expand_grid, frange, parse_values, parse_vary
from sim.ensemble.runner import run_ensemble
from sim.scenario.load import load_scenario


def test_range_is_inclusive_when_the_end_lands():
    assert frange("0:1:0.25") == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert frange("0:1:0.3") == (0.0, 0.3, 0.6, 0.9)          # 1.2 overshoots: end not included
    assert frange("0:0.3:0.1") == (0.0, 0.1, 0.2, 0.3)        # floating error does not drop the end
    assert frange("2:2:1") == (2.0,)


@pytest.mark.parametrize("text", ["1:0", "0:1", "0:1:0", "0:1:-1", "a:b:c", "1:0:0.5"])
def test_bad_ranges_are_rejected(text):
    with pytest.raises(ValueError):
        parse_vary(f"actors.US.noise={text}")


def test_vary_lists_keep_yaml_values_with_commas_inside():
    axis = parse_vary("actors.US.trust=0.2,{uniform: [0.1, 0.3]},0.5")
    assert axis.values == (0.2, {"uniform": [0.1, 0.3]}, 0.5)
    assert parse_vary("actors.US.strategies.chips=tit_for_tat,always_defect").values == ("tit_for_tat", "always_defect")
    assert parse_values([1, 2]) == (1, 2) and parse_values("0:1:0.5") == (0.0, 0.5, 1.0)


def test_grid_is_every_combination_first_axis_slowest():
    grid = expand_grid([Axis("a", (1, 2)), Axis("b", ("x", "y", "z"))])
    assert len(grid) == 6
    assert grid[:3] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"}]
    with pytest.raises(ValueError, match="varied twice"):
        expand_grid([Axis("a", (1,)), Axis("a", (2,))])


def test_common_random_numbers_across_points(tmp_path):
    """Two points that differ only in a value no run uses give identical per-run tables,
    and points differing in a used value share every run's random draws (same sampled params)."""
    # an event that never fires (probability 0) makes its operand a true no-op
    extra = "  - {name: Never, probability: 0.0, effects: [{target: actors.US.trust, add: 0.1}]}\n"
    path = write_small(tmp_path, extra, "noop.yaml")
    a = run_ensemble(load_scenario(path, ["events.1.effects.0.add=0.1"]), runs=80, seed=5)
    b = run_ensemble(load_scenario(path, ["events.1.effects.0.add=0.4"]), runs=80, seed=5)
    for col in a.table:
        np.testing.assert_array_equal(a.table[col], b.table[col], err_msg=col)
    c = run_ensemble(load_scenario(path, ["actors.China.noise=0.2"]), runs=80, seed=5)
    np.testing.assert_array_equal(a.table["param.actors.US.trust"], c.table["param.actors.US.trust"])


def test_sweep_writes_folder_table_and_figures(tmp_path, capsys):
    path = write_small(tmp_path)
    out = tmp_path / "res"
    assert main(["sweep", str(path), "--vary", "actors.US.strategies.safety.linkage=0:1:0.5",
                 "--vary", "actors.China.noise=0,0.1", "--runs", "60", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    (folder,) = (out / "small").iterdir()
    assert f"results: {folder}" in printed and "P(held) [95%]" in printed
    table = read_table(folder / "sweep.csv")
    assert len(table["point"]) == 6
    assert list(table["actors.US.strategies.safety.linkage"]) == [0, 0, 0.5, 0.5, 1, 1]
    for col in ("p_held", "p_held.lo", "p_held.hi", "p_held.k", "p_held.n", "p_held_given_escalated",
                "p_held_given_escalated.lo", "p_held_given_escalated.hi", "median_break_step"):
        assert col in table, col
    assert (table["p_held.lo"] <= table["p_held"]).all() and (table["p_held"] <= table["p_held.hi"]).all()
    for i in range(6):
        point = folder / f"point-{i + 1:03d}"
        summary = json.loads((point / "summary.json").read_text())
        assert summary["seed"] == 11 and summary["runs"] == 60
        assert summary["p_held"]["k"] == table["p_held.k"][i]
        assert (point / "report.html").is_file() and (point / "runs.csv").is_file()
    for name in ("sweep_lines", "sweep_heatmap"):
        for ext in ("png", "svg"):
            assert (folder / "figures" / f"{name}.{ext}").stat().st_size > 1000
    for name in ("report.html", "manifest.json", "sweep.json", "scenario.yaml"):
        assert (folder / name).is_file()
    # same seed at every point: the sampled parameters of run r agree across points
    p1 = read_table(folder / "point-001" / "runs.csv")["param.actors.US.trust"]
    p6 = read_table(folder / "point-006" / "runs.csv")["param.actors.US.trust"]
    np.testing.assert_array_equal(p1, p6)


def test_sweep_section_in_the_scenario(tmp_path, capsys):
    path = write_small(tmp_path, "sweep:\n  vary:\n    actors.China.noise: [0.0, 0.2]\n  runs: 30\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "res"), "--quiet"]) == 0
    (folder,) = (tmp_path / "res" / "small").iterdir()
    table = read_table(folder / "sweep.csv")
    assert list(table["actors.China.noise"]) == [0.0, 0.2] and list(table["runs"]) == [30, 30]


@pytest.mark.parametrize("extra, args, expected", [
    ("", ["--vary", "actors.US.strategies.safety.linkage=0:2:0.5"],
     "--vary actors.US.strategies.safety.linkage=0:2:0.5: actors.US.strategies.safety.linkage: 1.5 is out of range"),
    ("", ["--vary", "actors.US.nois=0,1"], "unknown key 'nois' (did you mean 'noise'?)"),
    ("", ["--vary", "actors.US.noise"], "--vary actors.US.noise: expected PATH=v1,v2,..."),
    ("", [], "nothing to vary"),
    ("sweep:\n  vary:\n    actors.US.trust: [0.2, 1.4]\n", [], "small.yaml:24: actors.US.trust: 1.4 is out of range"),
    ("sweep:\n  vary:\n    actors.US.trust: 0:1\n", [], "small.yaml:24: sweep.vary.actors.US.trust: range '0:1'"),
    ("sweep:\n  rnus: 2\n  vary: {actors.US.trust: [0.2]}\n", [], "small.yaml:23: sweep.rnus: unknown key 'rnus'"),
])
def test_bad_sweeps_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, extra, args, expected):
    path = write_small(tmp_path, extra)
    out = tmp_path / "res"
    assert main(["sweep", str(path), *args, "--runs", "10", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err, err
    assert not out.exists()
