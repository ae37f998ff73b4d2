"""The ``sim`` command: a thin layer that parses arguments and calls one library function.

Subcommands live in ``sim/commands/`` (one module each). Every error a user can cause or meet
becomes one line on stderr and an exit status, never a traceback (see docs/errors.md):

- a bad scenario (:class:`ScenarioError`) or other bad input (:class:`UserError`): status 2;
- the operating system refusing a read or a write (:class:`OSError`: read-only or full disk, a
  path through a file, a name too long, no permission): status 2, and any unfinished results
  folder is removed on the way out, so nothing that looks complete is left;
- not enough memory (:class:`MemoryError`): status 2;
- Ctrl-C or SIGTERM at any moment, start-up included: status 130.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys

from .errors import UserError
from .scenario.errors import ScenarioError

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
INTERRUPTED = "interrupted: no complete results folder was written"


def _terminate(signum, frame):
    """SIGTERM unwinds like Ctrl-C, so unfinished results folders are cleaned up."""
    raise KeyboardInterrupt


class _Parser(argparse.ArgumentParser):
    """Bad arguments are one line (with a pointer to --help) and exit status 2."""

    def error(self, message: str):
        from .scenario.errors import one_line

        self.exit(EXIT_ERROR, one_line(f"error: {self.prog}: {message} (see {self.prog} --help)") + "\n")


@functools.lru_cache(maxsize=1)
def parser() -> argparse.ArgumentParser:
    """The ``sim`` parser, built once per process (parsing leaves it unchanged; building it is
    most of an in-process ``main()`` call for a quick command)."""
    from . import commands

    p = _Parser(prog="sim", description="US-China policy-negotiation simulator.")
    sub = p.add_subparsers(dest="command", required=True)
    for module in commands.modules():
        module.register(sub)
    return p


def os_error_message(exc: OSError) -> str:
    """One line for an operating-system error: what failed, on which path."""
    reason = exc.strerror or exc.__class__.__name__
    paths = [_short(str(p)) for p in (exc.filename, exc.filename2) if p is not None]
    where = f": {' -> '.join(paths)}" if paths else ""
    return f"cannot write or read{where} ({reason})"


def _short(text: str, width: int = 100) -> str:
    return text if len(text) <= width else f"{text[:50]}...{text[-(width - 53):]}"


def _say(message: str) -> None:
    from .scenario.errors import one_line

    try:
        print(one_line(f"error: {message}"), file=sys.stderr)
    except OSError:  # stderr itself is gone
        pass


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C while starting up or while reporting
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    args = parser().parse_args(argv)
    args.argv = argv
    try:
        if getattr(args, "max_memory", None) is None and getattr(args, "max_time", None) is None:
            return args.func(args)
        from . import budget

        with budget.limited(args.max_memory), budget.time_limited(args.max_time):  # for this command only
            return args.func(args)
    except (ScenarioError, UserError) as exc:
        # several problems in one scenario: one line each; anything else: one line
        lines = str(exc).splitlines() if isinstance(exc, ScenarioError) else [str(exc)]
        for line in lines or [""]:
            _say(line)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # read-only or full disk, a file where a folder should be, a name too long
        _say(os_error_message(exc))
        return EXIT_ERROR
    except MemoryError:
        _say("out of memory: use fewer runs or a smaller --chunk-size")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
