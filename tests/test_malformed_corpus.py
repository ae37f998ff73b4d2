"""A corpus of malformed scenarios and command lines: each gives one line, exit status 2, no traceback,
and writes nothing outside the output root.

Scenarios are the baseline with one change (the old text is asserted to be there, so a changed
baseline fails loudly instead of testing nothing) or short files of their own; every error must
name the file and a line. Command lines cover every subcommand. Everything runs in this process
through ``sim.cli.main``; ``test_exit_codes_of_real_processes`` proves the same in real processes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tests" / "data" / "corpus_base.yaml"  # fixed: the shipped scenarios may change
BASE = BASELINE.read_text()


def edit(old: str, new: str, count: int = 1) -> str:
    assert old in BASE, f"the baseline no longer contains {old!r}"
    return BASE.replace(old, new, count)


EVENTS = "events:\n  - name: New chip export rule"
SAFETY = "  frontier_safety:\n    role: channel"

# (id, scenario text, words the error must contain)
SCENARIOS: list[tuple[str, str, str]] = [
    # names that escape or collide
    ("name-dotdot", edit("name: baseline", "name: ../../x"), "name"),
    ("name-abs", edit("name: baseline", "name: /abs/x"), "name"),
    ("name-slash", edit("name: baseline", "name: a/b"), "name"),
    ("name-dot", edit("name: baseline", "name: .hidden"), "starts with a dot"),
    ("name-dots", edit("name: baseline", "name: '..'"), "starts with a dot"),
    ("name-space", edit("name: baseline", "name: my scenario"), "contains"),
    ("name-long", edit("name: baseline", "name: " + "x" * 101), "at most 100"),
    ("name-empty", edit("name: baseline", "name: ''"), "empty"),
    ("name-newline", edit("name: baseline", 'name: "a\\nb"'), "name"),
    ("name-backslash", edit("name: baseline", "name: 'a\\b'"), "contains"),
    ("name-int", edit("name: baseline", "name: [1]"), "expected text"),
    ("event-slug-collision", edit("  - name: Leaders' call", "  - name: new-chip export RULE"), "both name the column"),
    ("event-no-letters", edit("  - name: Leaders' call", "  - name: '!!!'"), "no letter or digit"),
    ("event-duplicate", edit("  - name: Leaders' call", "  - name: New chip export rule"), "unique"),
    ("event-newline", edit("  - name: Leaders' call", '  - name: "a\\nb"'), "control characters"),
    ("track-dotted", edit("rare_earths", "t.US", count=-1), "cannot contain '.'"),
    ("track-star", edit("rare_earths", "'*'", count=-1), "'*'"),
    ("actor-dotted", edit("China", "PRC.x", count=-1), "cannot contain '.'"),
    ("actor-space-end", edit("China", "'China '", count=-1), "space"),
    ("actor-tab", edit("China", '"Chi\\tna"', count=-1), "control characters"),
    # YAML that hangs, explodes or will not construct
    ("alias-bomb", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{k}: &a{k} [{', '.join([f'*a{k - 1}' if k > 1 else '*a'] * 9)}]\n" for k in range(1, 9)) + BASE,
     "too large"),
    ("recursive-alias", "a: &a [*a]\n" + BASE, "refers to itself"),
    ("deep-flow", "x: " + "[" * 3000 + "]" * 3000 + "\n" + BASE, "nest"),
    ("deep-block", "x:\n" + "".join("  " * k + f"k{k}:\n" for k in range(1, 60)) + BASE, "nested"),
    ("timestamp-feb30", edit("horizon: 36", "horizon: 36\nstart: 2024-02-30"), "timestamp"),
    ("timestamp-hour25", edit("horizon: 36", "horizon: 36\nstart: 2024-01-01 25:00:00"), "timestamp"),
    ("int-tag", edit("horizon: 36", "horizon: !!int abc"), "int"),
    ("float-tag", edit("horizon: 36", "horizon: !!float abc"), "float"),
    ("bool-tag", edit("horizon: 36", "horizon: !!bool maybe"), "invalid YAML"),
    ("binary-tag", edit("horizon: 36", "horizon: !!binary abc"), "invalid YAML"),
    ("python-tag", edit("horizon: 36", "horizon: !!python/object/apply:os.system [ls]"), "invalid YAML"),
    ("odd-tag", edit("horizon: 36", "horizon: !custom 3"), "invalid YAML"),
    ("surrogate", edit("name: baseline", 'name: "\\ud800"'), "invalid YAML"),
    ("bad-escape", edit("name: baseline", 'name: "\\q"'), "invalid YAML"),
    ("tab-indent", edit("seed: 2026", "seed:\t2026\n\tx: 1"), "invalid YAML"),
    ("unclosed-flow", edit("horizon: 36", "horizon: [36"), "invalid YAML"),
    ("duplicate-key", edit("horizon: 36", "horizon: 36\nhorizon: 12"), "duplicate key"),
    ("two-documents", BASE + "---\nname: other\n", "invalid YAML"),
    ("top-level-list", "- a\n- b\n", "mapping"),
    ("empty", "", "empty"),
    ("comment-only", "# nothing\n", "empty"),
    # numbers out of bounds
    ("runs-huge", edit("runs: 1000", "runs: 1000000000000"), "too large"),
    ("runs-zero", edit("runs: 1000", "runs: 0"), "out of range"),
    ("horizon-huge", edit("horizon: 36", "horizon: 1000000"), "out of range"),
    ("seed-negative", edit("seed: 2026", "seed: -1"), "out of range"),
    ("up-2-63", edit("rungs: [open trade, licensing, targeted bans, broad bans]",
                     "rungs: [open trade, licensing, targeted bans, broad bans]\n      up: 9223372036854775808"),
     "too large"),
    ("window-huge", edit("window: 6", "window: 1000000000"), "out of range"),
    ("salience-inf", edit("salience: {frontier_safety: 1, export_controls: 2, rare_earths: 1}",
                          "salience: {frontier_safety: .inf, export_controls: 2, rare_earths: 1}"), "finite"),
    ("salience-nan", edit("salience: {frontier_safety: 1, export_controls: 2, rare_earths: 1}",
                          "salience: {frontier_safety: .nan, export_controls: 2, rare_earths: 1}"), "salience"),
    ("payoff-huge", edit("US: {R: 3, S: 0, T: 5, P: 1}", "US: {R: 1.0e+300, S: 0, T: 5, P: 1}"), "too large"),
    ("start-9999", edit("horizon: 36", "horizon: 36\nstart: 9999-06-01"), "year 9999"),
    ("threshold-inf", edit("threshold: 0.5", "threshold: .inf"), "threshold"),
    # distributions
    ("normal-sd0", edit("noise: {uniform: [0.01, 0.05]}", "noise: {normal: [0.03, 0]}"), "positive sd"),
    ("uniform-reversed", edit("noise: {uniform: [0.01, 0.05]}", "noise: {uniform: [0.05, 0.01]}"), "ordered"),
    ("triangular-unordered", edit("noise: {uniform: [0.01, 0.05]}", "noise: {triangular: [0.05, 0.01, 0.03]}"),
     "lo <= mode <= hi"),
    ("beta-zero", edit("noise: {uniform: [0.01, 0.05]}", "noise: {beta: [0, 1]}"), "positive"),
    ("choice-empty", edit("noise: {uniform: [0.01, 0.05]}", "noise: {choice: []}"), "at least one"),
    ("choice-text", edit("noise: {uniform: [0.01, 0.05]}", "noise: {choice: [0.1, a]}"), "list of numbers"),
    ("dist-inf", edit("noise: {uniform: [0.01, 0.05]}", "noise: {uniform: [0.01, .inf]}"), "noise"),
    ("dist-two-keys", edit("noise: {uniform: [0.01, 0.05]}", "noise: {uniform: [0, 1], normal: [0, 1]}"),
     "distribution"),
    # extends
    ("extends-shadow", "extends: /etc/shadow\n", "a .yaml or .yml file"),
    ("extends-passwd", "extends: /etc/passwd\n", "a .yaml or .yml file"),
    ("extends-dev-zero", "extends: /dev/zero\n", "a .yaml or .yml file"),
    ("extends-missing", "extends: nowhere.yaml\n", "not found"),
    ("extends-dir", "extends: /tmp/.yaml/\n", "extends"),
    ("extends-list", "extends: [a.yaml]\n", "path of a base scenario"),
    ("extends-self", "extends: case.yaml\n", "extends cycle"),
    ("title-long", edit("title: \"Baseline:", "title: \"" + "x" * 10_001 + " Baseline:"), "at most 10,000"),
    # keys YAML reads as something other than text
    ("key-true", edit("horizon: 36", "horizon: 36\ntrue: 1"), "the key 'true' is read by YAML as true or false"),
    ("key-yes-nested", edit("  US:\n", "  US:\n    yes: 1\n"), "the key 'yes' is read by YAML as true or false"),
    ("key-int-track", edit("tracks:\n", "tracks:\n  1:\n    game: chicken\n"), "the key '1' is read by YAML as a whole number"),
    ("key-null", edit("horizon: 36", "horizon: 36\n~: 1"), "nothing (null)"),
    ("key-date", edit("horizon: 36", "horizon: 36\n2024-01-01: 1"), "a date"),
]


def write_case(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def one_line_error(argv: list[str], capsys) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert code == 2, (code, err)
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ") and "Traceback" not in err, err
    return err


def test_corpus_sizes():
    assert len(SCENARIOS) >= 60 and len({c[0] for c in SCENARIOS}) == len(SCENARIOS)
    assert len(COMMANDS) >= 100


@pytest.mark.parametrize("case_id, text, words", SCENARIOS, ids=[c[0] for c in SCENARIOS])
def test_malformed_scenario(case_id, text, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_case(tmp_path, text)
    before = snapshot(tmp_path)
    err = one_line_error(["validate", str(path)], capsys)
    assert re.match(rf"error: {re.escape(str(path))}:\d+: ", err), err
    assert words in err, err
    # `sim run` refuses it the same way, before writing anything anywhere
    out = tmp_path / "out"
    assert one_line_error(["run", str(path), "--out", str(out), "--runs", "3"], capsys) == err
    assert snapshot(tmp_path) == before


OUT = "OUT"   # replaced by the output root of each test
SCN = str(BASELINE)
LESSON_01 = str(ROOT / "scenarios" / "lessons" / "01_tit_for_tat.yaml")
GOOD_RUN = ["run", SCN, "--runs", "3", "--out", OUT]
POSTERIOR = ROOT / "tests" / "data" / "posterior"  # a scenario drawing from good.csv, and malformed tables
CAL = str(POSTERIOR / "cal.yaml")

# (id, argv) - every one must fail with one line and exit status 2
COMMANDS: list[tuple[str, list[str]]] = [
    ("no-command", []),
    ("unknown-command", ["frobnicate"]),
    ("run-no-scenario", ["run"]),
    ("run-missing-file", ["run", "nowhere.yaml", "--out", OUT]),
    ("run-dir", ["run", str(ROOT / "scenarios"), "--out", OUT]),
    ("run-dev-zero", ["run", "/dev/zero", "--out", OUT]),
    ("run-dev-null", ["run", "/dev/null", "--out", OUT]),
    ("run-stdin", ["run", "/dev/stdin", "--out", OUT]),
    ("run-name-too-long", ["run", "x" * 5000 + ".yaml", "--out", OUT]),
    ("run-nul", ["run", "a\x00b.yaml", "--out", OUT]),
    ("validate-nothing", ["validate"]),
    ("validate-missing", ["validate", "nowhere.yaml"]),
    ("validate-dir", ["validate", str(ROOT)]),
    ("validate-dev-zero", ["validate", "/dev/zero"]),
    ("validate-proc", ["validate", "/proc/self/status"]),
    ("validate-set-deep", ["validate", SCN, "--set", "horizon=" + "[" * 600 + "]" * 600]),
    ("validate-set-bomb", ["validate", SCN, "--set", "title=[&a [x,x,x,x,x,x,x,x,x], " + ", ".join(
        ["[*a,*a,*a,*a,*a,*a,*a,*a,*a]"] * 3) + "]"]),
    ("validate-set-long", ["validate", SCN, "--set", "title=" + "x" * 20_000]),
    ("validate-set-timestamp", ["validate", SCN, "--set", "start=2024-02-30"]),
    ("validate-set-int-tag", ["validate", SCN, "--set", "horizon=!!int abc"]),
    ("theory-missing", ["theory", "nowhere.yaml"]),
    ("theory-bad-set", ["theory", SCN, "--set", "actors.US.discount=1"]),
    ("trace-missing", ["trace", "nowhere.yaml"]),
    ("trace-run-negative", ["trace", SCN, "--run", "-1"]),
    ("trace-steps-zero", ["trace", SCN, "--steps", "0"]),
    ("trace-run-caret", ["trace", SCN, "--run", "10^20"]),
    ("trace-run-huge", ["trace", SCN, "--run", "100000000000000000000"]),
    ("trace-run-max", ["trace", SCN, "--run", "1000000000"]),
    ("set-non-ascii-key", ["validate", SCN, "--set", "actors.US.noise\u00b2=x"]),
    ("set-non-ascii-index", ["validate", SCN, "--set", "events.\u00b2.name=x"]),
    ("set-non-ascii-digit", ["run", SCN, "--runs", "3", "--out", OUT, "--set", "events.\u0661.probability=0.1"]),
    ("sweep-non-ascii-index", ["sweep", SCN, "--runs", "3", "--vary", "events.\u00b2.probability=0.1,0.2", "--out", OUT]),
    ("discover-all-collapse", ["discover", LESSON_01, "--experiments", "5", "--out", OUT]),
    ("discover-none-collapse", ["discover", LESSON_01, "--experiments", "5", "--out", OUT,
                                "--set", "actors.China.strategies.game=always_cooperate"]),
    ("replay-missing", ["replay", "nowhere", "--run", "0"]),
    ("replay-no-run", ["replay", "nowhere"]),
    ("replay-file", ["replay", SCN, "--run", "0"]),
    ("compare-missing", ["compare", "nowhere", "--out", OUT]),
    ("compare-file", ["compare", SCN, "--out", OUT]),
    ("sweep-nothing", ["sweep", "--out", OUT]),
    ("sweep-resume-missing", ["sweep", "--resume", "nowhere.incomplete", "--out", OUT]),
    ("sweep-resume-with-scenario", ["sweep", SCN, "--resume", "x", "--out", OUT]),
    ("sweep-bad-vary", ["sweep", SCN, "--vary", "actors.US.noise", "--out", OUT]),
    ("sweep-vary-unknown", ["sweep", SCN, "--vary", "actors.US.nois=0.1,0.2", "--out", OUT]),
    ("sweep-vary-range", ["sweep", SCN, "--vary", "actors.US.noise=0:1:0", "--out", OUT]),
    ("sweep-vary-out-of-range", ["sweep", SCN, "--vary", "actors.US.noise=2,3", "--out", OUT]),
    ("sensitivity-missing", ["sensitivity", "nowhere.yaml", "--out", OUT]),
    ("sensitivity-samples-zero", ["sensitivity", SCN, "--samples", "0", "--out", OUT]),
    ("sensitivity-samples-huge", ["sensitivity", SCN, "--samples", "10000000000", "--out", OUT]),
    ("tournament-unknown", ["tournament", "--strategies", "nope", "--out", OUT]),
    ("tournament-bad-game", ["tournament", "--game", "1,2,3", "--out", OUT]),
    ("tournament-noise", ["tournament", "--noise", "abc", "--out", OUT]),
    ("tournament-turns-zero", ["tournament", "--turns", "0", "--out", OUT]),
    ("handout-missing", ["handout", "nowhere", "--out", OUT]),
    ("handout-runs-zero", ["handout", "01_tit_for_tat", "--runs", "0", "--out", OUT]),
    ("handout-runs-huge", ["handout", "01_tit_for_tat", "--runs", "10**12", "--out", OUT]),
    ("handout-out-file", ["handout", "01_tit_for_tat", "--runs", "5", "--out", SCN]),
    ("handout-bad-set", ["handout", "01_tit_for_tat", "--runs", "5", "--set", "name=../../x", "--out", OUT]),
    ("viz-port", ["viz", "01_tit_for_tat", "--port", "http"]),
    ("verify-nothing", ["verify"]),
    ("verify-missing", ["verify", "nowhere"]),
    ("verify-not-results", ["verify", str(ROOT / "scenarios")]),
    ("tournament-turns-huge", ["tournament", "--turns", "1000000000", "--out", OUT]),
    ("tournament-seed-huge", ["tournament", "--seed", "9" * 60, "--out", OUT]),
    ("lessons-extra", ["lessons", "extra"]),
    # calibration tables (parameters: {from: ...}): every bad cell, file:row:column (tests/data/posterior)
    *[(f"posterior-{bad.stem}", ["run", CAL, "--runs", "3", "--out", OUT, "--set", f"parameters.from={bad}"])
      for bad in sorted(POSTERIOR.glob("*.csv")) if bad.name != "good.csv"],
    ("posterior-set-column", ["run", CAL, "--runs", "3", "--out", OUT, "--set", "actors.US.noise=0"]),
    ("posterior-vary-column", ["sweep", CAL, "--runs", "3", "--out", OUT, "--vary", "actors.US.noise=0,1"]),
    ("posterior-sensitivity", ["sensitivity", CAL, "--samples", "4", "--replicates", "2", "--out", OUT]),
    ("run-seed-huge", [*GOOD_RUN, "--seed", str(2**128)]),
    ("sweep-seed-huge", ["sweep", SCN, "--vary", "actors.US.noise=0,0.1", "--seed", str(2**128), "--out", OUT]),
    ("strategies-extra", ["strategies", "extra"]),
    ("run-out-dev-null", [*GOOD_RUN[:-1], "/dev/null"]),
    ("run-out-is-file", [*GOOD_RUN[:-1], SCN]),
    ("run-out-under-file", [*GOOD_RUN[:-1], SCN + "/x"]),
    ("run-out-too-long", [*GOOD_RUN[:-1], "x" * 300]),
    ("run-out-proc", [*GOOD_RUN[:-1], "/proc/version"]),
    ("run-scheduler-garbage", [*GOOD_RUN, "--scheduler", "garbage"]),
    ("run-scheduler-http", [*GOOD_RUN, "--scheduler", "http://example.invalid:80"]),
    ("run-scheduler-ipv6", [*GOOD_RUN, "--scheduler", "tcp://[::1"]),
    ("run-max-memory-bad", [*GOOD_RUN, "--max-memory", "lots"]),
    ("run-max-memory-zero", [*GOOD_RUN, "--max-memory", "0"]),
    ("run-max-memory-tiny", [*GOOD_RUN, "--max-memory", "1M"]),
    ("run-set-name-escape", [*GOOD_RUN, "--set", "name=../../x"]),
    ("run-set-name-abs", [*GOOD_RUN, "--set", "name=/tmp/x"]),
    ("run-set-horizon-huge", [*GOOD_RUN[:3], "100000", *GOOD_RUN[4:], "--set", "horizon=100000"]),
    ("run-set-window-huge", [*GOOD_RUN, "--set", "outcomes.channel.window=1000000000"]),
    ("run-set-up", [*GOOD_RUN, "--set", "tracks.rare_earths.ladder.up=9223372036854775808"]),
    ("run-set-salience-inf", [*GOOD_RUN, "--set", "actors.US.salience.rare_earths=.inf"]),
    ("run-set-start-9999", [*GOOD_RUN, "--set", "start=9999-06-01"]),
    ("run-set-event-name", [*GOOD_RUN, "--set", "events.1.name=New chip-export rule"]),
    ("run-set-track-list", [*GOOD_RUN, "--set", "tracks=[]"]),
    ("run-set-star-nothing", [*GOOD_RUN, "--set", "actors.*.nothing.x=1"]),
    ("run-set-index", [*GOOD_RUN, "--set", "events.99.name=x"]),
    ("run-set-inside-scalar", [*GOOD_RUN, "--set", "horizon.x=1"]),
    ("run-set-empty-path", [*GOOD_RUN, "--set", "=1"]),
    ("run-set-dots", [*GOOD_RUN, "--set", "actors..US=1"]),
    ("run-set-bad-yaml", [*GOOD_RUN, "--set", "title=[unclosed"]),
    ("run-set-surrogate", [*GOOD_RUN, "--set", 'title="\\ud800"']),
    ("run-set-tag", [*GOOD_RUN, "--set", "title=!!python/name:os.system"]),
    ("run-max-time-tiny", [*GOOD_RUN, "--max-time", "0.0000001"]),
    ("run-max-time-bad", [*GOOD_RUN, "--max-time", "lots"]),
    ("run-max-time-zero", [*GOOD_RUN, "--max-time", "0"]),
    ("run-too-long", ["run", SCN, "--runs", "100000000", "--out", OUT]),
    ("calibrate-draws-huge", ["calibrate", SCN, "--draws", "10000000000", "--out", OUT]),
]
# bad values of the options every ensemble command shares, for each such command
for command in ("run", "sweep"):
    for option, value in [("--runs", "0"), ("--runs", "-5"), ("--runs", "1e3"), ("--runs", "10**12"),
                          ("--runs", "1000000000000"), ("--runs", ""), ("--seed", "-1"), ("--seed", "x"),
                          ("--workers", "0"), ("--workers", "100000"), ("--chunk-size", "0"),
                          ("--chunk-size", "lots"), ("--dask-local", "0"), ("--set", "horizon"),
                          ("--set", "actors.US.nois=0.1"), ("--set", "actors.US.noise=2"),
                          ("--max-memory", "-1G"), ("--unknown-option", "1")]:
        argv = [command, SCN, "--out", OUT, option, value]
        if command == "sweep":
            argv += ["--vary", "actors.US.noise=0.01,0.02"]
        COMMANDS.append((f"{command}{option}={value[:12]}", argv))


def substitute(argv: list[str], out: Path) -> list[str]:
    return [str(out) if a == OUT else a for a in argv]


@pytest.mark.parametrize("case_id, argv", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_malformed_command_line(case_id, argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    one_line_error(substitute(argv, out), capsys)
    after = snapshot(tmp_path)
    # nothing outside the root; inside it, no folder that looks complete
    assert {p for p in after - before if p != out and out not in p.parents} == set()
    assert not list(out.rglob("manifest.json")) and not list(out.rglob("*.html"))


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["validate", "/dev/zero"],
    ["run", SCN, "--runs", "1000000000000"],
    ["run", SCN, "--runs", "3", "--out", "/dev/null"],
    ["run", SCN, "--runs", "3", "--scheduler", "garbage"],
    ["validate", SCN, "--set", "name=../../x"],
], ids=lambda a: " ".join(a)[:40])
def test_exit_codes_of_real_processes(argv, tmp_path):
    """The installed entry point, in a real process: exit status 2 and one line on stderr."""
    proc = subprocess.run([sys.executable, "-m", "sim", *argv], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("error: "), proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_extends_chain_limit(tmp_path, capsys):
    """An ``extends:`` chain of MAX_EXTENDS bases loads; one more is refused with one line at the
    first file's ``extends:`` line (a chain of 1,000 once ended in a RecursionError)."""
    from sim.scenario.source import MAX_EXTENDS

    (tmp_path / "s0.yaml").write_text((ROOT / "scenarios" / "lessons" / "01_tit_for_tat.yaml").read_text())
    for i in range(1, MAX_EXTENDS + 2):
        (tmp_path / f"s{i}.yaml").write_text(f"# base {i - 1}\nextends: s{i - 1}.yaml\n")
    assert main(["validate", str(tmp_path / f"s{MAX_EXTENDS}.yaml")]) == 0
    capsys.readouterr()
    last = tmp_path / f"s{MAX_EXTENDS + 1}.yaml"
    err = one_line_error(["validate", str(last)], capsys)
    assert err.startswith(f"error: {last}:2: extends: a chain of more than {MAX_EXTENDS} base scenarios"), err


