"""`sim viz` on a network: what ``?lesson=`` opens, and that the page never shows a traceback.

The page opens only the lessons that ``sim lessons`` lists and the one file given on the command
line; any other value (a path, ``../``, an unknown name, nothing) gets the same one line, whether
or not a file of that name exists. An exception while a lesson is built, drawn or stepped is one
line in the page (no values) and one line on the server's console. A busy port is one line and
exit status 2; ``--host 0.0.0.0`` prints this machine's network address.

The unit tests run without a browser; the browser tests (marked) drive Debian's chromium as
tests/test_viz_browser.py does, against one server started with lessons in a temporary folder.
"""

from __future__ import annotations

import os
import re
import socket
import time
import urllib.parse
from pathlib import Path

import pytest
from conftest import viz_server

from sim.classroom.controls import apply, controls
from sim.classroom.lessons import lesson_files, lesson_query, quoted, served_lesson
from sim.cli import main
from sim.errors import UserError
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "scenarios" / "lessons"
SECRET = "hunter2-SECRET-VALUE"
SHIPPED = [f.stem.split("_", 1)[-1] for f in sorted(LESSONS.glob("*.yaml"))]


def secret_yaml(folder: Path) -> Path:
    """A scenario whose values are secrets; a type error would echo them in a traceback."""
    path = folder / "secret.yaml"
    path.write_text(f"name: secret\nactors:\n  US:\n    noise: ['{SECRET}']\n    strategies: {{game: tit_for_tat}}\n"
                    f"  China:\n    password: {SECRET}-2\n    strategies: {{game: always_defect}}\n")
    return path


def equals_lesson(folder: Path, name: str = "01_equals.yaml") -> Path:
    """Lesson 2 (noise) with the US renamed ``U=S``: its controls set ``actors.U=S.noise``."""
    path = folder / name
    path.write_text(re.sub(r"(?m)^  US:", '  "U=S":', (LESSONS / "02_noise.yaml").read_text()))
    return path


def refusal(name: str, lessons=SHIPPED) -> str:
    return f"no such lesson: {quoted(name) or '(empty)'}; lessons: {', '.join(lessons)}"


# -- which lesson a ?lesson= value opens ----------------------------------------------------------


STARTED = LESSONS / "01_tit_for_tat.yaml"


@pytest.mark.parametrize("name,file", [("noise", "02_noise.yaml"), ("02_noise", "02_noise.yaml"),
                                       ("02_noise.yaml", "02_noise.yaml"), ("why_talk", "09_why_talk.yaml"),
                                       ("tit_for_tat", "01_tit_for_tat.yaml")])
def test_a_shipped_lesson_name_opens_it(name, file):
    assert served_lesson(name, STARTED, "tit_for_tat") == LESSONS / file


def test_no_lesson_parameter_opens_the_file_of_the_command_line(tmp_path):
    mine = equals_lesson(tmp_path, "mine.yaml")
    assert served_lesson(None, mine, "mine.yaml") == mine


@pytest.mark.parametrize("given", ["mine.yaml", "./mine.yaml", "{tmp}/mine.yaml"])
def test_the_file_of_the_command_line_by_its_names(tmp_path, given):
    """As the command line spelled it, its file name and its stem; nothing else of its folder."""
    given = given.format(tmp=tmp_path)
    mine = equals_lesson(tmp_path, "mine.yaml")
    for name in (given, "mine.yaml", "mine"):
        assert served_lesson(name, mine, given) == mine
    other = secret_yaml(tmp_path)   # next to it: not served
    for name in ("secret", "secret.yaml", str(other), "./secret.yaml"):
        with pytest.raises(UserError) as exc:
            served_lesson(name, mine, given)
        assert str(exc.value) == refusal(name, [*SHIPPED, "mine"])


def refuse(name: str, started: Path = STARTED, given: str = "tit_for_tat") -> str:
    with pytest.raises(UserError) as exc:
        served_lesson(name, started, given)
    return str(exc.value)


