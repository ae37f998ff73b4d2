"""A freeze is shown where a person looks: the step table of `sim trace` and the live page's news
line say "China freezes the channel" at the step it begins and "the channel thaws" when it ends."""

from __future__ import annotations

import pytest

from sim.model.trace import format_table, trace_scenario
from sim.scenario.load import load_scenario

SCENARIO = """name: freeze_shown
seed: 1
horizon: 10
actors:
  US: {strategies: {ai: always_cooperate}}
  China: {strategies: {ai: always_cooperate}}
tracks:
  ai: {role: channel}
events:
  - name: Arms sale
    tags: [sovereignty]
    at: 2
    effects: [{target: actors.China.hawkishness, add: 0.1}]
  - name: China walks out in protest
    when: {fired_tag: sovereignty}
    effects: [{freeze: ai, actor: China}]
  - name: Leaders meet
    tags: [leaders_meeting]
    at: 6
    effects: [{thaw: ai}]
"""


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "freeze_shown.yaml"
    path.write_text(SCENARIO)
    return path


def test_the_trace_says_who_froze_the_channel_and_when_it_thawed(scenario):
    s = load_scenario(scenario)
    records = list(trace_scenario(s))
    rows = format_table(s, records).splitlines()[2:]   # after the two header lines
    frozen = [r.step for r in records if r.tracks[0].frozen[1]]
    assert frozen == [3, 4, 5]                            # from the step after the shock to the meeting
    assert "China freezes the channel" in rows[3] and "the channel thaws" in rows[6]
    assert sum("freezes the channel" in r for r in rows) == 1


def test_the_live_page_news_says_it_too(scenario):
    from sim.classroom import viz_app

    class Lesson(viz_app.ClassroomModel):
        source, controls, base = str(scenario), [], load_scenario(scenario)

    model = Lesson()
    for _ in range(7):
        model.step()
    news = viz_app.news_html(model)
    assert "round 3: China freezes the channel" in news and "round 6: the channel thaws" in news
    strip = viz_app.strip_html(model)
    assert "\u2744" in strip and "walked out until a thaw" in strip
