"""Benchmark: the issue-3 tournament through our engine and through the Axelrod library, side by side.

Eight strategies on the standard prisoner's dilemma, 200 turns, 5 repetitions, self-play included,
without and with noise 0.05. Both are timed in this one process in interleaved rounds and compared
as ratios (the machine is shared; absolute seconds vary, ratios much less). Noiseless pairwise
totals of the deterministic strategies must be identical. Needs ``pip install -e .[bench]``, which
pins Axelrod 4.13 (``axelrod>=4.13,<4.14``: 4.14 imports torch at top level for one neural strategy
not used here); the figures quoted in docs/tournaments.md were measured against Axelrod 4.13.0, and
the first line printed names the version measured (``axelrod.__version__``).

    python benchmarks/bench_tournament.py [--rounds 5] [--seed 0] [--check-repetitions 100]

Axelrod is timed three ways: ``Tournament.play`` in serial with its results set built (as users run
it), the same without building the results set (the play alone; Axelrod caches deterministic
matches, so repetitions 2-5 of those are free), and every pairing and repetition as a fresh
``Match``. The speed-up that must be >= 10x (in both modes) is against the fastest of the three.

With noise the two use different random streams, so the totals can only agree in distribution:
outside the timing, both play the tournament again with ``--check-repetitions`` repetitions (Axelrod
as a fresh ``Match`` per pairing and repetition), and for every pairing and side the mean total must
agree within 4 standard errors of the difference (Welch z; 4 keeps the chance of a false alarm
among all 72 comparisons below 0.5%).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

from sim.tournament import DEFAULT_STRATEGIES, make_spec, run_tournament

#: our name -> Axelrod class name; the semantics agree (see the README, "Tournaments").
AXELROD_NAMES = {
    "always_cooperate": "Cooperator", "always_defect": "Defector", "tit_for_tat": "TitForTat",
    "grim_trigger": "Grudger", "win_stay_lose_shift": "WinStayLoseShift",
    "generous_tit_for_tat": "GTFT", "tit_for_two_tats": "TitFor2Tats", "random": "Random",
}
DETERMINISTIC = ("always_cooperate", "always_defect", "tit_for_tat", "grim_trigger",
                 "win_stay_lose_shift", "tit_for_two_tats")
TURNS, REPETITIONS = 200, 5


def axelrod_players(axl):
    return [getattr(axl, AXELROD_NAMES[name])() for name in DEFAULT_STRATEGIES]


def axelrod_tournament(axl, noise: float, seed: int, build_results: bool) -> float:
    """``Tournament.play`` in serial (``processes=None``; any number starts a process pool)."""
    t = time.perf_counter()
    tournament = axl.Tournament(axelrod_players(axl), turns=TURNS, repetitions=REPETITIONS, noise=noise, seed=seed)
    tournament.play(progress_bar=False, processes=None, build_results=build_results)
    return time.perf_counter() - t


def axelrod_matches(axl, noise: float, seed: int, repetitions: int = REPETITIONS) -> tuple[float, dict]:
    """Every pairing (self-play included) and repetition as a Match; totals[(a, b)] = (a's, b's) per repetition."""
    t = time.perf_counter()
    players = axelrod_players(axl)
    n = len(players)
    totals = {}
    for i in range(n):
        for j in range(i, n):
            scores = []
            for r in range(repetitions):
                pair = (players[i].clone(), players[j].clone())
                match = axl.Match(pair, turns=TURNS, noise=noise, seed=seed + 1000 * r + 37 * i + j)
                match.play()
                scores.append(match.final_score())
            totals[(DEFAULT_STRATEGIES[i], DEFAULT_STRATEGIES[j])] = scores
    return time.perf_counter() - t, totals


def ours(noise: float, seed: int, repetitions: int = REPETITIONS):
    t = time.perf_counter()
    result = run_tournament(make_spec(DEFAULT_STRATEGIES, turns=TURNS, repetitions=repetitions, noise=noise, seed=seed))
    return time.perf_counter() - t, result


def check_distributions(axl, noise: float, seed: int, repetitions: int, z_max: float = 4.0) -> tuple[int, float]:
    """With noise: each pairing's mean total on each side, ours against Axelrod's, over ``repetitions``
    each; |difference| / its standard error must stay below ``z_max``. Returns (comparisons, largest |z|)."""
    _, result = ours(noise, seed, repetitions)
    _, totals = axelrod_matches(axl, noise, seed, repetitions)
    worst, count = 0.0, 0
    for (a, b), scores in totals.items():
        theirs = np.array(scores, dtype=float)  # (repetitions, 2)
        mine = np.stack(result.totals_of(a, b), axis=1)
        for side in range(2):
            x, y = mine[:, side], theirs[:, side]
            se = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
            z = abs(x.mean() - y.mean()) / se if se > 0 else (0.0 if x.mean() == y.mean() else np.inf)
            assert z < z_max, (a, b, side, x.mean(), y.mean(), z)
            worst, count = max(worst, z), count + 1
    return count, worst


def check_identical(result, totals: dict) -> tuple[int, int]:
    """Compare every pairing of deterministic strategies; also GTFT vs the nice rules (it never forgives)."""
    det = [(a, b) for a, b in totals if a in DETERMINISTIC and b in DETERMINISTIC]
    for a, b in det:
        mine = np.stack(result.totals_of(a, b), axis=1)
        theirs = np.array(totals[(a, b)], dtype=float)
        assert np.array_equal(mine, theirs), (a, b, mine, theirs)
    extra = 0
    for a, b in totals:
        if "generous_tit_for_tat" in (a, b) and {a, b} <= {"generous_tit_for_tat", *DETERMINISTIC} - {"always_defect"}:
            assert np.array_equal(np.stack(result.totals_of(a, b), axis=1), np.array(totals[(a, b)], dtype=float))
            extra += 1
    return len(det), extra


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check-repetitions", type=int, default=100,
                   help="repetitions of the (untimed) check of the noisy totals' distributions")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    import axelrod as axl

    ours(0.0, args.seed)  # warm up imports
    axelrod_tournament(axl, 0.0, args.seed, build_results=True)
    print(f"Tournament: {len(DEFAULT_STRATEGIES)} strategies, {TURNS} turns, {REPETITIONS} repetitions, "
          f"self-play included ({len(DEFAULT_STRATEGIES) * (len(DEFAULT_STRATEGIES) + 1) // 2} pairings); "
          f"axelrod {axl.__version__}, {args.rounds} interleaved rounds, medians\n")
    for noise in (0.0, 0.05):
        t_ours, t_tour, t_play, t_match = [], [], [], []
        for _ in range(args.rounds):
            to, result = ours(noise, args.seed)
            t_tour.append(axelrod_tournament(axl, noise, args.seed, build_results=True))
            t_play.append(axelrod_tournament(axl, noise, args.seed, build_results=False))
            tm, totals = axelrod_matches(axl, noise, args.seed)
            t_ours.append(to), t_match.append(tm)
        o, a_t, a_p, a_m = (statistics.median(x) for x in (t_ours, t_tour, t_play, t_match))
        print(f"noise {noise:g}:")
        if noise == 0:
            det, extra = check_identical(result, totals)
            print(f"  pairwise totals identical to Axelrod's for all {det} pairings of the 6 deterministic "
                  f"strategies (x {REPETITIONS} repetitions), and for {extra} GTFT pairings with nice rules")
        else:
            mine = result.payoff_matrix()
            theirs = np.zeros_like(mine)
            for (a, b), sc in totals.items():
                i, j = DEFAULT_STRATEGIES.index(a), DEFAULT_STRATEGIES.index(b)
                s = np.array(sc, dtype=float).mean(axis=0) / TURNS
                theirs[i, j], theirs[j, i] = (s.mean(), s.mean()) if i == j else (s[0], s[1])
            print(f"  stochastic: mean |difference| of the per-turn payoff matrices "
                  f"{np.abs(mine - theirs).mean():.3f} (different random streams, 5 repetitions each)")
            count, z = check_distributions(axl, noise, args.seed, args.check_repetitions)
            print(f"  mean totals agree with Axelrod's for all {count} (pairing, side) cells over "
                  f"{args.check_repetitions} repetitions each: largest |z| {z:.2f} < 4 (untimed)")
        print(f"  ours (sim.tournament.run_tournament)          {o * 1000:8.1f} ms")
        print(f"  Axelrod Tournament.play, with results set     {a_t * 1000:8.1f} ms   ratio {a_t / o:6.1f}x")
        print(f"  Axelrod Tournament.play, play only            {a_p * 1000:8.1f} ms   ratio {a_p / o:6.1f}x")
        print(f"  Axelrod, a fresh Match per pairing and rep    {a_m * 1000:8.1f} ms   ratio {a_m / o:6.1f}x")
        worst = min(a_t, a_p, a_m) / o
        print(f"  speed-up against the fastest Axelrod way: {worst:.1f}x ({'>= 10x: ok' if worst >= 10 else 'BELOW 10x'})")
    print("\nspeed-ups are ratios of medians measured in this one process")


if __name__ == "__main__":
    main()
