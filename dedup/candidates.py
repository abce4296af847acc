"""Candidate pairs from LSH banding of MinHash signatures, at document and passage level.

Banding is done on whole signature matrices with numpy (sort the band keys, pair
neighbours with equal keys), which is deterministic and bounds fan-out: a bucket
larger than ``max_bucket`` (a stock phrase, or a wire story reprinted by many
outlets) pairs each member with its first member only, a star instead of all
pairs, so a popular story still joins up while the work stays linear.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from dedup.config import CandidateConfig
from dedup.shingle import POSITION_MULTIPLIERS
from dedup.signature import EMPTY

# Bands whose pairs are collected before merging them into the distinct pairs found so far.
_MERGE_EVERY = 8


@lru_cache(maxsize=32)
def band_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows (b, r) minimizing the false positive + false negative areas around ``threshold``."""
    grid = np.linspace(0.0, 1.0, 1001)
    best, best_err = (1, num_perm), np.inf
    for r in range(1, num_perm + 1):
        b = num_perm // r
        collide = 1.0 - (1.0 - grid**r) ** b
        fp = np.trapezoid(np.where(grid < threshold, collide, 0.0), grid)
        fn = np.trapezoid(np.where(grid >= threshold, 1.0 - collide, 0.0), grid)
        if fp + fn < best_err:
            best, best_err = (b, r), fp + fn
    return best


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 key per (row, band): a hash of the band's ``rows`` signature values."""
    keys = np.zeros((sigs.shape[0], bands), dtype=np.uint64)
    for k in range(rows):
        keys += sigs[:, k : bands * rows : rows] * POSITION_MULTIPLIERS[k % len(POSITION_MULTIPLIERS)]
        keys ^= keys >> np.uint64(29)
    return keys


def bucket_pairs(keys: np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), i < j, of rows sharing a key in any band, and in how many bands they do.

    A bucket over ``max_bucket`` gives a star. Similar rows collide in many
    bands, so the pairs found are merged every few bands to keep memory near
    the number of distinct pairs.
    """
    n = keys.shape[0]
    merged, bands = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    found: list[np.ndarray] = []
    for band in range(keys.shape[1]):
        found += _band_pairs(keys[:, band], max_bucket)
        if band % _MERGE_EVERY == _MERGE_EVERY - 1 or band == keys.shape[1] - 1:
            new = np.concatenate([_pair_keys(p, n) for p in found])
            merged, inverse = np.unique(np.concatenate([merged, new]), return_inverse=True)
            bands = np.bincount(inverse.ravel(), np.r_[bands, np.ones(new.size)].astype(np.float64)).astype(np.int64)
            found = []
    return np.stack(np.divmod(merged, max(n, 1)), axis=1), bands


def _band_pairs(column: np.ndarray, max_bucket: int) -> list[np.ndarray]:
    """Pairs of rows with equal keys in one band: all pairs in small buckets, a star in large ones."""
    order = np.argsort(column, kind="stable")
    sorted_keys = column[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, sorted_keys.size])
    group = np.repeat(np.arange(starts.size), sizes)
    small = np.repeat((sizes >= 2) & (sizes <= max_bucket), sizes)
    members, small_group = order[small], group[small]
    found = []
    for d in range(1, max_bucket):
        same = small_group[d:] == small_group[:-d]
        if not same.any():
            break
        found.append(np.stack([members[:-d][same], members[d:][same]], axis=1))
    large = np.repeat(sizes > max_bucket, sizes) & (np.arange(order.size) != np.repeat(starts, sizes))
    hubs = order[np.repeat(starts, sizes)][large]
    found.append(np.stack([hubs, order[large]], axis=1))
    return found


def _pair_keys(pairs: np.ndarray, n: int) -> np.ndarray:
    """One int64 per unordered pair: low * n + high."""
    return pairs.min(axis=1).astype(np.int64) * n + pairs.max(axis=1).astype(np.int64)


def unique_pairs(pairs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct unordered pairs of ids below ``n``, as sorted (i, j) rows with i <= j, and how often each occurs."""
    keys, counts = np.unique(_pair_keys(pairs, n), return_counts=True)
    return np.stack(np.divmod(keys, n), axis=1), counts


def lsh_pairs(sigs: np.ndarray, threshold: float, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs whose signatures collide in a band tuned to ``threshold``, and in how many bands.

    Empty rows never pair.
    """
    if sigs.shape[0] < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    bands, rows = band_params(threshold, sigs.shape[1])
    keep = np.flatnonzero(sigs[:, 0] != EMPTY)
    pairs, collisions = bucket_pairs(band_keys(sigs[keep], bands, rows), max_bucket)
    return keep[pairs], collisions


def document_pairs(doc_sigs: np.ndarray, passage_sigs: np.ndarray, passage_owner: np.ndarray,
                   config: CandidateConfig) -> dict[tuple[int, int], str]:
    """Candidate document pairs with how each was found (``document``, ``passage`` or both).

    Through passages, a document pair needs ``min_passage_hits`` colliding
    passage pairs, or one passage pair that collides in at least
    ``strong_passage_bands`` bands (a sentence kept nearly whole).
    """
    found: dict[tuple[int, int], str] = {}
    for i, j in lsh_pairs(doc_sigs, config.doc_threshold, config.max_bucket)[0].tolist():
        found[(i, j)] = "document"
    passage, collisions = lsh_pairs(passage_sigs, config.passage_threshold, config.max_bucket)
    owners = passage_owner[passage]
    apart = owners[:, 0] != owners[:, 1]
    n_docs = doc_sigs.shape[0]
    doc_pairs, hits = unique_pairs(owners[apart], n_docs)
    strong = np.zeros(len(doc_pairs), dtype=bool)
    if doc_pairs.size:
        close = owners[apart & (collisions >= config.strong_passage_bands)]
        strong[np.searchsorted(_pair_keys(doc_pairs, n_docs), _pair_keys(close, n_docs))] = True
    for i, j in doc_pairs[(hits >= config.min_passage_hits) | strong].tolist():
        found[(i, j)] = "document+passage" if (i, j) in found else "passage"
    return dict(sorted(found.items()))
