"""Verification of candidate pairs: shingle overlap, TF-IDF cosine and passage alignment.

A pair is linked when it shares text: a long verbatim overlap (containment of
word 5-grams), or several passages aligned as the same sentence, copied or
paraphrased, covering enough of one document. Topic alone never links: two
articles on one event share names, but not sentence after sentence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np
import scipy.sparse as sp

from dedup.background import EMPTY_BACKGROUND, Background
from dedup.config import VerifyConfig
from dedup.normalize import words
from dedup.records import Alignment, Match, Prepared
from dedup.shingle import shingle_sets

# Passage cells (passage of A x passage of B) scored in one vectorized block.
_CELL_BLOCK = 1 << 17
# Pairs verified together: bounds the memory of their cells.
_PAIR_BLOCK = 5000


@dataclass(frozen=True)
class Features:
    """What verification needs of a list of documents, as matrices.

    ``documents`` and ``passages`` hold l2-normalized TF-IDF rows, one per
    document and one per passage; document ``k``'s passages are rows
    ``first[k]:first[k + 1]``. ``weights`` is each passage's TF-IDF mass (its
    share of the document's content), ``shingles`` each document's word
    n-gram set as a binary row.
    """

    documents: sp.csr_matrix
    passages: sp.csr_matrix
    weights: np.ndarray
    first: np.ndarray
    shingles: sp.csr_matrix

    @property
    def counts(self) -> np.ndarray:
        """Passages per document."""
        return np.diff(self.first)


@dataclass(frozen=True)
class PairScores:
    """What was measured of one pair before the link decision.

    ``cells`` are the passage pairs (index in A, index in B, cosine) whose
    cosine reaches the alignment threshold.
    """

    shared_shingles: int
    shingles_a: int
    shingles_b: int
    cosine: float
    cells: tuple[np.ndarray, np.ndarray, np.ndarray]
    weights_a: np.ndarray
    weights_b: np.ndarray


def _csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    out = sp.csr_matrix((vals, (rows, cols)), shape=shape)
    out.sum_duplicates()
    return out


def _rowwise_dot(m: sp.csr_matrix, r1: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """Dot products of rows ``r1[k]`` and ``r2[k]`` of ``m``, in blocks."""
    out = np.empty(r1.size)
    for start in range(0, r1.size, _CELL_BLOCK):
        part = slice(start, start + _CELL_BLOCK)
        out[part] = np.asarray(m[r1[part]].multiply(m[r2[part]]).sum(axis=1)).ravel()
    return out


def _tfidf(
    token_lists: Sequence[Sequence[str]], vocabulary: dict[str, int], idf: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sublinear TF-IDF rows of many token lists, l2-normalized, and each row's mass.

    Tokens outside the vocabulary are ignored.
    """
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    get = vocabulary.get
    cols = np.array([get(t, -1) for t in chain.from_iterable(token_lists)], dtype=np.int64)
    rows = np.repeat(np.arange(len(token_lists)), lengths)
    known = cols >= 0
    width = max(idf.size, 1)
    keys, tf = np.unique(rows[known] * width + cols[known], return_counts=True)
    rows, cols = np.divmod(keys, width)
    vals = (1.0 + np.log(tf)) * idf[cols]
    mass = np.bincount(rows, vals, minlength=len(token_lists))
    norms = np.sqrt(np.bincount(rows, vals * vals, minlength=len(token_lists)))
    return _csr(rows, cols, vals / norms[rows], (len(token_lists), width)), mass


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
        return math.log((1.0 + self.n_docs_) / (1.0 + df)) + 1.0

    def features(
        self, docs: Sequence[Prepared], shingles: tuple[np.ndarray, np.ndarray] | None = None
    ) -> Features:
        """TF-IDF rows of the documents and of all their passages, and the documents' shingle sets.

        ``shingles`` are the documents' word n-gram hashes and owners as
        ``shingle.shingle_sets`` gives them, when they were computed already.
        """
        if not hasattr(self, "idf_"):
            raise RuntimeError("Scorer is not fitted: call fit(documents) first")
        passages, weights = _tfidf([p.tokens for d in docs for p in d.passages], self.vocabulary_, self.idf_)
        documents, _ = _tfidf([d.stems for d in docs], self.vocabulary_, self.idf_)
        values, owner = shingles if shingles is not None else shingle_sets([d.words for d in docs], self.shingle)
        _, column = np.unique(values, return_inverse=True)
        sets = _csr(owner, column.ravel(), np.ones(values.size), (len(docs), int(column.max(initial=-1)) + 1))
        sets.data[:] = 1.0
        first = np.r_[0, np.cumsum([len(d.passages) for d in docs])]
        return Features(documents, passages, weights, first, sets)

    def verify(
        self, docs: Sequence[Prepared], features: Features, pairs: Sequence[tuple[int, int]], config: VerifyConfig
    ) -> list[Match]:
        """Verify document pairs (positions in ``docs`` and ``features``), scoring their passages in bulk."""
        out: list[Match] = []
        for start in range(0, len(pairs), _PAIR_BLOCK):
            block = np.asarray(pairs[start : start + _PAIR_BLOCK], dtype=np.int64).reshape(-1, 2)
            out += (
                verify(docs[i], docs[j], scores, self.phrase_idf, config)
                for (i, j), scores in zip(block.tolist(), pair_scores(features, block, config))
            )
        return out


