"""The ``sim`` command: a thin layer that parses arguments and calls one library function.

Subcommands live in ``sim/commands/`` (one module each). Any :class:`ScenarioError` or
:class:`UserError` becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from . import commands
from .errors import ScenarioError, UserError


def _terminate(signum, frame):
    """SIGTERM unwinds like Ctrl-C, so unfinished results folders are cleaned up."""
    raise KeyboardInterrupt


class _Parser(argparse.ArgumentParser):
    """Bad arguments are one line (with a pointer to --help) and exit status 2."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="sim", description="US-China policy-negotiation simulator.")
    sub = p.add_subparsers(dest="command", required=True)
    for module in commands.modules():
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    args = parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except (ScenarioError, UserError) as exc:
        for line in str(exc).splitlines() or [""]:  # several problems in a scenario: one line each
            print(f"error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: no complete results folder was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
