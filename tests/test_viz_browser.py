"""`sim viz` in a real browser: Debian's chromium driven headless through Playwright.

Needs the `viz` and `test` extras and /usr/bin/chromium (.ci/install-browser). It fails, never
skips, when they are missing: CI installs both. One server and one browser serve every test;
each lesson is opened on the same server with ``?lesson=NAME``. The viewport is a projector's
1280x720. docs/make_screenshots.py regenerates the screenshots in docs/classroom/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import viz_server

from sim import load_scenario
from sim.classroom.controls import controls
from sim.classroom.play import Game

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "scenarios" / "lessons").glob("*.yaml"))
VIEW = {"width": 1280, "height": 720}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The one server of the module. Its Play runs as fast as the page draws (games played to their
    end quickly): only check_after_the_end presses Play, and Play's
    own 400 ms pace is tested in tests/test_viz_controller.py (one server start less, 8 to 20 s)."""
    with viz_server(["tit_for_tat"], tmp_path_factory.mktemp("viz") / "viz.log",
                    env={"SIM_VIZ_PLAY_MS": "1"}) as (url, log):
        log.seek(0)
        assert f"at {url}" in log.read()
        yield url


@pytest.fixture
def page(browser):
    """A 1280x720 page that may only reach localhost; page errors and failed requests fail the test."""
    errors, outside, failed = [], [], []
    page = browser.new_page(viewport=VIEW)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))

    def local_only(route):
        url = route.request.url
        if re.match(r"^(https?|wss?)://(localhost|127\.0\.0\.1)[:/]", url) or not url.startswith(("http", "ws")):
            return route.continue_()
        outside.append(url)
        return route.abort()

    page.route("**/*", local_only)
    yield page
    page.close()
    assert not errors, errors
    assert not outside, f"the page reached outside localhost: {outside}"
    assert not failed, failed


def open_lesson(page, server, name: str):
    page.goto(f"{server}?lesson={name}")
    page.get_by_role("button", name="Step").wait_for(timeout=90_000)
    return page.locator(".sim-step")


def open_tab(page, name: str) -> None:
    """Switch to tab ``name`` and wait for its slide-in to end: during the slide the tab's buttons
    are visible but moving, and a click there can miss them (seen on a loaded machine: the first
    click on "C" after the switch was lost)."""
    from playwright.sync_api import expect

    tab = page.get_by_role("tab", name=name)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.locator(".v-window__container--is-active")).to_have_count(0, timeout=30_000)


def step(page, counter, n: int, start: int = 0):
    from playwright.sync_api import expect

    for i in range(start + 1, start + n + 1):
        page.get_by_role("button", name="Step").click()
        expect(counter).to_contain_text(f"Rounds played: {i}", timeout=30_000)
        # the panels render apart from the counter; each marks the round it shows
        expect(page.locator(f"[data-round]:not([data-round='{i}'])")).to_have_count(0, timeout=30_000)


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEW["height"] \
        and box["x"] + box["width"] <= VIEW["width"]


def numbers(texts) -> list[float]:
    return [float(t) for t in texts]


def check_lesson_page(page, server, s, name):
    """The lesson's page: its controls (and no others, no Mesa internals), the payoff matrix with its
    labels, scores that add up the payoffs in the moves strip, all on the first 1280x720 screen.
    Leaves the run at round 3; returns the round counter."""
    from playwright.sync_api import expect

    counter = open_lesson(page, server, name)
    expect(page.locator(".sim-title")).to_contain_text(s.lesson.title)
    side = page.locator(".sim-side").first.bounding_box()
    for label in ("Reset", "▶", "❚❚", "Step"):   # in one row inside the side column, clear of the counter
        box = page.get_by_role("button", name=label).bounding_box()
        assert box["x"] + box["width"] <= min(side["x"] + side["width"], counter.bounding_box()["x"]), (name, label)
    body = page.locator("body").inner_text()
    for hidden in ("Render Interval", "Use Threads", "Play Interval", "runs on Solara"):
        assert hidden not in body, f"{name}: {hidden!r} shown"
    shown = controls(s)
    for c in shown:
        expect(page.get_by_text(c.label, exact=False).first).to_be_visible()
    assert page.locator(".sim-control").count() == sum(c.is_menu or c.key == "seed" for c in shown)
    assert page.locator(".v-slider").count() == sum(not c.is_menu and c.key != "seed" for c in shown), name
    matrix = page.locator(".sim-matrix").first.inner_text()
    assert s.tracks[0].labels[0] in matrix and s.tracks[0].labels[1] in matrix
    step(page, counter, 3)
    for c in shown:   # the values shown are the lesson's (the browser's slider grid does not move them)
        if not c.is_menu and c.key != "seed":
            expect(page.locator(".v-input", has_text=c.label)).to_contain_text(f"{c.label}: {c.default(s):g}")
    text = counter.inner_text()
    if s.continuation is not None:
        assert re.fullmatch(r"Rounds played: 3( \(game over\))?", text.strip()), text
    else:
        assert f"of {s.horizon}" in text
    rows = page.locator("tr.sim-moves")
    assert rows.count() == 2 * len(s.tracks)
    assert in_view(page, rows.last) and in_view(page, page.locator(".sim-score")), f"{name}: scrolled away"
    totals = numbers(page.locator(".sim-total").all_inner_texts())
    pays = [numbers(r.locator("td.pay").all_inner_texts()[1:]) for r in page.locator("tr:has(td.name.pay)").all()]
    per_side = [sum(sum(p) for p in pays[i::2]) for i in range(2)]
    cells = sum(len(p) for p in pays[::2])
    # the page shows payoffs with at most 1 decimal (totals 2): sums agree within that rounding
    assert totals == pytest.approx(per_side, abs=0.05 * cells + 0.005), name
    assert page.locator(".sim-compare tr").count() >= 3
    assert page.locator(".sim-population").count() == (s.nonstate is not None), name
    return counter


