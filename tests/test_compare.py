"""`sim compare`: interval maths against published values, the tests, and the comparison folder."""

from __future__ import annotations

import numpy as np
import pytest

from analyst_helpers import write_small
from sim.analysis.compare import mcnemar_p, newcombe_difference, two_proportion_p
from sim.analysis.stats import newcombe_paired, proportion
from sim.results.tables import read_table
from sim.cli import main


@pytest.mark.parametrize("k, n, lo, hi", [
    # Newcombe RG (1998a), Two-sided confidence intervals for the single proportion: comparison of
    # seven methods, Stat Med 17:857-872, Table I, method 3 (Wilson score, no continuity correction)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0),
])
def test_wilson_matches_newcombe_1998a(k, n, lo, hi):
    p = proportion(k, n)
    assert p.lo == pytest.approx(lo, abs=5e-5) and p.hi == pytest.approx(hi, abs=5e-5)


@pytest.mark.parametrize("k1, n1, k2, n2, lo, hi", [
    # Newcombe RG (1998b), Interval estimation for the difference between independent proportions:
    # comparison of eleven methods, Stat Med 17:873-890, Table II, method 10 (hybrid score)
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0),
    (10, 10, 0, 10, 0.6075, 1.0),
])
def test_newcombe_difference_matches_published_examples(k1, n1, k2, n2, lo, hi):
    d, a, b = newcombe_difference(k1, n1, k2, n2)
    assert d == pytest.approx(k1 / n1 - k2 / n2)
    assert a == pytest.approx(lo, abs=5e-5) and b == pytest.approx(hi, abs=5e-5)


def test_two_proportion_and_mcnemar_tests():
    # the pooled z test is the uncorrected Pearson chi-square test of the 2x2 table (z^2 = chi^2);
    # for 56/70 vs 48/80: z = 0.2 / 0.075467 = 2.6502, p = 0.00805
    from scipy.stats import chi2_contingency

    chi = chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert two_proportion_p(56, 70, 48, 80) == pytest.approx(chi.pvalue, rel=1e-9)
    assert two_proportion_p(56, 70, 48, 80) == pytest.approx(0.00805, abs=1e-5)
    assert two_proportion_p(5, 10, 5, 10) == pytest.approx(1.0)
    x = np.array([1, 1, 1, 0, 0, 1], bool)
    y = np.array([1, 0, 0, 0, 0, 1], bool)
    assert mcnemar_p(x, y) == pytest.approx(0.5)       # 2 discordant, both one way: 2 * 0.5^2
    assert mcnemar_p(x, x) == 1.0


