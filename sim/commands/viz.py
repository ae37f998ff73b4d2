"""``sim viz``: serve a lesson (or any scenario) as Mesa's live SolaraViz page on this machine."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from ..errors import UserError

ORDER = 62
NEEDED = ("solara", "solara_assets", "altair", "ipyvue", "ipyvuetify")
INSTALL = "sim viz needs the optional web dependencies: pip install -e '.[viz]' (or pip install 'sim-negotiation[viz]')"


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


def environment(scenario_file: str) -> dict[str, str]:
    env = dict(os.environ)
    env["SIM_VIZ_SCENARIO"] = str(Path(scenario_file).resolve())
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
    url = f"http://{'localhost' if args.host in ('127.0.0.1', 'localhost') else args.host}:{args.port}/"
    print(f"sim viz: {scenario.name} at {url} (Ctrl-C to stop)", flush=True)
    cmd = command(args.host, args.port)
    if os.name == "nt":  # Windows has no exec: run the server as a child and wait for it
        import subprocess

        try:
            return subprocess.call(cmd, env=environment(str(path)))
        except KeyboardInterrupt:
            return 0
    os.execve(cmd[0], cmd, environment(str(path)))
    return 0  # not reached
