"""What each lesson lets a class change on its live page, and the comparison it is about.

A :class:`Control` is one input on the page: a strategy menu or a slider that sets one or more
scenario values (``--set`` paths) at once. :func:`controls` gives a lesson's controls, one per
"What to try" item (strategy per side, continuation, generosity, noise, trust, linkage, risk),
plus the seed when the lesson's run is random. ``tests/test_classroom_controls.py`` checks that
every control shown changes the simulation (moves, payoffs or, with a nonstate population, misuse
incidents) for some value.

A :class:`Variant` is one row of a lesson's comparison (the lesson's own settings, or a "What to
try" change of them); :func:`compare` plays each over many runs and reports payoffs and
cooperation rates, which the page and the handout show as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..model.model import NegotiationModel
from ..scenario.load import load_scenario
from ..scenario.resolved import Scenario

#: strategies offered in a strategy menu (the lesson's own one is added when missing)
MENU = ("always_cooperate", "always_defect", "tit_for_tat", "suspicious_tit_for_tat", "generous_tit_for_tat",
        "win_stay_lose_shift", "grim_trigger", "tit_for_two_tats", "random")


@dataclass(frozen=True)
class Control:
    """One input: ``key`` on the page, the ``paths`` it sets, a menu (``choices``) or a slider range."""

    key: str
    label: str
    paths: tuple[str, ...]
    choices: tuple[str, ...] = ()
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.05

    @property
    def is_menu(self) -> bool:
        return bool(self.choices)

    def default(self, scenario: Scenario):
        """The lesson's value (a distribution: its value in run 0 of the lesson's seed)."""
        if self.key == "seed":
            return scenario.seed
        if self.is_menu:
            actor, track = _strategy_of(self.paths[0])
            return strategy_name(scenario, actor, track)
        return round(param_value(scenario, self.paths[0]), 4)  # shown in full on the page

    def overrides(self, value) -> list[tuple[tuple[str, ...], str]]:
        """The scenario values this control's ``value`` sets: (key parts, value text) pairs, not
        ``path=value`` texts, so an actor whose name holds ``=`` or a value is never misread."""
        if self.key == "seed":
            return []
        text = str(value) if self.is_menu else f"{float(value):g}"
        return [(tuple(p.split(".")), text) for p in self.paths]

    def candidates(self, scenario: Scenario) -> list:
        """Values worth trying (for the tests): every menu entry, or a slider's grid."""
        if self.key == "seed":
            return [scenario.seed + 1, scenario.seed + 2]
        if self.is_menu:
            return list(self.choices)
        return [float(x) for x in np.round(np.arange(self.lo, self.hi + self.step / 2, self.step), 6)]


def _strategy_of(path: str) -> tuple[str, str]:
    """``actors.US.strategies.game`` -> ("US", "game")."""
    parts = path.split(".")
    return parts[1], parts[3]


def strategy_name(scenario: Scenario, actor: str, track: str) -> str:
    a = scenario.actors[scenario.actor_names.index(actor)]
    return a.strategies[scenario.track_names.index(track)].name


def param_value(scenario: Scenario, path: str) -> float:
    """A scenario value as run 0 of the scenario's seed draws it (a fixed value is itself)."""
    model = NegotiationModel(scenario, runs=[0])
    return float(np.asarray(model.values[path]).reshape(-1)[0])


def strategy(scenario: Scenario, actor: str, track: str | None = None) -> Control:
    track = track or scenario.track_names[0]
    own = strategy_name(scenario, actor, track)
    choices = MENU if own in MENU else (own, *MENU)
    return Control(f"{actor}_strategy", f"{actor} plays", (f"actors.{actor}.strategies.{track}",), choices)


def both(scenario: Scenario, what: str, label: str, lo=0.0, hi=1.0, step=0.05, track: str | None = None) -> Control:
    tail = f"strategies.{track}.{what}" if track else what
    return Control(what, label, tuple(f"actors.{a}.{tail}" for a in scenario.actor_names), lo=lo, hi=hi, step=step)


def one(scenario: Scenario, actor: str, what: str, label: str, lo=0.0, hi=1.0, step=0.05) -> Control:
    return Control(f"{actor}_{what}", label, (f"actors.{actor}.{what}",), lo=lo, hi=hi, step=step)


