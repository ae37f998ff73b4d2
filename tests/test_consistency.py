"""Results that cannot contradict themselves: rung names, units, swept parameters, joint caveats."""

from __future__ import annotations

from pathlib import Path

from analyst_helpers import write_small

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_a_channel_rung_named_like_an_outcome_is_a_warning(tmp_path, capsys):
    path = write_small(tmp_path).read_text().replace("rungs: [talking, stalled, over]",
                                                     "rungs: [talking, stalled, collapsed]")
    bad = tmp_path / "bad.yaml"
    bad.write_text(path)
    assert main(["validate", str(bad)]) == 0       # advice, not an error: the scenario runs
    out, err = capsys.readouterr()
    assert out.startswith("ok:")
    line = next(x for x in err.splitlines() if x.startswith("warning:"))
    lineno = next(i for i, x in enumerate(path.splitlines(), start=1) if "collapsed]" in x)
    assert f"{bad}:{lineno}: tracks.safety.ladder.rungs.2:" in line and "'collapsed'" in line
    assert len(err.splitlines()) == 1
    # the rivalry's ladders may use any words; the shipped scenarios give no warning
    assert main(["validate", str(write_small(tmp_path, name="ok.yaml"))]) == 0
    shipped = sorted((ROOT / "scenarios").rglob("*.yaml"))
    assert main(["validate", *map(str, shipped)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_sweep_report_lists_swept_parameters_as_swept(tmp_path):
    scenario = write_small(tmp_path)
    res = tmp_path / "res"
    assert main(["sweep", str(scenario), "--vary", "actors.US.trust=0.2,0.8", "--runs", "20", "--out", str(res),
                 "--quiet", "--workers", "1"]) == 0
    (sweep,) = (res / "small").glob("sweep-*")
    html = (sweep / "report.html").read_text()
    assert "swept: 0.2, 0.8" in html and "uniform(0.3, 0.7)" not in html   # US trust's base distribution
    assert "uniform(0.5, 0.9)" in html                                      # China's discount: not swept


def test_conditional_chances_and_joint_caveat(tmp_path):
    extra = """  - {name: Walk-out, when: {fired: Incident}, probability: 0.4,
     effects: [{target: actors.*.trust, add: -0.1}]}
"""
    scenario = write_small(tmp_path, extra)
    res = tmp_path / "res"
    assert main(["run", str(scenario), "--runs", "60", "--out", str(res), "--quiet"]) == 0
    (folder,) = (res / "small").iterdir()
    html = (folder / "report.html").read_text()
    assert "chance in each month its conditions hold 0.4" in html and "chance per month 0.1" in html
    import json

    s = json.loads((folder / "summary.json").read_text())
    caveat = "P(held and escalated) moves with P(held)" in html
    assert caveat == (s["p_escalated"]["p"] >= 0.8)


def test_sweep_brief_names_the_swept_parameter_and_the_joint_caveat(tmp_path):
    import json

    scenario = write_small(tmp_path)
    res = tmp_path / "res"
    assert main(["sweep", str(scenario), "--vary", "actors.US.trust=0.2,0.8", "--runs", "20", "--out", str(res),
                 "--quiet", "--workers", "1"]) == 0
    (sweep,) = (res / "small").glob("sweep-*")
    assert main(["brief", str(sweep), "--no-slides"]) == 0
    md = (sweep / "brief.md").read_text()
    assert "US initial trust" in md and "the same random numbers at every point" in md
    esc = [json.loads((sweep / p / "summary.json").read_text())["p_escalated"]["p"] for p in ("point-001", "point-002")]
    assert ("P(held and escalated) moves with P(held) along the sweep" in md) == (min(esc) >= 0.8)
    for p in ("point-001", "point-002"):
        held = json.loads((sweep / p / "summary.json").read_text())["p_held"]
        assert f"| {held['p']:+.3f} [{held['lo']:+.3f}, {held['hi']:+.3f}]" not in md   # estimates, not signed
