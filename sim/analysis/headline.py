"""The headline numbers of a run's summary as ``sim run`` prints them (and ``Ensemble.headline()``)."""

from __future__ import annotations


def headline(summary: dict, seconds: float | None = None) -> str:
    """The headline numbers of a summary, one per line."""
    from .stats import Proportion

    def p(key: str) -> str:
        return str(Proportion(**summary[key]))

    def row(label: str, d: float, lo: float, hi: float, tail: str = "") -> str:
        return f"  {label:<35} {d:+.3f}  [{lo:+.3f}, {hi:+.3f}]{tail}"

    def effect(e: dict, what: str) -> list[str]:
        """Every effect run minus twin (labels.SIGN_CONVENTION); incidents are stored as averted (twin minus run)."""
        h, o, name = e["held"], e["open_share"], e["twin"]
        lines = []
        if name != "channel_closed":
            lines += [row(f"{what} on P(held)", h["difference"], h["lo"], h["hi"],
                          f"  (McNemar p = {h['mcnemar_p']:.2g}; {h['runs_differing']} runs differ)"),
                      row(f"{what} on open share", o["difference"], o["lo"], o["hi"])]
        if "incidents_averted" in e:
            a = e["incidents_averted"]
            if name == "channel_closed":  # the channel's effect (run minus twin): negative = incidents averted
                lines.append(row("channel's effect on incidents", -a["difference"], -a["hi"], -a["lo"],
                                 f"  per run (averts {a['difference']:.3f}; {e['incidents_twin']:.3f} with it closed)"))
            else:
                lines.append(row(f"{what} on incidents", -a["difference"], -a["hi"], -a["lo"], "  per run"))
        return lines

    timing = f" ({seconds:.2f} s simulated)" if seconds is not None else ""
    lines = [f"{summary['scenario']}: {summary['runs']} runs, seed {summary['seed']}{timing}"]
    lines += declared_rows(summary, ("proportion",))
    lines += declared_rows(summary, ("share", "mean"))
    if "mean_incidents" in summary:
        lines.append(f"  {'P(at least one incident)':<36}{p('p_any_incident')}")
    if "rivalry_effect" in summary:
        lines += effect(summary["rivalry_effect"], "rivalry's effect")
    mechanisms = {m["twin"] for m in summary.get("mechanisms", [])}
    for name, e in summary.get("twin_effects", {}).items():
        if name not in mechanisms:
            if name == "channel_closed":  # one line of its own (its P(held) is 0 by construction)
                lines += effect(e, "")
            else:
                lines.append(f"  twin {name} (this scenario minus the twin):")
                lines += effect(e, "  effect")
    if mechanisms:
        lines.append("  mechanisms (each switched off in a twin on the same random numbers):")
        lines += [f"    {m['text']}" for m in summary["mechanisms"]]
    for where, rules in summary.get("p_held_by_rule", {}).items():
        actor, _, track = where.partition(".")
        lines.append(f"  P(held) by {actor}'s rule on {track} (drawn per run):")
        lines += [f"    {rule:<34}{Proportion(**x)}" for rule, x in rules.items()]
    if summary.get("hazard_first_steps") is not None and summary.get("hazard_later_steps") is not None:
        unit = summary.get("step", "step")  # a probability per step: said in the scenario's unit
        lines.append(f"  {'collapse hazard per ' + unit:<36}{summary['hazard_first_steps']:.4f} in {unit}s 0-5, "
                     f"{summary['hazard_later_steps']:.4f} later")
    lines += declared_rows(summary, ("survival",))
    lines.append(f"  {'P(held | escalated), descriptive':<36}{p('p_held_given_escalated')}")
    return "\n".join(lines)


def declared_rows(summary: dict, statistics: tuple[str, ...]) -> list[str]:
    """One line per declared headline outcome (``sim.results.outcomes``) with these statistics."""
    from ..results import outcomes as out
    from .stats import Proportion

    lines = []
    for o in out.headlines(statistics):
        if o.summary_key not in summary:
            continue
        x, d = summary[o.summary_key], o.digits
        if o.statistic == "proportion":
            text = str(Proportion(**x))
        elif o.statistic == "survival":
            text = "not reached" if x is None else f"{x:g}"
        else:
            text = f"{x['mean']:.{d}f}  [{x['lo']:.{d}f}, {x['hi']:.{d}f}]"
        lines.append(f"  {o.heading:<36}{text}")
    return lines
