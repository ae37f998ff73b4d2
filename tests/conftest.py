"""Shared test helpers: small scenarios built in code, and recorded play."""

from __future__ import annotations

import contextlib
import signal

import numpy as np
import pytest

from sim import NegotiationModel, scenario_from_dict

# A suite started with SIGINT ignored (under nohup, or as a background job of a script) passes the
# ignoring on to every process it starts, and a Python started so installs no KeyboardInterrupt:
# the tests that press Ctrl-C on `sim` (a real SIGINT) would see it do nothing. Ctrl-C is restored
# here; a child gets the default action, as from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def game_scenario(a="tit_for_tat", b="always_cooperate", game="prisoners_dilemma", horizon=10,
                  script=None, continuation=None, runs=1, seed=0, a_params=None, b_params=None,
                  events=(), **extra):
    """A one-track classroom game between actors A and B.

    ``a``/``b`` are strategy names or entries ({name: ..., ...}); ``script`` ("CDDC...") forces
    B's moves step by step (forced moves are never flipped by noise); ``a_params``/``b_params``
    set actor parameters such as noise, trust or discount.
    """
    evs = list(events)
    for t, move in enumerate(script or ""):
        evs.append({"name": f"script {t}", "at": t, "effects": [{"force": move, "actor": "B", "track": "game"}]})
    data = {
        "name": "test", "seed": seed, "runs": runs, "horizon": horizon,
        "actors": {
            "A": {**(a_params or {}), "strategies": {"game": a}},
            "B": {**(b_params or {}), "strategies": {"game": b}},
        },
        "tracks": {"game": {"game": game}},
        "events": evs,
        **extra,
    }
    if continuation is not None:
        data["continuation"] = continuation
    return scenario_from_dict(data)


class Recorder:
    """Observer recording realised and intended moves, levels and payoffs after every step."""

    def __init__(self):
        self.realised, self.intended, self.levels, self.payoffs = [], [], [], []

    def __call__(self, m: NegotiationModel) -> None:
        self.realised.append(np.stack([a.realised.copy() for a in m.actors]))    # (actors, runs, tracks)
        self.intended.append(np.stack([a.intended.copy() for a in m.actors]))
        self.levels.append(m.levels().copy())                                    # (runs, tracks)
        self.payoffs.append(np.stack([a.last_payoff.copy() for a in m.actors]))  # (actors, runs, tracks)

    def moves(self, actor: int, run: int = 0, track: int = 0) -> str:
        """The realised moves of one actor in one run as a string like 'CDDC'."""
        return "".join("C" if r[actor, run, track] else "D" for r in self.realised)


def play(scenario, runs=None, seed=None):
    """Run a model to the end; return it and its :class:`Recorder`."""
    rec = Recorder()
    model = NegotiationModel(scenario, runs=runs if runs is not None else scenario.runs, seed=seed)
    model.run(observer=rec)
    return model, rec


@pytest.fixture(autouse=True, scope="session")
def _no_latest_alias():
    """Tests list a scenario's results folder and expect exactly the folders they made, so the
    ``latest`` alias is off (SIM_LATEST=0, inherited by subprocesses) except where a test turns it
    on (tests/test_latest.py). Session scope: set before any module fixture runs a command."""
    import os

    old = os.environ.get("SIM_LATEST")
    os.environ["SIM_LATEST"] = "0"
    yield
    if old is None:
        os.environ.pop("SIM_LATEST", None)
    else:
        os.environ["SIM_LATEST"] = old


@pytest.fixture
def make_game():
    return game_scenario


def signal_when(proc, ready, sig, what: str, timeout: float = 120) -> None:
    """Send ``sig`` to ``proc`` once ``ready()`` is true, wait for it to exit (non-zero)."""
    import subprocess
    import time

    deadline = time.time() + timeout
    while not ready():
        if time.time() > deadline:
            proc.kill()
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)
    proc.send_signal(sig)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        # never leave it running: a `sim run` of millions of runs that missed its signal took a core
        # for hours after its test had failed, and slowed every later test on the machine
        proc.kill()
        proc.wait()
        pytest.fail(f"{what}: still running 60 s after signal {sig}; killed")
    assert proc.returncode != 0


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist, put the ``slow`` tests first. Files are handed to the workers in the
    order of their first test (--dist loadfile --no-loadscope-reorder), so the files with slow
    tests go first and the short ones fill in at the end: no long file starts when the other
    worker is about to finish. Within a file the slow tests run first. Serial runs keep file order."""
    if hasattr(config, "workerinput"):  # an xdist worker; every worker sorts the same way
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


#: Debian's chromium, driven by Playwright (never a downloaded browser); .ci/install-browser installs it
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """One headless chromium per test process (each xdist worker) for every browser test: the live
    page, class mode, the reports and handouts. Each test opens its own page or context and closes
    it, so tests share no state through it; one launch instead of one per module."""
    import os

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        try:
            yield b
        finally:
            b.close()


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def viz_server(args: list[str], log_path, env: dict | None = None):
    """`sim viz ARGS` on a free port, started and waited for (at most 120 s); yields (url, log
    file open for reading and writing); stopped at the end."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    port = free_port()
    log = open(log_path, "w+")
    env = {**os.environ, "MPLBACKEND": "Agg", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", *args, "--port", str(port)],
                            cwd=Path(__file__).resolve().parent.parent, stdout=log, stderr=subprocess.STDOUT, env=env)
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
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
