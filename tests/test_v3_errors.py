"""Errors in the keys of model version 3 (tags, freeze and thaw, thaw_rate, level_linkage,
value_scale, rules under uncertainty, twins that set parameters or skip tags): one line naming
the file, the line and the key path, exit status 2."""

from __future__ import annotations

import pytest
import yaml

from sim import NegotiationModel, scenario_from_dict
from sim.cli import main
from test_scenario_errors import validate_error, write
from test_scenario_errors_v2 import check_case

BASE = """name: v3
horizon: 24
value_scale: step
actors:
  US:
    strategies:
      ai: {name: tit_for_tat, level_linkage: 0.3}
      chips: tit_for_tat
  China:
    strategies:
      ai:
        choice:
          - {name: forward_looking, rationality: 2}
          - tit_for_tat
        weights: [1, 2]
      chips: always_defect
tracks:
  ai: {role: channel, thaw_rate: 0.1, audience_weight: 0.5}
  chips:
    ladder: {rungs: [a, b, c, d]}
events:
  - name: Arms sale
    tags: [sovereignty]
    probability: 0.1
    effects:
      - {target: actors.China.hawkishness, add: 0.1}
  - name: Protest
    when: {fired_tag: sovereignty}
    probability: 0.5
    delay: {choice: [0, 1, 2]}
    effects:
      - {freeze: ai, actor: China}
  - name: Summit
    tags: [leaders_meeting]
    probability: 0.05
    effects:
      - {thaw: ai}
twins:
  unlinked:
    set: {actors.*.strategies.ai.level_linkage: 0}
    mechanism: level linkage
  no_summits:
    skip_tags: [leaders_meeting]
"""

LINKAGE_SET = "set: {actors.*.strategies.ai.level_linkage: 0}"

