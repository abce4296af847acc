"""Stored digests verify exactly as the digests they were made from; damaged records are refused."""

from __future__ import annotations

import pytest

from dedup.background import load_background
from dedup.config import Config
from dedup.index.codec import CodecError, decode_digests, encode_digests
from dedup.normalize import prepare
from dedup.records import Document
from dedup.verify import FeatureBuilder, digest, verify_pairs


def _features(d):
    builder = FeatureBuilder(load_background())
    builder.add(d)
    return builder.features()


def test_round_trip_verifies_the_same(seed_docs: list[Document]) -> None:
    config = Config()
    made = digest([prepare(d, frozenset(), config.normalize) for d in seed_docs])
    back = decode_digests(made.ids, encode_digests(made))
    pairs = [(i, j) for i in range(len(seed_docs)) for j in range(i + 1, len(seed_docs))]
    assert verify_pairs(_features(made), pairs, config.verify) == verify_pairs(_features(back), pairs, config.verify)


@pytest.mark.parametrize("damage", [lambda b: b[:-3], lambda b: b"XXXX" + b[4:], lambda b: b + b"\0",
                                    lambda b: b[:40]])
def test_damaged_records_are_refused(news_docs: list[Document], damage) -> None:
    made = digest([prepare(news_docs[0], frozenset(), Config().normalize)])
    with pytest.raises(CodecError):
        decode_digests(made.ids, [damage(encode_digests(made)[0])])
