"""The stages in order: prepare, sign, find candidates, verify, label."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from dedup.allocator import keep_freed_arrays
from dedup.background import Background, load_background
from dedup.boilerplate import Chrome, ChromeModel, ChromeStats, chrome_stats
from dedup.candidates import Bands, band_keys, band_params, document_pairs
from dedup.cluster import Labelling, Member, label_corpus, relabel_corpus
from dedup.config import Config, LabelConfig, NormalizeConfig, SignatureConfig
from dedup.errors import InputError
from dedup.normalize import prepare, words
from dedup.readers import IdPair
from dedup.records import Cluster, Document, Match, Prepared, Verdict
from dedup.shingle import shingle_sets
from dedup.signature import EMPTY, grouped_signatures
from dedup.spool import Records, Spool, read_extent
from dedup.verify import Digest, FeatureBuilder, Features, digest, features_of, verify_pairs

# Each round verifies the members of a cluster against an original chosen in the
# previous one; originals settle in two or three rounds.
_MAX_LABEL_ROUNDS = 8


@dataclass(frozen=True)
class Result:
    """What a clustering run found.

    ``verdicts`` follow the input order; ``matches`` are every verified candidate
    pair (linked or not); ``skipped`` are the ids of documents with no text left
    out, ``chrome_only`` those of them whose text was all page chrome (a failed
    scrape); ``chrome`` is the chrome model the run used, updated with its corpus.
    """

    verdicts: tuple[Verdict, ...]
    clusters: tuple[Cluster, ...]
    matches: tuple[Match, ...]
    skipped: tuple[str, ...] = ()
    stats: dict[str, float] = field(default_factory=dict)
    chrome_only: tuple[str, ...] = ()
    chrome: ChromeModel | None = None


@dataclass(frozen=True)
class PairScore:
    """The scores of one pair of texts from ``score_pairs``."""

    id: str
    match: Match

    @property
    def score(self) -> float:
        return self.match.score


# Told how far a stage has got: (stage, done, total).
Advance = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Signed:
    """MinHash signatures of documents (word n-grams) and passages (content-stem pairs), in order.

    ``shingles`` are the documents' word n-gram hashes and ``shingle_rows`` the
    document of each: verification measures containment on them.
    """

    documents: np.ndarray
    passages: np.ndarray
    shingles: np.ndarray
    shingle_rows: np.ndarray


def sign(docs: Sequence[Prepared], config: SignatureConfig) -> Signed:
    """MinHash signatures of the documents and of all their passages."""
    passages = [p.tokens for d in docs for p in d.passages]
    shingles, rows = shingle_sets([d.words for d in docs], config.doc_shingle)
    return Signed(
        grouped_signatures(shingles, rows, len(docs), config),
        grouped_signatures(*shingle_sets(passages, config.passage_shingle), len(passages), config),
        shingles,
        rows,
    )


# Documents prepared, and pairs verified, between two progress reports.
_PREPARE_BATCH = 2000
_VERIFY_BATCH = 20000
# From this many passages on, their candidate pairs are spilled to files and counted in the workers.
_SPILL_PASSAGES = 1 << 18
# Below this many documents per worker, starting processes costs more than it saves.
_DOCS_PER_WORKER = 1000


def auto_workers(n_docs: int) -> int:
    """All cores for a large corpus, one process for a small one."""
    return max(1, min(os.cpu_count() or 1, n_docs // _DOCS_PER_WORKER))


def _chunks(n: int, parts: int) -> list[range]:
    """``parts`` contiguous ranges covering 0..n-1, in order."""
    bounds = [n * k // parts for k in range(parts + 1)]
    return [range(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _ranges_for(n: int, workers: int) -> list[range]:
    """The runs of documents handed to the workers: a few per worker, at most ``_PREPARE_BATCH`` long."""
    return _chunks(n, max(workers * 4, -(-n // _PREPARE_BATCH)))


def prepare_all(
    docs: Sequence[Document],
    config: NormalizeConfig,
    pool: ProcessPoolExecutor | None = None,
    workers: int = 1,
    chrome: ChromeModel | None = None,
) -> list[Prepared]:
    """Every document prepared without its chrome, in order; in the pool when one is given.

    The chrome is ``chrome``'s when a model is given, else learned from ``docs``.
    """
    model = chrome if chrome is not None else ChromeModel(config).fit(docs)
    job = partial(_prepare_chunk, chrome=model.chrome, config=config)
    parts = [docs[r.start : r.stop] for r in _ranges_for(len(docs), workers)]
    return [p for chunk in (pool.map(job, parts) if pool is not None else map(job, parts)) for p in chunk]


def _prepare_chunk(docs: Sequence[Document], chrome: Chrome, config: NormalizeConfig) -> list[Prepared]:
    return [_prepare(d, chrome, config) for d in docs]


def _prepare(doc: Document, chrome: Chrome, config: NormalizeConfig) -> Prepared:
    """``doc`` prepared without its chrome (the record keeps the text as read)."""
    clean = chrome.transform(doc)
    prepared = prepare(clean, frozenset(), config)
    return prepared if clean is doc else replace(prepared, doc=doc)


@dataclass(frozen=True)
class Part:
    """What a worker returns for a run of documents: the verification digest and LSH band keys of those
    with text (``kept``), for documents and for passages."""

    kept: np.ndarray
    chrome_only: np.ndarray
    digest: Digest
    documents: tuple[np.ndarray, np.ndarray]
    passages: tuple[np.ndarray, np.ndarray]


def _chrome_stats(extent: tuple[str, int, int], config: NormalizeConfig) -> ChromeStats:
    """The chrome statistics of one run of spooled documents, for learning chrome (in a worker)."""
    return chrome_stats(read_extent(*extent), config)


def _digest_chunk(extent: tuple[str, int, int], chrome: Chrome, config: Config) -> Part:
    """Prepare, sign and digest one run of spooled documents (in a worker)."""
    return digest_documents(read_extent(*extent), chrome, config)


def digest_documents(docs: Sequence[Document], chrome: Chrome, config: Config) -> Part:
    """Prepare, sign and digest a run of documents: what either engine keeps of them (pure)."""
    prepared = _prepare_chunk(docs, chrome, config.normalize)
    kept = [p for p in prepared if p.words]
    signed = sign(kept, config.signature)
    return Part(
        kept=np.fromiter((bool(p.words) for p in prepared), dtype=bool, count=len(prepared)),
        chrome_only=np.fromiter((not p.words and bool(words(p.doc.text)) for p in prepared), bool, len(prepared)),
        digest=digest(kept, (signed.shingles, signed.shingle_rows)),
        documents=lsh_keys(signed.documents, config.candidates.doc_threshold),
        passages=lsh_keys(signed.passages, config.candidates.passage_threshold),
    )


def lsh_keys(sigs: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """LSH band keys of signatures banded for ``threshold``, and which rows have any shingle."""
    bands, rows = band_params(threshold, sigs.shape[1])
    return band_keys(sigs, bands, rows), sigs[:, 0] != EMPTY


@dataclass(frozen=True)
class _Corpus:
    """A spooled corpus digested: the features of the documents with text, their band keys and owners."""

    features: Features
    documents: Bands
    passages: Bands
    owner: np.ndarray
    kept: np.ndarray
    chrome_only: np.ndarray
    chrome: ChromeModel | None


def _digest_corpus(
    spool: Spool, config: Config, background: Background, pool: ProcessPoolExecutor | None, workers: int,
    scratch: Path, advance: Advance | None, chrome: ChromeModel | None, keep_chrome: bool,
) -> _Corpus:
    """Prepare, sign and digest every spooled document, in the pool when there is one.

    The chrome is learned from the corpus, on top of ``chrome`` when a model is given.
    """
    extents = [spool.extent(r.start, r.stop) for r in _ranges_for(len(spool), workers)]
    count = partial(_chrome_stats, config=config.normalize)
    model = chrome.copy() if chrome is not None else ChromeModel(config.normalize)
    model.update_stats(pool.map(count, extents) if pool is not None else map(count, extents))
    job = partial(_digest_chunk, chrome=model.chrome, config=config)
    if not keep_chrome:
        # Its counts (some 20 bytes a distinct unit) are not needed past this point.
        model = None
    builder = FeatureBuilder(background, Records(scratch / "texts"))
    num_perm = config.signature.num_perm
    documents = Bands(band_params(config.candidates.doc_threshold, num_perm)[0], scratch / "document-bands")
    passages = Bands(band_params(config.candidates.passage_threshold, num_perm)[0], scratch / "passage-bands")
    kept, chrome_only, done = [], [], 0
    for part in pool.map(job, extents) if pool is not None else map(job, extents):
        builder.add(part.digest)
        documents.append(*part.documents)
        passages.append(*part.passages)
        kept.append(part.kept)
        chrome_only.append(part.chrome_only)
        done += part.kept.size
        if advance is not None:
            advance("preparing", done, len(spool))
    features = builder.features()
    owner = np.repeat(np.arange(features.counts.size), features.counts)
    flags = [np.concatenate(f) if f else np.empty(0, dtype=bool) for f in (kept, chrome_only)]
    return _Corpus(features, documents, passages, owner, *flags, model)


class PairSet:
    """Document pairs (positions) as sorted int64 keys: a set that stays small for millions of pairs.

    Each batch added stays a sorted array of its own: labelling adds a few
    small batches to the millions of candidates, and merging would sort them
    all again each time.
    """

    def __init__(self, n: int) -> None:
        self.n = max(n, 1)
        self._batches: list[np.ndarray] = []

    def add(self, pairs: np.ndarray) -> None:
        """Add pairs given as rows (a, b)."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        self._batches.append(np.sort(pairs.min(axis=1) * self.n + pairs.max(axis=1)))

    def __contains__(self, pair: tuple[int, int]) -> bool:
        key = min(pair) * self.n + max(pair)
        return any(_holds(keys, key) for keys in self._batches)