def pair_scores(features: Features, pairs: np.ndarray, config: VerifyConfig) -> list[PairScores]:
    """Shingle overlap, document cosine and the passage cells at or above the alignment threshold, per pair.

    Every passage of A is compared with every passage of B, all pairs at once;
    a pair of documents with more than ``config.max_align_cells`` passage pairs
    (two huge documents) has only its identical passages compared.
    """
    ia, ib = pairs[:, 0], pairs[:, 1]
    sizes = np.diff(features.shingles.indptr)
    shared = _rowwise_dot(features.shingles, ia, ib)
    cosine = _rowwise_dot(features.documents, ia, ib)
    counts = features.counts
    cells = counts[ia] * counts[ib]
    bulk = cells <= config.max_align_cells
    n_cells = np.where(bulk, cells, 0)
    owner = np.repeat(np.arange(pairs.shape[0]), n_cells)
    local = np.arange(owner.size) - np.repeat(np.cumsum(n_cells) - n_cells, n_cells)
    nb = counts[ib][owner]
    ci, cj = local // np.maximum(nb, 1), local % np.maximum(nb, 1)
    sim = _rowwise_dot(features.passages, features.first[ia][owner] + ci, features.first[ib][owner] + cj)
    keep = sim >= config.align_threshold
    owner, ci, cj, sim = owner[keep], ci[keep], cj[keep], sim[keep]
    cuts = np.searchsorted(owner, np.arange(pairs.shape[0] + 1))
    out = []
    for k, (a, b) in enumerate(pairs.tolist()):
        wa = features.weights[features.first[a] : features.first[a + 1]]
        wb = features.weights[features.first[b] : features.first[b + 1]]
        if bulk[k]:
            found = (ci[cuts[k] : cuts[k + 1]], cj[cuts[k] : cuts[k + 1]], sim[cuts[k] : cuts[k + 1]])
        else:
            found = _identical_cells(features, a, b)
        out.append(PairScores(int(shared[k]), int(sizes[a]), int(sizes[b]), float(cosine[k]), found, wa, wb))
    return out


def _identical_cells(features: Features, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Passage pairs of A and B with identical TF-IDF rows (cosine 1), found by hashing the rows."""
    def keys(doc: int) -> dict[bytes, int]:
        rows = features.passages[features.first[doc] : features.first[doc + 1]]
        return {
            rows.indices[rows.indptr[r] : rows.indptr[r + 1]].tobytes()
            + rows.data[rows.indptr[r] : rows.indptr[r + 1]].tobytes(): r
            for r in range(rows.shape[0])
            if rows.indptr[r + 1] > rows.indptr[r]
        }

    in_b = keys(b)
    matched = [(i, in_b[key]) for key, i in keys(a).items() if key in in_b]
    ci = np.array([i for i, _ in matched], dtype=np.int64)
    cj = np.array([j for _, j in matched], dtype=np.int64)
    return ci, cj, np.ones(ci.size)


def align(ii: np.ndarray, jj: np.ndarray, sim: np.ndarray) -> list[tuple[int, int, float]]:
    """Greedy one-to-one alignment of passage cells (index in A, index in B, cosine), best first."""
    order = np.lexsort((jj, ii, -sim))
    used_a, used_b, pairs = set(), set(), []
    for i, j, score in zip(ii[order].tolist(), jj[order].tolist(), sim[order].tolist()):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j, min(score, 1.0)))
    return sorted(pairs)


def _reuse(weights: np.ndarray, aligned: list[int], scores: list[float]) -> float:
    """The share of a document's TF-IDF mass in its aligned passages, each counted by its score."""
    if not aligned:
        return 0.0
    total = weights.sum()
    return float(weights[aligned] @ np.array(scores) / total) if total > 0 else 0.0


def reused_passages(
    a: Prepared, b: Prepared, aligned: list[tuple[int, int, float]],
    phrase_idf: Callable[[str], float], config: VerifyConfig,
) -> list[tuple[int, int, float, list[str]]]:
    """Aligned passages that are copies (verbatim) or rewrites sharing enough rare phrasing."""
    found: list[tuple[int, int, float, list[str]]] = []
    for i, j, score in aligned:
        weights = {x: phrase_idf(x) for x in set(a.passages[i].phrases) & set(b.passages[j].phrases)}
        shared = [x for x, w in weights.items() if w >= config.rare_phrase_idf]
        evidence = sum(weights[x] for x in shared)
        if (score >= config.verbatim_score and shared) or evidence >= config.min_phrase_evidence:
            found.append((i, j, score, sorted(shared)))
    return found


# House-style edits outlets make to wire copy without rewording it: wire
# abbreviations spelled out, percent words (dropped: "%" is not a word),
# thousands separators, British against American spelling. Folded on both sides.
_STYLE_WORDS = {"pct": "", "percent": "", "mln": "million", "bln": "billion", "dlrs": "dollars",
                "dlr": "dollar", "cts": "cents", "grey": "gray", "aluminium": "aluminum"}
_PER_CENT = re.compile(r"\bper cent\b")
_STYLE_SUFFIXES = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<=\w\w)our(s|ed|ing|able|ite|ites)?$", r"or\1"),
        (r"(?<=\w\w)([iy])s(e|ed|es|ing|ation|ations)$", r"\1z\2"),
        (r"(?<=\w\w)tre(s)?$", r"ter\1"),
        (r"(?<=\w\w)ence$", "ense"),
        (r"(?<=\w)ll(ed|ing)$", r"l\1"),
        (r"(?<=\w\w)mme(s)?$", r"m\1"),
        (r"(?<=\w\w)ogue(s)?$", r"og\1"),
    )
)


