"""`sim viz` in a real browser: Debian's chromium driven headless through Playwright.

Needs the `viz` extra and /usr/bin/chromium (.ci/install-browser). It fails, never skips, when
they are missing: CI installs both. Saves a screenshot of the page in the test's temporary folder,
or over docs/viz.png (the README's picture) when SIM_UPDATE_SCREENSHOT=1.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
DOCS_SHOT = ROOT / "docs" / "viz.png"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    log = open(tmp_path / "viz.log", "w+")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", "linkage", "--port", str(port)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://localhost:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"sim viz did not start (exit {proc.poll()}):\n{log.read()}")
                time.sleep(0.5)
        log.seek(0)
        assert f"at {url}" in log.read()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def plot_images(page) -> list[str]:
    return page.locator("img[src^='blob:'], img[src^='data:image']").evaluate_all("els => els.map(e => e.src)")


def test_viz_page_steps_rebuilds_and_renders(server, tmp_path):
    shot = DOCS_SHOT if os.environ.get("SIM_UPDATE_SCREENSHOT") == "1" else tmp_path / "viz.png"
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-browser")
    from playwright.sync_api import expect, sync_playwright

    errors, outside, failed = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))

            def local_only(route):
                url = route.request.url
                if re.match(r"^(https?|wss?)://(localhost|127\.0\.0\.1)[:/]", url) or not url.startswith(("http", "ws")):
                    return route.continue_()
                outside.append(url)
                return route.abort()

            page.route("**/*", local_only)
            page.goto(server)
            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=90_000)
            counter = page.locator(".sim-step")
            expect(counter).to_contain_text("Step 0 of 24", timeout=30_000)
            page.wait_for_timeout(1000)
            before = plot_images(page)
            assert len(before) >= 3
            for i in range(1, 6):
                step.click()
                expect(counter).to_contain_text(f"Step {i} of", timeout=30_000)
            page.wait_for_timeout(1500)
            after = plot_images(page)
            assert len(after) == len(before) and all(a != b for a, b in zip(before, after)), "plots did not change"
            settings = page.locator(".sim-settings")
            expect(settings).to_contain_text("US: trust 0.50, noise 0.01")
            thumb = page.locator(".v-input", has_text="US noise").locator(".v-slider__thumb-container")
            thumb.focus()
            for _ in range(9):
                page.keyboard.press("ArrowRight")
            page.get_by_role("button", name="Reset").click()
            expect(settings).to_contain_text("US: trust 0.50, noise 0.10", timeout=30_000)
            expect(settings).to_contain_text("China: trust 0.50, noise 0.01")
            expect(counter).to_contain_text("Step 0 of", timeout=30_000)
            for i in range(1, 6):
                step.click()
                expect(counter).to_contain_text(f"Step {i} of", timeout=30_000)
            page.get_by_role("button", name=re.compile("Run 100 runs")).click()
            expect(page.locator(".sim-ensemble-result")).to_contain_text("of 100 runs", timeout=60_000)
            counter.scroll_into_view_if_needed()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert not errors, errors
    assert not outside, f"the page reached outside localhost: {outside}"
    assert not failed, failed
    assert shot.stat().st_size > 10_000
