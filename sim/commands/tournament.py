"""``sim tournament``: an Axelrod-style round robin of named strategies, with an evolutionary view."""

from __future__ import annotations

import os
from pathlib import Path

from . import positive, seed

ORDER = 40


def _unit(text: str) -> float:
    import argparse

    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None


def register(sub) -> None:
    p = sub.add_parser("tournament", help="round-robin tournament of strategies (self-play included)",
                       description="Every strategy meets every other and its own twin; writes a folder "
                                   "under results/tournaments/ and prints the ranking.")
    p.add_argument("--strategies", default=None,
                   help="comma-separated names, each optionally with parameters as name:param=value "
                        "(default: the eight classics)")
    p.add_argument("--game", default="prisoners_dilemma", help="a preset or R,S,T,P (default: prisoners_dilemma)")
    p.add_argument("--turns", type=positive,
                   help="turns per match (default 200); with --continuation, the cap on a match's length")
    p.add_argument("--continuation", type=_unit, metavar="W",
                   help="after each turn the matches go on with probability W (one length per repetition)")
    p.add_argument("--repetitions", type=positive, default=5, help="repetitions (default 5)")
    p.add_argument("--noise", type=_unit, default=0.0, help="probability of flipping each move (default 0)")
    p.add_argument("--seed", type=seed, default=0, help="master seed (default 0)")
    p.add_argument("--evolve", choices=("replicator", "moran"), default="replicator",
                   help="evolutionary view over the same strategies (default: replicator)")
    p.add_argument("--out", default=os.path.join(os.environ.get("SIM_RESULTS", "results"), "tournaments"),
                   help="parent folder (default: results/tournaments)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..tournament import format_ranking, make_spec, run_tournament
    from ..tournament.spec import DEFAULT_STRATEGIES
    from ..tournament.store import write_tournament

    strategies = args.strategies if args.strategies is not None else ",".join(DEFAULT_STRATEGIES)
    spec = make_spec(strategies, args.game, args.turns, args.repetitions, args.noise,
                     args.continuation, args.seed)
    result = run_tournament(spec)
    folder, _ = write_tournament(result, Path(args.out), ["sim", *args.argv], args.evolve)
    length = f"{spec.turns} turns" if spec.continuation is None else \
        f"continuation {spec.continuation:g} (lengths {', '.join(map(str, result.lengths))})"
    print(f"tournament: {len(spec.strategies)} strategies (self-play included), {spec.game_label}, "
          f"{length}, {spec.repetitions} repetitions, noise {spec.noise:g}, seed {spec.seed} "
          f"({result.seconds:.3f} s simulated)")
    print(format_ranking(result.ranking()))
    print(f"results: {folder}")
    return 0
