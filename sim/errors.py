"""Errors users see as one line and exit status 2 (never a traceback)."""

from __future__ import annotations

from .scenario.errors import ScenarioError


class UserError(Exception):
    """Bad input that is not a scenario problem (a missing results folder, say)."""


__all__ = ["ScenarioError", "UserError"]
