"""The web server of class mode: a :class:`~sim.classroom.classmode.Room` served to a classroom.

The standard library's threading HTTP server, plain HTML and a little JavaScript that asks for
news every second or faster (JSON polling): nothing to install on the students' machines, no
network beyond this server, and a few milliseconds of work per request, so thirty browsers on a
two-core laptop are fine (``benchmarks/bench_classmode.py``).

Guards: joining needs the room code (repeated wrong codes from one address are refused for a
while); the teacher's page and actions need the teacher's key, printed only in the terminal;
request bodies are at most :data:`MAX_BODY` bytes of JSON, and at most :data:`MAX_CONNECTIONS`
connections are served at once; the pages are a fixed set of files
read once at start, so no part of a URL ever becomes a file path; a Content-Security-Policy
allows only this server's own scripts.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .classmode import OPPONENTS, Room, RoomError

#: the largest request body accepted (a join or a move is under 200 bytes)
MAX_BODY = 4096
#: connections served at once (a thread each); more are closed at once, so a flood cannot exhaust threads
MAX_CONNECTIONS = 256
#: wrong room codes one address may send before it is refused for WRONG_PAUSE seconds
WRONG_CODES, WRONG_PAUSE = 20, 60.0
WEB = Path(__file__).resolve().parent / "classmode_web"
#: URL path -> (file in classmode_web/, content type): the only files ever served
PAGES = {
    "/": ("student.html", "text/html; charset=utf-8"),
    "/teacher": ("teacher.html", "text/html; charset=utf-8"),
    "/student.js": ("student.js", "text/javascript; charset=utf-8"),
    "/teacher.js": ("teacher.js", "text/javascript; charset=utf-8"),
    "/class.css": ("class.css", "text/css; charset=utf-8"),
}
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def qr_svg(url: str) -> str | None:
    """The QR code of ``url`` as inline SVG, or None without the optional ``segno``."""
    try:
        import segno
    except ImportError:
        return None
    return segno.make(url, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=True)


def qr_text(url: str) -> str | None:
    """The QR code of ``url`` as text for a terminal (two modules per character), or None without segno."""
    try:
        import io

        import segno
    except ImportError:
        return None
    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


class ClassServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, room: Room, join_url: str, teacher_key: str | None = None):
        self.room = room
        self.join_url = join_url
        self.teacher_key = teacher_key or secrets.token_urlsafe(12)
        self.files = {path: ((WEB / name).read_bytes(), kind) for path, (name, kind) in PAGES.items()}
        self.qr = qr_svg(join_url) if join_url else None
        self.wrong: dict[str, list[float]] = {}
        self.wrong_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._stop = threading.Event()
        super().__init__(address, Handler)
        self._ticker = threading.Thread(target=self._tick, daemon=True, name="class-rounds")
        self._ticker.start()

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def announce(self, join_url: str) -> None:
        """Set the address students join at (known once the port is), and its QR code."""
        self.join_url = join_url
        self.qr = qr_svg(join_url)

    def _tick(self) -> None:
        """Close rounds whose deadline passed even when no page is asking."""
        while not self._stop.wait(0.25):
            self.room.tick()

    def server_close(self) -> None:
        self._stop.set()
        super().server_close()

    def refused(self, address: str) -> bool:
        with self.wrong_lock:
            now = time.monotonic()
            times = [t for t in self.wrong.get(address, []) if now - t < WRONG_PAUSE]
            self.wrong[address] = times
            return len(times) >= WRONG_CODES

    def count_wrong(self, address: str) -> None:
        with self.wrong_lock:
            self.wrong.setdefault(address, []).append(time.monotonic())


class Handler(BaseHTTPRequestHandler):
    server: ClassServer
    server_version = "sim-class"
    sys_version = ""
    timeout = 20  # a client that stops sending mid-request frees its thread

    def log_message(self, format, *args):  # thirty pages asking every second: no log line each
        pass

    # ------------------------------------------------------------ replies

    def _send(self, status: int, body: bytes, kind: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", POLICY)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _query(self) -> tuple[str, dict[str, str]]:
        parts = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
        return parts.path, query

    def _teacher(self, key) -> bool:
        return isinstance(key, str) and secrets.compare_digest(key.encode(), self.server.teacher_key.encode())

    def _body(self) -> dict | None:
        """The request's JSON object, or None after replying with an error."""
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._error(411, "a body with a Content-Length is needed")
            return None
        if int(length) > MAX_BODY:
            self._error(413, f"request too large (at most {MAX_BODY} bytes)")
            self.close_connection = True
            return None
        raw = self.rfile.read(int(length))
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._error(400, "the body is not JSON")
            return None
        if not isinstance(data, dict):
            self._error(400, "the body is not a JSON object")
            return None
        return data

    # ------------------------------------------------------------ routes

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path, query = self._query()
        room = self.server.room
        try:
            if path == "/api/state":
                self._json(200, room.student_view(query.get("token")))
            elif path == "/api/teacher":
                if not self._teacher(query.get("key")):
                    return self._error(403, "the teacher's key is needed")
                self._json(200, room.teacher_view())
            elif path == "/api/info":
                if not self._teacher(query.get("key")):
                    return self._error(403, "the teacher's key is needed")
                self._json(200, {"url": self.server.join_url, "code": room.code, "qr": self.server.qr,
                                 "opponents": list(OPPONENTS), "title": room.title, "lesson": room.lesson})
            elif path in ("/export/moves.csv", "/export/students.csv"):
                if not self._teacher(query.get("key")):
                    return self._error(403, "the teacher's key is needed")
                text = room.moves_csv() if path.endswith("moves.csv") else room.students_csv()
                name = f"class_{room.lesson or 'lesson'}_{path.rsplit('/', 1)[1]}"
                self._send(200, text.encode("utf-8"), "text/csv; charset=utf-8",
                           {"Content-Disposition": f'attachment; filename="{name}"'})
            elif path == "/teacher" and not self._teacher(query.get("key")):
                self._send(403, b"the teacher's page needs its key: open the address sim class printed\n",
                           "text/plain; charset=utf-8")
            elif path in self.server.files:
                body, kind = self.server.files[path]
                self._send(200, body, kind)
            else:
                self._send(404, b"not found\n", "text/plain; charset=utf-8")
        except RoomError as exc:
            self._error(exc.status, exc.message)

    def do_POST(self):
        path, _ = self._query()
        room = self.server.room
        if path not in ("/api/join", "/api/move", "/api/start", "/api/close", "/api/tournament"):
            return self._send(404, b"not found\n", "text/plain; charset=utf-8")
        address = self.client_address[0]
        if path == "/api/join" and self.server.refused(address):
            return self._error(429, "too many wrong room codes: wait a minute")
        data = self._body()
        if data is None:
            return
        try:
            if path == "/api/join":
                try:
                    student = room.join(data.get("room"), data.get("name"))
                except RoomError as exc:
                    if exc.status == 403:
                        self.server.count_wrong(address)
                    raise
                return self._json(200, {"token": student.token, "id": student.id, "name": student.name})
            if path == "/api/move":
                room.move(data.get("token"), data.get("round"), data.get("move"))
                return self._json(200, {"ok": True})
            if not self._teacher(data.get("key")):
                return self._error(403, "the teacher's key is needed")
            if path == "/api/start":
                pairs = room.start(data.get("mode", "students"), data.get("strategy", "tit_for_tat"))
                return self._json(200, {"pairs": len(pairs)})
            if path == "/api/close":
                room.close_round()
                return self._json(200, {"ok": True})
            return self._json(200, {"ranking": room.tournament()})
        except RoomError as exc:
            self._error(exc.status, exc.message)
