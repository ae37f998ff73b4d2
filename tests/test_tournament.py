"""Tournaments (issue 3): exact textbook totals, reproducibility, evolutionary dynamics, the command.

Standard prisoner's dilemma T5 R3 P1 S0, 200 turns, 5 repetitions, no noise unless said.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from sim.cli import main
from sim.tournament import (DEFAULT_STRATEGIES, fixation, make_spec, moran, replicator,
                            run_tournament)
from sim.tournament.play import play, play_with_model

ALLC, ALLD, TFT, GRIM, WSLS, GTFT, TF2T, RANDOM = DEFAULT_STRATEGIES

#: Hand-derived totals over 200 turns, (first's total, second's total).
#: Two nice rules (never first to defect) cooperate throughout: 200 x R = 600 each.
#: TFT/grim vs ALLD: C then D x199 -> S + 199 P = 199; ALLD gets T + 199 P = 204.
#: WSLS vs ALLD: C (S), then (C,D) differ -> D (P), then (D,D) same -> C: C,D,C,D,...
#:   100 x S + 100 x P = 100 for WSLS; ALLD 100 x T + 100 x P = 600.
#: TF2T vs ALLD: C, C (no two D yet), then D x198 -> 0 + 0 + 198 = 198; ALLD 5 + 5 + 198 = 208.
EXPECTED = {
    (ALLC, ALLC): (600, 600),
    (ALLC, ALLD): (0, 1000),
    (ALLC, TFT): (600, 600),
    (ALLC, GRIM): (600, 600),
    (ALLC, WSLS): (600, 600),
    (ALLC, TF2T): (600, 600),
    (ALLD, ALLD): (200, 200),
    (ALLD, TFT): (204, 199),
    (ALLD, GRIM): (204, 199),
    (ALLD, WSLS): (600, 100),
    (ALLD, TF2T): (208, 198),
    (TFT, TFT): (600, 600),
    (TFT, GRIM): (600, 600),
    (TFT, WSLS): (600, 600),
    (TFT, TF2T): (600, 600),
    (GRIM, GRIM): (600, 600),
    (GRIM, WSLS): (600, 600),
    (GRIM, TF2T): (600, 600),
    (WSLS, WSLS): (600, 600),
    (WSLS, TF2T): (600, 600),
    (TF2T, TF2T): (600, 600),
}
#: GTFT is stochastic, but against a rule that never defects it never needs to forgive: 600 each.
NEVER_FORGIVES = [(GTFT, x) for x in (ALLC, TFT, GRIM, WSLS, GTFT, TF2T)]


@pytest.fixture(scope="module")
def classic():
    return run_tournament(make_spec(DEFAULT_STRATEGIES, turns=200, repetitions=5, seed=0))


def test_every_deterministic_pairing_has_its_textbook_totals(classic):
    assert len(EXPECTED) == 21  # all pairs of the six deterministic rules, self-play included
    for (a, b), (ta, tb) in EXPECTED.items():
        first, second = classic.totals_of(a, b)
        assert first.tolist() == [ta] * 5, (a, b, first)
        assert second.tolist() == [tb] * 5, (a, b, second)
        # and the same seen from the other side
        assert classic.totals_of(b, a)[0].tolist() == [tb] * 5


def test_gtft_against_nice_rules_is_full_cooperation(classic):
    for a, b in NEVER_FORGIVES:
        assert [x.tolist() for x in classic.totals_of(a, b)] == [[600] * 5, [600] * 5]


def test_results_tables_are_consistent(classic):
    n = len(DEFAULT_STRATEGIES)
    assert classic.totals.shape == (5, n * (n + 1) // 2, 2)   # self-play included
    M = classic.payoff_matrix()
    i, j = DEFAULT_STRATEGIES.index(ALLD), DEFAULT_STRATEGIES.index(TFT)
    assert M[i, j] == pytest.approx(204 / 200) and M[j, i] == pytest.approx(199 / 200)
    assert np.allclose(classic.scores().mean(axis=0), M.mean(axis=1))
    ranking = classic.ranking()
    assert [r["rank"] for r in ranking] == list(range(1, n + 1))
    means = [r["mean"] for r in ranking]
    assert means == sorted(means, reverse=True)
    assert len(classic.pairwise_rows()) == 5 * n * (n + 1) // 2


def test_stochastic_pairings_are_reproducible_by_seed():
    spec = make_spec(DEFAULT_STRATEGIES, seed=11)
    a, b = run_tournament(spec), run_tournament(spec)
    assert np.array_equal(a.totals, b.totals)
    other = run_tournament(make_spec(DEFAULT_STRATEGIES, seed=12))
    k = spec.pairings.index((DEFAULT_STRATEGIES.index(ALLC), DEFAULT_STRATEGIES.index(RANDOM)))
    assert not np.array_equal(a.totals[:, k], other.totals[:, k])
    # repetitions differ from each other (each is its own stream)
    assert len(set(a.totals[:, k, 0].tolist())) > 1


@pytest.mark.parametrize("options", [
    {"noise": 0.05, "seed": 3},
    {"noise": 0.02, "continuation": 0.97, "seed": 4},
    {"strategies": "forward_looking,forward_looking:rationality=1,alternator,suspicious_tit_for_tat,"
                   "generous_tit_for_tat:generosity=0.1:noise=0.2,random:p=0.8", "turns": 40, "noise": 0.1},
])
def test_fast_kernel_equals_the_engine_bit_for_bit(options):
    options = {"strategies": DEFAULT_STRATEGIES, "turns": 60, **options}
    spec = make_spec(**options)
    totals, lengths = play(spec)
    ref_totals, ref_lengths = play_with_model(spec)
    assert np.array_equal(lengths, ref_lengths)
    assert np.array_equal(totals, ref_totals)


BIT_SPECS = [
    {"noise": 0.05, "seed": 3, "turns": 60},
    {"strategies": "always_defect,tit_for_tat,suspicious_tit_for_tat,grim_trigger,"
                   "win_stay_lose_shift,tit_for_two_tats,alternator,generous_tit_for_tat:generosity=0.4:noise=0.2,"
                   "random:p=0.3", "noise": 0.07, "continuation": 0.95, "turns": 80, "seed": 8},
    # payoffs that are not whole numbers: the totals are added step by step, in the engine's order
    {"game": "3.3,0.1,5.7,1.1", "noise": 0.1, "continuation": 0.97, "turns": 90, "seed": 9},
    {"game": "chicken", "repetitions": 3, "turns": 33, "seed": 10},
]


@pytest.mark.parametrize("options", BIT_SPECS)
def test_bit_kernel_equals_the_array_kernel_and_the_engine(options):
    """The kernel on bit sets (every rule but forward_looking) against the one on arrays and Mesa's."""
    from sim.model.draws import draw
    from sim.tournament.play import BIT_RULES, _Columns, _play_arrays, _play_bits, build_scenario

    spec = make_spec(**{"strategies": DEFAULT_STRATEGIES, **options})
    assert all(e.name in BIT_RULES for e in spec.strategies)
    scenario = build_scenario(spec)
    d = draw(scenario, spec.seed, np.arange(spec.repetitions))
    args = (d, _Columns(scenario, d.params, spec.repetitions, d.slots), spec.repetitions, len(scenario.tracks))
    bits, arrays = _play_bits(*args), _play_arrays(*args)
    ref_totals, ref_lengths = play_with_model(spec)
    for totals, lengths in (bits, arrays, play(spec)):
        assert np.array_equal(lengths, ref_lengths) and np.array_equal(totals, ref_totals)