CASES = [
    # (description, old text, new text, needle for the line, expected key path, expected words)
    ("fired_tag names no tag", "{fired_tag: sovereignty}", "{fired_tag: sovereinty}", "sovereinty",
     "events.1.when.fired_tag", "no event carries the tag 'sovereinty' (did you mean 'sovereignty'?)"),
    ("empty tag", "tags: [sovereignty]", 'tags: [""]', 'tags: [""]', "events.0.tags.0", "at least 1 character"),
    ("freeze of an unknown track", "{freeze: ai, actor: China}", "{freeze: aii, actor: China}", "freeze: aii",
     "events.1.effects.0.freeze", "unknown track 'aii' (did you mean 'ai'?)"),
    ("freeze by an unknown actor", "{freeze: ai, actor: China}", "{freeze: ai, actor: Chna}", "actor: Chna",
     "events.1.effects.0.actor", "unknown actor 'Chna' (did you mean 'China'?)"),
    ("freeze without actor", "{freeze: ai, actor: China}", "{freeze: ai}", "{freeze: ai}",
     "events.1.effects.0", "a freeze effect is {freeze: TRACK, actor: NAME} and nothing else"),
    ("freeze with a track key", "{freeze: ai, actor: China}", "{freeze: ai, actor: China, track: ai}",
     "{freeze: ai, actor: China, track: ai}", "events.1.effects.0",
     "a freeze effect is {freeze: TRACK, actor: NAME} and nothing else"),
    ("thaw with an actor", "{thaw: ai}", "{thaw: ai, actor: China}", "{thaw: ai, actor: China}",
     "events.2.effects.0", "a thaw effect is {thaw: TRACK} and nothing else"),
    ("thaw of an unknown track", "{thaw: ai}", "{thaw: aii}", "thaw: aii", "events.2.effects.0.thaw",
     "unknown track 'aii' (did you mean 'ai'?)"),
    ("thaw_rate above 1", "thaw_rate: 0.1", "thaw_rate: 1.5", "thaw_rate: 1.5", "tracks.ai.thaw_rate",
     "1.5 is out of range: expected a number in [0, 1]"),
    ("level_linkage on a rule that does not react", "ai: {name: tit_for_tat, level_linkage: 0.3}",
     "ai: {name: always_cooperate, level_linkage: 0.3}", "always_cooperate, level_linkage",
     "actors.US.strategies.ai", "level_linkage needs a reciprocal or forward-looking rule ('always_cooperate'"),
    ("level_linkage on a rivalry track", "chips: tit_for_tat", "chips: {name: tit_for_tat, level_linkage: 0.2}",
     "chips: {name: tit_for_tat, level_linkage", "actors.US.strategies.chips.level_linkage",
     "level_linkage applies to the channel track only"),
    ("level_linkage above 1", "level_linkage: 0.3", "level_linkage: 1.3", "level_linkage: 1.3",
     "actors.US.strategies.ai.level_linkage", "1.3 is out of range: expected a number in [0, 1]"),
    ("value_scale misspelt", "value_scale: step", "value_scale: bogus", "value_scale: bogus", "value_scale",
     "'step' or 'total'"),
    ("value_scale on a rule without rationality", "chips: tit_for_tat", "chips: {name: tit_for_tat, value_scale: total}",
     "value_scale: total", "actors.US.strategies.chips", "value_scale goes with forward_looking only"),
    ("value_scale misspelt inside a choice", "{name: forward_looking, rationality: 2}",
     "{name: forward_looking, rationality: 2, value_scale: totl}", "value_scale: totl",
     "actors.China.strategies.ai.choice.0.value_scale", "'step' or 'total'"),
    ("more weights than rules", "weights: [1, 2]", "weights: [1, 2, 3]", "weights:",
     "actors.China.strategies.ai.weights", "3 weights for 2 rules: give one weight per rule"),
    ("all weights zero", "weights: [1, 2]", "weights: [0, 0]", "weights:", "actors.China.strategies.ai.weights",
     "the weights of a choice must not all be zero"),
    ("negative weight", "weights: [1, 2]", "weights: [-1, 2]", "weights:", "actors.China.strategies.ai.weights.0",
     "-1 is out of range"),
    ("misspelt weights", "weights: [1, 2]", "weight: [1, 2]", "weight:", "actors.China.strategies.ai.weight",
     "unknown key 'weight' (did you mean 'weights'?)"),
    ("unknown rule inside a choice", "          - tit_for_tat\n", "          - tit_for_tatt\n", "tit_for_tatt",
     "actors.China.strategies.ai.choice.1", "unknown strategy 'tit_for_tatt' (did you mean 'tit_for_tat'?)"),
    ("bad parameter inside a choice", "rationality: 2}", "rationality: -2}", "rationality: -2",
     "actors.China.strategies.ai.choice.0.rationality", "-2 is out of range"),
    ("twin set names no parameter", LINKAGE_SET, "set: {actors.*.strategies.ai.level_linkag: 0}", "level_linkag:",
     "twins.unlinked.set.actors.*.strategies.ai.level_linkag", "names no parameter of this scenario"),
    ("twin set out of range", LINKAGE_SET, "set: {actors.*.strategies.ai.level_linkage: 2}", "level_linkage: 2",
     "twins.unlinked.set.actors.*.strategies.ai.level_linkage",
     "2 is out of range for actors.US.strategies.ai.level_linkage: expected a number in [0, 1]"),
    ("twin set distribution out of range", LINKAGE_SET, "set: {actors.*.discount: {uniform: [0.5, 1.5]}}",
     "actors.*.discount", "twins.unlinked.set.actors.*.discount", "must be ordered and each a number in [0, 1)"),
    ("twin set a fractional rule", LINKAGE_SET, "set: {actors.China.strategies.ai.rule: 0.5}", "rule: 0.5",
     "twins.unlinked.set.actors.China.strategies.ai.rule",
     "is which rule a run plays: set a whole number (0 forward_looking, 1 tit_for_tat)"),
    ("twin set a delay beyond the event's longest", LINKAGE_SET, "set: {events.protest.delay: 5}", "delay: 5",
     "twins.unlinked.set.events.protest.delay", "is a delay: set a whole number of steps from 0 to 2"),
    ("twin skip_tags names no tag", "skip_tags: [leaders_meeting]", "skip_tags: [leaders_meting]", "leaders_meting",
     "twins.no_summits.skip_tags.0", "no event carries the tag 'leaders_meting' (did you mean 'leaders_meeting'?)"),
]


