"""Every kind of report in a real browser at 1280 px: tables fit their boxes, figures fit, no text clipped.

Builds a run, sweep, compare and sensitivity folder; while their figures are saved, checks that
no text of any figure falls outside the figure (a clipped label). Then opens each report.html in
Debian's chromium (the suite's shared browser, tests/conftest.py), screenshots it into the test's
temporary folder, and checks that the page never scrolls sideways, that every table either fits
its box or scrolls inside it, and that every figure fits the text column.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from analyst_helpers import write_small
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.cli import main

SCHEDULED = """  - {name: Summit in month four, at: 4, effects: [{target: actors.*.trust, add: 0.1}]}
  - {name: Export rule, at: [7, 9], effects: [{target: tracks.chips.level, add: 1}]}
"""


def clipped_texts(fig: Figure) -> list[str]:
    """Texts of ``fig`` drawn (partly) outside the figure's canvas (only texts actually drawn count)."""
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    drawn = []
    draw_text = renderer.draw_text

    def record(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if mtext is not None:
            drawn.append(mtext)
        return draw_text(gc, x, y, s, prop, angle, ismath, mtext)

    renderer.draw_text = record
    canvas.draw()
    assert canvas.get_renderer() is renderer
    width, height = fig.bbox.width, fig.bbox.height
    bad = []
    for t in drawn:
        if not t.get_text().strip():
            continue
        box = t.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            bad.append(t.get_text())
    return bad


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reports")
    checked: list[str] = []
    clipped: list[tuple[str, list[str]]] = []
    original = Figure.savefig

    def savefig(self, fname, *args, **kwargs):
        if str(fname).endswith(".png"):
            checked.append(Path(fname).name)
            bad = clipped_texts(self)
            if bad:
                clipped.append((str(fname), bad))
        return original(self, fname, *args, **kwargs)

    scenario = write_small(tmp, SCHEDULED)
    res = tmp / "res"
    mp = pytest.MonkeyPatch()
    mp.setattr(Figure, "savefig", savefig)
    try:
        assert main(["run", str(scenario), "--runs", "80", "--out", str(res), "--quiet", "--figures"]) == 0
        assert main(["run", str(scenario), "--runs", "80", "--out", str(res), "--quiet",
                     "--set", "actors.US.strategies.safety.linkage=0.9", "--set", "name=linked"]) == 0
        assert main(["sweep", str(scenario), "--vary", "actors.China.noise=0,0.2", "--vary",
                     "events.0.probability=0.05,0.2", "--runs", "30", "--out", str(res), "--quiet",
                     "--workers", "1"]) == 0
        runs = sorted(p for p in (res / "small").iterdir() if not p.name.startswith("sweep"))
        (linked,) = (res / "linked").iterdir()
        assert main(["compare", str(runs[0]), str(linked), "--label", "Small, as written",
                     "--label", "Small, with strong US linkage", "--out", str(res)]) == 0
        assert main(["sensitivity", str(scenario), "--samples", "8", "--replicates", "4", "--out", str(res)]) == 0
    finally:
        mp.undo()
    assert not clipped, f"figure text outside the figure: {clipped}"
    assert {"survival.png", "levels.png", "outcomes.png", "compare_survival.png", "sensitivity.png"} <= set(checked)
    small = res / "small"
    return {"run": runs[0], "sweep": next(small.glob("sweep-*")), "compare": next((res / "compare").iterdir()),
            "sensitivity": next(small.glob("sensitivity-*"))}


LAYOUT = """() => {
  const out = {pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth, tables: [], images: []};
  const body = document.body.getBoundingClientRect();
  for (const t of document.querySelectorAll('table')) {
    const box = t.parentElement, r = box.getBoundingClientRect();
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
    out.tables.push({fits: t.scrollWidth <= box.clientWidth + 1, scrolls: scrolls,
                     boxInside: r.left >= body.left - 1 && r.right <= body.right + 1,
                     head: t.querySelector('th') ? t.querySelector('th').innerText : ''});
  }
  for (const img of document.querySelectorAll('img')) {
    const r = img.getBoundingClientRect(), p = img.parentElement.getBoundingClientRect();
    out.images.push({loaded: img.complete && img.naturalWidth > 0, fits: r.right <= p.right + 1 && r.left >= p.left - 1,
                     alt: img.alt});
  }
  return out;
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_reports_fit_at_1280px(folders, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        for kind, folder in folders.items():
            page.goto((folder / "report.html").as_uri())
            shot = tmp_path / f"report-{kind}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 50_000, kind
            layout = page.evaluate(LAYOUT)
            assert layout["pageWidth"] <= layout["viewport"], f"{kind}: the page scrolls sideways"
            assert layout["tables"], kind
            for t in layout["tables"]:
                assert t["boxInside"], f"{kind}: table '{t['head']}' sticks out of the text column"
                assert t["fits"] or t["scrolls"], f"{kind}: table '{t['head']}' overflows its box"
            assert layout["images"], kind
            for img in layout["images"]:
                assert img["loaded"] and img["fits"], f"{kind}: figure {img['alt']}"
    finally:
        page.close()


def test_reports_read_as_briefings(folders):
    """Human labels, every number of the scenario, the theory as rounded tables, both questions."""
    run = (folders["run"] / "report.html").read_text()
    for words in ("patience (discount factor)", "uniform(0.5, 0.9)", "Summit in month four", "at step 4",
                  "step 7, 9", "chance per month 0.1", "generous tit for tat", "The stage game of each track"):
        assert words in run, words
    assert "0.3333333" not in run and "&quot;value&quot;" not in run   # no raw JSON, no 16-digit floats
    sweep = (folders["sweep"] / "report.html").read_text()
    assert "China noise (mistaken moves)" in sweep and "Incident: chance per month" in sweep
    compare = (folders["compare"] / "report.html").read_text()
    assert "Small, with strong US linkage" in compare and compare.count("Does the small channel hold?") == 1
    sens = (folders["sensitivity"] / "report.html").read_text()
    assert "US initial trust" in sens
