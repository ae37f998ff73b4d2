"""Regenerate docs/brief.png: the brief of the README's central comparison (compartmentalised vs
linked, 4000 runs each, seed 2026), as chromium renders brief.html at the width of an A4 page.

    python docs/make_brief_screenshot.py      # runs both scenarios into a temporary folder
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


def shoot() -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("compartmentalised", "linked"):
            assert main(["run", str(ROOT / "scenarios" / f"{name}.yaml"), "--runs", "4000", "--quiet",
                         "--out", tmp]) == 0
        (comp,), (linked,) = ((Path(tmp) / n).iterdir() for n in ("compartmentalised", "linked"))
        assert main(["compare", str(comp), str(linked), "--out", tmp]) == 0
        (folder,) = (Path(tmp) / "compare").iterdir()
        assert main(["brief", str(folder), "--no-slides"]) == 0
        out = ROOT / "docs" / "brief.png"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            page = browser.new_page(viewport={"width": 860, "height": 1100})
            page.goto((folder / "brief.html").as_uri())
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    return out


if __name__ == "__main__":
    print(shoot())
