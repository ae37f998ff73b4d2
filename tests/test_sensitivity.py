"""`sim sensitivity`: the Saltelli design, exact agreement with fixed-parameter ensembles, outputs."""

from __future__ import annotations

import json
import sys

from analyst_helpers import write_small
from sim.results.tables import read_table
from sim.cli import main
from sim.ensemble.runner import run_ensemble
from sim.ensemble.sensitivity import design, run_design
from sim.scenario.load import load_scenario

# an event that can never fire, with an uncertain operand: a parameter with no effect at all
NOOP = "  - {name: Never, probability: 0.0, effects: [{target: actors.US.trust, add: {uniform: [0, 1]}}]}\n"


def test_design_rows_equal_fixed_parameter_ensembles(tmp_path):
    """Row i's shares are exactly those of an ensemble with the parameters fixed at row i's values
    (runs 0..m-1 from the same seed): the vectorised design changes nothing but the parameters."""
    s = load_scenario(write_small(tmp_path))
    paths, u, x = design(s, 4, seed=3)
    assert paths == ["actors.US.noise", "actors.US.trust", "actors.China.discount"]
    assert x.shape == (4 * (len(paths) + 2), len(paths))
    assert (x[:, 0] >= 0).all() and (x[:, 0] <= 0.1).all() and (x[:, 2] >= 0.5).all() and (x[:, 2] <= 0.9).all()
    out = run_design(s, x[:5], replicates=16, seed=s.seed)
    for i in range(5):
        fixed = load_scenario(write_small(tmp_path), [f"{p}={float(x[i, j])!r}" for j, p in enumerate(paths)])
        table = run_ensemble(fixed, runs=16, seed=s.seed).table
        assert out["p_held"][i] == table["held"].mean()
        assert out["p_held_and_escalated"][i] == table["held_and_escalated"].mean()


def test_sensitivity_writes_what_it_promises(tmp_path, capsys):
    path = write_small(tmp_path, NOOP)
    assert main(["sensitivity", str(path), "--samples", "16", "--replicates", "16",
                 "--out", str(tmp_path / "res")]) == 0
    out = capsys.readouterr().out
    assert "S1 [95%]" in out and "actors.China.discount" in out
    (folder,) = (tmp_path / "res" / "small").iterdir()
    samples = read_table(folder / "samples.csv")
    assert len(samples["sample"]) == 16 * (4 + 2)
    t = read_table(folder / "sensitivity.csv")
    assert set(t["outcome"]) == {"p_held", "p_held_and_escalated"}
    for col in ("S1", "S1.lo", "S1.hi", "ST", "ST.lo", "ST.hi"):
        assert col in t
    # common random numbers: a parameter with no effect leaves every output identical, so its
    # total index (Jansen's estimator, a mean of squared differences) is exactly zero
    noop = (t["parameter"] == "events.never.effects.0") & (t["outcome"] == "p_held")
    assert noop.sum() == 1 and t["ST"][noop][0] == 0.0
    for ext in ("png", "svg"):
        assert (folder / "figures" / f"sensitivity.{ext}").stat().st_size > 1000
    for name in ("report.html", "manifest.json", "design.json", "scenario.yaml"):
        assert (folder / name).is_file()


def test_samples_must_be_a_power_of_two(tmp_path, capsys):
    assert main(["sensitivity", str(write_small(tmp_path)), "--samples", "12", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "power of 2" in err and not (tmp_path / "r").exists()


def test_missing_salib_is_one_line_with_the_install_command(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "SALib", None)
    assert main(["sensitivity", str(write_small(tmp_path)), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'SALib>=1.5'" in err


def test_base_samples_of_one_value_are_not_estimable_and_no_library_warning_escapes(tmp_path):
    """When every base sample (the A and B rows of the Saltelli design) gives one value, SALib warned
    on stderr and returned 0 for every index ("no parameter matters", though the AB rows vary): the
    indices are NaN instead and `sim sensitivity` says why. A bootstrap resample of one value (few
    samples) is SALib's warning too: silenced, the estimate stands."""
    import warnings

    import numpy as np

    from sim.analysis.sensitivity import estimable, sobol_indices
    from sim.results.tables import write_table

    d, n = 3, 8
    block = d + 2
    flat = np.zeros(n * block)
    flat[1::block] = 0.5                  # only the rows where parameter 1 moves differ
    assert not estimable(flat, d)
    varied = flat.copy()
    varied[0] = 0.25                      # one base sample differs: estimable
    assert estimable(varied, d)
    (tmp_path / "design.json").write_text(json.dumps({"parameters": ["a", "b", "c"], "seed": 1,
                                                      "replicates_per_row": 8}))
    write_table(tmp_path / "samples.csv", {"p_held": flat, "p_held_and_escalated": varied})
    with warnings.catch_warnings():
        warnings.simplefilter("error")    # any warning fails the test
        t = sobol_indices(tmp_path, resamples=50)
    held = t["outcome"] == "p_held"
    assert np.isnan(t["ST"][held].astype(float)).all() and np.isnan(t["S1"][held].astype(float)).all()
    assert np.isfinite(t["ST"][~held].astype(float)).all()


def test_the_command_says_when_an_outcome_is_not_estimable(tmp_path, capsys):
    """China always walks out of the channel: it never holds, in any row. Both outcomes say so in a
    line of their own instead of a table of zeros, and no library warning reaches the terminal."""
    s = write_small(tmp_path)
    assert main(["sensitivity", str(s), "--samples", "4", "--replicates", "2", "--out", str(tmp_path / "o"),
                 "--set", "actors.China.strategies.safety=always_defect"]) == 0
    captured = capsys.readouterr()
    for name in ("P(channel held)", "P(held and escalated)"):
        assert f"not estimable: {name} took one value in every base sample" in captured.out, captured.out
    assert "Warning" not in captured.err, captured.err
