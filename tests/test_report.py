"""report.html: self-contained (no network), every figure embedded, the promised sections."""

from __future__ import annotations

import json
import re

from analyst_helpers import write_small
from sim.analysis.report import theory
from sim.cli import main

URL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def check_self_contained(folder):
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert not URL.search(text), "the report refers to the network"
    assert "http://" not in text and "https://" not in text
    pngs = sorted(p.stem for p in (folder / "figures").glob("*.png"))
    assert pngs
    embedded = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,', text)
    assert sorted(embedded) == pngs
    return text


def test_run_folder_report(tmp_path, capsys):
    path = write_small(tmp_path)
    assert main(["run", str(path), "--out", str(tmp_path / "res"), "--quiet", "--figures"]) == 0
    capsys.readouterr()
    (folder,) = (tmp_path / "res" / "small").iterdir()
    text = check_self_contained(folder)
    assert "<title>Small analyst test scenario</title>" in text
    assert "Does the small channel hold?" in text
    for section in ("Assumptions", "Headline numbers", "Figures", "Manifest"):
        assert f"<h2>{section}</h2>" in text
    assert "patience (discount factor)" in text and "uniform(0.5, 0.9)" in text  # labelled in words
    summary = json.loads((folder / "summary.json").read_text())
    assert f"{summary['p_held']['k']}/{summary['p_held']['n']}" in text
    assert "Wilson 95% interval" in text
    # the report is part of the folder's checksums
    assert "report.html" in json.loads((folder / "manifest.json").read_text())["files"]


def test_sweep_and_compare_reports(tmp_path, capsys):
    path = write_small(tmp_path)
    res = tmp_path / "res"
    assert main(["sweep", str(path), "--vary", "actors.China.noise=0,0.2", "--runs", "40", "--out", str(res),
                 "--quiet"]) == 0
    capsys.readouterr()
    (sweep,) = (res / "small").iterdir()
    text = check_self_contained(sweep)
    assert "sweep over China noise (mistaken moves)" in text and "common random numbers" in text
    assert main(["compare", str(sweep / "point-001"), str(sweep / "point-002"), "--out", str(res)]) == 0
    (comp,) = (res / "compare").iterdir()
    text = check_self_contained(comp)
    assert "Differences: each minus" in text and "Newcombe" in text and "diff.p_held" not in text  # human labels


def test_theory_panel_is_rendered_generically(tmp_path):
    assert theory(tmp_path) == ""
    (tmp_path / "theory.json").write_text(json.dumps({
        "method": "closed form", "threshold": 0.5,
        "tracks": [{"track": "safety", "class": "prisoners_dilemma"}, {"track": "chips", "class": "chicken"}]}))
    html = theory(tmp_path)
    assert "<h2>Theory</h2>" in html and "closed form" in html and "<h3>tracks</h3>" in html
    assert "prisoners_dilemma" in html and "chicken" in html


def test_every_number_of_every_shipped_scenario_is_in_words():
    """The assumptions tables name every parameter of the shipped scenarios in a table of its own
    kind (none left to 'Other parameters') and no parameter is labelled by its raw path."""
    from pathlib import Path

    from sim.analysis.labels import param_label
    from sim.analysis.report import assumption_tables, value_text
    from sim.scenario.load import load_scenario

    for path in sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml")):
        s = load_scenario(path)
        html = assumption_tables(s)
        assert "Other parameters" not in html, path.name
        raw = [p for p in s.params if param_label(p, s) == p]
        assert not raw, (path.name, raw)
        for p, value in s.params.items():
            assert value_text(value) in html, (path.name, p)