def test_population_marks_the_groups_of_an_incident(server, page):
    """Why talk at all?: one square per group, coloured by capability; the groups that caused an
    incident this round are exactly the model's (run 0 of the lesson's seed: incidents in rounds 2
    and 3, none before), and the counts add up."""
    from playwright.sync_api import expect

    from sim import NegotiationModel
    from sim.classroom.viz_app import capability_colour

    s = load_scenario(next(p for p in LESSONS if "why_talk" in p.stem))
    model = NegotiationModel(s, runs=[0], twins=[s.twin("channel_closed")])
    counter = open_lesson(page, server, "why_talk")
    groups = page.locator(".sim-population td.sim-group")
    expect(groups).to_have_count(s.nonstate.groups)
    expect(page.locator(".sim-pop-legend")).to_contain_text("colour = capability")
    so_far, before = 0, None
    for i in range(4):
        step(page, counter, 1, start=i)
        model.step()
        hits = [g.index for g in model.population.groups if g.incident[0]]
        so_far += len(hits)
        expect(page.locator(".sim-incidents-now")).to_have_text(str(len(hits)))
        marked = page.evaluate("() => [...document.querySelectorAll('.sim-population td.sim-group')]"
                               ".map((td, i) => td.classList.contains('sim-hit') ? i : -1).filter(i => i >= 0)")
        assert marked == hits, (i, marked, hits)
        assert [groups.nth(j).inner_text() for j in hits] == ["!"] * len(hits)
        assert page.locator(".sim-incidents-total").inner_text() == str(so_far)
        assert page.locator(".sim-incidents-closed").inner_text() == str(int(model.population.incidents[1]))
        risk = [f"{float(a.risk_perception[0]):.2f}" for a in model.actors]
        assert page.locator(".sim-risk").all_inner_texts() == risk
        if before is not None:   # an incident raises both sides' risk perception; without one it does not rise
            up = [float(x) > float(y) for x, y in zip(risk, before)]
            assert all(up) if hits else not any(up), (i, risk, before)
        before = risk
    assert so_far >= 1 and marked, "no incident in the first four rounds: pick another seed"
    colours = page.evaluate("() => [...document.querySelectorAll('.sim-population td.sim-group')]"
                            ".map(td => td.style.background || td.style.backgroundColor)")
    want = [capability_colour(c) for c in model.population.capability[:, 0]]
    rgb = [f"rgb({int(w[1:3], 16)}, {int(w[3:5], 16)}, {int(w[5:7], 16)})" for w in want]
    assert colours == rgb
    assert in_view(page, page.locator("tr.sim-moves").last) and in_view(page, page.locator(".sim-score"))