@pytest.mark.slow
def test_extends_chain_of_a_thousand_in_a_real_process(tmp_path):
    (tmp_path / "s0.yaml").write_text((ROOT / "scenarios" / "lessons" / "01_tit_for_tat.yaml").read_text())
    for i in range(1, 1001):
        (tmp_path / f"s{i}.yaml").write_text(f"extends: s{i - 1}.yaml\n")
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", "s1000.yaml"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: s1000.yaml:1: extends: a chain of more than") and \
        len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.parametrize("command", [["run", "--runs", "20", "--workers", "1", "--quiet"],
                                     ["sweep", "--runs", "5", "--workers", "1", "--quiet",
                                      "--vary", "actors.US.noise=0,0.1"],
                                     ["run", "--runs", "20", "--workers", "2", "--quiet"]],
                         ids=["run", "sweep", "run-workers"])
def test_full_disk_names_the_path(command, tmp_path, capsys, monkeypatch):
    """A full disk (ENOSPC from write(), which names no file) is one line naming the path."""
    import builtins
    import errno

    out = tmp_path / "out"
    real_open = builtins.open

    class Full:
        def __init__(self, f):
            self._f = f

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self._f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._f.close()

    def full_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if isinstance(file, (str, Path)) and str(out) in str(file) and any(c in mode for c in "wa"):
            return Full(f)
        return f

    monkeypatch.setattr(builtins, "open", full_open)
    argv = [command[0], LESSON_01, "--out", str(out), *command[1:]]
    err = one_line_error(argv, capsys)
    assert re.fullmatch(r"error: cannot write or read: /\S+ \(No space left on device\)", err), err  # the path
    assert not list(out.rglob("manifest.json"))
