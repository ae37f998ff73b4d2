"""Regenerate docs/classroom/teacher_view.png: class mode's teacher view after a game of lesson 1.

    python docs/make_class_screenshot.py               # docs/classroom/teacher_view.png, 1280x720
    python docs/make_class_screenshot.py --out /tmp/t.png

Serves a class-mode room on a free local port (as `sim class` does), lets twelve simulated
students play lesson 1 in pairs (one of them leaves after four rounds and the computer plays for
them), runs the class tournament, and photographs the teacher's page in Debian's chromium through
Playwright (the `test` extra and /usr/bin/chromium, see .ci/install-browser).
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.classroom.classmode import Room, lesson_game  # noqa: E402
from sim.classroom.classweb import ClassServer  # noqa: E402
from sim.classroom.lessons import load_lesson  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
#: (name, moves): the twelve students' plans; Kai leaves after four rounds
CLASS = [("Ana", "CCCCCCCCCC"), ("Ben", "DDDDDDDDDD"), ("Chloe", "CDCCDCCCCC"), ("Dev", "CCCCCCCDDD"),
         ("Eli", "DCCCCCCCCC"), ("Fay", "CCDDDDDDDD"), ("Gus", "CCCCCCCCCD"), ("Hana", "DDCCCCCCCC"),
         ("Ivo", "CDCDCDCDCD"), ("Jo", "CCCCDDCCCC"), ("Kai", "CCDC"), ("Lea", "CCCCCCCCCC")]


def play_class(room: Room) -> None:
    students = [(room.join(room.code, name), plan) for name, plan in CLASS]
    room.start("students")
    for t in range(room.length):
        for student, plan in students:
            if t < len(plan):
                room.move(student.token, t, plan[t])
        if room.phase == "playing" and room.round == t:
            room.close_round()  # the one who left: the computer moves for them
    gone = next(s for s, plan in students if len(plan) < room.length)
    gone.seen = -1e9  # shown as away
    room.tournament()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "classroom" / "teacher_view.png")
    args = p.parse_args(argv)
    game, rounds, _ = lesson_game(load_lesson("tit_for_tat"))
    lesson = load_lesson("tit_for_tat")
    room = Room(game, rounds, seed=0, code="K7QX2", timeout=3600, drop_after=3600, title=lesson.lesson.title,
                lesson=lesson.name)
    play_class(room)
    server = ClassServer(("127.0.0.1", 0), room, join_url="", teacher_key="screenshot")
    port = server.server_address[1]
    server.announce(f"http://192.168.1.20:8766/?room={room.code}")  # as `sim class` prints it in a classroom
    threading.Thread(target=server.serve_forever, daemon=True).start()
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"http://127.0.0.1:{port}/teacher?key=screenshot")
            page.wait_for_selector("#ranking tbody tr")
            page.wait_for_selector("#qr svg")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
