"""Worker processes die with their parent: no orphans after the parent is killed (even SIGKILL).

On Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` asks the kernel to kill a process when its parent
ends. Local workers start from multiprocessing's fork server: the fork server is armed when it
imports :mod:`sim.ensemble.lifeline_preload` (its parent is the ``sim`` process), and every worker
is armed by :func:`arm` as its initializer (its parent is the fork server). When ``sim`` dies,
the fork server dies, then the workers; the resource tracker, left with no one holding its pipe,
exits on its own. A process whose parent died before it was armed exits at once (the kernel
would not signal it). Elsewhere :func:`arm` does nothing.
"""

from __future__ import annotations

import os
import signal
import sys

#: the process a worker must find as its parent: set in the fork server, inherited by its forks
EXPECTED_PARENT: int | None = None
#: environment variable through which ``sim`` tells the fork server its own pid
PARENT_ENV = "SIM_LIFELINE_PARENT"


def arm(expected_parent: int | None = None) -> bool:
    """Have the kernel kill this process when its parent ends; True if that is in place."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return False
    parent = expected_parent or EXPECTED_PARENT
    if armed and parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent ended before the kernel was asked: it will never signal us
    return armed
