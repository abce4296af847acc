"""Tests for dedup.shingle: word n-gram hashing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.shingle import (
    MAX_NGRAM,
    distinct,
    ngram_hashes,
    shingle_set,
    shingle_sets,
    token_hashes,
)

WORDS = "dockworkers walked off the job at port aldmere on friday".split()


def test_token_hashes_are_deterministic_uint64() -> None:
    h = token_hashes(["port", "aldmere", "port"])
    assert h.dtype == np.uint64
    assert h.shape == (3,)
    assert h[0] == h[2] and h[0] != h[1]
    assert np.array_equal(h, token_hashes(["port", "aldmere", "port"]))


@given(st.lists(st.one_of(st.integers(0, 5), st.integers(0, 2**64 - 1)), max_size=50))
def test_distinct_is_numpys_unique(values: list[int]) -> None:
    array = np.array(values, dtype=np.uint64)
    out = distinct(array)
    assert out.dtype == np.uint64
    assert np.array_equal(out, np.unique(array))
    assert np.array_equal(distinct(np.sort(array), presorted=True), out)


def test_ngram_hashes_count_sorted_unique() -> None:
    out = shingle_set(WORDS, 5)
    assert out.dtype == np.uint64
    assert out.size == len(WORDS) - 5 + 1
    assert np.all(out[1:] > out[:-1])  # strictly increasing: sorted and unique


def test_ngram_hashes_repeated_ngrams_counted_once() -> None:
    tokens = ["strike", "at", "port"] * 4
    out = shingle_set(tokens, 3)
    # Only three distinct trigrams: (strike at port), (at port strike), (port strike at).
    assert out.size == 3
    assert np.all(out[1:] > out[:-1])


def test_ngram_hashes_order_sensitive() -> None:
    assert shingle_set(["port", "strike", "ends"], 3)[0] != shingle_set(["ends", "strike", "port"], 3)[0]
    assert shingle_set(["port", "strike"], 2)[0] != shingle_set(["strike", "port"], 2)[0]
    # Unigrams are a bag of words: order no longer matters.
    assert np.array_equal(shingle_set(["port", "strike"], 1), shingle_set(["strike", "port"], 1))


def test_short_text_gives_one_shingle_of_all_words() -> None:
    short = shingle_set(["port", "strike"], 5)
    assert short.size == 1
    assert np.array_equal(short, shingle_set(["port", "strike"], 2))
    assert shingle_set(["port"], 5).size == 1


def test_empty_text_gives_no_shingles() -> None:
    out = shingle_set([], 5)
    assert out.size == 0 and out.dtype == np.uint64


@pytest.mark.parametrize("n", [0, MAX_NGRAM + 1, -1])
def test_ngram_length_out_of_range(n: int) -> None:
    with pytest.raises(ValueError, match="n-gram length"):
        ngram_hashes(token_hashes(WORDS), n)


def test_shared_shingles_of_overlapping_texts() -> None:
    a = shingle_set(WORDS, 3)  # 8 trigrams
    b = shingle_set(WORDS[4:] + ["to", "protest", "pay"], 3)  # shares the last 4 trigrams of a
    assert np.intersect1d(a, b).size == 4
    assert np.intersect1d(a, shingle_set("an unrelated library story".split(), 3)).size == 0


@given(st.lists(st.lists(st.sampled_from(["port", "strike", "ends", "Zoë", "4,200", "a", "aldmere"]), max_size=9), max_size=6),
       st.integers(1, 5))
@settings(max_examples=200, deadline=None)
def test_shingle_sets_equal_shingle_set_per_sequence(token_lists: list[list[str]], n: int) -> None:
    values, owner = shingle_sets(token_lists, n)
    assert np.all(np.diff(owner) >= 0)
    for k, tokens in enumerate(token_lists):
        assert np.array_equal(np.unique(values[owner == k]), shingle_set(tokens, n))


def test_token_hashes_do_not_depend_on_neighbours() -> None:
    alone = token_hashes(["strike"])
    assert token_hashes(["port", "strike", "ends"])[1] == alone[0]
    assert token_hashes(["s", "trike"])[1] != alone[0]
    assert len(set(token_hashes(["ab", "ba", "a", "b", "", "aa"]).tolist())) == 6


def test_token_hashes_of_long_lists_are_hashed_in_blocks_alike() -> None:
    tokens = [f"w{k % 977}" for k in range(200_000)]
    h = token_hashes(tokens)
    assert h.size == len(tokens)
    assert np.array_equal(h[:977], token_hashes(tokens[:977]))
    assert np.array_equal(h[977 * 150 : 977 * 151], h[:977])