def test_a_control_restarts_the_run_with_the_value_shown(server, page):
    from playwright.sync_api import expect

    counter = open_lesson(page, server, "noise")
    step(page, counter, 4)
    slider = page.locator(".v-input", has_text="Noise, both sides")
    expect(slider).to_contain_text("Noise, both sides: 0.05")
    slider.locator(".v-slider__thumb-container").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(slider).to_contain_text("Noise, both sides: 0.1", timeout=30_000)
    expect(counter).to_contain_text("Rounds played: 0", timeout=30_000)
    step(page, counter, 2)
    page.get_by_role("button", name="Reset").click()
    expect(counter).to_contain_text("Rounds played: 0", timeout=30_000)
    expect(slider).to_contain_text("Noise, both sides: 0.1")   # Reset keeps the settings shown
    page.locator(".sim-neutral").get_by_text("Neutral names (Blue, Red)").click()
    expect(page.locator(".sim-score")).to_contain_text("Blue")
    expect(page.locator(".sim-score")).to_contain_text("Red")
    assert "China" not in page.locator(".sim-score").inner_text()
    expect(counter).to_contain_text("Rounds played: 0")        # a display option: the run is not restarted


def test_ten_rounds_against_the_computer(server, page):
    """Ten clicks; both moves shown; the scores are the payoff matrix's sums; then the reveal."""
    from playwright.sync_api import expect

    s = load_scenario(LESSONS[0])
    game = Game.of(s)
    open_lesson(page, server, "tit_for_tat")
    open_tab(page, "Play the computer")
    mine = "CCDCCDCCCD"
    for i, move in enumerate(mine, 1):
        page.locator(f".sim-play-{move.lower()}").click()
        expect(page.locator(".sim-play-status")).to_contain_text(f"Round {i} of 10", timeout=30_000)
    rows = page.locator("tr.sim-play-row")
    letters = [r.locator("td:not(.name)").all_inner_texts() for r in rows.all()]
    you = [x == "C" for x in letters[0]]
    them = [x == "C" for x in letters[1]]
    assert you == [m == "C" for m in mine] and len(them) == 10
    want_you = sum(game.payoff(a, b) for a, b in zip(you, them))
    want_them = sum(game.payoff(b, a) for a, b in zip(you, them))
    assert float(page.locator(".sim-play-you").inner_text()) == want_you
    assert float(page.locator(".sim-play-it").inner_text()) == want_them
    expect(page.locator(".sim-play-reveal")).to_contain_text("The computer played")
    assert page.locator(".sim-play-c").is_disabled()


def test_live_tournament_with_a_chosen_mix(server, page):
    from playwright.sync_api import expect

    open_lesson(page, server, "noise")
    open_tab(page, "Tournament")
    slider = page.locator(".v-input", has_text="always_defect:")
    slider.locator(".v-slider__thumb-container").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    expect(slider).to_contain_text("always_defect: 20")
    page.locator(".sim-run-tournament").click()
    expect(page.locator(".sim-ranking")).to_contain_text("tit_for_tat", timeout=60_000)
    shares = page.locator(".sim-shares")
    first = shares.inner_text()
    # the start is the chosen mix: 20 of 50 always-defect
    assert "t = 0:" in first and "always_defect 40%" in first, first
    expect(shares).not_to_have_text(first, timeout=30_000)   # it animates


@pytest.mark.parametrize("lesson", ["narrow_channel", "noise"])
def test_handout_prints_without_cut_columns(browser, tmp_path, lesson):
    """Printed to A4 PDF by chromium: nothing wider than the page, and a handful of pages."""
    from sim.cli import main

    assert main(["handout", lesson, "--out", str(tmp_path), "--runs", "50"]) == 0
    page = browser.new_page()
    try:
        page.goto((tmp_path / f"{lesson}.html").as_uri())
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 718, "height": 1000})   # A4 minus 1 cm margins at 96 dpi
        wide = page.evaluate("""() => [...document.querySelectorAll('pre, img, table')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > innerWidth + 1)
            .map(e => e.tagName + ' ' + e.scrollWidth + '>' + e.clientWidth)""")
        assert not wide, wide
        pdf = page.pdf(format="A4", margin={"top": "1cm", "bottom": "1cm", "left": "1cm", "right": "1cm"})
    finally:
        page.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 2 <= pages <= 8, pages


