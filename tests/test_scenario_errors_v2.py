"""Errors in the keys of model version 2 (conditional events, sticky ladders, twins, outcomes):
one line naming the file, the line and the key path, exit status 2."""

from __future__ import annotations

import pytest

from sim.cli import main
from test_scenario_errors import line_of, validate_error, write

BASE = """name: v2
horizon: 24
actors:
  US:
    strategies: {ai: tit_for_tat, chips: tit_for_tat, minerals: tit_for_tat}
  China:
    strategies: {ai: tit_for_tat, chips: tit_for_tat, minerals: tit_for_tat}
tracks:
  ai: {role: channel}
  chips:
    ladder: {rungs: [a, b, c, d], down_after: 2, ratchet: 1}
  minerals: {}
events:
  - name: Answer
    when: {played: D, actor: US, track: chips}
    delay: {choice: [0, 1]}
    effects:
      - {force: D, actor: China, track: minerals}
  - name: Call
    probability: 0.1
    effects:
      - {target: actors.*.trust, add: 0.1}
twins:
  closed:
    force: [{actor: "*", track: ai, action: D}]
outcomes:
  channel: {collapse_after: 3, prehistory: true}
  rivalry: {sustained: 2}
"""

CASES = [
    ("unknown track in a condition", "track: chips}\n    delay", "track: chip}\n    delay", "track: chip}",
     "events.0.when.track", "unknown track 'chip' (did you mean 'chips'?)"),
    ("unknown actor in a condition", "actor: US, track: chips}", "actor: USA, track: chips}", "actor: USA",
     "events.0.when.actor", "unknown actor 'USA'"),
    ("played without actor", "{played: D, actor: US, track: chips}", "{played: D, track: chips}", "played: D",
     "events.0.when", "needs `actor:` and `track:`"),
    ("two kinds in one condition", "{played: D, actor: US, track: chips}",
     "{played: D, actor: US, track: chips, after: 3}", "played: D", "events.0.when", "exactly one of"),
    ("unknown condition key", "{played: D, actor: US, track: chips}", "{plyed: D, actor: US, track: chips}",
     "plyed", "events.0.when.plyed", "unknown key 'plyed' (did you mean 'played'?)"),
    ("fired names no event", "{played: D, actor: US, track: chips}", "{fired: Cal}", "fired: Cal",
     "events.0.when.fired", "no event named 'Cal' (did you mean 'Call'?)"),
    ("level above the ladder", "{played: D, actor: US, track: chips}", "{level: {track: chips, at_least: 9}}",
     "at_least: 9", "events.0.when.level.at_least", "above the top rung (3)"),
    ("channel state misspelt", "{played: D, actor: US, track: chips}", "{channel: opne}", "channel: opne",
     "events.0.when.channel", "'open', 'suspended', 'collapsed' or 'frozen'"),
    ("fractional delay", "delay: {choice: [0, 1]}", "delay: {uniform: [0, 2]}", "delay: {uniform",
     "events.0.delay", "a delay is a whole number of steps"),
    ("delay without when", "    probability: 0.1\n", "    probability: 0.1\n    delay: 1\n", "name: Call",
     "events.1", "`delay:` goes with a conditional event"),
    ("delay as long as the run", "delay: {choice: [0, 1]}", "delay: 24", "delay: 24", "events.0.delay",
     "not shorter than the horizon"),
    ("down_after of 0", "down_after: 2", "down_after: 0", "down_after: 0", "tracks.chips.ladder.down_after",
     "greater than or equal to 1"),
    ("negative ratchet", "ratchet: 1", "ratchet: -1", "ratchet: -1", "tracks.chips.ladder.ratchet",
     "greater than or equal to 0"),
    ("twin forcing an unknown track", "track: ai, action: D", "track: aii, action: D", "track: aii",
     "twins.closed.force.0.track", "unknown track 'aii' (did you mean 'ai'?)"),
    ("twin with a bad action", "track: ai, action: D", "track: ai, action: X", "action: X",
     "twins.closed.force.0.action", "'C' or 'D'"),
    ("twin skipping an unknown event", "force: [{actor: \"*\", track: ai, action: D}]",
     "skip_events: [Cal]", "skip_events", "twins.closed.skip_events.0", "no event named 'Cal'"),
    ("twin named pacified", "  closed:\n", "  pacified:\n", "pacified:", "twins.pacified", "built in"),
    ("twin name unfit for a column", "  closed:\n", "  Closed Channel:\n", "Closed Channel:",
     "twins.Closed Channel", "lower-case letters"),
    ("empty twin", "    force: [{actor: \"*\", track: ai, action: D}]\n", "    force: []\n", "closed:",
     "twins.closed", "needs `force:`, `skip_events:`, `skip_tags:` or `set:`"),
    ("collapse_after of 0", "collapse_after: 3", "collapse_after: 0", "collapse_after: 0",
     "outcomes.channel.collapse_after", "greater than or equal to 1"),
    ("prehistory not a boolean", "prehistory: true", "prehistory: maybe", "prehistory: maybe",
     "outcomes.channel.prehistory", "boolean"),
    ("sustained of 0", "sustained: 2", "sustained: 0", "sustained: 0", "outcomes.rivalry.sustained",
     "greater than or equal to 1"),
    ("event names colliding in a column", "name: Call", "name: answer", "name: answer", "events.1.name",
     "both name the column 'answer'"),
]


