"""Candidate pairs from LSH banding of MinHash signatures, at document and passage level.

Banding is done on whole signature matrices with numpy (sort the band keys, pair
neighbours with equal keys), which is deterministic and bounds fan-out: a bucket
larger than ``max_bucket`` (a stock phrase, or a wire story reprinted by many
outlets) pairs each member with its first member only, a star instead of all
pairs, so a popular story still joins up while the work stays linear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from dedup.config import CandidateConfig
from dedup.shingle import POSITION_MULTIPLIERS, distinct
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


class _Columns:
    """Numbered arrays grown by appending, in memory or each in a file of its own in ``directory``."""

    def __init__(self, n: int, dtype: type, directory: Path | None) -> None:
        self.dtype, self.directory = np.dtype(dtype), directory
        self._memory: list[list[np.ndarray]] = [[] for _ in range(n)]
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            for k in range(n):
                (directory / f"{k}.bin").unlink(missing_ok=True)

    def add(self, k: int, values: np.ndarray) -> None:
        if self.directory is None:
            self._memory[k].append(values.astype(self.dtype, copy=False))
            return
        with (self.directory / f"{k}.bin").open("ab") as out:
            np.ascontiguousarray(values, dtype=self.dtype).tofile(out)

    def get(self, k: int) -> np.ndarray:
        if self.directory is None:
            return np.concatenate(self._memory[k]) if self._memory[k] else np.empty(0, self.dtype)
        return _loaded(self.directory / f"{k}.bin", self.dtype)

    def source(self, k: int) -> np.ndarray | Path:
        """Array ``k``, or the path of its file: what a worker process can be handed cheaply."""
        return self.get(k) if self.directory is None else self.directory / f"{k}.bin"


class Bands:
    """LSH band keys of many rows, gathered run by run; a row without shingles is never keyed.

    With a ``directory`` each band's keys go to a file of their own, so that
    finding candidates holds one band in memory at a time, not the corpus'
    signatures.
    """

    def __init__(self, n_bands: int, directory: Path | None = None) -> None:
        self.n_bands = n_bands
        self._columns = _Columns(n_bands, np.uint64, directory)
        self._valid: list[np.ndarray] = []

    def append(self, keys: np.ndarray, valid: np.ndarray) -> None:
        """Add the keys (rows x bands) of the next rows, and which of them have any shingle."""
        valid = np.asarray(valid, dtype=bool)
        self._valid.append(valid)
        for band in range(self.n_bands):
            self._columns.add(band, keys[valid, band])

    @property
    def rows(self) -> np.ndarray:
        """The positions of the keyed rows, ascending."""
        return np.flatnonzero(np.concatenate(self._valid)) if self._valid else np.empty(0, dtype=np.int64)

    def columns(self) -> Iterator[np.ndarray]:
        """Each band's keys of the keyed rows, one band at a time."""
        for band in range(self.n_bands):
            yield self._columns.get(band)

    def sources(self) -> Iterator[np.ndarray | Path]:
        """Each band's keys, or the path of the file holding them."""
        for band in range(self.n_bands):
            yield self._columns.source(band)


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
        found += band_pairs(column, max_bucket)
        if band % _MERGE_EVERY == _MERGE_EVERY - 1:
            merged, bands = _merge(merged, bands, found, n)
            found = []
    if found:
        merged, bands = _merge(merged, bands, found, n)
    return _key_pairs(merged, n), bands


