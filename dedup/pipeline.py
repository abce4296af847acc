"""The stages in order: prepare, sign, find candidates, verify, label."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, fields, replace
from functools import partial

import numpy as np

from dedup.background import Background, load_background
from dedup.boilerplate import Boilerplate, find_boilerplate
from dedup.candidates import document_pairs
from dedup.cluster import label_corpus
from dedup.config import Config, NormalizeConfig, SignatureConfig
from dedup.errors import InputError
from dedup.normalize import prepare
from dedup.records import Cluster, Document, Match, Prepared, Verdict
from dedup.shingle import shingle_sets
from dedup.signature import grouped_signatures
from dedup.verify import Scorer

# Each round verifies the members of a cluster against an original chosen in the
# previous one; originals settle in two or three rounds.
_MAX_LABEL_ROUNDS = 8


@dataclass(frozen=True)
class Result:
    """What a clustering run found.

    ``verdicts`` follow the input order; ``matches`` are every verified candidate
    pair (linked or not); ``skipped`` are the ids of documents with no text.
    """

    verdicts: tuple[Verdict, ...]
    clusters: tuple[Cluster, ...]
    matches: tuple[Match, ...]
    skipped: tuple[str, ...] = ()
    stats: dict[str, float] = field(default_factory=dict)


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
# Below this many documents per worker, starting processes costs more than it saves.
_DOCS_PER_WORKER = 1000


def auto_workers(n_docs: int) -> int:
    """All cores for a large corpus, one process for a small one."""
    return max(1, min(os.cpu_count() or 1, n_docs // _DOCS_PER_WORKER))


def _chunks(n: int, parts: int) -> list[range]:
    """``parts`` contiguous ranges covering 0..n-1, in order."""
    bounds = [n * k // parts for k in range(parts + 1)]
    return [range(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def prepare_all(
    docs: Sequence[Document],
    config: NormalizeConfig,
    pool: ProcessPoolExecutor | None = None,
    workers: int = 1,
    advance: Advance | None = None,
) -> list[Prepared]:
    """Every document prepared against the corpus' boilerplate, in order; in the pool when one is given."""
    return [p for chunk, _ in _prepare_chunks(docs, config, None, pool, workers, advance) for p in chunk]


def prepare_and_sign(
    docs: Sequence[Document],
    config: Config,
    pool: ProcessPoolExecutor | None,
    workers: int,
    advance: Advance | None = None,
) -> tuple[list[Prepared], tuple[str, ...], Signed]:
    """The documents with text prepared and signed, in order, and the ids of those without.

    Signing is done with preparing, chunk by chunk, so that it runs in the
    workers too; a set's signature depends on that set alone.
    """
    prepared: list[Prepared] = []
    skipped: list[str] = []
    parts: list[Signed] = []
    for chunk, signed in _prepare_chunks(docs, config.normalize, config.signature, pool, workers, advance):
        parts.append(replace(signed, shingle_rows=signed.shingle_rows + len(prepared)))
        prepared += (p for p in chunk if p.words)
        skipped += (p.id for p in chunk if not p.words)
    if not parts:
        parts = [sign([], config.signature)]
    return (
        prepared,
        tuple(skipped),
        Signed(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Signed))),
    )


