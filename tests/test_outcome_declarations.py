"""An outcome is one declaration (``sim.results.outcomes``): declaring one is enough for it to be
computed into the run table and to appear in the summary, the headline, the report, comparisons,
sweeps and labels; and docs/analysis.md lists every declared column."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.results import outcomes as out

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture
def suspended_at_end(monkeypatch):
    """A new headline outcome, declared the way docs/architecture.md shows (and undeclared after)."""
    monkeypatch.setattr(out, "OUTCOMES", list(out.OUTCOMES))
    return out.declare("suspended_at_end", "suspended at the end", "binary",
                       "1 if the channel was not open at the last step",
                       compute=lambda run: ~run.channel("open"), statistic="proportion", headline=11)


def test_one_declaration_reaches_every_output(suspended_at_end, tmp_path):
    import sim
    from sim.analysis.compare import compare_table, read_folder
    from sim.analysis.headline import headline
    from sim.analysis.labels import outcome_label
    from sim.analysis.report import headline as report_headline
    from sim.analysis.stats import summary_columns
    from sim.analysis.sweep import outcome_names, sweep_table
    from sim.commands.compare import format_table
    from sim.results.tables import read_table, write_table

    scenario = sim.load_scenario(BASELINE, set={"horizon": 36})
    ens = sim.simulate(scenario, runs=60, seed=3, twins=())
    # the run table: computed from the finished run, and it is the complement of open_at_end
    col = ens.table["suspended_at_end"]
    assert col.dtype == np.int64 and np.array_equal(col, 1 - ens.table["open_at_end"])
    # the summary and the headline
    s = ens.summary["p_suspended_at_end"]
    assert (s["k"], s["n"]) == (60 - ens.summary["p_open_at_end"]["k"], 60) and s["lo"] <= s["p"] <= s["hi"]
    assert f"P(suspended at the end)" in ens.headline()
    line = next(x for x in headline(ens.summary).splitlines() if "suspended at the end" in x)
    assert f"({s['k']}/60)" in line
    assert "P(suspended at the end)" in report_headline(ens.summary)
    assert "suspended_at_end" in summary_columns(list(ens.table))
    assert outcome_label("suspended_at_end") == "suspended at the end"
    # saved folders, compared
    a = ens.save(tmp_path / "a")
    b = sim.simulate(scenario, runs=60, seed=4, twins=()).save(tmp_path / "b")
    assert "suspended_at_end" in read_table(a / "runs.csv")
    table = compare_table([read_folder(a), read_folder(b)])
    assert table["p_suspended_at_end"][0] == s["p"] and np.isfinite(table["diff.p_suspended_at_end"][1])
    write_table(tmp_path / "compare.csv", table)
    assert "P(suspended at the end)" in format_table(tmp_path)
    # a sweep's table reads it from each point's summary
    assert "p_suspended_at_end" in outcome_names()
    sweep = tmp_path / "sweep"
    for name, folder in (("p0", a), ("p1", b)):
        shutil.copytree(folder, sweep / name)
    (sweep / "sweep.json").write_text(json.dumps({"axes": [{"path": "seed"}], "points": [
        {"name": "p0", "values": {"seed": 3}}, {"name": "p1", "values": {"seed": 4}}]}))
    assert sweep_table(sweep)["p_suspended_at_end"][0] == s["p"]


def test_undeclared_outcomes_are_absent_and_declaring_twice_is_refused(suspended_at_end):
    with pytest.raises(ValueError, match="declared twice"):
        out.declare("held", "held", "binary", "again")


def test_every_declared_column_is_in_the_docs():
    """docs/analysis.md's list of the runs.csv columns names every declared outcome (and its twin columns)."""
    doc = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if line.startswith("| `runs.csv`"))
    listed = set(re.findall(r"`([a-z_]+)(?:_<twin>)?`", row))
    for o in out.OUTCOMES:
        if not o.twin_only:
            assert o.column in listed, f"docs/analysis.md does not list the column {o.column}"
        if o.twin:
            assert f"`{o.column}_<twin>`" in row, f"docs/analysis.md does not list {o.column}_<twin>"


def test_every_declared_statistic_is_in_the_summary_and_the_docs():
    """Each declared statistic's key is in summary.json's description in docs/analysis.md."""
    doc = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if line.startswith("| `summary.json`"))
    for o in out.summarised():
        assert f"`{o.summary_key}`" in row, f"docs/analysis.md does not list {o.summary_key}"
