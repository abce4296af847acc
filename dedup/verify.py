"""Verification of candidate pairs: shingle overlap, TF-IDF cosine and passage alignment.

A pair is linked when it shares text: a long verbatim overlap (containment of
word 5-grams), or several passages aligned as the same sentence, copied or
paraphrased, covering enough of one document. Topic alone never links: two
articles on one event share names, but not sentence after sentence.

Every verified pair, and every aligned passage pair, also gets a paraphrase
distance: a graded measure of how far apart the two texts' wording is, from
their TF-IDF profiles over stems and over the stems' character n-grams (so
that "acquired" and "acquisition", or "labour" and "labor", still meet). It is
reported, never used for the link.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import chain

import numpy as np
import scipy.sparse as sp

from dedup.background import EMPTY_BACKGROUND, Background
from dedup.config import VerifyConfig
from dedup.normalize import passage_phrases, words
from dedup.records import Alignment, Match, Prepared
from dedup.shingle import distinct, shingle_sets, token_hashes
from dedup.spool import Records

# Passage cells (passage of A x passage of B) scored in one vectorized block.
_CELL_BLOCK = 1 << 17
# Pairs verified together: bounds the memory of their cells.
_PAIR_BLOCK = 5000
# Shingle hashes keep their top bits as sparse-matrix columns: a chance
# collision inside one pair's ~400 shingles has odds near 1e-4.
_SHINGLE_BITS = 30
# The width of the shingle rows (one column per hash prefix).
SHINGLE_COLUMNS = 1 << _SHINGLE_BITS
# Distinct phrases counted before the running phrase counts are merged.
_MERGE_PHRASES = 1 << 23
# Character n-grams of stems (with boundary marks): their length, and the bits
# of their hashes kept as columns.
_GRAM = 3
_GRAM_BITS = 20


@dataclass(frozen=True)
class Digest:
    """What verification keeps of a run of prepared documents, before the corpus' IDF is known.

    ``documents`` and ``passages`` hold stem counts, columns indexing the run's
    own ``vocabulary``; ``shingles`` each document's word n-grams as a binary
    row (columns are hash bits). Each passage's evidence phrases are 64-bit
    hashes, passage ``p``'s at ``phrases[phrase_ptr[p]:phrase_ptr[p + 1]]``;
    ``phrase_df`` counts the run's documents carrying each distinct phrase.
    ``texts`` are each document's passages, newline-joined and compressed: read
    back only for the pairs that share text.
    """

    ids: tuple[str, ...]
    vocabulary: tuple[str, ...]
    documents: sp.csr_matrix
    passages: sp.csr_matrix
    counts: np.ndarray
    shingles: sp.csr_matrix
    phrases: np.ndarray
    phrase_ptr: np.ndarray
    phrase_df: tuple[np.ndarray, np.ndarray]
    story: np.ndarray
    quoted: np.ndarray
    quote_open: np.ndarray
    texts: tuple[bytes, ...]


@dataclass(frozen=True)
class Features:
    """What verification needs of a corpus, as matrices and arrays.

    ``documents`` and ``passages`` hold l2-normalized TF-IDF rows, one per
    document and one per passage; document ``k``'s passages are rows
    ``first[k]:first[k + 1]``. ``weights`` is each passage's TF-IDF mass (its
    share of the document's content), ``shingles`` each document's word
    n-gram set as a binary row. Passage ``p``'s evidence phrases are
    ``phrases[phrase_ptr[p]:phrase_ptr[p + 1]]`` (hashes) with their IDF in
    ``phrase_idf``; ``story``, ``quoted`` and ``quote_open`` are the passages'
    fields of the same names, ``texts`` the documents' passage texts,
    compressed. ``grams`` maps each stem column to its character n-grams
    (unit rows, ``stem_grams``), for the paraphrase distance.
    """

    ids: tuple[str, ...]
    documents: sp.csr_matrix
    passages: sp.csr_matrix
    weights: np.ndarray
    first: np.ndarray
    shingles: sp.csr_matrix
    phrases: np.ndarray
    phrase_ptr: np.ndarray
    phrase_idf: np.ndarray
    story: np.ndarray
    quoted: np.ndarray
    quote_open: np.ndarray
    texts: Sequence[bytes]
    grams: sp.csr_matrix | None = None

    @property
    def counts(self) -> np.ndarray:
        """Passages per document."""
        return np.diff(self.first)

    def passage_texts(self, doc: int) -> list[str]:
        """The texts of a document's passages, in order (in constant time: asked for every pair sharing text)."""
        if self.first[doc + 1] == self.first[doc]:
            return []
        return zlib.decompress(self.texts[doc]).decode("utf-8").split("\n")


