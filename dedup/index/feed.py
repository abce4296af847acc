"""The feed index: each article judged as it arrives, against everything seen before, and kept.

The batch run's stages, applied to arrivals: a batch of new documents is
prepared, signed and banded like ``dedup cluster`` does it; its band keys meet
the stored buckets (``layout``) to give the candidate pairs the batch rules
would; those are verified against the stored digests of their partners, with
IDF from the background model plus the index's running document frequencies;
and the link components the new matches touch are labelled again by the batch
labelling (``pipeline.label_verifying``), which is what ``cluster.relabel_corpus``
does within one run. A stored verdict that changes is a revision event.

Page chrome: ``chrome`` gives the line keys to strip from arriving documents;
by default the corpus rule over running line counts (``chrome.RunningChrome``),
where the fitted chrome model being built beside the index will plug in.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from dedup.background import Background, load_background
from dedup.cluster import Member, parse_date
from dedup.config import Config
from dedup.index.chrome import RunningChrome, Seen
from dedup.index.codec import CodecError, decode_digests, encode_digests, encode_signature
from dedup.index.layout import arrive, band_members, candidate_pairs
from dedup.index.store import (
    Changes, ConflictError, IndexFileError, NewDoc, NotFoundError, Store, StoredDoc, StoredMatch,
)
from dedup.normalize import prepare
from dedup.pipeline import label_verifying, sign
from dedup.records import Document, EventKind, IndexEvent, Match, Verdict
from dedup.verify import Digest, FeatureBuilder, Features, digest, phrase_counts, verify_pairs

__all__ = ["Index", "Judged", "Entry", "ConflictError", "IndexFileError", "NotFoundError"]


class Chrome(Protocol):
    """Page chrome to strip from arriving documents: the seam of a fitted chrome model (``chrome.py``)."""

    def keys(self, docs: Sequence[Document], seen: Seen) -> tuple[list[frozenset[str]], tuple[np.ndarray, np.ndarray]]:
        """The line keys to strip from each document, and the line counts to add to the stored ones."""


@dataclass(frozen=True)
class Judged:
    """What a batch gave: its events in commit order (documents in input order, then revisions) and the
    ids of documents left out for having no text."""

    events: tuple[IndexEvent, ...]
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """A stored document: its verdict, when it was published and added, and the evidence against its source."""

    verdict: Verdict
    seq: int
    event: int
    published: str | None
    evidence: Match | None


def config_json(config: Config) -> str:
    return json.dumps(asdict(config), sort_keys=True)


def config_from_json(text: str) -> Config:
    record = json.loads(text)
    return Config(**{f.name: f.default_factory(**record[f.name]) for f in fields(Config)})


def open_store(location: str | Path, create: bool, meta: dict[str, str]) -> Store:
    """The backend for a location: ``redis://host:port/N`` or a path to an SQLite file."""
    if str(location).startswith(("redis://", "rediss://", "unix://")):
        from dedup.index.redis_store import RedisStore

        return RedisStore(str(location), create=create, meta=meta)
    from dedup.index.sqlite import SQLiteStore

    return SQLiteStore(location, create=create, meta=meta)


# A stored match is verified again once the index holds ``_STALE_GROWTH`` times as many documents as when it
# was verified; at most so many such matches per new document and per batch.
_STALE_GROWTH = 1.5
_STALE_PER_DOC = 4
_STALE_PER_BATCH = 20


@dataclass(frozen=True)
class _Counts:
    """Document frequencies a batch adds to the stored ones (negative for removals)."""

    n: int = 0
    stems: dict[str, int] = field(default_factory=dict)
    phrases: tuple[np.ndarray, np.ndarray] = (np.empty(0, np.uint64), np.empty(0, np.int64))

    @classmethod
    def of(cls, d: Digest, sign: int) -> _Counts:
        width = max(len(d.vocabulary), 1)
        stems = np.bincount(d.documents.indices, minlength=width)[: len(d.vocabulary)]
        keys, phrases = d.phrase_df
        return cls(sign * len(d.ids), {s: sign * int(n) for s, n in zip(d.vocabulary, stems.tolist()) if n},
                   (keys, sign * phrases.astype(np.int64)))