@pytest.mark.parametrize("name", [
    "../scenarios/baseline", "../../scenarios/baseline", "../baseline.yaml",
    "../lessons/02_noise.yaml", "lessons/02_noise.yaml", "./02_noise.yaml",
    "/etc/passwd", "/etc/hostname", str(ROOT / "scenarios" / "baseline.yaml"), str(LESSONS / "02_noise.yaml"),
    "..", ".", "/", "", " ", "baseline", "taiwan_crisis", "no_such_thing", "noise ", "NOISE", "02_noise.yml",
    "tit_for_tat\x00", "noise\n", "a" * 500,
])
def test_any_other_value_is_refused_with_the_same_line(name):
    """A path (existing or not, relative, ``../``, absolute), a shipped scenario that is not a
    lesson, an unknown or empty name: one line, the name quoted, the lessons listed."""
    message = refuse(name)
    assert message == refusal(name)
    assert "\n" not in message and len(message) < 400


def test_an_existing_path_and_a_missing_one_get_the_same_answer(tmp_path):
    secret = secret_yaml(tmp_path)
    missing = tmp_path / "nothing.yaml"
    for there, not_there in ((str(secret), str(missing)), ("/etc/passwd", "/etc/no-such-file"),
                             ("../../scenarios/baseline", "../../scenarios/no-such-scenario")):
        a, b = refuse(there), refuse(not_there)
        assert a.replace(quoted(there), "NAME") == b.replace(quoted(not_there), "NAME")
    assert SECRET not in refuse(str(secret))


@pytest.mark.parametrize("search,name", [
    ("lesson=noise", "noise"), ("?lesson=noise", "noise"), ("lesson=noise&x=1", "noise"),
    ("x=1", None), ("", None), (None, None), ("lesson=", ""), ("lesson", ""),
    ("lesson=%2e%2e%2f%2e%2e%2fscenarios%2fbaseline", "../../scenarios/baseline"),
    ("lesson=%252e%252e%252fetc", "%2e%2e%2fetc"),       # decoded once only
    ("lesson=%2Fetc%2Fpasswd", "/etc/passwd"), ("lesson=a%0Ab", "a\nb"),
])
def test_the_query_value_is_decoded_once(search, name):
    assert lesson_query(search) == name


@pytest.mark.parametrize("search", ["lesson=%2e%2e%2fscenarios%2fbaseline", "lesson=%2e%2e",
                                    "lesson=%252e%252e%252fscenarios%252fbaseline", "lesson=%2Fetc%2Fpasswd",
                                    "lesson=", "lesson=..%5Cscenarios%5Cbaseline"])
def test_encoded_traversal_is_refused(search):
    name = lesson_query(search)
    assert refuse(name) == refusal(name)


def test_quoted_names_stay_on_one_short_line():
    assert quoted("a\nb\x1b[31m") == "a?b?[31m"
    assert len(quoted("x" * 1000)) == 60 and quoted("x" * 1000).endswith("...")


