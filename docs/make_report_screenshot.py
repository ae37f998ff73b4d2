"""Regenerate docs/report.png: the top of the baseline's report.html at 1280 px, in Debian's chromium.

    python docs/make_report_screenshot.py      # runs the baseline (4000 runs) into a temporary folder
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


def shoot() -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        assert main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "--runs", "4000", "--quiet",
                     "--figures", "--out", tmp]) == 0
        (folder,) = (Path(tmp) / "baseline").iterdir()
        out = ROOT / "docs" / "report.png"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.goto((folder / "report.html").as_uri())
            page.screenshot(path=str(out), clip={"x": 0, "y": 0, "width": 1280, "height": 1500})
            browser.close()
    return out


if __name__ == "__main__":
    print(shoot())
