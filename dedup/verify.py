"""Verification of candidate pairs: shingle overlap, TF-IDF cosine and passage alignment.

A pair is linked when it shares text: a long verbatim overlap (containment of
word 5-grams), or several passages aligned as the same sentence, copied or
paraphrased, covering enough of one document. Topic alone never links: two
articles on one event share names, but not sentence after sentence.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.background import EMPTY_BACKGROUND, Background
from dedup.config import VerifyConfig
from dedup.records import Alignment, Match, Prepared
from dedup.shingle import overlap, shingle_set


@dataclass(frozen=True)
class Features:
    """What verification needs of one document, computed once.

    Passage vectors are kept as coordinates (``rows``; ``local``, an index into
    ``doc_cols``; ``vals``, l2-normalized per passage) and the document vector as
    sorted ``doc_cols`` and ``doc_vals``, so that a pair is scored with a few
    numpy calls over the vocabulary the two documents share.
    """

    shingles: np.ndarray
    n_passages: int
    rows: np.ndarray
    local: np.ndarray
    vals: np.ndarray
    weights: np.ndarray
    doc_cols: np.ndarray
    doc_vals: np.ndarray
    phrases: tuple[dict[str, float], ...]


def _restricted(f: Features, idx: np.ndarray) -> np.ndarray:
    """The passage vectors of ``f`` as a dense matrix over its document columns ``idx`` only."""
    position = np.full(f.doc_cols.size, -1, dtype=np.int64)
    position[idx] = np.arange(idx.size)
    column = position[f.local]
    keep = column >= 0
    dense = np.zeros((f.n_passages, idx.size))
    dense[f.rows[keep], column[keep]] = f.vals[keep]
    return dense


def similarities(a: Features, b: Features) -> tuple[float, np.ndarray]:
    """Document cosine and the passage-by-passage cosine matrix of a pair."""
    common, ia, ib = np.intersect1d(a.doc_cols, b.doc_cols, assume_unique=True, return_indices=True)
    cosine = float(a.doc_vals[ia] @ b.doc_vals[ib])
    if common.size == 0 or a.n_passages == 0 or b.n_passages == 0:
        return cosine, np.zeros((a.n_passages, b.n_passages))
    return cosine, _restricted(a, ia) @ _restricted(b, ib).T


def _tfidf(
    token_lists: Sequence[Sequence[str]], vocabulary: dict[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sublinear TF-IDF of many token lists at once, as (row, column, value) sorted by row then column.

    Tokens outside the vocabulary are ignored.
    """
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    cols = np.fromiter(
        (vocabulary.get(t, -1) for tokens in token_lists for t in tokens), dtype=np.int64, count=int(lengths.sum())
    )
    rows = np.repeat(np.arange(len(token_lists)), lengths)
    known = cols >= 0
    keys, tf = np.unique(rows[known] * max(idf.size, 1) + cols[known], return_counts=True)
    rows, cols = np.divmod(keys, max(idf.size, 1))
    return rows, cols, (1.0 + np.log(tf)) * idf[cols]


def _unit(rows: np.ndarray, vals: np.ndarray, n_rows: int) -> np.ndarray:
    norms = np.sqrt(np.bincount(rows, vals * vals, minlength=n_rows))
    return vals / norms[rows]


