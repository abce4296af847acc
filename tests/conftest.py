"""Shared fixtures: the hand-written news corpus in tests/fixtures/news/ and the repo's seeds/."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup.pipeline import Result, cluster_documents
from dedup.readers import read_corpus
from dedup.records import Document

ROOT = Path(__file__).resolve().parent.parent
NEWS = Path(__file__).resolve().parent / "fixtures" / "news"
NEWS_CORPUS = NEWS / "corpus.jsonl"
SEEDS = ROOT / "seeds"

# Ids of the fixture corpus (see tests/fixtures/news/README.md).
WIRE = "meridian-wire"
COPY = "herald-copy"
REWRITE = "gazette-rewrite"
INDEPENDENT = "daily-independent"
UNRELATED = "library-unrelated"


@pytest.fixture(scope="session")
def news_docs() -> list[Document]:
    """The five fixture documents in file order."""
    return read_corpus([str(NEWS_CORPUS)])


@pytest.fixture(scope="session")
def news_by_id(news_docs: list[Document]) -> dict[str, Document]:
    return {d.id: d for d in news_docs}


@pytest.fixture(scope="session")
def news_result(news_docs: list[Document]) -> Result:
    """One clustering run over the fixture corpus, shared by the tests that only read it."""
    return cluster_documents(news_docs)


@pytest.fixture(scope="session")
def seed_docs() -> list[Document]:
    return read_corpus([str(SEEDS)])


@pytest.fixture(scope="session")
def seed_result(seed_docs: list[Document]) -> Result:
    return cluster_documents(seed_docs)
