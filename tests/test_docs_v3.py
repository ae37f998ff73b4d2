"""The version 3 documentation stays true to the code.

Every number the v3 pages quote outside a ``$ sim run`` block (which ``tests/test_docs.py``
re-runs) is re-computed here:

- docs/reference_class.md, "The model against the outside view": the model's figures from 1000
  runs of the baseline, and the record's counts from the reference-class file;
- docs/model.md and docs/odd.md: the decision scale's example, a freeze's length and when it
  becomes a collapse, what ``{channel: frozen}`` reads;
- docs/odd.md and docs/parameters.md: which mechanisms are inert in which shipped scenario.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _run(tmp: Path, *argv: str) -> tuple[dict, pd.DataFrame]:
    assert main(["run", *argv, "--out", str(tmp), "--quiet"]) == 0
    (folder,) = [p for p in tmp.glob("*/*") if p.is_dir()]
    return json.loads((folder / "summary.json").read_text()), pd.read_csv(folder / "runs.csv")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("baseline"), "scenarios/baseline.yaml", "--runs", "1000")


def _section(page: str, heading: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    assert heading in text, f"{page}: no section {heading!r}"
    rest = text.split(heading, 1)[1]
    return rest.split("\n## ", 1)[0]


def _flat(text: str) -> str:
    """The text with every run of white space one space (quoted phrases may wrap)."""
    return " ".join(text.split())


def _row(text: str, label: str) -> str:
    rows = [line for line in text.splitlines() if line.startswith(f"| {label} |")]
    assert len(rows) == 1, f"expected one table row '{label}', found {len(rows)}"
    return rows[0]


def _share(k: int, n: int) -> str:
    return f"{k / n:.3f} ({k} of {n})"


OUTSIDE = "## The model against the outside view"


def test_outside_view_model_figures(baseline, monkeypatch):
    summary, _ = baseline
    m = summary["reference_class"]["model"]
    text = _section("reference_class.md", OUTSIDE)
    assert "--runs 1000" in text and m["steps"] == 24
    cells = {
        "new channel stopped within 24 months (record: frozen or lapsed; model: collapsed)": m["collapsed_within"],
        "new channel lapsed within 24 months (model: collapse cause `lapse`)": m["lapsed_within"],
        "new channel frozen within 24 months (model: first freeze before step 24)": m["first_freeze_within"],
        "frozen at least once in 36 months": m["frozen_at_least_once"],
        "freezes ended at a leaders' meeting": m["freezes_ended_at_meeting"],
    }
    for label, x in cells.items():
        assert _row(text, label).endswith(f"| {_share(x['k'], x['n'])} |"), label
    per = _row(text, "months frozen per freeze (record: Kaplan-Meier median to restart)")
    record = summary["reference_class"]["record"]
    assert per == f"| months frozen per freeze (record: Kaplan-Meier median to restart) | " \
                  f"{record['months_to_restart']['median']:.1f} | {m['months_frozen_per_freeze']:.1f} |"
    assert _row(text, "freezes ended at a leaders' meeting").startswith(
        f"| freezes ended at a leaders' meeting | {record['restart_at_meeting']['k']} of "
        f"{summary['reference_class']['record_restarts_at_meeting_per_freeze']['n']} |")
    assert f"({record['lapse_within_24_months']['k']} of {record['lapse_within_24_months']['n']})" == "(4 of 8)"


def _months(a: dt.date, b: dt.date) -> float:
    from sim.scenario.reference import months

    return months(a, b)


def test_outside_view_record_counts():
    """7 of 8 new channels stopped (frozen or lapsed) within 24 months, 4 by a lapse, 3 by a freeze."""
    from sim.scenario.reference import load_reference

    rc = load_reference(ROOT / "scenarios" / "reference" / "us_china_channels.csv")
    first: dict = {}
    for e in sorted((e for e in rc.episodes if e.new_channel), key=lambda e: e.stopped or dt.date.max):
        first.setdefault(e.channel, e)
    known = [e for e in first.values() if e.stopped is not None or _months(e.opened, e.censored_at) >= 24]
    early = [e for e in known if e.stopped is not None and _months(e.opened, e.stopped) <= 24]
    text = _section("reference_class.md", OUTSIDE)
    n = len(known)
    stopped = len(early)
    lapsed = sum(e.how == "lapse" for e in early)
    frozen = sum(e.how == "freeze" for e in early)
    assert _row(text, "new channel stopped within 24 months (record: frozen or lapsed; model: collapsed)") \
        .split(" | ")[1] == f"{stopped} of {n}"
    assert _row(text, "new channel lapsed within 24 months (model: collapse cause `lapse`)") \
        .split(" | ")[1] == f"{lapsed} of {n}"
    assert _row(text, "new channel frozen within 24 months (model: first freeze before step 24)") \
        .split(" | ")[1] == f"{frozen} of {n}"
    assert f"as the record ({stopped} of {n})" in _flat(text)
    assert f"each of the record's {len({e.stopped for e in rc.freezes})} freezing shocks" in _flat(text)


def test_outside_view_reasons(baseline):
    summary, runs = baseline
    text = _section("reference_class.md", OUTSIDE)
    flat = _flat(text)
    rules = summary["p_held_by_rule"]
    for rule in ("forward_looking", "grim_trigger", "win_stay_lose_shift"):
        china, us = rules["China.frontier_safety"][rule], rules["US.frontier_safety"][rule]
        assert _row(text, f"`{rule}`") == f"| `{rule}` | {_share(china['k'], china['n'])} | {_share(us['k'], us['n'])} |"
    us, cn = runs["strategy.US.frontier_safety"], runs["strategy.China.frontier_safety"]
    g_us, g_cn = us == "grim_trigger", cn == "grim_trigger"
    assert runs.held[g_us | g_cn].sum() == 0
    assert (f"holds in {runs.held_no_issue_linkage[g_us].sum()} of {g_us.sum()} runs (US) and "
            f"{runs.held_no_issue_linkage[g_cn].sum()} of {g_cn.sum()} (China)") in flat
    fl = (us == "forward_looking") & (cn == "forward_looking")
    assert f"holds in {runs.held[fl].sum()} of {fl.sum()} runs; in the twin without freezes, in " \
           f"{runs.held_no_freezes[fl].sum()} of {fl.sum()}" in flat
    (freezes,) = [r for r in summary["mechanisms"] if r["twin"] == "no_freezes"]
    assert f"with freezes minus without is {freezes['difference']:.3f}" in flat
    assert f"{summary['p_open_at_end']['p']:.3f} of runs have the channel open at the end, against " \
           f"{summary['p_held']['p']:.3f} that held" in flat


# -- the readings of docs/model.md ---------------------------------------------------------------


def test_decision_scale_example():
    """beta 1 and a gain of one payoff unit a step: C with probability 0.73 (27% walk-outs)."""
    from sim.strategies import Observation, cooperate_probability

    one = np.ones(1)
    obs = Observation(1, one > 0, one, one, one < 0, one, one, one, one, one, np.full(1, 0.9))
    p = cooperate_probability(obs, 1.0, values=(np.full(1, 10.0), np.zeros(1)))  # (1 - 0.9) * 10 = 1
    assert f"{p[0]:.2f}" == "0.73"
    total = cooperate_probability(obs, 1.0, total=True, values=(np.full(1, 10.0), np.zeros(1)))
    assert total[0] > 0.9999
    text = _flat((DOCS / "model.md").read_text())
    assert f"probability {p[0]:.2f} and walks out in {100 * (1 - p[0]):.0f}% of steps" in text


FREEZE = """
name: freeze_check
seed: 1
horizon: 120
actors:
  US: {strategies: {ch: always_cooperate}}
  China: {strategies: {ch: always_cooperate}}