def test_bit_rules_are_the_registry_rules_on_every_state():
    """With linkage 0, each formula of BIT_RULES decides as the registry's rule on every memory state
    (own last move, the other's last two, triggered; steps 0 to 3), for uniforms at and either side of
    each threshold (a coin is u < the rule's parameter, COIN)."""
    import itertools

    from sim.strategies import REGISTRY, Observation
    from sim.tournament.play import BIT_RULES, COIN, pack, unpack

    states = np.array(list(itertools.product([False, True], repeat=4)))  # last, pi, prev, triggered
    edges = [0.0, 1e-12, 0.1, 1 / 3, 0.5, 0.9, np.nextafter(1.0, 0.0)]
    u = np.array(sorted({x for e in edges for x in (e, np.nextafter(e, 0.0), np.nextafter(e, 1.0))} - {1.0}))
    thresholds = [0.0, 0.1, 1 / 3, 0.5, 1.0]
    cases = np.array(list(itertools.product(range(len(states)), range(len(u)), range(len(thresholds)))))
    last, pi, prev, trig = (states[cases[:, 0], i] for i in range(4))
    uu, q = u[cases[:, 1]], np.array(thresholds)[cases[:, 2]]
    m = len(cases)
    ones, as_int = (1 << m) - 1, (lambda b: pack(b[None])[0])
    pd = [np.full(m, x) for x in (3.0, 0.0, 5.0, 1.0)]
    assert set(BIT_RULES) <= set(REGISTRY) and "forward_looking" not in BIT_RULES  # a new rule falls back to arrays
    for name, formula in BIT_RULES.items():
        params = {COIN[name]: q} if name in COIN else {}
        coin = as_int(uu < q) if name in COIN else 0
        for t in range(4):
            obs = Observation(t, last, pi.astype(float), prev.astype(float), trig, np.full(m, 0.5), *pd, np.full(m, 0.9))
            expected = REGISTRY[name].decide(obs, params, uu)
            got = unpack([formula(t, as_int(last), as_int(pi), as_int(prev), as_int(trig), coin, ones) & ones], m)[0]
            assert np.array_equal(got, expected), (name, t)


