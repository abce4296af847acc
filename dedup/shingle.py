"""Analyzers that turn token sequences into uint64 shingle hashes (numpy).

Tokens are hashed in bulk: a polynomial hash of their code points computed with
prefix sums over the whole token list, then MurmurHash3's finalizer, so there
is no Python call per token.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

# Odd multipliers that make an n-gram hash depend on the order of its words.
POSITION_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)
MAX_NGRAM = len(POSITION_MULTIPLIERS)
_BASE = 0x100000001B3  # odd, so invertible modulo 2**64
_BASE_INVERSE = pow(_BASE, -1, 1 << 64)
# Tokens hashed in one numpy pass: bounds the temporary arrays (about 40 bytes a character).
_TOKEN_BLOCK = 1 << 16


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: an avalanching bijection."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xFF51AFD7ED558CCD)
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xC4CEB9FE1A85EC53)
        return h ^ (h >> np.uint64(33))


def distinct(values: np.ndarray, presorted: bool = False) -> np.ndarray:
    """The sorted distinct values of an array, found by sorting (skipped when ``presorted``).

    ``np.unique`` goes through a hash table first, which is slower when most
    values are distinct, as shingle, line and pair keys are.
    """
    ordered = values if presorted else np.sort(values, axis=None)
    first = np.ones(ordered.size, dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64."""
    out = np.full(n, base, dtype=np.uint64)
    if n:
        out[0] = 1
    return np.cumprod(out, dtype=np.uint64)


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """One 64-bit hash per token, equal for equal tokens whatever list they are in."""
    if len(tokens) <= _TOKEN_BLOCK:
        return _token_hashes(tokens)
    return np.concatenate([_token_hashes(tokens[k : k + _TOKEN_BLOCK]) for k in range(0, len(tokens), _TOKEN_BLOCK)])


def _token_hashes(tokens: Sequence[str]) -> np.ndarray:
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    codes = np.frombuffer("".join(tokens).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    ends = np.cumsum(lengths)
    with np.errstate(over="ignore"):
        # prefix[i] = sum of codes[m] * BASE**-m for m < i; a token's hash is
        # (prefix[end] - prefix[start]) * BASE**(end - 1) = sum codes[m] * BASE**(end-1-m).
        prefix = np.r_[np.uint64(0), np.cumsum(codes * _powers(_BASE_INVERSE, codes.size), dtype=np.uint64)]
        scale = _powers(_BASE, codes.size + 1)[np.maximum(ends - 1, 0)]
        raw = (prefix[ends] - prefix[ends - lengths]) * scale + lengths.astype(np.uint64)
    return fmix64(raw)


def _ngrams(hashes: np.ndarray, n: int) -> np.ndarray:
    """Hashes of every run of ``n`` consecutive token hashes (not deduplicated)."""
    count = len(hashes) - n + 1
    out = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            out += hashes[k : k + count] * POSITION_MULTIPLIERS[k]
    return out


def _check(n: int) -> None:
    if not 1 <= n <= MAX_NGRAM:
        raise ValueError(f"n-gram length must be 1..{MAX_NGRAM}, got {n}")


def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """Sorted unique hashes of the word n-grams of a token-hash sequence.

    A text shorter than ``n`` words gives one shingle of all its words, so short
    texts still have a signature.
    """
    _check(n)
    if len(hashes) == 0:
        return np.empty(0, dtype=np.uint64)
    return distinct(_ngrams(hashes, min(n, len(hashes))))


def shingle_set(tokens: Sequence[str], n: int) -> np.ndarray:
    """Sorted unique hashes of a token sequence's word n-grams."""
    return ngram_hashes(token_hashes(tokens), n)


def shingle_sets(token_lists: Sequence[Sequence[str]], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The word n-gram hashes of many token sequences at once, and which sequence each belongs to.

    The same shingles as ``shingle_set`` per sequence, in bulk and with repeats
    kept (MinHash does not mind them); the owners are in ascending order.
    """
    _check(n)
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    hashes = token_hashes(list(chain.from_iterable(token_lists)))
    starts = np.cumsum(lengths) - lengths
    values, owners = [], []
    full = lengths >= n
    if full.any() and hashes.size >= n:
        grams = _ngrams(hashes, n)
        owner = np.repeat(np.arange(len(token_lists)), lengths)[: grams.size]
        # An n-gram belongs to its first token's sequence if it ends inside it too.
        inside = np.arange(grams.size) + n - 1 < (starts + lengths)[owner]
        values.append(grams[inside])
        owners.append(owner[inside])
    for k in np.flatnonzero(~full & (lengths > 0)):
        values.append(_ngrams(hashes[starts[k] : starts[k] + lengths[k]], int(lengths[k])))
        owners.append(np.array([k]))
    if not values:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    value, owner = np.concatenate(values), np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    return value[order], owner[order]