tracks:
  ch: {role: channel, thaw_rate: 0.25}
events:
  - name: walk out
    at: 0
    effects: [{freeze: ch, actor: China}]
  - name: watch
    when: {channel: frozen}
    effects: [{target: actors.US.hawkishness, add: 0.01}]
"""


def test_freeze_length_and_collapse(tmp_path):
    """A freeze at step t plays D from t; the thaw draw after each step's moves makes its length
    geometric on 1, 2, ... with mean 1/thaw_rate; `{channel: frozen}` reads the state after the
    draw; from a fully engaged window (default definition) a freeze of 4 steps or more is a
    collapse whose cause is `freeze`."""
    file = tmp_path / "freeze_check.yaml"
    file.write_text(FREEZE)
    _, runs = _run(tmp_path / "out", str(file), "--runs", "4000", "--no-twins")
    months = runs.frozen_months
    assert months.min() == 1 and (runs.first_freeze == 0).all() and (runs.freezes == 1).all()
    assert abs(months.mean() - 4.0) < 0.15                     # 1 / 0.25
    assert abs((months == 1).mean() - 0.25) < 0.03             # ended by the draw after step 0
    assert (runs["fired.watch"] == months - 1).all()
    assert ((runs.held == 0) == (months >= 4)).all()
    assert (runs.collapse_cause[runs.held == 0] == "freeze").all()
    text = _flat((DOCS / "model.md").read_text())
    assert "a freeze of 4 months or more" in text and "mean 1/thaw_rate" in text


# -- inert mechanisms ------------------------------------------------------------------------------


def test_inert_mechanisms_as_the_docs_say(baseline, tmp_path):
    summary, _ = baseline
    assert not [r["twin"] for r in summary["mechanisms"] if r["inert"]], "the docs say none is inert in the baseline"
    comp, _ = _run(tmp_path, "scenarios/compartmentalised.yaml", "--runs", "300")
    inert = sorted(r["twin"] for r in comp["mechanisms"] if r["inert"])
    assert inert == ["no_issue_linkage", "no_level_linkage"]
    for page in ("odd.md", "parameters.md"):
        text = _flat((DOCS / page).read_text())
        assert "inert in this scenario" in text and "compartmentalised.yaml" in text, page


def test_odd_parameter_table_matches_the_baseline():
    """Every distribution the ODD+D parameter table quotes is written so in the baseline."""
    import re

    table = _section("odd.md", "## 4. Parameters and their basis")
    yaml = _flat((ROOT / "scenarios" / "baseline.yaml").read_text())
    def pairs(pattern: str, text: str) -> set:
        return {(float(a), float(b)) for a, b in re.findall(pattern, text)}

    uniform = pairs(r"uniform (\d[\d.]*) - (\d[\d.]*)", table)
    beta = pairs(r"beta\((\d[\d.]*), (\d[\d.]*)\)", table)
    assert len(uniform) + len(beta) >= 20
    assert uniform <= pairs(r"uniform: \[(\d[\d.]*), (\d[\d.]*)\]", yaml)
    assert beta <= pairs(r"beta: \[(\d[\d.]*), (\d[\d.]*)\]", yaml)