def test_pack_and_unpack_are_inverse():
    from sim.tournament.play import pack, unpack

    bits = np.random.default_rng(1).random((7, 3, 43)) < 0.5
    rows = pack(bits)
    assert len(rows) == 7 and rows[0] == sum(1 << i for i, b in enumerate(bits[0].ravel()) if b)
    assert np.array_equal(unpack(rows, 3 * 43), bits.reshape(7, -1))


def test_continuation_gives_one_geometric_length_per_repetition():
    result = run_tournament(make_spec([TFT, ALLD], continuation=0.9, repetitions=2000, seed=5))
    lengths = result.lengths
    assert lengths.min() >= 1
    se = np.sqrt(0.9) / 0.1 / np.sqrt(len(lengths))   # sd of a geometric length is sqrt(w)/(1-w)
    assert abs(lengths.mean() - 10.0) < 4 * se
    # within a repetition, TFT vs ALLD: S + (L-1) P and T + (L-1) P
    tft, alld = result.totals_of(TFT, ALLD)
    assert np.array_equal(tft, lengths - 1) and np.array_equal(alld, 5 + lengths - 1)


def test_replicator_conserves_share_and_tft_takes_over_from_alld(classic):
    M = run_tournament(make_spec([ALLD, TFT])).payoff_matrix()
    assert np.allclose(M, [[1.0, 204 / 200], [199 / 200, 3.0]], rtol=0, atol=1e-15)
    shares = replicator(M, start=[0.5, 0.5], until=50)
    assert np.allclose(shares.shares.sum(axis=1), 1.0, atol=1e-8)
    alld = shares.shares[:, 0]
    assert np.all(np.diff(alld) <= 1e-12) and alld[-1] < 1e-3
    # the eight classics: total share conserved, the exploited and the exploiter both decline
    eight = replicator(classic.payoff_matrix())
    assert np.allclose(eight.shares.sum(axis=1), 1.0, atol=1e-8)
    for name in (ALLD, RANDOM):
        assert eight.shares[-1, DEFAULT_STRATEGIES.index(name)] < 0.01


