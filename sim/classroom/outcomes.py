"""Each lesson's outcome over many runs, in the lesson's own terms (the page and the handout).

The generic question "how often does the channel hold?" is asked only by the lessons about the
channel (:data:`CHANNEL_LESSONS`, and any scenario that is not a lesson); the others report what
they are about: who wins the match, what noise costs, how often the games cooperate, what a game
is worth, how often chicken crashes. Lessons with a rivalry track (linkage, the narrow channel)
also show the pacified twin (the same runs without the rivalry) and the rivalry's effect.

:func:`outcome` runs the lesson with the settings given (the page's control values, or the
handout's ``--set``) and returns rows of (what, value) text; ``tests/test_outcomes.py`` re-computes
them on several seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..analysis.stats import proportion
from ..ensemble.runner import run_ensemble
from ..scenario.resolved import Scenario
from .controls import play

#: lessons whose point is whether the channel (cooperation on the channel track) holds
CHANNEL_LESSONS = ("stag_hunt", "linkage", "narrow_channel", "why_talk")


@dataclass(frozen=True)
class Outcome:
    title: str
    runs: int
    rows: tuple[tuple[str, str], ...]
    note: str = ""
    numbers: dict = field(default_factory=dict, compare=False)   # the raw figures (for tests)


def share(k: int, n: int) -> str:
    return f"{k} of {n} ({k / n:.0%})" if n else "0 of 0"


def held_text(k: int, n: int) -> str:
    """``k of n (p%), 95% interval lo-hi%`` (Wilson)."""
    p = proportion(k, n)
    return share(k, n) + (f", 95% interval {p.lo:.0%} to {p.hi:.0%}" if n else "")


def about_channel(scenario: Scenario) -> bool:
    return scenario.lesson is None or scenario.name in CHANNEL_LESSONS


def outcome(scenario: Scenario, runs: int = 200, seed: int | None = None) -> Outcome:
    """The lesson's outcome over ``runs`` runs of ``scenario`` (with its settings) from ``seed``."""
    seed = scenario.seed if seed is None else seed
    maker = OUTCOMES.get(scenario.name, channel_outcome)
    if scenario.lesson is None:
        maker = channel_outcome
    return maker(scenario, runs, seed)


def _names(s: Scenario) -> tuple[str, str]:
    return s.actor_names[0], s.actor_names[1]


def match_outcome(s: Scenario, runs: int, seed: int) -> Outcome:
    """Lesson 1: the match's totals, who wins, the rounds both cooperated."""
    a, b = _names(s)
    moves, pays, lengths, _ = play(s, seed=seed, runs=runs)
    totals = pays.sum(axis=0)                               # (runs, actors)
    mutual = (moves[:, :, 0, 0] & moves[:, :, 1, 0]).sum(axis=0)
    wins = int((totals[:, 0] > totals[:, 1]).sum()), int((totals[:, 1] > totals[:, 0]).sum())
    same = bool(np.all(totals == totals[0]))
    rows = [(f"{a} total", f"{totals[:, 0].mean():g}"), (f"{b} total", f"{totals[:, 1].mean():g}"),
            ("who wins the match", f"{a} in {wins[0]}, {b} in {wins[1]}, a draw in {runs - sum(wins)} of {runs}"),
            ("rounds both cooperated", f"{mutual.mean():g} of {lengths.mean():g}")]
    note = "No randomness: every run is the same match." if same else "Means over the runs."
    return Outcome("The match: who wins, and what both could have had", runs, tuple(rows), note,
                   {"totals": totals.mean(axis=0), "mutual": float(mutual.mean()), "wins": wins})


def noise_outcome(s: Scenario, runs: int, seed: int) -> Outcome:
    """Lesson 2: payoff per round and how the rounds split (both cooperate, one defects, both defect)."""
    a, b = _names(s)
    moves, pays, lengths, _ = play(s, seed=seed, runs=runs)
    per_round = pays.sum(axis=0) / lengths[:, None]
    x, y = moves[:, :, 0, 0], moves[:, :, 1, 0]
    cells = x.size
    both, one, none = (x & y).sum() / cells, (x ^ y).sum() / cells, (~x & ~y).sum() / cells
    rows = [(f"{a} payoff per round", f"{per_round[:, 0].mean():.2f}"),
            (f"{b} payoff per round", f"{per_round[:, 1].mean():.2f}"),
            ("rounds both cooperate", f"{both:.0%}"), ("rounds one side defects (the echo)", f"{one:.0%}"),
            ("rounds both defect", f"{none:.0%}")]
    return Outcome("What noise costs: payoff per round and the echo", runs, tuple(rows),
                   "Without noise tit-for-tat against itself earns 3 a round, every round cooperative.",
                   {"per_round": per_round.mean(axis=0), "both": both, "one": one, "none": none})


def forgiveness_outcome(s: Scenario, runs: int, seed: int) -> Outcome:
    """Lesson 3: mutual cooperation on each of the three games under the same noise."""
    moves, _, _, _ = play(s, seed=seed, runs=runs)
    both = (moves[:, :, 0, :] & moves[:, :, 1, :]).mean(axis=(0, 1))   # per track
    rows = [(f"rounds both cooperate: {t.name} game", f"{both[k]:.0%}") for k, t in enumerate(s.tracks)]
    return Outcome("Which game recovers from mistakes", runs, tuple(rows),
                   "The same noise on every game: the difference is the strategy.",
                   {"mutual": dict(zip(s.track_names, both.tolist()))})


