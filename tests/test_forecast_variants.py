"""docs/forecast.md, "Variants on the forecast": every variant in scenarios/forecast/ validates, and
the doc's table is re-computed here by the commands the doc shows (the forecast of each variant and
the same variant of the uncalibrated baseline), at the size the doc quotes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.results.tables import read_table

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "forecast.md").read_text()
VARIANTS = sorted((ROOT / "scenarios" / "forecast").glob("*.yaml"))
FORECAST = ["--draws", "20000", "--accept", "100", "--branches", "5", "--predictive", "0"]
RUNS = ["--runs", "1000"]


def _block(name: str) -> str:
    return DOC.split(f"<!-- {name}:begin")[1].split(f"<!-- {name}:end")[0]


def _interval(x: dict, mid: str) -> str:
    return f"{x[mid]:.3f} [{x['lo']:.3f}, {x['hi']:.3f}]"


def variant_row(label: str, forecast: Path, baseline: Path) -> str:
    """One row of the doc's table, from the forecast's and the baseline run's stored summaries."""
    c = json.loads((forecast / "summary.json").read_text())["forecast"]["clustered"]
    b = json.loads((baseline / "summary.json").read_text())["p_held"]
    return (f"| {label} | {_interval(c['p_held'], 'mean')} | {_interval(c['p_frozen'], 'mean')} | "
            f"{_interval(c['p_lapsed'], 'mean')} | {_interval(b, 'p')} |")


def _folder(out: Path) -> Path:
    (name,) = out.iterdir()              # the suite runs with SIM_LATEST=0: no alias beside the folder
    (folder,) = name.iterdir()
    return folder


def _run(tmp_path: Path, command: str, scenario: Path, size: list[str]) -> Path:
    doc_path = scenario.relative_to(ROOT).as_posix()
    assert f"sim {command} {doc_path} {' '.join(size)}" in DOC, f"docs/forecast.md does not show the command for {doc_path}"
    out = tmp_path / f"{command}-{scenario.parent.name}-{scenario.stem}"
    assert main([command, str(scenario), *size, "--quiet", "--out", str(out)]) == 0
    return _folder(out)


def test_every_forecast_variant_validates_and_extends_the_forecast(capsys):
    assert VARIANTS, "scenarios/forecast/ is empty"
    assert main(["validate", *map(str, VARIANTS)]) == 0
    assert "warning" not in capsys.readouterr().err
    for path in VARIANTS:
        assert "extends: ../forecast_2026.yaml" in path.read_text(), path.name
        assert (ROOT / "scenarios" / path.name).exists(), f"{path.name}: no baseline variant of that name"


@pytest.mark.slow
def test_variants_table_is_what_the_commands_give(tmp_path):
    block = _block("variants")
    pairs = [("forecast_2026.yaml (no variant) / baseline.yaml", ROOT / "scenarios" / "forecast_2026.yaml",
              ROOT / "scenarios" / "baseline.yaml")]
    pairs += [(p.stem, p, ROOT / "scenarios" / p.name) for p in VARIANTS]
    folders = [(label, _run(tmp_path, "forecast", f, FORECAST), _run(tmp_path, "run", b, RUNS))
               for label, f, b in pairs]
    rows = [variant_row(*x) for x in folders]
    # "every variant accepts the same record runs as the forecast": the record before the seam is untouched
    accepted = [list(read_table(f / "posterior.csv")["run"]) for _, f, _ in folders]
    assert all(a == accepted[0] for a in accepted), "a variant changed the record's accepted runs"
    for row in rows:
        assert row in block, f"docs/forecast.md row out of date; expected:\n{row}"
    lines = [x for x in block.splitlines() if x.startswith("|")]
    assert len(lines) == len(rows) + 2, "the table has rows no variant produces"   # with its header and rule
    # "no mechanism is inert in any of them": each of the seven mechanism twins moves some runs' channel
    for label, f, _ in folders:
        mech = json.loads((f / "summary.json").read_text())["mechanisms"]
        assert len(mech) == 7 and not any(m["inert"] for m in mech), label
    assert "no mechanism is inert in any of them" in " ".join(DOC.split())
    # the prose after the table quotes only numbers of the table
    prose = DOC.split("<!-- variants:end -->")[1].split("Not carried")[0]
    for number in re.findall(r"\d\.\d{3}", prose):
        assert number in block, f"docs/forecast.md quotes {number}, which the table does not hold"
