"""The stages in order: prepare, sign, find candidates, verify, label."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from dedup.background import Background, load_background
from dedup.boilerplate import Boilerplate, find_boilerplate
from dedup.candidates import document_pairs
from dedup.cluster import label_corpus
from dedup.config import Config, NormalizeConfig, VerifyConfig
from dedup.errors import InputError
from dedup.normalize import prepare, prepare_corpus
from dedup.records import Cluster, Document, Match, Prepared, Verdict
from dedup.shingle import shingle_set
from dedup.signature import signatures
from dedup.verify import Features, Scorer, verify

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


def sign(docs: Sequence[Prepared], config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Document signatures (word n-grams), passage signatures (content-stem pairs) and each passage's document."""
    doc_sets = [shingle_set(d.words, config.signature.doc_shingle) for d in docs]
    passage_sets = [shingle_set(p.tokens, config.signature.passage_shingle) for d in docs for p in d.passages]
    owner = np.repeat(np.arange(len(docs)), [len(d.passages) for d in docs])
    return signatures(doc_sets, config.signature), signatures(passage_sets, config.signature), owner


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
    docs: Sequence[Document], config: NormalizeConfig, pool: ProcessPoolExecutor | None, workers: int
) -> list[Prepared]:
    """Every document prepared, in order; in ``workers`` processes when a pool is given."""
    if pool is None:
        return prepare_corpus(docs, config)
    boilerplate = find_boilerplate(docs, config)
    job = partial(_prepare_chunk, boilerplate=boilerplate, config=config)
    parts = [docs[r.start : r.stop] for r in _chunks(len(docs), workers * 4)]
    return [p for chunk in pool.map(job, parts) for p in chunk]


def verify_all(
    prepared: Sequence[Prepared], pairs: Sequence[tuple[int, int]], scorer: Scorer, config: VerifyConfig,
    pool: ProcessPoolExecutor, workers: int,
) -> tuple[Match, ...]:
    """Every candidate pair verified in the pool, in order.

    Features are computed once per document (in parallel), then each task gets
    the documents and features its pairs need.
    """
    needed = sorted({k for pair in pairs for k in pair})
    parts = [[prepared[k] for k in needed[r.start : r.stop]] for r in _chunks(len(needed), workers * 2)]
    features = dict(zip(needed, (f for chunk in pool.map(partial(_features_chunk, scorer=scorer), parts) for f in chunk)))
    tasks = [pairs[r.start : r.stop] for r in _chunks(len(pairs), workers * 2)]
    futures = [
        pool.submit(_verify_chunk, task, {k: (prepared[k], features[k]) for pair in task for k in pair}, config)
        for task in tasks
    ]
    return tuple(m for f in futures for m in f.result())


def _features_chunk(docs: Sequence[Prepared], scorer: Scorer) -> list[Features]:
    return [scorer.features(d) for d in docs]


def _prepare_chunk(docs: Sequence[Document], boilerplate: Boilerplate, config: NormalizeConfig) -> list[Prepared]:
    return [prepare(d, boilerplate.keys_for(d), config) for d in docs]


def _verify_chunk(
    pairs: Sequence[tuple[int, int]], docs: dict[int, tuple[Prepared, Features]], config: VerifyConfig
) -> list[Match]:
    return [verify(docs[i][0], docs[j][0], docs[i][1], docs[j][1], config) for i, j in pairs]


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
) -> Result:
    """Find wire-origin clusters in a corpus and label every document in them.

    ``workers`` > 1 prepares documents and verifies candidate pairs in that many
    processes; the result is the same as with one. ``progress`` is told when
    each stage ends (the CLI prints it on a terminal).
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
        prepared = prepare_all(all_docs, config.normalize, pool, workers)
        skipped = tuple(p.id for p in prepared if not p.words)
        prepared = [p for p in prepared if p.words]
        lap("prepare", f"prepared {len(prepared)} documents")
        doc_sigs, passage_sigs, owner = sign(prepared, config)
        lap("sign", f"signed {len(prepared)} documents and {int(owner.size)} passages")
        pairs = document_pairs(doc_sigs, passage_sigs, owner, config.candidates)
        lap("candidates", f"found {len(pairs)} candidate pairs")
        scorer = fit_scorer(prepared, config, background)
        features: dict[int, Features] = {}

        def feats(i: int) -> Features:
            if i not in features:
                features[i] = scorer.features(prepared[i])
            return features[i]

        if pool is None:
            matches = tuple(verify(prepared[i], prepared[j], feats(i), feats(j), config.verify) for i, j in pairs)
        else:
            matches = verify_all(prepared, list(pairs), scorer, config.verify, pool, workers)
    lap("verify", f"verified {len(pairs)} pairs, {sum(m.linked for m in matches)} linked")
    docs_in = [p.doc for p in prepared]
    position = {p.id: i for i, p in enumerate(prepared)}
    labelling = label_corpus(docs_in, matches, config.label)
    for _ in range(_MAX_LABEL_ROUNDS):
        if not labelling.unverified:
            break
        to_verify = [tuple(sorted((position[o], position[m]))) for o, m in labelling.unverified]
        matches += tuple(verify(prepared[i], prepared[j], feats(i), feats(j), config.verify) for i, j in to_verify)
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
    pa, pb = prepare_corpus([a, b], config.normalize)
    scorer = fit_scorer([pa, pb], config, background)
    return verify(pa, pb, scorer.features(pa), scorer.features(pb), config.verify)


def score_pairs(
    pairs: Iterable[tuple[str, str, str]],
    config: Config = Config(),
    background: Background | None = None,
    workers: int = 1,
) -> Iterator[PairScore]:
    """Score many (id, text_a, text_b) pairs; IDF is fitted on all their texts at once.

    ``workers`` > 1 verifies the pairs in that many processes, same scores.
    """
    rows = list(pairs)
    docs = [Document(f"{pid}/{side}", text) for pid, a, b in rows for side, text in (("a", a), ("b", b))]
    with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        prepared = prepare_all(docs, config.normalize, pool, workers)
        scorer = fit_scorer(prepared, config, background)
        index = [(2 * k, 2 * k + 1) for k in range(len(rows))]
        if pool is None:
            matches: Iterable[Match] = (
                verify(prepared[i], prepared[j], scorer.features(prepared[i]), scorer.features(prepared[j]), config.verify)
                for i, j in index
            )
        else:
            matches = verify_all(prepared, index, scorer, config.verify, pool, workers)
        for (pid, _, _), match in zip(rows, matches):
            yield PairScore(pid, match)
