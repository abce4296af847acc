"""Candidate pairs from LSH banding of MinHash signatures, at document and passage level.

Banding is done on whole signature matrices with numpy (sort the band keys, pair
neighbours with equal keys), which is deterministic and bounds fan-out: a bucket
larger than ``max_bucket`` (a stock phrase, or a wire story reprinted by many
outlets) pairs each member with its first member only, a star instead of all
pairs, so a popular story still joins up while the work stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

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


class Bands:
    """LSH band keys of many rows, gathered run by run; a row without shingles is never keyed.

    With a ``directory`` each band's keys go to a file of their own, so that
    finding candidates holds one band in memory at a time, not the corpus'
    signatures.
    """

    def __init__(self, n_bands: int, directory: Path | None = None) -> None:
        self.n_bands = n_bands
        self.directory = directory
        self._chunks: list[np.ndarray] = []
        self._valid: list[np.ndarray] = []
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def append(self, keys: np.ndarray, valid: np.ndarray) -> None:
        """Add the keys (rows x bands) of the next rows, and which of them have any shingle."""
        self._valid.append(np.asarray(valid, dtype=bool))
        if self.directory is None:
            self._chunks.append(keys[valid])
            return
        for band in range(self.n_bands):
            with (self.directory / f"band{band}.u64").open("ab") as out:
                np.ascontiguousarray(keys[valid, band]).tofile(out)

    @property
    def rows(self) -> np.ndarray:
        """The positions of the keyed rows, ascending."""
        return np.flatnonzero(np.concatenate(self._valid)) if self._valid else np.empty(0, dtype=np.int64)

    def columns(self) -> Iterator[np.ndarray]:
        """Each band's keys of the keyed rows, one band at a time."""
        for band in range(self.n_bands):
            if self.directory is None:
                yield np.concatenate([c[:, band] for c in self._chunks]) if self._chunks else np.empty(0, np.uint64)
            else:
                path = self.directory / f"band{band}.u64"
                yield np.fromfile(path, dtype=np.uint64) if path.exists() else np.empty(0, np.uint64)


def banded(sigs: np.ndarray, threshold: float, directory: Path | None = None) -> Bands:
    """The band keys of signatures, banded for ``threshold``; all-``EMPTY`` rows are not keyed."""
    bands, rows = band_params(threshold, sigs.shape[1])
    out = Bands(bands, directory)
    out.append(band_keys(sigs, bands, rows), sigs[:, 0] != EMPTY)
    return out


def bucket_pairs(columns: Iterator[np.ndarray] | np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), i < j, of rows sharing a key in any band, and in how many bands they do.

    ``columns`` are the bands' keys, one array per band (or a rows x bands
    matrix). A bucket over ``max_bucket`` gives a star. Similar rows collide in
    many bands, so the pairs found are merged every few bands to keep memory
    near the number of distinct pairs.
    """
    if isinstance(columns, np.ndarray):
        columns = iter(columns.T)
    merged, bands = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    found: list[np.ndarray] = []
    n = 0
    for band, column in enumerate(columns):
        n = max(n, column.size)
        found += _band_pairs(column, max_bucket)
        if band % _MERGE_EVERY == _MERGE_EVERY - 1:
            merged, bands = _merge(merged, bands, found, n)
            found = []
    if found:
        merged, bands = _merge(merged, bands, found, n)
    return np.stack(np.divmod(merged, max(n, 1)), axis=1), bands


def _merge(merged: np.ndarray, bands: np.ndarray, found: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pair keys so far with the new pairs added, and how many bands found each."""
    new = np.concatenate([_pair_keys(p, n) for p in found])
    merged, inverse = np.unique(np.concatenate([merged, new]), return_inverse=True)
    counts = np.bincount(inverse.ravel(), np.r_[bands, np.ones(new.size)].astype(np.float64), merged.size)
    return merged, counts.astype(np.int64)


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


def lsh_pairs(bands: Bands, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs whose keys collide in a band, and in how many bands; rows without shingles never pair."""
    rows = bands.rows
    if rows.size < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    pairs, collisions = bucket_pairs(bands.columns(), max_bucket)
    return rows[pairs], collisions


def document_pairs(documents: Bands, passages: Bands, passage_owner: np.ndarray,
                   config: CandidateConfig) -> dict[tuple[int, int], str]:
    """Candidate document pairs with how each was found (``document``, ``passage`` or both).

    ``documents`` and ``passages`` are the band keys of the documents'
    signatures and of their passages' (``banded``). Through passages, a
    document pair needs ``min_passage_hits`` colliding passage pairs, or one
    passage pair that collides in at least ``strong_passage_bands`` bands (a
    sentence kept nearly whole).
    """
    found: dict[tuple[int, int], str] = {}
    for i, j in lsh_pairs(documents, config.max_bucket)[0].tolist():
        found[(i, j)] = "document"
    passage, collisions = lsh_pairs(passages, config.max_bucket)
    owners = passage_owner[passage]
    apart = owners[:, 0] != owners[:, 1]
    n_docs = int(passage_owner.max(initial=-1)) + 1 if passage_owner.size else 0
    n_docs = max(n_docs, int(documents.rows.max(initial=-1)) + 1)
    doc_pairs, hits = unique_pairs(owners[apart], max(n_docs, 1))
    strong = np.zeros(len(doc_pairs), dtype=bool)
    if doc_pairs.size:
        close = owners[apart & (collisions >= config.strong_passage_bands)]
        strong[np.searchsorted(_pair_keys(doc_pairs, n_docs), _pair_keys(close, n_docs))] = True
    for i, j in doc_pairs[(hits >= config.min_passage_hits) | strong].tolist():
        found[(i, j)] = "document+passage" if (i, j) in found else "passage"
    return dict(sorted(found.items()))
