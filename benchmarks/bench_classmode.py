"""Benchmark: a class of 30 simulated students (HTTP clients, no browsers) plays a full game of
lesson 1 against `sim class`; the time per round as a ratio to the bare game step.

    python benchmarks/bench_classmode.py [--students 30] [--poll 0.1] [--mode students|computer]
    python benchmarks/bench_classmode.py --browsers      # the students are 30 real pages in chromium

`sim class tit_for_tat` runs as its own process (as in a classroom). Each student is a thread
that joins with the room code, then asks for news every ``--poll`` seconds (a real page asks every
second, every quarter second after moving: 0.1 is four to ten times busier) and moves as soon as a round is
open; a teacher thread asks for the teacher's view twice a second (as the page). Printed:

- the bare game step: one step of lesson 1's model (NegotiationModel, one run), and one round of
  the same room played in this process with no web server (30 moves and the round's close; the
  last round also summarises every student as their closest classic strategy, averaged in);
- per round over HTTP: wall time (from the round opening to the next one opening: every student
  saw the round, moved, and the round closed), and the server process's CPU time (user + system);
  each as a ratio to the bare model step;
- the requests made by this script and their latency (with ``--browsers``, the teacher thread's only);
- that no student was replaced by the computer (every page kept up).

With ``--browsers`` each student is a page of the real student site in its own context of
Debian's chromium (Playwright), with a few lines added to the page that press a move button
whenever one shows (the page itself asks for news at its own pace): the browsers run on the same
two cores as the server, which a classroom's phones would not.

The machine is shared (2 cores): the ratios are what count, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cpu_of(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def bare_steps(students: int) -> tuple[float, float]:
    """Seconds of one model step of lesson 1 (one run), and of one in-process room round."""
    from sim import NegotiationModel
    from sim.classroom.classmode import Room, lesson_game
    from sim.classroom.lessons import load_lesson

    scenario = load_lesson("tit_for_tat")
    best = float("inf")
    for _ in range(5):
        model = NegotiationModel(scenario, runs=[0])
        start = time.perf_counter()
        model.run()
        best = min(best, (time.perf_counter() - start) / scenario.horizon)
    game, rounds, _ = lesson_game(scenario)
    room_best = float("inf")
    for _ in range(3):
        room = Room(game, rounds, seed=0, code="ABCDE")
        tokens = [room.join("ABCDE", f"s{i}").token for i in range(students)]
        room.start("students")
        start = time.perf_counter()
        for t in range(rounds):
            for i, tok in enumerate(tokens):
                room.move(tok, t, "C" if (i + t) % 3 else "D")
        room_best = min(room_best, (time.perf_counter() - start) / rounds)
    return best, room_best


class Client:
    def __init__(self, base: str):
        self.base = base
        self.latencies: list[float] = []
        self.lock = threading.Lock()

    def call(self, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, headers={"Content-Type": "application/json"})
        start = time.perf_counter()
        with urllib.request.urlopen(req, timeout=30) as reply:
            out = json.loads(reply.read())
        with self.lock:
            self.latencies.append(time.perf_counter() - start)
        return out


def student(client: Client, code: str, i: int, poll: float, done: threading.Event, seen: dict) -> None:
    token = client.call("/api/join", {"room": code, "name": f"student {i}"})["token"]
    rng = random.Random(i)  # a student's own choices, not global random state
    while not done.is_set():
        view = client.call(f"/api/state?token={token}")
        if view.get("in_game") and view["phase"] == "playing" and not view["moved"]:
            with client.lock:
                seen.setdefault(view["round"], time.perf_counter())
            client.call("/api/move", {"token": token, "round": view["round"], "move": "C" if rng.random() < 0.7 else "D"})
            continue
        if view.get("in_game") and view["phase"] == "over":
            return
        time.sleep(poll)


#: added to each student page with --browsers: press a move button whenever one shows (C 70% of the time)
BOT = """
setInterval(() => {
  const box = document.getElementById("moves");
  if (box && !box.hidden) document.getElementById(Math.random() < 0.7 ? "move-C" : "move-D").click();
}, 150);
"""


def browsers(join: str, n: int, stop: threading.Event, ready: threading.Event, errors: list) -> None:
    """n student pages in chromium, joined; kept open (and playing) until ``stop``."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            pages = []
            for i in range(n):
                page = browser.new_context(viewport={"width": 390, "height": 740}).new_page()
                page.add_init_script(BOT)
                page.goto(join)
                page.fill("#name", f"student {i}")
                page.click("#join-button")
                pages.append(page)
            for page in pages:
                page.wait_for_selector("#room[data-phase]")
            ready.set()
            while not stop.is_set():
                pages[0].wait_for_timeout(200)  # keeps Playwright's event loop turning
            browser.close()
    except Exception as exc:  # reported by the main thread
        errors.append(exc)
        ready.set()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--poll", type=float, default=0.1, help="seconds between a student's requests for news")
    ap.add_argument("--mode", choices=("students", "computer"), default="students")
    ap.add_argument("--browsers", action="store_true", help="students are chromium pages (the real student site)")
    args = ap.parse_args()

    step, room_round = bare_steps(args.students)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "class", "tit_for_tat", "--host", "127.0.0.1",
                             "--port", "0", "--timeout", "120"], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        proc.stdout.readline()
        join = proc.stdout.readline().split()[2]
        teacher = proc.stdout.readline().split()[-1]
        base = join.split("/?")[0]
        code = join.rsplit("=", 1)[1]
        key = teacher.rsplit("=", 1)[1]
        client = Client(base)
        done, seen = threading.Event(), {}
        if args.browsers:
            ready, errors = threading.Event(), []
            threads = [threading.Thread(target=browsers, args=(join, args.students, done, ready, errors), daemon=True)]
            threads[0].start()
            ready.wait()
            if errors:
                raise errors[0]
        else:
            threads = [threading.Thread(target=student, args=(client, code, i, args.poll, done, seen), daemon=True)
                       for i in range(args.students)]
            for t in threads:
                t.start()
        while len(client.call(f"/api/teacher?key={key}")["students"]) < args.students:
            time.sleep(0.05)

        def teacher_view():
            while not done.is_set():
                client.call(f"/api/teacher?key={key}")
                time.sleep(0.5)

        threading.Thread(target=teacher_view, daemon=True).start()
        client.latencies.clear()
        cpu0 = cpu_of(proc.pid)
        start = time.perf_counter()
        client.call("/api/start", {"key": key, "mode": args.mode, "strategy": "tit_for_tat"})
        while client.call(f"/api/teacher?key={key}")["phase"] != "over":
            time.sleep(0.02)
        wall = time.perf_counter() - start
        cpu1 = cpu_of(proc.pid)
        done.set()
        for t in threads:
            t.join(timeout=30)
        view = client.call(f"/api/teacher?key={key}")
        rounds = view["rounds"]
        assert len(view["cooperation"]) == rounds and all(r["replaced"] == 0 for r in view["board"])
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    per_round = wall / rounds
    who = "chromium pages asking at the page's pace" if args.browsers else f"HTTP clients asking every {args.poll:g} s"
    print(f"class of {args.students} students ({args.mode}), lesson 1, {rounds} rounds, {who}, on {os.cpu_count()} cores")
    print(f"bare model step (lesson 1, one run):        {step * 1e3:8.3f} ms")
    print(f"room round in process (no web server):      {room_round * 1e3:8.3f} ms  = {room_round / step:8.1f}x the model step")
    print(f"round over HTTP, wall:                      {per_round * 1e3:8.1f} ms  = {per_round / step:8.1f}x the model step")
    if cpu0 is not None and cpu1 is not None:
        cpu = (cpu1 - cpu0) / rounds
        print(f"round over HTTP, server CPU:                {cpu * 1e3:8.1f} ms  = {cpu / step:8.1f}x the model step "
              f"({100 * cpu / per_round:.0f}% of one core)")
    lat = sorted(client.latencies) or [0.0]
    by = "the teacher thread's" if args.browsers else "the clients'"
    print(f"{by} requests: {len(lat)} in {wall:.2f} s ({len(lat) / wall:.0f}/s), latency mean {1e3 * sum(lat) / len(lat):.1f} ms, "
          f"95th percentile {1e3 * lat[int(0.95 * (len(lat) - 1))]:.1f} ms")


if __name__ == "__main__":
    main()
