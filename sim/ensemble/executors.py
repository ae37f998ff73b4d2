"""Where chunks of runs execute: serially, on local processes, or on a Dask cluster.

Every executor has one method, ``map(fn, items)``, returning results in the order of ``items``.
Chunks carry their run indices and every run's random numbers derive from ``(seed, run)``, so
results are identical for any executor, worker count and chunk size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from .lifeline import PARENT_ENV, arm

#: Imported once by the fork server, before it forks any worker: the modules whose functions the
#: executors run (every ``executor.map`` in ``sim``), and with them numpy and Mesa. A worker forked
#: from the server starts with them loaded instead of importing them itself (about 1 s of CPU a
#: worker on a small machine), and a process that starts several pools (the API, the test suite)
#: pays the imports once, as the server lives as long as the process.
WORKER_MODULES = ("sim.ensemble.runner", "sim.ensemble.sensitivity", "sim.calibrate.abc",
                  "sim.forecast.simulate", "sim.api")


class Executor(Protocol):
    workers: int

    def map(self, fn: Callable, items: Iterable) -> Iterator: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Runs chunks one after another in this process."""

    workers = 1

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        return map(fn, items)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ProcessExecutor:
    """Runs chunks on ``workers`` local processes (default: every core)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        # forkserver: workers start from a clean process, unaffected by threads in this one
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":  # the fork server, and through it the workers, die with this process
            os.environ[PARENT_ENV] = str(os.getpid())
            context.set_forkserver_preload(["sim.ensemble.lifeline_preload", *WORKER_MODULES])
        parent = () if method == "forkserver" else (os.getpid(),)  # a worker's parent: fork server or us
        self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=arm, initargs=parent)

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        # a bounded window of chunks in flight keeps memory flat on huge ensembles
        items = iter(items)
        window = []
        for item in items:
            window.append(self._pool.submit(fn, item))
            if len(window) >= 2 * self.workers:
                yield window.pop(0).result()
        for fut in window:
            yield fut.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_executor(workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None,
                  cluster_timeout: float | None = None) -> Any:
    """The executor the command-line options ask for (``workers=1``: serial)."""
    if scheduler or dask_local:
        from .dask_executor import DaskExecutor

        return DaskExecutor(scheduler=scheduler, local_workers=dask_local, cluster_timeout=cluster_timeout)
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