@lru_cache(maxsize=1 << 16)
def style_folded(word: str) -> str:
    """A lower-cased word with house-style variation folded: 'labour' as 'labor', '1,000' as '1000', 'pct' as ''."""
    if word in _STYLE_WORDS:
        return _STYLE_WORDS[word]
    if any(c.isdigit() for c in word):
        return word.replace(",", "")
    for pattern, replacement in _STYLE_SUFFIXES:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=1 << 16)
def _wording(text: str) -> str:
    """A passage's words, house style folded, space-delimited so that containment is by whole words."""
    plain = _PER_CENT.sub("percent", " ".join(words(text)))
    return " " + " ".join(w for w in map(style_folded, plain.split()) if w) + " "


def _carried(a: Prepared, b: Prepared, weights: np.ndarray, judged: list[tuple[int, int]]) -> float:
    """Share of the weight of A's judged passages whose words run unchanged inside their B passage.

    Passages that are mostly quotation are left out while others remain: a
    rewrite keeps quotes verbatim too.
    """
    own = [(i, j) for i, j in judged if a.passages[i].quoted_share < 0.5] or judged
    total = float(sum(weights[i] for i, _ in own))
    if total <= 0:
        return 0.0
    kept = sum(weights[i] for i, j in own if _wording(a.passages[i].text) in _wording(b.passages[j].text))
    return float(kept) / total


def verbatim_shares(
    a: Prepared, b: Prepared, measured: PairScores, pairs: list[tuple[int, int, float]], threshold: float
) -> tuple[float, float]:
    """How much of A's and of B's aligned content the other carries word for word (0 when nothing is aligned).

    Only alignments of at least ``threshold`` cosine are judged: a looser one
    can pair a headline with a sentence it merely resembles.
    """
    judged = [(i, j) for i, j, score in pairs if score >= threshold]
    return _carried(a, b, measured.weights_a, judged), _carried(b, a, measured.weights_b, [(j, i) for i, j in judged])


def _in_tail(doc: Prepared, passages: list[int]) -> bool:
    """Whether the passages are all in stories appended below the page's own."""
    return bool(passages) and all(doc.passages[i].story > 0 for i in passages)


def verify(
    a: Prepared, b: Prepared, measured: PairScores, phrase_idf: Callable[[str], float], config: VerifyConfig
) -> Match:
    """Decide whether a scored pair shares text, and whether only through a story appended to one page."""
    common = measured.shared_shingles
    union = measured.shingles_a + measured.shingles_b - common
    cont_ab = common / measured.shingles_a if measured.shingles_a else 0.0
    cont_ba = common / measured.shingles_b if measured.shingles_b else 0.0
    cosine = measured.cosine
    aligned = align(*measured.cells) if measured.cells[0].size else []
    reused = reused_passages(a, b, aligned, phrase_idf, config)
    ia, ib, scores = [r[0] for r in reused], [r[1] for r in reused], [r[2] for r in reused]
    reuse_ab = _reuse(measured.weights_a, ia, scores)
    reuse_ba = _reuse(measured.weights_b, ib, scores)
    containment = max(cont_ab, cont_ba)
    one_passage_enough = (
        containment >= config.partial_containment or max(reuse_ab, reuse_ba) >= config.single_passage_share
    )
    linked = (
        containment >= config.syndication_containment
        or len(reused) >= config.min_reused
        or (len(reused) == 1 and one_passage_enough)
    )
    shared = reused or aligned
    verbatim_ab, verbatim_ba = (
        verbatim_shares(a, b, measured, aligned, config.wording_alignment) if linked or reused else (0.0, 0.0)
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
        paraphrase_distance=1.0 - sum(scores) / len(scores) if reused else 1.0,
        linked=linked,
        tail_only=linked and (_in_tail(a, [x[0] for x in shared]) or _in_tail(b, [x[1] for x in shared])),
        alignments=tuple(
            Alignment(i, j, a.passages[i].text, b.passages[j].text, s, tuple(p)) for i, j, s, p in reused
        ),
        verbatim_ab=verbatim_ab,
        verbatim_ba=verbatim_ba,
    )
