"""Plots of stored ensemble results. Each takes data and an optional Axes, returns the Axes, no I/O."""

from __future__ import annotations

import datetime as dt

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .bands import QUANTILES, _qname
from .stats import Survival, proportion

#: Okabe-Ito colour-blind-safe palette
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


def time_axis(ax: Axes, step_unit: str = "month", start: dt.date | None = None, what: str = "step") -> None:
    """Label the x axis in steps, or in calendar dates when the scenario has a ``start:`` date."""
    if start is None:
        ax.set_xlabel(f"{what} ({step_unit}s)")
        return
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from ..scenario.resolved import step_date

    style = "%b %Y" if step_unit in ("month", "year") else "%d %b %Y"
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _pos: step_date(start, max(x, 0), step_unit).strftime(style)))
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_xlabel(f"{'date' if what == 'step' else what} (one {step_unit} per step)")


def event_markers(ax: Axes, events: list[tuple[int, str]]) -> list:
    """Dotted vertical lines at scheduled events, numbered at the top; returns legend handles
    ("1: name") so the names can be listed beside the plot."""
    import textwrap

    from matplotlib.lines import Line2D

    # names wrapped beside the plot (cut short only past a few lines; fewer lines when there are many)
    lines = 3 if len(events) <= 6 else 2 if len(events) <= 12 else 1
    handles = []
    for i, (step, name) in enumerate(events, start=1):
        ax.axvline(step, color="#555555", linestyle=":", linewidth=1.2, zorder=1)
        ax.annotate(str(i), (step, 0.985), xycoords=("data", "axes fraction"), ha="center", va="top",
                    fontsize="x-small", color="#333333",
                    bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "#555555", "lw": 0.6})
        label = textwrap.fill(f"{i}: {name}", 44, subsequent_indent="    ", max_lines=lines, placeholder=" ...")
        handles.append(Line2D([], [], color="#555555", linestyle=":", label=label))
    return handles


def _legend(ax: Axes, handles: list, events: list, inside: str = "best") -> None:
    """The plot's legend inside (``inside``) when short; beside the plot when events are listed."""
    if events:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="x-small",
                  frameon=False, borderaxespad=0)
    else:
        ax.legend(handles=handles, loc=inside, fontsize="small")


#: a probability axis is zoomed to the data when the data span less than this (0 to 1 hides small differences)
ZOOM_BELOW = 0.6


def zoom_probability(ax: Axes, lo, hi) -> bool:
    """Zoom a probability (0 to 1) y axis to the data ``lo``..``hi`` (arrays or numbers) with a
    margin, when they span less than :data:`ZOOM_BELOW`; say so in the plot when the axis then
    does not start at 0. Returns whether it zoomed."""
    lo_v = float(np.nanmin(np.asarray(lo, dtype=float)))
    hi_v = float(np.nanmax(np.asarray(hi, dtype=float)))
    if not np.isfinite(lo_v) or not np.isfinite(hi_v) or hi_v - lo_v >= ZOOM_BELOW:
        ax.set_ylim(-0.02, 1.02)
        return False
    pad = max((hi_v - lo_v) * 0.08, 0.005)
    bottom, top = max(lo_v - pad, 0.0), min(hi_v + pad, 1.0)
    ax.set_ylim(bottom - (0.02 if bottom == 0 else 0), top + (0.02 if top == 1 else 0))
    if bottom > 0:
        ax.annotate(f"axis zoomed to the data: it starts at {bottom:.2f}, not 0", (0.01, 0.01),
                    xycoords="axes fraction", ha="left", va="bottom", fontsize="x-small", style="italic",
                    color="#444444", bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1})
    return True


def integer_ticks(ax: Axes, axis: str = "y") -> None:
    """Whole-number ticks on an axis that counts (runs, incidents): never a tick at 0.5 runs."""
    from matplotlib.ticker import MaxNLocator

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        ax = Figure(figsize=(7, 4.2), layout="constrained").add_subplot()
    return ax


def survival_curve(surv: Survival, ax: Axes | None = None, label: str = "channel open",
                   color: str = PALETTE[0], step_unit: str = "month", start: dt.date | None = None,
                   events: list[tuple[int, str]] = ()) -> Axes:
    """Kaplan-Meier curve of the channel staying open, with its 95% band (dates on x if ``start``);
    scheduled ``events`` (step, name) are marked."""
    ax = _axes(ax)
    band = ax.fill_between(surv.steps, surv.lo, surv.hi, step="post", alpha=0.25, color=color, linewidth=0,
                           label="95% interval")
    (line,) = ax.step(surv.steps, surv.survival, where="post", color=color, label=label)
    marks = event_markers(ax, list(events))
    zoom_probability(ax, surv.lo, surv.hi)
    time_axis(ax, step_unit, start)
    ax.set_ylabel("P(channel still open)")
    ax.set_title("Survival of the safety channel (Kaplan-Meier)")
    ax.grid(alpha=0.3)
    _legend(ax, [band, line, *marks], marks, inside="lower left")
    return ax


