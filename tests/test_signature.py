"""Tests for dedup.signature: batch MinHash equal to datasketch's affine64 scheme."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from dedup.config import SignatureConfig
from dedup.shingle import shingle_set
from dedup.signature import EMPTY, lean_minhash, permutations, signatures

CONFIG = SignatureConfig()  # num_perm=128, seed=1


def datasketch_minhash(values: np.ndarray) -> MinHash:
    m = MinHash(num_perm=128, seed=1, scheme="affine64", hashfunc=lambda x: x)
    m.update_batch([int(v) for v in values])
    return m


def random_set(rng: np.random.Generator, size: int) -> np.ndarray:
    return np.unique(rng.integers(0, 2**64 - 1, size=size, dtype=np.uint64, endpoint=True))


def test_config_defaults_match_datasketch_reference() -> None:
    assert (CONFIG.num_perm, CONFIG.seed) == (128, 1)


def test_permutations_are_datasketchs() -> None:
    a, b = permutations(128, 1)
    ref_a, ref_b = MinHash(num_perm=128, seed=1, scheme="affine64").permutations
    assert np.array_equal(a, np.asarray(ref_a, dtype=np.uint64))
    assert np.array_equal(b, np.asarray(ref_b, dtype=np.uint64))


def test_signatures_equal_datasketch_minhash() -> None:
    rng = np.random.default_rng(7)
    sets = [
        random_set(rng, 40),
        shingle_set("dockworkers walked off the job at port aldmere on friday".split(), 5),
        np.array([0, 1, 2**64 - 1], dtype=np.uint64),  # edge values
        random_set(rng, 3),
    ]
    sigs = signatures(sets, CONFIG)
    assert sigs.shape == (4, 128) and sigs.dtype == np.uint64
    for row, values in zip(sigs, sets):
        assert np.array_equal(row, datasketch_minhash(values).hashvalues)


def test_signatures_across_chunk_boundary_equal_datasketch() -> None:
    # More than 2**15 hashes in total: the batch is processed in several chunks.
    rng = np.random.default_rng(11)
    sets = [random_set(rng, 20000), random_set(rng, 20000), random_set(rng, 5)]
    sigs = signatures(sets, CONFIG)
    for row, values in zip(sigs, sets):
        assert np.array_equal(row, datasketch_minhash(values).hashvalues)


def test_empty_set_row_is_all_empty() -> None:
    rng = np.random.default_rng(3)
    full = random_set(rng, 10)
    sigs = signatures([np.empty(0, dtype=np.uint64), full, np.empty(0, dtype=np.uint64)], CONFIG)
    assert np.all(sigs[0] == EMPTY) and np.all(sigs[2] == EMPTY)
    assert np.array_equal(sigs[1], signatures([full], CONFIG)[0])
    assert np.all(signatures([np.empty(0, dtype=np.uint64)], CONFIG) == EMPTY)
    assert signatures([], CONFIG).shape == (0, 128)


def test_signature_independent_of_batch_neighbours() -> None:
    rng = np.random.default_rng(5)
    a, b, c = random_set(rng, 50), random_set(rng, 70), random_set(rng, 1)
    together = signatures([a, b, c], CONFIG)
    assert np.array_equal(together[1], signatures([b], CONFIG)[0])
    assert np.array_equal(together[2], signatures([c], CONFIG)[0])


@pytest.mark.parametrize("target", [0.1, 0.3, 0.5, 0.8])
def test_estimated_jaccard_close_to_exact(target: float) -> None:
    rng = np.random.default_rng(int(target * 100))
    pool = random_set(rng, 3000)
    # Two sets of 1000 sharing k elements: Jaccard k / (2000 - k).
    k = int(round(2000 * target / (1 + target)))
    a = pool[:1000]
    b = np.concatenate([pool[:k], pool[1000 : 2000 - k]])
    exact = k / (2000 - k)
    sigs = signatures([a, np.sort(b)], CONFIG)
    estimate = float(np.mean(sigs[0] == sigs[1]))
    assert abs(estimate - exact) < 0.15
    assert estimate == pytest.approx(datasketch_minhash(a).jaccard(datasketch_minhash(b)))


def test_lean_minhash_works_with_datasketch_lsh() -> None:
    rng = np.random.default_rng(9)
    base = random_set(rng, 300)
    near = np.unique(np.concatenate([base[:290], random_set(rng, 10)]))
    other = random_set(rng, 300)
    sigs = signatures([base, near, other], CONFIG)
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    lsh.insert("base", lean_minhash(sigs[0], CONFIG.seed))
    lsh.insert("other", lean_minhash(sigs[2], CONFIG.seed))
    assert lsh.query(lean_minhash(sigs[1], CONFIG.seed)) == ["base"]
    # The wrapped signature keeps its values and compares with datasketch's own MinHash.
    lean = lean_minhash(sigs[0], CONFIG.seed)
    assert np.array_equal(lean.hashvalues, sigs[0])
    assert lean.jaccard(datasketch_minhash(base)) == 1.0
