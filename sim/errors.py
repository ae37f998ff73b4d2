"""Errors users see as one line and exit status 2 (never a traceback).

:class:`UserError` is bad input that is not a scenario problem; a scenario problem is a
:class:`sim.scenario.errors.ScenarioError`, which names the file, the line and the key.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input that is not a scenario problem (a missing results folder, say)."""


__all__ = ["UserError"]
