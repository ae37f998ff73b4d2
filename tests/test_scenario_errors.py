"""Bad scenarios fail with one line naming the file, the line and the key, exit status 2, and no output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.errors import ScenarioError
from sim.scenario.load import load_scenario, scenario_from_dict

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
# a fixed scenario text (an earlier baseline), so that edits of the shipped scenarios do not move these cases
BASE = (Path(__file__).resolve().parent / "data" / "errors_base.yaml").read_text()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def validate_error(path: Path, capsys) -> str:
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


CASES = [
    # (description, old text, new text, needle for the line, expected key path, expected words)
    ("misspelt strategy", "rare_earths: tit_for_tat", "rare_earths: tit_for_tatt", "tit_for_tatt",
     "actors.US.strategies.rare_earths", "unknown strategy 'tit_for_tatt' (did you mean 'tit_for_tat'?)"),
    ("unknown track in outcomes", "tracks: [export_controls, rare_earths]", "tracks: [export_control, rare_earths]",
     "export_control,", "outcomes.rivalry.tracks.0", "unknown track 'export_control' (did you mean 'export_controls'?)"),
    ("probability of 1.5", "probability: 0.04", "probability: 1.5", "probability: 1.5",
     "events.0.probability", "1.5 is out of range: expected a number in [0, 1]"),
    ("misspelt key", "    trust_learning: 0.2\n    discount:", "    trust_learning: 0.2\n    discont:", "discont:",
     "actors.US.discont", "unknown key 'discont' (did you mean 'discount'?)"),
    ("wrong type", "horizon: 36", "horizon: many", "horizon: many", "horizon", "expected a whole number, got 'many'"),
    ("bad distribution", "noise: {uniform: [0.01, 0.05]}", "noise: {unifrom: [0.01, 0.05]}", "unifrom",
     "actors.US.noise", "unknown distribution 'unifrom' (did you mean 'uniform'?)"),
    ("unknown effect target", "target: actors.*.trust,", "target: actors.*.trusst,", "trusst",
     "events.1.effects.0.target", "unknown actor parameter 'trusst' (did you mean 'trust'?)"),
    ("unknown preset", "game: chicken", "game: chiken", "game: chiken",
     "tracks.rare_earths.game", "unknown game 'chiken' (did you mean 'chicken'?)"),
    ("discount of 1", "discount: {uniform: [0.5, 0.9]}", "discount: 1", "discount: 1",
     "actors.US.discount", "1 is out of range: expected a number in [0, 1)"),
    ("parameter the strategy lacks", "rare_earths: tit_for_tat", "rare_earths: {name: tit_for_tat, generosity: 0.2}",
     "generosity: 0.2", "actors.US.strategies.rare_earths", "'generosity' is not a parameter of tit_for_tat"),
    ("event past the horizon", "probability: 0.04", "at: 99", "at: 99", "events.0.at", "past the horizon"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_error_names_file_line_key(case, tmp_path, capsys):
    _, old, new, needle, key, words = case
    assert old in BASE, f"test setup: {old!r} not in baseline.yaml"
    text = BASE.replace(old, new, 1)
    path = write(tmp_path, text)
    err = validate_error(path, capsys)
    assert err.startswith(f"error: {path}:{line_of(text, needle)}: {key}: "), err
    assert words in err


def test_broken_indentation(tmp_path, capsys):
    """A YAML syntax error names the file and the line of the problem."""
    text = BASE.replace("    trust_learning: 0.2\n", "  trust_learning: 0.2\n", 1)
    path = write(tmp_path, text)
    err = validate_error(path, capsys)
    assert err.startswith(f"error: {path}:{line_of(text, '  trust_learning: 0.2') + 1}: invalid YAML"), err
    assert "indentation" in err


def test_three_actors_is_a_clear_error(tmp_path, capsys):
    text = BASE.replace("  China:\n", "  EU:\n    strategies: {}\n  China:\n", 1)
    err = validate_error(write(tmp_path, text), capsys)
    assert "actors: expected exactly 2 actors, got 3 (US, EU, China)" in err


def test_missing_strategy_for_a_track(tmp_path, capsys):
    text = BASE.replace("      rare_earths: tit_for_tat\n", "", 1)
    err = validate_error(write(tmp_path, text), capsys)
    assert "actors.US.strategies: no strategy for track rare_earths" in err


def test_duplicate_key(tmp_path, capsys):
    text = BASE.replace("horizon: 36\n", "horizon: 36\nhorizon: 48\n", 1)
    path = write(tmp_path, text)
    err = validate_error(path, capsys)
    assert err == f"error: {path}:{line_of(text, 'horizon: 48')}: horizon: duplicate key 'horizon'"


def test_extends_cycle_rejected(tmp_path, capsys):
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    err = validate_error(tmp_path / "a.yaml", capsys)
    assert "extends cycle: a.yaml -> b.yaml -> a.yaml" in err


def test_error_in_base_file_points_at_the_base(tmp_path, capsys):
    """A bad value inherited through extends is reported at the base file's line."""
    base = write(tmp_path, BASE.replace("horizon: 36", "horizon: -3"), "base.yaml")
    child = write(tmp_path, "extends: base.yaml\ntitle: child\n", "child.yaml")
    err = validate_error(child, capsys)
    assert f"{base}:{line_of(base.read_text(), 'horizon: -3')}: horizon:" in err


