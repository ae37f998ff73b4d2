"""Human labels for parameter paths, outcome columns and levers, for reports, plots and PRIM boxes.

A parameter path such as ``events.0.effects.1.add`` is exact but unreadable in a briefing; its
label says what it is ("New chip export rule: change to China hawkishness"). A scenario can name
any parameter itself with a top-level ``labels: {PATH: text}`` mapping (kept in the scenario's
data) or, for a lever, its ``label:``.
"""

from __future__ import annotations

from ..scenario.resolved import Scenario

ACTOR_WORDS = {
    "noise": "noise (mistaken moves)",
    "trust": "initial trust",
    "trust_learning": "trust learning rate",
    "discount": "patience (discount factor)",
    "hawkishness": "hawkishness",
    "hawk_sensitivity": "hawkish pressure per escalation",
    "hawk_decay": "hawkishness decay",
    "risk_perception": "perceived AI risk",
    "risk_decay": "AI-risk perception decay",
}
TRACK_WORDS = {
    "level_cost": "cost per ladder rung",
    "risk_weight": "weight of shared AI risk",
    "audience_weight": "weight of domestic audiences",
    "level": "ladder level",
    "R": "payoff R (both cooperate)",
    "S": "payoff S (sucker)",
    "T": "payoff T (temptation)",
    "P": "payoff P (both defect)",
}
STRATEGY_WORDS = {
    "linkage": "linkage to the other tracks",
    "noise": "noise",
    "generosity": "generosity",
    "p": "cooperation probability",
    "rationality": "rationality",
    "level_linkage": "weight of the rivalry's level",
    "rule": "decision rule (drawn per run)",
    "value_scale": "logit scale",
}
NONSTATE_WORDS = {
    "diffusion": "capability diffusion rate per step",
    "race_effect": "speed-up of diffusion by the rivalry",
    "control_effect": "slow-down of diffusion by export controls",
    "safeguards.start": "safeguard strength at the start",
    "safeguards.build": "safeguards built per engaged step",
    "safeguards.decay": "safeguards lost per step without engagement",
    "safeguards.effect": "share of misuse attempts full safeguards stop",
    "incident.risk": "rise in perceived AI risk per incident",
    "incident.attribution": "chance an incident is blamed on the other side",
    "incident.blame_trust": "trust lost per blamed incident",
    "incident.blame_hawkishness": "hawkishness gained per blamed incident",
    "capability": "initial capability (per group)",
    "intent": "chance per step a group attempts misuse (per group)",
}
#: words for outcome names that are not declared outcomes (``sim.results.outcomes``)
OTHER_OUTCOME_WORDS = {
    "collapsed": "channel collapsed",
    "held_while_escalated": "held while the rivalry escalated",
    "p_held_given_escalated": "P(held | rivalry escalated)",
    "p_held_while_escalated": "P(held while escalated)",
}


def outcome_words() -> dict[str, str]:
    """Words for every declared outcome's column and summary key, and the few other outcome names."""
    from ..results.outcomes import OUTCOMES

    return {**{o.column: o.label for o in OUTCOMES},
            **{o.summary_key: o.heading for o in OUTCOMES if o.statistic}, **OTHER_OUTCOME_WORDS}


#: as declared at import (see :func:`outcome_words`)
OUTCOME_WORDS = outcome_words()


def words(name: str) -> str:
    return name.replace("_", " ")


def _event_index(scenario: Scenario | None, key: str) -> int | None:
    """The index of the event a path names: by its slug (``events.leaders_summit``) or its position."""
    if scenario is None:
        return int(key) if key.isascii() and key.isdigit() else None
    from ..scenario.resolved import event_slug

    for i, e in enumerate(scenario.events):
        if event_slug(e.name) == key:
            return i
    return int(key) if key.isascii() and key.isdigit() and int(key) < len(scenario.events) else None


def _event_name(scenario: Scenario | None, key: str) -> str:
    i = _event_index(scenario, key)
    if scenario is not None and i is not None and i < len(scenario.events):
        return scenario.events[i].name
    return words(key) if not key.isdigit() else f"event {key}"


def _effect_data(scenario: Scenario | None, key: str, j: int) -> dict | None:
    i = _event_index(scenario, key)
    try:
        return scenario.data["events"][i]["effects"][j]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def _effect_target(scenario: Scenario | None, key: str, j: int) -> str:
    """What effect j of an event changes, in words, from the scenario's data."""
    effect = _effect_data(scenario, key, j)
    if not isinstance(effect, dict):
        return f"effect {j}"
    scope, who, attr = (str(effect.get("target", "")).split(".") + ["", "", ""])[:3]
    who = "both actors" if scope == "actors" and who == "*" else "every track" if who == "*" else words(who)
    what = ACTOR_WORDS.get(attr) if scope == "actors" else TRACK_WORDS.get(attr)
    return f"{who} {what or words(attr)}"


def _effect_op(scenario: Scenario | None, key: str, j: int) -> str:
    effect = _effect_data(scenario, key, j)
    if not isinstance(effect, dict):
        return "effect"
    return next((k for k in ("add", "multiply", "set") if k in effect), "effect")