def lesson_controls(scenario: Scenario) -> list[Control]:
    """The lesson's own controls (without the seed); a generic set for any other scenario."""
    us, china = scenario.actor_names
    name = scenario.name
    if name == "tit_for_tat":
        return [strategy(scenario, us), strategy(scenario, china)]
    if name == "noise":
        return [both(scenario, "noise", "Noise, both sides", 0, 0.3, 0.01), strategy(scenario, us),
                strategy(scenario, china)]
    if name == "forgiveness":
        return [both(scenario, "noise", "Noise, both sides", 0, 0.3, 0.01),
                both(scenario, "generosity", "Generosity (generous game)", 0, 1, 0.05, track="generous")]
    if name == "shadow_of_the_future":
        return [Control("continuation", "Continuation w", ("continuation",), lo=0.05, hi=0.95, step=0.05),
                strategy(scenario, us), strategy(scenario, china)]
    if name == "stag_hunt":
        return [one(scenario, us, "trust", f"{us} trust at the start", 0, 1, 0.01),
                one(scenario, china, "trust", f"{china} trust at the start", 0, 1, 0.01),
                one(scenario, us, "noise", f"{us} noise", 0, 0.2, 0.01)]
    if name == "chicken":
        return [strategy(scenario, us), both(scenario, "trust", "Trust at the start, both sides", 0, 1, 0.05)]
    if name == "linkage":
        return [both(scenario, "linkage", "Linkage of the channel, both sides", 0, 1, 0.1, track="frontier_safety")]
    if name == "why_talk":
        return [both(scenario, "noise", "Noise, both sides", 0, 0.3, 0.01), strategy(scenario, us),
                strategy(scenario, china),
                Control("safeguards_effect", "Safeguards stop (share of attempts)", ("nonstate.safeguards.effect",),
                        lo=0, hi=1, step=0.1)]
    if name == "narrow_channel":
        return [both(scenario, "linkage", "Linkage of the channel, both sides", 0, 1, 0.1, track="frontier_safety"),
                both(scenario, "risk_perception", "Shared danger (risk), both sides", 0, 1, 0.05)]
    out = [one(scenario, a, "noise", f"{a} noise", 0, 0.3, 0.01) for a in scenario.actor_names]
    if len(scenario.tracks) == 1:
        out += [strategy(scenario, a) for a in scenario.actor_names]
    return out


def is_random(scenario: Scenario, runs: int = 4) -> bool:
    """Whether the seed matters: two seeds give different play in some of a few runs."""
    a, b = (play(scenario, seed=s, runs=runs) for s in (scenario.seed, scenario.seed + 1))
    return not all(np.array_equal(x, y) for x, y in zip(a, b))


def play(scenario: Scenario, seed: int | None = None, runs: int = 1) -> tuple[np.ndarray, ...]:
    """Realised moves (steps, runs, actors, tracks), payoffs (steps, runs, actors), lengths and
    misuse incidents per step (steps, runs; zeros without a nonstate population) of some runs."""
    model = NegotiationModel(scenario, runs=runs, seed=seed)
    moves, pays, incidents = [], [], []

    def see(m):
        moves.append(np.stack([a.realised.copy() for a in m.actors], axis=1))
        pays.append(np.stack([a.last_payoff.sum(axis=1) for a in m.actors], axis=1))
        incidents.append(m.population.last_incidents.copy() if m.population is not None else np.zeros(runs, int))

    model.run(see)
    return np.array(moves), np.array(pays), model.length.copy(), np.array(incidents)


def controls(scenario: Scenario) -> list[Control]:
    """The page's controls: the lesson's own, plus the seed when the run with the controls' values
    is random (the stag hunt's trust is drawn per run, but the page sets it with its sliders)."""
    out = lesson_controls(scenario)
    fixed, _ = apply(scenario.file, out, {c.key: c.default(scenario) for c in out})
    if is_random(fixed):
        out.append(Control("seed", "Seed (another run)", (), lo=0, hi=10**9, step=1))
    return out


def apply(source: str, controls_: Sequence[Control], values: dict) -> tuple[Scenario, int]:
    """The scenario with the page's values, and the seed; every control is applied, so the run is
    exactly what the controls show."""
    overrides = [o for c in controls_ for o in c.overrides(values[c.key])]
    scenario = load_scenario(source, overrides)
    seed = int(values.get("seed", scenario.seed))
    return scenario, seed


# -- the lesson's comparison -------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    label: str
    overrides: tuple[str, ...] = ()
    track: str | None = None          # one track's payoffs and moves; None: every track


