"""The reference class of earlier US-China channels (docs/reference_class.md): the shipped CSV, every
figure against a computation made here from the raw file, bad files, the command, the scenario key
and the check in summary.json and the report.

Each figure is recomputed independently: the CSV is re-read with :mod:`csv`, dates and months
are worked out here, the Wilson interval comes from its formula, the Kaplan-Meier curve from a
product-limit loop with Greenwood's variance, the Beta moments from numerical integration.
Tolerances: 1e-9 for closed forms, 1e-6 for numerical integrals.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.scenario.errors import ScenarioError
from sim.scenario.reference import figures, km_median, load_reference

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "scenarios" / "reference" / "us_china_channels.csv"
Z = 1.959963984540054  # the 97.5% normal quantile


# -- independent helpers ---------------------------------------------------------------------------


def raw_rows() -> list[dict]:
    lines = [ln for ln in CSV.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def day(text: str) -> dt.date | None:
    if not text:
        return None
    parts = [int(p) for p in text.split("-")]
    return dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 15)


def month_gap(a: str, b: str) -> float:
    return (day(b) - day(a)).days * 12 / 365.25


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


def hand_km(times: list[float], events: list[bool]):
    """Product-limit estimate with Greenwood's variance and the log-log 95% band, at each event time."""
    out, s, green = [], 1.0, 0.0
    for t in sorted({t for t, e in zip(times, events) if e}):
        at_risk = sum(1 for u in times if u >= t)
        d = sum(1 for u, e in zip(times, events) if e and u == t)
        s *= 1 - d / at_risk
        green += d / (at_risk * (at_risk - d)) if at_risk > d else math.inf
        if 0 < s < 1 and math.isfinite(green):
            se = math.sqrt(green) / abs(math.log(s))
            lo, hi = s ** math.exp(Z * se), s ** math.exp(-Z * se)
        else:
            lo = hi = s
        out.append((t, s, lo, hi))
    return out


def first_below_half(curve, column: int):
    hit = [row[0] for row in curve if row[column] <= 0.5]
    return hit[0] if hit else None


@pytest.fixture(scope="module")
def fig():
    return figures(load_reference(CSV))


# -- the file loads ----------------------------------------------------------------------------------


def test_the_shipped_file_loads_as_coded():
    rc = load_reference(CSV)
    rows = raw_rows()
    assert len(rc.episodes) == len(rows) == 22
    assert len(rc.freezes) == sum(r["how"] == "freeze" for r in rows) == 15
    assert len(rc.lapses) == sum(r["how"] == "lapse" for r in rows) == 6
    belgrade = rc.episodes[0]
    assert belgrade.stopped == dt.date(1999, 5, 10) and belgrade.restarted == dt.date(2000, 1, 15)
    assert belgrade.how == "freeze" and belgrade.by == "China" and belgrade.occasion == "leaders_meeting"
    # line numbers count the comment lines above the header
    first_data = next(i for i, ln in enumerate(CSV.read_text().splitlines(), 1) if ln.startswith("mil-mil"))
    assert belgrade.line == first_data


# -- each figure against a hand computation ----------------------------------------------------------


def test_lapse_share_of_new_channels(fig):
    new = [r for r in raw_rows() if r["new_channel"] == "yes"]
    known = [r for r in new if r["stopped"] or month_gap(r["opened"], r["censored_at"]) >= 24]
    lapsed = [r for r in known if r["how"] == "lapse" and month_gap(r["opened"], r["stopped"]) <= 24]
    got = fig["lapse_within_24_months"]
    assert (got["k"], got["n"]) == (len(lapsed), len(known)) == (4, 8)
    lo, hi = wilson(len(lapsed), len(known))
    assert got["p"] == pytest.approx(0.5, abs=1e-12)
    assert got["lo"] == pytest.approx(lo, abs=1e-9) and got["hi"] == pytest.approx(hi, abs=1e-9)
    assert got["beta"] == [4.5, 4.5]  # Jeffreys Beta(1/2, 1/2) updated by 4 of 8
    assert got["not_yet_known"] == ["economic and trade consultation"]


