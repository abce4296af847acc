"""The stages on a Spark cluster: the same verdicts as ``dedup.pipeline``, for corpora beyond one machine.

Every stage calls the engine's own functions on a partition at a time (numpy
within the partition); Spark only moves their results between partitions:

1. chrome: ``boilerplate.chrome_stats`` per partition of consecutive
   documents; the driver adds them, in input order, to a chrome model
   (``ChromeModel.update_stats``: a fresh one, or a copy of the one given), as
   the local engine does with its chunks';
2. digests: ``pipeline.digest_documents`` (prepare without the model's
   ``Chrome``, broadcast; sign, digest, band keys) per partition;
3. corpus statistics: stem and phrase document frequencies summed by key; a
   stem's column is the rank of its first appearance in input order, so the
   TF-IDF rows (``verify.tfidf``) are the local engine's to the last bit;
4. candidates: band keys grouped by (band, key); each group is paired by
   ``candidates.band_pairs`` in input order (so the star of a large bucket has
   the same hub), passage pairs counted by document pair with the same rules;
5. verification: pairs in blocks, each block with the features of the
   documents it holds joined in, checked by ``verify.verify_pairs``;
6. components of the link graph by iterative minimum-label propagation;
   then each component labelled by ``pipeline.label_verifying`` (``label_corpus``
   and the extra verification rounds it asks for) with its documents' features.

PySpark is imported here only, when the Spark engine is asked for.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import add
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from dedup.background import load_background
from dedup.boilerplate import ChromeModel, ChromeStats, chrome_stats
from dedup.candidates import band_pairs
from dedup.cluster import Member
from dedup.config import Config, NormalizeConfig
from dedup.errors import InputError
from dedup.pipeline import Laps, Part, PairSet, digest_documents, label_verifying
from dedup.readers import iter_corpus
from dedup.records import Document, Verdict
from dedup.report import verdict_record
from dedup.shingle import distinct, token_hashes
from dedup.verify import SHINGLE_COLUMNS, Features, recolumned, tfidf, verify_pairs

try:
    from pyspark import RDD, StorageLevel
    from pyspark.sql import SparkSession
except ImportError as err:  # pragma: no cover - the CLI checks first
    raise ImportError("the Spark engine needs the spark extra: pip install 'dedup[spark]'") from err

# Documents per partition of the digest stages: the local engine's run of documents.
DOCS_PER_PARTITION = 2000
_FIELDS = ("id", "text", "title", "outlet", "url", "published")
_NEVER = np.iinfo(np.int64).max
# Kept stages go to the executors' disks: held in the JVM heap, 100,000 documents' rows and digests
# overflowed a 4 GiB local executor.
_KEEP = StorageLevel.DISK_ONLY


def session(master: str = "local[*]", app: str = "dedup", **conf: str) -> SparkSession:
    """A Spark session for ``master``; a local one listens on the loopback only, without its web UI."""
    builder = SparkSession.builder.master(master).appName(app)
    settings = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
    if master.startswith("local"):
        # The workers run this interpreter, which has the package and its dependencies.
        settings |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
                     "spark.sql.shuffle.partitions": str(2 * (os.cpu_count() or 1)),
                     # Local executors live in the driver's JVM: its default 1 GiB heap is short of 100,000 documents.
                     "spark.driver.memory": "4g"}
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in (settings | conf).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


@dataclass(frozen=True)
class SparkResult:
    """Verdicts as (input position, verdict), sorted, and what the run counted and timed.

    ``skipped``, ``chrome_only`` and ``chrome`` are ``pipeline.Result``'s.
    """

    verdicts: RDD
    skipped: tuple[str, ...]
    stats: dict[str, float] = field(default_factory=dict)
    chrome_only: tuple[str, ...] = ()
    chrome: ChromeModel | None = None


# ---------------------------------------------------------------- reading


def read_documents(spark: SparkSession, paths: Sequence[str]) -> RDD:
    """The documents of ``paths`` as (input position, Document), in input order.

    JSONL, CSV and Parquet files (or directories of them, any Hadoop URI) are
    read by Spark; local directories of ``.txt``/``.html`` files and ``-`` by
    ``dedup.readers`` on the driver.
    """
    parts = []
    for path in paths:
        if _read_locally(path):
            parts.append(spark.sparkContext.parallelize(list(iter_corpus([path]))))
            continue
        frame = _frame(spark, path)
        missing = [name for name in ("id", "text") if name not in frame.columns]
        if missing:
            raise InputError(path, f"records have no {missing[0]!r} field")
        columns = [name for name in _FIELDS if name in frame.columns]
        parts.append(frame.select(*(frame[c].cast("string").alias(c) for c in columns)).rdd.map(
            partial(_document, origin=path)))
    rdd = parts[0] if len(parts) == 1 else spark.sparkContext.union(parts)
    return rdd.zipWithIndex().map(lambda pair: (pair[1], pair[0]))


def _read_locally(path: str) -> bool:
    if path == "-":
        return True
    if "://" in path and not path.startswith("file://"):
        return False
    local = Path(path.removeprefix("file://"))
    if local.is_dir():
        return any(p.suffix.lower() in (".txt", ".html", ".htm") for p in local.iterdir())
    return local.suffix.lower() in (".txt", ".html", ".htm")


def _frame(spark: SparkSession, path: str) -> Any:
    name = path.rstrip("/").lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return spark.read.csv(path, header=True, multiLine=True, escape='"')
    if name.endswith(".parquet") or (not name.endswith((".jsonl", ".json")) and _holds_parquet(path)):
        return spark.read.parquet(path)
    return spark.read.json(path)


def _holds_parquet(path: str) -> bool:
    local = Path(path.removeprefix("file://"))
    return local.is_dir() and any(p.suffix == ".parquet" for p in local.iterdir())


def _document(row: Any, origin: str) -> Document:
    values = row.asDict()
    if not values.get("id") or values.get("text") is None:
        raise InputError(origin, f"record {values.get('id')!r} has no id or text")
    return Document(**{k: values.get(k) for k in _FIELDS}, origin=origin)


# ---------------------------------------------------------------- keyed numpy arrays


def _split(keys: np.ndarray, n: int, *values: np.ndarray) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:
    """Arrays cut by ``keys % n``: (bucket, (keys, *values)) for each bucket holding any."""
    bucket = (keys.astype(np.uint64) % np.uint64(n)).astype(np.int64)
    order = np.argsort(bucket, kind="stable")
    cuts = np.searchsorted(bucket[order], np.arange(n + 1))
    for k in range(n):
        if cuts[k] < cuts[k + 1]:
            at = order[cuts[k] : cuts[k + 1]]
            yield k, (keys[at], *(v[at] for v in values))


def _summed(x: tuple[np.ndarray, ...], y: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """(keys, counts[, firsts]) of two parts merged: counts summed, firsts (if any) their minimum."""
    keys, inverse = np.unique(np.r_[x[0], y[0]], return_inverse=True)
    out = [keys, np.bincount(inverse, np.r_[x[1], y[1]], keys.size).astype(np.int64)]
    if len(x) > 2:
        first = np.full(keys.size, _NEVER)
        np.minimum.at(first, inverse, np.r_[x[2], y[2]])
        out.append(first)
    return tuple(out)


def _table(parts: RDD, n: int) -> RDD:
    """(bucket, (sorted keys, counts[, firsts])): keyed counts from many partitions summed across the cluster."""
    return parts.flatMap(lambda kv: _split(kv[0], n, *kv[1:])).reduceByKey(_summed, n).mapValues(
        lambda t: _summed(t, tuple(np.empty(0, a.dtype) for a in t)))


def _lookup(requests: RDD, table: RDD, n: int) -> RDD:
    """(partition, (keys, *values)) for the keys each partition asks (``requests``: (partition, keys))."""
    asked = requests.flatMap(lambda r: ((b, (r[0], part[0])) for b, part in _split(r[1], n)))
    return asked.join(table, n).map(lambda x: (x[1][0][0], _answer(x[1][0][1], x[1][1]))).reduceByKey(
        lambda a, b: tuple(np.r_[u, v] for u, v in zip(a, b)))


def _answer(keys: np.ndarray, table: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    at = np.searchsorted(table[0], keys)
    return (keys, *(values[at] for values in table[1:]))


def _values_for(keys: np.ndarray, answer: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """The looked-up values of ``keys``, in their order."""
    order = np.argsort(answer[0])
    at = order[np.searchsorted(answer[0][order], keys)] if keys.size else np.empty(0, np.int64)
    return [values[at] for values in answer[1:]]


# ---------------------------------------------------------------- 1. chrome


def _sorted_part(items: Iterable[tuple[int, Document]]) -> tuple[np.ndarray, list[Document]]:
    ordered = sorted(items, key=lambda x: x[0])
    return np.array([p for p, _ in ordered], dtype=np.int64), [d for _, d in ordered]


def _chrome_stats(items: Iterable[tuple[int, Document]], config: NormalizeConfig) -> Iterator[ChromeStats]:
    yield chrome_stats(_sorted_part(items)[1], config)


def _chrome(docs: RDD, config: Config, chrome: ChromeModel | None) -> ChromeModel:
    """The corpus' chrome learned as ``pipeline`` learns it: partitions' stats in input order, on top of ``chrome``.

    The stats come to the driver a partition at a time (``toLocalIterator`` keeps the partitions' order).
    """
    model = chrome.copy() if chrome is not None else ChromeModel(config.normalize)
    return model.update_stats(docs.mapPartitions(partial(_chrome_stats, config=config.normalize)).toLocalIterator())


# ---------------------------------------------------------------- 2. digests


@dataclass(frozen=True)
class _Chunk:
    """A partition digested: the input positions and members of its documents with text, and their ``Part``;
    ``skipped``: (position, id, all chrome) of the others."""

    positions: np.ndarray
    members: tuple[Member, ...]
    part: Part
    skipped: tuple[tuple[int, str, bool], ...]


def _digested(pid: int, items: Iterable[tuple[int, Document]], chrome: Any, config: Config) -> Iterator:
    positions, docs = _sorted_part(items)
    part = digest_documents(docs, chrome.value, config)
    members = tuple(Member.of(d) for d, kept in zip(docs, part.kept.tolist()) if kept)
    skipped = tuple((p, d.id, only) for p, d, kept, only in zip(positions.tolist(), docs, part.kept.tolist(),
                                                                 part.chrome_only.tolist()) if not kept)
    yield pid, _Chunk(positions[part.kept], members, part, skipped)


# ---------------------------------------------------------------- 3. corpus statistics and features


@dataclass(frozen=True)
class _Row:
    """What verification needs of one document: its slice of ``Features``, TF-IDF columns global."""

    pos: int
    member: Member
    doc: tuple[np.ndarray, np.ndarray]
    passages: tuple[np.ndarray, np.ndarray, np.ndarray]
    weights: np.ndarray
    shingles: np.ndarray
    phrases: np.ndarray
    phrase_counts: np.ndarray
    phrase_idf: np.ndarray
    story: np.ndarray
    quoted: np.ndarray
    quote_open: np.ndarray
    text: bytes


def _stem_counts(kv: tuple[int, _Chunk]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pid, chunk = kv
    digest = chunk.part.digest
    n = len(digest.vocabulary)
    df = np.bincount(digest.documents.indices, minlength=n)[:n]
    return token_hashes(list(digest.vocabulary)), df.astype(np.int64), (np.int64(pid) << 32) + np.arange(n)


@lru_cache(maxsize=1)
def _background_phrases() -> tuple[np.ndarray, np.ndarray]:
    """The background's phrase hashes, sorted, and their document frequencies (once per process)."""
    background = load_background().phrase_df
    keys = token_hashes(list(background))
    df = np.fromiter(background.values(), dtype=np.int64, count=len(background))
    order = np.argsort(keys)
    return keys[order], df[order]


def _idf(n: int, df: np.ndarray) -> np.ndarray:
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


def _rows(chunk: _Chunk, stems: tuple[np.ndarray, ...], phrases: tuple[np.ndarray, ...], n: int,
          width: int) -> list[tuple[int, _Row]]:
    """The documents' verification rows, with the corpus' IDF and global stem columns (``FeatureBuilder``'s)."""
    digest = chunk.part.digest
    background = load_background()
    vocabulary = list(digest.vocabulary)
    df, column = _values_for(token_hashes(vocabulary), stems)
    idf = _idf(n, df + np.array([background.df.get(s, 0) for s in vocabulary], dtype=np.int64))
    # Columns renumbered compactly in the global order, so each row's entries are summed in the same order.
    rank = np.argsort(column, kind="stable")
    compact = np.empty(rank.size, dtype=np.int64)
    compact[rank] = np.arange(rank.size)
    global_of = column[rank].astype(np.int64)
    idf_compact = idf[rank]
    documents, _ = tfidf(recolumned(digest.documents, compact), idf_compact, max(rank.size, 1))
    passages, weights = tfidf(recolumned(digest.passages, compact), idf_compact, max(rank.size, 1))
    (corpus_df,) = _values_for(digest.phrases, phrases)
    bg_keys, bg_df = _background_phrases()
    at = np.minimum(np.searchsorted(bg_keys, digest.phrases), max(bg_keys.size - 1, 0))
    extra = np.where(bg_keys[at] == digest.phrases, bg_df[at], 0) if bg_keys.size else 0
    phrase_idf = _idf(n, corpus_df + extra)
    first = np.r_[0, np.cumsum(digest.counts)]
    ptr = digest.phrase_ptr
    out = []
    for k, (pos, member) in enumerate(zip(chunk.positions.tolist(), chunk.members)):
        d0, d1 = documents.indptr[k], documents.indptr[k + 1]
        p0, p1 = first[k], first[k + 1]
        q0, q1 = passages.indptr[p0], passages.indptr[p1]
        s0, s1 = digest.shingles.indptr[k], digest.shingles.indptr[k + 1]
        h0, h1 = ptr[p0], ptr[p1]
        out.append((pos, _Row(
            pos, member,
            (global_of[documents.indices[d0:d1]], documents.data[d0:d1]),
            (passages.indptr[p0 : p1 + 1] - q0, global_of[passages.indices[q0:q1]], passages.data[q0:q1]),
            weights[p0:p1], digest.shingles.indices[s0:s1].copy(), digest.phrases[h0:h1],
            np.diff(ptr[p0 : p1 + 1]), phrase_idf[h0:h1], digest.story[p0:p1], digest.quoted[p0:p1],
            digest.quote_open[p0:p1], digest.texts[k],
        )))
    return out


def assemble(rows: Sequence[_Row], width: int) -> Features:
    """The ``Features`` of a few documents from their rows, in the given order."""
    def csr(indptr: np.ndarray, indices: list[np.ndarray], data: list[np.ndarray], shape: tuple[int, int]) -> Any:
        return sp.csr_matrix((np.concatenate([np.empty(0, np.float32), *data]).astype(np.float32),
                              np.concatenate([np.empty(0, np.int64), *indices]), indptr), shape=shape)

    counts = np.array([r.weights.size for r in rows], dtype=np.int64)
    first = np.r_[0, np.cumsum(counts)].astype(np.int64)
    doc_ptr = np.r_[0, np.cumsum([r.doc[0].size for r in rows])].astype(np.int64)
    pas_ptr = np.r_[0, np.cumsum(np.concatenate([np.empty(0, np.int64)] + [np.diff(r.passages[0]) for r in rows]))]
    sh_ptr = np.r_[0, np.cumsum([r.shingles.size for r in rows])].astype(np.int64)
    phrase_counts = np.concatenate([np.empty(0, np.int64), *(r.phrase_counts for r in rows)])

    def joined(name: str, dtype: type) -> np.ndarray:
        return np.concatenate([np.empty(0, dtype), *(getattr(r, name) for r in rows)]).astype(dtype)

    return Features(
        ids=tuple(r.member.id for r in rows),
        documents=csr(doc_ptr, [r.doc[0] for r in rows], [r.doc[1] for r in rows], (len(rows), width)),
        passages=csr(pas_ptr.astype(np.int64), [r.passages[1] for r in rows], [r.passages[2] for r in rows],
                     (int(first[-1]), width)),
        weights=joined("weights", np.float64),
        first=first,
        shingles=sp.csr_matrix((np.ones(int(sh_ptr[-1]), dtype=np.int8), joined("shingles", np.int64), sh_ptr),
                               shape=(len(rows), SHINGLE_COLUMNS)),
        phrases=joined("phrases", np.uint64),
        phrase_ptr=np.r_[0, np.cumsum(phrase_counts)].astype(np.int64),
        phrase_idf=joined("phrase_idf", np.float32),
        story=joined("story", np.int16),
        quoted=joined("quoted", np.float32),
        quote_open=joined("quote_open", bool),
        texts=tuple(r.text for r in rows),
    )


# ---------------------------------------------------------------- 4. candidates


def _band_rows(kv: tuple[int, _Chunk], buckets: int) -> Iterator[tuple[int, tuple]]:
    """Each keyed row's band keys by bucket: (band, key, document position, passage index or -1)."""
    _, chunk = kv
    part = chunk.part
    for level, (keys, valid) in enumerate((part.documents, part.passages)):
        if level == 0:
            pos, index = chunk.positions, np.full(chunk.positions.size, -1)
        else:
            counts = part.digest.counts
            pos = np.repeat(chunk.positions, counts)
            index = np.arange(pos.size) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = np.flatnonzero(valid)
        n_bands = keys.shape[1]
        band = np.tile(np.arange(n_bands), rows.size)
        key = keys[rows].ravel()
        mixed = key ^ (band.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        yield from ((b, (level, *v)) for b, (_, *v) in _split(mixed, buckets, band, key, np.repeat(pos[rows], n_bands),
                                                             np.repeat(index[rows], n_bands)))


def _bucket_pairs(kv: tuple[int, Iterable[tuple]], max_bucket: int, buckets: int) -> Iterator[tuple]:
    """The pairs of one bucket of band keys, each band paired in input order as ``band_pairs`` does.

    Documents: ("doc", pairs of positions). Passages: ("pas", document-pair bucket, passage pairs as
    rows (pos a, index a, pos b, index b) of different documents).
    """
    _, groups = kv
    by_level: dict[int, list[tuple]] = {0: [], 1: []}
    for level, *arrays in groups:
        by_level[level].append(arrays)
    for level, parts in by_level.items():
        if not parts:
            continue
        band, key, pos, index = (np.concatenate(a) for a in zip(*parts))
        found = []
        for b in np.unique(band).tolist():
            at = np.flatnonzero(band == b)
            at = at[np.lexsort((index[at], pos[at]))]
            for pairs in band_pairs(key[at], max_bucket):
                found.append(at[pairs])
        if not found:
            continue
        pairs = np.concatenate(found)
        a, b = pairs[:, 0], pairs[:, 1]
        if level == 0:
            yield "doc", np.stack([np.minimum(pos[a], pos[b]), np.maximum(pos[a], pos[b])], axis=1)
            continue
        apart = pos[a] != pos[b]
        a, b = a[apart], b[apart]
        swap = pos[a] > pos[b]
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        rows = np.stack([pos[a], index[a], pos[b], index[b]], axis=1)
        for bucket, (_, r) in _split(rows[:, 0] * 1_000_003 + rows[:, 2], buckets, rows):
            yield "pas", bucket, r


def _passage_votes(rows: np.ndarray, min_hits: int, strong_bands: int) -> np.ndarray:
    """Document pairs with ``min_hits`` distinct colliding passage pairs, or one colliding in ``strong_bands``."""
    passage_pairs, bands = np.unique(rows, axis=0, return_counts=True)
    docs, inverse, hits = np.unique(passage_pairs[:, [0, 2]], axis=0, return_inverse=True, return_counts=True)
    strong = np.bincount(inverse.ravel(), bands >= strong_bands, docs.shape[0]) > 0
    return docs[(hits >= min_hits) | strong]


def _candidates(chunks: RDD, config: Config, buckets: int) -> RDD:
    """Candidate document pairs (positions, a < b) as arrays, one per bucket of pairs."""
    found = chunks.flatMap(partial(_band_rows, buckets=buckets)).groupByKey(buckets).flatMap(
        partial(_bucket_pairs, max_bucket=config.candidates.max_bucket, buckets=buckets)).persist(
        _KEEP)
    doc = found.filter(lambda x: x[0] == "doc").map(lambda x: x[1])
    cand = config.candidates
    passage = found.filter(lambda x: x[0] == "pas").map(lambda x: (x[1], x[2])).reduceByKey(
        lambda a, b: np.r_[a, b], buckets).map(
        lambda kv: _passage_votes(kv[1], cand.min_passage_hits, cand.strong_passage_bands))
    both = doc.union(passage).flatMap(lambda p: _split(p[:, 0] * 1_000_003 + p[:, 1], buckets, p))
    return both.map(lambda kv: (kv[0], kv[1][1])).reduceByKey(lambda a, b: np.r_[a, b], buckets).map(
        lambda kv: np.unique(kv[1], axis=0))


# ---------------------------------------------------------------- 5. verification


def _verify_block(kv: tuple[int, tuple[Iterable, Iterable]], config: Config, width: int) -> Iterator[tuple]:
    """Verify one block of pairs against the rows of its documents: (pos a, pos b, Match) sharing text."""
    _, (pair_parts, rows) = kv
    rows = sorted(rows, key=lambda r: r.pos)
    pairs = [p for p in pair_parts]
    if not pairs or not rows:
        return
    pairs = np.concatenate(pairs)
    positions = np.array([r.pos for r in rows], dtype=np.int64)
    local = np.searchsorted(positions, pairs)
    position = {r.member.id: r.pos for r in rows}
    for match in verify_pairs(assemble(rows, width), local, config.verify, evidence=False, sharing_only=True):
        yield position[match.a], position[match.b], match


def _verified(chunks_rows: RDD, pairs: RDD, config: Config, width: int, blocks: int) -> RDD:
    """The candidate pairs verified: (pos a, pos b, Match) for those that share text."""
    keyed = pairs.flatMap(lambda p: ((b, part[1]) for b, part in _split(p[:, 0], blocks, p)))
    keyed = keyed.persist(_KEEP)
    wanted = keyed.flatMap(lambda kv: ((int(pos), kv[0]) for pos in np.unique(kv[1]).tolist())).distinct()
    rows = wanted.join(chunks_rows).map(lambda x: (x[1][0], x[1][1]))
    return keyed.cogroup(rows, blocks).flatMap(partial(_verify_block, config=config, width=width))


# ---------------------------------------------------------------- 6. components and labels


def components(spark: SparkSession, edges: RDD) -> RDD:
    """(position, component) for every position in an edge: the smallest position of its component.

    Minimum-label propagation over the link graph with DataFrames: each round
    a node takes the smallest label among itself and its neighbours, until none
    changes (rounds grow with a component's diameter, which stars keep small).
    """
    from pyspark.sql import functions as F

    both = edges.flatMap(lambda e: [(int(e[0]), int(e[1])), (int(e[1]), int(e[0]))])
    if both.isEmpty():
        return spark.sparkContext.emptyRDD()
    graph = spark.createDataFrame(both, "src long, dst long").persist()
    labels = graph.select(F.col("src").alias("node")).distinct().withColumn("label", F.col("node"))
    while True:
        heard = graph.join(labels, graph.src == labels.node).select(F.col("dst").alias("node"), "label")
        new = heard.union(labels).groupBy("node").agg(F.min("label").alias("label")).localCheckpoint()
        changed = new.alias("n").join(labels.alias("o"), "node").where(F.col("n.label") < F.col("o.label")).count()
        labels = new
        if not changed:
            break
    out = labels.rdd.map(lambda r: (r["node"], r["label"])).persist(_KEEP)
    out.count()
    graph.unpersist()
    return out


def _label_part(items: Iterable[tuple[int, tuple[str, Any]]], config: Config, width: int) -> Iterator[tuple]:
    """Label the components placed in one partition: (position, verdict, cluster size or 0, links found again).

    Labelling never looks across link components, so the components of a
    partition are labelled together, each as in the whole corpus.
    """
    rows, unique = [], {}
    for _, (kind, value) in items:
        if kind == "row":
            rows.append(value)
        else:
            unique[value[:2]] = value[2]
    if not rows:
        return
    rows.sort(key=lambda r: r.pos)
    features = assemble(rows, width)
    check = partial(verify_pairs, features, config=config.verify, evidence=False, sharing_only=True)
    # A pair verified before without sharing text is verified again if labelling asks: the same verdicts.
    members, found = [r.member for r in rows], [unique[k] for k in sorted(unique)]
    labelling, links = label_verifying(check, features.ids, members, found, PairSet(len(rows)), config.label, 0)
    sizes = {c.id: len(c.members) for c in labelling.clusters}
    for k, (row, verdict) in enumerate(zip(rows, labelling.verdicts)):
        yield row.pos, verdict, sizes.get(verdict.id, 0) if verdict.id == verdict.cluster else 0, links if k == 0 else 0


def _component_of(x: tuple[int, tuple[Any, int | None]]) -> int:
    """The component of a position joined with the components: itself when it has no link."""
    return x[0] if x[1][1] is None else x[1][1]


def _routed(x: tuple[int, tuple[tuple[int, Any], int | None]]) -> list[tuple[int, tuple[str, Any]]]:
    """A match sent to the component of each of its documents (one appended story can join two)."""
    (component_a, match), _ = x[1]
    return [(c, ("match", match)) for c in {component_a, _component_of((x[0], (None, x[1][1])))}]


def _labelled(rows: RDD, matches: RDD, comps: RDD, config: Config, width: int, groups: int) -> RDD:
    """(position, verdict, cluster size, links) of every document, labelled component by component."""
    by_a = matches.map(lambda m: (m[0], m)).leftOuterJoin(comps).map(lambda x: (x[1][0][1], (_component_of(x), x[1][0])))
    routed = by_a.leftOuterJoin(comps).flatMap(_routed)
    placed = rows.leftOuterJoin(comps).map(lambda x: (_component_of(x), ("row", x[1][0])))
    return placed.union(routed).partitionBy(groups).mapPartitions(partial(_label_part, config=config, width=width))


# ---------------------------------------------------------------- the run


def cluster_spark(spark: SparkSession, paths: Sequence[str], config: Config = Config(),
                  partitions: int = 0, progress: Callable[[str], None] | None = None,
                  chrome: ChromeModel | None = None, keep_chrome: bool = False) -> SparkResult:
    """Cluster the documents of ``paths`` on Spark: the local engine's verdicts, in input order.

    ``progress`` is told when each stage ends, with its seconds. ``chrome`` and
    ``keep_chrome`` are ``pipeline.cluster_documents``'.
    """
    lap = Laps(progress)
    sc = spark.sparkContext
    indexed = read_documents(spark, paths).persist(_KEEP)
    n = indexed.count()
    duplicate = indexed.map(lambda x: (x[1].id, 1)).reduceByKey(add).filter(lambda kv: kv[1] > 1).take(1)
    if duplicate:
        raise InputError(duplicate[0][0], f"duplicate document id {duplicate[0][0]!r}")
    parts = partitions or max(sc.defaultParallelism, -(-n // DOCS_PER_PARTITION))
    docs = indexed.partitionBy(parts, partial(_range_of, n=max(n, 1), parts=parts)).persist(
        _KEEP)
    docs.count()
    indexed.unpersist()
    lap("read")
    model = _chrome(docs, config, chrome)
    learned = sc.broadcast(model.chrome)
    if not keep_chrome:
        model = None
    lap("chrome")
    chunks = docs.mapPartitionsWithIndex(partial(_digested, chrome=learned, config=config)).persist(_KEEP)
    n_kept = chunks.map(lambda kv: kv[1].positions.size).sum()
    skipped = sorted(chunks.flatMap(lambda kv: kv[1].skipped).collect())
    docs.unpersist()
    learned.unpersist()
    lap("digest")
    stems = _table(chunks.map(_stem_counts), parts).persist(_KEEP)
    firsts = np.sort(np.concatenate([np.empty(0, np.int64), *stems.map(lambda kv: kv[1][2]).collect()]))
    width = max(firsts.size, 1)
    ranks = sc.broadcast(firsts)
    stem_table = stems.mapValues(lambda t: (t[0], t[1], np.searchsorted(ranks.value, t[2])))
    stem_answers = _lookup(chunks.map(lambda kv: (kv[0], token_hashes(list(kv[1].part.digest.vocabulary)))),
                           stem_table, parts)
    phrase_table = _table(chunks.map(lambda kv: kv[1].part.digest.phrase_df), parts)
    phrase_answers = _lookup(chunks.map(lambda kv: (kv[0], distinct(kv[1].part.digest.phrases))), phrase_table, parts)
    total = n_kept + load_background().n_docs
    empty = (np.empty(0, np.uint64), np.empty(0, np.int64))
    rows = chunks.leftOuterJoin(stem_answers).leftOuterJoin(phrase_answers).flatMap(
        lambda kv: _rows(kv[1][0][0], kv[1][0][1] or (*empty, np.empty(0, np.int64)), kv[1][1] or empty,
                         total, width)).persist(_KEEP)
    rows.count()
    stems.unpersist()
    lap("statistics")
    pairs = _candidates(chunks, config, parts).persist(_KEEP)
    n_pairs = pairs.map(len).sum()
    chunks.unpersist()
    lap("candidates")
    matches = _verified(rows, pairs, config, width, parts) if n_pairs else sc.emptyRDD()
    matches = matches.persist(_KEEP)
    n_matches = matches.count()
    lap("verify")
    comps = components(spark, matches.filter(lambda m: m[2].linked and not m[2].tail_only).map(lambda m: m[:2]))
    lap("components")
    verdicts = _labelled(rows, matches, comps, config, width, parts).persist(_KEEP)
    counted = verdicts.map(lambda v: (1, int(v[2] > 1), v[3])).reduce(lambda a, b: tuple(x + y for x, y in zip(a, b))) \
        if n_kept else (0, 0, 0)
    links = matches.filter(lambda m: m[2].linked).count() + counted[2]
    lap("label")
    all_chrome = tuple(doc_id for _, doc_id, only in skipped if only)
    stats = {"documents": n, "skipped": len(skipped), "all_chrome": len(all_chrome), "candidates": int(n_pairs or 0), "matches": n_matches,
             "links": links, "clusters": counted[1], **lap.timings}
    ordered = verdicts.map(lambda v: (v[0], v[1])).sortByKey(numPartitions=parts)
    return SparkResult(ordered, tuple(doc_id for _, doc_id, _ in skipped), stats, all_chrome, model)


def _range_of(pos: int, n: int, parts: int) -> int:
    """The partition of an input position: consecutive runs of documents, in order."""
    return pos * parts // n


# ---------------------------------------------------------------- output

_SCHEMA = ("id string, cluster string, label string, source string, score double, reuse double, "
           "passages long, passage_links array<string>")


def write_verdicts(spark: SparkSession, result: SparkResult, output: str, coalesce: bool = False) -> None:
    """Write the verdicts in input order: Parquet when ``output`` ends in ``.parquet``, else JSON Lines.

    Written as a directory of parts, as Spark users expect; with ``coalesce``
    as one file (on a local path; elsewhere, a directory of one part).
    """
    records = result.verdicts.map(lambda pv: verdict_record(pv[1]))
    parquet = output.rstrip("/").endswith(".parquet")
    local = "://" not in output or output.startswith("file://")
    target = output
    if coalesce:
        records = records.coalesce(1)
        if local:
            scratch = tempfile.mkdtemp(prefix=".dedup-", dir=os.path.dirname(os.path.abspath(output)))
            target = os.path.join(scratch, "parts")
    if parquet:
        spark.createDataFrame(records.map(lambda r: tuple(r.values())), _SCHEMA).write.mode("error").parquet(target)
    else:
        records.map(lambda r: json.dumps(r, ensure_ascii=False)).saveAsTextFile(target)
    if coalesce and local:
        (part,) = [p for p in Path(target).iterdir() if p.name.startswith("part-") and not p.name.endswith(".crc")]
        os.replace(part, output)
        shutil.rmtree(os.path.dirname(target))


def run(paths: Sequence[str], output: str | None, master: str, coalesce: bool = False,
        config: Config = Config(), partitions: int = 0, chrome: ChromeModel | None = None,
        keep_chrome: bool = False) -> tuple[SparkResult, list[Verdict] | None]:
    """What ``dedup cluster --engine spark`` does: cluster, then write to ``output``, or return the verdicts.

    A session already running (a notebook's, a test's) is used and left running.
    """
    running = SparkSession.getActiveSession()
    spark = running or session(master)
    try:
        result = cluster_spark(spark, paths, config, partitions, chrome=chrome, keep_chrome=keep_chrome)
        if output is None:
            return result, [v for _, v in result.verdicts.toLocalIterator()]
        write_verdicts(spark, result, output, coalesce)
        return result, None
    finally:
        if running is None:
            spark.stop()
