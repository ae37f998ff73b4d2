"""``sim viz``: serve a lesson (or any scenario) as Mesa's live SolaraViz page on this machine."""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
import sys
from pathlib import Path

from ..errors import UserError

ORDER = 62
NEEDED = ("solara", "solara_assets", "altair", "ipyvue", "ipyvuetify")
#: the package is not on PyPI: the extra is installed from the project's folder (a clone or an unpacked archive)
INSTALL = ("sim viz needs the optional web dependencies: in the project's folder (a clone of the repository "
           "or its unpacked archive) run pip install '.[viz]'")


def register(sub) -> None:
    p = sub.add_parser("viz", help="serve a lesson as a live web page: its controls, moves, scores and payoffs; "
                                   "play the computer; a tournament (?lesson=NAME opens another lesson)")
    p.add_argument("scenario", help="lesson name (see `sim lessons`) or scenario YAML file")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    p.set_defaults(func=run)


def missing() -> list[str]:
    return [m for m in NEEDED if importlib.util.find_spec(m) is None]


def command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", "sim.classroom.viz_app:Page", "--host", host,
            "--port", str(port), "--production", "--no-open", "--log-level", "warning"]


#: hosts that mean "every address of this machine"
ANY = ("0.0.0.0", "::", "")
#: a documentation address (TEST-NET-1, RFC 5737) that a UDP socket "connects" to: connecting a UDP
#: socket sends nothing, it only asks the kernel which local address its route would leave from
NOWHERE = ("192.0.2.1", 9)


def lan_address() -> str | None:
    """This machine's address on its network (for students to type), or None when it has none:
    the address the kernel would send from (no packet is sent), else a non-loopback IPv4 address
    of the host name."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(NOWHERE)
            address = s.getsockname()[0]
        if not address.startswith(("127.", "0.")):
            return address
    except OSError:
        pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return None
    found = [i[4][0] for i in infos if not i[4][0].startswith(("127.", "0."))]
    return found[0] if found else None


def urls(host: str, port: int) -> list[str]:
    """Where the page is: localhost; on every address (0.0.0.0) also this machine's network address."""
    if host in ("127.0.0.1", "localhost", "::1"):
        return [f"http://localhost:{port}/"]
    if host in ANY:
        lan = lan_address()
        return [f"http://localhost:{port}/"] + ([f"http://{lan}:{port}/"] if lan else [])
    return [f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"]


def check_port(host: str, port: int) -> None:
    """A :class:`UserError` (one line, status 2) when the server could not listen on host:port:
    the port is busy, or the address is not this machine's. Binds and closes a socket as the
    server will (``SO_REUSEADDR`` on POSIX, so a port a stopped server left in TIME_WAIT is free)."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise UserError(f"--host {host}: not an address of this machine ({exc.strerror or exc})") from None
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as s:
            if os.name != "nt":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(address)
    except OSError as exc:
        if exc.errno in {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)}:
            raise UserError(f"port {port} is busy on {host or 'every address'}: another program (another "
                            f"sim viz?) listens there; stop it or choose another port with --port") from None
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def environment(scenario_file: str, given: str = "") -> dict[str, str]:
    env = dict(os.environ)
    env["SIM_VIZ_SCENARIO"] = str(Path(scenario_file).resolve())
    env["SIM_VIZ_GIVEN"] = given                        # how the command line named it (?lesson= may too)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"   # no telemetry
    env["SOLARA_ASSETS_PROXY"] = "True"                # front-end assets from solara-assets, served locally
    env["SOLARA_THEME_SHOW_BANNER"] = "False"          # no "runs on Solara" badge over the page
    env.setdefault("SOLARA_CHECK_HOOKS", "off")         # silences a warning about Mesa's own code
    env.setdefault("MPLBACKEND", "Agg")
    return env


def run(args) -> int:
    from ..classroom.lessons import find_lesson
    from ..scenario.load import load_scenario

    if missing():
        raise UserError(INSTALL)
    path = find_lesson(args.scenario)
    scenario = load_scenario(path)  # errors are reported before the server starts
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port}: expected a port number in 1..65535")
    check_port(args.host, args.port)
    url, *others = urls(args.host, args.port)
    students = f" and, for other machines, {' or '.join(others)}" if others else ""
    if args.host in ANY and not others:
        students = " (no network address of this machine found: other machines cannot reach it)"
    print(f"sim viz: {scenario.name} at {url}{students} (Ctrl-C to stop)", flush=True)
    cmd = command(args.host, args.port)
    env = environment(str(path), args.scenario)
    if os.name == "nt":  # Windows has no exec: run the server as a child and wait for it
        import subprocess

        try:
            return subprocess.call(cmd, env=env)
        except KeyboardInterrupt:
            return 0
    os.execve(cmd[0], cmd, env)
    return 0  # not reached
