"""Two simple systems to compare the engine with, and the pair scorers they imply.

* datasketch: word 5-gram MinHash (128 permutations, seed 1), MinHashLSH at
  0.5, connected components; the earliest document is the original and every
  other member a syndicated copy of it.
* scikit-learn: TF-IDF fitted on the corpus, document cosine above
  ``TFIDF_THRESHOLD``, connected components, earliest original; members with
  cosine >= 0.9 to it are syndicated, the rest rewrites.

Both return ``Verdict`` records so every system is scored alike. Run
``python -m benchmarks.baselines --tune`` to redo the threshold grid.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Sequence

import numpy as np
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from dedup.cluster import parse_date
from dedup.records import Document, Label, Verdict

_NEVER = datetime.min.replace(tzinfo=timezone.utc)

SHINGLE = 5
NUM_PERM = 128
MINHASH_SEED = 1
LSH_THRESHOLD = 0.5
# Chosen by `python -m benchmarks.baselines --tune`: the grid 0.30, 0.35, ..., 0.90 on the
# synthetic TRAIN split (2,000 docs, seed 0); 0.50 gave the highest ARI.
TFIDF_THRESHOLD = 0.50
SYNDICATED_COSINE = 0.9
TUNING_GRID: tuple[float, ...] = tuple(round(0.30 + 0.05 * i, 2) for i in range(13))
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class PairScore:
    """The similarity (0-1) a scorer gives one pair."""

    id: str
    score: float


def shingles(text: str, size: int = SHINGLE) -> list[bytes]:
    """Lower-cased word ``size``-grams (the whole text as one when it is shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)]


def minhashes(texts: Sequence[str]) -> list[MinHash]:
    """One MinHash per text over its word 5-grams."""
    return MinHash.bulk([shingles(t) for t in texts], num_perm=NUM_PERM, seed=MINHASH_SEED)


def earliest(docs: Sequence[Document], members: Sequence[int]) -> int:
    """The member published first; undated ones come after dated ones, ties go by input order."""
    keys = {i: parse_date(docs[i].published) for i in members}
    return min(members, key=lambda i: (keys[i] is None, keys[i] or _NEVER, i))