def change_control(page, c, s, value_now):
    """Move control ``c`` one notch (a menu: another entry; a slider: one step; the seed: +1)."""
    from playwright.sync_api import expect

    if c.key == "seed":
        box = page.locator(".v-input", has_text=c.label).locator("input")
        box.fill(str(int(value_now) + 1))
        box.press("Enter")
        box.blur()          # a text input also commits on leaving it (the same value twice is no change)
        return int(value_now) + 1
    if c.is_menu:
        new = next(x for x in c.choices if x != value_now)
        select = page.locator(".v-select", has_text=c.label)
        for _ in range(3):   # a click during the menu's opening animation can miss: try again
            select.click()
            page.locator(".menuable__content__active .v-list-item", has_text=re.compile(f"^{new}$")).click()
            try:
                expect(select).to_contain_text(new, timeout=10_000)
                break
            except AssertionError:
                page.keyboard.press("Escape")
        expect(select).to_contain_text(new)
        return new
    slider = page.locator(".v-input", has_text=c.label)
    slider.locator(".v-slider__thumb-container").focus()
    up = float(value_now) + c.step <= c.hi + 1e-9
    page.keyboard.press("ArrowRight" if up else "ArrowLeft")
    # the browser's slider moves to its grid (an off-grid lesson value: to the nearest notch that way)
    expect(slider).not_to_have_text(re.compile(re.escape(f"{c.label}: {float(value_now):g}") + r"\s*$"),
                                    timeout=30_000)
    return float(re.search(re.escape(c.label) + r": ([-\d.e]+)", slider.inner_text()).group(1))



def check_after_the_end(page, s, name, counter):
    """The lesson played on to its end (Step and Play greyed), then every control and the seed
    changed one after another: each change starts a run at round 0 whose Step and Play are enabled,
    and a Step plays round 1 and Play plays on (it was frozen until Reset: issue 21)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    step_button, play = page.get_by_role("button", name="Step"), page.get_by_role("button", name="▶")
    pause = page.get_by_role("button", name="❚❚")
    if play.is_enabled():   # a lesson with a chance of ending each round may be over at round 3
        play.click()
    the_end = (f"Rounds played: {s.horizon} of {s.horizon}" if s.continuation is None
               else re.compile(r"\(game over\)"))
    expect(counter).to_contain_text(the_end, timeout=120_000)
    for button in (step_button, play, pause):   # the end: nothing to step, play or pause
        expect(button).to_be_disabled()
    shown = controls(s)
    assert shown, name
    values = {c.key: c.default(s) for c in shown}
    for c in shown:
        values[c.key] = change_control(page, c, s, values[c.key])
        try:
            expect(counter).to_contain_text("Rounds played: 0", timeout=15_000)
        except AssertionError:
            # known, left open (closing note of issue 21): a slider whose lesson value is off its
            # grid may report its first notch as the browser's own snap, which the page ignores
            # (viz_app.snapped); one more notch is a change the page must take
            values[c.key] = change_control(page, c, s, values[c.key])
            expect(counter).to_contain_text("Rounds played: 0", timeout=30_000)
        expect(step_button).to_be_enabled(timeout=30_000)
        expect(play).to_be_enabled()
        step(page, counter, 1)
        page.get_by_role("button", name="▶").click()
        expect(counter).to_contain_text(re.compile(r"Rounds played: ([2-9]|\d\d)"), timeout=30_000)   # plays on
        # stopped before the next control: paused, or at the end (❚❚ greyed either way). ❚❚ only
        # pauses, so a click the busy server handles late, or a second one, cannot play on
        if pause.is_enabled():   # (a short game is often over already: no click to wait for)
            try:
                pause.click(timeout=500)
            except PlaywrightTimeout:   # the game ended before the click: ❚❚ greyed
                pass
        expect(pause).to_be_disabled(timeout=60_000)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem.split("_", 1)[1])
def test_each_lesson_page_teaches_its_lesson_and_plays_on_after_any_change(server, page, path):
    """One page per lesson, opened once: check_lesson_page, then check_after_the_end."""
    s, name = load_scenario(path), path.stem.split("_", 1)[1]
    counter = check_lesson_page(page, server, s, name)
    check_after_the_end(page, s, name, counter)


def test_tournament_with_all_strategies_fits_the_screen(server, page):
    """All nine strategies chosen: the Run button is on the 1280x720 screen, each strategy has its
    own colour, the ranking lists all nine, and the animation lasts about its designed 6 s."""
    import time

    from playwright.sync_api import expect

    from sim.classroom.controls import MENU
    from sim.classroom.viz_app import FRAME_S, FRAMES, strategy_colour

    assert len({strategy_colour(s) for s in MENU}) == len(MENU)
    open_lesson(page, server, "tit_for_tat")
    open_tab(page, "Tournament")
    page.locator(".sim-strategies").click()
    for s in MENU:
        item = page.locator(".menuable__content__active .v-list-item", has_text=re.compile(f"^{s}$"))
        if item.get_attribute("aria-selected") != "true":
            item.click()
    page.keyboard.press("Escape")
    expect(page.locator(".sim-count")).to_have_count(len(MENU), timeout=30_000)
    run = page.locator(".sim-run-tournament")
    assert in_view(page, run), run.bounding_box()
    run.click()
    shares = page.locator(".sim-shares")
    expect(shares).to_contain_text("t = 0:", timeout=120_000)
    start = time.monotonic()
    expect(shares).to_contain_text("t = 60:", timeout=60_000)
    took = time.monotonic() - start
    assert FRAMES * FRAME_S * 0.8 <= took <= FRAMES * FRAME_S + 6, took
    assert page.locator(".sim-ranking tr").count() == len(MENU) + 1


def test_static_page_replays_the_run_from_file(browser, tmp_path):
    """`sim export-page`: opened from file:// with every request outside the file refused, Step
    advances the round and the scores are the model's run; Back and Play work; no page error."""
    from playwright.sync_api import expect

    from sim.cli import main
    from sim.model.trace import trace_scenario

    assert main(["export-page", "narrow_channel", str(tmp_path)]) == 0
    s = load_scenario(next(p for p in LESSONS if "narrow_channel" in p.stem))
    want = [[round(float(a.payoff), 2) for a in r.actors] for r in trace_scenario(s, run=0)]
    page = browser.new_page(viewport=VIEW)
    errors, outside = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
               else (outside.append(r.request.url), r.abort()))
    try:
        page.clock.install()   # the page's timers on Playwright's clock: Play's 400 ms a round run fast below
        page.goto((tmp_path / "narrow_channel_replay.html").as_uri())
        counter = page.locator("#sim-counter")
        expect(counter).to_have_text(f"Rounds played: 0 of {s.horizon}")
        for i in range(1, 6):
            page.locator("#sim-stepbtn").click()
            expect(counter).to_have_text(f"Rounds played: {i} of {s.horizon}")
            assert numbers(page.locator(".sim-total").all_inner_texts()) == want[i - 1], i
            assert page.locator("tr.sim-moves").count() == 2 * len(s.tracks)
            # the charts hold the whole run and uncover it up to this round
            shown = page.evaluate("() => [...document.querySelectorAll('svg.sim-chart')].map(svg => "
                                  "[parseFloat(svg.querySelector('rect.sim-reveal').getAttribute('width')), "
                                  "parseFloat(svg.dataset.dx)])")
            assert len(shown) == len(s.tracks) + 1 and all(abs(w - (i * dx + 4)) < 1e-6 for w, dx in shown), i
        page.locator("#sim-backbtn").click()
        expect(counter).to_have_text(f"Rounds played: 4 of {s.horizon}")
        assert in_view(page, page.locator(".sim-score")) and in_view(page, page.locator(".sim-matrix").first)
        page.locator("#sim-playbtn").click()
        page.clock.run_for(s.horizon * 400 + 1_000)   # every round's timer fires, in order (12 s real time before)
        expect(counter).to_have_text(f"Rounds played: {s.horizon} of {s.horizon}", timeout=60_000)
        assert numbers(page.locator(".sim-total").all_inner_texts()) == want[-1]
        expect(page.locator("#sim-stepbtn")).to_be_disabled()
    finally:
        page.close()
    assert not errors and not outside, (errors, outside)


