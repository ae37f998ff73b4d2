"""The README's central comparison is re-run here and every number it quotes is checked, so the
README cannot drift from the code. Every `sim` command the README shows is run to the end (the
long analyses with fewer runs, samples or draws appended, so the suite stays short), and so is its
Python example."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from sim.results.tables import read_table
from sim.cli import main, parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
RUNS = 4000


def _interval(d: float, lo: float, hi: float, sign: str = "") -> str:
    return f"{d:{sign}.3f} [{lo:{sign}.3f}, {hi:{sign}.3f}]"


def central_rows(comp: Path, linked: Path, compare: Path) -> list[str]:
    """The README's table rows, built from the stored results folders."""
    s = [json.loads((f / "summary.json").read_text()) for f in (comp, linked)]
    held = [_interval(x["p_held"]["p"], x["p_held"]["lo"], x["p_held"]["hi"]) for x in s]
    eff = [x["rivalry_effect"]["held"] for x in s]
    avert = [x["twin_effects"]["channel_closed"]["incidents_averted"] for x in s]
    t = read_table(compare / "compare.csv")
    r = read_table(compare / "robustness.csv")
    negative = int((r["diff"] < 0).sum())
    return [
        f"| {RUNS} runs, seed {s[0]['seed']} | compartmentalised | linked |",
        f"| P(channel held) | {held[0]} | {held[1]} |",
        "| rivalry's effect on P(held) | " + " | ".join(_interval(e["difference"], e["lo"], e["hi"], "+")
                                                   for e in eff) + " |",
        f"| runs that differ from their pacified twin | {eff[0]['runs_differing']} | {eff[1]['runs_differing']} |",
        "| incidents averted by the channel, per run | " + " | ".join(
            _interval(a["difference"], a["lo"], a["hi"], "+") for a in avert) + " |",
        f"| linked minus compartmentalised, P(held) | | "
        f"{_interval(t['diff.p_held'][1], t['diff.p_held.lo'][1], t['diff.p_held.hi'][1], '+')}, "
        f"McNemar p = {t['p_value.p_held'][1]:.2f} |",
        f"| distinct definitions (of {len(r['diff'])}) where that difference turns negative | | {negative} |",
    ]


def test_central_comparison_digits(tmp_path, capsys):
    block = README.split("<!-- central:begin")[1].split("<!-- central:end")[0]
    for name in ("compartmentalised", "linked"):
        assert f"sim run scenarios/{name}.yaml --runs {RUNS}" in README
        assert main(["run", str(ROOT / "scenarios" / f"{name}.yaml"), "--runs", str(RUNS), "--quiet",
                     "--out", str(tmp_path)]) == 0
    (comp,), (linked,) = (list((tmp_path / n).iterdir()) for n in ("compartmentalised", "linked"))
    assert main(["compare", str(comp), str(linked), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    (compare,) = (tmp_path / "compare").iterdir()
    for row in central_rows(comp, linked, compare):
        assert row in block, f"README row out of date; expected:\n{row}"
    # the prose's claims about the table
    s = [json.loads((f / "summary.json").read_text()) for f in (comp, linked)]
    assert s[0]["rivalry_effect"]["held"]["runs_differing"] == 0
    assert f"no run of these {RUNS} differs from its pacified twin" in README.replace("\n", " ")
    cost = -s[1]["rivalry_effect"]["held"]["difference"]
    assert round(cost * 100) == 2 and "about two points" in README  # "costs the channel about two points"
    r = read_table(compare / "robustness.csv")
    prose = " ".join(README.split())
    assert f"under {int((r['diff'] < 0).sum())} of the {len(r['diff'])} distinct definitions" in prose
    assert f"under {len(r['diff'])} distinct definitions" in prose  # robustness.csv: one row per distinct one
    significant = int(((r["diff"] < 0) & (r["significant"] == 1)).sum())
    assert f"(significantly, McNemar p < 0.05, under {significant} of them)" in prose
    averted = [x["twin_effects"]["channel_closed"]["incidents_averted"]["difference"] for x in s]
    assert all(0.4 <= a <= 0.6 for a in averted) and "about half a misuse incident per run" in prose


def _commands() -> list[list[str]]:
    out = []
    for line in re.findall(r"^(?:\$ )?sim ([a-z]+[^\n#]*)", README, flags=re.M):
        out.append(shlex.split(line.replace("<folder>", "x")))
    return out


#: options appended to a README command so that it runs in seconds (argparse: the last value wins)
SMALLER = {"run": ["--runs", "300"], "sweep": ["--runs", "40"], "sensitivity": ["--samples", "4", "--replicates", "8"],
           "discover": ["--experiments", "100"], "calibrate": ["--draws", "1500", "--accept", "50", "--predictive", "100"],
           "handout": ["--runs", "100"], "tournament": ["--repetitions", "2", "--turns", "50"], "trace": [],
           "reference-class": []}
#: commands that only print (no --out)
PRINTS = ("trace", "reference-class")
#: what each command writes, as the README says
WRITES = {"run": "manifest.json", "sweep": "manifest.json", "sensitivity": "manifest.json", "discover": "manifest.json",
          "calibrate": "manifest.json", "tournament": "manifest.json", "handout": "noise.html"}


@pytest.mark.slow
@pytest.mark.parametrize("argv", _commands(), ids=lambda a: " ".join(a)[:60])
def test_every_command_the_readme_shows_runs(argv, tmp_path, monkeypatch, capsys):
    """Each command runs to a zero exit from the repository's root and writes what it should.
    ``sim viz`` serves a page until stopped: tests/test_viz_browser.py starts it and drives it."""
    args = parser().parse_args(argv)
    assert callable(args.func)
    command = argv[0]
    if command == "compare":  # needs two folders: the central comparison above runs it
        return
    if command == "viz":
        assert '"sim", "viz"' in (ROOT / "tests" / "test_viz_browser.py").read_text()
        return
    monkeypatch.chdir(ROOT)
    out = ["--out", str(tmp_path)] if command not in PRINTS else []
    assert main([*argv, *SMALLER[command], *out]) == 0
    printed = capsys.readouterr().out
    assert printed.strip()
    if command in WRITES:
        assert list(tmp_path.rglob(WRITES[command])), f"sim {command} wrote no {WRITES[command]}"


@pytest.mark.slow
def test_quick_start_writes_what_the_readme_lists(tmp_path, capsys):
    """`sim run scenarios/baseline.yaml` as the README shows it: the default 1000 runs, the folder
    name and the files it lists."""
    assert main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "--quiet", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    (folder,) = (tmp_path / "baseline").iterdir()
    assert re.fullmatch(r"\d{8}-\d{6}-seed2026-runs1000", folder.name)
    assert "results/baseline/<time>-seed2026-runs1000/" in README
    for name in ("runs.csv", "summary.json", "robustness.csv", "bands.csv", "report.html", "manifest.json"):
        assert (folder / name).is_file() and f"`{name}`" in README, name
    assert list((folder / "figures").glob("*.png")) and list((folder / "figures").glob("*.svg"))


def test_python_example_runs(monkeypatch):
    block = README.split("```python\n")[1].split("```")[0]
    monkeypatch.chdir(ROOT)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    ens = scope["ens"]
    assert len(ens.runs) == 2000 and ens.seed == 7 and 0 < ens.summary["p_held"]["p"] <= 1


def test_lesson_count():
    from sim.classroom.lessons import lesson_files

    names = lesson_files()
    assert f"{['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'][len(names)].capitalize()} short lessons" in README


def test_readme_links_exist():
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