def test_months_to_restart_is_a_hand_worked_kaplan_meier(fig):
    freezes = [r for r in raw_rows() if r["how"] == "freeze"]
    times = [month_gap(r["stopped"], r["restarted"] or r["censored_at"]) for r in freezes]
    events = [bool(r["restarted"]) for r in freezes]
    curve = hand_km(times, events)
    got = fig["months_to_restart"]
    assert (got["events"], got["censored"]) == (12, 3)
    assert got["median"] == pytest.approx(first_below_half(curve, 1), abs=1e-9)
    assert got["lo"] == pytest.approx(first_below_half(curve, 2), abs=1e-9)
    assert got["hi"] == pytest.approx(first_below_half(curve, 3), abs=1e-9)
    # the defence and counternarcotics talks both restarted in Jan 2024, 17.3 months after 5 Aug 2022
    assert got["median"] == pytest.approx(month_gap("2022-08-05", "2024-01"), abs=1e-9)


def test_km_median_on_a_tiny_example():
    """Five times, the last censored: S = 4/5, 3/5, 2/5 after 1, 2, 3: the median is 3; all events
    but none below 1/2: not reached."""
    got = km_median([1, 2, 3, 4, 5], [True, True, True, True, False])
    assert got["median"] == 3 and got["events"] == 4 and got["censored"] == 1
    assert km_median([1, 2, 3], [True, False, False])["median"] is None
    assert km_median([1, 2], [False, False]) == {"median": None, "lo": None, "hi": None, "events": 0,
                                                 "censored": 2}


def test_restarts_at_a_meeting_or_visit(fig):
    restarted = [r for r in raw_rows() if r["how"] == "freeze" and r["restarted"]]
    k = sum(r["occasion"] in ("leaders_meeting", "top_level_visit") for r in restarted)
    got = fig["restart_at_meeting"]
    assert (got["k"], got["n"]) == (k, len(restarted)) == (9, 12)
    lo, hi = wilson(9, 12)
    assert got["lo"] == pytest.approx(lo, abs=1e-9) and got["hi"] == pytest.approx(hi, abs=1e-9)


def test_thaw_rate_gamma_and_its_beta_for_a_monthly_chance(fig):
    from scipy import integrate, stats

    freezes = [r for r in raw_rows() if r["how"] == "freeze"]
    exposure = sum(month_gap(r["stopped"], r["restarted"] or r["censored_at"]) for r in freezes)
    events = sum(bool(r["restarted"]) for r in freezes)
    th = fig["thaw_rate"]
    a, b = 0.5 + events, exposure
    assert th["gamma"] == pytest.approx([a, b], abs=1e-9)
    assert th["rate"] == pytest.approx(a / b) and th["mean_months"] == pytest.approx(b / a)
    assert th["lo"] == pytest.approx(stats.gamma.ppf(0.025, a, scale=1 / b), rel=1e-9)
    # the Beta has the mean and variance of 1 - exp(-rate) under the Gamma (integrated numerically)
    pdf = stats.gamma(a, scale=1 / b).pdf
    m1 = integrate.quad(lambda x: (1 - math.exp(-x)) * pdf(x), 0, np.inf)[0]
    m2 = integrate.quad(lambda x: (1 - math.exp(-x)) ** 2 * pdf(x), 0, np.inf)[0]
    al, be = th["monthly_probability"]["beta"]
    assert al / (al + be) == pytest.approx(m1, rel=1e-6)
    assert al * be / ((al + be) ** 2 * (al + be + 1)) == pytest.approx(m2 - m1 * m1, rel=1e-6)
    own = fig["thaw_rate_not_at_meeting"]
    assert own["gamma"] == pytest.approx([0.5 + 3, exposure])  # the 3 restarts not at a meeting or visit


def test_freeze_probability_per_shock_needs_a_denominator(fig):
    fr = fig["freeze_per_shock"]
    assert fr["p"] is None and fr["beta"] is None  # the file lists no shock without a freeze
    shocks = {(r["stopped"], r["trigger"]) for r in raw_rows() if r["how"] == "freeze"}
    assert fr["shocks_with_freeze"] == len(shocks) == 10  # the six freezes of 5 Aug 2022 are one shock
    with_n = figures(load_reference(CSV), assumed_shocks=40)["freeze_per_shock"]
    lo, hi = wilson(10, 40)
    assert (with_n["k"], with_n["n"]) == (10, 40) and with_n["beta"] == [10.5, 30.5]
    assert with_n["lo"] == pytest.approx(lo, abs=1e-9) and with_n["hi"] == pytest.approx(hi, abs=1e-9)


