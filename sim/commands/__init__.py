"""Subcommands of ``sim``: each module has ``register(subparsers)`` adding its parser.

Modules are discovered, so a new command is a new module here; ``ORDER`` sorts the help listing.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil


def _whole(text: str, least: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"expected {what} >= {least}, got {value}")
    return value


def positive(text: str) -> int:
    """argparse type: a whole number >= 1."""
    return _whole(text, 1, "a number")


def seed(text: str) -> int:
    """argparse type: a seed from 0 to 2**128 - 1, the bound of a scenario's ``seed:`` (bounds.MAX_SEED)."""
    from ..scenario.bounds import MAX_SEED

    if len(text) > 60:  # a 128-bit number has 39 digits; never echo a megabyte of digits
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to 2**128 - 1, got a {len(text):,}-character value")
    value = _whole(text, 0, "a seed")
    if value > MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to 2**128 - 1, got {value}")
    return value


#: the most runs one command may ask for (memory is estimated and checked as well, budget.py)
MAX_RUNS = 10**9
#: the most local worker processes
MAX_WORKERS = 256


def runs_count(text: str) -> int:
    """argparse type: a number of runs, 1 to MAX_RUNS."""
    value = _whole(text, 1, "a number")
    if value > MAX_RUNS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_RUNS:,} runs, got {value:,}")
    return value


def run_index(text: str) -> int:
    """argparse type: the index of a run, 0 to MAX_RUNS - 1."""
    value = _whole(text, 0, "a run index")
    if value >= MAX_RUNS:
        raise argparse.ArgumentTypeError(f"expected a run index below {MAX_RUNS:,}, got {value:,}")
    return value


def workers_count(text: str) -> int:
    """argparse type: a number of processes, 1 to MAX_WORKERS."""
    value = _whole(text, 1, "a number")
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_WORKERS} processes, got {value:,}")
    return value


def memory_size(text: str) -> int:
    """argparse type: a memory size such as 8G or 512M."""
    from ..budget import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def time_span(text: str) -> float:
    """argparse type: a duration such as 2h, 90m or 3600 (seconds)."""
    from ..budget import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_memory_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-memory", type=memory_size, metavar="SIZE",
                   help="refuse ensembles estimated to need more memory than this, e.g. 8G "
                        "(default: SIM_MAX_MEMORY, else half of this machine's memory)")
    p.add_argument("--max-time", type=time_span, metavar="DURATION",
                   help="refuse ensembles estimated to take longer than this to simulate, e.g. 6h "
                        "(default: SIM_MAX_TIME, else 2h at a generous rate measured for this simulator)")


def add_scenario_options(p: argparse.ArgumentParser, runs: bool = True) -> None:
    """The options every scenario-running command shares."""
    p.add_argument("scenario", help="scenario YAML file")
    if runs:
        p.add_argument("--runs", type=runs_count, help="number of runs (default: the scenario's)")
        add_memory_option(p)
    p.add_argument("--seed", type=seed, help="master seed (default: the scenario's)")
    add_set_option(p)


def add_set_option(p: argparse.ArgumentParser, posterior: bool = True) -> None:
    """``--set PATH=VALUE``, repeatable: the one declaration every command shares; with it
    ``--override-posterior`` (a set value may win over the scenario's calibration table)."""
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override a scenario value, e.g. actors.US.noise=0.1 (repeatable)")
    if posterior:
        p.add_argument("--override-posterior", action="store_true",
                       help="let --set, --vary, a lever or an analysis set a parameter that the scenario's "
                            "calibration table (parameters: {from: ...}) names: its column is then ignored "
                            "and the set value applies (default: refused; see docs/calibration.md)")


def modules() -> list:
    found = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]
    return sorted((m for m in found if hasattr(m, "register")), key=lambda m: (getattr(m, "ORDER", 50), m.__name__))
