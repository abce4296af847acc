"""The Redis backend against a real redis-server on a loopback port: the same guarantees as SQLite."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator

import pytest

from benchmarks.index_speed import redis_server
from dedup.index import ConflictError, EventKind, Index, IndexFileError
from dedup.pipeline import cluster_documents
from dedup.records import Document

redis = pytest.importorskip("redis", reason="redis-py is not installed (pip install -e '.[test]')")
SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(SERVER is None, reason="redis-server is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    """A redis-server of its own on a free 127.0.0.1 port, in a temporary directory."""
    with redis_server() as url:
        yield int(url.rsplit(":", 1)[1].split("/")[0])


@pytest.fixture
def url(server: int) -> str:
    client = redis.Redis(host="127.0.0.1", port=server, db=3)
    client.flushdb()
    return f"redis://127.0.0.1:{server}/3"


def _labels(index: Index) -> dict[str, tuple[str, str, str | None]]:
    current = {}
    for e in index.events():
        if e.kind is EventKind.REMOVED:
            current.pop(e.verdict.id, None)
        else:
            current[e.verdict.id] = (e.verdict.cluster, e.verdict.label.value, e.verdict.source)
    return current


@pytest.mark.parametrize("corpus", ["seed_docs", "news_docs"])
def test_one_by_one_equals_one_batch_run(url: str, corpus: str, request: pytest.FixtureRequest) -> None:
    docs = sorted(request.getfixturevalue(corpus), key=lambda d: (d.published or "", d.id))
    expected = {v.id: (v.cluster, v.label.value, v.source) for v in cluster_documents(docs).verdicts}
    with Index(url) as index:
        for doc in docs:
            index.add([doc])
        assert _labels(index) == expected
        stats = index.stats()
        assert stats["documents"] == len(docs) and stats["clusters"] == 1


def test_known_conflict_remove_and_query(url: str, news_docs: list[Document]) -> None:
    with Index(url) as index:
        index.add(news_docs)
        assert [e.kind for e in index.add(news_docs[:2]).events] == [EventKind.KNOWN] * 2
        with pytest.raises(ConflictError):
            index.add([Document(news_docs[0].id, "Another text altogether, a few words long.")])
        before = {k: v for k, v in index.stats().items() if k != "bytes"}
        index.query([Document("new", news_docs[1].text + " An extra line.")])
        assert {k: v for k, v in index.stats().items() if k != "bytes"} == before
        index.remove(["meridian-wire"])
        rest = [d for d in news_docs if d.id != "meridian-wire"]
        assert _labels(index) == {v.id: (v.cluster, v.label.value, v.source)
                                  for v in cluster_documents(rest).verdicts}
        assert index.get("herald-copy").verdict.id == "herald-copy"


def test_two_writers_adding_the_same_articles_store_them_once(url: str, news_docs: list[Document]) -> None:
    docs = [Document(f"{d.id}-{k}", d.text + f"\n\nEdition {k}, number {k * 7919}.", published=d.published)
            for k in range(4) for d in news_docs]
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with Index(url) as index:
                for k in range(0, len(docs), 3):
                    index.add(docs[k : k + 3])
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            errors.append(err)

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    with Index(url) as reader:
        while any(t.is_alive() for t in threads):
            reader.stats()
            time.sleep(0.01)
    for t in threads:
        t.join()
    assert not errors
    with Index(url) as index:
        assert index.stats()["documents"] == len(docs)
        new = [e for e in index.events() if e.kind is EventKind.VERDICT]
        assert sorted(e.verdict.id for e in new) == sorted(d.id for d in docs)


def test_a_foreign_database_is_refused_untouched(server: int) -> None:
    client = redis.Redis(host="127.0.0.1", port=server, db=4)
    client.flushdb()
    client.set("someone", "else")
    with pytest.raises(IndexFileError, match="not a dedup index"):
        Index(f"redis://127.0.0.1:{server}/4")
    assert client.keys() == [b"someone"]
    client.flushdb()
    client.hset("dedup:meta", mapping={"app": "dedup-index", "schema": "99"})
    with pytest.raises(IndexFileError, match="newer"):
        Index(f"redis://127.0.0.1:{server}/4")
