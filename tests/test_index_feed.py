"""The feed index judges arrivals as one ``dedup cluster`` run over everything seen would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dedup.index import ConflictError, EventKind, Index, NotFoundError
from dedup.pipeline import cluster_documents
from dedup.records import Document, Verdict


def publish_order(docs: list[Document]) -> list[Document]:
    return sorted(docs, key=lambda d: (d.published or "", d.id))


def labels(verdicts: list[Verdict]) -> dict[str, tuple[str, str, str | None]]:
    return {v.id: (v.cluster, v.label.value, v.source) for v in verdicts}


def stored(index: Index) -> dict[str, tuple[str, str, str | None]]:
    """The current verdict of every document, from the event stream."""
    current: dict[str, Verdict] = {}
    for event in index.events():
        if event.kind is EventKind.REMOVED:
            current.pop(event.verdict.id, None)
        else:
            current[event.verdict.id] = event.verdict
    return labels(list(current.values()))


def feed(path: Path, docs: list[Document], sizes: list[int]) -> Index:
    index = Index(path)
    at = 0
    for size in sizes:
        index.add(docs[at : at + size])
        at += size
    index.add(docs[at:])
    return index


@pytest.mark.parametrize("sizes", [[1, 1, 1, 1], [5], [2, 3], [3, 1]])
@pytest.mark.parametrize("corpus", ["seed_docs", "news_docs"])
def test_any_split_equals_one_batch_run(tmp_path: Path, corpus: str, sizes: list[int],
                                        request: pytest.FixtureRequest) -> None:
    docs = publish_order(request.getfixturevalue(corpus))
    expected = labels(cluster_documents(docs).verdicts)
    with feed(tmp_path / "feed.db", docs, sizes) as index:
        assert stored(index) == expected
        assert index.stats()["documents"] == len(docs)


def test_a_later_older_article_becomes_the_original_and_revisions_say_so(tmp_path: Path,
                                                                          news_docs: list[Document]) -> None:
    docs = sorted(news_docs, key=lambda d: (d.published or "", d.id), reverse=True)
    with Index(tmp_path / "feed.db") as index:
        events = [e for d in docs for e in index.add([d]).events]
        revised = [e for e in events if e.kind is EventKind.REVISED]
        assert revised and all(e.revised for e in revised)
        assert [e.seq for e in events] == sorted(e.seq for e in events)
        assert stored(index) == labels(cluster_documents(news_docs).verdicts)


def test_re_adding_is_a_no_op_that_gives_the_stored_verdict(tmp_path: Path, news_docs: list[Document]) -> None:
    with Index(tmp_path / "feed.db") as index:
        first = index.add(news_docs).events
        again = index.add(news_docs).events
        assert [e.kind for e in again] == [EventKind.KNOWN] * len(news_docs)
        assert [e.verdict for e in again] == [e.verdict for e in first if e.kind is EventKind.VERDICT]
        assert index.stats()["documents"] == len(news_docs)
        assert index.events()[-1].seq == max(e.seq for e in first)


def test_a_different_text_under_a_known_id_is_an_error_naming_it(tmp_path: Path, news_docs: list[Document]) -> None:
    with Index(tmp_path / "feed.db") as index:
        index.add(news_docs[:2])
        changed = Document(news_docs[0].id, news_docs[0].text + " More.")
        with pytest.raises(ConflictError, match=news_docs[0].id):
            index.add([news_docs[2], changed])
        assert index.stats()["documents"] == 2


def test_query_gives_the_verdicts_add_would_and_stores_nothing(tmp_path: Path, news_docs: list[Document]) -> None:
    docs = publish_order(news_docs)
    with Index(tmp_path / "feed.db") as index:
        index.add(docs[:2])
        before = index.stats()
        asked = index.query(docs[2:])
        assert index.stats() == before
        added = index.add(docs[2:])
        assert [(e.kind, e.verdict) for e in asked.events] == [(e.kind, e.verdict) for e in added.events]
        assert all(e.seq == 0 for e in asked.events)


def test_removing_an_original_elects_another(tmp_path: Path, news_docs: list[Document]) -> None:
    docs = publish_order(news_docs)
    with Index(tmp_path / "feed.db") as index:
        index.add(docs)
        original = next(v for v in cluster_documents(docs).verdicts if v.source is not None).source
        events = index.remove([original]).events
        assert events[0].kind is EventKind.REMOVED and events[0].verdict.id == original
        rest = [d for d in docs if d.id != original]
        assert stored(index) == labels(cluster_documents(rest).verdicts)
        with pytest.raises(NotFoundError):
            index.get(original)


def test_expire_removes_old_documents(tmp_path: Path, news_docs: list[Document]) -> None:
    docs = publish_order(news_docs)
    with Index(tmp_path / "feed.db") as index:
        index.add(docs)
        index.expire(0.0)
        assert index.stats()["documents"] == 0


def test_get_shows_the_evidence(tmp_path: Path, seed_docs: list[Document]) -> None:
    with Index(tmp_path / "feed.db") as index:
        index.add(seed_docs)
        derived = next(e.verdict for e in index.events() if e.verdict.source is not None)
        entry = index.get(derived.id)
        assert entry.evidence is not None and entry.evidence.a == derived.id
        assert len(entry.evidence.alignments) == entry.verdict.passages


def test_no_pickle_in_the_database(tmp_path: Path, news_docs: list[Document]) -> None:
    with Index(tmp_path / "feed.db") as index:
        index.add(news_docs)
    conn = sqlite3.connect(tmp_path / "feed.db")
    blobs = [b for (b,) in conn.execute("SELECT digest FROM blobs")]
    assert blobs and all(b[:4] == b"DDG1" for b in blobs)


@pytest.mark.slow
def test_synthetic_corpus_in_batches_agrees_with_one_batch_run(tmp_path: Path) -> None:
    """ARI >= 0.99 against ``dedup cluster`` on a synthetic corpus built from the test fixture's Reuters file.

    The documents go in without their outlets: the batch run learns each outlet's chrome (lines, sentences,
    spans) with the fitted chrome model, which the index does not learn yet (it learns the corpus line rule
    only), so on a feed with outlets the two differ (ARI 0.886 on this corpus) until it does.
    """
    import shutil
    from dataclasses import replace

    from benchmarks.datasets import load_synthetic
    from benchmarks.metrics import adjusted_rand

    data = tmp_path / "data"
    (data / "reuters21578").mkdir(parents=True)
    shutil.copy(Path(__file__).parent / "fixtures" / "bench" / "reut2-000.sgm", data / "reuters21578")
    docs, _ = load_synthetic("train", 600, 0, data=data)
    docs = publish_order([replace(d, outlet=None, url=None) for d in docs])
    batch = labels(cluster_documents(docs).verdicts)
    with feed(tmp_path / "feed.db", docs, [1, 50, 7, 100, 142]) as index:
        fed = stored(index)
    assert set(fed) == set(batch)
    assert adjusted_rand({k: v[0] for k, v in batch.items()}, {k: v[0] for k, v in fed.items()}) >= 0.99
    assert sum(fed[k] == batch[k] for k in batch) >= 0.97 * len(batch)