def test_base_is_valid(tmp_path):
    assert main(["validate", str(write(tmp_path, BASE))]) == 0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_v3_error_names_file_line_key(case, tmp_path, capsys):
    check_case(BASE, case, tmp_path, capsys)


def test_twin_set_distribution_names_every_parameter_it_sets(tmp_path, capsys):
    """A distribution in a twin's ``set:`` must sample within the range of every parameter the key
    names (here both actors' discount, [0, 1)): the error lists them."""
    path = write(tmp_path, BASE.replace(LINKAGE_SET, "set: {actors.*.discount: {uniform: [0.5, 1.5]}}"))
    err = validate_error(path, capsys)
    assert "actors.US.discount" in err and "actors.China.discount" in err


def test_twin_set_accepts_a_rules_own_path_inside_a_choice(tmp_path):
    """A parameter of one rule of a choice is named by its own path (the rule's label included, as in
    the runs table) or without the label (every rule of the choice that has it)."""
    own = "set: {actors.China.strategies.ai.forward_looking.rationality: 1}"
    short = "set: {actors.China.strategies.ai.rationality: 1}"
    for text in (own, short):
        assert main(["validate", str(write(tmp_path, BASE.replace(LINKAGE_SET, text)))]) == 0
    sets = [scenario_from_dict(yaml.safe_load(BASE.replace(LINKAGE_SET, text))).twins["unlinked"].set
            for text in (own, short)]
    assert [p for p, _ in sets[0]] == [p for p, _ in sets[1]] == ["actors.China.strategies.ai.forward_looking.rationality"]


def test_twin_set_normal_is_clipped_to_the_parameters_range():
    """A normal distribution in a twin's ``set:`` is clipped to the range of the parameter it sets,
    like every distribution (MODEL.md section 2): discount stays below 1 in every twin lane."""
    s = scenario_from_dict({
        "name": "clip", "seed": 1, "runs": 400, "horizon": 2,
        "actors": {"US": {"strategies": {"ai": "forward_looking"}}, "China": {"strategies": {"ai": "always_cooperate"}}},
        "tracks": {"ai": {}},
        "twins": {"patient": {"set": {"actors.*.discount": {"normal": [0.9, 0.3]}}}},
    })
    m = NegotiationModel(s, runs=400, twins=[s.twin("patient")]).run()
    for actor in m.actors:
        d = actor.discount[m.lane(0)]
        assert d.min() >= 0 and d.max() < 1 and (d > 0.99).any()


NAMED_CHANNEL = """name: named
horizon: 12
actors:
  US:
    strategies:
      ai: {name: tit_for_tat, level_linkage: 0.5}
      chips: tit_for_tat
  China:
    strategies: {ai: always_cooperate, chips: tit_for_tat}
tracks:
  ai: {}
  chips: {}
outcomes:
  channel: {track: ai}
"""


def test_level_linkage_on_a_channel_named_by_outcomes(tmp_path, capsys):
    """The channel may be named by ``outcomes.channel.track`` instead of ``role: channel``
    (MODEL.md section 8): level_linkage is valid there, and still an error on the other track."""
    assert main(["validate", str(write(tmp_path, NAMED_CHANNEL))]) == 0
    text = NAMED_CHANNEL.replace("ai: {name: tit_for_tat, level_linkage: 0.5}\n      chips: tit_for_tat",
                                 "ai: tit_for_tat\n      chips: {name: tit_for_tat, level_linkage: 0.5}")
    path = write(tmp_path, text)
    err = validate_error(path, capsys)
    assert err.startswith(f"error: {path}:7: actors.US.strategies.chips.level_linkage: "), err
    assert "level_linkage applies to the channel track only" in err