@pytest.mark.parametrize("override, words", [
    ("actors.US.nois=0.1", "--set actors.US.nois=0.1: actors.US.nois: unknown key 'nois' (did you mean 'noise'?)"),
    ("actors.USA.noise=0.1", "--set actors.USA.noise=0.1: actors.USA: no key 'USA' here (did you mean 'US'?)"),
    ("actors.US.noise=2", "--set actors.US.noise=2: actors.US.noise: 2 is out of range"),
    ("horizon", "expected --set path=value"),
])
def test_bad_overrides(override, words, capsys, tmp_path):
    out = tmp_path / "results"
    assert main(["run", str(SCENARIOS / "baseline.yaml"), "--set", override, "--out", str(out), "--runs", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
    assert not out.exists()


def test_cli_exit_status_and_nothing_written(tmp_path):
    """As a real process: status 2, one line on stderr, no traceback, no results folder."""
    path = write(tmp_path, BASE.replace("probability: 0.04", "probability: 1.5"))
    out = tmp_path / "results"
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "events.0.probability" in proc.stderr
    assert not out.exists()


def test_missing_file(capsys):
    assert main(["validate", "no/such/file.yaml"]) == 2
    assert "no/such/file.yaml: no such scenario file" in capsys.readouterr().err


def test_channel_must_be_marked():
    data = {"actors": {"A": {"strategies": {"x": "tit_for_tat", "y": "tit_for_tat"}},
                       "B": {"strategies": {"x": "tit_for_tat", "y": "tit_for_tat"}}},
            "tracks": {"x": {}, "y": {}}}
    with pytest.raises(ScenarioError, match="mark the safety channel with `role: channel`"):
        scenario_from_dict(data)


def test_shipped_scenarios_validate(capsys):
    files = sorted(str(p) for p in SCENARIOS.glob("*.yaml"))
    assert len(files) >= 5
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count("ok: ") == len(files)


def test_extends_deep_merges_and_appends(tmp_path):
    """A variant changes one nested value and appends an event with ``events+``, keeping the rest."""
    s = load_scenario(SCENARIOS / "incident_shock.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert [e.name for e in s.events] == [e.name for e in base.events] + ["Major frontier-AI misuse incident"]
    c = load_scenario(SCENARIOS / "compartmentalised.yaml")
    strat = c.actors[0].strategies[0]  # a choice of rules (v3); the variant sets linkage for all of them
    assert strat.candidates[0].name == "forward_looking"
    assert all(c.params[p].describe() == "0" for r in strat.candidates for p in r.linkage.values())
    assert c.name == "compartmentalised" and base.name == "baseline"


def test_every_problem_is_reported_one_line_each(tmp_path, capsys):
    """Mistakes in separate places are all reported, in file order, each with its file, line and key."""
    text = (BASE.replace("horizon: 36", "horizon: many").replace("runs: 1000", "runs: -3")
            .replace("game: chicken", "game: chiken").replace("probability: 0.04", "probability: 1.5"))
    path = write(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    expected = [("runs: -3", "runs: -3 is out of range"), ("horizon: many", "horizon: expected a whole number"),
                ("game: chiken", "tracks.rare_earths.game: unknown game 'chiken'"),
                ("probability: 1.5", "events.0.probability: 1.5 is out of range")]
    assert len(lines) == len(expected), lines
    for line, (needle, words) in zip(lines, expected):
        assert line.startswith(f"error: {path}:{line_of(text, needle)}: {words}"), line
    events = "".join(f"  - {{name: e{i}, probability: 2, effects: [{{target: actors.*.trust, add: 0.1}}]}}\n"
                     for i in range(26))
    path = write(tmp_path, BASE.replace("events:\n", "events:\n" + events), "many.yaml")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 21 and err[-1] == "error: ... and 6 more problems"
