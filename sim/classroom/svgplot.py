"""Small line charts as inline SVG text: the live page's trust and escalation charts (drawn every
round, so they must be cheap: a matplotlib PNG took most of a Step) and the static page's.

No dependency: the SVG is written by hand; every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float]     # one per x, from x = first
    dashed: bool = False
    steps: bool = False         # drawn as a staircase (levels)


def chart(series: Sequence[Series], lo: float, hi: float, length: int, title: str, first: int = 0,
          y_labels: Sequence[tuple[float, str]] = (), x_label: str = "", width: int = 460, height: int = 170,
          left: int = 44, reveal: str = "") -> str:
    """One chart: x from ``first`` to ``first + length - 1``, y from ``lo`` to ``hi``; a legend with
    the series' names when there is more than one. ``reveal``: an id; the lines are then clipped
    to a rectangle (class ``sim-reveal``) that a script widens round by round (the static page
    draws the whole run once and uncovers it; ``data-x0`` and ``data-dx`` give x of the first
    value and the width of one round)."""
    right, top, bottom = 10, 20, 28
    pw, ph = width - left - right, height - top - bottom
    span = max(length - 1, 1)

    def px(i: float) -> float:
        return left + pw * (i - first) / span

    def py(v: float) -> float:
        return top + ph * (1 - (v - lo) / ((hi - lo) or 1))

    data = f" data-x0='{px(first):.1f}' data-dx='{pw / span:.3f}'" if reveal else ""
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' class='sim-chart' width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}' font-family='sans-serif' role='img' aria-label='{escape(title)}'{data}>",
           f"<text x='{left + pw / 2:.1f}' y='13' text-anchor='middle' font-size='12'>{escape(title)}</text>",
           f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='none' stroke='#bbb'/>"]
    for v, label in y_labels:
        y = py(v)
        out.append(f"<line x1='{left}' x2='{left + pw}' y1='{y:.1f}' y2='{y:.1f}' stroke='#eee'/>"
                   f"<text x='{left - 4}' y='{y + 4:.1f}' text-anchor='end' font-size='10'>{escape(label)}</text>")
    every = next(n for n in (1, 2, 5, 10, 20, 50, 100, 10**9) if span / n <= 7)
    ticks = [t for t in range(0, first + span + 1, every) if t >= first]
    for t in ticks:
        out.append(f"<text x='{px(t):.1f}' y='{top + ph + 13}' text-anchor='middle' font-size='10'>{t}</text>")
    if x_label:
        out.append(f"<text x='{left + pw / 2:.1f}' y='{height - 2}' text-anchor='middle' font-size='10'>"
                   f"{escape(x_label)}</text>")
    if reveal:
        out.append(f"<clipPath id='{reveal}'><rect class='sim-reveal' x='{px(first) - 3:.1f}' y='0' width='{width}' "
                   f"height='{height}'/></clipPath><g clip-path='url(#{reveal})'>")
    for s in series:
        pts = []
        for i, v in enumerate(s.values):
            x, y = px(first + i), py(float(v))
            if s.steps and pts:
                pts.append(f"{x:.1f},{pts[-1].split(',')[1]}")
            pts.append(f"{x:.1f},{y:.1f}")
        if pts:
            dash = " stroke-dasharray='5 3'" if s.dashed else ""
            out.append(f"<polyline fill='none' stroke='{s.colour}' stroke-width='2'{dash} points='{' '.join(pts)}'/>")
    if reveal:
        out.append("</g>")
    if len(series) > 1:
        for j, s in enumerate(series):
            x = left + 6 + j * 90
            dash = " stroke-dasharray='5 3'" if s.dashed else ""
            out.append(f"<line x1='{x}' x2='{x + 16}' y1='{top + 8}' y2='{top + 8}' stroke='{s.colour}' "
                       f"stroke-width='2'{dash}/>"
                       f"<text x='{x + 20}' y='{top + 12}' font-size='10'>{escape(s.name)}</text>")
    out.append("</svg>")
    return "".join(out)
