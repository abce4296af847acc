"""The one writer: a thread that owns the index's writes, fed by a queue.

Calls run in arrival order, each in its own ``Index`` transaction, except that
posts waiting together are committed together (group commit): the index's cost
per batch is much larger than per document, so one transaction for the posts
queued behind a slow one keeps the ingest rate up under many clients. A group
that fails (one post conflicts with the index) rolls back whole and its posts
are run again one by one, so only the bad post fails. A future is resolved
only once its transaction is committed (or has rolled back). ``close`` runs
everything already queued before it returns, so that a write the service
acknowledged is never dropped on shutdown.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from dedup.index import EventKind, Index, Judged
from dedup.records import Document

T = TypeVar("T")
_STOP = object()


@dataclass(frozen=True)
class _Add:
    docs: list[Document]
    future: Future[Judged]


class Writer:
    """Runs writes one transaction at a time on a thread holding the only writing ``Index``.

    ``group`` caps the documents committed together by group commit.
    """

    def __init__(self, open_index: Callable[[], Index], group: int = 1000) -> None:
        self.group = group
        self._queue: queue.Queue[Any] = queue.Queue()
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(open_index,), name="dedup-writer", daemon=True)
        self._thread.start()
        self._ready.result()

    def add(self, docs: list[Document]) -> Future[Judged]:
        """``Index.add(docs)``, possibly in one transaction with other posts waiting at the same time."""
        future: Future[Judged] = Future()
        self._queue.put(_Add(docs, future))
        return future

    def submit(self, fn: Callable[[Index], T]) -> Future[T]:
        """Any other write, ``fn(index)``, in a transaction of its own."""
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
        held = None
        with index:
            while (item := held if held is not None else self._queue.get()) is not _STOP:
                held = None
                if isinstance(item, _Add):
                    group = [item]
                    size = len(item.docs)
                    while size < self.group:
                        try:
                            held = self._queue.get_nowait()
                        except queue.Empty:
                            break
                        if not isinstance(held, _Add):
                            break
                        group.append(held)
                        size += len(held.docs)
                        held = None
                    self._add(index, group)
                else:
                    fn, future = item
                    _resolve(future, lambda: fn(index))

    def _add(self, index: Index, group: list[_Add]) -> None:
        if len(group) == 1:
            _resolve(group[0].future, lambda: index.add(group[0].docs))
            return
        try:
            judged = index.add([d for post in group for d in post.docs])
        except Exception:
            for post in group:
                _resolve(post.future, lambda: index.add(post.docs))
            return
        for post, part in zip(group, split(judged, [post.docs for post in group])):
            post.future.set_result(part)


def split(judged: Judged, posts: list[list[Document]]) -> list[Judged]:
    """A group's result as each post's: its documents' events in order, then every revision of the group."""
    per_doc = [e for e in judged.events if e.kind in (EventKind.VERDICT, EventKind.KNOWN)]
    rest = tuple(e for e in judged.events if e.kind not in (EventKind.VERDICT, EventKind.KNOWN))
    skipped = set(judged.skipped)
    out, at = [], 0
    for docs in posts:
        mine = []
        for doc in docs:
            if at < len(per_doc) and per_doc[at].verdict.id == doc.id:
                mine.append(per_doc[at])
                at += 1
        out.append(Judged(tuple(mine) + rest, tuple(d.id for d in docs if d.id in skipped)))
    return out


def _resolve(future: Future[T], call: Callable[[], T]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(call())
    except BaseException as err:
        future.set_exception(err)
