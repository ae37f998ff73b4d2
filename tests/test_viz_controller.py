"""The live page's Reset / Play / Step controller, rendered by Solara in this process (no browser;
needs the viz extra, which CI installs: it fails, never skips, without it)."""

from __future__ import annotations

import time
import warnings



def render(name: str):
    import ipyvuetify as v
    import solara

    from sim.classroom import viz_app
    from sim.classroom.lessons import find_lesson

    warnings.filterwarnings("ignore", category=UserWarning)
    cls = viz_app.lesson_class(str(find_lesson(name)))
    box, rc = solara.render(viz_app.LessonTab(cls), handle_error=False)
    return rc, (lambda label: rc.find(v.Btn, children=[label]).widget), v


def test_a_change_after_the_end_starts_a_playable_run():
    """Issue 21: after the game's end a control change greyed Step and Play until Reset."""
    rc, button, v = render("tit_for_tat")
    try:
        for _ in range(10):
            button("Step").click()
        assert button("Step").disabled and button("▶").disabled
        rc.find(v.Select).widgets[1].v_model = "tit_for_tat"          # China plays tit_for_tat
        assert not button("Step").disabled and not button("▶").disabled
        button("Step").click()
        assert not button("Step").disabled
    finally:
        rc.close()


def test_play_keeps_its_pace_and_stops_at_the_end():
    from sim.classroom.viz_app import PLAY_MS

    rc, button, v = render("tit_for_tat")
    try:
        start = time.monotonic()
        button("▶").click()
        deadline = start + 30
        assert button("▶").disabled and not button("❚❚").disabled and button("Step").disabled   # playing
        while not button("Step").disabled or not button("❚❚").disabled:
            assert time.monotonic() < deadline, "Play did not reach the end"
            time.sleep(0.05)
        took = time.monotonic() - start
        assert took >= 10 * PLAY_MS / 1000 * 0.9          # never faster than its pace
        assert button("▶").disabled                         # the end: nothing left to play
    finally:
        rc.close()


def test_pause_clicked_twice_stays_paused():
    """A double click on ❚❚ (or a click the server handles late, after the first one's render):
    paused, and the rounds stop. With one button that toggled, the second click played on."""
    import re

    from sim.classroom.viz_app import PLAY_MS

    rc, button, v = render("noise")                    # 200 rounds: far from the end
    try:
        def played() -> int:
            html = rc.find(attributes={"class": "sim-step"}).widget.unsafe_innerHTML
            return int(re.search(r"Rounds played: (\d+)", html).group(1))

        button("▶").click()
        deadline = time.monotonic() + 30
        while played() < 2:
            assert time.monotonic() < deadline, "Play did not start"
            time.sleep(0.05)
        pause = button("❚❚")
        pause.click()
        pause.click()                                   # the same widget, as a second click reaches it
        time.sleep(0.1)                                 # a round being played when the click came ends
        stopped = played()
        time.sleep(5 * PLAY_MS / 1000)                  # five rounds at Play's pace
        assert played() == stopped < 200
        assert not button("▶").disabled and not button("Step").disabled and button("❚❚").disabled
    finally:
        rc.close()


def test_docs_quote_the_page_constants():
    """docs/classroom.md's figures for Play, the outcome panel and the tournament's animation."""
    from pathlib import Path

    from sim.classroom.viz_app import FRAME_S, FRAMES, OUTCOME_RUNS, PLAY_MS

    text = " ".join((Path(__file__).resolve().parents[1] / "docs" / "classroom.md").read_text().split())
    assert f"a round every {PLAY_MS / 1000:g} s ({1000 / PLAY_MS:g} a second)" in text
    assert f"runs the lesson {OUTCOME_RUNS} times" in text
    assert f"its designed {FRAMES * FRAME_S:g} seconds ({FRAMES} pictures, a quarter of a second apart" in text
    assert FRAME_S == 0.25


def test_pages_share_a_lessons_comparison_and_outcome_panel(monkeypatch):
    """Two pages of one lesson compute its comparison and its outcome panel once (a class of thirty
    opening a lesson costs one computation, not thirty); a control's new value is computed anew,
    and a page's panels show the same numbers as one computed alone."""
    from sim.classroom import viz_app

    counts = {"compare": 0, "outcome": 0}
    for name in counts:
        real = getattr(viz_app, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            counts[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(viz_app, name, counted)
    monkeypatch.setattr(viz_app, "_SHARED", {})
    first, _, v = render("noise")
    second, _, _ = render("noise")
    try:
        assert counts == {"compare": 1, "outcome": 1}
        def panel(rc) -> str:
            return rc.find(attributes={"class": "sim-outcome"}).widget.unsafe_innerHTML

        html = [panel(rc) for rc in (first, second)]
        assert html[0] == html[1]
        first.find(v.Slider).widgets[0].v_model = 0.2                # noise: a value no page had
        assert counts == {"compare": 1, "outcome": 2}
        assert panel(first) != html[0]
    finally:
        first.close()
        second.close()
