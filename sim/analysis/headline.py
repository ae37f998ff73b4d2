"""The headline numbers of a run's summary as ``sim run`` prints them (and ``Ensemble.headline()``)."""

from __future__ import annotations


def headline(summary: dict, seconds: float | None = None) -> str:
    """The headline numbers of a summary, one per line."""
    from .stats import Proportion

    def p(key: str) -> str:
        return str(Proportion(**summary[key]))

    def row(label: str, d: float, lo: float, hi: float, tail: str = "") -> str:
        return f"  {label:<36}{d:+.3f}  [{lo:+.3f}, {hi:+.3f}]{tail}"

    def effect(e: dict, what: str) -> list[str]:
        """Run minus twin for the channel; incidents as the twin's minus the run's (averted)."""
        h, o, name = e["held"], e["open_share"], e["twin"]
        lines = []
        if name != "channel_closed":
            lines += [row(f"{what} on P(held)", h["difference"], h["lo"], h["hi"],
                          f"  (McNemar p = {h['mcnemar_p']:.2g}; {h['runs_differing']} runs differ)"),
                      row(f"{what} on open share", o["difference"], o["lo"], o["hi"])]
        if "incidents_averted" in e:
            a = e["incidents_averted"]
            if name == "channel_closed":
                lines.append(row("incidents averted by the channel", a["difference"], a["lo"], a["hi"],
                                 f"  per run ({e['incidents_twin']:.3f} with it closed)"))
            else:
                lines.append(row(f"{what} on incidents", -a["difference"], -a["hi"], -a["lo"], "  per run"))
        return lines

    median = summary["median_break_step"]
    timing = f" ({seconds:.2f} s simulated)" if seconds is not None else ""
    lines = [
        f"{summary['scenario']}: {summary['runs']} runs, seed {summary['seed']}{timing}",
        f"  {'P(channel held)':<36}{p('p_held')}",
        f"  {'P(rivalry escalated)':<36}{p('p_escalated')}",
        f"  {'P(held and escalated)':<36}{p('p_held_and_escalated')}",
    ]
    for key, label in (("p_frozen", "P(frozen at least once)"), ("p_lapsed", "P(lapsed: collapsed, no freeze)"),
                       ("p_open_at_end", "P(open at the end)")):
        if key in summary:
            lines.append(f"  {label:<36}{p(key)}")
    if "mean_open_months" in summary:
        m = summary["mean_open_months"]
        lines.append(f"  {'mean months open':<36}{m['mean']:.1f}  [{m['lo']:.1f}, {m['hi']:.1f}]")
    if "mean_open_share" in summary:
        m = summary["mean_open_share"]
        lines.append(f"  {'mean open share':<36}{m['mean']:.3f}  [{m['lo']:.3f}, {m['hi']:.3f}]")
    if "mean_incidents" in summary:
        m = summary["mean_incidents"]
        lines.append(f"  {'mean misuse incidents per run':<36}{m['mean']:.3f}  [{m['lo']:.3f}, {m['hi']:.3f}]")
        lines.append(f"  {'P(at least one incident)':<36}{p('p_any_incident')}")
    if "rivalry_effect" in summary:
        lines += effect(summary["rivalry_effect"], "rivalry's effect")
    mechanisms = {m["twin"] for m in summary.get("mechanisms", [])}
    for name, e in summary.get("twin_effects", {}).items():
        if name not in mechanisms:
            lines += effect(e, f"twin {name}: effect")
    if mechanisms:
        lines.append("  mechanisms (each switched off in a twin on the same random numbers):")
        lines += [f"    {m['text']}" for m in summary["mechanisms"]]
    for where, rules in summary.get("p_held_by_rule", {}).items():
        actor, _, track = where.partition(".")
        lines.append(f"  P(held) by {actor}'s rule on {track} (drawn per run):")
        lines += [f"    {rule:<34}{Proportion(**x)}" for rule, x in rules.items()]
    if summary.get("hazard_first_steps") is not None and summary.get("hazard_later_steps") is not None:
        lines.append(f"  {'collapse hazard per step':<36}{summary['hazard_first_steps']:.4f} in steps 0-5, "
                     f"{summary['hazard_later_steps']:.4f} later")
    lines += [
        f"  {'median collapse step (K-M)':<36}{'not reached' if median is None else f'{median:g}'}",
        f"  {'P(held | escalated), descriptive':<36}{p('p_held_given_escalated')}",
    ]
    return "\n".join(lines)
