"""Regenerate docs/brief.png: the brief of the README's central comparison (compartmentalised vs
linked, 4000 runs each, seed 2026), as chromium renders brief.html at the width of an A4 page.

    python docs/make_brief_screenshot.py      # runs both scenarios into a temporary folder
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


def shoot() -> Path:
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the brief's reproduce lines show the commands as a reader would type them
        try:
            (Path(tmp) / "scenarios").symlink_to(ROOT / "scenarios")
            for name in ("compartmentalised", "linked"):
                assert main(["run", f"scenarios/{name}.yaml", "--runs", "4000", "--quiet"]) == 0
            assert main(["compare", "results/compartmentalised/latest", "results/linked/latest"]) == 0
            assert main(["brief", "results/compare/latest", "--no-slides"]) == 0
        finally:
            os.chdir(here)
        folder = (Path(tmp) / "results" / "compare" / "latest").resolve()
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
