"""The README's results (the forecast, the baseline, and the comparison it links in
docs/analysis.md) are re-run here and every number they quote is checked, so the README cannot
drift from the code. Every `sim` command the README shows is run to the end (the
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
        f"McNemar p = {t['p_value.p_held'][1]:.2g} |",
        f"| distinct definitions (of {len(r['diff'])}) where that difference turns negative | | {negative} |",
    ]


#: the compartmentalised-or-linked comparison lives in docs/analysis.md (the README links to it)
ANALYSIS = (ROOT / "docs" / "analysis.md").read_text()


def _block(name: str, text: str = README) -> str:
    return text.split(f"<!-- {name}:begin")[1].split(f"<!-- {name}:end")[0]


def rule_rows(s: dict) -> list[str]:
    """P(held) over each side's drawn channel rule: the lowest and the highest."""
    rows = []
    for who in ("US", "China"):
        rules = s["p_held_by_rule"][f"{who}.frontier_safety"]
        lo, hi = min(rules, key=lambda r: rules[r]["p"]), max(rules, key=lambda r: rules[r]["p"])
        name = "the US's" if who == "US" else "China's"
        rows.append(f"| the same over {name} drawn rule | {rules[lo]['p']:.3f} ({lo}) to {rules[hi]['p']:.3f} ({hi}) |")
    return rows


def v3_rows(folder: Path) -> list[str]:
    """The README's headline table of the baseline, from its stored summary."""
    s = json.loads((folder / "summary.json").read_text())
    p = lambda x: _interval(x["p"], x["lo"], x["hi"])  # noqa: E731
    grid = [r["p"] for r in s["robustness"]]
    rows = [f"| baseline, {RUNS} runs, seed {s['seed']} | estimate |",
            f"| P(channel held for 36 months) | {p(s['p_held'])} |",
            f"| the same over the {len(grid)} distinct definitions of \"held\" | {min(grid):.3f} to {max(grid):.3f} |"]
    rows += rule_rows(s)
    rec = s["reference_class"]
    model, record = rec["model"]["lapsed_within"], rec["record"]["lapse_within_24_months"]
    eff = s["rivalry_effect"]["held"]
    rows += [f"| P(frozen at least once) | {p(s['p_frozen'])} |",
             f"| P(lapsed: collapsed without a freeze) | {p(s['p_lapsed'])} |",
             f"| lapsed within 24 months: model / record of new US-China channels | {p(model)} / {p(record)} "
             f"({record['k']} of {record['n']}) |",
             f"| rivalry's effect on P(held) | {_interval(eff['difference'], eff['lo'], eff['hi'], '+')} |"]
    return rows


def mechanism_rows(folder: Path) -> list[str]:
    s = json.loads((folder / "summary.json").read_text())
    return [f"| {m['mechanism']} | {'inert' if m['inert'] else m['runs_moved']} | "
            f"{_interval(m['difference'], m['lo'], m['hi'], '+')} |" for m in s["mechanisms"]]


FORECAST = ["--draws", "40000", "--accept", "200", "--branches", "10"]


def forecast_rows(folder: Path) -> list[str]:
    """The README's forecast table, from the forecast folder's stored summary."""
    s = json.loads((folder / "summary.json").read_text())
    f, c = s["forecast"], s["forecast"]["clustered"]
    p = lambda x: _interval(x["p"], x["lo"], x["hi"])  # noqa: E731
    k = lambda x: _interval(x["mean"], x["lo"], x["hi"])  # noqa: E731  (each accepted run counted once)
    grid = [r["p"] for r in s["robustness"]]
    rows = [f"| forecast from {f['from']}, {f['horizon']} months: {f['accepted']} record runs accepted "
            f"({f['within_tolerance']} of {f['draws']} within every tolerance), {f['branches']} futures each "
            f"| estimate |",
            f"| P(channel held for 36 months) | {k(c['p_held'])} |",
            f"| the same over the {len(grid)} distinct definitions of \"held\" | {min(grid):.3f} to {max(grid):.3f} |"]
    rows += rule_rows(s)
    rec = s["reference_class"]
    model, record = rec["model"]["lapsed_within"], rec["record"]["lapse_within_24_months"]
    eff = s["rivalry_effect"]["held"]
    walled = s["twin_effects"]["compartmentalised"]["held"]
    rows += [f"| P(frozen at least once) | {k(c['p_frozen'])} |",
             f"| P(lapsed: collapsed without a freeze) | {k(c['p_lapsed'])} |",
             f"| lapsed within 24 months: model / record of new US-China channels | {p(model)} / {p(record)} "
             f"({record['k']} of {record['n']}) |",
             f"| rivalry's effect on P(held) | {_interval(eff['difference'], eff['lo'], eff['hi'], '+')} |",
             f"| P(held) walled off (no linkage of either kind) minus as forecast | "
             f"{_interval(-walled['difference'], -walled['hi'], -walled['lo'], '+')} |",
             f"| share of runs from the posterior that reproduce every pattern of the record | "
             f"{f['predictive_joint_share_within']:.3f} |"]
    return rows