@dataclass
class _Batch:
    """What one batch knows beyond the store: its new documents and what it verified."""

    ids: dict[int, str] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    blobs: dict[int, bytes] = field(default_factory=dict)
    matches: dict[tuple[int, int], Match] = field(default_factory=dict)
    checked: set[tuple[int, int]] = field(default_factory=set)
    dropped: set[tuple[int, int]] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)
    counts: _Counts = field(default_factory=_Counts)
    n: int = 0


class Index:
    """A persistent feed index at ``location`` (an SQLite file, created when missing, or ``redis://...``).

    >>> with Index("feed.db") as index:                                  # doctest: +SKIP
    ...     for event in index.add(read_corpus(["today.jsonl"])).events:
    ...         print(event.seq, event.kind, event.verdict.label, event.verdict.source)
    """

    def __init__(
        self, location: str | Path, config: Config | None = None, background: Background | None = None,
        chrome: Chrome | None = None, create: bool = True,
    ) -> None:
        self.store = open_store(location, create, {"config": config_json(config or Config())})
        stored = self.store.meta().get("config")
        if stored is None:
            raise IndexFileError(str(location), "not a dedup index (no configuration stored)")
        try:
            self.config = config_from_json(stored)
        except (ValueError, TypeError, KeyError):
            raise IndexFileError(str(location), "the stored configuration is not one this dedup reads") from None
        if config is not None and config != self.config:
            raise IndexFileError(str(location), "made with another configuration; open it without one")
        self.background = background if background is not None else load_background()
        self._background_phrases = phrase_counts(self.background)
        self.chrome: Chrome = chrome if chrome is not None else RunningChrome(self.config.normalize)

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[None]:
        """A store transaction in which a damaged stored record is the index's error, not a traceback."""
        try:
            with self.store.transaction(write=write):
                yield
        except CodecError as err:
            raise IndexFileError(self.store.location, f"damaged record in the index ({err})") from None

    # The verbs.

    def add(self, docs: Iterable[Document]) -> Judged:
        """Judge and store documents in the order given (feed order), in one transaction."""
        docs = list(docs)
        with self._transaction(write=True):
            changes, known, skipped = self._judge(docs)
            committed = self.store.apply(changes)
        return Judged(_in_order(docs, known, committed), skipped)

    def query(self, docs: Iterable[Document]) -> Judged:
        """The verdicts ``add`` would give, storing nothing (events carry seq 0)."""
        docs = list(docs)
        with self._transaction(write=False):
            changes, known, skipped = self._judge(docs)
        events = [IndexEvent(0, kind, v) for kind, _, v in changes.events]
        return Judged(_in_order(docs, known, events), skipped)

    def get(self, doc_id: str) -> Entry:
        """A stored document's verdict and the evidence against its source."""
        with self._transaction(write=False):
            doc = self.store.docs_by_id([doc_id]).get(doc_id)
            if doc is None:
                raise NotFoundError(doc_id)
            evidence = None
            source_id = doc.verdict.source
            source = self.store.docs_by_id([source_id]).get(source_id) if source_id is not None else None
            if source is not None:
                pair = np.array([sorted((doc.seq, source.seq))])
                found = self._verify(pair, _Batch(), evidence=True)
                evidence = found[0].toward(doc_id) if found else None
        return Entry(doc.verdict, doc.seq, doc.event, doc.published, evidence)

    def remove(self, ids: Sequence[str]) -> Judged:
        """Remove documents; their clusters are labelled again (removing an original elects another)."""
        with self._transaction(write=True):
            stored = self.store.docs_by_id(list(ids))
            for doc_id in ids:
                if doc_id not in stored:
                    raise NotFoundError(doc_id)
            committed = self.store.apply(self._removal([stored[i] for i in dict.fromkeys(ids)]))
        return Judged(tuple(committed))

    def expire(self, older_than: float, now: float | None = None, batch: int = 1000) -> Judged:
        """Remove the documents older than ``older_than`` seconds (by ``published``, else when added)."""
        cutoff = (time.time() if now is None else now) - older_than
        with self._transaction(write=False):
            ids = self.store.older_than(cutoff)
        events: list[IndexEvent] = []
        for start in range(0, len(ids), batch):
            events += self.remove(ids[start : start + batch]).events
        return Judged(tuple(events))

    def stats(self) -> dict[str, Any]:
        with self._transaction(write=False):
            return self.store.stats()

    def events(self, since: int = 0, limit: int | None = None) -> list[IndexEvent]:
        """The stored events after sequence number ``since``, in commit order."""
        with self._transaction(write=False):
            return self.store.events(since, limit)

    # Judging a batch.

    def _judge(self, docs: list[Document]) -> tuple[Changes, dict[int, IndexEvent | None], tuple[str, ...]]:
        """The changes a batch of arrivals makes, the events of those already known (by input position; None
        for a repeat within the batch) and the ids left out for having no text."""
        cfg = self.config
        hashes = [hashlib.sha256(d.text.encode("utf-8", "surrogatepass")).digest() for d in docs]
        stored = self.store.docs_by_id(list({d.id for d in docs}))
        known: dict[int, IndexEvent | None] = {}
        first: dict[str, int] = {}
        fresh: list[int] = []
        for k, (doc, text_hash) in enumerate(zip(docs, hashes)):
            before = stored.get(doc.id)
            if before is not None or doc.id in first:
                if (before.text_hash if before is not None else hashes[first[doc.id]]) != text_hash:
                    raise ConflictError(doc.id)
                known[k] = IndexEvent(before.event, EventKind.KNOWN, before.verdict) if before else None
                continue
            first[doc.id] = k
            fresh.append(k)
        chrome, lines = self.chrome.keys([docs[k] for k in fresh], self.store.line_counts)
        prepared = [prepare(docs[k], keys, cfg.normalize) for k, keys in zip(fresh, chrome)]
        kept = [p for p in prepared if p.words]
        skipped = tuple(p.id for p in prepared if not p.words)
        seqs = np.arange(len(kept), dtype=np.int64) + self.store.next_seq()
        signed = sign(kept, cfg.signature)
        dg = digest(kept, (signed.shingles, signed.shingle_rows))
        batch = _Batch(
            ids=dict(zip(seqs.tolist(), (p.id for p in kept))),
            members=dict(zip(seqs.tolist(), (Member.of(p.doc) for p in kept))),
            blobs=dict(zip(seqs.tolist(), encode_digests(dg))),
            counts=_Counts.of(dg, 1),
            n=self.store.counts([], np.empty(0, np.uint64))[0] + len(kept),
        )
        arriving = band_members(signed.documents, signed.passages, seqs, dg.counts, cfg)
        found = arrive(self.store.members(arriving.keys, cfg.candidates.max_bucket), arriving,
                       cfg.candidates.max_bucket)
        pairs = candidate_pairs(found, cfg.candidates)
        self._verify(pairs, batch)
        touched = set(seqs.tolist()) | {x for pair in batch.matches for x in pair}
        stale = self.store.stale(int(batch.n / _STALE_GROWTH), _STALE_PER_DOC * len(kept) + _STALE_PER_BATCH)
        verdicts = self._relabel(touched | {x for pair in stale for x in pair}, batch)
        changes = self._changes(batch, verdicts)
        stored_members = arriving.take(found.stored)
        now = time.time()
        for k, (seq, p) in enumerate(zip(seqs.tolist(), kept)):
            published = parse_date(p.doc.published)
            changes.docs.append(NewDoc(
                StoredDoc(seq, p.id, hashes[first[p.id]], p.doc.published, len(p.doc.text),
                          published.timestamp() if published else now, verdicts[seq]),
                batch.blobs[seq],
                encode_signature(signed.documents[k]),
                stored_members.keys[stored_members.docs == seq].astype("<i8").tobytes(),
            ))
        changes.members = stored_members
        changes.lines = lines
        changes.n_docs = len(kept)
        changes.events = [(EventKind.VERDICT, s, verdicts[s]) for s in seqs.tolist()] + changes.events
        seq_of = {doc_id: seq for seq, doc_id in batch.ids.items()}
        for k in [k for k, event in known.items() if event is None]:
            if docs[k].id in seq_of:
                known[k] = IndexEvent(0, EventKind.KNOWN, verdicts[seq_of[docs[k].id]])
            else:
                del known[k]
        return changes, known, skipped

    def _removal(self, docs: list[StoredDoc]) -> Changes:
        """The changes removing stored documents makes: their clusters labelled again without them."""
        removed = {d.seq for d in docs}
        blobs = self.store.digests(sorted(removed))
        gone = decode_digests([d.id for d in docs], [blobs[d.seq] for d in docs])
        batch = _Batch(removed=removed, counts=_Counts.of(gone, -1),
                       n=self.store.counts([], np.empty(0, np.uint64))[0] - len(docs))
        neighbours = {x for m in self.store.matches(sorted(removed)) for x in (m.a, m.b) if m.match.linked} - removed
        verdicts = self._relabel(neighbours, batch)
        changes = self._changes(batch, verdicts)
        changes.removed = sorted(removed)
        changes.n_docs = -len(docs)
        changes.events = [(EventKind.REMOVED, d.seq, d.verdict) for d in docs] + changes.events
        return changes

    def _changes(self, batch: _Batch, verdicts: dict[int, Verdict]) -> Changes:
        """Changes common to adding and removing: matches, verified pairs, document frequencies, revisions."""
        before = self.store.docs_by_seq([s for s in verdicts if s not in batch.ids])
        revised = {s: v for s, v in sorted(verdicts.items()) if s in before and before[s].verdict != v}
        return Changes(
            matches=[StoredMatch(a, b, m, batch.n) for (a, b), m in batch.matches.items()],
            dropped=sorted(batch.dropped),
            checked=np.array(sorted(batch.checked), dtype=np.int64).reshape(-1, 2),
            stem_df=batch.counts.stems,
            phrase_df=batch.counts.phrases,
            verdicts=revised,
            events=[(EventKind.REVISED, s, v) for s, v in revised.items()],
        )

    def _verify(self, pairs: np.ndarray, batch: _Batch, evidence: bool = False) -> list[Match]:
        """Verify pairs of sequence numbers (low, high); the matches that share text are kept in the batch
        (with the aligned passages' texts only when asked for ``evidence``: they are not stored)."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        batch.checked.update(map(tuple, pairs.tolist()))
        if not pairs.size:
            return []
        seqs = np.unique(pairs)
        stored = [s for s in seqs.tolist() if s not in batch.blobs]
        blobs = {**self.store.digests(stored), **batch.blobs}
        ids = {**{s: d.id for s, d in self.store.docs_by_seq(stored).items()}, **batch.ids}
        subset = decode_digests([ids[s] for s in seqs.tolist()], [blobs[s] for s in seqs.tolist()])
        features = self._features(subset, batch.counts)
        seq_of = dict(zip((ids[s] for s in seqs.tolist()), seqs.tolist()))
        found = verify_pairs(features, np.searchsorted(seqs, pairs), self.config.verify, evidence, sharing_only=True)
        for m in found:
            batch.matches[(seq_of[m.a], seq_of[m.b])] = m
        return found

    def _features(self, subset: Digest, pending: _Counts) -> Features:
        """Verification features of a subset of the index's documents, IDF over everything it holds.

        Everything is the index's stored counts (``Store.counts``) plus the
        ``pending`` ones of the batch (its arrivals, or less its removals); the
        builder counts the subset itself, so the background it gets is the
        model plus everything less the subset.
        """
        phrase_keys, own_phrases = subset.phrase_df
        n_index, stem_index, phrase_index = self.store.counts(subset.vocabulary, phrase_keys)
        n_index += pending.n
        stem_index += np.array([pending.stems.get(s, 0) for s in subset.vocabulary], dtype=np.int64)
        phrase_index += _lookup(pending.phrases, phrase_keys)
        width = max(len(subset.vocabulary), 1)
        own_stems = np.bincount(subset.documents.indices, minlength=width)[: len(subset.vocabulary)]
        bg_phrases = _lookup(self._background_phrases, phrase_keys)
        bg = self.background.df
        background = Background(
            self.background.n_docs + n_index - len(subset.ids),
            {s: bg.get(s, 0) + int(n) - int(o) for s, n, o in zip(subset.vocabulary, stem_index.tolist(), own_stems.tolist())},
            {},
        )
        builder = FeatureBuilder(background, phrase_counts=(phrase_keys, bg_phrases + phrase_index - own_phrases))
        builder.add(subset)
        return builder.features()

    def _relabel(self, touched: set[int], batch: _Batch) -> dict[int, Verdict]:
        """Label the link components holding ``touched`` documents again: their verdicts, by sequence number."""
        matches: dict[tuple[int, int], Match] = {}
        affected, frontier = set(touched), set(touched)
        while frontier:
            stored = [m for m in self.store.matches(sorted(frontier - set(batch.ids)))
                      if m.a not in batch.removed and m.b not in batch.removed]
            for m in stored:
                matches.setdefault((m.a, m.b), m.match)
            matches.update((p, m) for p, m in batch.matches.items() if p[0] in frontier or p[1] in frontier)
            reached = {x for (a, b), m in matches.items() if m.linked and not m.tail_only and (a in frontier or b in frontier)
                       for x in (a, b)}
            frontier = reached - affected
            affected |= frontier
        self._reverify(matches, affected, batch)
        stored_docs = self.store.docs_by_seq(sorted(affected - set(batch.ids)))
        order = sorted(affected)
        members = [batch.members[s] if s in batch.members else _member(stored_docs[s]) for s in order]
        position = {s: k for k, s in enumerate(order)}
        seq_at = np.array(order, dtype=np.int64)
        verified = _Verified(self.store, batch, seq_at)

        def check(pairs: np.ndarray) -> list[Match]:
            return self._verify(np.sort(seq_at[pairs], axis=1), batch)

        ids = [m.id for m in members]
        in_affected = [m for (a, b), m in matches.items() if a in position or b in position]
        labelling, _ = label_verifying(check, ids, members, in_affected, verified, self.config.label, 0)
        return {int(seq_at[k]): v for k, v in enumerate(labelling.verdicts)}

    def _reverify(self, matches: dict[tuple[int, int], Match], affected: set[int], batch: _Batch) -> None:
        """Verify the stored matches within the affected components again, with the IDF of today.

        A pair verified when its phrases were still rare in the feed may share
        less text by the batch rules over everything seen since; matches that
        no longer share text are dropped. Components no arrival touches are
        swept too, their oldest matches first (``Store.stale``), so that every
        match is verified again each time the index grows by half.
        """
        stale = sorted(p for p in matches if p not in batch.matches and p[0] in affected and p[1] in affected)
        if not stale:
            return
        self._verify(np.array(stale, dtype=np.int64), batch)
        for pair in stale:
            if pair in batch.matches:
                matches[pair] = batch.matches[pair]
            else:
                del matches[pair]
                batch.dropped.add(pair)


class _Verified:
    """Whether a pair of positions (of labelled documents) was verified: in this batch or in the store."""

    def __init__(self, store: Store, batch: _Batch, seqs: np.ndarray) -> None:
        self.store, self.batch, self.seqs = store, batch, seqs
        self._known: dict[tuple[int, int], bool] = {}

    def __contains__(self, pair: tuple[int, int]) -> bool:
        a, b = sorted((int(self.seqs[pair[0]]), int(self.seqs[pair[1]])))
        if (a, b) in self.batch.checked:
            return True
        if (a, b) not in self._known:
            self._known[(a, b)] = bool(self.store.checked(np.array([[a, b]]))[0])
        return self._known[(a, b)]

    def add(self, pairs: np.ndarray) -> None:
        """Pairs verified meanwhile are in the batch's own record already (``Index._verify``)."""


def _member(doc: StoredDoc) -> Member:
    return Member(doc.id, doc.published, doc.length)


def _lookup(counts: tuple[np.ndarray, np.ndarray], keys: np.ndarray) -> np.ndarray:
    """The counts (sorted keys, counts) of each of ``keys``, 0 where absent."""
    table, values = counts
    if not table.size:
        return np.zeros(keys.size, dtype=np.int64)
    at = np.minimum(np.searchsorted(table, keys), table.size - 1)
    return np.where(table[at] == keys, values[at], 0).astype(np.int64)


def _in_order(docs: list[Document], known: dict[int, IndexEvent | None], events: Sequence[IndexEvent]
              ) -> tuple[IndexEvent, ...]:
    """Events in input order (known documents where they came), then the revisions and removals."""
    rest = [e for e in events if e.kind is not EventKind.VERDICT]
    out = []
    by_id = {e.verdict.id: e for e in events if e.kind is EventKind.VERDICT}
    for k, doc in enumerate(docs):
        if k in known:
            out.append(known[k])
        elif doc.id in by_id:
            out.append(by_id[doc.id])
    return tuple(out + rest)