def _holds(keys: np.ndarray, key: int) -> bool:
    """Whether the sorted array ``keys`` holds ``key``."""
    at = int(np.searchsorted(keys, key))
    return at < keys.size and int(keys[at]) == key


class Laps:
    """The seconds of each stage, as ``seconds_<stage>`` stats; ``progress`` is told as each ends."""

    def __init__(self, progress: Callable[[str], None] | None = None) -> None:
        self.timings: dict[str, float] = {}
        self._progress = progress
        self._clock = time.perf_counter()

    def __call__(self, stage: str, done: str | None = None) -> None:
        now = time.perf_counter()
        self.timings[f"seconds_{stage}"] = round(now - self._clock, 4)
        self._clock = now
        if self._progress is not None:
            self._progress(f"{done or stage} ({self.timings[f'seconds_{stage}']:.1f} s)")


def cluster_documents(
    docs: Iterable[Document],
    config: Config = Config(),
    background: Background | None = None,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
    advance: Advance | None = None,
    evidence: bool = True,
    chrome: ChromeModel | None = None,
    keep_chrome: bool = False,
) -> Result:
    """Find wire-origin clusters in a corpus and label every document in them.

    The documents are read once, into a scratch file, so memory holds what
    each stage keeps of a document (signatures, TF-IDF rows, hashes), not its
    text. ``workers`` > 1 prepares and signs documents in that many
    processes, 0 picks by corpus size; the result is the same for any number.
    ``progress`` is told when each stage ends and ``advance`` how far the long
    stages (preparing, verifying) have got; the CLI draws them on a terminal.
    ``Result.matches`` are the verified pairs that share text (linked, or with
    reused passages); with ``evidence=False`` they leave out the texts of the
    aligned passages, which a corpus of millions cannot keep in memory.
    ``chrome``: a chrome model to start from (``ChromeModel.load``); the run
    learns the corpus' chrome on top of it, in a copy, which ``Result.chrome``
    holds with ``keep_chrome`` (to save it; otherwise its counts are freed early).
    """
    lap = Laps(progress)
    model = background if background is not None else load_background()
    with tempfile.TemporaryDirectory(prefix="dedup-") as scratch:
        spool, members, corpus, workers = _read_and_digest(
            docs, config, model, workers, Path(scratch), advance, chrome, keep_chrome
        )
        features, learned = corpus.features, corpus.chrome
        skipped = tuple(m.id for m, keep in zip(members, corpus.kept.tolist()) if not keep)
        all_chrome = tuple(m.id for m, chrome_only in zip(members, corpus.chrome_only.tolist()) if chrome_only)
        members = [m for m, keep in zip(members, corpus.kept.tolist()) if keep]
        lap("prepare", f"prepared and signed {len(features.ids)} documents and {int(corpus.owner.size)} passages")
        spill = corpus.owner.size >= _SPILL_PASSAGES
        with _spawned_pool(workers if spill else 1) as pool:
            pairs, _ = document_pairs(
                corpus.documents, corpus.passages, corpus.owner, config.candidates,
                Path(scratch) / "passage-pairs" if spill else None, pool.map if pool is not None else map,
            )
        del corpus
        lap("candidates", f"found {len(pairs)} candidate pairs")
        check = partial(verify_pairs, features, config=config.verify, evidence=evidence, sharing_only=True)
        matches, links, verified = _verified(check, pairs, len(features.ids), workers, advance)
        lap("verify", f"verified {len(pairs)} pairs, {links} linked")
        labelling, links = label_verifying(check, features.ids, members, matches, verified, config.label, links)
    verdicts, clusters = labelling.verdicts, labelling.clusters
    lap("label", f"labelled {len(verdicts)} documents in {sum(len(c.members) > 1 for c in clusters)} clusters")
    stats = {
        "documents": len(members) + len(skipped),
        "skipped": len(skipped),
        "all_chrome": len(all_chrome),
        "passages": int(features.first[-1]),
        "candidates": len(pairs),
        "links": links,
        "clusters": sum(len(c.members) > 1 for c in clusters),
        **lap.timings,
    }
    return Result(tuple(verdicts), tuple(clusters), tuple(matches), skipped, stats, all_chrome, learned)