@pytest.fixture(scope="module")
def forecast_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("forecast")
    assert "sim forecast scenarios/forecast_2026.yaml " + " ".join(FORECAST) in README
    assert main(["forecast", str(ROOT / "scenarios" / "forecast_2026.yaml"), *FORECAST, "--quiet",
                 "--out", str(out)]) == 0
    (folder,) = (out / "forecast_2026").iterdir()   # the suite runs with SIM_LATEST=0: no alias
    return folder


@pytest.mark.slow
def test_forecast_table(forecast_folder, baseline_4000):
    block = _block("forecast")
    for row in forecast_rows(forecast_folder):
        assert row in block, f"README row out of date; expected:\n{row}"
    s = json.loads((forecast_folder / "summary.json").read_text())
    prose = " ".join(README.split())
    held = s["forecast"]["clustered"]["p_held"]["mean"]
    assert f"in about {held * 100:.1f}% of futures" in prose
    assert f"Only {round(s['forecast']['predictive_joint_share_within'] * 100)}% of runs drawn" in prose
    assert not any(m["inert"] for m in s["mechanisms"])  # "every mechanism ... still moves the forecast's channel"
    assert "grim_trigger" not in s["p_held_by_rule"]["China.frontier_safety"]  # "rules out China's grim trigger"
    base = json.loads((baseline_4000 / "summary.json").read_text())
    assert f"it gives P(held) {base['p_held']['p']:.3f}" in prose
    assert 0.15 <= held / base["p_held"]["p"] <= 0.25  # "about a fifth of that"
    assert f"against {base['rivalry_effect']['held']['difference']:.3f})" in prose
    eff = s["rivalry_effect"]["held"]["difference"]
    assert f"(-{abs(eff):.3f} against" in prose
    rec = s["reference_class"]
    assert f"({rec['model']['lapsed_within']['p']:.2f} against {rec['record']['lapse_within_24_months']['p']:.2f}" \
        in prose


@pytest.fixture(scope="module")
def baseline_4000(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline")
    assert "sim run scenarios/baseline.yaml --runs 4000" in README
    assert main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "--runs", str(RUNS), "--quiet", "--out", str(out)]) == 0
    (folder,) = (out / "baseline").iterdir()
    return folder


def test_headline_and_mechanism_tables(baseline_4000):
    block, mech = _block("v3"), _block("mechanisms")
    for row in v3_rows(baseline_4000):
        assert row in block, f"README row out of date; expected:\n{row}"
    for row in mechanism_rows(baseline_4000):
        assert row in mech, f"README row out of date; expected:\n{row}"
    # the prose's claims about the tables
    s = json.loads((baseline_4000 / "summary.json").read_text())
    prose = " ".join(README.split())
    assert not any(m["inert"] for m in s["mechanisms"])  # "every mechanism ... moves the channel"
    assert "every mechanism the scenario names moves the channel in some runs" in prose
    biggest = min(s["mechanisms"], key=lambda m: m["difference"])
    assert biggest["mechanism"].startswith("freezes")  # "freezes after sovereignty shocks cost the most"
    helps = max(s["mechanisms"], key=lambda m: m["difference"])
    assert helps["mechanism"].startswith("leaders' meetings")  # "leaders' meetings win some of it back"
    fwd = [s["p_held_by_rule"][f"{w}.frontier_safety"]["forward_looking"]["p"] for w in ("US", "China")]
    assert all(0.17 <= x <= 0.23 for x in fwd)  # "about one time in five"
    grim = [s["p_held_by_rule"][f"{w}.frontier_safety"]["grim_trigger"]["p"] for w in ("US", "China")]
    assert all(x < 0.01 for x in grim)  # "almost never"
    rec = s["reference_class"]
    assert f"({rec['model']['lapsed_within']['p']:.2f} against {rec['record']['lapse_within_24_months']['p']:.2f}" \
        in prose
    grid = [r["p"] for r in s["robustness"]]
    assert f"from {min(grid):.3f} to {max(grid):.3f}" in prose


