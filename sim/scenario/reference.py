"""The reference class of earlier US-China channels: a CSV of episodes and what it implies.

A file has one row per episode (how a channel stopped and whether it restarted), with the columns
:data:`COLUMNS`; ``#`` lines are comments. :func:`load_reference` reads and checks it with the
standard library only (``sim validate`` of a scenario naming a file stays light); every problem is
one :class:`ScenarioError` naming the file, the line and the column. :func:`figures` computes the
outside view (docs/reference_class.md), importing SciPy on first use:

- the share of new channels that lapse within 24 months of opening (Wilson interval);
- the freeze probability per sovereignty shock, only when a number of shocks is given (the file
  lists freezes after shocks, never shocks without a freeze);
- the Kaplan-Meier median months to restart after a freeze (episodes not restarted are censored);
- the share of restarts at or after a leaders' meeting or a top-level visit (Wilson interval);
- the Beta and Gamma priors these imply, written as scenario YAML.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Origin, ScenarioError, suggest

#: the columns every file must have (others, e.g. ``notes``, are allowed and ignored)
COLUMNS = ("channel", "opened", "stopped", "how", "trigger", "by", "shock", "restarted", "occasion",
           "new_channel", "censored_at", "source_dates")
HOW = ("freeze", "lapse")
OCCASIONS = ("leaders_meeting", "top_level_visit", "before_leaders_meeting", "unstated")
#: restarts that count as "at or after a leaders' meeting or a top-level visit"
AT_MEETING = ("leaders_meeting", "top_level_visit")
YES_NO = {"yes": True, "no": False}
#: a new channel "lapses early" if its lapse begins within this many months of its opening
LAPSE_MONTHS = 24
#: mean length of a month in days (dates are turned into months with it)
MONTH_DAYS = 365.25 / 12
#: the prior on the thaw rate (per month) before the record: Gamma(shape, rate), the Jeffreys prior
#: of an exponential rate (density proportional to rate**-0.5; improper, proper once one month is seen)
GAMMA_PRIOR = (0.5, 0.0)
#: the prior of a share before the record: Jeffreys' Beta(0.5, 0.5)
BETA_PRIOR = (0.5, 0.5)
CONFIDENCE = 0.95
MAX_BYTES = 1_000_000

_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass(frozen=True)
class Episode:
    """One row: a channel that stopped (or, with ``how`` None, had not stopped by ``censored_at``)."""

    line: int
    channel: str
    opened: dt.date | None
    stopped: dt.date | None
    how: str | None
    trigger: str
    by: str
    shock: str
    restarted: dt.date | None
    occasion: str
    new_channel: bool
    censored_at: dt.date | None

    @property
    def end(self) -> dt.date:
        """The restart, else the date the record stops (censoring)."""
        return self.restarted or self.censored_at  # type: ignore[return-value]


@dataclass(frozen=True)
class ReferenceClass:
    """The episodes of one file (``file`` as given, ``path`` absolute)."""

    file: str
    path: str
    episodes: tuple[Episode, ...]

    @property
    def freezes(self) -> tuple[Episode, ...]:
        return tuple(e for e in self.episodes if e.how == "freeze")

    @property
    def lapses(self) -> tuple[Episode, ...]:
        return tuple(e for e in self.episodes if e.how == "lapse")


def months(a: dt.date, b: dt.date) -> float:
    """Months from ``a`` to ``b`` (days over the mean month)."""
    return (b - a).days / MONTH_DAYS


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD``, or ``YYYY-MM`` read as the 15th of the month; ``ValueError`` otherwise."""
    m = _DATE.fullmatch(text)
    if not m:
        raise ValueError(f"'{text}' is not a date: expected YYYY-MM or YYYY-MM-DD")
    y, mo, d = int(m[1]), int(m[2]), int(m[3]) if m[3] else 15
    try:
        return dt.date(y, mo, d)
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a date ({exc})") from None


