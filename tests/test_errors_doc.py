"""docs/errors.md quotes the limits and one refusal; this test re-computes each from the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from sim.cli import main
from sim.commands import MAX_RUNS, MAX_WORKERS
from sim.scenario import bounds, names, source
from sim.scenario.schema import ScenarioSpec

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "errors.md").read_text()


def horizon_limit() -> int:
    return schema_limit("ScenarioSpec", "horizon")


def schema_limit(model: str, key: str) -> int:
    """The ``le=`` bound of a key in the schema."""
    from sim.scenario import schema

    spec = getattr(schema, model) if model != "ScenarioSpec" else ScenarioSpec
    (le,) = [m.le for m in spec.model_fields[key].metadata if getattr(m, "le", None) is not None]
    return le


@pytest.mark.parametrize("text", [
    f"| file size | at most {source.MAX_BYTES:,} bytes |",
    f"at most {source.MAX_NODES:,}: an alias bomb",
    f"| nesting depth | at most {source.MAX_DEPTH} levels |",
    f"at most {source.MAX_OVERRIDE_BYTES:,} characters",
    f"no leading dot; at most {names.MAX_NAME} characters",
    f"leading or trailing space, at most {names.MAX_NAME} characters",
    f"no control characters, at most {2 * names.MAX_NAME} characters",
    f"| every whole number (a seed excepted) and every decimal | at most {bounds.MAX_INT:,} in size |",
    "| `seed` (scenario or `--seed`) | at most 2**128 - 1 |",
    f"| `runs` (scenario or `--runs`), `sim calibrate --draws` | at most {MAX_RUNS:,} |",
    f"| `sim trace --run` | a run index below {MAX_RUNS:,} |",
    f"| `horizon` | at most {horizon_limit():,} steps |",
    f"| `outcomes.channel.window` | at most {schema_limit('ChannelOutcome', 'window'):,} steps |",
    f"| tracks | at most {bounds.MAX_TRACKS} (each is a panel of the levels figure) |",
    f"| events | at most {bounds.MAX_EVENTS:,} |",
    f"| `--workers`, `--dask-local` | at most {MAX_WORKERS} processes |",
])
def test_quoted_limit_is_the_code(text):
    assert text in DOC
    assert bounds.MAX_SEED == 2**128 - 1 and bounds.MAX_RUNS == MAX_RUNS


def test_quoted_probe_threshold_is_the_code():
    from sim import budget

    assert f"above {budget.PROBE_ABOVE // 2**20} MiB of chunks" in DOC


def test_quoted_fuzz_size_is_the_test():
    source = (ROOT / "tests" / "test_fuzz.py").read_text()
    n = int(re.search(r"max_examples=(\d+), deadline=None, derandomize=True, database=None,\n"
                      r"\s+suppress_health_check=\[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,\n"
                      r"\s+HealthCheck.data_too_large\]\)", source).group(1))
    assert f"`tests/test_fuzz.py` feeds {n:,} mutated scenarios" in DOC


def test_quoted_new_limits_are_the_code():
    from sim import budget
    from sim.scenario.source import MAX_EXTENDS

    assert f"at most {bounds.MAX_TEXT:,} characters per value" in DOC
    assert f"at most {MAX_EXTENDS} base scenarios" in DOC
    assert f"else {budget.DEFAULT_MAX_TIME // 3600} hours." in DOC
    assert f"(4e-6 s + 3e-8 s x random slots)" in DOC
    assert (budget.SECONDS_PER_RUN_STEP, budget.SECONDS_PER_UNIT) == (4e-6, 3e-8)


def test_quoted_time_refusal_is_the_code(monkeypatch):
    from sim import budget
    from sim.errors import UserError
    from sim.scenario.load import load_scenario

    expected = re.search(r"(error: baseline: 10,000,000 runs[^\n]+)\n", DOC).group(1)
    monkeypatch.setattr(budget.os, "cpu_count", lambda: 2)
    with pytest.raises(UserError) as exc:
        budget.check_time(load_scenario(ROOT / "scenarios" / "baseline.yaml"), 10_000_000, workers=2)
    assert f"error: {exc.value}" == expected


QUOTED = re.findall(r"`(sim [a-z]+ [^`]+)` prints:\n\n```\n(error: [^\n]+)\n```", DOC)


@pytest.mark.parametrize("command, expected", QUOTED, ids=[c[:60] for c, _ in QUOTED])
def test_every_quoted_refusal_is_what_the_command_prints(command, expected, tmp_path, capsys):
    """Each quoted command (a calibration table's bad cell, a refused --set, the --seed bound, the
    memory refusal) prints exactly the quoted line, exit status 2, and writes nothing."""
    argv = shlex.split(command)[1:] + ["--out", str(tmp_path)]
    try:
        code = main(argv)
    except SystemExit as exc:  # a bad option: argparse's exit
        code = exc.code
    assert code == 2
    assert capsys.readouterr().err.strip() == expected
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_the_quoted_table_limit_and_seed_bound_are_the_code():
    from sim.scenario.posterior import MAX_TABLE_BYTES

    assert len(QUOTED) >= 4
    assert f"at most {MAX_TABLE_BYTES:,} bytes; a regular file" in DOC
    assert "`--seed` takes 0 to 2**128 - 1" in DOC and bounds.MAX_SEED == 2**128 - 1