def test_central_comparison_digits(tmp_path, capsys):
    block = _block("central", ANALYSIS)
    for name in ("compartmentalised", "linked"):
        assert f"sim run scenarios/{name}.yaml --runs {RUNS}" in ANALYSIS
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
    prose = " ".join(ANALYSIS.split())
    differ = s[0]["rivalry_effect"]["held"]["runs_differing"]
    assert f"{differ} run of these {RUNS} differs from its pacified twin" in prose
    cost = -s[1]["rivalry_effect"]["held"]["difference"]
    assert f"costs the channel {round(cost * 100)} points of P(held)" in prose
    r = read_table(compare / "robustness.csv")
    assert f"under {int((r['diff'] < 0).sum())} of the {len(r['diff'])} distinct definitions" in prose
    assert f"under {int((r['diff'] < 0).sum())} of {len(r['diff'])} definitions" in " ".join(README.split())
    averted = [x["twin_effects"]["channel_closed"]["incidents_averted"]["difference"] for x in s]
    assert all(0.2 <= a <= 0.3 for a in averted) and "about a quarter of a misuse incident per run" in prose


def _commands() -> list[list[str]]:
    out = []
    for line in re.findall(r"^(?:\$ )?sim ([a-z]+[^\n#]*)", README, flags=re.M):
        out.append(shlex.split(line.replace("<folder>", "x")))
    return out


#: options appended to a README command so that it runs in seconds (argparse: the last value wins)
SMALLER = {"run": ["--runs", "300"], "sweep": ["--runs", "40"], "sensitivity": ["--samples", "4", "--replicates", "8"],
           "discover": ["--experiments", "100"], "calibrate": ["--draws", "1500", "--accept", "50", "--predictive", "100"],
           "handout": ["--runs", "100"], "tournament": ["--repetitions", "2", "--turns", "50"], "trace": [],
           "reference-class": [], "forecast": ["--draws", "4000", "--accept", "10", "--branches", "3",
                                               "--predictive", "100"]}
#: commands that only print (no --out)
PRINTS = ("trace", "reference-class")
#: what each command writes, as the README says
WRITES = {"run": "manifest.json", "sweep": "manifest.json", "sensitivity": "manifest.json", "discover": "manifest.json",
          "calibrate": "manifest.json", "tournament": "manifest.json", "handout": "noise.html",
          "forecast": "manifest.json"}


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
        # tests/test_viz_browser.py starts it through conftest.viz_server, which runs `python -m sim viz`
        assert '"sim", "viz"' in (ROOT / "tests" / "conftest.py").read_text()
        assert "viz_server([" in (ROOT / "tests" / "test_viz_browser.py").read_text()
        return
    if command == "class":  # serves a class until stopped: tests/test_classmode.py starts it and plays a class
        assert '"-m", "sim", "class"' in (ROOT / "tests" / "test_classmode.py").read_text()
        return
    monkeypatch.chdir(ROOT)
    if command in ("brief", "figures"):  # the README's folder, results/<scenario>/latest, made by `sim run` first
        monkeypatch.setenv("SIM_LATEST", "1")
        folder = Path(argv[1])
        assert folder.parts[0] == "results" and folder.name == "latest"
        assert main(["run", f"scenarios/{folder.parts[1]}.yaml", *SMALLER["run"], "--out", str(tmp_path),
                     "--quiet"]) == 0
        assert main([command, str(tmp_path.joinpath(*folder.parts[1:]))]) == 0
        written = "brief.html" if command == "brief" else "figures/survival.svg"
        assert (tmp_path / folder.parts[1] / "latest" / written).is_file()
        return
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
    # the figures on request, as the README says: `--figures` or later `sim figures FOLDER`
    assert not (folder / "figures").exists() and "`--figures` or later `sim figures FOLDER`" in README
    assert main(["figures", str(folder)]) == 0
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
