"""`sim brief`: the answer first, on one A4 page, with the digits of summary.json and compare.csv.

Builds a small baseline run and the README's central comparison (compartmentalised vs linked) at
reduced size, writes their briefs, and checks: every sentence's numbers are the stored numbers
(re-read from summary.json, or recomputed from runs.csv); chromium prints brief.html to exactly
one A4 page; the folder still verifies; brief.pptx has two slides (or a one-line note without
python-pptx); the terminal and the report agree in sign on the rivalry's effect on incidents.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.results.tables import read_table

ROOT = Path(__file__).resolve().parents[1]
RUNS = "150"


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    import contextlib
    import io

    out = tmp_path_factory.mktemp("brief")
    printed = {}
    for name in ("baseline", "compartmentalised", "linked"):
        with contextlib.redirect_stdout(io.StringIO()) as terminal:
            assert main(["run", str(ROOT / "scenarios" / f"{name}.yaml"), "--runs", RUNS, "--out", str(out),
                         "--quiet", "--workers", "1"]) == 0
        printed[name] = terminal.getvalue()
    (run,) = (out / "baseline").iterdir()
    (comp,), (linked,) = ((out / n).iterdir() for n in ("compartmentalised", "linked"))
    assert main(["compare", str(comp), str(linked), "--out", str(out)]) == 0
    (compare,) = (out / "compare").iterdir()
    for folder in (run, compare):
        assert main(["brief", str(folder)]) == 0
    return {"run": run, "compare": compare, "comp": comp, "linked": linked, "terminal": printed["baseline"]}


def answer(folder: Path) -> str:
    text = (folder / "brief.md").read_text()
    return re.search(r"\*\*Answer\.\*\* (.*)", text).group(1)


def test_run_sentences_carry_the_summary_digits(folders):
    s = json.loads((folders["run"] / "summary.json").read_text())
    text = answer(folders["run"])
    held, riv = s["p_held"], s["rivalry_effect"]["held"]
    for x in (held["p"], held["lo"], held["hi"], s["p_escalated"]["p"], s["p_frozen"]["p"], s["p_lapsed"]["lo"]):
        assert f"{x:.3f}" in text, x
    for x in (riv["difference"], riv["lo"], riv["hi"]):
        assert f"{x:+.3f}" in text, x
    assert f"{s['runs']} simulated runs" in text
    html = (folders["run"] / "brief.html").read_text()
    assert f"{held['p']:.3f} (95% interval {held['lo']:.3f} to {held['hi']:.3f})" in html
    # the question is the scenario's, the reproduce line the manifest's
    q = " ".join(__import__("yaml").safe_load((folders["run"] / "scenario.yaml").read_text())["question"].split())
    assert q in html
    manifest = json.loads((folders["run"] / "manifest.json").read_text())
    assert manifest["files"]["summary.json"][:16] in html and "seed 2026" in html


def test_compare_sentences_recomputed_from_the_runs(folders):
    """The difference in P(held) quoted is linked minus compartmentalised, recomputed from runs.csv."""
    a = read_table(folders["comp"] / "runs.csv", columns=["held"])["held"].astype(bool)
    b = read_table(folders["linked"] / "runs.csv", columns=["held"])["held"].astype(bool)
    text = answer(folders["compare"])
    assert f"a difference of {b.mean() - a.mean():+.3f}" in text
    assert f"{b.mean():.3f}" in text and f"{a.mean():.3f}" in text
    assert "McNemar p" in text  # same seed, same runs: paired
    md = (folders["compare"] / "brief.md").read_text()
    assert "| P(channel held) |" in md and "| P(rivalry escalated) |" in md


def test_brief_keeps_the_folder_verified(folders, capsys):
    for folder in (folders["run"], folders["compare"]):
        assert main(["verify", str(folder)]) == 0
        manifest = json.loads((folder / "manifest.json").read_text())
        assert {"brief.html", "brief.md"} <= set(manifest["files"])


def test_slides_or_a_one_line_note(folders, tmp_path, monkeypatch, capsys):
    import pptx

    deck = pptx.Presentation(str(folders["run"] / "brief.pptx"))
    assert len(deck.slides) == 2
    texts = " ".join(sh.text_frame.text for sh in deck.slides[0].shapes if sh.has_text_frame)
    s = json.loads((folders["run"] / "summary.json").read_text())
    assert f"{s['p_held']['p']:.3f}" in texts
    assert any(sh.shape_type == 13 for sh in deck.slides[1].shapes)  # the chart, a picture
    import builtins

    real = builtins.__import__

    def no_pptx(name, *args, **kwargs):
        if name == "pptx" or name.startswith("pptx."):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pptx)
    (folders["run"] / "brief.pptx").unlink()
    capsys.readouterr()
    assert main(["brief", str(folders["run"])]) == 0
    out = capsys.readouterr().out
    assert "pip install 'sim-negotiation[slides]'" in out and not (folders["run"] / "brief.pptx").exists()
    monkeypatch.undo()
    assert main(["verify", str(folders["run"])]) == 1   # the manifest still lists the removed brief.pptx
    assert main(["brief", str(folders["run"])]) == 0 and main(["verify", str(folders["run"])]) == 0


def test_an_edited_manifest_gets_no_brief(folders, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(folders["run"], copy)
    for name in ("brief.html", "brief.md", "brief.pptx"):
        (copy / name).unlink(missing_ok=True)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["seed"] = 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert main(["brief", str(copy)]) == 2
    assert "edited" in capsys.readouterr().err and not (copy / "brief.html").exists()


def test_not_a_folder_is_one_line(tmp_path, capsys):
    assert main(["brief", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such results folder" in err
    (tmp_path / "empty").mkdir()
    assert main(["brief", str(tmp_path / "empty")]) == 2
    assert "no manifest.json" in capsys.readouterr().err and not list((tmp_path / "empty").iterdir())


def test_terminal_and_report_agree_in_sign(folders):
    """The rivalry's effect on incidents: run minus pacified twin in the terminal and in the report."""
    printed, folder = folders["terminal"], folders["run"]
    s = json.loads((folder / "summary.json").read_text())
    averted = s["rivalry_effect"]["incidents_averted"]["difference"]   # stored twin minus run
    line = next(x for x in printed.splitlines() if "rivalry's effect on incidents" in x)
    effect = float(line.split()[4])
    assert effect == pytest.approx(-averted, abs=5e-4) and effect != 0
    closed = next(x for x in printed.splitlines() if "channel's effect on incidents" in x)
    assert float(closed.split()[4]) < 0     # the channel averts incidents: a negative effect
    report = (folder / "report.html").read_text()
    row = re.search(r"the rivalry \(vs pacified twin\)</td><td>misuse incidents per run</td>"
                    r"<td class=\"num\">([-+0-9.]+)</td>", report)
    assert row and np.sign(float(row.group(1))) == np.sign(effect) != 0
    # no row true by construction: the channel_closed twin's P(held) is not reported
    assert "channel_closed')</td><td>P(held)" not in report


