"""The one writer: a thread that owns the index's writes, fed by a queue.

Each submitted call is one ``Index`` transaction, run in arrival order; its
future is resolved only once that transaction is committed (or has failed and
rolled back). ``close`` runs everything already queued before it returns, so
that a write the service acknowledged is never dropped on shutdown.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from dedup.index import Index

T = TypeVar("T")
_STOP = object()


class Writer:
    """Runs ``fn(index)`` calls one at a time on a thread holding the only writing ``Index``."""

    def __init__(self, open_index: Callable[[], Index]) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(open_index,), name="dedup-writer", daemon=True)
        self._thread.start()
        self._ready.result()

    def submit(self, fn: Callable[[Index], T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((fn, future))
        return future

    def pending(self) -> int:
        return self._queue.qsize()

    def close(self) -> None:
        """Finish the queued writes, then close the index."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self, open_index: Callable[[], Index]) -> None:
        try:
            index = open_index()
        except BaseException as err:
            self._ready.set_exception(err)
            return
        self._ready.set_result(None)
        with index:
            while (item := self._queue.get()) is not _STOP:
                fn, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(fn(index))
                except BaseException as err:
                    future.set_exception(err)