def _read_and_digest(
    docs: Iterable[Document], config: Config, model: Background, workers: int, scratch: Path, advance: Advance | None,
    chrome: ChromeModel | None, keep_chrome: bool = False,
) -> tuple[Spool, list[Member], _Corpus, int]:
    """The documents spooled and digested as a clustering run does: the spool, its members, the digest, the workers."""
    spool, members = _spooled(docs, scratch / "documents")
    workers = workers or auto_workers(len(spool))
    with _spawned_pool(workers) as pool:
        corpus = _digest_corpus(spool, config, model, pool, workers, scratch, advance, chrome, keep_chrome)
    return spool, members, corpus, workers


def _spawned_pool(workers: int) -> ProcessPoolExecutor | nullcontext:
    """A pool of ``workers`` fresh processes, or none for one worker.

    Spawned, not forked: a forked worker would inherit (and, as its collector
    walks them, copy) the main process' records of every document. A stage
    gets a pool of its own, so that no worker keeps what an earlier stage left.
    """
    if workers <= 1:
        return nullcontext()
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


# Verifies document pairs (positions) against the corpus' features: the matches that share text.
Check = Callable[[np.ndarray], list[Match]]


def _verified(
    check: Check, pairs: np.ndarray, n_docs: int, workers: int, advance: Advance | None
) -> tuple[list[Match], int, PairSet]:
    """The candidate pairs verified: the matches that share text, the number of links and the pairs verified."""
    verified = PairSet(n_docs)
    matches: list[Match] = []
    links = 0
    for done, (found, linked) in _verified_blocks(check, pairs, workers):
        matches += found
        links += linked
        if advance is not None:
            advance("verifying", done, len(pairs))
    verified.add(pairs)
    return matches, links, verified


