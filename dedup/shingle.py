"""Analyzers that turn token sequences into uint64 shingle hashes (numpy)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash

# Odd multipliers that make an n-gram hash depend on the order of its words.
POSITION_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)
MAX_NGRAM = len(POSITION_MULTIPLIERS)


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """One 64-bit xxh3 hash per token."""
    return np.fromiter((xxhash.xxh3_64_intdigest(t.encode()) for t in tokens), dtype=np.uint64, count=len(tokens))


def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """Sorted unique hashes of the word n-grams of a token-hash sequence.

    A text shorter than ``n`` words gives one shingle of all its words, so short
    texts still have a signature.
    """
    if not 1 <= n <= MAX_NGRAM:
        raise ValueError(f"n-gram length must be 1..{MAX_NGRAM}, got {n}")
    if len(hashes) == 0:
        return np.empty(0, dtype=np.uint64)
    n = min(n, len(hashes))
    count = len(hashes) - n + 1
    out = np.zeros(count, dtype=np.uint64)
    for k in range(n):
        out += hashes[k : k + count] * POSITION_MULTIPLIERS[k]
    return np.unique(out)


def shingle_set(tokens: Sequence[str], n: int) -> np.ndarray:
    """Sorted unique hashes of a token sequence's word n-grams."""
    return ngram_hashes(token_hashes(tokens), n)


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Size of the intersection of two sorted unique hash arrays."""
    return int(np.intersect1d(a, b, assume_unique=True).size)