class Scorer:
    """TF-IDF over content-word stems, with document frequencies from the corpus plus a background model.

    Attributes set by ``fit``: ``vocabulary_`` (stem -> column), ``idf_`` and
    ``phrase_df_`` (documents per evidence phrase).
    """

    def __init__(self, background: Background = EMPTY_BACKGROUND, shingle: int = 5) -> None:
        self.background = background
        self.shingle = shingle

    def fit(self, docs: Sequence[Prepared]) -> Scorer:
        """Learn the vocabulary and IDF from the corpus' documents."""
        df_corpus = Counter(chain.from_iterable(set(d.stems) for d in docs))
        self.vocabulary_: dict[str, int] = {stem: col for col, stem in enumerate(sorted(df_corpus))}
        df = np.array([df_corpus[t] + self.background.df.get(t, 0) for t in self.vocabulary_], dtype=np.float64)
        n = len(docs) + self.background.n_docs
        self.idf_ = np.log((1.0 + n) / (1.0 + df)) + 1.0
        self.phrase_df_ = Counter(chain.from_iterable({x for p in d.passages for x in p.phrases} for d in docs))
        self.n_docs_ = n
        return self

    def phrase_idf(self, phrase: str) -> float:
        """IDF of an evidence phrase ("stem stem") over the corpus and the background."""
        df = self.phrase_df_.get(phrase, 0) + self.background.phrase_df.get(phrase, 0)
        return float(np.log((1.0 + self.n_docs_) / (1.0 + df)) + 1.0)

    def features(self, doc: Prepared) -> Features:
        """Shingles, l2-normalized passage and document vectors, passage weights and phrases."""
        return self.features_many([doc])[0]

    def features_many(self, docs: Sequence[Prepared]) -> list[Features]:
        """``features`` of many documents, vectorized over all their passages at once."""
        if not hasattr(self, "idf_"):
            raise RuntimeError("Scorer is not fitted: call fit(documents) first")
        passages = [p.tokens for d in docs for p in d.passages]
        p_rows, p_cols, p_vals = _tfidf(passages, self.vocabulary_, self.idf_)
        weights = np.bincount(p_rows, p_vals, minlength=len(passages))
        p_unit = _unit(p_rows, p_vals, len(passages))
        d_rows, d_cols, d_vals = _tfidf([d.stems for d in docs], self.vocabulary_, self.idf_)
        d_unit = _unit(d_rows, d_vals, len(docs))
        passage_start = np.r_[0, np.cumsum([len(d.passages) for d in docs])]
        p_cuts = np.searchsorted(p_rows, passage_start)
        d_cuts = np.searchsorted(d_rows, np.arange(len(docs) + 1))
        idf: dict[str, float] = {}
        out = []
        for k, doc in enumerate(docs):
            p, q = p_cuts[k], p_cuts[k + 1]
            doc_cols = d_cols[d_cuts[k] : d_cuts[k + 1]]
            out.append(
                Features(
                    shingles=shingle_set(doc.words, self.shingle),
                    n_passages=len(doc.passages),
                    rows=p_rows[p:q] - passage_start[k],
                    local=np.searchsorted(doc_cols, p_cols[p:q]),
                    vals=p_unit[p:q],
                    weights=weights[passage_start[k] : passage_start[k + 1]],
                    doc_cols=doc_cols,
                    doc_vals=d_unit[d_cuts[k] : d_cuts[k + 1]],
                    phrases=tuple(
                        {x: idf[x] if x in idf else idf.setdefault(x, self.phrase_idf(x)) for x in passage.phrases}
                        for passage in doc.passages
                    ),
                )
            )
        return out


def align(sim: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Greedy one-to-one alignment of passages whose cosine reaches ``threshold``, best first."""
    ii, jj = np.nonzero(sim >= threshold)
    order = np.lexsort((jj, ii, -sim[ii, jj]))
    used_a, used_b, pairs = set(), set(), []
    for k in order:
        i, j = int(ii[k]), int(jj[k])
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j, float(min(sim[i, j], 1.0))))
    return sorted(pairs)


def _reuse(weights: np.ndarray, aligned: np.ndarray, scores: np.ndarray) -> float:
    total = weights.sum()
    return float((weights[aligned] * scores).sum() / total) if total > 0 else 0.0


def reused_passages(
    fa: Features, fb: Features, sim: np.ndarray, config: VerifyConfig
) -> list[tuple[int, int, float, list[str]]]:
    """Aligned passages that are copies (verbatim) or rewrites sharing enough rare phrasing."""
    found = []
    for i, j, score in align(sim, config.align_threshold):
        weights = fa.phrases[i]
        shared = [k for k in weights.keys() & fb.phrases[j].keys() if weights[k] >= config.rare_phrase_idf]
        evidence = sum(weights[k] for k in shared)
        if (score >= config.verbatim_score and shared) or evidence >= config.min_phrase_evidence:
            found.append((i, j, score, sorted(shared)))
    return found


def verify(a: Prepared, b: Prepared, fa: Features, fb: Features, config: VerifyConfig) -> Match:
    """Score one pair and decide whether it shares text."""
    common = overlap(fa.shingles, fb.shingles)
    union = fa.shingles.size + fb.shingles.size - common
    cont_ab = common / fa.shingles.size if fa.shingles.size else 0.0
    cont_ba = common / fb.shingles.size if fb.shingles.size else 0.0
    cosine, sim = similarities(fa, fb)
    reused = reused_passages(fa, fb, sim, config)
    ia = np.array([r[0] for r in reused], dtype=np.int64)
    ib = np.array([r[1] for r in reused], dtype=np.int64)
    scores = np.array([r[2] for r in reused])
    reuse_ab = _reuse(fa.weights, ia, scores)
    reuse_ba = _reuse(fb.weights, ib, scores)
    containment = max(cont_ab, cont_ba)
    one_passage_enough = containment >= config.partial_containment or max(reuse_ab, reuse_ba) >= config.single_passage_share
    linked = (
        containment >= config.syndication_containment
        or len(reused) >= config.min_reused
        or (len(reused) == 1 and one_passage_enough)
    )
    return Match(
        a=a.id,
        b=b.id,
        jaccard=common / union if union else 0.0,
        containment_ab=cont_ab,
        containment_ba=cont_ba,
        cosine=cosine,
        reuse_ab=reuse_ab,
        reuse_ba=reuse_ba,
        score=max(containment, reuse_ab, reuse_ba),
        paraphrase_distance=1.0 - float(scores.mean()) if reused else 1.0,
        linked=linked,
        alignments=tuple(
            Alignment(i, j, a.passages[i].text, b.passages[j].text, s, tuple(p)) for i, j, s, p in reused
        ),
    )
