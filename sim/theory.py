"""What game theory says about each track: the stage game's class and equilibria, and the
discount factors at which reciprocity can sustain cooperation (the theory panel).

Pure functions, no I/O. A stage game is two :class:`~sim.games.Payoffs`, one per player, each from
that player's own point of view (R both C, S I C and the other D, T I D and the other C, P both D).

Classes (the ordinal definitions of Rapoport, A. and Guyer, M. 1966, "A taxonomy of 2x2 games",
General Systems 11: 203-214, as used by Axelrod 1984 and Skyrms 2004), for one player's payoffs:

* ``prisoners_dilemma``: T > R > P > S (D dominates, yet both prefer (C, C) to (D, D));
* ``stag_hunt``:         R > T > P > S (two strict equilibria, (C, C) payoff dominant);
* ``chicken``:           T > R > S > P (each wants to go straight while the other swerves);
* ``harmony``:           R > T, S > P and R > S (C dominates and (C, C) is the best outcome);
* ``deadlock``:          T > P > R > S (D dominates and both prefer (D, D) to (C, C));
* ``other``:             any other ordering, ties included.

A game is of a class when both players' payoffs are; otherwise it is ``other``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from .games import Payoffs, grim_threshold, optimal_generosity  # noqa: F401 (grim_threshold: part of this API)

CLASSES: dict[str, str] = {
    "prisoners_dilemma": "T > R > P > S",
    "stag_hunt": "R > T > P > S",
    "chicken": "T > R > S > P",
    "harmony": "R > T, S > P, R > S",
    "deadlock": "T > P > R > S",
    "other": "any other ordering (ties included)",
}

C, D = "C", "D"
PROFILES = ((C, C), (C, D), (D, C), (D, D))


def classify(p: Payoffs) -> str:
    """The ordinal class of one player's payoffs (definitions in the module docstring)."""
    R, S, T, P = p.R, p.S, p.T, p.P
    if T > R > P > S:
        return "prisoners_dilemma"
    if R > T > P > S:
        return "stag_hunt"
    if T > R > S > P:
        return "chicken"
    if R > T and S > P and R > S:
        return "harmony"
    if T > P > R > S:
        return "deadlock"
    return "other"


def classify_game(a: Payoffs, b: Payoffs) -> str:
    """The class of the game: the players' common class, or ``other`` if they differ."""
    ca, cb = classify(a), classify(b)
    return ca if ca == cb else "other"


#: the payoff of each profile (my action, the other's action), by its field of :class:`Payoffs`
_PAYOFF = {(C, C): "R", (C, D): "S", (D, C): "T", (D, D): "P"}


def _utility(p: Payoffs, mine: str, other: str) -> float:
    return getattr(p, _PAYOFF[(mine, other)])


def pure_equilibria(a: Payoffs, b: Payoffs, strict: bool = False) -> list[tuple[str, str]]:
    """Pure Nash equilibria (first player's action, second player's action) of the stage game.

    A profile is an equilibrium when neither player gains by switching alone (Nash 1951); with
    ``strict`` each would lose by switching.
    """
    flip = {C: D, D: C}
    found = []
    for x, y in PROFILES:
        ga = _utility(a, x, y) - _utility(a, flip[x], y)
        gb = _utility(b, y, x) - _utility(b, flip[y], x)
        if (ga > 0 and gb > 0) if strict else (ga >= 0 and gb >= 0):
            found.append((x, y))
    return found


def mixed_equilibrium(a: Payoffs, b: Payoffs) -> tuple[float, float] | None:
    """The completely mixed equilibrium as each player's probability of C, or ``None``.

    Each player mixes so that the other is indifferent (Nash 1951): the first player's
    probability of C is p = (P_b - S_b)/((R_b - T_b) + (P_b - S_b)), from the second player's
    payoffs, and symmetrically. It exists when both lie strictly between 0 and 1. In chicken
    this is the swerve probability (S-P)/((T-R)+(S-P)) (Rapoport and Chammah 1966).
    """

    def indifference(p: Payoffs) -> float | None:
        den = (p.R - p.T) + (p.P - p.S)
        return None if den == 0 else (p.P - p.S) / den

    pa, pb = indifference(b), indifference(a)
    if pa is None or pb is None or not (0 < pa < 1 and 0 < pb < 1):
        return None
    return pa, pb