def test_sim_lessons_folder_decides_the_names(tmp_path, monkeypatch):
    """``$SIM_LESSONS`` (what `sim lessons` lists) is the set of names, and only its .yaml files."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    mine = equals_lesson(folder)
    secret_yaml(tmp_path)
    monkeypatch.setenv("SIM_LESSONS", str(folder))
    assert lesson_files() == [mine]
    assert served_lesson("equals", mine, "equals") == mine
    for name in ("../secret", "../secret.yaml", "noise"):
        with pytest.raises(UserError, match=r"^no such lesson: .*; lessons: equals$"):
            served_lesson(name, mine, "equals")


# -- an actor named with '=' -----------------------------------------------------------------------


def test_controls_of_an_actor_named_with_equals_set_its_values(tmp_path):
    """The page's controls once spelled their values as ``actors.U=S.noise=0.1``, which reads as
    key ``actors.U`` and value ``S.noise=0.1``: now they set (key parts, value) pairs."""
    path = equals_lesson(tmp_path)
    s = load_scenario(path)
    cs = controls(s)
    values = {c.key: c.default(s) for c in cs}
    values["noise"] = 0.2
    values["U=S_strategy"] = "always_defect"
    scenario, _ = apply(str(path), cs, values)
    us = scenario.actors[scenario.actor_names.index("U=S")]
    assert us.strategies[0].name == "always_defect"
    overrides = [o for c in cs for o in c.overrides(values[c.key])]
    assert (("actors", "U=S", "noise"), "0.2") in overrides


def test_a_set_pair_is_checked_like_a_set_text(tmp_path):
    from sim.scenario.errors import ScenarioError

    path = equals_lesson(tmp_path)
    with pytest.raises(ScenarioError, match=r"^--set actors\.U=S\.noise=2: actors\.U=S\.noise: 2 is out of range"):
        load_scenario(path, [(("actors", "U=S", "noise"), "2")])
    with pytest.raises(ScenarioError, match="non-empty"):
        load_scenario(path, [(("actors", "", "noise"), "0.1")])


# -- the page: an exception is one line ---------------------------------------------------------


def test_a_failing_step_stops_the_run_with_one_line(tmp_path, monkeypatch, capsys):
    from sim.classroom import viz_app
    from sim.model.model import NegotiationModel

    cls = viz_app.model_class(str(equals_lesson(tmp_path)))
    model = cls()
    model.step()

    def broken(self):
        raise ValueError(f"got ['{SECRET}']")

    monkeypatch.setattr(NegotiationModel, "step", broken)
    capsys.readouterr()
    model.step()   # never raises: Mesa's controller would print the message in the page
    assert not model.running and model.t == 1
    assert model.failed == "noise: an error while playing round 2 (ValueError); the server's console says more"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sim viz: noise: ValueError while playing round 2")
    model.step()   # stopped: nothing more
    assert capsys.readouterr().err == ""


def test_a_lesson_that_cannot_be_built_is_one_line_in_the_page(monkeypatch, capsys):
    """The boundary around the lesson: an exception raised while the page is built, drawn or when a
    control's handler runs is one escaped line (the exception's type, never its message)."""
    import solara

    from sim.classroom import viz_app
    from sim.scenario.errors import ScenarioError

    def broken(source):
        raise ScenarioError(f"actors.US.noise: got ['{SECRET}']")

    monkeypatch.setattr(viz_app, "lesson_class", broken)
    box, rc = solara.render(viz_app.Guarded("/somewhere/mine.yaml"), handle_error=False)
    shown = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets]
    assert shown == ["mine: an error while building or drawing the lesson (ScenarioError); the server&#x27;s "
                     "console says more"]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ScenarioError" in err and "Traceback" not in err
    rc.close()


def test_an_exception_in_a_control_handler_is_one_line(monkeypatch, capsys):
    """Exceptions of event handlers deep inside the lesson (a control, Reset) reach the boundary."""
    import ipyvuetify
    import solara

    from sim.classroom import viz_app

    @solara.component
    def Inner():
        def fail():
            raise KeyError(SECRET)
        solara.Button("change", on_click=fail)

    @solara.component
    def Outer(source):
        with solara.Column():
            with solara.Row():
                Inner()

    monkeypatch.setattr(viz_app, "LessonPage", Outer)
    box, rc = solara.render(viz_app.Guarded("/x/why_talk.yaml"), handle_error=False)
    rc.find(ipyvuetify.Btn, children=["change"]).widget.click()
    html = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "why_talk: an error while building or drawing the lesson (KeyError)" in html
    assert SECRET not in html and "Traceback" not in html
    assert capsys.readouterr().err.count("\n") == 1
    rc.close()


# -- the command: a busy port, the network address -----------------------------------------------


def test_a_busy_port_is_one_line_and_status_2(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["viz", "tit_for_tat", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: port {port} is busy on 127.0.0.1: another program (another sim viz?) listens there; "
                   f"stop it or choose another port with --port\n")


def test_every_address_prints_the_network_address_too(monkeypatch, capsys):
    """``--host 0.0.0.0``: localhost and this machine's network address (found without sending a
    packet: a UDP socket's connect only picks the route); the server is then started."""
    from sim.commands import viz

    started = []
    monkeypatch.setattr(viz, "lan_address", lambda: "192.168.1.20")
    monkeypatch.setattr(os, "execve", lambda *a: started.append(a))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["viz", "noise", "--host", "0.0.0.0", "--port", str(port)]) == 0
    out = capsys.readouterr().out
    assert out == (f"sim viz: noise at http://localhost:{port}/ and, for other machines, "
                   f"http://192.168.1.20:{port}/ (Ctrl-C to stop)\n")
    (cmd, argv, env), = started
    assert env["SIM_VIZ_GIVEN"] == "noise" and env["SIM_VIZ_SCENARIO"] == str((LESSONS / "02_noise.yaml").resolve())


def test_the_network_address_is_this_machines():
    from sim.commands.viz import lan_address

    address = lan_address()
    if address is not None:   # a machine with no network has none
        assert not address.startswith("127.")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((address, 0))   # an address of this machine: it can be bound


