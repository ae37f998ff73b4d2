"""Class mode (``sim class``): the room without a browser, its web server's guards, the command's
errors, and a whole class in Chromium (six students paired, a full lesson-1 game, one dropped
student replaced by the computer, the teacher's live view and CSV export)."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from sim.classroom.classmode import (CLASSIC, MENU, STAND_IN, Room, RoomError, clean_name, closest,
                                     computer_moves, lesson_game)
from sim.classroom.classweb import MAX_BODY, WRONG_CODES, ClassServer
from sim.classroom.lessons import load_lesson
from sim.classroom.play import Game, match
from sim.results.tables import unprotect
from sim.strategies import play_script

ROOT = Path(__file__).resolve().parents[1]
PD = Game(3.0, 0.0, 5.0, 1.0, ("cooperate", "defect"))


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def room(n_students=0, rounds=10, seed=0, **kw):
    clock = Clock()
    r = Room(PD, rounds, seed=seed, code="ABCDE", clock=clock, **kw)
    students = [r.join("ABCDE", f"s{i}") for i in range(n_students)]
    return r, clock, students


def cd(moves) -> str:
    return "".join("C" if m else "D" for m in moves)


# ------------------------------------------------------------------ the room, without a browser


def test_joining_needs_the_room_code_and_names_are_cleaned():
    r, _, _ = room()
    for code in ("ABCDF", "", None, 12345, "ABCDE "[:4]):
        with pytest.raises(RoomError) as e:
            r.join(code, "Ann")
        assert e.value.status == 403
    assert r.join(" abcde ", "Ann").name == "Ann"  # case and spaces forgiven
    assert clean_name("  A\x00nn\n  Lee ") == "A nn Lee"
    assert len(clean_name("x" * 500)) == 24
    for bad in ("", "   ", "\x00\x01", None, 3):
        with pytest.raises(RoomError):
            clean_name(bad)
    with pytest.raises(RoomError) as e:
        r.student_of("not-a-token")
    assert e.value.status == 403


def test_pairing_student_against_student_odd_one_against_the_computer():
    r, _, students = room(5, seed=3)
    pairs = r.start("students")
    seats = [s.student for p in pairs for s in (p.a, p.b)]
    assert sorted(x for x in seats if x is not None) == [1, 2, 3, 4, 5]  # everyone once
    assert seats.count(None) == 1                                         # the odd one meets the computer
    assert sum(p.a.student is not None and p.b.student is not None for p in pairs) == 2
    # the order of pairing is the seed's: the same in another room, and another seed gives another
    same, _, _ = room(5, seed=3)
    assert [(p.a.student, p.b.student) for p in same.start("students")] == [(p.a.student, p.b.student) for p in pairs]
    orders = set()
    for seed in range(6):
        other, _, _ = room(5, seed=seed)
        orders.add(tuple((p.a.student, p.b.student) for p in other.start("students")))
    assert len(orders) > 1
    with pytest.raises(RoomError):
        r.start("students")  # a game is under way
    with pytest.raises(RoomError):
        room(0)[0].start("students")  # nobody has joined
    with pytest.raises(RoomError):
        room(2)[0].start("everyone")


def test_each_student_has_its_own_seeded_computer_opponent():
    """(class seed, student id, game) fixes a student's computer opponent: not the other students,
    not the order of joining; another student or another seed gets other draws."""
    def opponents(n, seed=0, strategy="random"):
        r, _, _ = room(n, seed=seed)
        r.start("computer", strategy)
        return {p.a.student: (p.b.strategy, p.b.u.copy()) for p in r.pairs}

    five, three = opponents(5), opponents(3)
    for sid in (1, 2, 3):
        assert np.array_equal(five[sid][1], three[sid][1])
    assert not np.array_equal(five[1][1], five[2][1])
    assert not np.array_equal(five[1][1], opponents(5, seed=1)[1][1])
    hidden = opponents(30, strategy="hidden")
    assert len({s for s, _ in hidden.values()}) >= 4 and {s for s, _ in hidden.values()} <= set(MENU)
    assert {k: v[0] for k, v in opponents(30, strategy="hidden").items()} == {k: v[0] for k, v in hidden.items()}
    # a random computer plays different moves against two students who play the same
    r, clock, (a, b) = room(2, seed=0)
    r.start("computer", "random")
    for t in range(10):
        r.move(a.token, t, "C")
        r.move(b.token, t, "C")
    assert r.phase == "over"
    assert cd(r.pairs[0].b.moves) != cd(r.pairs[1].b.moves)


@pytest.mark.parametrize("strategy", ["tit_for_tat", "grim_trigger", "win_stay_lose_shift", "always_defect",
                                      "suspicious_tit_for_tat", "tit_for_two_tats"])
def test_the_computer_plays_as_the_engine_does(strategy):
    """The computer's moves (strategies.play_script) are the engine's (classroom.play.match) against
    the same student moves."""
    game = Game.of(load_lesson("tit_for_tat"))
    student = [True, False, False, True, True, False, True, True, True, False]
    engine = match(game, student, strategy).them
    ours = [computer_moves(strategy, student[:t], game, np.full(10, 0.5))[t] for t in range(10)]
    assert ours == list(engine)


def test_a_full_game_between_two_students_and_against_tit_for_tat():
    r, clock, (a, b, c) = room(3, rounds=5, seed=1)
    r.start("students", "tit_for_tat")
    plan = {a.id: "CCDCD", b.id: "DCCCD", c.id: "CDDCC"}
    for t in range(5):
        assert r.student_view(a.token)["round"] == t
        for s in (a, b, c):
            r.move(s.token, t, plan[s.id][t])
        # every connected student moved: the round closed and the next one is open
    assert r.phase == "over"
    for p in r.pairs:
        for seat in (p.a, p.b):
            other = p.other(seat)
            if seat.student is not None:
                assert cd(seat.moves) == plan[seat.student]
                assert seat.by == ["student"] * 5
            else:  # tit-for-tat: C first, then the student's last move
                assert cd(seat.moves) == "C" + cd(other.moves)[:-1]
            assert seat.payoffs == [PD.payoff(m, o) for m, o in zip(seat.moves, other.moves)]
    view = r.student_view(a.token)
    assert view["phase"] == "over" and [h["you"] for h in view["history"]] == list(plan[a.id])
    assert view["total"] == r.seat_of(a.id)[1].total
    # at the end each page names the opponent: a classmate's name, or the computer's strategy
    for s in (a, b, c):
        pair, seat = r.seat_of(s.id)
        other = pair.other(seat)
        named = r.student_view(s.token)["opponent"]
        assert named == ("the computer, playing tit_for_tat" if other.student is None else r.students[other.student].name)
    with pytest.raises(RoomError):
        r.move(a.token, 5, "C")


def test_a_late_or_dropped_student_is_replaced_by_the_computer():
    r, clock, (a, b) = room(2, rounds=4, timeout=30, drop_after=5)
    r.start("students")
    r.move(a.token, 0, "D")
    r.move(b.token, 0, "C")
    # round 1: b's page is open (it asks for news) but b never moves: the round waits until the deadline
    r.move(a.token, 1, "D")
    for _ in range(29):
        clock.now += 1
        r.student_view(b.token)
        r.student_view(a.token)
    assert r.round == 1
    clock.now += 2
    r.tick()
    assert r.round == 2
    seat_b = r.seat_of(b.id)[1]
    assert seat_b.by == ["student", "computer"]
    assert seat_b.moves[1] is False  # the stand-in (tit-for-tat) copies a's D of round 0
    assert STAND_IN == "tit_for_tat"
    # round 2: b's page has stopped asking (disconnected): a's move alone closes the round
    clock.now += 6
    r.student_view(a.token)  # a is still here
    r.move(a.token, 2, "C")
    assert r.round == 3 and seat_b.by[-1] == "computer"
    # b comes back and plays again
    r.move(b.token, 3, "C")
    r.move(a.token, 3, "C")
    assert r.phase == "over" and seat_b.by == ["student", "computer", "computer", "student"]
    # the teacher may close a round early too
    r2, _, (x, y) = room(2, rounds=2)
    r2.start("students")
    r2.move(x.token, 0, "C")
    r2.close_round()
    assert r2.seat_of(y.id)[1].by == ["computer"] and r2.round == 1


def test_the_lessons_noise_turns_some_moves_and_everyone_sees_what_came_out():
    from sim.classroom.classmode import lesson_noise

    assert lesson_noise(load_lesson("tit_for_tat")) == 0.0 and lesson_noise(load_lesson("noise")) == 0.05

    def game(seed):
        r, _, (a, b, c) = room(3, rounds=20, seed=seed, noise=0.3)
        r.start("students", "tit_for_tat")
        for t in range(20):
            for s in (a, b, c):
                r.move(s.token, t, "C")
        return r

    r = game(0)
    flipped = 0
    for p in r.pairs:
        for seat in (p.a, p.b):
            other = p.other(seat)
            if seat.student is not None:
                assert seat.chosen == [True] * 20  # what the students chose
            else:  # the computer's tit-for-tat answers the moves that came out, not the ones chosen
                assert seat.chosen == [True] + other.moves[:-1]
            assert seat.moves == [c != (f < 0.3) for c, f in zip(seat.chosen, seat.flips[:20])]
            assert seat.payoffs == [PD.payoff(m, o) for m, o in zip(seat.moves, other.moves)]
            flipped += sum(m != c for m, c in zip(seat.moves, seat.chosen))
    assert 0.15 < flipped / 80 < 0.45  # about 30% of the 80 moves of four seats
    assert [cd(s.moves) for s in r.seats()] == [cd(s.moves) for s in game(0).seats()]  # the seed's
    assert [cd(s.moves) for s in r.seats()] != [cd(s.moves) for s in game(1).seats()]
    rows = list(csv.DictReader(io.StringIO(r.moves_csv())))
    assert {x["chosen"] for x in rows} == {"C"} and {x["move"] for x in rows} == {"C", "D"}
    assert r.teacher_view()["cooperation"] == [1.0] * 20  # every student chose C
    student = r.student_view(r.students[1].token)
    assert any(h["chose"] != h["you"] for h in student["history"]) and student["noise"] == 0.3
    # the closest strategy is judged on the moves chosen: all C matches always-cooperate in every round
    pair, seat = r.seat_of(1)
    assert student["agree"] == 20
    assert student["closest"] == ("tit_for_tat" if all(pair.other(seat).moves[:19]) else "always_cooperate")


def test_closest_strategy_is_the_one_that_makes_most_of_the_moves():
    theirs = [True, False, False, True, True, False, True, True, False, False, True, True]
    made = {s: play_script(s, theirs, game=(3, 0, 5, 1)).intended[:, 0].tolist() for s in CLASSIC}
    for s in CLASSIC:
        name, agree = closest(made[s], theirs, PD)
        assert agree == len(theirs)
        assert made[name] == made[s]  # the one found makes every move (ties: the first in CLASSIC)
    # one move changed: still tit-for-tat, with one move fewer
    moves = list(made["tit_for_tat"])
    moves[5] = not moves[5]
    assert closest(moves, theirs, PD) == ("tit_for_tat", len(theirs) - 1)
    # the count is the best over every classic strategy (checked by brute force)
    rng = np.random.default_rng(4)
    for _ in range(20):
        mine = rng.random(12) < 0.5
        name, agree = closest(mine, theirs, PD)
        counts = {s: int(np.sum(np.array(made[s]) == mine)) for s in CLASSIC}
        assert agree == max(counts.values()) and counts[name] == agree
        assert name == next(s for s in CLASSIC if counts[s] == agree)
    assert closest([], [], PD) == (CLASSIC[0], 0)


def test_tournament_of_the_students_closest_strategies():
    from sim.games import Payoffs
    from sim.tournament import make_spec, run_tournament

    r, _, students = room(4, rounds=6)
    r.start("computer", "tit_for_tat")
    plans = ["CCCCCC", "DDDDDD", "CDCDCD", "DDDDDD"]
    with pytest.raises(RoomError):
        r.tournament()
    for t in range(6):
        for s, plan in zip(students, plans):
            r.move(s.token, t, plan[t])
    rows = r.tournament()
    kinds = {row["strategy"]: row["students"] for row in rows}
    # against tit-for-tat: all-C is closest to tit_for_tat (first in CLASSIC), all-D to always_defect
    assert kinds == {"tit_for_tat": ["s0"], "always_defect": ["s1", "s3"], "alternator": ["s2"]}
    direct = run_tournament(make_spec(["tit_for_tat", "always_defect", "alternator"], game=Payoffs(3, 0, 5, 1),
                                      turns=6, repetitions=1)).ranking()
    assert [(x["strategy"], x["mean"]) for x in direct] == [(x["strategy"], x["mean"]) for x in rows]
    assert r.teacher_view()["tournament"] == rows


def test_csv_export_is_the_moves_played_and_safe_for_spreadsheets():
    r, clock, _ = room(0, rounds=3)
    evil = r.join("ABCDE", "=HYPERLINK(\"x\")")
    ann = r.join("ABCDE", "Ann, \"the\" best")
    r.start("students")
    for t, (m1, m2) in enumerate(["CD", "DD", "CC"]):
        r.move(evil.token, t, m1)
        if t != 1:
            r.move(ann.token, t, m2)
        else:
            r.close_round()
    rows = list(csv.DictReader(io.StringIO(r.moves_csv())))
    assert len(rows) == 6
    assert rows[0]["name"] == "'=HYPERLINK(\"x\")"  # a formula shown as text
    assert {unprotect(x["name"]) for x in rows} == {"=HYPERLINK(\"x\")", "Ann, \"the\" best"}
    for sid, student in ((evil.id, evil), (ann.id, ann)):
        seat = r.seat_of(sid)[1]
        mine = [x for x in rows if int(x["student"]) == sid]
        assert [int(x["round"]) for x in mine] == [1, 2, 3]
        assert "".join(x["move"] for x in mine) == cd(seat.moves)
        assert [x["by"] for x in mine] == seat.by
        assert [float(x["points"]) for x in mine] == seat.payoffs
        assert "".join(x["opponent_move"] for x in mine) == cd(r.seat_of(sid)[0].other(seat).moves)
    assert [x["by"] for x in rows if int(x["student"]) == ann.id] == ["student", "computer", "student"]
    summary = list(csv.DictReader(io.StringIO(r.students_csv())))
    assert [int(x["student"]) for x in summary] == [evil.id, ann.id]
    assert [float(x["total"]) for x in summary] == [r.seat_of(evil.id)[1].total, r.seat_of(ann.id)[1].total]
    assert summary[1]["computer_rounds"] == "1"


def test_lesson_game_rounds_and_a_drawn_length_with_continuation():
    game, rounds, w = lesson_game(load_lesson("tit_for_tat"))
    assert (game.R, game.S, game.T, game.P, rounds, w) == (3.0, 0.0, 5.0, 1.0, 10, None)
    assert lesson_game(load_lesson("noise"))[1] == 20  # a 200-round horizon is cut to 20
    assert lesson_game(load_lesson("noise"), rounds=50)[1] == 50
    game, rounds, w = lesson_game(load_lesson("shadow_of_the_future"))
    assert w == 0.8
    lengths = []
    for seed in range(40):
        r = Room(game, rounds, seed=seed, code="ABCDE", continuation=w)
        s = r.join("ABCDE", "x")
        r.start("computer")
        lengths.append(r.length)
        view = r.student_view(s.token)
        assert view["rounds"] is None  # nobody knows the last round
    assert min(lengths) >= 1 and max(lengths) <= rounds and len(set(lengths)) > 3
    assert 3 < np.mean(lengths) < 7  # a geometric length of mean 1 / (1 - 0.8) = 5, capped at 20


# ------------------------------------------------------------------ the web server's guards


@contextlib.contextmanager
def serving(r: Room):
    server = ClassServer(("127.0.0.1", 0), r, join_url="", teacher_key="teacher-key")
    url = f"http://127.0.0.1:{server.server_address[1]}"
    server.announce(f"{url}/?room={r.code}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server, url
    finally:
        server.shutdown()
        server.server_close()


def fetch(url, body=None, headers=None, method=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})},
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_server_guards():
    r = Room(PD, 3, code="ABCDE")
    with serving(r) as (server, url):
        status, page = fetch(url + "/")
        assert status == 200 and b"student.js" in page
        for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/classmode.py", "/classmode_web/student.js",
                     "//etc/passwd", "/student.js/../../classmode.py"):
            raw = socket.create_connection(("127.0.0.1", server.server_address[1]))
            raw.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
            reply = b"".join(iter(lambda: raw.recv(65536), b""))
            raw.close()
            assert reply.startswith(b"HTTP/1.0 404"), (path, reply[:80])
        assert fetch(url + "/teacher")[0] == 403
        assert fetch(url + "/teacher?key=teacher-key")[0] == 200
        for path in ("/api/teacher", "/api/info", "/export/moves.csv", "/export/students.csv"):
            assert fetch(url + path)[0] == 403 and fetch(url + path + "?key=wrong")[0] == 403
            assert fetch(url + path + "?key=teacher-key")[0] == 200
        assert fetch(url + "/api/start", {"mode": "students"})[0] == 403  # no key: no teacher action
        assert fetch(url + "/api/join", b"x" * (MAX_BODY + 1))[0] == 413
        assert fetch(url + "/api/join", b"{not json")[0] == 400
        assert fetch(url + "/api/join", b"[1, 2]")[0] == 400
        status, body = fetch(url + "/api/join", {"room": "ABCDE", "name": "Ann"})
        assert status == 200
        token = json.loads(body)["token"]
        assert fetch(url + "/api/state?token=nope")[0] == 403
        assert json.loads(fetch(url + f"/api/state?token={token}")[1])["name"] == "Ann"
        info = json.loads(fetch(url + "/api/info?key=teacher-key")[1])
        assert info["code"] == "ABCDE" and info["url"].endswith("/?room=ABCDE")
        if importlib.util.find_spec("segno"):  # the [class] extra (in the test extra): a QR code that scales
            assert info["qr"].startswith("<svg viewBox=") and "qrline" in info["qr"]
        else:
            assert info["qr"] is None
        # guessing the code: refused after WRONG_CODES wrong tries from one address, even the right one
        for _ in range(WRONG_CODES):
            assert fetch(url + "/api/join", {"room": "ZZZZZ", "name": "x"})[0] == 403
        assert fetch(url + "/api/join", {"room": "ABCDE", "name": "x"})[0] == 429
        assert len(r.students) == 1


def test_connections_beyond_the_cap_are_closed(monkeypatch):
    import sim.classroom.classweb as web

    monkeypatch.setattr(web, "MAX_CONNECTIONS", 3)
    with serving(Room(PD, 3, code="ABCDE")) as (server, url):
        idle = [socket.create_connection(("127.0.0.1", server.server_address[1])) for _ in range(3)]
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", server.server_address[1]))
        extra.settimeout(5)
        assert extra.recv(10) == b""  # closed without an answer: every thread is busy
        for s in idle:
            s.close()
        extra.close()
        deadline = time.monotonic() + 5
        while True:  # the slots come back once the idle connections are gone
            with contextlib.suppress(OSError):
                if fetch(url + "/")[0] == 200:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_without_segno_the_command_prints_a_one_line_hint(monkeypatch):
    from sim.classroom import classweb
    from sim.commands import class_

    monkeypatch.setitem(sys.modules, "segno", None)  # import segno fails
    assert classweb.qr_text("http://x/") is None and classweb.qr_svg("http://x/") is None
    assert class_.INSTALL_QR.count("\n") == 0 and "pip install segno" in class_.INSTALL_QR


# ------------------------------------------------------------------ the command


@pytest.mark.parametrize("args, words", [
    (["no_such_lesson"], "no lesson 'no_such_lesson'"),
    (["tit_for_tat", "--port", "70000"], "--port"),
    (["tit_for_tat", "--port", "http"], "--port"),
    (["tit_for_tat", "--rounds", "0"], "--rounds"),
    (["tit_for_tat", "--timeout", "0"], "--timeout"),
    (["tit_for_tat", "--host", "192.0.2.77", "--port", "0"], "cannot listen on 192.0.2.77"),
])
def test_bad_input_is_one_line_and_a_non_zero_exit(args, words, capsys):
    from sim.cli import main

    with pytest.raises(SystemExit) if "--port" in words or "--rounds" in words or "--timeout" in words \
            else contextlib.nullcontext() as exited:
        code = main(["class", *args])
    code = exited.value.code if exited else code
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["no_such_lesson"], ["tit_for_tat", "--port", "70000"],
                                  ["tit_for_tat", "--host", "203.0.113.9"]])
def test_docs_errors_quotes_what_the_command_prints(args, capsys):
    from sim.cli import main

    with contextlib.suppress(SystemExit):
        main(["class", *args])
    line = capsys.readouterr().err.strip()
    assert f"`{line}`" in (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")


def test_docs_errors_quotes_the_pages_refusals():
    from sim.classroom import classweb

    text = " ".join((ROOT / "docs" / "errors.md").read_text(encoding="utf-8").split())
    r = Room(PD, 3, code="ABCDE")
    for call, args in ((r.join, ("XXXXX", "a")), (r.student_of, ("nope",))):
        with pytest.raises(RoomError) as e:
            call(*args)
        assert f"`{e.value.message}`" in text
    assert f"after {classweb.WRONG_CODES} wrong codes from one address in a minute" in text
    assert classweb.WRONG_PAUSE == 60
    source = (ROOT / "sim/classroom/classweb.py").read_text(encoding="utf-8")
    for quoted in ("too many wrong room codes: wait a minute",
                   "the teacher's page needs its key: open the address sim class printed"):
        assert quoted in source and f"`{quoted}`" in text


def test_a_busy_port_is_one_line(capsys):
    from sim.cli import main

    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        port = s.getsockname()[1]
        code = main(["class", "tit_for_tat", "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is busy" in err
    assert f"`{err.strip().replace(str(port), '8766')}`" in (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")


def test_the_command_prints_a_reachable_address_a_room_code_and_a_qr_code():
    proc = subprocess.Popen([sys.executable, "-m", "sim", "class", "tit_for_tat", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        student = lines[1].split()[2]
        assert "0.0.0.0" not in "".join(lines)
        code = student.rsplit("=", 1)[1]
        assert lines[1].strip().endswith(f"(room code {code})") and len(code) == 5
        port = int(student.split(":")[2].split("/")[0])
        teacher = lines[2].split()[-1]
        assert teacher.startswith(f"http://localhost:{port}/teacher?key=")
        assert "\u2588" in lines[3] or "segno" in lines[3]  # the QR code's first line, or the hint
        assert lines[0].strip() in (ROOT / "docs" / "class_mode.md").read_text(encoding="utf-8")  # as the docs show
        # the student address reaches the server (this machine's LAN address, else localhost)
        assert fetch(student)[0] == 200
        assert fetch(teacher)[0] == 200 and fetch(teacher.split("?")[0])[0] == 403
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:   # never left running after the test
            proc.kill()
            proc.wait()
            pytest.fail(f"sim class still running 20 s after SIGTERM; killed. stderr: {proc.stderr.read()[-500:]}")
    assert proc.returncode == 0


# ------------------------------------------------------------------ a class in the browser


@pytest.mark.browser
def test_a_class_of_six_plays_lesson_one_in_chromium(browser):
    """Six students join from their own browser contexts, are paired, play the ten rounds of
    lesson 1 while the teacher's view follows; one student leaves after round 4 and the computer
    plays for them; the tournament and the CSV export match what was played."""
    from playwright.sync_api import expect

    game, rounds, _ = lesson_game(load_lesson("tit_for_tat"))
    # a page asks for news every second: 4 s without news is a page gone, with room for a slow machine
    r = Room(game, rounds, seed=0, timeout=60, drop_after=4, title="Lesson 1", lesson="tit_for_tat")
    plans = ["CCCCCCCCCC", "DDDDDDDDDD", "CDCDCDCDCD", "CCCCDDDDCC", "DCCCCCCCCC", "CCCC"]  # the last one leaves
    names = ["Ann", "Bo", "Cy", "Di", "Ed", "Flo"]
    with serving(r) as (server, url):
        teacher_ctx = browser.new_context(viewport={"width": 1280, "height": 720})
        teacher = teacher_ctx.new_page()
        teacher.goto(url + "/teacher?key=teacher-key")
        expect(teacher.locator("#code")).to_have_text(r.code)
        contexts, pages = [], []
        for name in names:
            ctx = browser.new_context(viewport={"width": 390, "height": 740})
            page = ctx.new_page()
            page.goto(f"{url}/?room={r.code}")
            page.fill("#name", name)
            page.click("#join-button")
            expect(page.locator("#room")).to_have_attribute("data-phase", "lobby")
            contexts.append(ctx)
            pages.append(page)
        expect(teacher.locator("#students li")).to_have_count(6)
        # the lesson's payoffs, on the projector and on each phone
        expect(teacher.locator("#matrix tr").nth(1)).to_have_text("cooperate3, 30, 5")
        expect(pages[0].locator("#matrix tr").nth(2)).to_have_text("you defect5, 01, 1")
        teacher.select_option("#mode", "students")
        teacher.click("#start")
        expect(teacher.locator("body")).to_have_attribute("data-phase", "playing")
        assert sorted(s.student for p in r.pairs for s in (p.a, p.b)) == [1, 2, 3, 4, 5, 6]  # three pairs
        for t in range(rounds):
            for i, page in enumerate(pages):
                if t >= len(plans[i]):
                    continue
                room = page.locator(f"#room[data-round='{t}'][data-moved='no']")
                expect(room).to_be_visible(timeout=15000)
                page.click(f"#move-{plans[i][t]}")
            if t == len(plans[5]) - 1:
                contexts[5].close()  # Flo leaves after round 4
            # the teacher's view follows the room: one more cooperation bar and strip cell per round
            expect(teacher.locator("#coop")).to_have_attribute("data-rounds", str(t + 1), timeout=15000)
            expect(teacher.locator("#strip .strip-row[data-student='1'] .m")).to_have_count(t + 1)
        expect(teacher.locator("body")).to_have_attribute("data-phase", "over")
        for page in pages[:5]:
            expect(page.locator("#room")).to_have_attribute("data-phase", "over")
            expect(page.locator("#result")).to_contain_text("look most like")
        # the board ranks by points and names each student's closest strategy
        totals = [float(x) for x in teacher.locator("#board tbody tr td:nth-child(3)").all_inner_texts()]
        assert totals == sorted(totals, reverse=True) and len(totals) == 6
        expect(teacher.locator("#board tbody tr td:nth-child(5)").first).not_to_be_empty()
        teacher.click("#tournament")
        expect(teacher.locator("#tournament-box")).to_be_visible()
        assert teacher.locator("#ranking tbody tr").count() == len(r.tournament_rows) >= 2
        # the export: the moves each student played, the dropped one's last six by the computer
        href = teacher.locator("#export-moves").get_attribute("href")
        reply = teacher.request.get(url + href)
        assert reply.status == 200
        rows = list(csv.DictReader(io.StringIO(reply.text())))
        assert len(rows) == 6 * rounds
        by_name = {n: [x for x in rows if x["name"] == n] for n in names}
        for name, plan in zip(names[:5], plans[:5]):
            assert "".join(x["move"] for x in by_name[name]) == plan
            assert {x["by"] for x in by_name[name]} == {"student"}
        flo = by_name["Flo"]
        assert "".join(x["move"] for x in flo[:4]) == plans[5]
        assert [x["by"] for x in flo] == ["student"] * 4 + ["computer"] * 6
        # the computer plays tit-for-tat in Flo's seat: each of its moves is the opponent's last one
        assert all(flo[t]["move"] == flo[t - 1]["opponent_move"] for t in range(4, rounds))
        # the opponents' moves in the export are the moves their opponent made
        for x in rows:
            other = next(y for y in rows if y["name"] == x["opponent"] and y["round"] == x["round"])
            assert other["move"] == x["opponent_move"] and other["opponent"] == x["name"]
            assert float(x["points"]) == game.payoff(x["move"] == "C", x["opponent_move"] == "C")
        # the teacher's strip shows the same moves (pale where the computer played)
        flo_id = str(next(s.id for s in r.students.values() if s.name == "Flo"))
        strip = teacher.locator(f"#strip .strip-row[data-student='{flo_id}']").get_attribute("data-moves")
        assert strip == "".join(x["move"] if x["by"] == "student" else x["move"].lower() for x in flo)
        for ctx in contexts[:5] + [teacher_ctx]:
            ctx.close()


# ------------------------------------------------------------------ what docs/class_mode.md says


def test_nobody_finishes_more_than_t_minus_s_ahead_of_tit_for_tat():
    """docs/class_mode.md, game 3: over a game of lesson 1 no sequence of moves beats tit-for-tat
    by more than 5 points (T - S), and some sequence does reach 5."""
    import itertools

    game, rounds, _ = lesson_game(load_lesson("tit_for_tat"))
    best = -np.inf
    for moves in itertools.product((True, False), repeat=rounds):
        theirs = computer_moves("tit_for_tat", moves[:-1], game, np.full(rounds, 0.5))
        lead = sum(game.payoff(m, o) - game.payoff(o, m) for m, o in zip(moves, theirs))
        best = max(best, lead)
    assert best == game.T - game.S == 5


def test_the_numbers_in_the_class_mode_page_are_the_code():
    from sim.classroom import classmode, classweb
    from sim.cli import parser

    text = " ".join((ROOT / "docs" / "class_mode.md").read_text(encoding="utf-8").split())
    args = parser().parse_args(["class", "tit_for_tat"])
    assert f"the lesson's horizon, at most {classmode.MAX_ROUNDS})" in text
    assert f"(default {args.timeout:g} seconds)" in text
    assert f"(at most {classweb.MAX_BODY} bytes)" in text
    assert classweb.WRONG_PAUSE == 60 and "refused for a minute" in text
    assert f":{args.port}/?room=" in text and len("K7QX2") == classmode.CODE_LENGTH
    assert "const TOP = 10;" in (ROOT / "sim/classroom/classmode_web/teacher.js").read_text() and "the ten best" in text
    assert "gets tit-for-tat's move" in text and classmode.STAND_IN == "tit_for_tat"
    import inspect

    assert inspect.signature(Room).parameters["drop_after"].default == 8
    assert "has stopped asking for news (closed, asleep, out of range) for 8 seconds" in text
    from sim.classroom.classmode import lesson_noise

    noise = load_lesson("noise")
    assert f"(lesson 2: {lesson_noise(noise):.0%})" in text and Path(noise.file).name.startswith("02_")
    assert f"(`sim class noise`: {lesson_game(noise)[1]} rounds, {lesson_noise(noise):.0%} of moves go wrong;" in text
    shown = ("tit-for-tat, always cooperate, always defect, grim trigger, win-stay-lose-shift, suspicious "
             "tit-for-tat, tit-for-two-tats and the alternator")
    assert shown in text
    assert shown.replace(" and the ", ", ").replace("-", "_").replace(" ", "_").replace(",_", ",").split(",") == list(
        classmode.CLASSIC)