def test_shared_danger_moves_the_channel_on_the_page(server, page):
    """Lesson 8's outcome panel: held/broken, the pacified twin and the rivalry's effect, re-run when
    the "Shared danger" slider moves; at 0 the channel holds in fewer runs than at the lesson's 0.2."""
    from playwright.sync_api import expect

    from sim.classroom.outcomes import outcome
    from sim.classroom.viz_app import OUTCOME_RUNS

    open_lesson(page, server, "narrow_channel")
    panel = page.locator(".sim-outcome")
    for row in ("the channel held", "the channel broke", "held in the pacified twin", "the rivalry's effect"):
        expect(panel).to_contain_text(row)
    s = load_scenario(next(p for p in LESSONS if "narrow_channel" in p.stem))
    want = dict(outcome(s, runs=OUTCOME_RUNS).rows)["the channel held"]
    expect(panel).to_contain_text(want)
    slider = page.locator(".v-input", has_text="Shared danger")
    slider.locator(".v-slider__thumb-container").focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
    expect(slider).to_contain_text("Shared danger (risk), both sides: 0", timeout=30_000)
    low = dict(outcome(load_scenario(s.file, ["actors.*.risk_perception=0"]), runs=OUTCOME_RUNS).rows)
    expect(panel).to_contain_text(low["the channel held"], timeout=30_000)
    assert int(low["the channel held"].split()[0]) < int(want.split()[0])