# -- in the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`sim viz equals` with ``$SIM_LESSONS`` holding two lessons: ``equals`` (an actor named
    ``U=S``) and ``broken`` (named after lesson 1, whose comparison names actors it lacks, so its
    page cannot be built); a secret scenario sits next to the folder. Yields (url, log, folder)."""
    top = tmp_path_factory.mktemp("vizsec")
    folder = top / "lessons"
    folder.mkdir()
    equals_lesson(folder)
    broken = re.sub(r"(?m)^  China:", "  PRC:", (LESSONS / "01_tit_for_tat.yaml").read_text())
    (folder / "02_broken.yaml").write_text(broken)
    secret = secret_yaml(top)
    env = {"SIM_LESSONS": str(folder)}
    log_path = top / "viz.log"
    with viz_server(["equals"], log_path, env) as (url, _):
        yield url, log_path, secret


@pytest.fixture
def page(browser):
    errors = []
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(re.compile(r"^(https?|wss?)://(?!localhost[:/]|127\.0\.0\.1[:/])"), lambda route: route.abort())
    yield page
    page.close()
    assert not errors, errors


def shown_line(page) -> str:
    box = page.locator(".sim-error")
    box.wait_for(timeout=90_000)
    return box.inner_text()


def log_lines(log_path: Path) -> list[str]:
    return log_path.read_text().splitlines()


@pytest.mark.browser
@pytest.mark.slow
def test_a_path_in_the_address_is_one_line_and_no_content(served, page):
    """/etc/passwd, a shipped scenario by ../, a secret scenario by its absolute path, by ../ from
    the lessons folder and %-encoded: the same one line, none of the files' content, no traceback;
    markup in the name is shown as text."""
    url, log_path, secret = served
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    names = ["/etc/passwd", "../../scenarios/baseline", str(secret), "../secret.yaml", "../secret",
             "%2e%2e%2fsecret.yaml", "%2E%2E/%2E%2E/scenarios/baseline", "<img src=x onerror=alert(1)>", ""]
    before = len(log_lines(log_path))
    for raw in names:
        page.goto(f"{url}?lesson={raw if raw.startswith('%') else urllib.parse.quote(raw, safe='/')}")
        name = urllib.parse.unquote(raw)
        assert shown_line(page) == refusal(name, ["equals", "broken"])
        body = page.locator("body").inner_text()
        for hidden in ("Traceback", SECRET, "password", passwd, "root:", baseline.title or "x" * 99,
                       "Tit-for-tat", "Step"):
            assert hidden not in body, (raw, hidden)
        assert body.strip().count("\n") == 0, body
    time.sleep(1)
    new = log_lines(log_path)[before:]
    assert len(new) == len(names) and all(line.startswith("sim viz: refused ?lesson=") for line in new), new


@pytest.mark.browser
@pytest.mark.slow
def test_a_lesson_that_fails_is_one_line_and_the_others_play(served, page):
    """``broken`` fails while its page is built (its comparison names actor China): one line in
    the page and on the server. ``equals`` (an actor named ``U=S``) plays, and its slider, which
    sets ``actors.U=S.noise``, restarts the run."""
    from playwright.sync_api import expect

    url, log_path, _ = served
    before = len(log_lines(log_path))
    page.goto(f"{url}?lesson=broken")
    assert shown_line(page) == ("broken: an error while building or drawing the lesson (ScenarioError); "
                                "the server's console says more")
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "China" not in body and "no key" not in body
    time.sleep(1)
    new = log_lines(log_path)[before:]
    assert len(new) == 1 and new[0].startswith("sim viz: broken: ScenarioError while building"), new

    for query in ("", "?lesson=equals"):
        page.goto(url + query)
        page.get_by_role("button", name="Step").wait_for(timeout=90_000)
        counter = page.locator(".sim-step")
        for i in (1, 2, 3):
            page.get_by_role("button", name="Step").click()
            expect(counter).to_contain_text(f"Rounds played: {i}", timeout=30_000)
        expect(page.locator(".sim-score")).to_contain_text("U=S")
    slider = page.locator(".v-input", has_text="Noise, both sides")
    slider.locator(".v-slider__thumb-container").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(slider).to_contain_text("Noise, both sides: 0.1", timeout=30_000)
    expect(counter).to_contain_text("Rounds played: 0", timeout=30_000)
    assert page.locator(".sim-error").count() == 0
    assert "Traceback" not in page.locator("body").inner_text()
    assert "Traceback" not in log_path.read_text()
