"""Tests for dedup.candidates: LSH banding and candidate document pairs."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from dedup.candidates import (
    VIA,
    Bands,
    band_keys,
    banded,
    band_params,
    bucket_pairs,
    document_pairs,
    lsh_pairs,
)
from dedup.config import CandidateConfig, SignatureConfig
from dedup.pipeline import cluster_documents
from dedup.records import Document
from dedup.signature import EMPTY, signatures

SIG = SignatureConfig()


def candidates(*args: object) -> dict[tuple[int, int], str]:
    pairs, via = document_pairs(*args)
    return {(i, j): VIA[v] for (i, j), v in zip(pairs.tolist(), via.tolist())}


def bands(doc_sets: list[np.ndarray], passage_sets: list[np.ndarray], directory: Path | None = None
          ) -> tuple[Bands, Bands]:
    """Band keys of document and passage sets, in files under ``directory`` when one is given."""
    config = CandidateConfig()
    return (banded(signatures(doc_sets, SIG), config.doc_threshold, directory and directory / "documents"),
            banded(signatures(passage_sets, SIG), config.passage_threshold, directory and directory / "passages"))


def random_sets(seed: int, n: int, size: int = 60) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.unique(rng.integers(0, 2**63, size=size, dtype=np.uint64)) for _ in range(n)]


@pytest.mark.parametrize("threshold", [0.1, 0.15, 0.3, 0.5, 0.8])
@pytest.mark.parametrize("num_perm", [64, 128, 256])
def test_band_params_fit_in_signature(threshold: float, num_perm: int) -> None:
    b, r = band_params(threshold, num_perm)
    assert b >= 1 and r >= 1
    assert b * r <= num_perm


def test_band_params_lower_threshold_means_fewer_rows() -> None:
    b_low, r_low = band_params(0.15, 128)
    b_high, r_high = band_params(0.8, 128)
    assert r_low < r_high
    assert b_low > b_high


def test_band_params_collision_curve_crosses_near_threshold() -> None:
    b, r = band_params(0.3, 128)
    collide = lambda s: 1 - (1 - s**r) ** b  # noqa: E731
    assert collide(0.05) < 0.2
    assert collide(0.6) > 0.9


def test_identical_rows_pair_unrelated_do_not() -> None:
    sets = random_sets(1, 4)
    sets.append(sets[1].copy())  # row 4 duplicates row 1
    sigs = signatures(sets, SIG)
    pairs, bands = lsh_pairs(banded(sigs, 0.3), 50)
    assert pairs.tolist() == [[1, 4]]
    assert bands.tolist() == [band_params(0.3, 128)[0]]  # identical rows collide in every band


def test_near_duplicate_rows_pair() -> None:
    a, b = random_sets(2, 2, size=200)
    near = np.unique(np.concatenate([a[:190], b[:10]]))
    sigs = signatures([a, b, near], SIG)
    assert lsh_pairs(banded(sigs, 0.3), 50)[0].tolist() == [[0, 2]]


def test_empty_rows_never_pair() -> None:
    empty = np.empty(0, dtype=np.uint64)
    (x,) = random_sets(3, 1)
    sigs = signatures([empty, x, empty, x.copy()], SIG)
    assert lsh_pairs(banded(sigs, 0.3), 50)[0].tolist() == [[1, 3]]


def test_fewer_than_two_rows() -> None:
    (x,) = random_sets(4, 1)
    assert lsh_pairs(banded(signatures([x], SIG), 0.3), 50)[0].shape == (0, 2)


def test_oversized_bucket_gives_a_star_from_its_first_member() -> None:
    sets = random_sets(5, 3)
    stock = sets[0]
    rows = [stock.copy() for _ in range(4)] + sets[1:]  # 4 identical rows, then 2 unrelated
    sigs = signatures(rows, SIG)
    every = sorted([i, j] for i in range(4) for j in range(i + 1, 4))
    assert lsh_pairs(banded(sigs, 0.3), 4)[0].tolist() == every
    assert lsh_pairs(banded(sigs, 0.3), 3)[0].tolist() == [[0, 1], [0, 2], [0, 3]]


def test_a_story_reprinted_by_many_outlets_stays_one_cluster() -> None:
    story = " ".join(f"Sentence {k} of the wire story says the port of Aldmere reopened after talks." for k in range(8))
    docs = [Document(f"copy{k:02d}", f"Outlet {k} header\n{story}") for k in range(60)]
    result = cluster_documents(docs)
    assert len({v.cluster for v in result.verdicts}) == 1


def test_bucket_pairs_on_keys() -> None:
    keys = np.array([[7, 1], [7, 2], [9, 3], [7, 2], [9, 4]], dtype=np.uint64)
    pairs, bands = bucket_pairs(keys, 50)
    assert pairs.tolist() == [[0, 1], [0, 3], [1, 3], [2, 4]]
    assert bands.tolist() == [1, 1, 2, 1]  # rows 1 and 3 share a key in both bands
    # Band 0's bucket of 3 is too big at max_bucket=2: a star from row 0; band 1 still pairs rows 1 and 3.
    assert bucket_pairs(keys, 2)[0].tolist() == [[0, 1], [0, 3], [1, 3], [2, 4]]


def test_band_keys_equal_for_equal_bands_only() -> None:
    sigs = np.array([[1, 2, 3, 4], [1, 2, 3, 5], [2, 1, 3, 4]], dtype=np.uint64)
    keys = band_keys(sigs, 2, 2)
    assert keys.shape == (3, 2)
    assert keys[0, 0] == keys[1, 0]  # same first band
    assert keys[0, 1] != keys[1, 1]
    assert keys[0, 0] != keys[2, 0]  # same values, other order
    assert keys[0, 1] == keys[2, 1]


def test_document_pairs_reports_how_found() -> None:
    doc_sets = random_sets(10, 4)
    doc_sets[3] = doc_sets[2].copy()  # docs 2 and 3 are duplicates at document level
    passage_sets = random_sets(11, 10)
    # Two of doc 0's passages reappear in doc 1 (a rewrite keeping sentences), two of
    # doc 2's in doc 3 (the duplicate); the documents 0 and 1 themselves are unrelated.
    owner = np.array([0, 0, 0, 1, 2, 2, 1, 1, 3, 3])
    passage_sets[6] = passage_sets[0].copy()
    passage_sets[7] = passage_sets[2].copy()
    passage_sets[8] = passage_sets[4].copy()
    passage_sets[9] = passage_sets[5].copy()
    found = candidates(*bands(doc_sets, passage_sets), owner, CandidateConfig())
    assert found == {(0, 1): "passage", (2, 3): "document+passage"}
    assert list(found) == sorted(found)


def test_document_pairs_ignores_passages_within_one_document() -> None:
    doc_sets = random_sets(12, 2)
    passage_sets = random_sets(13, 3)
    passage_sets[1] = passage_sets[0].copy()  # a document repeating its own sentence
    owner = np.array([0, 0, 1])
    assert candidates(*bands(doc_sets, passage_sets), owner, CandidateConfig()) == {}


def test_document_pairs_only_documents() -> None:
    doc_sets = random_sets(14, 3)
    doc_sets[2] = doc_sets[0].copy()
    passage_sets = random_sets(15, 3)
    owner = np.array([0, 1, 2])
    found = candidates(*bands(doc_sets, passage_sets), owner, CandidateConfig())
    assert found == {(0, 2): "document"}


def test_one_passage_kept_whole_is_enough_one_loosely_similar_is_not() -> None:
    doc_sets = random_sets(16, 3)
    passage_sets = random_sets(17, 6, size=12)
    owner = np.array([0, 0, 1, 1, 2, 2])
    passage_sets[2] = passage_sets[0].copy()  # doc 1 keeps one sentence of doc 0 whole
    # Doc 2 shares a quarter of a sentence's stem pairs with doc 0 (Jaccard about 0.14).
    passage_sets[4] = np.unique(np.concatenate([passage_sets[1][:3], passage_sets[4][3:]]))
    assert candidates(*bands(doc_sets, passage_sets), owner, CandidateConfig()) == {(0, 1): "passage"}
    never = CandidateConfig(strong_passage_bands=band_params(0.15, 128)[0] + 1)
    assert candidates(*bands(doc_sets, passage_sets), owner, never) == {}


def test_bands_in_files_equal_bands_in_memory(tmp_path: Path) -> None:
    sigs = signatures(random_sets(18, 30, size=8) + [np.empty(0, dtype=np.uint64)] + random_sets(18, 5, size=8), SIG)
    in_memory = Bands(4)
    on_disk = Bands(4, tmp_path / "bands")
    keys = band_keys(sigs, 4, 2)
    for part in (slice(0, 10), slice(10, 36)):
        valid = sigs[part, 0] != EMPTY
        in_memory.append(keys[part], valid)
        on_disk.append(keys[part], valid)
    assert np.array_equal(in_memory.rows, on_disk.rows) and 30 not in on_disk.rows.tolist()
    for a, b in zip(in_memory.columns(), on_disk.columns(), strict=True):
        assert np.array_equal(a, b)
    # Rows 0-4 and 31-35 are the same sets: they pair in every band.
    pairs, collisions = lsh_pairs(on_disk, 50)
    assert pairs.tolist() == [[k, 31 + k] for k in range(5)] and collisions.tolist() == [4] * 5


def test_passage_pairs_spilled_to_files_equal_those_kept_in_memory(tmp_path: Path) -> None:
    doc_sets = random_sets(19, 40)
    passage_sets = random_sets(20, 200, size=10)
    owner = np.repeat(np.arange(40), 5)
    rng = np.random.default_rng(0)
    for a, b in rng.integers(0, 200, size=(120, 2)):  # sentences repeated across documents
        passage_sets[b] = passage_sets[a].copy()
    config = CandidateConfig(max_bucket=3)
    in_memory = document_pairs(*bands(doc_sets, passage_sets), owner, config)
    on_disk = document_pairs(*bands(doc_sets, passage_sets), owner, config, tmp_path / "spill")
    assert in_memory[0].size and all(np.array_equal(a, b) for a, b in zip(in_memory, on_disk))


def test_passage_pairs_counted_in_worker_processes_equal_those_counted_here(tmp_path: Path) -> None:
    doc_sets = random_sets(21, 30)
    passage_sets = random_sets(22, 150, size=10)
    owner = np.repeat(np.arange(30), 5)
    for a, b in np.random.default_rng(1).integers(0, 150, size=(90, 2)):
        passage_sets[b] = passage_sets[a].copy()
    config = CandidateConfig(max_bucket=3)
    here = document_pairs(*bands(doc_sets, passage_sets), owner, config)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        spread = document_pairs(*bands(doc_sets, passage_sets, tmp_path / "bands"), owner, config, tmp_path / "spill",
                                pool.map)
    assert here[0].size and all(np.array_equal(a, b) for a, b in zip(here, spread))
