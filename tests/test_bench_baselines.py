"""The baseline systems and pair scorers on tiny hand-made corpora."""

from __future__ import annotations

import pytest

from benchmarks.baselines import (  # noqa: E402
    earliest,
    minhash_pair_scores,
    minhash_system,
    tfidf_pair_scores,
    tfidf_system,
)
from dedup.records import Document, Label  # noqa: E402

STORY = (
    "Norland Grain Co said it expects wheat exports from the prairie ports to rise about 12 pct this season "
    "to 4.8 mln tonnes, helped by strong demand from buyers in North Africa. The company said shipments through "
    "Port Halden reached 1.9 mln tonnes in the first half of the crop year, compared with 1.6 mln a year earlier. "
    "Chief executive Marta Lindgren told reporters that freight rates on the lakes had eased and that the "
    "cooperative planned to add two loading berths before the autumn harvest."
)
OTHER = (
    "The Bundesbank offered banks a new securities repurchase pact at an unchanged rate of 3.80 pct, money market "
    "dealers said. The pact, for 28 days, will add liquidity as an earlier agreement worth 12.4 billion marks "
    "expires on Wednesday, and dealers saw no change in credit policy despite the strength of the mark."
)


def corpus() -> list[Document]:
    return [
        Document("copy", "Follow us\n\n" + STORY + "\n\nAdvertisement", published="1987-03-03T10:00:00"),
        Document("wire", STORY, outlet="Reuters", published="1987-03-02T09:15:22"),
        Document("other", OTHER, published="1987-03-01T08:00:00"),
    ]


def test_minhash_system_links_copies_and_picks_the_earliest() -> None:
    verdicts = {v.id: v for v in minhash_system(corpus())}
    assert verdicts["wire"].label == Label.ORIGINAL and verdicts["wire"].cluster == "wire"
    assert verdicts["copy"].label == Label.SYNDICATED and verdicts["copy"].source == "wire"
    assert verdicts["other"].cluster == "other" and verdicts["other"].label == Label.ORIGINAL


def test_tfidf_system_labels_by_cosine_to_the_original() -> None:
    rewrite = Document("rewrite", OTHER.split(". ")[0] + ". Traders in Frankfurt expected steady rates for weeks "
                       "while exporters worried about orders from abroad.", published="1987-03-04T00:00:00")
    verdicts = {v.id: v for v in tfidf_system(corpus() + [rewrite], threshold=0.2)}
    assert verdicts["copy"].label == Label.SYNDICATED and verdicts["copy"].source == "wire"
    assert verdicts["rewrite"].label == Label.REWRITE and verdicts["rewrite"].source == "other"
    assert 0.2 <= verdicts["rewrite"].score < 0.9


def test_earliest_puts_undated_last_and_breaks_ties_by_order() -> None:
    docs = [Document("a", "x"), Document("b", "x", published="1987-03-02"),
            Document("c", "x", published="1987-03-02T00:00:00+00:00"), Document("d", "x", published="bad")]
    assert earliest(docs, [0, 1, 2, 3]) == 1
    assert earliest(docs, [0, 3]) == 0


def test_pair_scorers_rank_copies_above_unrelated() -> None:
    pairs = [("same", STORY, "Follow us " + STORY), ("diff", STORY, OTHER)]
    for scorer in (minhash_pair_scores, tfidf_pair_scores):
        scores = {p.id: p.score for p in scorer(pairs)}
        assert scores["same"] > 0.8 > scores["diff"]
        assert all(0.0 <= s <= 1.0 + 1e-9 for s in scores.values())
    assert tfidf_pair_scores([]) == []


def test_identical_texts_score_one() -> None:
    assert minhash_pair_scores([("p", STORY, STORY)])[0].score == pytest.approx(1.0)
