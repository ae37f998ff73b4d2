"""Warnings about a valid scenario that will read wrongly: advice, not errors (the scenario runs).

A channel ladder whose rung is named like an outcome ("collapsed", "held", "frozen", ...) makes
results contradict themselves: a run that "held" can reach the rung called "collapsed". The
ladder counts walk-outs; the outcome is defined separately (docs/model.md), so the rung should be
named for what it is ("walked out", "stalled").
"""

from __future__ import annotations

import re

#: the words the channel's outcome and states use (docs/model.md): a channel rung must not reuse them
OUTCOME_STATE_WORDS = ("held", "hold", "holds", "collapsed", "collapse", "suspended", "frozen", "freeze",
                       "lapsed", "lapse", "thawed", "thaw", "escalated", "open")


def rung_warnings(scenario, source=None) -> list[str]:
    """One line per rung of the channel's ladder named like an outcome: ``FILE:LINE: KEY: message``."""
    o = getattr(scenario, "outcomes", None)
    if o is None or not 0 <= o.channel < len(scenario.tracks):
        return []
    track = scenario.tracks[o.channel]
    out = []
    for i, rung in enumerate(track.rungs):
        hits = [w for w in re.findall(r"[a-z]+", str(rung).lower()) if w in OUTCOME_STATE_WORDS]
        if not hits:
            continue
        path = ("tracks", track.name, "ladder", "rungs", i)
        where = f"{source.origin(path)}: " if source is not None else ""
        out.append(f"warning: {where}{'.'.join(str(p) for p in path)}: the channel's rung '{rung}' is named like "
                   f"an outcome ('{hits[0]}'); the ladder counts walk-outs and the outcome is defined apart from it, "
                   f"so results would say a run that held reached '{rung}': rename the rung (e.g. 'walked out')")
    return out