@dataclass(frozen=True)
class PairScores:
    """What was measured of one pair before the link decision.

    ``cells`` are the passage pairs (index in A, index in B, cosine) whose
    cosine reaches the alignment threshold; for each, ``evidence`` is the
    summed IDF of the rare phrases the two passages share and ``rare`` how
    many they share. ``may_share`` is false when the pair can be neither
    linked nor carry a reused passage (no cell could be one, too little
    containment): most candidate pairs, which need no alignment.
    ``distance`` is the documents' paraphrase distance and
    ``cell_distances`` the cells' (left out, None, for pairs that cannot share).
    """

    shared_shingles: int
    shingles_a: int
    shingles_b: int
    cosine: float
    cells: tuple[np.ndarray, np.ndarray, np.ndarray]
    weights_a: np.ndarray
    weights_b: np.ndarray
    evidence: np.ndarray
    rare: np.ndarray
    may_share: bool = True
    distance: float = 1.0
    cell_distances: np.ndarray | None = None


def _csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    out = sp.csr_matrix((vals, (rows, cols)), shape=shape)
    out.sum_duplicates()
    return out


def _gram_cosine(m: sp.csr_matrix, grams: sp.csr_matrix, r1: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """Cosines of the character n-gram profiles of rows ``r1[k]`` and ``r2[k]`` of ``m`` (TF-IDF over stems)."""
    out = np.empty(r1.size)
    for start in range(0, r1.size, _CELL_BLOCK):
        part = slice(start, start + _CELL_BLOCK)
        a, b = m[r1[part]] @ grams, m[r2[part]] @ grams
        dot = np.asarray(a.multiply(b).sum(axis=1), dtype=np.float64).ravel()
        norms = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel() * np.asarray(b.multiply(b).sum(axis=1)).ravel())
        out[part] = np.divide(dot, norms, out=np.zeros_like(dot), where=norms > 0)
    return out


def paraphrase_distances(m: sp.csr_matrix, grams: sp.csr_matrix | None, r1: np.ndarray, r2: np.ndarray,
                         stem_weight: float, cosine: np.ndarray | None = None) -> np.ndarray:
    """Paraphrase distances of rows ``r1[k]``, ``r2[k]`` of ``m`` (l2-normalized TF-IDF over stems, background IDF):
    one minus a weighted mean of their stem cosine and the cosine of their character n-gram profiles.

    0 for the same wording, rising as words are replaced, dropped or added,
    1 for nothing in common. ``stem_weight`` is the stem cosine's
    weight; ``cosine`` are the rows' stem cosines when they are known already.
    """
    if cosine is None:
        cosine = _rowwise_dot(m, r1, r2)
    grams_cosine = _gram_cosine(m, grams, r1, r2) if grams is not None else cosine
    similarity = stem_weight * cosine + (1.0 - stem_weight) * grams_cosine
    return np.clip(1.0 - similarity, 0.0, 1.0)