def fan_chart(bands: dict[str, np.ndarray], track: str, rungs: tuple[str, ...], ax: Axes | None = None,
              color: str = PALETTE[1], step_unit: str = "month", start: dt.date | None = None,
              events: list[tuple[int, str]] = ()) -> Axes:
    """Quantile fan of one track's escalation level over time, rung names on the level axis, the
    legend beside the plot (never over the bands) and scheduled ``events`` marked."""
    ax = _axes(ax)
    x = bands["step"]
    q = {qq: bands[f"level.{track}.{_qname(qq)}"] for qq in QUANTILES}
    outer = ax.fill_between(x, q[0.05], q[0.95], step="mid", alpha=0.18, color=color, linewidth=0, label="5-95%")
    inner = ax.fill_between(x, q[0.25], q[0.75], step="mid", alpha=0.35, color=color, linewidth=0, label="25-75%")
    (med,) = ax.step(x, q[0.5], where="mid", color=color, label="median")
    (mean,) = ax.plot(x, bands[f"level.{track}.mean"], color="black", linestyle="--", linewidth=1, label="mean")
    marks = event_markers(ax, list(events))
    ax.set_yticks(range(len(rungs)), rungs)
    ax.set_ylim(-0.3, len(rungs) - 0.7)
    time_axis(ax, step_unit, start)
    ax.set_ylabel("escalation level")
    ax.set_title(f"Escalation on {track.replace('_', ' ')}")
    ax.grid(alpha=0.3)
    ax.legend(handles=[outer, inner, med, mean, *marks], loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize="x-small", frameon=False, borderaxespad=0)
    return ax


OUTCOMES = (
    ("held, rivalry calm", lambda h, e: h & ~e),
    ("held and escalated", lambda h, e: h & e),
    ("collapsed, rivalry calm", lambda h, e: ~h & ~e),
    ("collapsed and escalated", lambda h, e: ~h & e),
)


def outcome_distribution(table: dict[str, np.ndarray], ax: Axes | None = None) -> Axes:
    """Share of runs in each (channel, rivalry) outcome, with Wilson 95% intervals."""
    ax = _axes(ax)
    held, esc = table["held"].astype(bool), table["escalated"].astype(bool)
    n = len(held)
    props = [proportion(int(f(held, esc).sum()), n) for _, f in OUTCOMES]
    p = np.array([x.p for x in props])
    err = np.array([[x.p - x.lo for x in props], [x.hi - x.p for x in props]])
    ax.bar(range(len(props)), p, yerr=err, capsize=4, color=PALETTE[: len(props)])
    ax.set_xticks(range(len(props)), [name for name, _ in OUTCOMES])
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"share of runs (n = {n})")
    ax.set_title("Outcomes: the channel and the rivalry")
    ax.grid(axis="y", alpha=0.3)
    for i, x in enumerate(props):
        ax.annotate(f"{x.p:.2f}", (i, x.hi), textcoords="offset points", xytext=(0, 3), ha="center")
    return ax


def break_histogram(table: dict[str, np.ndarray], horizon: int, ax: Axes | None = None,
                    step_unit: str = "month", start: dt.date | None = None,
                    events: list[tuple[int, str]] = ()) -> Axes:
    """When the channel collapsed (first step of the suspension that became a collapse); scheduled
    ``events`` marked, numbered."""
    ax = _axes(ax)
    b = table["break_step"].astype(float)
    b = b[~np.isnan(b)]
    ax.hist(b, bins=np.arange(horizon + 1) - 0.5, color=PALETTE[0])
    event_markers(ax, list(events))
    time_axis(ax, step_unit, start, what="collapse (break) step" if start is None else "date the collapse began")
    ax.set_ylabel("runs")
    integer_ticks(ax, "y")
    ax.set_title(f"When the channel collapsed ({len(b)} of {len(table['held'])} runs)")
    ax.grid(axis="y", alpha=0.3)
    return ax


