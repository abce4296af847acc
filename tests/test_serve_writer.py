"""The one writer: arrival order, group commit that fails only the bad post, and draining on close."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from dedup.index import ConflictError, EventKind, Index
from dedup.records import Document
from dedup.serve.writer import Writer

TEXT = "the council voted on tuesday to close the old bridge for repairs lasting until spring"


def doc(doc_id: str, text: str = TEXT) -> Document:
    return Document(doc_id, text + " " + doc_id)


def test_posts_queued_together_commit_together_and_a_conflict_fails_only_its_post(tmp_path: Path) -> None:
    db = tmp_path / "feed.db"
    with Index(db) as index:
        index.add([doc("a")])
    writer = Writer(lambda: Index(db))
    gate = threading.Event()
    writer.submit(lambda index: gate.wait())
    first = writer.add([doc("b"), doc("c")])
    bad = writer.add([doc("d"), Document("a", "another text")])
    last = writer.add([doc("e"), Document("f", "")])
    gate.set()
    assert [e.verdict.id for e in first.result(60).events if e.kind is EventKind.VERDICT] == ["b", "c"]
    with pytest.raises(ConflictError):
        bad.result(60)
    judged = last.result(60)
    assert [e.verdict.id for e in judged.events if e.kind is EventKind.VERDICT] == ["e"]
    assert judged.skipped == ("f",)
    writer.close()
    with Index(db, create=False) as index:
        assert index.stats()["documents"] == 4
        assert {e.verdict.id for e in index.events()} == {"a", "b", "c", "e"}


def test_close_finishes_the_queued_writes(tmp_path: Path) -> None:
    db = tmp_path / "feed.db"
    writer = Writer(lambda: Index(db), group=1)
    futures = [writer.add([doc(f"x{k}")]) for k in range(5)]
    writer.close()
    assert all(f.done() and not f.exception() for f in futures)
    with Index(db, create=False) as index:
        assert index.stats()["documents"] == 5
