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
        while not button("Step").disabled or rc.find(v.Btn, children=["❚❚"]).widgets:
            assert time.monotonic() < deadline, "Play did not reach the end"
            time.sleep(0.05)
        took = time.monotonic() - start
        assert took >= 10 * PLAY_MS / 1000 * 0.9          # never faster than its pace
        assert button("▶").disabled                         # the end: nothing left to play
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