def load_reference(path: str | Path) -> ReferenceClass:
    """Read and check a reference-class CSV; a problem is a one-line :class:`ScenarioError`."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise ScenarioError(f"no such reference-class file '{name}'" if not path.exists()
                            else f"'{name}' is not a regular file")
    if path.stat().st_size > MAX_BYTES:
        raise ScenarioError(f"'{name}' is larger than {MAX_BYTES:,} bytes")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError("not UTF-8 text", Origin(name, line)) from None
    return parse_reference(text, name, str(path.resolve()))


def parse_reference(text: str, file: str = "<text>", path: str = "") -> ReferenceClass:
    """The episodes of a reference-class CSV held in ``text`` (``file`` names it in errors)."""
    lines = [(i, ln) for i, ln in enumerate(text.splitlines(), start=1)
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ScenarioError("no header line: expected the columns " + ", ".join(COLUMNS), Origin(file))
    rows = list(csv.reader(io.StringIO("\n".join(ln for _, ln in lines))))
    if len(rows) != len(lines):  # a quoted cell spanning lines
        raise ScenarioError("a quoted cell spans several lines: keep each episode on one line", Origin(file))
    head_line, header = lines[0][0], [h.strip() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ScenarioError(f"missing column '{missing[0]}'{suggest(missing[0], header)} "
                            f"(expected {', '.join(COLUMNS)})", Origin(file, head_line))
    twice = [h for i, h in enumerate(header) if h in header[:i]]
    if twice:
        raise ScenarioError(f"column '{twice[0]}' appears twice", Origin(file, head_line))
    episodes = [_episode(file, line, header, row) for (line, _), row in zip(lines[1:], rows[1:])]
    if not episodes:
        raise ScenarioError("no episodes (only a header)", Origin(file, head_line))
    return ReferenceClass(file, path, tuple(episodes))


def _episode(file: str, line: int, header: list[str], row: list[str]) -> Episode:
    def fail(column: str, message: str) -> ScenarioError:
        return ScenarioError(message, Origin(file, line), (column,) if column else ())

    if len(row) != len(header):
        raise fail("", f"{len(row)} cells, expected {len(header)} (one per column)")
    cell = {h: v.strip() for h, v in zip(header, row)}

    def date(column: str) -> dt.date | None:
        if not cell[column]:
            return None
        try:
            return parse_date(cell[column])
        except ValueError as exc:
            raise fail(column, str(exc)) from None

    def choice(column: str, allowed, blank_ok: bool = True) -> str:
        v = cell[column]
        if (v or not blank_ok) and v not in allowed:
            raise fail(column, f"unknown value '{v}'{suggest(v, allowed)}: expected "
                               + " or ".join(f"'{a}'" for a in allowed))
        return v

    if not cell["channel"]:
        raise fail("channel", "an episode needs the channel's name")
    opened, stopped, restarted, censored = date("opened"), date("stopped"), date("restarted"), date("censored_at")
    how = choice("how", HOW) or None
    occasion = choice("occasion", OCCASIONS)
    new = YES_NO[choice("new_channel", tuple(YES_NO), blank_ok=False)]
    if how and stopped is None:
        raise fail("stopped", f"a {how} needs the date the channel stopped")
    if how is None and (stopped or restarted):
        raise fail("how", "a channel that stopped needs how: 'freeze' or 'lapse'")
    if how == "freeze" and not cell["shock"]:
        raise fail("shock", "a freeze needs the kind of shock that triggered it (e.g. sovereignty)")
    if opened and stopped and stopped < opened:
        raise fail("stopped", f"{stopped} is before the channel opened ({opened})")
    if restarted and stopped and restarted < stopped:
        raise fail("restarted", f"{restarted} is before the channel stopped ({stopped})")
    if restarted and not occasion:
        raise fail("occasion", "a restart needs its occasion: " + ", ".join(OCCASIONS))
    if occasion and not restarted:
        raise fail("occasion", "an occasion is given but no restart date")
    if restarted is None and censored is None:
        raise fail("censored_at", "an episode not restarted needs the date the record stops (censored_at)")
    if censored and (stopped or opened) and censored < (stopped or opened):
        raise fail("censored_at", f"{censored} is before the episode began ({stopped or opened})")
    if new and opened is None:
        raise fail("opened", "a new channel needs the date it opened")
    return Episode(line, cell["channel"], opened, stopped, how, cell["trigger"], cell["by"], cell["shock"],
                   restarted, occasion, new, censored)


# -- figures --------------------------------------------------------------------------------------


def share(k: int, n: int, confidence: float = CONFIDENCE) -> dict:
    """k of n with the Wilson score interval (scipy) and the Jeffreys posterior Beta(k + 1/2, n - k + 1/2)."""
    if n == 0:
        return {"k": 0, "n": 0, "p": None, "lo": None, "hi": None, "beta": None}
    from ..distributions import wilson

    lo, hi = wilson(int(k), int(n), confidence)
    return {"k": int(k), "n": int(n), "p": k / n, "lo": lo, "hi": hi,
            "beta": [BETA_PRIOR[0] + k, BETA_PRIOR[1] + n - k]}


def km_median(times, observed, confidence: float = CONFIDENCE) -> dict:
    """Kaplan-Meier median of ``times`` (``observed`` False: censored there) with its interval.

    The survival curve and its pointwise log-log (Greenwood) band are scipy's ``ecdf``; the median's
    interval is where the band crosses 1/2 (Brookmeyer and Crowley 1982): from the first time the
    lower limit is at or below 1/2 to the first time the upper limit is (None: not reached).
    """
    import numpy as np

    from ..distributions import kaplan_meier

    t = np.asarray(times, dtype=float)
    obs = np.asarray(observed, dtype=bool)
    n, events = int(len(t)), int(obs.sum())
    if events == 0:
        return {"median": None, "lo": None, "hi": None, "events": 0, "censored": n}
    at, s, low, high = kaplan_meier(t[obs], t[~obs], confidence)  # the band: NaN where S(t) is 0
    lo = np.where(np.isnan(low), s, low)
    hi = np.where(np.isnan(high), s, high)

    def first(curve) -> float | None:
        below = np.nonzero(curve <= 0.5)[0]
        return float(at[below[0]]) if len(below) else None

    return {"median": first(s), "lo": first(lo), "hi": first(hi), "events": events, "censored": n - events}


def gamma_rate(events: int, exposure: float, confidence: float = CONFIDENCE) -> dict:
    """Posterior Gamma(a0 + events, b0 + exposure) of a monthly rate (exponential waiting times with
    censoring), its interval, the mean months it implies, and the monthly probability 1 - exp(-rate)
    as a Beta with the same mean and variance (the scenario language has no Gamma)."""
    from ..distributions import gamma_ppf

    a, b = GAMMA_PRIOR[0] + events, GAMMA_PRIOR[1] + exposure
    lo, hi = (float(x) for x in gamma_ppf([(1 - confidence) / 2, (1 + confidence) / 2], a, scale=1 / b))
    # p = 1 - exp(-rate): E[exp(-k rate)] = (b / (b + k))**a under Gamma(a, b)
    m = 1 - (b / (b + 1)) ** a
    v = (b / (b + 2)) ** a - (b / (b + 1)) ** (2 * a)
    c = m * (1 - m) / v - 1
    return {"events": int(events), "exposure_months": float(exposure), "gamma": [a, b],
            "rate": a / b, "lo": lo, "hi": hi, "mean_months": b / a,
            "monthly_probability": {"mean": m, "beta": [m * c, (1 - m) * c]}}


def lapse_share(rc: ReferenceClass, within: int = LAPSE_MONTHS) -> dict:
    """New channels whose first stop was a lapse within ``within`` months of opening, among the new
    channels whose first ``within`` months are known (stopped, or observed that long)."""
    first: dict[str, Episode] = {}
    for e in sorted((e for e in rc.episodes if e.new_channel), key=lambda e: e.stopped or dt.date.max):
        first.setdefault(e.channel, e)
    known = lapsed = 0
    unknown = []
    for e in first.values():
        if e.stopped is not None:
            known += 1
            lapsed += e.how == "lapse" and months(e.opened, e.stopped) <= within
        elif months(e.opened, e.censored_at) >= within:
            known += 1
        else:
            unknown.append(e.channel)
    return {**share(lapsed, known), "months": within, "not_yet_known": unknown}


def shocks(rc: ReferenceClass, kind: str = "sovereignty") -> list[tuple[dt.date, str]]:
    """The distinct shocks of ``kind`` after which some channel froze: (date, trigger), by date."""
    return sorted({(e.stopped, e.trigger) for e in rc.freezes if e.shock == kind})


def freeze_per_shock(rc: ReferenceClass, assumed_shocks: int | None = None) -> dict:
    """P(a sovereignty shock freezes at least one channel). The file lists freezes after shocks and
    no shock that froze nothing, so this needs ``assumed_shocks``: the number of such shocks in the
    period, those that froze something included; without it the figure is None."""
    found = shocks(rc)
    base = {"freezes": sum(e.shock == "sovereignty" for e in rc.freezes), "shocks_with_freeze": len(found),
            "by_china": sum(e.by == "China" for e in rc.freezes if e.shock == "sovereignty"),
            "assumed_shocks": assumed_shocks}
    if assumed_shocks is None:
        return {**base, **share(0, 0)}
    if assumed_shocks < len(found):
        from ..errors import UserError

        raise UserError(f"--shocks {assumed_shocks} is fewer than the {len(found)} distinct shocks after "
                        f"which the file records a freeze")
    return {**base, **share(len(found), assumed_shocks)}


def restart_times(rc: ReferenceClass) -> tuple[list[float], list[bool]]:
    """Months from each freeze to its restart (observed) or to its censoring date (not observed)."""
    f = rc.freezes
    return [months(e.stopped, e.end) for e in f], [e.restarted is not None for e in f]


def figures(rc: ReferenceClass, assumed_shocks: int | None = None) -> dict:
    """Everything ``sim reference-class`` prints, as plain data (JSON-ready)."""
    times, observed = restart_times(rc)
    restarted = [e for e in rc.freezes if e.restarted]
    at_meeting = sum(e.occasion in AT_MEETING for e in restarted)
    exposure = sum(times)
    censor_dates = sorted({e.censored_at for e in rc.episodes if e.restarted is None and e.censored_at})
    return {
        "file": rc.file,
        "episodes": len(rc.episodes), "freezes": len(rc.freezes), "lapses": len(rc.lapses),
        "not_stopped": sum(e.how is None for e in rc.episodes),
        "censored_at": [d.isoformat() for d in censor_dates],
        "lapse_within_24_months": lapse_share(rc),
        "freeze_per_shock": freeze_per_shock(rc, assumed_shocks),
        "months_to_restart": {**km_median(times, observed), "times": [round(t, 2) for t in times],
                              "restarted": observed},
        "restart_at_meeting": share(at_meeting, len(restarted)),
        "thaw_rate": gamma_rate(len(restarted), exposure),
        "thaw_rate_not_at_meeting": gamma_rate(len(restarted) - at_meeting, exposure),
    }


def _num(x, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _beta(ab) -> str:
    return f"{{beta: [{ab[0]:.3g}, {ab[1]:.3g}]}}"


def describe(f: dict) -> list[str]:
    """The figures in plain words, one line each (what ``sim reference-class`` prints)."""
    lap, fr, km, meet = (f["lapse_within_24_months"], f["freeze_per_shock"], f["months_to_restart"],
                         f["restart_at_meeting"])
    th, own = f["thaw_rate"], f["thaw_rate_not_at_meeting"]
    pct = f"{CONFIDENCE:.0%}"
    out = [f"reference class {f['file']}: {f['episodes']} episodes ({f['freezes']} freezes, {f['lapses']} lapses, "
           f"{f['not_stopped']} not stopped), censored at {', '.join(f['censored_at']) or 'no date'}"]
    later = f"; not yet known: {', '.join(lap['not_yet_known'])}" if lap["not_yet_known"] else ""
    out.append(f"new channels that lapse within {lap['months']} months of opening: {_num(lap['p'])} "
               f"[{_num(lap['lo'])}, {_num(lap['hi'])}] (Wilson {pct}; {lap['k']} of {lap['n']} new channels{later})")
    if fr["n"]:
        out.append(f"freeze probability per sovereignty shock: {_num(fr['p'])} [{_num(fr['lo'])}, {_num(fr['hi'])}] "
                   f"(Wilson {pct}; {fr['k']} shocks with a freeze of {fr['n']} assumed)")
    else:
        out.append(f"freeze probability per sovereignty shock: not estimable from the file: {fr['freezes']} freezes "
                   f"follow {fr['shocks_with_freeze']} distinct shocks ({fr['by_china']} freezes by China), and no "
                   f"shock without a freeze is listed (give --shocks N to assume how many shocks there were)")
    rng = f"[{_num(km['lo'], 1)}, {'not reached' if km['hi'] is None else _num(km['hi'], 1)}]"
    out.append(f"median months to restart after a freeze: {_num(km['median'], 1)} {rng} (Kaplan-Meier, log-log "
               f"{pct}; {km['events']} restarts, {km['censored']} not restarted, censored)")
    out.append(f"restarts at or after a leaders' meeting or top-level visit: {_num(meet['p'])} "
               f"[{_num(meet['lo'])}, {_num(meet['hi'])}] (Wilson {pct}; {meet['k']} of {meet['n']} restarts)")
    out.append(f"thaw rate (exponential, censored): {_num(th['rate'], 4)} a month [{_num(th['lo'], 4)}, "
               f"{_num(th['hi'], 4)}], Gamma({th['gamma'][0]:.3g}, {th['gamma'][1]:.4g}) from {th['events']} "
               f"restarts in {th['exposure_months']:.1f} months frozen: mean {th['mean_months']:.1f} months to restart")
    out.append("priors a scenario can paste (Jeffreys priors updated by the file):")
    out.append(f"  lapse share within {lap['months']} months: " + (_beta(lap["beta"]) if lap["beta"] else "n/a"))
    out.append("  freeze probability per sovereignty shock: "
               + (_beta(fr["beta"]) if fr["beta"] else "n/a (needs --shocks N)"))
    out.append(f"  share of restarts at a leaders' meeting or visit: {_beta(meet['beta'])}" if meet["beta"]
               else "  share of restarts at a leaders' meeting or visit: n/a")
    out.append(f"  thaw_rate: {_beta(th['monthly_probability']['beta'])}   # every restart; monthly chance, "
               f"moment-matched to Gamma({th['gamma'][0]:.3g}, {th['gamma'][1]:.4g})")
    out.append(f"  thaw_rate: {_beta(own['monthly_probability']['beta'])}   # when leaders' meetings thaw by "
               f"an event: restarts not at a meeting or visit only, Gamma({own['gamma'][0]:.3g}, "
               f"{own['gamma'][1]:.4g})")
    return out


def reference_figures(path: str | Path, assumed_shocks: int | None = None) -> dict:
    """:func:`figures` of the file at ``path`` (checked by :func:`load_reference`)."""
    return figures(load_reference(path), assumed_shocks)


def resolve_reference(builder, value: str | None) -> ReferenceClass | None:
    """``reference_class: PATH`` of a scenario (relative to the file that says it), loaded and checked.

    A missing or bad file is an error at the key's line. The scenario's data then names the file by
    its absolute path, so the ``scenario.yaml`` stored in a results folder still finds it.
    """
    if value is None:
        return None
    where = ("reference_class",)
    origin = builder.src.origin(where)
    here = Path(origin.file).parent if origin.file and not origin.file.startswith(("<", "--")) else Path(".")
    path = here / value
    try:
        rc = load_reference(path)
    except ScenarioError as exc:
        raise builder.fail(where, str(exc)) from None
    except OSError as exc:
        raise builder.fail(where, f"cannot read '{path}' ({exc.strerror or exc.__class__.__name__})") from None
    if isinstance(builder.src.data, dict) and builder.src.data.get("reference_class") == value:
        builder.src.data["reference_class"] = rc.path
    return rc
