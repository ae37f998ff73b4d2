"""Saving a matplotlib figure with every text shown literally.

Titles, axis labels, legends and tick labels hold user text (scenario titles, track, rung and
event names); matplotlib would read ``$...$`` in them as mathtext, and a name such as ``$\\x$``
would make the save fail after the whole simulation. Saving through :func:`savefig` turns
mathtext off for the figure's texts, including tick labels created while drawing.

It also makes an SVG the same bytes each time it is drawn: matplotlib names the SVG's shared
paths and clips with random ids unless ``svg.hashsalt`` is set (with a fixed salt the ids are a
hash of the content), and writes the date unless told not to. PNGs were reproducible already.
"""

from __future__ import annotations

#: the salt of the SVG ids (any fixed text: the ids then depend on the figure only)
SVG_SALT = "sim-negotiation"


def literal_text(fig) -> None:
    """Show every text of ``fig`` as written (no mathtext)."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)


def savefig(fig, target, **kwargs) -> None:
    """``fig.savefig(target, **kwargs)`` with mathtext off for every text in the figure; an SVG
    (a ``.svg`` path) with fixed ids and no date."""
    import warnings
    from pathlib import PurePath

    import matplotlib

    if isinstance(target, (str, PurePath)) and str(target).endswith(".svg"):
        kwargs.setdefault("metadata", {"Date": None})

    with matplotlib.rc_context({"text.parse_math": False, "svg.hashsalt": SVG_SALT}), warnings.catch_warnings():
        # a character the font lacks (a tab, a CJK name) is drawn as a box, not a warning on stderr
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        literal_text(fig)
        fig.savefig(target, **kwargs)