def _pairs(a: int, b: int, c: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Paired binary outcomes with a (1,1), b (1,0), c (0,1) and d (0,0) pairs."""
    x = np.array([1] * a + [1] * b + [0] * c + [0] * d, bool)
    y = np.array([1] * a + [0] * b + [1] * c + [0] * d, bool)
    return x, y


def test_newcombe_paired_matches_published_example():
    # Fagerland MW, Lydersen S, Laake P (2017), Statistical Analysis of Contingency Tables, CRC,
    # chapter 8 (paired 2x2 tables), Newcombe's square-and-add interval (Newcombe 1998, Stat Med
    # 17:2635, method 10) for the table 59, 6 / 16, 80: -0.0621 (95% CI -0.1186 to -0.0046)
    d, lo, hi = newcombe_paired(*_pairs(59, 6, 16, 80))
    assert d == pytest.approx(-10 / 161)
    assert lo == pytest.approx(-0.1186, abs=5e-5) and hi == pytest.approx(-0.0046, abs=5e-5)


def test_newcombe_paired_covers_the_truth_about_95_percent_of_the_time():
    """Coverage by simulation: correlated pairs with P(x) = 0.6, P(y) = 0.5, n = 80."""
    rng = np.random.Generator(np.random.PCG64(2024))
    hits, trials = 0, 2000
    for _ in range(trials):
        u = rng.random(80)
        x = u < 0.6
        y = np.where(rng.random(80) < 0.7, u < 0.5, rng.random(80) < 0.5)   # P(y) = 0.5, correlated
        _, lo, hi = newcombe_paired(x, y)
        hits += lo <= 0.1 <= hi
    # nominal 95%; Newcombe reports method 10 slightly conservative. Binomial SE at 2000 trials: 0.005
    assert 0.93 <= hits / trials <= 0.98


def test_paired_interval_of_identical_outcomes_is_centred_on_zero():
    x = np.array([1, 0, 1, 1, 0] * 20, bool)
    d, lo, hi = newcombe_paired(x, x)
    assert d == 0 and lo < 0 < hi and mcnemar_p(x, x) == 1.0


def _run(tmp_path, capsys, sets, name):
    path = write_small(tmp_path, name=f"{name}.yaml")
    sets = [f"name={name}", *sets]
    assert main(["run", str(path), "--out", str(tmp_path / "res"), "--quiet", *sum((["--set", s] for s in sets), [])]) == 0
    capsys.readouterr()
    (folder,) = (tmp_path / "res" / name).iterdir()
    return folder


def test_compare_writes_what_it_promises(tmp_path, capsys):
    a = _run(tmp_path, capsys, ["actors.US.strategies.safety.linkage=0"], "comp")
    b = _run(tmp_path, capsys, ["actors.US.strategies.safety.linkage=1"], "link")
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "res")]) == 0
    out = capsys.readouterr().out
    assert "vs comp (paired runs (same seed): Newcombe paired interval, McNemar exact p)" in out
    assert "robustness of the difference in P(held) over 25 distinct definitions" in out
    (folder,) = (tmp_path / "res" / "compare").iterdir()
    t = read_table(folder / "compare.csv")
    assert list(t["label"]) == ["comp", "link"]
    # counts, runs and seeds are written as integers (120, not 120.0)
    import csv

    rows = list(csv.DictReader(open(folder / "compare.csv", encoding="utf-8")))
    for col in ("runs", "seed", "p_held.k", "p_held.n", "p_escalated.k"):
        assert all(r[col].isdigit() for r in rows), (col, [r[col] for r in rows])
    assert np.isnan(t["diff.p_held"][0]) and t["paired"][1] == 1
    runs_a = read_table(a / "runs.csv")
    runs_b = read_table(b / "runs.csv")
    d, lo, hi = newcombe_paired(runs_b["held"].astype(bool), runs_a["held"].astype(bool))
    assert t["diff.p_held"][1] == pytest.approx(d) and t["diff.p_held.lo"][1] == pytest.approx(lo)
    assert t["p_value.p_held"][1] == pytest.approx(mcnemar_p(runs_b["held"], runs_a["held"]))
    diff = runs_b["open_share"] - runs_a["open_share"]
    assert t["diff.mean_open_share"][1] == pytest.approx(diff.mean())
    r = read_table(folder / "robustness.csv")
    assert len(r["key"]) == 25 and set(r["sign_changes"]) <= {0, 1}   # 28 labels, 3 pairs the same definition
    assert set(r["significant"]) <= {0, 1} and all((r["p_value"] < 0.05) == (r["significant"] == 1))
    v1 = list(r["key"]).index("v1")
    assert r["diff"][v1] == pytest.approx(np.mean(runs_b["held_grid"] >> 27 & 1) - np.mean(runs_a["held_grid"] >> 27 & 1))
    for name in ("compare_survival", "compare_outcomes"):
        for ext in ("png", "svg"):
            assert (folder / "figures" / f"{name}.{ext}").stat().st_size > 1000
    assert (folder / "report.html").is_file() and (folder / "manifest.json").is_file()


def test_different_seeds_are_compared_as_independent_samples(tmp_path, capsys):
    a = _run(tmp_path, capsys, [], "one")
    b = _run(tmp_path, capsys, ["seed=12"], "two")
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "res")]) == 0
    assert "independent samples: Newcombe hybrid interval" in capsys.readouterr().out
    (folder,) = (tmp_path / "res" / "compare").iterdir()
    t = read_table(folder / "compare.csv")
    d, lo, hi = newcombe_difference(int(t["p_held.k"][1]), int(t["p_held.n"][1]),
                                    int(t["p_held.k"][0]), int(t["p_held.n"][0]))
    assert t["paired"][1] == 0 and t["diff.p_held.lo"][1] == pytest.approx(lo)


@pytest.mark.parametrize("make, expected", [
    (lambda p: p / "missing", "no such results folder"),
    (lambda p: p, "not a results folder (no summary.json)"),
])
def test_compare_rejects_non_results_folders(tmp_path, capsys, make, expected):
    good = _run(tmp_path, capsys, [], "small")
    assert main(["compare", str(good), str(make(tmp_path)), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err
    assert not (tmp_path / "out").exists()


def test_compare_labels(tmp_path, capsys):
    a = _run(tmp_path, capsys, [], "comp")
    b = _run(tmp_path, capsys, ["actors.US.strategies.safety.linkage=1"], "link")
    out = tmp_path / "res"
    assert main(["compare", str(a), str(b), "--label", "link=Linked", "--out", str(out)]) == 0
    assert "Linked: " in capsys.readouterr().out
    (folder,) = (out / "compare").iterdir()
    assert list(read_table(folder / "compare.csv")["label"]) == ["comp", "Linked"]
    for labels, words in ((["nope=X"], "no compared folder is labelled or named 'nope'"),
                          (["A", "B", "C"], "3 labels for 2 folders"), (["A", "A"], "two folders are labelled 'A'"),
                          (["A", "link=B"], "every label as TEXT")):
        assert main(["compare", str(a), str(b), *sum((["--label", t] for t in labels), []), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, err