@dataclass(frozen=True)
class Comparison:
    title: str
    variants: tuple[Variant, ...]
    note: str = ""
    runs: int = 200


def _v(label, *overrides, track=None) -> Variant:
    return Variant(label, tuple(overrides), track)


COMPARISONS = {
    "tit_for_tat": Comparison("Who wins, and what could both have had", (
        _v("US tit-for-tat, China always-defect (the lesson)"),
        _v("both tit-for-tat", "actors.China.strategies.game=tit_for_tat"),
        _v("US suspicious tit-for-tat, China always-defect", "actors.US.strategies.game=suspicious_tit_for_tat"),
    ), runs=1),
    "noise": Comparison("What noise costs tit-for-tat, and what win-stay-lose-shift keeps", (
        _v("tit-for-tat, noise 0.05 (the lesson)"),
        _v("tit-for-tat, no noise", "actors.*.noise=0"),
        _v("win-stay-lose-shift, noise 0.05", "actors.*.strategies.game=win_stay_lose_shift"),
    )),
    "forgiveness": Comparison("Three games under the same noise", (
        _v("tit-for-tat game", track="tit_for_tat"),
        _v("generous tit-for-tat game", track="generous"),
        _v("win-stay-lose-shift game", track="pavlov"),
    )),
    "shadow_of_the_future": Comparison("Against tit-for-tat: defect or reciprocate?", (
        _v("US always-defect, w 0.8 (the lesson)"),
        _v("US tit-for-tat, w 0.8", "actors.US.strategies.game=tit_for_tat"),
        _v("US always-defect, w 0.4", "continuation=0.4"),
        _v("US tit-for-tat, w 0.4", "continuation=0.4", "actors.US.strategies.game=tit_for_tat"),
    ), note="Totals are per game; a game lasts 1/(1-w) rounds on average.", runs=2000),
    "stag_hunt": Comparison("How much trust does the stag need?", (
        _v("trust drawn from 0.4..0.95 (the lesson)"),
        _v("both trust 0.7", "actors.*.trust=0.7"),
        _v("both trust 0.6", "actors.*.trust=0.6"),
        _v("both trust 0.7, US noise 0.05", "actors.*.trust=0.7", "actors.US.noise=0.05"),
    )),
    "chicken": Comparison("Daring, crashing and commitment", (
        _v("both best-respond, trust 0.5 (the lesson)"),
        _v("US committed to daring", "actors.US.strategies.game=always_defect"),
        _v("both start with trust 0.2", "actors.*.trust=0.2"),
    )),
    "linkage": Comparison("Does the chip echo reach the channel?", (
        _v("linkage 0.5 (the lesson)", track="frontier_safety"),
        _v("compartmentalised: linkage 0", "actors.*.strategies.frontier_safety.linkage=0", track="frontier_safety"),
        _v("fully linked: linkage 1", "actors.*.strategies.frontier_safety.linkage=1", track="frontier_safety"),
    )),
    "why_talk": Comparison("Misuse incidents with the channel open and closed", (
        _v("the lesson (noise 0.03)"),
        _v("noise 0.1", "actors.*.noise=0.1"),
        _v("US walks out every month", "actors.US.strategies.channel=always_defect"),
        _v("weak safeguards (stop 30%)", "nonstate.safeguards.effect=0.3"),
    ), note="Closed: the same runs, same random numbers, both sides walking out every month.", runs=500),
    "narrow_channel": Comparison("Engagement on the safety channel", (
        _v("the lesson (linkage 0.3)", track="frontier_safety"),
        _v("compartmentalised: linkage 0", "actors.*.strategies.frontier_safety.linkage=0", track="frontier_safety"),
        _v("strongly linked: linkage 0.8", "actors.*.strategies.frontier_safety.linkage=0.8", track="frontier_safety"),
        _v("shared danger 0.7", "actors.*.risk_perception=0.7", track="frontier_safety"),
    )),
}


def comparison(scenario: Scenario) -> Comparison:
    return COMPARISONS.get(scenario.name, Comparison("These settings", (_v("the scenario"),)))


@dataclass(frozen=True)
class Row:
    label: str
    total: tuple[float, float]          # mean total payoff per side
    per_round: tuple[float, float]      # payoff per round per side
    cooperation: tuple[float, float]    # share of rounds each side cooperated
    mutual: float                       # share of rounds both cooperated
    rounds: float                       # mean rounds per run
    extra: dict = field(default_factory=dict)