def label_verifying(
    check: Check, ids: Sequence[str], members: list[Member], matches: list[Match], verified: PairSet,
    config: LabelConfig, links: int,
) -> tuple[Labelling, int]:
    """Label the corpus, verifying the pairs labelling asks about (``matches`` grows with those that share text).

    ``verified`` answers whether a pair of positions in ``ids`` was verified
    and takes the pairs verified here (``add``); the feed index passes its own.

    Returns the labelling and the number of links, counting the new ones.
    """
    position = {doc_id: i for i, doc_id in enumerate(ids)}

    def was_verified(a: str, b: str) -> bool:
        return (position[a], position[b]) in verified

    labelling = label_corpus(members, matches, config, was_verified)
    for _ in range(_MAX_LABEL_ROUNDS):
        if not labelling.unverified:
            break
        batch = np.sort([(position[o], position[m]) for o, m in labelling.unverified], axis=1)
        found, linked = _with_links(check(batch))
        matches += found
        links += linked
        verified.add(batch)
        labelling = relabel_corpus(labelling, members, matches, found, config, was_verified)
    return labelling, links


def _with_links(found: list[Match]) -> tuple[list[Match], int]:
    """The matches, and how many of them are linked."""
    return found, sum(m.linked for m in found)


def _verified_blocks(check: Check, pairs: np.ndarray, workers: int) -> Iterator[tuple[int, tuple[list[Match], int]]]:
    """Verify the pairs block by block, in order: (pairs done, (matches sharing text, links)).

    With workers, the processes are forked once the features are built, so
    that they share them instead of receiving a copy each.
    """
    blocks = [pairs[k : k + _VERIFY_BATCH] for k in range(0, len(pairs), _VERIFY_BATCH)]
    ends = np.cumsum([len(b) for b in blocks]).tolist()
    if workers > 1 and len(blocks) > 1 and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_hold, initargs=(check,)) as pool:
            yield from zip(ends, pool.map(_check_held, blocks))
        return
    for end, block in zip(ends, blocks):
        yield end, _with_links(check(block))


