"""The README's central comparison is re-run here and every number it quotes is checked, so the
README cannot drift from the code. Every `sim` command the README shows is a real command whose
options the CLI accepts."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from sim.analysis.tables import read_table
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
        f"| definitions (of {len(r['diff'])}) where that difference turns negative | | {negative} |",
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
    s = json.loads((comp / "summary.json").read_text())
    assert s["rivalry_effect"]["held"]["runs_differing"] == 0


def _commands() -> list[list[str]]:
    out = []
    for line in re.findall(r"^(?:\$ )?sim ([a-z]+[^\n#]*)", README, flags=re.M):
        out.append(shlex.split(line.replace("<folder>", "x")))
    return out


@pytest.mark.parametrize("argv", _commands(), ids=lambda a: " ".join(a)[:60])
def test_every_command_the_readme_shows_parses(argv):
    args = parser().parse_args(argv)
    assert callable(args.func)


def test_readme_links_exist():
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