def test_base_is_valid(tmp_path, capsys):
    assert main(["validate", str(write(tmp_path, BASE))]) == 0


def check_case(base: str, case, tmp_path, capsys) -> None:
    """Apply one (description, old, new, needle, key, words) case to ``base``; check the one-line error."""
    _, old, new, needle, key, words = case
    assert old in base, f"test setup: {old!r} not in the base text"
    text = base.replace(old, new, 1)
    path = write(tmp_path, text)
    err = validate_error(path, capsys)
    assert err.startswith(f"error: {path}:{line_of(text, needle)}: {key}: "), err
    assert words in err, err


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_v2_error_names_file_line_key(case, tmp_path, capsys):
    check_case(BASE, case, tmp_path, capsys)


def test_unknown_twin_on_the_command_line(tmp_path, capsys):
    path = write(tmp_path, BASE)
    assert main(["run", str(path), "--runs", "5", "--twin", "clsoed", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "declares no twin 'clsoed'" in err and "closed" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("summary.json"))


def test_event_named_in_an_override_that_does_not_exist(tmp_path, capsys):
    path = write(tmp_path, BASE)
    assert main(["validate", str(path), "--set", "events.Cal.probability=0.5"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no item Cal" in err and "did you mean 'Call'?" in err


NONSTATE = BASE + """nonstate:
  groups: 10
  intent: {uniform: [0, 0.01]}
  control_tracks: [chips]
  incident: {attribution: 0.3}
"""

NONSTATE_CASES = [
    ("negative groups", "groups: 10", "groups: -4", "groups: -4", "nonstate.groups", "greater than or equal to 1"),
    ("intent above 1", "intent: {uniform: [0, 0.01]}", "intent: 1.5", "intent: 1.5", "nonstate.intent",
     "1.5 is out of range: expected a number in [0, 1]"),
    ("unknown control track", "control_tracks: [chips]", "control_tracks: [chip]", "control_tracks",
     "nonstate.control_tracks.0", "unknown track 'chip' (did you mean 'chips'?)"),
    ("control track that is the channel", "control_tracks: [chips]", "control_tracks: [ai]", "control_tracks",
     "nonstate.control_tracks.0", "not a rivalry track"),
    ("misspelt incident key", "incident: {attribution: 0.3}", "incident: {atribution: 0.3}", "atribution",
     "nonstate.incident.atribution", "unknown key 'atribution' (did you mean 'attribution'?)"),
]


def test_population_in_a_classroom_game_without_a_channel(tmp_path, capsys):
    text = """horizon: 10
actors:
  A: {strategies: {game: tit_for_tat}}
  B: {strategies: {game: always_defect}}
tracks:
  game: {}
nonstate: {groups: 5}
"""
    path = write(tmp_path, text)
    err = validate_error(path, capsys)
    assert err.startswith(f"error: {path}:7: nonstate: ") and "needs a track with `role: channel`" in err


def test_nonstate_base_is_valid(tmp_path):
    assert main(["validate", str(write(tmp_path, NONSTATE))]) == 0


@pytest.mark.parametrize("case", NONSTATE_CASES, ids=[c[0] for c in NONSTATE_CASES])
def test_nonstate_error_names_file_line_key(case, tmp_path, capsys):
    check_case(NONSTATE, case, tmp_path, capsys)
