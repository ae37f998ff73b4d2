"""Chunks on a Dask distributed cluster: an existing one (``tcp://HOST:PORT``) or a local one.

Optional: needs the ``dask`` dependency group. Every task is submitted with ``pure=False`` so
Dask never merges two chunks as duplicates of one "pure" call.

Faults: Dask itself resubmits the chunks of a lost worker to the workers that remain. While a
chunk is awaited, the executor watches the cluster; when no worker is left, or the scheduler is
gone, for ``cluster_timeout`` seconds (``--cluster-timeout``, default 60), it gives up with a
one-line :class:`UserError`, and the results folder being written is removed like on any error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from ..errors import UserError

INSTALL = "pip install '.[dask]' in the project's folder (a clone of the repository)"
#: seconds without a worker (or without the scheduler) before a run gives up
CLUSTER_TIMEOUT = 60.0
#: seconds between two looks at the cluster while a chunk is awaited
POLL = 0.5


class _Quiet:
    """Raise some loggers to CRITICAL until :meth:`restore`."""

    def __init__(self, *names: str):
        import logging

        self.loggers = [logging.getLogger(n) for n in names]
        self.levels = [lg.level for lg in self.loggers]
        for lg in self.loggers:
            lg.setLevel(logging.CRITICAL)

    def restore(self) -> None:
        for lg, level in zip(self.loggers, self.levels):
            lg.setLevel(level)


class DaskExecutor:
    def __init__(self, scheduler: str | None = None, local_workers: int | None = None,
                 cluster_timeout: float | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UserError(f"Dask is not installed: {INSTALL}") from None
        self.cluster_timeout = CLUSTER_TIMEOUT if cluster_timeout is None else float(cluster_timeout)
        self.address = scheduler or "a local cluster"
        self._cluster = None
        # the run reports a lost scheduler in one line (below); not also in Dask's own log lines
        self._quiet = _Quiet("distributed.client", "distributed.worker", "distributed.core")
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="10s")
            except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address at all
                self._quiet.restore()
                raise UserError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        else:
            self._cluster = LocalCluster(n_workers=local_workers or 2, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or (local_workers or 1))

    def _live_workers(self) -> int | None:
        """Workers the scheduler knows now, or None if the scheduler cannot be reached."""
        if self._client.status not in ("running", "connecting"):
            return None
        try:
            info = self._client.scheduler_info()  # a fresh fetch for a synchronous client
        except Exception:  # noqa: BLE001 - any failure to talk to the scheduler means it is gone
            return None
        return len(info.get("workers", {}))

    def _result(self, fut):
        """The chunk's result, watching the cluster while it is computed."""
        from dask.distributed import wait

        lost_since = None
        while True:
            try:
                done, _ = wait([fut], timeout=POLL)
            except Exception:  # noqa: BLE001 - the wait itself failed: treat as a lost scheduler
                done = set()
            if done:
                try:
                    return fut.result()
                except (OSError, TimeoutError) as exc:
                    raise UserError(f"lost the Dask scheduler at {self.address}: {exc.__class__.__name__}") from None
                except Exception as exc:
                    if type(exc).__name__ in ("KilledWorker", "CancelledError", "CommClosedError"):
                        raise UserError(f"the Dask cluster at {self.address} lost this chunk's workers "
                                        f"({type(exc).__name__})") from None
                    raise
            live = self._live_workers()
            if live:
                lost_since = None
                continue
            lost_since = lost_since or time.monotonic()
            if time.monotonic() - lost_since >= self.cluster_timeout:
                what = "no scheduler" if live is None else "no worker"
                raise UserError(f"Dask cluster at {self.address}: {what} for {self.cluster_timeout:g} s; "
                                "giving up (no complete results folder was written; see --cluster-timeout)")

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        """Results in the order of ``items``, with a bounded number of tasks in flight."""
        window = []
        for item in items:
            window.append(self._client.submit(fn, item, pure=False))
            if len(window) >= 2 * self.workers:
                yield self._result(window.pop(0))
        for fut in window:
            yield self._result(fut)

    def close(self) -> None:
        try:
            self._client.close(timeout=5)
        except Exception:  # noqa: BLE001 - closing a client whose scheduler is gone
            pass
        if self._cluster is not None:
            self._cluster.close()
        self._quiet.restore()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
