"""Bucket arrivals pair as the batch banding does, whatever the batches they arrive in."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.candidates import bucket_pairs
from dedup.index.layout import DOCUMENT, Members, arrive


def _members(keys: np.ndarray, start: int) -> Members:
    return Members(keys.astype(np.int64), np.arange(start, start + keys.size, dtype=np.int64),
                   np.full(keys.size, DOCUMENT, dtype=np.int32))


def _fed(keys: np.ndarray, cuts: list[int], cap: int) -> set[tuple[int, int]]:
    """Feed one key per document in batches; the pairs found, and the stored members kept per bucket."""
    stored = Members.empty()
    pairs: set[tuple[int, int]] = set()
    for a, b in zip([0, *cuts], [*cuts, keys.size]):
        batch = _members(keys[a:b], a)
        existing = stored.take(np.isin(stored.keys, batch.keys))
        found = arrive(existing, batch, cap)
        pairs |= set(zip(found.earlier.docs.tolist(), found.arriving.docs.tolist()))
        new = batch.take(found.stored)
        stored = Members(*(np.r_[getattr(stored, f), getattr(new, f)] for f in ("keys", "docs", "passages")))
        assert (np.unique(stored.keys, return_counts=True)[1] <= cap).all()
    return pairs


@pytest.mark.parametrize("cuts", [[], [1, 2, 3, 4, 5, 6, 7, 8, 9], [7], [3, 30, 31]])
def test_any_split_gives_the_same_pairs(cuts: list[int]) -> None:
    keys = np.random.RandomState(1).randint(0, 6, size=60)
    assert _fed(keys, cuts, cap=4) == _fed(keys, [], cap=4)


def test_small_buckets_pair_as_the_batch_does() -> None:
    keys = np.random.RandomState(2).randint(0, 40, size=80)
    assert max(np.unique(keys, return_counts=True)[1]) <= 20
    batch, _ = bucket_pairs(keys[:, None].astype(np.uint64), 20)
    assert _fed(keys, [10, 50], cap=20) == set(map(tuple, batch.tolist()))


def test_a_large_bucket_is_a_star_from_its_first_member() -> None:
    keys = np.zeros(30, dtype=np.int64)
    pairs = _fed(keys, [5, 25], cap=4)
    late = {(a, b) for a, b in pairs if b >= 4}
    assert late == {(0, b) for b in range(4, 30)}
