"""Which names may become folder names: the one rule, light enough for ``sim validate`` to load."""

from __future__ import annotations

import re

#: longest name (scenario, actor, track) the tool accepts
MAX_NAME = 100
SAFE_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


def safe_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a results folder, or None if it can."""
    if not name:
        return "is empty"
    if len(name) > MAX_NAME:
        return f"has {len(name)} characters; at most {MAX_NAME}"
    if name.startswith("."):
        return "starts with a dot"
    if not SAFE_NAME.fullmatch(name):
        bad = next(c for c in name if not SAFE_NAME.fullmatch(c))
        return f"contains {repr(bad)[1:-1]!r}; use letters, digits, '_', '-' and '.' only"
    return None
