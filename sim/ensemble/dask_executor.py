"""Chunks on a Dask distributed cluster: an existing one (``tcp://HOST:PORT``) or a local one.

Optional: needs the ``dask`` dependency group. Every task is submitted with ``pure=False`` so
Dask never merges two chunks as duplicates of one "pure" call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ..errors import UserError

INSTALL = "pip install 'sim-negotiation[dask]'"


class DaskExecutor:
    def __init__(self, scheduler: str | None = None, local_workers: int | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise UserError(f"Dask is not installed: {INSTALL}") from None
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="10s")
            except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address at all
                raise UserError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        else:
            self._cluster = LocalCluster(n_workers=local_workers or 2, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or (local_workers or 1))

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        """Results in the order of ``items``, with a bounded number of tasks in flight."""
        window = []
        for item in items:
            window.append(self._client.submit(fn, item, pure=False))
            if len(window) >= 2 * self.workers:
                yield window.pop(0).result()
        for fut in window:
            yield fut.result()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