def closed_twin(scenario: Scenario) -> list:
    """The ``channel_closed`` twin, when the scenario has a nonstate population and declares it."""
    return [scenario.twin("channel_closed")] if scenario.nonstate is not None and "channel_closed" in scenario.twins \
        else []


def measure(scenario: Scenario, runs: int, seed: int | None = None, track: str | None = None) -> tuple:
    """Mean total payoff, payoff per round, cooperation and mutual cooperation over ``runs`` runs,
    and with a nonstate population mean incidents (and in the ``channel_closed`` twin)."""
    model = NegotiationModel(scenario, runs=runs, seed=seed, twins=closed_twin(scenario))
    main = model.lane()
    ks = slice(None) if track is None else [scenario.track_names.index(track)]
    n_tracks = len(scenario.tracks) if track is None else 1
    pay = np.zeros((runs, 2))
    coop = np.zeros((runs, 2))
    mutual = np.zeros(runs)
    rounds = np.zeros(runs)
    alive = model.alive[main].copy()

    def see(m):
        nonlocal alive
        live = alive[:, None]
        moves = [a.realised[main][:, ks] for a in m.actors]
        for i, a in enumerate(m.actors):
            pay[:, i] += np.where(alive, a.last_payoff[main][:, ks].sum(axis=1), 0.0)
            coop[:, i] += np.where(live, moves[i], False).sum(axis=1)
        mutual[:] += np.where(live, moves[0] & moves[1], False).sum(axis=1)
        rounds[:] += alive
        alive = m.alive[main].copy()

    model.run(see)
    cells = rounds.sum() * n_tracks
    extra = {}
    if model.population is not None:
        extra["incidents"] = float(model.population.incidents[main].mean())
        if model.copies > 1:
            extra["incidents_closed"] = float(model.population.incidents[model.lane(0)].mean())
    return (tuple(pay.mean(axis=0)), tuple(pay.sum(axis=0) / cells * n_tracks),
            tuple(coop.sum(axis=0) / cells), float(mutual.sum() / cells), float(rounds.mean()), extra)


def compare(scenario: Scenario, runs: int | None = None, seed: int | None = None,
            overrides: Sequence[str] = ()) -> list[Row]:
    """Each variant of the lesson's comparison (on top of ``overrides``), over ``runs`` runs."""
    spec = comparison(scenario)
    runs = spec.runs if runs is None else runs
    rows = []
    for v in spec.variants:
        s = load_scenario(scenario.file, [*overrides, *v.overrides]) if (v.overrides or overrides) else scenario
        total, per_round, coop, mutual, rounds, extra = measure(s, runs, seed, v.track)
        rows.append(Row(v.label, total, per_round, coop, mutual, rounds, extra))
    return rows


#: the comparison's extra columns: (key of ``Row.extra``, heading)
EXTRA_COLUMNS = (("incidents", "incidents"), ("incidents_closed", "incidents, closed"))


def extra_columns(rows: Sequence[Row]) -> list[tuple[str, str]]:
    """The extra columns some row of a comparison has (incidents with a nonstate population)."""
    return [(k, h) for k, h in EXTRA_COLUMNS if any(k in r.extra for r in rows)]


def theory_note(scenario: Scenario, continuation: float | None = None) -> str:
    """The shadow of the future in numbers: against tit-for-tat, always-defect expects
    T + wP/(1-w) and tit-for-tat R/(1-w) (the first side's payoffs); empty for other lessons."""
    if scenario.name != "shadow_of_the_future" or scenario.continuation is None:
        return ""
    model = NegotiationModel(scenario, runs=[0])
    pay = {x: float(np.asarray(model.values[scenario.tracks[0].payoffs[0][x]]).reshape(-1)[0]) for x in "RSTP"}
    R, T, P = pay["R"], pay["T"], pay["P"]
    ws = [0.8, 0.4] if continuation is None else sorted({0.8, 0.4, round(float(continuation), 4)}, reverse=True)
    parts = [f"w {w:g}: always-defect {T + w * P / (1 - w):.2f}, tit-for-tat {R / (1 - w):.2f}" for w in ws]
    threshold = (T - R) / (T - P)
    return ("Expected totals against tit-for-tat (theory): " + "; ".join(parts)
            + f". Defecting pays only below w = (T-R)/(T-P) = {threshold:g}.")