def _prepare_chunks(
    docs: Sequence[Document],
    config: NormalizeConfig,
    signature: SignatureConfig | None,
    pool: ProcessPoolExecutor | None,
    workers: int,
    advance: Advance | None,
) -> Iterator[tuple[list[Prepared], Signed | None]]:
    boilerplate = find_boilerplate(docs, config)
    job = partial(_prepare_chunk, boilerplate=boilerplate, config=config, signature=signature)
    parts = [docs[r.start : r.stop] for r in _chunks(len(docs), max(workers * 4, len(docs) // _PREPARE_BATCH))]
    done = 0
    for chunk, signed in pool.map(job, parts) if pool is not None else map(job, parts):
        done += len(chunk)
        if advance is not None:
            advance("preparing", done, len(docs))
        yield chunk, signed


def _prepare_chunk(
    docs: Sequence[Document], boilerplate: Boilerplate, config: NormalizeConfig, signature: SignatureConfig | None
) -> tuple[list[Prepared], Signed | None]:
    prepared = [prepare(d, boilerplate.keys_for(d), config) for d in docs]
    return prepared, None if signature is None else sign([p for p in prepared if p.words], signature)


def fit_scorer(docs: Sequence[Prepared], config: Config, background: Background | None) -> Scorer:
    """A TF-IDF scorer fitted on the corpus, over the shipped background model unless one is given."""
    model = background if background is not None else load_background()
    return Scorer(model, shingle=config.signature.doc_shingle).fit(docs)


def cluster_documents(
    docs: Iterable[Document],
    config: Config = Config(),
    background: Background | None = None,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
    advance: Advance | None = None,
) -> Result:
    """Find wire-origin clusters in a corpus and label every document in them.

    ``workers`` > 1 prepares and signs documents in that many processes; the
    result is the same as with one. ``progress`` is told when each stage ends
    and ``advance`` how far the long stages (preparing, verifying) have got;
    the CLI draws them on a terminal.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str, done: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[f"seconds_{stage}"] = round(now - clock, 4)
        clock = now
        if progress is not None:
            progress(f"{done} ({timings[f'seconds_{stage}']:.1f} s)")

    all_docs = list(docs)
    seen: set[str] = set()
    for d in all_docs:
        if d.id in seen:
            raise InputError(d.origin or d.id, f"duplicate document id {d.id!r}")
        seen.add(d.id)
    with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        prepared, skipped, signed = prepare_and_sign(all_docs, config, pool, workers, advance)
    owner = np.repeat(np.arange(len(prepared)), [len(d.passages) for d in prepared])
    lap("prepare", f"prepared and signed {len(prepared)} documents and {int(owner.size)} passages")
    pairs = document_pairs(signed.documents, signed.passages, owner, config.candidates)
    lap("candidates", f"found {len(pairs)} candidate pairs")
    scorer = fit_scorer(prepared, config, background)
    features = scorer.features(prepared, (signed.shingles, signed.shingle_rows))
    del signed
    matches: tuple[Match, ...] = ()
    candidates = list(pairs)
    for start in range(0, len(candidates), _VERIFY_BATCH):
        matches += tuple(scorer.verify(prepared, features, candidates[start : start + _VERIFY_BATCH], config.verify))
        if advance is not None:
            advance("verifying", len(matches), len(candidates))
    lap("verify", f"verified {len(pairs)} pairs, {sum(m.linked for m in matches)} linked")
    docs_in = [p.doc for p in prepared]
    position = {p.id: i for i, p in enumerate(prepared)}
    labelling = label_corpus(docs_in, matches, config.label)
    for _ in range(_MAX_LABEL_ROUNDS):
        if not labelling.unverified:
            break
        to_verify = [tuple(sorted((position[o], position[m]))) for o, m in labelling.unverified]
        matches += tuple(scorer.verify(prepared, features, to_verify, config.verify))
        labelling = label_corpus(docs_in, matches, config.label)
    verdicts, clusters = labelling.verdicts, labelling.clusters
    lap("label", f"labelled {len(verdicts)} documents in {sum(len(c.members) > 1 for c in clusters)} clusters")
    stats = {
        "documents": len(all_docs),
        "skipped": len(skipped),
        "passages": int(owner.size),
        "candidates": len(pairs),
        "links": sum(m.linked for m in matches),
        "clusters": sum(len(c.members) > 1 for c in clusters),
        **timings,
    }
    return Result(tuple(verdicts), tuple(clusters), matches, skipped, stats)


def compare_documents(
    a: Document, b: Document, config: Config = Config(), background: Background | None = None
) -> Match:
    """Verify one pair directly, whatever LSH would have said."""
    pair = prepare_all([a, b], config.normalize)
    scorer = fit_scorer(pair, config, background)
    return scorer.verify(pair, scorer.features(pair), [(0, 1)], config.verify)[0]


def score_pairs(
    pairs: Iterable[tuple[str, str, str]],
    config: Config = Config(),
    background: Background | None = None,
    workers: int = 1,
) -> Iterator[PairScore]:
    """Score many (id, text_a, text_b) pairs; IDF is fitted on all their texts at once.

    ``workers`` > 1 prepares the texts in that many processes, same scores.
    """
    rows = list(pairs)
    docs = [Document(f"{pid}/{side}", text) for pid, a, b in rows for side, text in (("a", a), ("b", b))]
    with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        prepared = prepare_all(docs, config.normalize, pool, workers)
    scorer = fit_scorer(prepared, config, background)
    index = [(2 * k, 2 * k + 1) for k in range(len(rows))]
    matches = scorer.verify(prepared, scorer.features(prepared), index, config.verify)
    for (pid, _, _), match in zip(rows, matches):
        yield PairScore(pid, match)
