"""Verification of candidate pairs: shingle overlap, TF-IDF cosine and passage alignment.

A pair is linked when it shares text: a long verbatim overlap (containment of
word 5-grams), or several passages aligned as the same sentence, copied or
paraphrased, covering enough of one document. Topic alone never links: two
articles on one event share names, but not sentence after sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from dedup.background import EMPTY_BACKGROUND, Background
from dedup.config import VerifyConfig
from dedup.normalize import content_tokens, words
from dedup.records import Alignment, Match, Passage, Prepared
from dedup.shingle import overlap, shingle_set


def _identity(tokens: Sequence[str]) -> Sequence[str]:
    return tokens


def _is_number(stem: str) -> bool:
    return not any(c.isalpha() for c in stem)


def phrase_pairs(passage: Passage) -> set[tuple[str, str]]:
    """Adjacent content-stem pairs that are the writer's own: not two names, no number, not inside a quote.

    Names and figures are the facts any report of an event repeats ("18 million
    crowns"), and quotes what any report of a speech repeats; the words a
    writer puts around them are what a copy keeps.
    """
    t, names, quoted = passage.tokens, passage.names, passage.quoted
    return {
        (t[i], t[i + 1])
        for i in range(len(t) - 1)
        if not (names[i] and names[i + 1])
        and not (quoted[i] and quoted[i + 1])
        and not _is_number(t[i])
        and not _is_number(t[i + 1])
    }


@dataclass(frozen=True)
class Features:
    """What verification needs of one document, computed once.

    Passage vectors are kept as coordinate arrays (``rows``, ``cols``, ``vals``,
    l2-normalized per passage) and the document vector as sorted ``doc_cols`` and
    ``doc_vals``, so that a pair is scored with a few numpy calls over the
    vocabulary the two documents share, not with sparse-matrix machinery.
    """

    shingles: np.ndarray
    n_passages: int
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    weights: np.ndarray
    doc_cols: np.ndarray
    doc_vals: np.ndarray
    phrases: tuple[dict[tuple[str, str], float], ...]


def _restricted(f: Features, common: np.ndarray) -> np.ndarray:
    """The passage vectors of ``f`` as a dense matrix over the ``common`` columns only."""
    keep = np.isin(f.cols, common, assume_unique=False)
    dense = np.zeros((f.n_passages, common.size))
    dense[f.rows[keep], np.searchsorted(common, f.cols[keep])] = f.vals[keep]
    return dense


def similarities(a: Features, b: Features) -> tuple[float, np.ndarray]:
    """Document cosine and the passage-by-passage cosine matrix of a pair."""
    common, ia, ib = np.intersect1d(a.doc_cols, b.doc_cols, assume_unique=True, return_indices=True)
    cosine = float(a.doc_vals[ia] @ b.doc_vals[ib])
    if common.size == 0 or a.n_passages == 0 or b.n_passages == 0:
        return cosine, np.zeros((a.n_passages, b.n_passages))
    return cosine, _restricted(a, common) @ _restricted(b, common).T


class Scorer:
    """TF-IDF over content-word stems, with document frequencies from the corpus plus a background model.

    Attributes set by ``fit``: ``vocabulary_`` (stem -> column) and ``idf_``.
    """

    def __init__(self, background: Background = EMPTY_BACKGROUND, shingle: int = 5) -> None:
        self.background = background
        self.shingle = shingle

    def fit(self, docs: Sequence[Prepared]) -> Scorer:
        """Learn the vocabulary and IDF from the corpus' documents."""
        token_lists = [content_tokens(d.words) for d in docs]
        if any(token_lists):
            counter = CountVectorizer(analyzer=_identity, binary=True, dtype=np.float64)
            counts = counter.fit_transform(token_lists)
            self.vocabulary_: dict[str, int] = counter.vocabulary_
            df_corpus = np.asarray(counts.sum(axis=0)).ravel()
        else:
            self.vocabulary_, df_corpus = {}, np.zeros(0)
        df_bg = np.zeros(len(self.vocabulary_))
        for stem, col in self.vocabulary_.items():
            df_bg[col] = self.background.df.get(stem, 0)
        n = len(docs) + self.background.n_docs
        self.idf_ = np.log((1.0 + n) / (1.0 + df_corpus + df_bg)) + 1.0
        self.phrase_df_ = Counter(f"{x} {y}" for d in docs for x, y in set().union(*map(phrase_pairs, d.passages)))
        self.n_docs_ = n
        return self

    def _tfidf(self, token_lists: Sequence[Sequence[str]]) -> sp.csr_matrix:
        rows, cols, vals = [], [], []
        for r, tokens in enumerate(token_lists):
            ids, tf = np.unique([self.vocabulary_[t] for t in tokens if t in self.vocabulary_], return_counts=True)
            rows.append(np.full(ids.size, r))
            cols.append(ids)
            vals.append((1.0 + np.log(tf)) * self.idf_[ids] if ids.size else np.empty(0))
        shape = (len(token_lists), len(self.idf_))
        if not rows:
            return sp.csr_matrix(shape)
        return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape)

    def phrase_idf(self, x: str, y: str) -> float:
        """IDF of an evidence phrase over the corpus and the background."""
        key = f"{x} {y}"
        df = self.phrase_df_.get(key, 0) + self.background.phrase_df.get(key, 0)
        return float(np.log((1.0 + self.n_docs_) / (1.0 + df)) + 1.0)

    def phrases(self, passage: Passage) -> dict[tuple[str, str], float]:
        """A passage's evidence phrases, each weighted by its IDF as a phrase."""
        return {(x, y): self.phrase_idf(x, y) for x, y in phrase_pairs(passage)}

    def features(self, doc: Prepared) -> Features:
        """Shingles, l2-normalized passage and document vectors, passage weights and phrases."""
        if not hasattr(self, "idf_"):
            raise RuntimeError("Scorer is not fitted: call fit(documents) first")
        passages = self._tfidf([p.tokens for p in doc.passages])
        unit = l2_normalize(passages).tocoo()
        vector = l2_normalize(self._tfidf([content_tokens(doc.words)])).tocsr()
        vector.sort_indices()
        return Features(
            shingles=shingle_set(doc.words, self.shingle),
            n_passages=len(doc.passages),
            rows=unit.row,
            cols=unit.col,
            vals=unit.data,
            weights=np.asarray(passages.sum(axis=1)).ravel(),
            doc_cols=vector.indices,
            doc_vals=vector.data,
            phrases=tuple(self.phrases(p) for p in doc.passages),
        )


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
    fa: Features, fb: Features, sim: np.ndarray, config: VerifyConfig,
    pairs: list[tuple[int, int, float]] | None = None,
) -> list[tuple[int, int, float, list[str]]]:
    """Aligned passages that are copies (verbatim) or rewrites sharing enough rare phrasing.

    ``pairs`` is the alignment of ``sim`` when the caller has it already.
    """
    found = []
    for i, j, score in align(sim, config.align_threshold) if pairs is None else pairs:
        weights = fa.phrases[i]
        shared = [k for k in weights.keys() & fb.phrases[j].keys() if weights[k] >= config.rare_phrase_idf]
        evidence = sum(weights[k] for k in shared)
        if (score >= config.verbatim_score and shared) or evidence >= config.min_phrase_evidence:
            found.append((i, j, score, sorted(f"{x} {y}" for x, y in shared)))
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