def _rule_label(part: str) -> bool:
    """Whether a path part names a rule of a choice (``grim_trigger``, ``random_2``)."""
    from ..strategies import REGISTRY

    base = part.rsplit("_", 1)[0] if part.rsplit("_", 1)[-1].isdigit() else part
    return part in REGISTRY or base in REGISTRY


def param_label(path: str, scenario: Scenario | None = None) -> str:
    """A reader's name for the parameter at ``path`` (the path itself if nothing better is known)."""
    path = path.removeprefix("param.")
    if scenario is not None:
        custom = (scenario.data.get("labels") or {}) if isinstance(scenario.data, dict) else {}
        if isinstance(custom, dict) and path in custom:
            return str(custom[path])
        for lever in getattr(scenario, "levers", ()):
            if lever.path == path and lever.label:
                return lever.label
    parts = path.split(".")
    if parts[0] == "twins" and len(parts) >= 4 and parts[2] == "set":  # v3: a mechanism twin's setting
        target = ".".join(parts[3:])
        return f"twin {parts[1].replace('_', ' ')}: {param_label(target, scenario)}"
    if parts[0] == "actors" and len(parts) >= 6 and parts[2] == "strategies" and _rule_label(parts[4]):
        actor, track, what = parts[1], words(parts[3]), parts[5]   # a parameter of one rule of a choice
        extra = f" ({words(parts[6])})" if len(parts) > 6 else ""
        return f"{actor} {STRATEGY_WORDS.get(what, words(what))}{extra} on {track}, when it plays {words(parts[4])}"
    if parts[0] == "actors" and len(parts) == 3:
        return f"{parts[1]} {ACTOR_WORDS.get(parts[2], words(parts[2]))}"
    if parts[0] == "actors" and len(parts) >= 5 and parts[2] == "strategies":
        actor, track, what = parts[1], words(parts[3]), parts[4]
        extra = f" ({words(parts[5])})" if len(parts) > 5 else ""
        return f"{actor} {STRATEGY_WORDS.get(what, words(what))}{extra} on {track}"
    if parts[0] == "tracks" and len(parts) == 3:
        return f"{words(parts[1])}: {TRACK_WORDS.get(parts[2], words(parts[2]))}"
    if parts[0] == "tracks" and len(parts) == 4:
        return f"{words(parts[1])}: {parts[2]} {TRACK_WORDS.get(parts[3], words(parts[3]))}"
    if parts[0] == "events" and len(parts) >= 3:
        key = parts[1]
        name = _event_name(scenario, key)
        step = scenario.step if scenario is not None else "step"
        if parts[2] == "probability":
            i = _event_index(scenario, key)
            conditional = scenario is not None and i is not None and i < len(scenario.events) \
                and bool(getattr(scenario.events[i], "when", ()))
            return f"{name}: chance in each {step} its conditions hold" if conditional else f"{name}: chance per {step}"
        if parts[2] == "probability_if_channel_open":
            return f"{name}: chance per {step} while the channel is open"
        if parts[2] == "delay":
            return f"{name}: delay ({step}s)"
        if parts[2] == "effects" and len(parts) >= 4 and parts[3].isascii() and parts[3].isdigit():
            j = int(parts[3])
            op = parts[4] if len(parts) >= 5 else _effect_op(scenario, key, j)
            op = {"add": "change to", "multiply": "factor on", "set": "new value of"}.get(op, op)
            return f"{name}: {op} {_effect_target(scenario, key, j)}"
    if parts[0] == "nonstate" and len(parts) >= 2:
        rest = ".".join(parts[1:])
        return f"nonstate groups: {NONSTATE_WORDS.get(rest, words(rest))}"
    if path == "continuation":
        return "chance the game goes on each step"
    return path


def outcome_label(name: str) -> str:
    """A reader's name for a per-run or summary outcome column."""
    known = outcome_words()
    if name in known:
        return known[name]
    head, _, rest = name.partition(".")
    nice = {"coop_rate": "cooperation rate on", "mutual_coop": "mutual cooperation on",
            "final_level": "final level of", "peak_level": "peak level of", "payoff": "payoff of",
            "fired": "times fired:", "first_fired": "first step fired:"}
    if head in nice and rest:
        return f"{nice[head]} {words(rest)}"
    if head == "param":
        return param_label(rest)
    return words(name)


def column_label(name: str, scenario: Scenario | None = None) -> str:
    """Label of any column: a parameter (``param.*`` or a path) or an outcome."""
    if name.startswith("param.") or name.count(".") >= 2:
        return param_label(name, scenario)
    return outcome_label(name)


#: the one sign convention of every effect and difference (terminal, summary.json, reports, briefs)
SIGN_CONVENTION = ("Sign convention: an effect is the outcome with the thing (the runs as simulated) minus the "
                   "outcome without it (the twin: the same runs on the same random numbers with it switched "
                   "off); a comparison's difference is each folder minus the first. A negative effect on "
                   "P(held) makes the channel less likely to hold; a negative effect on incidents means fewer.")