def components(n: int, edges_a: np.ndarray, edges_b: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes."""
    graph = coo_matrix((np.ones(len(edges_a), dtype=np.int8), (edges_a, edges_b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _groups(labels: np.ndarray) -> list[list[int]]:
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return [list(map(int, g)) for g in np.split(order, cuts)]


def minhash_system(docs: Sequence[Document]) -> list[Verdict]:
    """The datasketch-only baseline."""
    hashes = minhashes([d.text for d in docs])
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    for i, h in enumerate(hashes):
        lsh.insert(i, h)
    a, b = [], []
    for i, h in enumerate(hashes):
        for j in lsh.query(h):
            if j != i:
                a.append(i)
                b.append(j)
    return syndication_verdicts(docs, a, b, lambda i, j: float(hashes[i].jaccard(hashes[j])))


def syndication_verdicts(
    docs: Sequence[Document], edges_a: Sequence[int], edges_b: Sequence[int], similarity: Callable[[int, int], float]
) -> list[Verdict]:
    """What a MinHash-only tool says: each connected group's earliest member is the original, the rest its copies."""
    labels = components(len(docs), np.asarray(edges_a, dtype=np.int64), np.asarray(edges_b, dtype=np.int64))
    verdicts: dict[int, Verdict] = {}
    for members in _groups(labels):
        first = earliest(docs, members)
        oid = docs[first].id
        for i in members:
            if i == first:
                verdicts[i] = Verdict(oid, oid, Label.ORIGINAL, None, None)
            else:
                verdicts[i] = Verdict(docs[i].id, oid, Label.SYNDICATED, oid, similarity(i, first))
    return [verdicts[i] for i in range(len(docs))]


def tfidf_matrix(texts: Sequence[str]) -> csr_matrix:
    """L2-normalized TF-IDF rows (sublinear tf), fitted on ``texts`` themselves."""
    return TfidfVectorizer(sublinear_tf=True).fit_transform(texts).tocsr()


def cosine_edges(matrix: csr_matrix, threshold: float, block: int = 2048) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``a < b`` with cosine >= ``threshold``, computed a block of rows at a time."""
    rows, cols, values = [], [], []
    for start in range(0, matrix.shape[0], block):
        sims = (matrix[start:start + block] @ matrix.T).tocoo()
        a = sims.row + start
        keep = (sims.data >= threshold) & (a < sims.col)
        rows.append(a[keep])
        cols.append(sims.col[keep])
        values.append(sims.data[keep])
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(values)


def tfidf_verdicts(docs: Sequence[Document], matrix: csr_matrix, threshold: float,
                   edges: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> list[Verdict]:
    """Components of the cosine graph at ``threshold``, labelled by cosine to the earliest member."""
    a, b, values = edges if edges is not None else cosine_edges(matrix, threshold)
    keep = values >= threshold
    labels = components(len(docs), a[keep], b[keep])
    verdicts: dict[int, Verdict] = {}
    for members in _groups(labels):
        first = earliest(docs, members)
        oid = docs[first].id
        verdicts[first] = Verdict(oid, oid, Label.ORIGINAL, None, None)
        others = [i for i in members if i != first]
        if not others:
            continue
        sims = np.asarray((matrix[others] @ matrix[first].T).todense()).ravel()
        for i, sim in zip(others, sims):
            label = Label.SYNDICATED if sim >= SYNDICATED_COSINE else Label.REWRITE
            verdicts[i] = Verdict(docs[i].id, oid, label, oid, float(sim))
    return [verdicts[i] for i in range(len(docs))]


def tfidf_system(docs: Sequence[Document], threshold: float = TFIDF_THRESHOLD) -> list[Verdict]:
    """The scikit-learn-only baseline."""
    return tfidf_verdicts(docs, tfidf_matrix([d.text for d in docs]), threshold)


def minhash_pair_scores(pairs: Sequence[tuple[str, str, str]]) -> list[PairScore]:
    """Estimated word 5-gram Jaccard of each ``(id, text_a, text_b)``."""
    texts = list(dict.fromkeys(t for _, a, b in pairs for t in (a, b)))
    index = {t: i for i, t in enumerate(texts)}
    hashes = minhashes(texts)
    return [PairScore(pid, float(hashes[index[a]].jaccard(hashes[index[b]]))) for pid, a, b in pairs]


def tfidf_pair_scores(pairs: Sequence[tuple[str, str, str]]) -> list[PairScore]:
    """TF-IDF cosine of each ``(id, text_a, text_b)``, fitted on all texts of the pairs."""
    texts = list(dict.fromkeys(t for _, a, b in pairs for t in (a, b)))
    if not texts:
        return []
    index = {t: i for i, t in enumerate(texts)}
    matrix = tfidf_matrix(texts)
    left = matrix[[index[a] for _, a, _ in pairs]]
    right = matrix[[index[b] for _, _, b in pairs]]
    sims = np.asarray(left.multiply(right).sum(axis=1)).ravel()
    return [PairScore(pid, float(s)) for (pid, _, _), s in zip(pairs, sims)]


def tune_tfidf_threshold(docs: Sequence[Document], truth: dict, grid: Sequence[float] = TUNING_GRID
                         ) -> list[tuple[float, float, float | None]]:
    """``(threshold, ARI, label macro-F1)`` of the TF-IDF baseline for each threshold of ``grid``."""
    from benchmarks.metrics import evaluate

    matrix = tfidf_matrix([d.text for d in docs])
    edges = cosine_edges(matrix, min(grid))
    out = []
    for threshold in grid:
        verdicts = {v.id: v for v in tfidf_verdicts(docs, matrix, threshold, edges)}
        scores = evaluate(truth, verdicts)
        out.append((threshold, scores.ari, scores.labels.macro_f1))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--tune`` prints the TF-IDF threshold grid on the synthetic train split."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baselines")
    parser.add_argument("--tune", action="store_true", help="grid-search the TF-IDF threshold")
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.tune:
        parser.print_help()
        return 0
    from benchmarks.datasets import load_synthetic

    docs, truth = load_synthetic("train", args.size, args.seed)
    results = tune_tfidf_threshold(docs, truth)
    best = max(results, key=lambda r: r[1])
    for threshold, ari, macro in results:
        mark = "  <- best ARI" if (threshold, ari, macro) == best else ""
        print(f"threshold {threshold:.2f}  ARI {ari:.4f}  macro-F1 {macro if macro is None else round(macro, 4)}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