def _carried(a: Prepared, b: Prepared, fa: Features, judged: list[tuple[int, int]]) -> float:
    """Share of the weight of A's judged passages whose words run unchanged inside their B passage.

    Passages that are mostly quotation are left out while others remain: a
    rewrite keeps quotes verbatim too.
    """
    own = [(i, j) for i, j in judged if 2 * sum(a.passages[i].quoted) < len(a.passages[i].quoted)] or judged
    total = float(sum(fa.weights[i] for i, _ in own))
    if total <= 0:
        return 0.0
    kept = sum(fa.weights[i] for i, j in own if _wording(a.passages[i].text) in _wording(b.passages[j].text))
    return float(kept) / total


def verbatim_shares(
    a: Prepared, b: Prepared, fa: Features, fb: Features, pairs: list[tuple[int, int, float]], threshold: float
) -> tuple[float, float]:
    """How much of A's and of B's aligned content the other carries word for word (0 when nothing is aligned).

    Only alignments of at least ``threshold`` cosine are judged: a looser one
    can pair a headline with a sentence it merely resembles.
    """
    judged = [(i, j) for i, j, score in pairs if score >= threshold]
    return _carried(a, b, fa, judged), _carried(b, a, fb, [(j, i) for i, j in judged])


def verify(a: Prepared, b: Prepared, fa: Features, fb: Features, config: VerifyConfig) -> Match:
    """Score one pair and decide whether it shares text."""
    common = overlap(fa.shingles, fb.shingles)
    union = fa.shingles.size + fb.shingles.size - common
    cont_ab = common / fa.shingles.size if fa.shingles.size else 0.0
    cont_ba = common / fb.shingles.size if fb.shingles.size else 0.0
    cosine, sim = similarities(fa, fb)
    pairs = align(sim, config.align_threshold)
    reused = reused_passages(fa, fb, sim, config, pairs)
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
    verbatim_ab, verbatim_ba = (
        verbatim_shares(a, b, fa, fb, pairs, config.wording_alignment) if linked or reused else (0.0, 0.0)
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
        verbatim_ab=verbatim_ab,
        verbatim_ba=verbatim_ba,
    )