def risk_dominant(a: Payoffs, b: Payoffs) -> tuple[str, str] | None:
    """The risk-dominant equilibrium when the game has exactly two strict pure equilibria.

    Harsanyi, J. C. and Selten, R. (1988), A General Theory of Equilibrium Selection in Games:
    the equilibrium with the larger product of the two players' deviation losses. For a symmetric
    coordination game (C, C) is risk dominant iff R + S > T + P. ``None`` when there are not two
    strict equilibria or the products tie (symmetric chicken, for instance).
    """
    strict = pure_equilibria(a, b, strict=True)
    if len(strict) != 2:
        return None
    flip = {C: D, D: C}

    def loss(x: str, y: str) -> float:
        return ((_utility(a, x, y) - _utility(a, flip[x], y))
                * (_utility(b, y, x) - _utility(b, flip[y], x)))

    first, second = strict
    la, lb = loss(*first), loss(*second)
    if la == lb:
        return None
    return first if la > lb else second


def game_facts(a: Payoffs, b: Payoffs) -> tuple:
    """Class, pure equilibria (as "(x,y)" texts), mixed equilibrium and risk-dominant equilibrium
    ("(x,y)", "tie" or "n/a") of one stage game: what :func:`classify_game`,
    :func:`pure_equilibria`, :func:`mixed_equilibrium` and :func:`risk_dominant` say, with each
    profile's deviation gains computed once (the panel asks this of thousands of sampled games)."""
    ua = {(C, C): a.R, (C, D): a.S, (D, C): a.T, (D, D): a.P}
    ub = {(C, C): b.R, (C, D): b.S, (D, C): b.T, (D, D): b.P}
    flip = {C: D, D: C}
    pure, strict = [], []
    for x, y in PROFILES:
        ga = ua[x, y] - ua[flip[x], y]
        gb = ub[y, x] - ub[flip[y], x]
        if ga >= 0 and gb >= 0:
            pure.append(f"({x},{y})")
        if ga > 0 and gb > 0:
            strict.append((f"({x},{y})", ga * gb))
    if len(strict) != 2:
        rd = "n/a"
    else:
        (first, la), (second, lb) = strict
        rd = "tie" if la == lb else first if la > lb else second
    return classify_game(a, b), tuple(pure), mixed_equilibrium(a, b), rd


