"""``parameters: {from: posterior.csv}`` hardened (docs/calibration.md, docs/errors.md):

- every cell of the table a run takes is checked at load: a bad one is one line naming
  ``file:row:column``, exit status 2, and nothing is written;
- a ``--set``, ``--vary``, lever sweep or sensitivity analysis of a parameter the table names is
  refused, unless ``--override-posterior`` asks for it: then the set value applies after the table,
  and the folder says so;
- the table is copied into every results folder, so replay, resume and verify need nothing else;
- ``--seed`` is bounded like a scenario's ``seed:``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario.load import load_scenario

DATA = Path(__file__).resolve().parent / "data" / "posterior"
HEADER = ("run,param.actors.US.noise,param.actors.China.noise,param.events.answer.delay,"
          "param.actors.US.strategies.frontier_safety.rule,stat.x")


def table(tmp_path: Path, bad_row: str | None = None, rows: list[str] | None = None) -> Path:
    """A copy of the test scenario (base.yaml + cal.yaml) in ``tmp_path`` with its own good.csv,
    whose second data row (CSV row 3) is ``bad_row`` if given."""
    for name in ("base.yaml", "cal.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    body = rows if rows is not None else ["0,0.1,0.2,0,0,1", bad_row or "1,0.3,0.05,2,2,1", "2,0.2,0.1,1,1,1"]
    (tmp_path / "good.csv").write_text("\n".join([HEADER, *body]) + "\n")
    return tmp_path / "cal.yaml"


def one_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def column(csv_path: Path, name: str) -> set[float]:
    import csv

    with open(csv_path, newline="") as f:
        return {float(row[name]) for row in csv.DictReader(f)}


def results(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# -- every cell checked ---------------------------------------------------------------------------

BAD_CELLS = [
    ("text", "1,abc,0.05,2,2,1", "param.actors.US.noise", "'abc' is not a number"),
    ("formula", "1,=1+1,0.05,2,2,1", "param.actors.US.noise", "'=1+1' is not a number"),
    ("nan", "1,0.3,nan,2,2,1", "param.actors.China.noise", "'nan' is not a finite number"),
    ("inf", "1,0.3,-inf,2,2,1", "param.actors.China.noise", "'-inf' is not a finite number"),
    ("huge", "1,0.3,1e999,2,2,1", "param.actors.China.noise", "expected a finite number"),
    ("empty-cell", "1,,0.05,2,2,1", "param.actors.US.noise", "an empty cell"),
    ("out-of-range", "1,1.5,0.05,2,2,1", "param.actors.US.noise", "1.5 is not a number in [0, 1]"),
    ("negative", "1,-0.1,0.05,2,2,1", "param.actors.US.noise", "-0.1 is not a number in [0, 1]"),
    ("delay-fraction", "1,0.3,0.05,1.5,2,1", "param.events.answer.delay", "1.5 is not a delay: a whole number of steps from 0 to 2"),
    ("delay-too-long", "1,0.3,0.05,3,2,1", "param.events.answer.delay", "3 is not a delay: a whole number of steps from 0 to 2"),
    ("rule-fraction", "1,0.3,0.05,2,0.5,1", "param.actors.US.strategies.frontier_safety.rule", "0.5 is not a rule index: 0 to 2"),
    ("rule-out-of-range", "1,0.3,0.05,2,3,1", "param.actors.US.strategies.frontier_safety.rule", "3 is not a number in [0, 2]"),
]


@pytest.mark.parametrize("case, row, column, words", BAD_CELLS, ids=[c[0] for c in BAD_CELLS])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_bad_cell_is_one_line_naming_file_row_and_column(case, row, column, words, command, tmp_path, capsys):
    path = table(tmp_path, row)
    out = tmp_path / "out"
    argv = ["validate", str(path)] if command == "validate" else ["run", str(path), "--runs", "5", "--out", str(out)]
    assert main(argv) == 2
    err = one_error(capsys)
    assert err.startswith(f"error: {tmp_path / 'good.csv'}:3:{column}: "), err
    assert words in err, err
    assert results(out) == []


def test_the_statistics_columns_are_not_checked(tmp_path, capsys):
    path = table(tmp_path, "1,0.3,0.05,2,2,not a number")   # stat.x: ignored, as documented
    assert main(["validate", str(path)]) == 0


def test_an_empty_table_is_an_error(tmp_path, capsys):
    path = table(tmp_path, rows=[])
    assert main(["run", str(path), "--runs", "5", "--out", str(tmp_path / "out")]) == 2
    err = one_error(capsys)
    assert err.startswith(f"error: {tmp_path / 'good.csv'}:2: the table has a header and no rows"), err
    (tmp_path / "good.csv").write_text("")
    assert main(["validate", str(path)]) == 2
    assert one_error(capsys).startswith(f"error: {tmp_path / 'good.csv'}:1: the table is empty")
    assert results(tmp_path / "out") == []


def test_rows_of_the_wrong_length_and_broken_csv_are_one_line(tmp_path, capsys):
    path = table(tmp_path, "1,0.3,0.05,2")
    assert main(["validate", str(path)]) == 2
    assert one_error(capsys) == f"error: {tmp_path / 'good.csv'}:3: 4 cells; the header has 6"
    (tmp_path / "good.csv").write_bytes((HEADER + "\n0,0.1,0.2,0,0,\xff\n").encode("latin-1"))
    assert main(["validate", str(path)]) == 2
    assert one_error(capsys) == f"error: {tmp_path / 'good.csv'}:2: the table is not UTF-8 text"


def test_the_shipped_malformed_tables_fail_and_the_good_one_loads(capsys):
    assert main(["validate", str(DATA / "cal.yaml")]) == 0
    for bad in sorted(DATA.glob("*.csv")):
        if bad.name == "good.csv":
            continue
        assert main(["validate", str(DATA / "cal.yaml"), "--set", f"parameters.from={bad}"]) == 2, bad
        assert one_error(capsys).startswith(f"error: {bad}:"), bad


def test_a_calibrated_delay_is_the_delay_applied(tmp_path):
    """The delay a run records is the one it applies: the table cannot ask for more than the queue
    of delayed effects holds (max_delay + 1 slots), which would wrap round to a shorter delay."""
    from sim import NegotiationModel

    s = load_scenario(table(tmp_path, rows=["0,0.3,0.05,2,0,1"]))
    m = NegotiationModel(s, runs=50)
    assert set(m.values["events.answer.delay"].tolist()) == {2.0}
    assert m.events.delay[0].tolist() == [2] * 50 and m.events.queue[0].shape[0] == 3


# -- no silent override ---------------------------------------------------------------------------

REFUSED = [
    ("set", ["run", "{cal}", "--runs", "5", "--set", "actors.US.noise=0"], "error: --set actors.US.noise=0: "
     "actors.US.noise comes from the calibration table {table} (column 2)", "drop --set"),
    ("set-star", ["run", "{cal}", "--runs", "5", "--set", "actors.*.noise=0"], "error: --set actors.*.noise=0: "
     "actors.China.noise comes from the calibration table {table} (column 3)", "drop --set"),
    ("set-event-by-name", ["run", "{cal}", "--runs", "5", "--set", "events.Answer.delay=1"],
     "error: --set events.Answer.delay=1: events.answer.delay comes from the calibration table {table} (column 4)",
     "drop --set"),
    ("vary", ["sweep", "{cal}", "--runs", "5", "--vary", "actors.US.noise=0,0.5,1"],
     "error: --vary actors.US.noise=0,0.5,1: actors.US.noise comes from the calibration table {table} (column 2)",
     "drop --vary"),
    ("sensitivity", ["sensitivity", "{cal}", "--samples", "4", "--replicates", "4"],
     "error: {cal}: actors.China.noise comes from the calibration table {table} (column 3): the Sobol design of "
     "sim sensitivity would vary it", "--override-posterior"),
]


@pytest.mark.parametrize("case, argv, start, words", REFUSED, ids=[c[0] for c in REFUSED])
def test_setting_a_parameter_the_table_names_is_refused(case, argv, start, words, tmp_path, capsys):
    cal = table(tmp_path)
    tbl = tmp_path / "good.csv"
    out = tmp_path / "out"
    quiet = [] if case == "sensitivity" else ["--quiet"]  # sensitivity prints no progress
    assert main([a.format(cal=cal) for a in argv] + ["--out", str(out), *quiet]) == 2
    err = one_error(capsys)
    assert err.startswith(start.format(cal=cal, table=tbl)), err
    assert words in err and "--override-posterior" in err, err
    assert results(out) == []


def test_a_lever_sweep_of_a_table_column_is_refused(tmp_path, capsys):
    for name in ("base.yaml",):
        shutil.copy(DATA / name, tmp_path / name)
    (tmp_path / "trust.csv").write_text("param.actors.US.trust\n0.3\n0.6\n")
    (tmp_path / "lever.yaml").write_text("extends: base.yaml\nparameters: {from: trust.csv}\n")
    out = tmp_path / "out"
    assert main(["sweep", str(tmp_path / "lever.yaml"), "--levers", "--runs", "5", "--out", str(out), "--quiet"]) == 2
    err = one_error(capsys)
    line = next(i for i, t in enumerate((tmp_path / "base.yaml").read_text().splitlines(), 1) if "us_trust:" in t)
    assert err.startswith(f"error: {tmp_path / 'base.yaml'}:{line}: actors.US.trust comes from the calibration "
                          f"table {tmp_path / 'trust.csv'} (column 1)"), err
    assert results(out) == []
    # asked for explicitly, the lever's values apply after the table: P(held) moves with the lever
    assert main(["sweep", str(tmp_path / "lever.yaml"), "--levers", "--runs", "200", "--out", str(out), "--quiet",
                 "--workers", "1", "--override-posterior"]) == 0
    (folder,) = (out / "lever").iterdir()
    assert json.loads((folder / "manifest.json").read_text())["calibration_table"]["overridden"] == ["actors.US.trust"]


def held(out: str) -> str:
    return next(line for line in out.splitlines() if "P(channel held)" in line)


def test_override_posterior_applies_the_set_value_after_the_table_and_says_so(tmp_path, capsys):
    cal = table(tmp_path)
    out = tmp_path / "out"
    seen = []
    for v in ("0", "0.5", "1"):
        assert main(["run", str(cal), "--runs", "200", "--out", str(out), "--workers", "1", "--quiet",
                     "--set", f"actors.US.noise={v}", "--override-posterior"]) == 0
        printed = capsys.readouterr().out
        assert "set after the table (--override-posterior), its column ignored: actors.US.noise" in printed
        seen.append(held(printed))
    assert len(set(seen)) == 3, seen  # the set noise is applied: three different results
    folder = sorted((out / "posterior_cal").iterdir())[-1]
    header = (folder / "runs.csv").read_text().splitlines()[0].split(",")
    assert "param.actors.US.noise" not in header  # a fixed value now, 1 in every run
    assert column(folder / "runs.csv", "param.actors.China.noise") == {0.2, 0.05, 0.1}  # the rest of each row
    from sim import NegotiationModel

    stored = load_scenario(folder / "scenario.yaml")
    assert set(NegotiationModel(stored, runs=50).values["actors.US.noise"].tolist()) == {1.0}  # the rest of each row still applies
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["calibration_table"]["overridden"] == ["actors.US.noise"]
    assert "actors.US.noise" not in summary["calibration_table"]["applied"]
    assert "override:\n  - actors.US.noise" in (folder / "scenario.yaml").read_text()
    assert "calibration_table" in (folder / "report.html").read_text()
    assert main(["replay", str(folder), "--run", "7"]) == 0  # the stored scenario repeats the override


def test_a_scenario_may_declare_its_own_override(tmp_path, capsys):
    cal = table(tmp_path)
    cal.write_text(cal.read_text().replace("{from: good.csv}", "{from: good.csv, override: [actors.US.noise]}"))
    s = load_scenario(cal, ["actors.US.noise=0.25"])  # no flag needed: the scenario says so itself
    assert s.posterior.overridden == ("actors.US.noise",) and "actors.US.noise" not in s.posterior.paths
    cal.write_text(cal.read_text().replace("override: [actors.US.noise]", "override: [actors.US.nois]"))
    assert main(["validate", str(cal)]) == 2
    assert "parameters.override.0: 'actors.US.nois' is not a column of" in one_error(capsys)


def test_sensitivity_with_override_samples_the_columns_and_reports_it(tmp_path, capsys):
    cal = table(tmp_path)
    out = tmp_path / "out"
    assert main(["sensitivity", str(cal), "--samples", "8", "--replicates", "8", "--out", str(out),
                 "--override-posterior"]) == 0
    printed = capsys.readouterr().out
    assert "its column ignored: actors.China.noise, actors.US.noise" in printed
    (folder,) = (out / "posterior_cal").iterdir()
    assert "with --override-posterior" in (folder / "report.html").read_text()
    assert len(column(folder / "samples.csv", "param.actors.US.noise")) > 3  # the Sobol samples, not the table's 3 values
    assert main(["verify", str(folder)]) == 0


# -- the table travels with the folder ------------------------------------------------------------

def test_replay_and_verify_from_the_folder_alone(tmp_path, capsys):
    cal = table(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(cal), "--runs", "30", "--out", str(out), "--workers", "1", "--quiet"]) == 0
    (folder,) = (out / "posterior_cal").iterdir()
    original = (tmp_path / "good.csv").read_bytes()
    assert (folder / "posterior.csv").read_bytes() == original
    manifest = json.loads((folder / "manifest.json").read_text())
    import hashlib

    assert manifest["files"]["posterior.csv"] == hashlib.sha256(original).hexdigest()
    assert manifest["calibration_table"]["sha256"] == hashlib.sha256(original).hexdigest()
    assert "from: posterior.csv" in (folder / "scenario.yaml").read_text()
    (tmp_path / "good.csv").unlink()
    capsys.readouterr()
    for run in (0, 13, 29):
        assert main(["replay", str(folder), "--run", str(run)]) == 0, capsys.readouterr().err
    assert main(["verify", str(folder)]) == 0
    (folder / "posterior.csv").write_bytes(original.replace(b"0.3", b"0.4"))
    assert main(["verify", str(folder)]) == 1  # the copy is checksummed like every file


def test_the_documented_calibrated_yaml_workflow_replays_after_the_calibration_is_gone(tmp_path, capsys):
    """`sim run <calibration>/calibrated.yaml`, then the calibration folder removed: replay still works."""
    cal_dir = tmp_path / "calibration"
    cal_dir.mkdir()
    shutil.copy(DATA / "base.yaml", cal_dir / "scenario.yaml")
    shutil.copy(DATA / "good.csv", cal_dir / "posterior.csv")
    (cal_dir / "calibrated.yaml").write_text("extends: scenario.yaml\nname: hc_calibrated\n"
                                             "parameters: {from: posterior.csv}\n")
    out = tmp_path / "out"
    assert main(["run", str(cal_dir / "calibrated.yaml"), "--runs", "20", "--out", str(out), "--quiet"]) == 0
    shutil.rmtree(cal_dir)
    (folder,) = (out / "hc_calibrated").iterdir()
    assert main(["replay", str(folder), "--run", "11"]) == 0
    assert main(["verify", str(folder)]) == 0


def test_resume_of_an_interrupted_sweep_from_the_folder_alone(tmp_path, capsys, monkeypatch):
    import sim.workflow as workflow

    cal = table(tmp_path)
    grid = ["--vary", "actors.US.trust=0.2,0.5,0.8"]
    ref_root, root = tmp_path / "ref", tmp_path / "int"
    assert main(["sweep", str(cal), *grid, "--runs", "40", "--out", str(ref_root), "--quiet", "--workers", "1"]) == 0
    (reference,) = (ref_root / "posterior_cal").iterdir()

    real, calls = workflow.run_point, []

    def interrupted(*args, **kwargs):
        if len(calls) == 1:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(workflow, "run_point", interrupted)
    assert main(["sweep", str(cal), *grid, "--runs", "40", "--out", str(root), "--quiet", "--workers", "1"]) == 130
    monkeypatch.setattr(workflow, "run_point", real)
    (work,) = (root / "posterior_cal").iterdir()
    assert work.name.endswith(".incomplete") and (work / "posterior.csv").is_file()
    (tmp_path / "good.csv").unlink()  # the original table is gone
    capsys.readouterr()
    assert main(["sweep", "--resume", str(work), "--quiet", "--workers", "1"]) == 0, capsys.readouterr().err
    assert "resumed: 2 unfinished point(s) redone" in capsys.readouterr().out
    (done,) = [p for p in (root / "posterior_cal").iterdir() if not p.name.endswith(".incomplete")]
    assert (done / "sweep.csv").read_bytes() == (reference / "sweep.csv").read_bytes()
    for point in sorted(reference.glob("point-*")):
        assert (done / point.name / "runs.csv").read_bytes() == (point / "runs.csv").read_bytes()
        assert (done / point.name / "posterior.csv").is_file()
    assert main(["verify", str(done)]) == 0
    assert main(["replay", str(done / "point-002"), "--run", "3"]) == 0


def test_resume_of_a_sweep_with_override_posterior_rebuilds_the_same_points(tmp_path, capsys, monkeypatch):
    import sim.workflow as workflow

    cal = table(tmp_path)
    grid = ["--vary", "actors.US.noise=0,1", "--override-posterior"]
    real, calls = workflow.run_point, []

    def interrupted(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(workflow, "run_point", interrupted)
    root = tmp_path / "int"
    assert main(["sweep", str(cal), *grid, "--runs", "40", "--out", str(root), "--quiet", "--workers", "1"]) == 130
    monkeypatch.setattr(workflow, "run_point", real)
    (work,) = (root / "posterior_cal").iterdir()
    assert "override:\n  - actors.US.noise" in (work / "scenario.yaml").read_text()
    (tmp_path / "good.csv").unlink()
    assert main(["sweep", "--resume", str(work), "--quiet", "--workers", "1"]) == 0
    (done,) = [p for p in (root / "posterior_cal").iterdir() if not p.name.endswith(".incomplete")]
    from sim import NegotiationModel

    noise = [set(NegotiationModel(load_scenario(done / p / "scenario.yaml"), runs=20).values["actors.US.noise"].tolist())
             for p in ("point-001", "point-002")]
    assert noise == [{0.0}, {1.0}]
    assert json.loads((done / "sweep.json").read_text())["calibration_table"]["overridden"] == ["actors.US.noise"]


# -- the seed bound -------------------------------------------------------------------------------

def status(argv: list[str]) -> int:
    """The exit status of ``sim argv`` (a bad option ends in argparse's SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("command", [["run", "{cal}", "--runs", "3", "--out", "{out}"], ["trace", "{cal}"],
                                     ["calibrate", "{cal}", "--out", "{out}"], ["sensitivity", "{cal}", "--out", "{out}"],
                                     ["sweep", "{cal}", "--vary", "actors.US.trust=0.2,0.3", "--out", "{out}"]])
def test_a_seed_above_the_documented_maximum_is_refused(command, tmp_path, capsys):
    cal = table(tmp_path)
    argv = [a.format(cal=cal, out=tmp_path / "out") for a in command]
    assert status([*argv, "--seed", str(2**128)]) == 2
    err = one_error(capsys)
    assert "--seed: expected a seed from 0 to 2**128 - 1, got 340282366920938463463374607431768211456" in err, err
    assert status([*argv, "--seed", "9" * 5000]) == 2
    err = one_error(capsys)
    assert len(err) < 300 and "a 5,000-character value" in err, err
    assert results(tmp_path / "out") == []


def test_the_largest_seed_is_accepted(tmp_path, capsys):
    cal = table(tmp_path)
    assert main(["run", str(cal), "--runs", "3", "--seed", str(2**128 - 1), "--out", str(tmp_path / "out"),
                 "--quiet"]) == 0