def _rowwise_dot(m: sp.csr_matrix, r1: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """Dot products of rows ``r1[k]`` and ``r2[k]`` of ``m``, in blocks."""
    out = np.empty(r1.size)
    for start in range(0, r1.size, _CELL_BLOCK):
        part = slice(start, start + _CELL_BLOCK)
        out[part] = np.asarray(m[r1[part]].multiply(m[r2[part]]).sum(axis=1), dtype=np.float64).ravel()
    return out


def _lengths(ptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Lengths of rows ``rows`` of a CSR-style pointer array, without a pass over the whole array."""
    return ptr[rows + 1] - ptr[rows]


def _ranges(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All positions of the ranges ``starts[k]:stops[k]``, and the range each comes from."""
    lengths = stops - starts
    owner = np.repeat(np.arange(lengths.size), lengths)
    return np.arange(owner.size) - np.repeat(np.cumsum(lengths) - lengths, lengths) + starts[owner], owner


def _counts(token_lists: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> sp.csr_matrix:
    """Token counts of many token lists as float32 rows; new tokens are added to ``vocabulary``."""
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    add = vocabulary.setdefault
    cols = np.array([add(t, len(vocabulary)) for t in chain.from_iterable(token_lists)], dtype=np.int64)
    rows = np.repeat(np.arange(len(token_lists)), lengths)
    return _csr(rows, cols, np.ones(cols.size, dtype=np.float32), (len(token_lists), max(len(vocabulary), 1)))


def digest(docs: Sequence[Prepared], shingles: tuple[np.ndarray, np.ndarray] | None = None, shingle: int = 5) -> Digest:
    """The verification digest of prepared documents (a pure function: it runs in the workers).

    ``shingles`` are the documents' word n-gram hashes and owners as
    ``shingle.shingle_sets`` gives them, when they were computed already.
    """
    vocabulary: dict[str, int] = {}
    passages = [p for d in docs for p in d.passages]
    documents = _counts([d.stems for d in docs], vocabulary)
    passage_rows = _counts([p.tokens for p in passages], vocabulary)
    documents.resize(documents.shape[0], max(len(vocabulary), 1))
    values, owner = shingles if shingles is not None else shingle_sets([d.words for d in docs], shingle)
    cells = distinct((owner.astype(np.int64) << _SHINGLE_BITS) | (values >> np.uint64(64 - _SHINGLE_BITS)).astype(np.int64))
    rows, columns = cells >> _SHINGLE_BITS, cells & ((1 << _SHINGLE_BITS) - 1)
    sets = _csr(rows, columns, np.ones(cells.size, dtype=np.int8), (len(docs), 1 << _SHINGLE_BITS))
    counts = np.fromiter((len(d.passages) for d in docs), dtype=np.int64, count=len(docs))
    phrase_counts = np.fromiter((len(p.phrases) for p in passages), dtype=np.int64, count=len(passages))
    phrases = token_hashes(list(chain.from_iterable(p.phrases for p in passages)))
    carrier = np.repeat(np.repeat(np.arange(len(docs)), counts), phrase_counts)
    order = np.lexsort((phrases, carrier))
    first_in_doc = np.r_[True, (np.diff(carrier[order]) != 0) | (np.diff(phrases[order]) != 0)] if order.size else order
    return Digest(
        ids=tuple(d.id for d in docs),
        vocabulary=tuple(vocabulary),
        documents=documents,
        passages=passage_rows,
        counts=counts,
        shingles=sets,
        phrases=phrases,
        phrase_ptr=np.r_[0, np.cumsum(phrase_counts)],
        phrase_df=np.unique(phrases[order][first_in_doc.astype(bool)], return_counts=True),
        story=np.fromiter((p.story for p in passages), dtype=np.int16, count=len(passages)),
        quoted=np.fromiter((p.quoted_share for p in passages), dtype=np.float32, count=len(passages)),
        quote_open=np.fromiter((p.quote_open for p in passages), dtype=bool, count=len(passages)),
        texts=tuple(zlib.compress("\n".join(p.text for p in d.passages).encode("utf-8"), 1) for d in docs),
    )


class FeatureBuilder:
    """Gathers the digests of a corpus, run by run, into its ``Features``: TF-IDF over content-word stems.

    Document frequencies come from the corpus plus a background model; the
    runs are merged as they arrive, so that a corpus never has to be held as
    prepared documents. With a ``texts`` file, the passage texts go there
    instead of memory (and are read back from it).
    """

    def __init__(
        self, background: Background = EMPTY_BACKGROUND, texts: Records | None = None,
        phrase_counts: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.background = background
        self._texts = texts
        # The background's phrase counts by hash (sorted keys, counts): given by a caller whose counts are
        # kept as hashes (the feed index), else hashed from the background's phrases.
        self._phrase_counts = phrase_counts
        self._vocabulary: dict[str, int] = {}
        self._parts: list[Digest] = []
        self._phrase_keys = np.empty(0, dtype=np.uint64)
        self._phrase_df = np.empty(0, dtype=np.int32)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, part: Digest) -> None:
        """Take the digest of the next run of documents (in corpus order)."""
        add = self._vocabulary.setdefault
        to_global = np.array([add(s, len(self._vocabulary)) for s in part.vocabulary], dtype=np.int32)
        if self._texts is not None:
            self._texts.extend(part.texts)
        self._parts.append(
            replace(
                part,
                vocabulary=(),
                documents=recolumned(part.documents, to_global),
                passages=recolumned(part.passages, to_global),
                phrase_df=(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)),
                texts=() if self._texts is not None else part.texts,
            )
        )
        self._pending.append(part.phrase_df)
        if sum(k.size for k, _ in self._pending) > _MERGE_PHRASES:
            self._merge_phrases()

    def _merge_phrases(self) -> None:
        keys, inverse = np.unique(np.concatenate([self._phrase_keys, *(k for k, _ in self._pending)]), return_inverse=True)
        counts = np.concatenate([self._phrase_df, *(c for _, c in self._pending)])
        self._phrase_keys, self._phrase_df = keys, np.bincount(inverse.ravel(), counts, keys.size).astype(np.int32)
        self._pending = []

    def features(self) -> Features:
        """The corpus' features; the gathered digests are consumed field by field, to bound the peak memory."""
        self._merge_phrases()
        if self._texts is not None:
            self._texts.close()
        parts, self._parts = self._parts, []
        width = max(len(self._vocabulary), 1)
        n = sum(len(p.ids) for p in parts) + self.background.n_docs
        df = np.zeros(width, dtype=np.int64)
        for part in parts:
            df += np.bincount(part.documents.indices, minlength=width)
        df += np.array([self.background.df.get(s, 0) for s in self._vocabulary] or [0], dtype=np.int64)[:width]
        idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        phrase_idf = self._phrase_idf(n)
        field = {name: [getattr(p, name) for p in parts] for name in Digest.__dataclass_fields__}
        del parts
        documents = _stacked([tfidf(m, idf, width)[0] for m in _drained(field["documents"])], width)
        rows = [tfidf(m, idf, width) for m in _drained(field["passages"])]
        weights = np.concatenate([w for _, w in rows]) if rows else np.empty(0)
        passages = _stacked([m for m, _ in _drained(rows)], width)
        counts = _joined(field["counts"], np.int64)
        phrases = _joined(field.pop("phrases"), np.uint64)
        ptr = np.cumsum(np.r_[0, *(np.diff(p) for p in field["phrase_ptr"])]).astype(np.int64)
        return Features(
            ids=tuple(chain.from_iterable(field["ids"])),
            documents=documents,
            passages=passages,
            weights=weights,
            first=np.r_[0, np.cumsum(counts)].astype(np.int64),
            shingles=_stacked(field.pop("shingles"), 1 << _SHINGLE_BITS),
            phrases=phrases,
            phrase_ptr=ptr,
            phrase_idf=phrase_idf(phrases),
            story=_joined(field["story"], np.int16),
            quoted=_joined(field["quoted"], np.float32),
            quote_open=_joined(field["quote_open"], bool),
            texts=self._texts if self._texts is not None else tuple(chain.from_iterable(field.pop("texts"))),
            grams=stem_grams(list(self._vocabulary), width),
        )

    def _phrase_idf(self, n: int) -> Callable[[np.ndarray], np.ndarray]:
        """IDF of phrase hashes found in the corpus, over the corpus and the background."""
        bg_keys, bg_df = self._phrase_counts or phrase_counts(self.background)
        keys, corpus_df = self._phrase_keys, self._phrase_df
        at = np.minimum(np.searchsorted(bg_keys, keys), max(bg_keys.size - 1, 0))
        df = corpus_df + (np.where(bg_keys[at] == keys, bg_df[at], 0) if bg_keys.size else 0)
        idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)

        def lookup(hashes: np.ndarray) -> np.ndarray:
            return idf[np.searchsorted(keys, hashes)] if hashes.size else np.empty(0, dtype=np.float32)

        return lookup


def stem_grams(stems: Sequence[str], width: int | None = None) -> sp.csr_matrix:
    """Each stem's character n-grams ('<' and '>' mark its ends) as a unit-length row of hashed columns.

    Row ``k`` is stem ``k``; ``width`` rows in all (rows past the stems are
    empty). Thousands separators are dropped first, so that "2,454,000" and
    "2454000" (a house-style edit) have the same n-grams. Computed on the
    stems' code points at once.
    """
    width = len(stems) if width is None else width
    if not stems:
        return sp.csr_matrix((width, 1 << _GRAM_BITS), dtype=np.float32)
    folded = [stem.replace(",", "") or stem for stem in stems]
    codes = np.frombuffer("".join(f"<{stem}>" for stem in folded).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.astype(np.uint64)
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded)) + 2
    starts = np.cumsum(lengths) - lengths
    grams = np.maximum(lengths - _GRAM + 1, 1)
    at, owner = _ranges(starts, starts + grams)
    value = np.zeros(at.size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(_GRAM):
            inside = at - starts[owner] + k < lengths[owner]
            code = np.where(inside, codes[np.minimum(at + k, codes.size - 1)], np.uint64(0))
            value = value * np.uint64(0x100000001B3) + code + np.uint64(1)
        value = (value ^ (value >> np.uint64(31))) * np.uint64(0xBF58476D1CE4E5B9)
    out = _csr(owner, (value >> np.uint64(64 - _GRAM_BITS)).astype(np.int64), np.ones(at.size, dtype=np.float32),
               (width, 1 << _GRAM_BITS))
    counts = np.diff(out.indptr)
    norms = np.sqrt(np.bincount(np.repeat(np.arange(width), counts), out.data.astype(np.float64) ** 2, minlength=width))
    out.data = (out.data / np.repeat(np.where(norms > 0, norms, 1.0), counts)).astype(np.float32)
    return out


def phrase_counts(background: Background) -> tuple[np.ndarray, np.ndarray]:
    """The background's phrase document frequencies keyed by phrase hash: sorted keys and their counts."""
    keys = token_hashes(list(background.phrase_df))
    counts = np.fromiter(background.phrase_df.values(), dtype=np.int64, count=len(background.phrase_df))
    order = np.argsort(keys)
    return keys[order], counts[order]


def recolumned(counts: sp.csr_matrix, columns: np.ndarray) -> sp.csr_matrix:
    """Count rows with column ``c`` moved to ``columns[c]`` (the width is set when the vocabulary is complete)."""
    width = int(columns.max(initial=0)) + 1
    out = sp.csr_matrix((counts.data, columns[counts.indices], counts.indptr), shape=(counts.shape[0], width))
    out.has_sorted_indices = False
    out.sort_indices()
    return out


def _drained(items: list) -> Iterator:
    """The items of a list, taken out one by one: each is freed as soon as the caller lets go of it."""
    items.reverse()
    while items:
        yield items.pop()


def _stacked(matrices: list[sp.csr_matrix], width: int) -> sp.csr_matrix:
    """Rows of sparse matrices stacked into one, or an empty matrix ``width`` wide."""
    return sp.vstack(matrices, format="csr") if matrices else sp.csr_matrix((0, width), dtype=np.float32)


def _joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.empty(0, dtype=dtype)


def tfidf(counts: sp.csr_matrix, idf: np.ndarray, width: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sublinear TF-IDF rows of count rows, l2-normalized (float32), ``width`` columns wide, and each row's mass."""
    vals = (1.0 + np.log(counts.data.astype(np.float64))) * idf[counts.indices]
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    mass = np.bincount(rows, vals, minlength=counts.shape[0])
    norms = np.sqrt(np.bincount(rows, vals * vals, minlength=counts.shape[0]))
    out = sp.csr_matrix(((vals / norms[rows]).astype(np.float32), counts.indices, counts.indptr),
                        shape=(counts.shape[0], width))
    return out, mass


def features_of(docs: Sequence[Prepared], background: Background = EMPTY_BACKGROUND, shingle: int = 5) -> Features:
    """The features of a few prepared documents, IDF fitted on them and the background."""
    builder = FeatureBuilder(background)
    builder.add(digest(docs, shingle=shingle))
    return builder.features()


def verify_pairs(
    features: Features, pairs: Sequence[tuple[int, int]] | np.ndarray, config: VerifyConfig, evidence: bool = True,
    sharing_only: bool = False,
) -> list[Match]:
    """Verify document pairs (positions in ``features``), scoring their passages in bulk.

    ``evidence=False`` leaves the aligned passages' texts out of the matches
    (their number stays): what a corpus of millions can afford to keep.
    ``sharing_only`` returns only the matches that share text (linked, or
    with reused passages) and skips deciding the pairs that cannot.
    """
    out: list[Match] = []
    for start in range(0, len(pairs), _PAIR_BLOCK):
        block = np.asarray(pairs[start : start + _PAIR_BLOCK], dtype=np.int64).reshape(-1, 2)
        for (i, j), scores in zip(block.tolist(), pair_scores(features, block, config, not sharing_only)):
            if sharing_only and not scores.may_share:
                continue
            match = verify(features, i, j, scores, config, evidence)
            if match.linked or match.reused or not sharing_only:
                out.append(match)
    return out


def pair_scores(features: Features, pairs: np.ndarray, config: VerifyConfig, every_pair: bool = True) -> list[PairScores]:
    """Shingle overlap, document cosine and the passage cells at or above the alignment threshold, per pair.

    Every passage of A is compared with every passage of B, all pairs at once;
    a pair of documents with more than ``config.max_align_cells`` passage pairs
    (two huge documents) has only its identical passages compared. The rare
    phrases each cell shares are weighed in bulk too, and so are the
    paraphrase distances: of every pair (of only those that may share text,
    unless ``every_pair``) and of those pairs' cells.
    """
    ia, ib = pairs[:, 0], pairs[:, 1]
    size_a, size_b = _lengths(features.shingles.indptr, ia), _lengths(features.shingles.indptr, ib)
    shared = _rowwise_dot(features.shingles, ia, ib)
    cosine = _rowwise_dot(features.documents, ia, ib)
    count_b = _lengths(features.first, ib)
    cells = _lengths(features.first, ia) * count_b
    bulk = cells <= config.max_align_cells
    n_cells = np.where(bulk, cells, 0)
    owner = np.repeat(np.arange(pairs.shape[0]), n_cells)
    local = np.arange(owner.size) - np.repeat(np.cumsum(n_cells) - n_cells, n_cells)
    nb = count_b[owner]
    ci, cj = local // np.maximum(nb, 1), local % np.maximum(nb, 1)
    sim = _rowwise_dot(features.passages, features.first[ia][owner] + ci, features.first[ib][owner] + cj)
    keep = sim >= config.align_threshold
    owner, ci, cj, sim = owner[keep], ci[keep], cj[keep], sim[keep]
    for k in np.flatnonzero(~bulk):
        ii, jj, ss = _identical_cells(features, int(ia[k]), int(ib[k]))
        owner, ci, cj, sim = (np.r_[owner, np.full(ii.size, k)], np.r_[ci, ii], np.r_[cj, jj], np.r_[sim, ss])
    order = np.argsort(owner, kind="stable")
    owner, ci, cj, sim = owner[order], ci[order], cj[order], sim[order]
    evidence, rare = _evidence(features, features.first[ia][owner] + ci, features.first[ib][owner] + cj, config)
    cuts = np.searchsorted(owner, np.arange(pairs.shape[0] + 1))
    reusable = _reusable(np.minimum(sim, 1.0), evidence, rare, config)
    contained = np.maximum(shared / np.maximum(size_a, 1), shared / np.maximum(size_b, 1))
    may_share = (np.bincount(owner[reusable], minlength=pairs.shape[0]) > 0) | (
        contained >= config.syndication_containment
    )
    measured = np.flatnonzero(may_share | every_pair)
    distance = np.ones(pairs.shape[0])
    weight = config.paraphrase_stem_weight
    distance[measured] = paraphrase_distances(features.documents, features.grams, ia[measured], ib[measured],
                                              weight, cosine[measured])
    at = np.flatnonzero(may_share[owner])
    cell_distance = np.ones(owner.size)
    cell_distance[at] = paraphrase_distances(features.passages, features.grams, features.first[ia][owner[at]] + ci[at],
                                             features.first[ib][owner[at]] + cj[at], weight, sim[at])
    out = []
    for k, (a, b) in enumerate(pairs.tolist()):
        wa = features.weights[features.first[a] : features.first[a + 1]]
        wb = features.weights[features.first[b] : features.first[b + 1]]
        part = slice(cuts[k], cuts[k + 1])
        out.append(
            PairScores(int(shared[k]), int(size_a[k]), int(size_b[k]), float(cosine[k]),
                       (ci[part], cj[part], sim[part]), wa, wb, evidence[part], rare[part], bool(may_share[k]),
                       float(distance[k]), cell_distance[part] if may_share[k] else None)
        )
    return out


def _evidence(features: Features, pa: np.ndarray, pb: np.ndarray, config: VerifyConfig) -> tuple[np.ndarray, np.ndarray]:
    """For passage pairs (rows ``pa[k]``, ``pb[k]``): the summed IDF of the rare phrases both carry, and their number."""
    ptr = features.phrase_ptr
    at_a, cell_a = _ranges(ptr[pa], ptr[pa + 1])
    at_b, cell_b = _ranges(ptr[pb], ptr[pb + 1])
    at, cell = np.r_[at_a, at_b], np.r_[cell_a, cell_b]
    hashes = features.phrases[at]
    order = np.lexsort((hashes, cell))
    both = (cell[order][1:] == cell[order][:-1]) & (hashes[order][1:] == hashes[order][:-1])
    weight = features.phrase_idf[at[order][1:][both]].astype(np.float64)
    shared_cell = cell[order][1:][both]
    rare = weight >= config.rare_phrase_idf
    return (
        np.bincount(shared_cell[rare], weight[rare], minlength=pa.size),
        np.bincount(shared_cell[rare], minlength=pa.size),
    )


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
    measured: PairScores, aligned: list[tuple[int, int, float]], config: VerifyConfig
) -> list[tuple[int, int, float]]:
    """Aligned passages that are copies (verbatim) or rewrites sharing enough rare phrasing."""
    ci, cj, _ = measured.cells
    cell = {(i, j): k for k, (i, j) in enumerate(zip(ci.tolist(), cj.tolist()))}
    at = [cell[(i, j)] for i, j, _ in aligned]
    scores = np.array([score for _, _, score in aligned])
    keep = _reusable(scores, measured.evidence[at], measured.rare[at], config)
    return [pair for pair, kept in zip(aligned, keep.tolist()) if kept]


def _reusable(scores: np.ndarray, evidence: np.ndarray, rare: np.ndarray, config: VerifyConfig) -> np.ndarray:
    """Whether passage cells of these scores count as reused once aligned: near-verbatim with a rare
    phrase, or sharing enough rare phrasing."""
    return ((scores >= config.verbatim_score) & (rare > 0)) | (evidence >= config.min_phrase_evidence)


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


def _carried(
    texts_a: list[str], texts_b: list[str], quoted_a: np.ndarray, weights: np.ndarray, judged: list[tuple[int, int]]
) -> float:
    """Share of the weight of A's judged passages whose words run unchanged inside their B passage.

    Passages that are mostly quotation are left out while others remain: a
    rewrite keeps quotes verbatim too.
    """
    own = [(i, j) for i, j in judged if quoted_a[i] < 0.5] or judged
    total = float(sum(weights[i] for i, _ in own))
    if total <= 0:
        return 0.0
    kept = sum(weights[i] for i, j in own if _wording(texts_a[i]) in _wording(texts_b[j]))
    return float(kept) / total


def verbatim_shares(
    features: Features, a: int, b: int, texts: tuple[list[str], list[str]], measured: PairScores,
    pairs: list[tuple[int, int, float]], threshold: float,
) -> tuple[float, float]:
    """How much of A's and of B's aligned content the other carries word for word (0 when nothing is aligned).

    Only alignments of at least ``threshold`` cosine are judged: a looser one
    can pair a headline with a sentence it merely resembles.
    """
    judged = [(i, j) for i, j, score in pairs if score >= threshold]
    quoted_a = features.quoted[features.first[a] : features.first[a + 1]]
    quoted_b = features.quoted[features.first[b] : features.first[b + 1]]
    return (
        _carried(texts[0], texts[1], quoted_a, measured.weights_a, judged),
        _carried(texts[1], texts[0], quoted_b, measured.weights_b, [(j, i) for i, j in judged]),
    )


def _in_tail(features: Features, doc: int, passages: list[int]) -> bool:
    """Whether the passages are all in stories appended below the page's own."""
    return bool(passages) and bool((features.story[features.first[doc] + np.array(passages)] > 0).all())


def _shared_phrases(features: Features, a: int, b: int, i: int, j: int, texts: tuple[list[str], list[str]],
                    config: VerifyConfig) -> tuple[str, ...]:
    """The rare phrases passage ``i`` of A and passage ``j`` of B share, as words (the evidence shown).

    A passage's phrases come back from its text in the order of its hashes.
    """
    pa, pb = features.first[a] + i, features.first[b] + j
    mine = _phrases(texts[0][i], bool(features.quote_open[pa]))
    theirs = set(_phrases(texts[1][j], bool(features.quote_open[pb])))
    idf = features.phrase_idf[features.phrase_ptr[pa] : features.phrase_ptr[pa + 1]].tolist()
    return tuple(x for x, w in zip(mine, idf) if x in theirs and w >= config.rare_phrase_idf)


@lru_cache(maxsize=1 << 14)
def _phrases(text: str, quote_open: bool) -> tuple[str, ...]:
    """A passage's phrases (a passage is read back once for each pair it is shown in)."""
    return passage_phrases(text, quote_open)


def verify(
    features: Features, a: int, b: int, measured: PairScores, config: VerifyConfig, evidence: bool = True
) -> Match:
    """Decide whether a scored pair (positions in ``features``) shares text, and whether only through an appended story.

    The passage texts are read back only for pairs that share text, to show
    the aligned passages and measure how much of them was copied word for word.
    """
    common = measured.shared_shingles
    union = measured.shingles_a + measured.shingles_b - common
    cont_ab = common / measured.shingles_a if measured.shingles_a else 0.0
    cont_ba = common / measured.shingles_b if measured.shingles_b else 0.0
    aligned = align(*measured.cells) if measured.cells[0].size else []
    reused = reused_passages(measured, aligned, config)
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
    verbatim, alignments = (0.0, 0.0), ()
    if linked or reused:
        texts = (features.passage_texts(a), features.passage_texts(b))
        verbatim = verbatim_shares(features, a, b, texts, measured, aligned, config.wording_alignment)
        cell = {(i, j): k for k, (i, j) in enumerate(zip(*(c.tolist() for c in measured.cells[:2])))}
        distances = measured.cell_distances if measured.cell_distances is not None else np.ones(len(cell))
        alignments = tuple(
            Alignment(i, j, texts[0][i], texts[1][j], s, _shared_phrases(features, a, b, i, j, texts, config),
                      float(distances[cell[(i, j)]]))
            for i, j, s in reused
            if evidence
        )
    return Match(
        a=features.ids[a],
        b=features.ids[b],
        jaccard=common / union if union else 0.0,
        containment_ab=cont_ab,
        containment_ba=cont_ba,
        cosine=measured.cosine,
        reuse_ab=reuse_ab,
        reuse_ba=reuse_ba,
        score=max(containment, reuse_ab, reuse_ba),
        paraphrase_distance=measured.distance,
        linked=linked,
        tail_only=linked and (_in_tail(features, a, [x[0] for x in shared]) or _in_tail(features, b, [x[1] for x in shared])),
        alignments=alignments,
        reused=len(reused),
        verbatim_ab=verbatim[0],
        verbatim_ba=verbatim[1],
    )