def games_facts(a: Sequence[Payoffs], b: Sequence[Payoffs]) -> list[tuple]:
    """:func:`game_facts` of each pair ``(a[i], b[i])``, computed over all pairs at once with the
    same comparisons and arithmetic (so each tuple is the one :func:`game_facts` gives)."""
    if not len(a):
        return []
    Ra, Sa, Ta, Pa = np.array([(p.R, p.S, p.T, p.P) for p in a], dtype=float).T
    Rb, Sb, Tb, Pb = np.array([(p.R, p.S, p.T, p.P) for p in b], dtype=float).T

    def classes(R, S, T, P):
        return np.select([(T > R) & (R > P) & (P > S), (R > T) & (T > P) & (P > S), (T > R) & (R > S) & (S > P),
                          (R > T) & (S > P) & (R > S), (T > P) & (P > R) & (R > S)],
                         ["prisoners_dilemma", "stag_hunt", "chicken", "harmony", "deadlock"], "other")

    ca, cb = classes(Ra, Sa, Ta, Pa), classes(Rb, Sb, Tb, Pb)
    game_class = np.where(ca == cb, ca, "other")
    # each profile's deviation gains (mine, then the other's), as game_facts computes them
    gains = {(C, C): (Ra - Ta, Rb - Tb), (C, D): (Sa - Pa, Tb - Rb), (D, C): (Ta - Ra, Sb - Pb),
             (D, D): (Pa - Sa, Pb - Sb)}
    weak = {xy: (ga >= 0) & (gb >= 0) for xy, (ga, gb) in gains.items()}
    strict = {xy: (ga > 0) & (gb > 0) for xy, (ga, gb) in gains.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        den_a, den_b = (Ra - Ta) + (Pa - Sa), (Rb - Tb) + (Pb - Sb)
        pa, pb = (Pb - Sb) / den_b, (Pa - Sa) / den_a     # the first player's C from the second's payoffs
    mixed_ok = (den_a != 0) & (den_b != 0) & (0 < pa) & (pa < 1) & (0 < pb) & (pb < 1)
    labels = [f"({x},{y})" for x, y in PROFILES]
    # per sample: which profiles are (strict) equilibria, and the products of the deviation losses
    weak_rows = np.column_stack([weak[xy] for xy in PROFILES]).tolist()
    strict_rows = np.column_stack([strict[xy] for xy in PROFILES]).tolist()
    loss_rows = np.column_stack([gains[xy][0] * gains[xy][1] for xy in PROFILES]).tolist()
    out = []
    for cls, w, st, loss, ok, x, y in zip(game_class.tolist(), weak_rows, strict_rows, loss_rows, mixed_ok.tolist(),
                                         pa.tolist(), pb.tolist()):
        pure = tuple(label for label, is_eq in zip(labels, w) if is_eq)
        two = [j for j in range(4) if st[j]]
        if len(two) != 2:
            rd = "n/a"
        else:
            first, second = two
            la, lb = loss[first], loss[second]
            rd = "tie" if la == lb else labels[first] if la > lb else labels[second]
        out.append((cls, pure, (x, y) if ok else None, rd))
    return out


def tft_threshold(p: Payoffs) -> float | None:
    """Least continuation probability at which TFT is collectively stable (Axelrod 1984, Prop. 2).

    w >= max((T-R)/(T-P), (T-R)/(R-S)): ALL D and the alternation D, C, D, ... must not beat
    R/(1-w) against TFT. Derived for the prisoner's dilemma only: ``None`` for other classes.
    """
    if classify(p) != "prisoners_dilemma":
        return None
    return max((p.T - p.R) / (p.T - p.P), (p.T - p.R) / (p.R - p.S))


def gtft_generosity(p: Payoffs) -> float:
    """GTFT's optimal generosity q* = min(1 - (T-R)/(R-S), (R-P)/(T-P)) clipped to [0, 1].

    Nowak, M. A. and Sigmund, K. (1992), "Tit for tat in heterogeneous populations", Nature 355:
    the largest forgiveness at which neither ALL D, q T + (1-q) P, nor the alternator,
    (T + q R + (1-q) S)/2, earns more than R per step against GTFT (derived for the prisoner's
    dilemma; the engine uses it as the default on every track).
    """
    return float(optimal_generosity(p.R, p.S, p.T, p.P))


def pooled_threshold(games: Sequence[Payoffs]) -> float | None:
    """Grim threshold of cooperating on all linked tracks at once, punishing on all of them together.

    Bernheim, B. D. and Whinston, M. D. (1990), "Multimarket contact and collusive behavior", RAND
    Journal of Economics 21(1): 1-26. The best deviation defects only on the tracks where T > R
    (elsewhere C pays more this step), earning sum max(T_k, R_k) once and sum M_k for ever after,
    M = max(S, P) as for one track; cooperating earns sum R_k / (1 - delta). So cooperation holds iff
    delta >= sum_k max(T_k - R_k, 0) / sum_k (max(T_k, R_k) - M_k). (A denominator of sum (T_k - M_k)
    understates the punishment on a track with T < R and overstates the patience needed.) Slack on
    one track can then carry another whose own threshold is higher. ``None`` if pooled punishment
    costs nothing; 0 if there is no pooled temptation; above 1 if no discount factor below 1 will do.
    """
    gain = sum(max(p.T - p.R, 0.0) for p in games)
    loss = sum(max(p.T, p.R) - max(p.S, p.P) for p in games)
    if gain <= 0:
        return 0.0
    if loss <= 0:
        return None
    return gain / loss


def strategic(strat) -> bool:
    """Whether a strategy reasons about the game: a reciprocal rule (it reacts to the other, so the
    shadow of the future can discipline it) or ``forward_looking`` (it weighs the payoffs). A
    constant, scheduled or random rule (``always_cooperate``, ``always_defect``, ``alternator``,
    ``random``) does neither: no threshold says anything about it. A choice of rules (v3) is
    strategic when any of its rules is; no strategy (an actor without a seat on the track) is not."""
    return strat is not None and any(bool(c.rule.reciprocal) for c in strat.candidates)


def linked_tracks(scenario, actor) -> list[int]:
    """Tracks an actor actually links: those whose strategy may give other tracks weight, and the
    tracks they draw on (non-zero weight in some run). Tracks where the actor is not strategic
    (:func:`strategic`) are left out, and so is a pool of fewer than two tracks."""
    out: set[int] = set()
    rules = [(k, c) for k, entry in enumerate(actor.strategies) if entry is not None for c in entry.candidates]
    for k, strat in rules:  # v3: every rule of a choice
        if not strategic(strat):
            continue
        if isinstance(strat.linkage, str):
            p = scenario.params[strat.linkage]
            if p.uncertain or p.value > 0:
                sources = [j for j in range(len(actor.strategies)) if j != k and actor.salience[j] > 0
                           and actor.strategies[j] is not None]
                if sources:
                    out |= {k, *sources}
        else:
            sources = [j for j, path in strat.linkage.items()
                       if scenario.params[path].uncertain or scenario.params[path].value > 0]
            if sources:
                out |= {k, *sources}
    out = {k for k in out if strategic(actor.strategies[k])}
    return sorted(out) if len(out) >= 2 else []


# -- the panel of a scenario ------------------------------------------------------------------

SAMPLES = 2000


def _effective(scenario, samples: int) -> tuple[dict[str, np.ndarray], list[list[Payoffs]]]:
    """Sampled parameters and, per track and seat, each sample's effective payoffs at step 0.

    The scenario's own sampler draws ``samples`` parameter sets (runs 0.. of its seed), and the
    engine's own payoff modifiers (level cost at the start level, risk on the channel, audience on
    rivalry tracks; docs/model.md) give each actor's payoffs as they stand before the first move.
    """
    from .model.draws import sample_params
    from .model.tracks import TrackState

    values = sample_params(scenario, scenario.seed, np.arange(samples))
    out = []
    for k, spec in enumerate(scenario.tracks):
        track = TrackState(k, spec, values, samples)
        per_seat = []
        for seat, player in enumerate(spec.players):
            actor = scenario.actors[player]
            h, rho = values[actor.params["hawkishness"]], values[actor.params["risk_perception"]]
            per_seat.append([np.broadcast_to(x, (samples,)) for x in track.effective(seat, h, rho)])
        out.append(per_seat)
    return values, out


def _generosities(games: list[Payoffs]) -> list[float]:
    """:func:`gtft_generosity` of each game, computed over all of them at once (elementwise, so
    each value is the one the function gives)."""
    R, S, T, P = (np.array([getattr(p, x) for p in games], dtype=float) for x in "RSTP")
    return [float(q) for q in optimal_generosity(R, S, T, P)]


def _summary(x: Sequence[float | None]) -> dict:
    """Median and range of a sampled value, or its single value; ``None`` entries mean n/a."""
    known = np.array([v for v in x if v is not None], dtype=float)
    if len(known) == 0:
        return {"value": None}
    lo, med, hi = float(known.min()), float(np.median(known)), float(known.max())
    out: dict = {"value": med}
    if hi - lo > 1e-12:
        out["range"] = [lo, hi]
    if len(known) < len(x):
        out["share_applicable"] = len(known) / len(x)
    return out


def _clears(discount: np.ndarray, thresholds: Sequence[float | None], fixed: bool) -> dict | None:
    """Whether (fixed discount) or in what share of samples (uncertain) delta >= threshold."""
    ok = [(d, t) for d, t in zip(discount, thresholds) if t is not None]
    if not ok:
        return None
    hits = [d >= t - 1e-12 for d, t in ok]
    if fixed and len(set(hits)) == 1:
        return {"clears": bool(hits[0])}
    return {"share": sum(hits) / len(hits)}


def _mode(items: list) -> dict:
    counts = Counter(items)
    value, n = counts.most_common(1)[0]
    out = {"value": value}
    if n < len(items):
        out["share"] = n / len(items)
    return out


def _linkage(scenario, strat) -> tuple[str, bool]:
    """Description of a strategy's linkage and whether it can be above 0."""
    if isinstance(strat.linkage, str):
        p = scenario.params[strat.linkage]
        positive = p.uncertain or p.value > 0
        return p.describe(), positive
    if not strat.linkage:
        return "0", False
    names = scenario.track_names
    parts = {names[j]: scenario.params[path] for j, path in strat.linkage.items()}
    positive = any(p.uncertain or p.value > 0 for p in parts.values())
    return ", ".join(f"{n}: {p.describe()}" for n, p in parts.items()), positive


def theory_panel(scenario, samples: int = SAMPLES) -> dict:
    """Per track and actor: class, equilibria, thresholds and whether each discount clears them.

    Uncertain inputs (payoffs, modifiers, risk perception, hawkishness, discounts) are handled by
    drawing ``samples`` parameter sets with the scenario's own sampler and seed: every value is
    reported as its median over the samples with its range, categorical results (class,
    equilibria) as the most common one with its share, and for an uncertain discount the share of
    samples with delta >= threshold. With fixed inputs every value is exact. JSON-ready.
    """
    values, eff = _effective(scenario, samples)
    uncertain = sorted(scenario.uncertain())
    tracks = []
    linked: dict[str, bool] = {a.name: False for a in scenario.actors}
    per_sample_games: dict[str, dict[int, list[Payoffs]]] = {a.name: {} for a in scenario.actors}
    for k, track in enumerate(scenario.tracks):
        seated = [scenario.actors[p] for p in track.players]   # the track's two players, by seat
        games = [[Payoffs(*row) for row in np.column_stack(eff[k][seat]).astype(float).tolist()]
                 for seat in range(len(seated))]
        for seat, a in enumerate(seated):
            per_sample_games[a.name][k] = games[seat]
        facts = games_facts(games[0], games[1])
        mixed = [f[2] for f in facts]
        rd = [f[3] for f in facts]
        entry = {
            "track": track.name, "players": [a.name for a in seated], "role": track.role.value, "labels": {"C": track.labels[0], "D": track.labels[1]},
            "class": _mode([f[0] for f in facts]),
            "pure_equilibria": _mode([" ".join(f[1]) or "none" for f in facts]),
            "mixed_equilibrium": None if all(m is None for m in mixed) else {
                a.name: _summary([m[seat] if m else None for m in mixed]) for seat, a in enumerate(seated)},
            "risk_dominant": _mode(rd),
            "actors": {},
        }
        for seat, a in enumerate(seated):
            strat = a.strategies[k]
            links = [_linkage(scenario, c) for c in strat.candidates]  # v3: every rule of a choice
            link_text = " / ".join(dict.fromkeys(t for t, _ in links))
            link_pos = any(pos for _, pos in links)
            g = games[seat]
            disc_param = scenario.params[a.params["discount"]]
            if not strategic(strat):
                # the game is a fact about the track, but no threshold says anything about a rule
                # that neither reacts to the other nor weighs the payoffs
                entry["actors"][a.name] = {
                    "strategy": strat.name, "strategic": False, "linkage": link_text,
                    "game": track.game(seat),
                    "payoffs": {x: _summary([getattr(p, x) for p in g]) for x in "RSTP"},
                    "class": _mode([classify(p) for p in g]), "discount": disc_param.describe(),
                    "note": f"not strategic: {strat.name} neither reacts to the other nor weighs the payoffs, "
                            "so no discount threshold applies",
                    "grim_threshold": None, "tft_threshold": None, "gtft_generosity": None,
                }
                continue
            linked[a.name] |= link_pos
            disc = values[a.params["discount"]]
            fixed = not disc_param.uncertain
            thresholds = {}
            for name, fn in (("grim", grim_threshold), ("tft", tft_threshold)):
                t = [fn(p) for p in g]
                thresholds[name] = {**_summary(t), "discount": _clears(disc, t, fixed)}
            payoffs = {x: _summary([getattr(p, x) for p in g]) for x in "RSTP"}
            entry["actors"][a.name] = {
                "strategy": getattr(strat, "label", strat.name), "strategic": True, "linkage": link_text,
                "game": track.game(seat),
                "payoffs": payoffs, "class": _mode([classify(p) for p in g]),
                "discount": disc_param.describe(),
                "grim_threshold": thresholds["grim"], "tft_threshold": thresholds["tft"],
                "gtft_generosity": _summary(_generosities(g)),
            }
        tracks.append(entry)
    pooled = {}
    for a in scenario.actors:
        ks = [k for k in linked_tracks(scenario, a) if k in per_sample_games[a.name]]   # tracks it plays
        if not linked[a.name] or len(ks) < 2:
            continue
        per_track = per_sample_games[a.name]
        t = [pooled_threshold([per_track[k][s] for k in ks]) for s in range(samples)]
        disc_param = scenario.params[a.params["discount"]]
        pooled[a.name] = {"tracks": [scenario.track_names[k] for k in ks], **_summary(t),
                          "discount": _clears(values[a.params["discount"]], t, not disc_param.uncertain)}
    return {
        "scenario": scenario.name,
        "samples": samples if uncertain else 1,
        "seed": scenario.seed,
        "method": ("effective stage payoffs at step 0 (level cost, risk and audience modifiers "
                   "included); uncertain parameters are sampled with the scenario's own sampler: "
                   "values are medians with [min, max], classes the most common with their share, "
                   "'share' is the fraction of samples whose discount clears the threshold"),
        "uncertain_parameters": uncertain,
        "definitions": CLASSES,
        "tracks": tracks,
        "pooled": pooled,
    }


# -- terminal text ----------------------------------------------------------------------------

def number(x: float | None) -> str:
    """A value for people: 'n/a', a small fraction with its decimal ('2/3 = 0.667'), or 3 digits."""
    if x is None:
        return "n/a"
    f = Fraction(x).limit_denominator(12)
    if abs(float(f) - x) < 1e-9:
        return str(f.numerator) if f.denominator == 1 else f"{f} = {x:.3f}"
    return f"{x:.3g}"


def threshold_text(x: float | None) -> str:
    """A discount threshold for people: 'never' above 1 (no discount factor below 1 sustains
    cooperation: the folk-theorem condition cannot hold), otherwise :func:`number`."""
    return "never" if x is not None and x > 1 + 1e-12 else number(x)


def _value(v: dict, threshold: bool = False) -> str:
    text = (threshold_text if threshold else number)(v.get("value"))
    if "range" in v:
        lo, hi = v["range"]
        fmt = (lambda x: "never" if x > 1 + 1e-12 else f"{x:.3g}") if threshold else (lambda x: f"{x:.3g}")
        text += f" [{fmt(lo)}, {fmt(hi)}]"
    if "share_applicable" in v:
        text += f" (n/a in {1 - v['share_applicable']:.0%} of samples)"
    return text


def _category(v: dict) -> str:
    text = str(v["value"])
    return text + (f" ({v['share']:.0%} of samples)" if "share" in v else "")


def _verdict(d: dict | None, discount: str) -> str:
    if d is None:
        return ""
    if "clears" in d:
        return f"discount {discount} {'clears' if d['clears'] else 'does not clear'}"
    return f"discount {discount} clears in {d['share']:.0%} of samples"


def format_panel(panel: dict) -> str:
    """The panel of :func:`theory_panel` as terminal text."""
    lines = [f"Theory panel: {panel['scenario']}"]
    if panel["uncertain_parameters"]:
        lines.append(f"{len(panel['uncertain_parameters'])} uncertain parameters: {panel['samples']} samples "
                     f"(seed {panel['seed']}); values are medians [min, max] over the samples.")
    lines.append("Payoffs: each actor's own, at step 0 with level cost, risk and audience modifiers.")
    width = max((len(a) for t in panel["tracks"] for a in t["actors"]), default=0)
    for t in panel["tracks"]:
        mixed = t["mixed_equilibrium"]
        mixed_text = "none" if mixed is None else ", ".join(
            f"{a} C with p = {_value(v)}" for a, v in mixed.items())
        lines += ["", f"{t['track']} ({t['role']}: C = {t['labels']['C']}, D = {t['labels']['D']})",
                  f"  game: {_category(t['class'])}; pure Nash ({', '.join(t['players'])}): "
                  f"{_category(t['pure_equilibria'])}; "
                  f"mixed: {mixed_text}; risk dominant: {_category(t['risk_dominant'])}"]
        for name, a in t["actors"].items():
            pay = "  ".join(f"{x} {_value(a['payoffs'][x])}" for x in "RSTP")
            pad = " " * (width + 4)
            if a.get("strategic") is False:
                lines += [f"  {name:<{width}}  {a['strategy']}, game {a['game']}: {pay}; {_category(a['class'])}",
                          f"{pad}not strategic: {a['strategy']} neither reacts to the other nor weighs the "
                          "payoffs (no threshold applies)"]
                continue
            lines += [f"  {name:<{width}}  {a['strategy']} (linkage {a['linkage']}), game {a['game']}: "
                      f"{pay}; {_category(a['class'])}"]
            rows = [("grim  (T-R)/(T-M), M = max(S,P)", a["grim_threshold"]),
                    ("TFT   max((T-R)/(T-P), (T-R)/(R-S))", a["tft_threshold"])]
            for label, v in rows:
                text = _value(v, threshold=True)
                if v.get("value") is None and label.startswith("TFT"):
                    text = "n/a (prisoner's dilemma only)"
                verdict = _verdict(v.get("discount"), a["discount"])
                lines.append(f"{pad}{label:<38} {text:<22} {verdict}".rstrip())
            note = "" if a["class"]["value"] == "prisoners_dilemma" else "   (engine default; derived for the PD)"
            lines.append(f"{pad}{'GTFT  optimal generosity q*':<38} {_value(a['gtft_generosity'])}{note}")
    if panel["pooled"]:
        lines += ["", "Linked tracks: pooled grim threshold sum(max(T-R,0))/sum(max(T,R)-M) over linked tracks, "
                      "punishing on all tracks together (Bernheim and Whinston 1990)"]
        for name, v in panel["pooled"].items():
            discount = next(t["actors"][name]["discount"] for t in panel["tracks"])
            lines.append(f"  {name:<{width}}  {_value(v, threshold=True):<22} "
                         f"{_verdict(v.get('discount'), discount)}".rstrip())
    return "\n".join(lines)