def _merge(merged: np.ndarray, bands: np.ndarray, found: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pair keys so far with the new pairs added, and how many bands found each."""
    new = np.concatenate([_pair_keys(p, n) for p in found])
    merged, inverse = np.unique(np.concatenate([merged, new]), return_inverse=True)
    counts = np.bincount(inverse.ravel(), np.r_[bands, np.ones(new.size)].astype(np.float64), merged.size)
    return merged, counts.astype(np.int64)


def band_pairs(column: np.ndarray, max_bucket: int) -> list[np.ndarray]:
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


def _key_pairs(keys: np.ndarray, n: int) -> np.ndarray:
    """The pairs (low, high) back from their ``_pair_keys``, as rows."""
    return np.stack(np.divmod(keys, max(n, 1)), axis=1).reshape(-1, 2)


def _pair_keys(pairs: np.ndarray, n: int) -> np.ndarray:
    """One int64 per unordered pair: low * n + high."""
    return pairs.min(axis=1).astype(np.int64) * n + pairs.max(axis=1).astype(np.int64)


def lsh_pairs(bands: Bands, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs whose keys collide in a band, and in how many bands; rows without shingles never pair."""
    rows = bands.rows
    if rows.size < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    pairs, collisions = bucket_pairs(bands.columns(), max_bucket)
    return rows[pairs], collisions


# How a candidate pair was found, by its code in ``document_pairs``.
VIA = ("", "document", "passage", "document+passage")
# Passage pairs are spilled in this many parts, by document pair, and counted one part at a time. Counting
# a part holds some 60 bytes a passage pair: with 16 parts, each of the two workers held 2 GB at a million
# synthetic documents; with 64, a quarter of that.
_PARTS = 64
# Runs a job over items, in order: ``map`` or a process pool's ``map``.
Mapper = Callable[..., Iterable]


def document_pairs(documents: Bands, passages: Bands, passage_owner: np.ndarray, config: CandidateConfig,
                   directory: Path | None = None, mapper: Mapper = map) -> tuple[np.ndarray, np.ndarray]:
    """Candidate document pairs (i < j, sorted) and how each was found (codes into ``VIA``).

    ``documents`` and ``passages`` are the band keys of the documents'
    signatures and of their passages' (``banded``). Through passages, a
    document pair needs ``min_passage_hits`` colliding passage pairs, or one
    passage pair that collides in at least ``strong_passage_bands`` bands (a
    sentence kept nearly whole). Passage pairs are many (stars of common
    phrases): with a ``directory`` they are spilled to files there, so memory
    holds a part of them at a time, and ``mapper`` (a process pool's ``map``)
    can spread the bands and the parts over processes; the pairs are the same.
    """
    n_docs = max(int(passage_owner.max(initial=-1)), int(documents.rows.max(initial=-1))) + 1
    pas_keys = _passage_pair_keys(passages, passage_owner, config, n_docs, directory, mapper)
    doc_keys = _pair_keys(lsh_pairs(documents, config.max_bucket)[0], n_docs)
    keys = distinct(np.concatenate([doc_keys, pas_keys]))
    via = np.isin(keys, doc_keys).astype(np.uint8) + 2 * np.isin(keys, pas_keys).astype(np.uint8)
    return _key_pairs(keys, n_docs), via


def _passage_pair_keys(passages: Bands, passage_owner: np.ndarray, config: CandidateConfig, n_docs: int,
                       directory: Path | None, mapper: Mapper) -> np.ndarray:
    """The keys (``_pair_keys``) of the document pairs made candidates by their passages (see ``document_pairs``).

    Each band's passage pairs are spilled in ``_PARTS`` parts by document pair;
    then each part, across bands, is counted on its own.
    """
    owner: np.ndarray | Path = passage_owner[passages.rows]
    if directory is None:
        mapper = map  # spills kept in memory stay in this process
    else:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "owner.npy", owner)
        owner = directory / "owner.npy"
    spill = partial(_spill_band, owner=owner, max_bucket=config.max_bucket, n_docs=n_docs)
    targets = [None if directory is None else directory / f"band-{b}" for b in range(passages.n_bands)]
    spills = list(mapper(spill, passages.sources(), targets))
    count = partial(_count_part, spills=spills, owner=owner, n_docs=n_docs, min_hits=config.min_passage_hits,
                    strong_bands=config.strong_passage_bands)
    return np.sort(np.concatenate([np.empty(0, dtype=np.int64), *mapper(count, range(_PARTS))]))


def _loaded(source: np.ndarray | Path, dtype: type = np.uint64) -> np.ndarray:
    """An array, or the array in a file: numpy's ``.npy`` (mapped), else raw values of ``dtype`` (none if absent)."""
    if isinstance(source, np.ndarray):
        return source
    if source.suffix == ".npy":
        return np.load(source, mmap_mode="r")
    return np.fromfile(source, dtype=dtype) if source.exists() else np.empty(0, dtype)


def _spill_band(column: np.ndarray | Path, directory: Path | None, owner: np.ndarray | Path, max_bucket: int,
                n_docs: int) -> _Columns:
    """One band's colliding passage pairs of different documents, as passage-pair keys in ``_PARTS`` parts."""
    owners = _loaded(owner)
    parts: list[list[np.ndarray]] = [[] for _ in range(_PARTS)]
    for found in band_pairs(_loaded(column), max_bucket):
        docs = owners[found]
        apart = docs[:, 0] != docs[:, 1]
        keys = _pair_keys(found[apart], max(owners.size, 1))
        part = _pair_keys(docs[apart], n_docs) % _PARTS
        order = np.argsort(part, kind="stable")
        cuts = np.searchsorted(part[order], np.arange(_PARTS + 1))
        for k in range(_PARTS):
            parts[k].append(keys[order[cuts[k] : cuts[k + 1]]])
    spill = _Columns(_PARTS, np.int64, directory)
    for k, arrays in enumerate(parts):
        spill.add(k, np.concatenate(arrays))
    return spill


def _count_part(k: int, spills: list[_Columns], owner: np.ndarray | Path, n_docs: int, min_hits: int,
                strong_bands: int) -> np.ndarray:
    """The document-pair keys of part ``k`` with enough colliding passage pairs, or one strong one."""
    owners = _loaded(owner)
    keys, bands = np.unique(np.concatenate([s.get(k) for s in spills]), return_counts=True)
    docs = owners[_key_pairs(keys, max(owners.size, 1))]
    doc_keys, inverse, hits = np.unique(_pair_keys(docs, n_docs), return_inverse=True, return_counts=True)
    strong = np.bincount(inverse.ravel(), bands >= strong_bands, doc_keys.size) > 0
    return doc_keys[(hits >= min_hits) | strong]
