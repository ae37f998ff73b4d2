"""docs/calibration.md, "Results" and "Hold-out": every figure quoted for the real record is
re-computed here at a tenth of the size and checked against the figure quoted.

The docs quote ``--draws 200000`` (the 200 nearest, 2000 predictive runs, 300 simulated records);
this test runs the same commands with 20,000 draws (the 20 nearest: the same share of the draws),
500 predictive runs and 60 simulated records, and checks each quoted figure within the sampling
error of the smaller run:

- a share of prior draws (within a tolerance, acceptance): 4 binomial standard errors of 20,000 draws;
- a predictive share: 3.5 standard errors of the smaller run, clustered by posterior row (each
  predictive run is matched to the posterior row it took), plus 0.01;
- an effective tolerance: the largest miss among 200 accepted runs is at least that among 20;
- the conflict check: flagged (or not) in both, the share of simulated records above the record's
  rate within 4 binomial standard errors of 60 records, their median rate within a factor 1.6;
- a posterior interval: the quoted median inside the smaller run's 90% interval, its ends within
  0.1, width ratios below the bound the docs' words imply.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from sim.cli import main

#: more than a few seconds (simulates tens of thousands of runs): scheduled first under xdist
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
RECORD = "scenarios/history/record_2022_2025.yaml"
BY_YEAR = "scenarios/history/record_2022_2025_by_year.yaml"
DRAWS, FULL = 20_000, 200_000


def _section(start: str, end: str | None) -> str:
    assert start in DOC, start
    rest = DOC.split(start, 1)[1]
    return rest.split(end, 1)[0] if end else rest


RESULTS = _section("### Results", "### Hold-out: fitted to 2022-2024")
HOLDOUT = _section("### Hold-out: fitted to 2022-2024", None)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _row(text: str, name: str) -> list[str]:
    rows = [line for line in text.splitlines() if line.startswith(f"| {name} |")]
    assert len(rows) == 1, name
    return [c.strip() for c in rows[0].strip("|").split("|")]


def _calibrate(tmp: Path, *argv: str) -> dict:
    assert main(["calibrate", *argv, "--workers", "1", "--quiet", "--out", str(tmp)]) == 0
    (folder,) = [p for p in tmp.glob("*/*") if p.is_dir()]
    return {"summary": json.loads((folder / "summary.json").read_text()),
            "post": pd.read_csv(folder / "posterior.csv"), "pred": pd.read_csv(folder / "predictive.csv")}


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return _calibrate(tmp_path_factory.mktemp("record"), RECORD, "--draws", str(DRAWS), "--nearest", "--accept",
                      "20", "--adjust", "--predictive", "500", "--check-conflict", "60")


@pytest.fixture(scope="module")
def holdout(tmp_path_factory):
    return _calibrate(tmp_path_factory.mktemp("holdout"), BY_YEAR, "--draws", str(DRAWS), "--holdout",
                      "2025-01-01", "--accept", "20", "--predictive", "500", "--check-conflict", "60")


def _binomial_ok(quoted: float, p: float, n: int = DRAWS) -> bool:
    return abs(quoted - p) <= 4 * np.sqrt(max(p * (1 - p), 1 / n) / n) + 0.0005


def _clustered_se(run: dict, within: np.ndarray) -> float:
    """Standard error of a predictive share, clustered by the posterior row each predictive run took."""
    cols = [c for c in run["post"] if c.startswith("param.")]
    rows = {tuple(r): i for i, r in enumerate(run["post"][cols].to_numpy())}
    which = np.array([rows[tuple(r)] for r in run["pred"][cols].to_numpy()])
    share = within.mean()
    dev = np.bincount(which, weights=within - share)
    return float(np.sqrt((dev ** 2).sum()) / len(within))


def _within(run: dict, summary_entry: dict) -> np.ndarray:
    col = [c for c in run["pred"] if c.startswith("stat.")]
    from sim.scenario.names import column_slug

    x = run["pred"][f"stat.{column_slug(summary_entry['name'])}"].to_numpy()
    assert f"stat.{column_slug(summary_entry['name'])}" in col
    with np.errstate(invalid="ignore"):
        return (np.abs(x - summary_entry["observed"]) <= summary_entry["tolerance"] + 1e-9).astype(float)


def _share_ok(quoted: float, run: dict, within: np.ndarray) -> bool:
    return abs(quoted - within.mean()) <= 3.5 * _clustered_se(run, within) + 0.01


def test_acceptance_and_the_per_pattern_table(record):
    sm = record["summary"]
    flat = _flat(RESULTS)
    m = re.search(r"\*\*Few runs reproduce the whole record.\*\* (\d+) of 200,000 runs \(acceptance rate ([0-9.]+)\)",
                  flat)
    n_full = int(m.group(1))
    assert float(m.group(2)) == pytest.approx(round(n_full / FULL, 5))
    n_small = round(sm["acceptance_rate"] * DRAWS)
    assert n_small <= poisson.ppf(0.999, n_full * DRAWS / FULL)      # a tenth of the draws, a tenth of the runs
    assert f"`{n_full} of 200000 runs are within every tolerance`" in flat
    assert f"error: record_2022_2025: {n_full} of 200000 runs are within every tolerance" in DOC
    assert sm["acceptance"] == "nearest" and sm["accepted"] == 20
    assert f"the 200 nearest runs, {200 - n_full} of which miss at least one tolerance" in flat
    for entry in sm["patterns"]:
        name, observed, tol, prior, eff, pred = _row(RESULTS, entry["name"])
        assert float(observed) == entry["observed"] and float(tol) == entry["tolerance"]
        assert _binomial_ok(float(prior), entry["prior_within_tolerance"]), entry["name"]
        assert float(eff) >= entry["effective_tolerance"] - 0.0005, entry["name"]   # quoted to 3 digits
        assert _share_ok(float(pred), record, _within(record, entry)), entry["name"]
    us = next(p for p in sm["patterns"] if p["name"] == "US chip-control rounds")
    m = re.search(r"US chip-control rounds (\d+), \.\.\.", DOC)
    assert _binomial_ok(int(m.group(1)) / FULL, us["prior_within_tolerance"])


def test_the_predictive_check_as_quoted(record):
    sm = record["summary"]
    flat = _flat(RESULTS)
    dormant = next(p for p in sm["patterns"] if p["name"] == "AI channel dormant in 2025")
    assert not dormant["observed_inside_90"]                   # "observed 0 lies outside its 90% interval"
    assert "(9.4%; observed 0 lies outside its 90% predictive interval" in flat
    assert _share_ok(0.094, record, _within(record, dormant))
    every = np.prod([_within(record, p) for p in sm["patterns"]], axis=0)
    assert sm["predictive_joint"]["share_within"] == pytest.approx(every.mean())
    m = re.search(r"jointly only ([0-9.]+)% of the predictive runs \((\d+) of 2000\)", flat)
    assert float(m.group(1)) / 100 == pytest.approx(int(m.group(2)) / 2000, abs=0.0005)
    assert _share_ok(int(m.group(2)) / 2000, record, every)
    mineral = next(p for p in sm["patterns"] if p["name"] == "Mineral controls eased below their peak")
    assert mineral["prior_within_tolerance"] == 1.0 and mineral["predictive_share_within"] == 1.0


def test_the_conflict_check_as_quoted(record):
    c = record["summary"]["conflict"]
    flat = _flat(RESULTS)
    m = re.search(r"The record's acceptance rate, ([0-9.]+), is lower than that of (\d+) of the (\d+) records "
                  r"simulated from the posterior \((\d+) simulated; (\d+) had an undefined answer share\), whose "
                  r"median rate is ([0-9.]+): \*\*a prior-data conflict is flagged\*\*", flat)
    rate, higher, defined, simulated, undefined, median = m.groups()
    assert int(defined) + int(undefined) == int(simulated) == 300
    assert int(higher) >= 0.95 * int(defined)                    # flagged, as the words say
    assert c["conflict"] and c["simulated"] == 60
    assert abs(int(higher) / int(defined) - c["share_higher"]) <= 4 * np.sqrt(0.05 * 0.95 / c["records"])
    assert abs(np.log(float(median) / c["simulated_median_rate"])) <= np.log(1.6)


def test_the_posterior_as_quoted(record):
    q = record["summary"]["parameters"]
    flat = _flat(RESULTS)
    m = re.search(r"US discount factor's posterior median is ([0-9.]+), 90% interval \[([0-9.]+), ([0-9.]+)\] "
                  r"\(a third of the prior's width, ratio ([0-9.]+)\), and China's ([0-9.]+) \[([0-9.]+), ([0-9.]+)\] "
                  r"\(([0-9.]+)\)", flat)
    v = [float(x) for x in m.groups()]
    for actor, (med, lo, hi, ratio) in (("US", v[0:4]), ("China", v[4:8])):
        small = q[f"actors.{actor}.discount"]
        assert small["q05"] <= med <= small["q95"], actor
        assert abs(lo - small["q05"]) <= 0.1 and abs(hi - small["q95"]) <= 0.1, actor
        assert ratio <= 0.4 and small["width_ratio"] <= 0.5, actor          # "a third of the prior's width"
    m = re.search(r"ratios ([0-9.]+) for the US chip rule and ([0-9.]+) for China's mineral rule", flat)
    for quoted, path in zip(m.groups(), ("actors.US.strategies.export_controls.rationality",
                                         "actors.China.strategies.rare_earths.rationality")):
        assert float(quoted) < 0.8 and q[path]["width_ratio"] < 0.8, path    # "narrows too"
    assert all("adjusted" in q[p] for p in record["summary"]["adjusted"])
    assert record["summary"]["rules"] == {}                                  # "draws no decision rule"


def test_the_holdout_as_quoted(holdout):
    sm = holdout["summary"]
    flat = _flat(HOLDOUT)
    assert sm["holdout"]["fitted"] == [p["name"] for p in sm["patterns"][:4]]    # "the four patterns judged before 2025"
    assert all(p["fitted"] for p in sm["patterns"][:4]) and not any(p["fitted"] for p in sm["patterns"][4:])
    m = re.search(r"\*\*(\d+) of 200,000 runs\*\* \(([0-9.]+)\) reproduce 2022-2024 within every tolerance, and no "
                  r"conflict is flagged \((\d+) of the (\d+) defined simulated records have a higher acceptance rate: "
                  r"(\d+)%\)", flat)
    n, rate, higher, defined, pct = m.groups()
    assert float(rate) == pytest.approx(int(n) / FULL, abs=5e-6)
    assert _binomial_ok(int(n) / FULL, sm["acceptance_rate"])
    assert round(100 * int(higher) / int(defined)) == int(pct)
    c = sm["conflict"]
    assert not c["conflict"] and abs(int(higher) / int(defined) - c["share_higher"]) <= 4 * np.sqrt(0.25 / c["records"])
    for entry in sm["patterns"][4:]:
        name, observed, tol, pred = _row(HOLDOUT, entry["name"])
        assert float(observed) == entry["observed"] and float(tol) == entry["tolerance"]
        assert _share_ok(float(pred), holdout, _within(holdout, entry)), entry["name"]
    m = re.search(r"reproduces its own four fitted patterns in ([0-9.]+)% of the predictive runs, and \*\*2025's six "
                  r"patterns together in ([0-9.]+)% \((\d+) of 2000\)\*\*", flat)
    fitted = np.prod([_within(holdout, p) for p in sm["patterns"][:4]], axis=0)
    held = np.prod([_within(holdout, p) for p in sm["patterns"][4:]], axis=0)
    assert sm["holdout"]["fitted_joint"]["share_within"] == pytest.approx(fitted.mean())
    assert sm["holdout"]["joint"]["share_within"] == pytest.approx(held.mean())
    assert _share_ok(float(m.group(1)) / 100, holdout, fitted)
    assert float(m.group(2)) / 100 == pytest.approx(int(m.group(3)) / 2000, abs=0.0005)
    assert _share_ok(int(m.group(3)) / 2000, holdout, held)
