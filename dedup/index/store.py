"""The storage interface of the feed index: what the algorithm reads, and one write per batch.

A backend keeps documents (their verdicts, and what verification needs of
them: digest, signature, band keys), bucket members, verified pairs and the
matches that share text, running document frequencies, line counts (page chrome) and the event log. All
reads of a batch and its write happen inside one ``transaction``; writers are
serialized by it, so that two writers adding the same article store it once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from dedup.errors import InputError
from dedup.index.layout import Members
from dedup.records import EventKind, IndexEvent, Label, Match, Verdict

SCHEMA_VERSION = 1


class IndexFileError(InputError):
    """An index that cannot be used (corrupt, truncated, foreign, newer): ``where`` is its location."""


class ConflictError(InputError):
    """A document id already in the index with a different text."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(doc_id, "already in the index with a different text (remove it first to replace it)")
        self.id = doc_id


class NotFoundError(InputError):
    """A document id the index does not hold."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(doc_id, "not in the index")
        self.id = doc_id


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """A document as the index keeps it, without its blobs: ``seq`` is its arrival number, ``at`` its age
    (``published``, else when it was added, as epoch seconds), ``event`` the event of its current verdict."""

    seq: int
    id: str
    text_hash: bytes
    published: str | None
    length: int
    at: float
    verdict: Verdict
    event: int = 0


@dataclass(frozen=True, slots=True)
class NewDoc:
    """A document to store, with its blobs: verification digest, signature and the band keys it is stored under."""

    doc: StoredDoc
    digest: bytes
    signature: bytes
    bands: bytes


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """A verified pair that shares text, between documents ``a`` < ``b`` (sequence numbers); ``n`` is how
    many documents the index held when it was verified (its IDF's age)."""

    a: int
    b: int
    match: Match
    n: int = 0


@dataclass
class Changes:
    """Everything one batch writes: applied at once by ``Store.apply``.

    ``events`` are (kind, document seq, verdict), in commit order; ``verdicts``
    the new verdict of each stored document whose verdict changed; ``dropped``
    the stored matches that, verified again, share no text any more.
    """

    docs: list[NewDoc] = field(default_factory=list)
    members: Members = field(default_factory=Members.empty)
    matches: list[StoredMatch] = field(default_factory=list)
    dropped: list[tuple[int, int]] = field(default_factory=list)
    checked: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))
    stem_df: dict[str, int] = field(default_factory=dict)
    phrase_df: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.empty(0, np.uint64), np.empty(0, np.int64)))
    lines: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.empty(0, np.uint64), np.empty(0, np.int64)))
    n_docs: int = 0
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    events: list[tuple[EventKind, int, Verdict]] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)


class Store(Protocol):
    """A storage backend of the feed index."""

    location: str

    def transaction(self, write: bool) -> AbstractContextManager[None]:
        """Reads (and, with ``write``, the one write) of a batch; writers wait for each other."""

    def meta(self) -> dict[str, str]: ...

    def next_seq(self) -> int:
        """The sequence number the next document will get (never one used before)."""

    def docs_by_id(self, ids: Sequence[str]) -> dict[str, StoredDoc]: ...

    def docs_by_seq(self, seqs: Sequence[int]) -> dict[int, StoredDoc]: ...

    def digests(self, seqs: Sequence[int]) -> dict[int, bytes]: ...

    def members(self, keys: np.ndarray, cap: int) -> Members:
        """The stored members of these buckets, at most ``cap`` each, by key then arrival."""

    def matches(self, seqs: Sequence[int]) -> list[StoredMatch]:
        """The stored matches with either document among ``seqs``."""

    def stale(self, below: int, limit: int) -> list[tuple[int, int]]:
        """Up to ``limit`` stored matches verified when the index held fewer than ``below`` documents, oldest first."""

    def checked(self, pairs: np.ndarray) -> np.ndarray:
        """Whether each pair (low, high) of sequence numbers was verified."""

    def counts(self, stems: Sequence[str], phrases: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        """The index's own document frequencies: documents, and df of each stem and phrase hash."""

    def line_counts(self, hashes: np.ndarray) -> np.ndarray:
        """How many documents carried each short line (by ``boilerplate.key_hashes``): the chrome model's state."""

    def apply(self, changes: Changes) -> list[IndexEvent]:
        """Write a batch's changes; returns its events with their sequence numbers."""

    def events(self, since: int = 0, limit: int | None = None) -> list[IndexEvent]: ...

    def older_than(self, at: float) -> list[str]:
        """Ids of the documents whose age (``StoredDoc.at``) is before ``at``, oldest first."""

    def stats(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


def verdict_json(v: Verdict) -> str:
    return json.dumps([v.id, v.cluster, v.label.value, v.source, v.score, v.reuse, v.passages, list(v.passage_links)])


def verdict_from_json(text: str) -> Verdict:
    doc_id, cluster, label, source, score, reuse, passages, links = json.loads(text)
    return Verdict(doc_id, cluster, Label(label), source, score, reuse, int(passages), tuple(links))


# The fields of a stored match: all but the aligned passages' texts, which ``Index.get`` verifies again.
_MATCH_FIELDS = tuple(f for f in Match.__slots__ if f != "alignments")


def match_json(m: Match) -> str:
    return json.dumps([getattr(m, f) for f in _MATCH_FIELDS])


def match_from_json(text: str) -> Match:
    return Match(**dict(zip(_MATCH_FIELDS, json.loads(text), strict=True)))


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