def test_moran_is_reproducible_by_seed():
    M = run_tournament(make_spec([ALLD, TFT, RANDOM])).payoff_matrix()
    a = moran(M, [5, 5, 5], steps=300, replicates=4, seed=7)
    b = moran(M, [5, 5, 5], steps=300, replicates=4, seed=7)
    c = moran(M, [5, 5, 5], steps=300, replicates=4, seed=8)
    assert np.array_equal(a.counts, b.counts) and not np.array_equal(a.counts, c.counts)
    assert (a.counts.sum(axis=2) == 15).all()
    assert np.allclose(a.shares.sum(axis=1), 1.0)


def test_moran_neutral_mutant_fixes_with_probability_one_over_n():
    """Neutral drift: fixation probability of one mutant is 1/N (Moran 1958; Nowak 2006, eq. 6.6)."""
    N, reps = 10, 4000
    M = np.full((2, 2), 3.0)   # e.g. ALLC and TFT without noise: every pairing scores R = 3
    out = moran(M, [N - 1, 1], steps=3000, replicates=reps, seed=2026)
    fixed = fixation(out.counts)
    assert (fixed >= 0).all()
    p = (fixed == 1).mean()
    se = np.sqrt((1 / N) * (1 - 1 / N) / reps)
    assert abs(p - 1 / N) < 4 * se


def _rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_command_writes_what_it_promises(tmp_path, capsys):
    code = main(["tournament", "--turns", "200", "--repetitions", "5", "--seed", "1", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    for name in DEFAULT_STRATEGIES:
        assert name in out
    (folder,) = [p for p in tmp_path.iterdir()]
    assert str(folder) in out
    names = {p.name for p in folder.iterdir()}
    assert {"ranking.csv", "payoff_matrix.csv", "pairwise_totals.csv", "manifest.json", "scores.csv",
            "population_shares.csv"} <= names
    for fig in ("heatmap", "scores_boxplot", "population_shares"):
        assert {f"{fig}.png", f"{fig}.svg"} <= names
    ranking = _rows(folder / "ranking.csv")
    assert [r["rank"] for r in ranking] == [str(i) for i in range(1, 9)]
    assert len(_rows(folder / "payoff_matrix.csv")) == 8
    totals = _rows(folder / "pairwise_totals.csv")
    assert len(totals) == 5 * 36
    rows = [r for r in totals if (r["strategy"], r["opponent"]) == (ALLD, TFT)]
    assert len(rows) == 5
    assert all(float(r["total"]) == 204 and float(r["opponent_total"]) == 199 for r in rows)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 1 and manifest["self_play"] is True
    assert manifest["command"][:2] == ["sim", "tournament"]
    assert "numpy" in manifest["versions"] and "ranking.csv" in manifest["files"]


def test_command_moran_view(tmp_path):
    assert main(["tournament", "--strategies", "tit_for_tat,always_defect,random", "--turns", "50",
                 "--evolve", "moran", "--out", str(tmp_path)]) == 0
    (folder,) = list(tmp_path.iterdir())
    shares = _rows(folder / "population_shares.csv")
    assert abs(sum(float(v) for k, v in shares[-1].items() if k != "time") - 1) < 1e-9


@pytest.mark.parametrize("args, message", [
    (["--strategies", "tit_for_tatt,always_defect"], "did you mean 'tit_for_tat'?"),
    (["--strategies", "generous_tit_for_tat:generosty=0.1"], "did you mean 'generosity'?"),
    (["--strategies", "random:p=2"], "expected a number in [0, 1]"),
    (["--game", "prisoner_dilemma"], "did you mean 'prisoners_dilemma'?"),
    (["--continuation", "1.5"], "expected a number in (0, 1)"),
    (["--continuation", "0.9999"], "MiB of random numbers up front"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    assert main(["tournament", *args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not any(tmp_path.iterdir())