def payoff_distribution(table: dict[str, np.ndarray], actors: tuple[str, ...], ax: Axes | None = None,
                        step_unit: str = "month", tracks: list[str] = ()) -> Axes:
    """Each actor's payoff per step over runs (total payoff / run length), as overlaid histograms.
    ``tracks``: each track's payoffs per actor in the track's own move labels, listed beside the plot
    (what a payoff unit is: :func:`track_payoff_lines`)."""
    ax = _axes(ax)
    per_step = {a: table[f"payoff.{a}"] / table["length"] for a in actors}
    lo = min(v.min() for v in per_step.values())
    hi = max(v.max() for v in per_step.values())
    bins = np.linspace(lo, hi if hi > lo else lo + 1, 41)
    for i, (a, v) in enumerate(per_step.items()):
        ax.hist(v, bins=bins, alpha=0.5, color=PALETTE[i % len(PALETTE)], label=f"{a} (mean {v.mean():.2f})")
    ax.set_xlabel(f"payoff per {step_unit}: the sum over the tracks of each track's payoff (right)")
    ax.set_ylabel(f"runs (n = {len(next(iter(per_step.values())))})")
    integer_ticks(ax, "y")
    ax.set_title("Payoff distributions")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False, borderaxespad=0)
    if tracks:
        ax.annotate("\n".join(tracks), (1.02, 0.62), xycoords="axes fraction", ha="left", va="top",
                    fontsize="x-small", family="monospace")
    return ax


def track_payoff_lines(scenario) -> list[str]:
    """Per track, each actor's payoff for each pair of moves, in the track's move labels, e.g.
    ``frontier safety (engage / walk out)`` then ``  US: both engage 3, ...``. Uncertain payoffs
    are shown by their median (~)."""
    import textwrap

    lines = []
    for t in scenario.tracks:
        c, d = t.labels
        lines.append(textwrap.shorten(f"{t.name.replace('_', ' ')} ({c} / {d})", 44))
        players = getattr(t, "players", tuple(range(len(scenario.actors))))
        for seat, i in enumerate(players):   # a track's two players (of two or more actors)
            a = scenario.actors[i]

            def val(x: str, seat: int = seat) -> str:
                p = scenario.params[t.payoffs[seat][x]]
                if getattr(p, "uncertain", False):   # its median
                    return f"~{float(p.sample(np.array([0.5]))[0]):.2g}"
                return f"{float(p.value):g}"
            lines.append(f" {a.name[:8]}: both {c[:10]} {val('R')}, both {d[:10]} {val('P')}")
            lines.append(f" {' ' * len(a.name[:8])}  {c[:10]} vs {d[:10]} {val('S')}, {d[:10]} vs {c[:10]} {val('T')}")
    return lines


def incidents_distribution(runs: dict[str, np.ndarray], ax: Axes | None = None) -> Axes:
    """Incidents per run: the runs as simulated and, where present, the same runs with the channel closed."""
    ax = _axes(ax)
    series = [("channel as simulated", runs["incidents"], PALETTE[0])]
    if "incidents_channel_closed" in runs:
        series.append(("same runs, channel closed", runs["incidents_channel_closed"], PALETTE[1]))
    top = int(max(s.max() for _, s, _ in series)) + 1
    width = 0.8 / len(series)
    for i, (label, x, color) in enumerate(series):
        share = np.bincount(x.astype(np.int64), minlength=top)[:top] / len(x)
        ax.bar(np.arange(top) + (i - (len(series) - 1) / 2) * width, share, width, color=color,
               label=f"{label} (mean {x.mean():.2f})")
    ax.set_xlabel("misuse incidents in the run")
    integer_ticks(ax, "x")
    ax.set_ylabel("share of runs")
    ax.set_title("Misuse incidents per run")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")
    return ax


def nonstate_bands(bands: dict[str, np.ndarray], ax: Axes | None = None, step_unit: str = "month",
                   start: dt.date | None = None) -> Axes:
    """Median and 25-75% band over runs of the groups' mean capability and of the safeguards."""
    ax = _axes(ax)
    steps = bands["step"].astype(float)
    if start is not None:
        from ..scenario.resolved import step_date

        steps = np.array([step_date(start, s, step_unit) for s in steps])
    for name, label, color in (("capability", "nonstate capability (mean of groups)", PALETTE[3]),
                               ("safeguards", "safeguards built through the channel", PALETTE[2])):
        ax.fill_between(steps, bands[f"nonstate.{name}.q25"], bands[f"nonstate.{name}.q75"], color=color,
                        alpha=0.25, linewidth=0)
        ax.plot(steps, bands[f"nonstate.{name}.q50"], color=color, label=f"{label}: median, 25-75%")
    ax.set_ylim(0, 1)
    time_axis(ax, step_unit, start)
    ax.set_ylabel("strength (0 to 1)")
    ax.set_title("Nonstate capability and safeguards over time")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return ax