# What a forked verification worker checks pairs with: set once in each worker by ``_hold``.
_held: list[Check] = []


def _hold(check: Check) -> None:
    keep_freed_arrays()
    _held.append(check)


def _check_held(block: np.ndarray) -> tuple[list[Match], int]:
    return _with_links(_held[0](block))


def _spooled(docs: Iterable[Document], path: Path) -> tuple[Spool, list[Member]]:
    """The documents written to a spool, ids checked unique, and what labelling needs of each."""
    spool = Spool(path)
    members: list[Member] = []
    seen: set[str] = set()
    for d in docs:
        if d.id in seen:
            raise InputError(d.origin or d.id, f"duplicate document id {d.id!r}")
        seen.add(d.id)
        spool.append(d)
        members.append(Member.of(d))
    spool.close()
    return spool, members


@dataclass(frozen=True)
class Comparison:
    """Two documents compared: their match, seen from ``a``, and what it makes of the pair.

    ``label`` is ``syndicated`` or ``rewrite`` when one derives from the other
    (``original`` and ``derived`` say which way), ``independent`` when the
    pair is not linked. It is the label of the pair alone: in a clustering
    run a document's source is its cluster's original, which may be a third.
    """

    a: Document
    b: Document
    match: Match
    label: str
    original: str | None = None
    derived: str | None = None


