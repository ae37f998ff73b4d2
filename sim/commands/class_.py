"""``sim class``: serve a lesson to a classroom; students play from their own browsers (class mode)."""

from __future__ import annotations

import argparse
import errno
import sys

from ..errors import UserError
from . import positive, seed

ORDER = 62.5
INSTALL_QR = "(no QR code: pip install segno, or pip install -e '.[class]')"


def _ranged(text: str, parse, lo, hi, bad: str, outside: str, shown=None):
    """argparse type helper: ``parse(text)`` within ``lo .. hi``, or a one-line error (``bad`` when
    it is not a number, ``outside`` when it is out of range; both end with what was given)."""
    try:
        value = parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{bad}, got '{text[:20]}'") from None
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"{outside}, got {text[:20] if shown is None else shown(value)}")
    return value


def port_number(text: str) -> int:
    """argparse type: a TCP port 1..65535, or 0 for any free port."""
    return _ranged(text, int, 0, 65535, "expected a port number",
                   "expected a port number in 1..65535 (0: any free port)", shown=str)


def seconds(text: str) -> float:
    return _ranged(text, float, 1, 3600, "expected a number of seconds", "expected 1 to 3600 seconds")


def chance(text: str) -> float:
    return _ranged(text, float, 0, 0.5, "expected a number from 0 to 0.5", "expected a number from 0 to 0.5")


def register(sub) -> None:
    p = sub.add_parser("class", help="class mode: serve a lesson to the room; students join from their own "
                                     "browsers with a room code, the teacher pairs them and shows the room live")
    p.add_argument("lesson", help="lesson name (see `sim lessons`) or scenario YAML file")
    p.add_argument("--host", default="0.0.0.0",
                   help="address to listen on (default: every address of this machine, so students can reach it)")
    p.add_argument("--port", type=port_number, default=8766, help="port (default: 8766; 0: any free port)")
    p.add_argument("--seed", type=seed, help="class seed: the computer opponents' draws (default: the lesson's)")
    p.add_argument("--rounds", type=positive, help="rounds per game (default: the lesson's horizon, at most 20)")
    p.add_argument("--noise", type=chance,
                   help="chance that a move comes out as the other one (default: the lesson's, e.g. 0.05 in "
                        "lesson 2; 0: every move is the one chosen)")
    p.add_argument("--timeout", type=seconds, default=30.0,
                   help="seconds a round stays open; a student who has not moved by then is replaced by the "
                        "computer for that round (default: 30)")
    p.set_defaults(func=run)


def shown_host(host: str) -> str:
    """The address students type: this machine's LAN address when listening everywhere (never
    0.0.0.0), else the one given; localhost when there is no network."""
    from .viz import ANY, lan_address

    if host in ANY:
        return lan_address() or "localhost"
    if host in ("127.0.0.1", "::1"):
        return "localhost"
    return f"[{host}]" if ":" in host else host


def serve(args, out=sys.stdout):
    """Build the room and its server (listening); returns (server, student URL, teacher URL)."""
    from ..classroom.classmode import Room, lesson_game, lesson_noise
    from ..classroom.classweb import ClassServer
    from ..classroom.lessons import find_lesson, load_lesson

    path = find_lesson(args.lesson)
    scenario = load_lesson(str(path))
    game, rounds, continuation = lesson_game(scenario, args.rounds)
    noise = lesson_noise(scenario) if args.noise is None else args.noise
    room = Room(game, rounds, seed=scenario.seed if args.seed is None else args.seed, continuation=continuation,
                noise=noise, timeout=args.timeout, title=scenario.lesson.title, lesson=scenario.name)
    try:
        server = ClassServer((args.host, args.port), room, join_url="")
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UserError(f"port {args.port} is busy on {args.host}: another program listens there; "
                            f"stop it or choose another port with --port") from None
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    port = server.server_address[1]
    host = shown_host(args.host)
    join = f"http://{host}:{port}/?room={room.code}"
    server.announce(join)
    local = "localhost" if args.host in ("0.0.0.0", "::", "", "127.0.0.1", "::1", "localhost") else host
    teacher = f"http://{local}:{port}/teacher?key={server.teacher_key}"
    return server, join, teacher


def run(args) -> int:
    from ..classroom.classweb import qr_text

    server, join, teacher = serve(args)
    room = server.room
    length = "its length drawn per game" if room.continuation is not None else f"{room.rounds} rounds"
    noise = f", noise {room.noise:g}" if room.noise else ""
    print(f"sim class: {room.title} ({length} a game{noise})", flush=True)
    print(f"students: open {join}  (room code {room.code})")
    print(f"teacher view (projector, keep this address to yourself): {teacher}")
    qr = qr_text(join)
    print(qr if qr else INSTALL_QR)
    print("Ctrl-C ends the class: export the results from the teacher view first.", flush=True)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        print("class ended", file=sys.stderr)
    finally:
        server.server_close()
    return 0
