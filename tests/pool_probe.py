"""Run on local worker processes by tests/test_scale.py; imports nothing of ``sim`` itself."""

import sys


def loaded(name: str) -> bool:
    return name in sys.modules