def judged(a: Document, b: Document, match: Match, config: LabelConfig = LabelConfig()) -> Comparison:
    """The comparison of two documents given their match: which derives from which, and how."""
    verdicts = label_corpus([a, b], [match], config).verdicts
    derived = next((v for v in verdicts if v.source), None)
    if derived is None:
        return Comparison(a, b, match.toward(a.id), "independent")
    return Comparison(a, b, match.toward(a.id), derived.label.value, derived.source, derived.id)


def compare_in_corpus(
    docs: Iterable[Document],
    pairs: Sequence[IdPair],
    config: Config = Config(),
    background: Background | None = None,
    workers: int = 1,
    chrome: ChromeModel | None = None,
) -> list[Comparison]:
    """Pairs of documents of a corpus compared with the corpus' statistics, in the order given.

    The whole corpus is prepared (its chrome learnt, on top of ``chrome`` when given; IDF fitted) as
    ``cluster_documents`` does, then only the pairs asked for are verified:
    a pair scores as it does in a clustering run of that corpus. An id the
    corpus does not hold, or whose text is empty, is an ``InputError`` at the
    place the pair was given.
    """
    model = background if background is not None else load_background()
    with tempfile.TemporaryDirectory(prefix="dedup-") as scratch:
        spool, members, corpus, _ = _read_and_digest(docs, config, model, workers, Path(scratch), None, chrome)
        read_at = {m.id: k for k, m in enumerate(members)}
        position = {doc_id: k for k, doc_id in enumerate(corpus.features.ids)}
        for pair in pairs:
            for doc_id in (pair.a, pair.b):
                if doc_id not in read_at:
                    raise InputError(pair.where, f"unknown id {doc_id!r}: no document of the corpus ({len(members)}"
                                                 f" documents) has it")
                if doc_id not in position:
                    raise InputError(pair.where, f"{doc_id!r} has an empty text: nothing to compare")
            if pair.a == pair.b:
                raise InputError(pair.where, f"compares {pair.a!r} with itself")
        # Verified in corpus order, as the clustering run verifies its candidate pairs.
        ordered = [sorted((position[p.a], position[p.b])) for p in pairs]
        matches = verify_pairs(corpus.features, ordered, config.verify)
        return [
            judged(spool[read_at[p.a]], spool[read_at[p.b]], m, config.label) for p, m in zip(pairs, matches)
        ]


def compare_documents(
    a: Document, b: Document, config: Config = Config(), background: Background | None = None,
    chrome: ChromeModel | None = None,
) -> Match:
    """Verify one pair directly, whatever LSH would have said; without ``chrome``'s chrome when given."""
    pair = prepare_all([a, b], config.normalize, chrome=chrome)
    model = background if background is not None else load_background()
    return verify_pairs(features_of(pair, model, config.signature.doc_shingle), [(0, 1)], config.verify)[0]


def score_pairs(
    pairs: Iterable[tuple[str, str, str]],
    config: Config = Config(),
    background: Background | None = None,
    workers: int = 1,
    chrome: ChromeModel | None = None,
) -> Iterator[PairScore]:
    """Score many (id, text_a, text_b) pairs; IDF is fitted on all their texts at once.

    ``workers`` > 1 prepares the texts in that many processes, same scores.
    ``chrome``: a chrome model to drop chrome with, else learned from the texts.
    """
    rows = list(pairs)
    docs = [Document(f"{pid}/{side}", text) for pid, a, b in rows for side, text in (("a", a), ("b", b))]
    with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        prepared = prepare_all(docs, config.normalize, pool, workers, chrome)
    model = background if background is not None else load_background()
    features = features_of(prepared, model, config.signature.doc_shingle)
    matches = verify_pairs(features, [(2 * k, 2 * k + 1) for k in range(len(rows))], config.verify)
    for (pid, _, _), match in zip(rows, matches):
        yield PairScore(pid, match)
