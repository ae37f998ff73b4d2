"""`sim compare`: interval maths against published values, the tests, and the comparison folder."""

from __future__ import annotations

import numpy as np
import pytest

from analyst_helpers import write_small
from sim.analysis.compare import mcnemar_p, newcombe_difference, two_proportion_p
from sim.analysis.stats import proportion
from sim.analysis.tables import read_table
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
    assert "difference in P(held) vs comp" in out and "Newcombe 95%" in out and "McNemar" in out
    (folder,) = (tmp_path / "res" / "compare").iterdir()
    t = read_table(folder / "compare.csv")
    assert list(t["label"]) == ["comp", "link"]
    # counts, runs and seeds are written as integers (120, not 120.0)
    import csv

    rows = list(csv.DictReader(open(folder / "compare.csv", encoding="utf-8")))
    for col in ("runs", "seed", "p_held.k", "p_held.n", "p_escalated.k"):
        assert all(r[col].isdigit() for r in rows), (col, [r[col] for r in rows])
    assert np.isnan(t["diff.p_held"][0])
    d, lo, hi = newcombe_difference(int(t["p_held.k"][1]), int(t["p_held.n"][1]),
                                    int(t["p_held.k"][0]), int(t["p_held.n"][0]))
    assert t["diff.p_held"][1] == pytest.approx(d) and t["diff.p_held.lo"][1] == pytest.approx(lo)
    for col in ("p_value.p_held", "diff.p_held_given_escalated", "p_value.p_held_given_escalated",
                "paired_p_value.p_held"):
        assert 0 <= t[col][1] <= 1 or col.startswith("diff"), col
    for name in ("compare_survival", "compare_outcomes"):
        for ext in ("png", "svg"):
            assert (folder / "figures" / f"{name}.{ext}").stat().st_size > 1000
    assert (folder / "report.html").is_file() and (folder / "manifest.json").is_file()


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