# -- bad files ---------------------------------------------------------------------------------------

GOOD_HEAD = "channel,opened,stopped,how,trigger,by,shock,restarted,occasion,new_channel,censored_at,source_dates"
GOOD_ROW = "talks,2020-01,2021-02-03,freeze,arms sale,China,sovereignty,2021-06,leaders_meeting,yes,,2021"


@pytest.mark.parametrize("row,line,column,words", [
    ("talks,2020-01,2021-02-30,freeze,arms sale,China,sovereignty,2021-06,leaders_meeting,yes,,x", 4, "stopped",
     "not a date"),
    ("talks,2020-01,Feb 2021,freeze,arms sale,China,sovereignty,2021-06,leaders_meeting,yes,,x", 4, "stopped",
     "YYYY-MM"),
    ("talks,2020-01,2021-02,froze,arms sale,China,sovereignty,2021-06,leaders_meeting,yes,,x", 4, "how",
     "did you mean 'freeze'"),
    ("talks,2020-01,2021-02,freeze,arms sale,China,sovereignty,2020-06,leaders_meeting,yes,,x", 4, "restarted",
     "before the channel stopped"),
    ("talks,2020-01,2019-02,lapse,none,,,,,yes,2026-05-15,x", 4, "stopped", "before the channel opened"),
    ("talks,2020-01,2021-02,lapse,none,,,,,yes,,x", 4, "censored_at", "censored_at"),
    ("talks,2020-01,2021-02,freeze,arms sale,China,sovereignty,2021-06,,yes,,x", 4, "occasion", "occasion"),
    ("talks,2020-01,2021-02,freeze,arms sale,China,sovereignty,2021-06,summit,yes,,x", 4, "occasion",
     "unknown value 'summit'"),
    ("talks,2020-01,2021-02,freeze,arms sale,China,sovereignty,2021-06,leaders_meeting,maybe,,x", 4,
     "new_channel", "'yes' or 'no'"),
    ("talks,2020-01,2021-02,freeze", 4, None, "4 cells, expected 12"),
])
def test_a_bad_row_is_one_line_naming_file_line_and_column(tmp_path, row, line, column, words):
    path = tmp_path / "bad.csv"
    path.write_text(f"# a comment\n{GOOD_HEAD}\n{GOOD_ROW}\n{row}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_reference(path)
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{path}:{line}: ")
    if column:
        assert text.startswith(f"{path}:{line}: {column}: ")
    assert words in text


def test_a_missing_column_is_named_at_the_header_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("# note\n\n" + GOOD_HEAD.replace(",occasion", "") + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"^{path}:3: missing column 'occasion'"):
        load_reference(path)


def test_the_good_rows_above_do_load(tmp_path):
    """The bad-row cases differ from a file that loads only by their bad cell."""
    path = tmp_path / "good.csv"
    path.write_text(f"{GOOD_HEAD}\n{GOOD_ROW}\n", encoding="utf-8")
    assert load_reference(path).episodes[0].restarted == dt.date(2021, 6, 15)


# -- the command -------------------------------------------------------------------------------------


def test_command_prints_the_figures_and_priors(capsys, fig):
    assert main(["reference-class", str(CSV)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(ln.startswith("new channels that lapse within 24 months of opening: 0.500 [0.215, 0.785]")
               for ln in out)
    km = fig["months_to_restart"]
    assert f"median months to restart after a freeze: {km['median']:.1f} [{km['lo']:.1f}, {km['hi']:.1f}]" \
        in "\n".join(out)
    assert "  lapse share within 24 months: {beta: [4.5, 4.5]}" in out
    assert any(ln.startswith("  thaw_rate: {beta: [") for ln in out)
    assert main(["reference-class", str(CSV), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["restart_at_meeting"]["k"] == 9


def test_command_on_a_bad_file_is_one_line_and_status_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(f"{GOOD_HEAD}\n{GOOD_ROW.replace('freeze', 'thaw')}\n", encoding="utf-8")
    assert main(["reference-class", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {path}:2: how: unknown value 'thaw': expected 'freeze' or 'lapse'\n"
    assert main(["reference-class", str(tmp_path / "none.csv")]) == 2
    assert main(["reference-class", str(CSV), "--shocks", "3"]) == 2  # fewer than the 10 shocks with a freeze
    assert capsys.readouterr().err.count("\n") == 2


def test_command_in_a_real_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "sim", "reference-class", str(CSV)], capture_output=True,
                        text=True, cwd=ROOT, env=env)
    assert ok.returncode == 0 and "restarts at or after a leaders' meeting" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "sim", "reference-class", str(tmp_path)], capture_output=True,
                         text=True, cwd=ROOT, env=env)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr


# -- the scenario key and the check --------------------------------------------------------------------


def scenario_file(tmp_path: Path, reference: str) -> Path:
    path = tmp_path / "scen" / "s.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nname: refcheck\nruns: 40\n"
                    f"reference_class: {reference}\n", encoding="utf-8")
    return path


def test_scenario_key_resolves_relative_to_the_scenario_file(tmp_path):
    from sim.scenario.load import load_scenario

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "channels.csv").write_text(CSV.read_text(encoding="utf-8"), encoding="utf-8")
    s = load_scenario(scenario_file(tmp_path, "../data/channels.csv"))
    assert Path(s.reference_class.path) == (tmp_path / "data" / "channels.csv").resolve()
    assert len(s.reference_class.episodes) == 22
    assert s.data["reference_class"] == s.reference_class.path  # so a stored scenario.yaml finds it
    assert load_scenario(ROOT / "scenarios" / "lessons" / "01_tit_for_tat.yaml").reference_class is None


def test_scenario_key_errors_at_its_line(tmp_path):
    from sim.scenario.load import load_scenario

    path = scenario_file(tmp_path, "missing.csv")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value) == (f"{path}:4: reference_class: no such reference-class file "
                              f"'{path.parent / 'missing.csv'}'")
    bad = tmp_path / "scen" / "bad.csv"
    bad.write_text(f"{GOOD_HEAD}\n{GOOD_ROW.replace('2021-06', '2020-06')}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"^{path}:4: reference_class: {bad}:2: restarted: "):
        load_scenario(scenario_file(tmp_path, "bad.csv"))


def test_validating_a_scenario_with_the_key_imports_no_numpy(tmp_path):
    path = scenario_file(tmp_path, str(CSV))
    code = ("import sys; from sim.cli import main; rc = main(['validate', sys.argv[1]]); "
            "bad = sorted(m for m in ('numpy', 'scipy', 'pandas') if m in sys.modules); print(rc, bad)")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stdout + proc.stderr


def synthetic_runs(with_freezes: bool) -> dict:
    """Ten runs of 30 steps: collapses begin at steps 0, 5, 23 (within 24 steps), 24 and 29; the
    others hold. Two runs of 10 steps that held: their fate by step 24 is unknown."""
    brk = np.array([0, 5, 23, 24, 29, -1, -1, -1, -1, -1, -1, -1], dtype=float)
    table = {"held": (brk < 0).astype(int), "escalated": np.zeros(len(brk), dtype=int), "break_step": np.where(brk < 0, np.nan, brk),
             "length": np.array([30] * 10 + [10, 10], dtype=float)}
    if with_freezes:
        table.update({
            "freezes": np.array([1, 2, 0, 1, 0, 0, 3, 0, 0, 0, 1, 0]),
            "first_freeze": np.array([0, 3, -1, 20, -1, -1, 25, -1, -1, -1, 2, -1], dtype=float),
            "frozen_months": np.array([4, 10, 0, 6, 0, 0, 9, 0, 0, 0, 1, 0], dtype=float),
            "thaws_at_meeting": np.array([1, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]),
            "collapse_cause": np.array(["freeze", "lapse", "lapse", "freeze", "lapse"] + [np.nan] * 7,
                                       dtype=object)})
    return table


def test_model_figures_from_a_synthetic_runs_table():
    from sim.analysis.reference_check import model_figures

    m = model_figures(synthetic_runs(with_freezes=True))
    # within 24 steps: steps 0, 5, 23 of the 10 runs whose fate by step 24 is known
    assert (m["collapsed_within"]["k"], m["collapsed_within"]["n"]) == (3, 10)
    assert (m["lapsed_within"]["k"], m["lapsed_within"]["n"]) == (2, 10)  # steps 5 and 23 were lapses
    # Kaplan-Meier of the break steps, held runs censored at length - 1/2: at risk 12 and 11 at steps
    # 0 and 5, then 8, 7 and 6 at steps 23, 24 and 29 (the two short runs left at 9.5): never <= 1/2
    s = (11 / 12) * (10 / 11) * (7 / 8) * (6 / 7) * (5 / 6)
    assert s > 0.5 and m["median_break_step"]["median"] is None and m["median_break_step"]["events"] == 5
    assert (m["frozen_at_least_once"]["k"], m["frozen_at_least_once"]["n"]) == (5, 12)
    assert m["months_frozen_per_freeze"] == pytest.approx(30 / 8)
    assert (m["freezes_ended_at_meeting"]["k"], m["freezes_ended_at_meeting"]["n"]) == (4, 8)
    # first freeze before step 24: steps 0, 3, 20 and 2 (a short run, known); 25 is not
    assert (m["first_freeze_within"]["k"], m["first_freeze_within"]["n"]) == (4, 11)


def test_model_figures_skip_absent_freeze_columns():
    from sim.analysis.reference_check import model_figures

    m = model_figures(synthetic_runs(with_freezes=False))
    assert set(m) == {"steps", "collapsed_within", "median_break_step"}
    m = model_figures({**synthetic_runs(False), "break_step": np.array([0, 5, 23, 24, 29] + [-1] * 7)})
    assert m["collapsed_within"]["k"] == 3  # -1 is "never", as in memory


def test_summary_and_report_get_the_check(tmp_path):
    from sim.analysis.report import Context, reference_section
    from sim.analysis.run_folder import run_summary
    from sim.scenario.load import load_scenario

    s = load_scenario(scenario_file(tmp_path, str(CSV)))
    table = synthetic_runs(with_freezes=True)
    summary = run_summary(s, 1, table, list(table))
    check = summary["reference_class"]
    assert check["record"]["lapse_within_24_months"]["k"] == 4
    assert check["model"]["collapsed_within"]["k"] == 3
    assert check["record_restarts_at_meeting_per_freeze"]["n"] == 15  # 9 of the 15 freezes
    plain = run_summary(load_scenario(ROOT / "scenarios" / "lessons" / "01_tit_for_tat.yaml"), 1, table, list(table))
    assert "reference_class" not in plain
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(summary))
    html = reference_section(Context(folder, {}, "run", "t"))
    assert "Reference class: the record next to the model" in html and "3/10" in html and "4/8" in html
    (folder / "summary.json").write_text(json.dumps(plain))
    assert reference_section(Context(folder, {}, "run", "t")) == ""


@pytest.mark.slow
def test_a_run_writes_the_check_into_summary_and_report(tmp_path):
    path = scenario_file(tmp_path, str(CSV))
    assert main(["run", str(path), "--runs", "40", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    folder = next((tmp_path / "out" / "refcheck").iterdir())
    summary = json.loads((folder / "summary.json").read_text())
    model = summary["reference_class"]["model"]
    held = np.array([int(r["held"]) for r in csv.DictReader((folder / "runs.csv").open())])
    brk = [r["break_step"] for r in csv.DictReader((folder / "runs.csv").open())]
    assert model["collapsed_within"]["k"] == sum(1 for b in brk if b and float(b) < 24)
    assert model["collapsed_within"]["k"] <= (held == 0).sum()
    assert "Reference class: the record next to the model" in (folder / "report.html").read_text()


def test_the_docs_quote_what_the_command_prints(capsys, monkeypatch):
    page = (ROOT / "docs" / "reference_class.md").read_text(encoding="utf-8")
    block = page.split("$ sim reference-class scenarios/reference/us_china_channels.csv\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    assert main(["reference-class", "scenarios/reference/us_china_channels.csv"]) == 0
    assert capsys.readouterr().out == block
