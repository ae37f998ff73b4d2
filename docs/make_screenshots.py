"""Regenerate the screenshots of the live classroom page in docs/classroom/ (one per lesson).

    python docs/make_screenshots.py                 # every lesson, 1280x720 (a projector)
    python docs/make_screenshots.py noise chicken   # some lessons
    python docs/make_screenshots.py --out /tmp/shots --steps 12

Starts `sim viz` for each lesson on a free local port, drives Debian's chromium through
Playwright (the `test` extra and /usr/bin/chromium, see .ci/install-browser), presses Step a few
times and saves the first screen of the Lesson tab, then of the other two tabs for the first lesson.
The linkage lesson's picture is also copied to docs/viz.png (the README's picture).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(lesson: str, log_path: Path):
    """`sim viz LESSON` on a free port; yields its URL once it answers."""
    port = free_port()
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    with open(log_path, "w+") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", lesson, "--port", str(port)], cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, env=env)
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
                        raise RuntimeError(f"sim viz {lesson} did not start:\n{log.read()}") from None
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def lesson_names() -> list[str]:
    return [p.stem.split("_", 1)[1] for p in sorted((ROOT / "scenarios" / "lessons").glob("*.yaml"))]


def shoot(browser, url: str, out: Path, steps: int, tabs: bool) -> list[Path]:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    step = page.get_by_role("button", name="Step")
    step.wait_for(timeout=90_000)
    counter = page.locator(".sim-step")
    for i in range(1, steps + 1):
        if step.is_disabled():   # a game with a continuation probability may end first
            break
        step.click()
        counter.filter(has_text=f"Rounds played: {i}").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(out))
    shots = [out]
    if tabs:
        page.get_by_role("tab", name="Play the computer").click()
        for move in "CCDCCDCCCC":
            page.locator(f".sim-play-{move.lower()}").click()
            page.wait_for_timeout(150)
        page.locator(".sim-play-reveal").wait_for(timeout=30_000)
        shots.append(out.with_name("play.png"))
        page.screenshot(path=str(shots[-1]))
        page.get_by_role("tab", name="Tournament").click()
        page.locator(".sim-run-tournament").click()
        page.locator(".sim-ranking").wait_for(timeout=60_000)
        page.locator(".sim-shares", has_text="t = 60:").wait_for(timeout=60_000)   # the end of the animation
        page.wait_for_timeout(1500)
        shots.append(out.with_name("tournament.png"))
        page.screenshot(path=str(shots[-1]))
    page.close()
    return shots


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lessons", nargs="*", help="lesson names (default: all)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "classroom")
    ap.add_argument("--steps", type=int, default=10, help="rounds to play before the screenshot")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    names = args.lessons or lesson_names()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for n, name in enumerate(names):
                with serve(name, args.out / f".{name}.log") as url:
                    for shot in shoot(browser, url, args.out / f"{name}.png", args.steps, tabs=n == 0):
                        print(f"{shot} ({shot.stat().st_size // 1024} KB)")
                (args.out / f".{name}.log").unlink()
                if name == "linkage" and args.out == ROOT / "docs" / "classroom":
                    shutil.copyfile(args.out / "linkage.png", ROOT / "docs" / "viz.png")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
