"""Batch MinHash: many shingle sets signed at once with shared, seeded permutations.

The permutations and hashing follow datasketch's ``affine64`` scheme, so a
signature computed here equals ``datasketch.MinHash(scheme="affine64")`` fed the
same 64-bit hashes, and can be wrapped as a ``LeanMinHash`` for datasketch's LSH.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash

from dedup.config import SignatureConfig

SCHEME = "affine64"
EMPTY = np.iinfo(np.uint64).max
_CHUNK = 1 << 15


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) affine permutation parameters datasketch draws for this seed."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    return np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: an avalanching bijection applied before permuting."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xFF51AFD7ED558CCD)
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xC4CEB9FE1A85EC53)
        return h ^ (h >> np.uint64(33))


def signatures(sets: Sequence[np.ndarray], config: SignatureConfig) -> np.ndarray:
    """MinHash signatures, one row per set; an empty set's row is all ``EMPTY``."""
    a, b = permutations(config.num_perm, config.seed)
    out = np.full((len(sets), config.num_perm), EMPTY, dtype=np.uint64)
    sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    nonempty = np.flatnonzero(sizes)
    if nonempty.size == 0:
        return out
    flat = fmix64(np.concatenate([sets[i] for i in nonempty]).astype(np.uint64, copy=False))
    owner = np.repeat(np.arange(nonempty.size), sizes[nonempty])
    for start in range(0, flat.size, _CHUNK):
        block = flat[start : start + _CHUNK, None] * a + b
        rows = owner[start : start + _CHUNK]
        cuts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        mins = np.minimum.reduceat(block, cuts, axis=0)
        targets = nonempty[rows[cuts]]
        out[targets] = np.minimum(out[targets], mins)
    return out


def lean_minhash(signature: np.ndarray, seed: int) -> LeanMinHash:
    """Wrap a precomputed signature for datasketch's LSH structures."""
    return LeanMinHash(seed=seed, hashvalues=signature, scheme=SCHEME)