def shadow_outcome(s: Scenario, runs: int, seed: int) -> Outcome:
    """Lesson 4: how long a game lasts and what each side earns in a game."""
    a, b = _names(s)
    _, pays, lengths, _ = play(s, seed=seed, runs=runs)
    totals = pays.sum(axis=0)
    rows = [("rounds per game", f"{lengths.mean():.2f} (from 1 to {int(lengths.max())})"),
            (f"{a} total per game", f"{totals[:, 0].mean():.2f}"),
            (f"{b} total per game", f"{totals[:, 1].mean():.2f}")]
    return Outcome("What a game is worth", runs, tuple(rows), "A game ends after each round with chance 1 - w.",
                   {"length": float(lengths.mean()), "totals": totals.mean(axis=0)})


def stag_outcome(s: Scenario, runs: int, seed: int) -> Outcome:
    """Lesson 5: stag every round (held), else hare for good, else back to the stag after a miss."""
    a, b = _names(s)
    moves, _, _, _ = play(s, seed=seed, runs=runs)
    x = moves[:, :, :, 0]                                    # (steps, runs, actors)
    held = x.all(axis=(0, 2))
    end_stag, end_hare = x[-1].all(axis=1), (~x[-1]).all(axis=1)
    back = ~held & end_stag
    hare = ~held & end_hare
    other = runs - int(held.sum()) - int(back.sum()) - int(hare.sum())
    rows = [("stag/stag every round (cooperation held)", held_text(int(held.sum()), runs)),
            ("a miss, then hare/hare for good", share(int(hare.sum()), runs)),
            ("a miss, then back to stag/stag for good", share(int(back.sum()), runs))]
    if other:
        rows.append(("anything else", share(other, runs)))
    trust = {}
    from ..model.model import NegotiationModel

    values = NegotiationModel(s, runs=runs, seed=seed).values
    for n in (a, b):
        trust[n] = np.broadcast_to(np.asarray(values[f"actors.{n}.trust"]).reshape(-1), (runs,))
    enough = (trust[a] >= 2 / 3) & (trust[b] >= 2 / 3)
    rows.insert(0, ("both start with trust of at least 2/3", share(int(enough.sum()), runs)))
    return Outcome("Does the stag hunt start, and does it last?", runs, tuple(rows),
                   "After a miss the side that hunted the stag alone trusts less and the other more: when the "
                   "confident side stays above 2/3 and the other rises past it, both hunt the stag from then on.",
                   {"held": held, "enough": enough, "hare": hare, "back": back})


def chicken_outcome(s: Scenario, runs: int, seed: int) -> Outcome:
    """Lesson 6: crashes, swerves, who wins, how high the ladder goes."""
    a, b = _names(s)
    moves, pays, _, _ = play(s, seed=seed, runs=runs)
    x, y = moves[:, :, 0, 0], moves[:, :, 1, 0]
    crash, swerve = (~x & ~y).mean(), (x & y).mean()
    t = run_ensemble(s, runs=runs, seed=seed).table
    top = len(s.tracks[0].rungs) - 1
    totals = pays.sum(axis=0).mean(axis=0)
    rows = [("rounds both dare (crash)", f"{crash:.0%}"), ("rounds both swerve", f"{swerve:.0%}"),
            ("rounds one dares, the other swerves", f"{1 - crash - swerve:.0%}"),
            (f"{a} total", f"{totals[0]:.1f}"), (f"{b} total", f"{totals[1]:.1f}"),
            ("runs reaching the top rung", share(int((t[f'peak_level.{s.track_names[0]}'] >= top).sum()), runs))]
    return Outcome("Crashing, swerving and winning", runs, tuple(rows), "",
                   {"crash": float(crash), "swerve": float(swerve), "totals": totals})


def channel_outcome(s: Scenario, runs: int, seed: int) -> Outcome:
    """The channel lessons (and any scenario): held or broken; with a rivalry, the pacified twin
    and the rivalry's effect; with a nonstate population, incidents open and closed."""
    t = run_ensemble(s, runs=runs, seed=seed).table
    held = int(t["held"].sum())
    rows = [("the channel held", held_text(held, runs)),
            ("the channel broke", share(runs - held, runs)),
            ("share of months it was open", f"{float(np.mean(t['open_share'])):.0%}")]
    numbers = {"held": held / runs}
    if "held_pacified" in t:
        calm = int(t["held_pacified"].sum())
        rows.append(("held in the pacified twin (no rivalry)", share(calm, runs)))
        rows.append(("the rivalry's effect on P(held)", f"{(held - calm) / runs * 100:+.0f} percentage points "
                     f"({int(t['moves_differ_pacified'].sum())} runs play differently)"))
        if "escalated" in t:
            rows.append(("the rivalry escalated", share(int(np.sum(t["escalated"])), runs)))
        numbers["pacified"] = calm / runs
    if "incidents" in t:
        rows.append(("misuse incidents per run", f"{float(np.mean(t['incidents'])):.1f}"))
        if "incidents_channel_closed" in t:
            closed = float(np.mean(t["incidents_channel_closed"]))
            rows.append(("... with the channel closed", f"{closed:.1f} (averted: "
                         f"{closed - float(np.mean(t['incidents'])):.1f})"))
            numbers["incidents"] = (float(np.mean(t["incidents"])), closed)
    note = ("Pacified twin: the same runs, same random numbers, with the rivalry held calm."
            if "held_pacified" in t else "")
    return Outcome(f"{runs} runs: does the channel hold?", runs, tuple(rows), note, numbers)


OUTCOMES = {"tit_for_tat": match_outcome, "noise": noise_outcome, "forgiveness": forgiveness_outcome,
            "shadow_of_the_future": shadow_outcome, "stag_hunt": stag_outcome, "chicken": chicken_outcome}