@pytest.mark.browser
def test_brief_prints_to_one_a4_page(folders, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for kind in ("run", "compare"):   # the report opens with the answer, on the first screen
        page.goto((folders[kind] / "report.html").as_uri())
        assert page.evaluate("document.getElementById('answer').getBoundingClientRect().bottom") < 900, kind
    for kind in ("run", "compare"):
        page.goto((folders[kind] / "brief.html").as_uri())
        pdf = page.pdf(format="A4", print_background=True)
        pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
        assert pages == 1, f"{kind}: brief.html prints to {pages} A4 pages"
        top = page.evaluate("document.getElementById('answer').getBoundingClientRect().bottom")
        assert top < 900, f"{kind}: the answer is below the first screen"
    page.close()


FIT = """() => {
  const out = {page: document.documentElement.scrollWidth, viewport: window.innerWidth, tables: []};
  for (const t of document.querySelectorAll('table')) {
    const box = t.parentElement;
    out.tables.push({head: t.innerText.slice(0, 40), fits: t.scrollWidth <= box.clientWidth + 1,
                     inside: t.getBoundingClientRect().right <= document.body.getBoundingClientRect().right + 1});
  }
  const diff = [...document.querySelectorAll('h3')].find(h => h.innerText.startsWith('Differences'));
  out.diffTableBottom = diff ? diff.nextElementSibling.getBoundingClientRect().bottom : null;
  out.answerBottom = document.getElementById('answer').getBoundingClientRect().bottom;
  return out;
}"""


@pytest.mark.browser
def test_compare_report_puts_the_differences_first(folders, browser):
    """At 1280 px and in print (A4 width), no table of the compare report is wider than its page;
    the answer and the table of differences are on the first screen; the p-values name McNemar."""
    html = (folders["compare"] / "report.html").read_text()
    assert "McNemar)" in html and "rivalry_effect.p_value" not in html and "two-proportion test" not in html
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((folders["compare"] / "report.html").as_uri())
    for media, width in (("screen", 1280), ("print", 718)):   # 718 px: A4 less 15 mm margins at 96 dpi
        page.emulate_media(media=media)
        page.set_viewport_size({"width": width, "height": 900 if media == "screen" else 1123})
        got = page.evaluate(FIT)
        assert got["page"] <= got["viewport"], f"{media}: the page scrolls sideways"
        for t in got["tables"]:
            assert t["fits"] and t["inside"], f"{media}: table '{t['head']}' is wider than the page"
        if media == "screen":
            assert got["answerBottom"] < 900 and got["diffTableBottom"] < 900, got
    page.close()


def test_a_forecast_folder_is_briefed_from_its_summary(tmp_path):
    """Any folder with a run's summary.json shape is briefed; a forecast's answer counts each
    accepted record run once (its branches share their past)."""
    src = Path(__file__).resolve().parents[1] / "scenarios"
    assert main(["forecast", str(src / "forecast_2026.yaml"), "--draws", "1500", "--accept", "8", "--branches", "3",
                 "--out", str(tmp_path), "--quiet", "--nearest", "--predictive", "0", "--workers", "1"]) == 0
    (folder,) = (tmp_path / "forecast_2026").iterdir()
    assert main(["brief", str(folder), "--no-slides"]) == 0
    s = json.loads((folder / "summary.json").read_text())
    c = s["forecast"]["clustered"]["p_held"]
    text = answer(folder)
    assert f"{c['mean']:.3f} (95% interval {c['lo']:.3f} to {c['hi']:.3f}" in text
    assert f"each of the {c['clusters']} accepted record runs once" in text
    for key in ("p_frozen", "p_lapsed"):   # the stops too, each accepted run counted once
        k = s["forecast"]["clustered"][key]
        assert f"{k['mean']:.3f} (95% interval {k['lo']:.3f} to {k['hi']:.3f})" in text, key
    md = (folder / "brief.md").read_text()
    assert "not a forecast" not in md and "conditional on the model's structure" in md
    report = (folder / "report.html").read_text()   # the report's banner says the same
    assert "Illustrative, not a forecast" not in report and "A forecast from a model" in report
    assert main(["verify", str(folder)]) == 0
