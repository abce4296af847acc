"""Tests for dedup.verify: digests and features, passage alignment and the link decision."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dedup.background import load_background
from dedup.config import NormalizeConfig, VerifyConfig
from dedup.pipeline import prepare_all
from dedup.records import Document, Match, Prepared
from dedup.shingle import shingle_sets
from dedup.verify import (
    FeatureBuilder,
    PairScores,
    align,
    digest,
    features_of,
    pair_scores,
    paraphrase_distances,
    stem_grams,
    style_folded,
    verify_pairs,
)

STORY = """Dockworkers walked off the job at Port Aldmere on Friday, halting cargo traffic at the busiest harbour in Kestria.
The Harbour and Maritime Workers Union said about 4,200 of its members had joined the open-ended stoppage.
"We have been patient for eleven months and all we got was a letter telling us to be grateful," union leader Tomas Varga said.
The union is demanding a 14 percent pay rise over two years and an end to mandatory double night shifts.
The port authority said its final offer of 6 percent was generous given falling transit volumes.
By midday at least 37 vessels were anchored in the outer roads, according to harbour pilots, waiting for a berth.
"""

COPY = "Short Url\nFollow\nBy Coastal Herald Staff\n" + STORY + "\u00a9 2025 Coastal Herald. All rights reserved.\n"

LIBRARY = """The National Library of Kestria reopened in the capital on Friday after a five-year restoration.
Visitors queued from dawn to see the restored reading room and its painted ceiling.
Chief librarian Anneke Sorel said the building now had climate-controlled vaults for medieval manuscripts.
Architects replaced the leaking copper roof, rebuilt the east stairwell and added a lift for wheelchair users.
A new children's wing with picture books in four languages will open in June.
"""


def prepared(*texts: str) -> list[Prepared]:
    return prepare_all([Document(f"d{k}", t) for k, t in enumerate(texts)], NormalizeConfig())


def verified(a_text: str, b_text: str, config: VerifyConfig = VerifyConfig()) -> tuple[Prepared, Prepared, Match]:
    a, b = prepared(a_text, b_text)
    return a, b, verify_pairs(features_of([a, b], load_background()), [(0, 1)], config)[0]


def measured(a_text: str, b_text: str) -> tuple[PairScores, Match]:
    """The pair's measured scores (all passage cells at the alignment threshold) and its match."""
    features = features_of(prepared(a_text, b_text), load_background())
    (scores,) = pair_scores(features, np.array([[0, 1]]), VerifyConfig())
    return scores, verify_pairs(features, [(0, 1)], VerifyConfig())[0]


def test_features_gathered_run_by_run_equal_features_of_the_whole() -> None:
    docs = prepared(STORY, LIBRARY, COPY)
    whole = features_of(docs, load_background())
    builder = FeatureBuilder(load_background())
    builder.add(digest(docs[:1]))
    builder.add(digest(docs[1:]))
    runs = builder.features()
    assert runs.ids == whole.ids
    for name in ("documents", "passages", "shingles"):
        a, b = getattr(runs, name), getattr(whole, name)
        assert a.shape[0] == b.shape[0]
        # Columns are numbered in the order stems are met, the same either way.
        assert abs(a - b).max() < 1e-6
    for name in ("weights", "first", "phrases", "phrase_ptr", "phrase_idf", "story", "quoted", "quote_open"):
        assert np.array_equal(getattr(runs, name), getattr(whole, name)), name
    assert runs.texts == whole.texts
    assert runs.passage_texts(1) == [p.text for p in docs[1].passages]


def test_phrase_idf_counts_corpus_and_background() -> None:
    docs = prepared(STORY, LIBRARY)
    background = load_background()
    f = features_of(docs, background)
    n = len(docs) + background.n_docs
    seen_once = np.log((1.0 + n) / 2.0) + 1.0
    # Every phrase is in one of the two documents: none can be rarer than that.
    assert f.phrase_idf.max() == pytest.approx(seen_once, rel=1e-6)
    common = max(background.phrase_df, key=background.phrase_df.get)
    assert np.log((1.0 + n) / (1.0 + background.phrase_df[common])) + 1.0 < seen_once


def test_idf_rare_words_weigh_more() -> None:
    (doc,) = prepared("Dockworkers walked out on Friday, on Friday.")
    f = features_of([doc, *prepared(LIBRARY)], load_background())
    row = f.documents[0]
    # "dockwork" once and "friday" twice: the rare stem still weighs more.
    weights = sorted(row.data.tolist())
    assert len(weights) == 3 and weights[-1] > weights[-2]


def test_features_rows() -> None:
    docs = prepared(STORY, LIBRARY)
    f = features_of(docs, load_background())
    assert f.first.tolist() == [0, 6, 11]
    assert f.counts.tolist() == [6, 5]
    assert f.passages.shape[0] == f.weights.size == 11
    assert np.all(f.weights > 0)
    assert np.asarray(f.documents.multiply(f.documents).sum(axis=1)).ravel() == pytest.approx([1.0, 1.0])
    assert np.asarray(f.passages.multiply(f.passages).sum(axis=1)).ravel() == pytest.approx(np.ones(11))
    assert f.shingles.shape[0] == 2 and set(f.shingles.data.tolist()) == {1.0}


def test_pair_scores_match_dense_cosines() -> None:
    lines = STORY.strip().split("\n")
    docs = prepared(STORY, COPY, "\n".join([lines[4], lines[0]]))
    f = features_of(docs, load_background())
    config = VerifyConfig(align_threshold=0.0)
    copy, part = pair_scores(f, np.array([[0, 1], [0, 2]]), config)
    assert copy.cosine == pytest.approx(1.0)
    assert copy.shared_shingles == copy.shingles_a == copy.shingles_b
    dense = (f.passages[0:6] @ f.passages[6:12].T).toarray()
    ii, jj, sim = copy.cells
    assert sim == pytest.approx(dense[ii, jj])
    assert len(sim) == 36  # threshold 0: every passage pair is a cell
    assert np.diag(dense) == pytest.approx(np.ones(6))
    ii, jj, sim = part.cells
    best = {(int(i), int(j)) for i, j, s in zip(ii, jj, sim) if s > 0.99}
    assert best == {(4, 0), (0, 1)}


def test_pair_scores_of_huge_pairs_align_identical_passages_only() -> None:
    lines = STORY.strip().split("\n")
    docs = prepared(STORY, "\n".join(lines[::-1]))
    f = features_of(docs, load_background())
    (measured,) = pair_scores(f, np.array([[0, 1]]), VerifyConfig(max_align_cells=10))
    ii, jj, sim = measured.cells
    assert sorted(zip(ii.tolist(), jj.tolist())) == [(k, 5 - k) for k in range(6)]
    assert sim.tolist() == [1.0] * 6


def test_verbatim_copy_under_chrome_is_linked() -> None:
    a, b, m = verified(STORY, COPY)
    assert m.containment_ab == pytest.approx(1.0)
    assert m.containment_ba == pytest.approx(1.0)
    assert m.jaccard == pytest.approx(1.0)
    assert m.cosine == pytest.approx(1.0)
    assert m.reuse_ab == pytest.approx(1.0) and m.reuse_ba == pytest.approx(1.0)
    assert m.score == pytest.approx(1.0)
    assert m.paraphrase_distance == pytest.approx(0.0, abs=1e-6)  # float32 rows
    assert m.linked
    assert (m.a, m.b) == ("d0", "d1")


def test_alignment_lists_matching_sentences() -> None:
    a, b, m = verified(STORY, COPY)
    assert [(x.a_index, x.b_index) for x in m.alignments] == [(k, k) for k in range(6)]
    for x in m.alignments:
        assert x.a_text == x.b_text == a.passages[x.a_index].text
        assert x.score == pytest.approx(1.0)
    quote = next(x for x in m.alignments if x.a_text.startswith('"We have been patient'))
    assert "patient month" not in quote.phrases  # words inside a quote are the speaker's, not evidence


def test_partial_overlap_aligns_only_shared_sentences() -> None:
    lines = STORY.strip().split("\n")
    reordered = "\n".join([lines[4], LIBRARY.split("\n")[1], lines[2], lines[0]])
    a, b, m = verified(STORY, reordered)
    assert {(x.a_index, x.b_index) for x in m.alignments} == {(4, 0), (2, 2), (0, 3)}
    assert m.linked
    # b is mostly made of a's sentences, a only half covered by b.
    assert m.reuse_ba > m.reuse_ab
    assert m.containment_ba > m.containment_ab


def test_unrelated_texts_not_linked() -> None:
    a, b, m = verified(STORY, LIBRARY)
    assert not m.linked
    assert m.alignments == ()
    assert m.containment_ab == 0.0 and m.containment_ba == 0.0
    assert m.cosine < 0.2
    assert m.score < 0.1
    assert m.paraphrase_distance > 0.7  # trigrams of unrelated words meet by chance


def test_single_shared_sentence_is_not_a_link() -> None:
    other = LIBRARY + STORY.split("\n")[2] + "\n"
    a, b, m = verified(STORY, other)
    assert len(m.alignments) == 1
    assert not m.linked


def test_align_is_one_to_one_best_first() -> None:
    ii, jj = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 0, 1, 1])
    sim = np.array([0.9, 0.95, 0.5, 0.6, 1.2])
    assert align(ii, jj, sim) == [(0, 0, 0.9), (2, 1, 1.0)]
    assert align(ii[:0], jj[:0], sim[:0]) == []


def test_match_toward_swaps_directed_fields() -> None:
    lines = STORY.strip().split("\n")
    a, b, m = verified(STORY, "\n".join(lines[:3]))
    t = m.toward("d1")
    assert (t.a, t.b) == ("d1", "d0")
    assert (t.containment_ab, t.containment_ba) == (m.containment_ba, m.containment_ab)
    assert (t.reuse_ab, t.reuse_ba) == (m.reuse_ba, m.reuse_ab)
    assert [(x.a_index, x.b_index) for x in t.alignments] == [(x.b_index, x.a_index) for x in m.alignments]
    assert [x.distance for x in t.alignments] == [x.distance for x in m.alignments]
    assert (t.verbatim_ab, t.verbatim_ba) == (m.verbatim_ba, m.verbatim_ab)
    assert m.toward("d0") is m


# --- word-for-word copying -------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("labour", "labor"), ("favourite", "favorite"), ("organisation", "organization"), ("analysed", "analyzed"),
        ("centres", "centers"), ("defence", "defense"), ("travelled", "traveled"), ("programme", "program"),
        ("catalogue", "catalog"), ("1,000", "1000"), ("4,200", "4200"), ("pct", ""), ("percent", ""),
        ("mln", "million"), ("dlrs", "dollars"), ("hour", "hour"), ("four", "four"), ("harbour", "harbor"),
        ("labor", "labor"), ("union", "union"),
    ],
)
def test_style_folded(word: str, folded: str) -> None:
    assert style_folded(word) == folded


HOUSE_STYLE = (STORY.replace("harbour", "harbor").replace("14 percent", "14 per cent").replace("4,200", "4200")
               .replace("6 percent", "6%"))
LINES = STORY.strip().split("\n")


def test_copy_and_house_style_copy_are_carried_word_for_word() -> None:
    for text in (COPY, HOUSE_STYLE):
        _, _, m = verified(STORY, text)
        assert (m.verbatim_ab, m.verbatim_ba) == (1.0, 1.0)
    assert HOUSE_STYLE != STORY


def test_truncated_copy_is_carried_word_for_word() -> None:
    _, _, m = verified(STORY, "\n".join(LINES[:3]))
    assert m.verbatim_ba == 1.0  # all of the truncated copy is the wire's
    assert m.verbatim_ab == 1.0  # and what of the wire it keeps, it keeps unchanged


def test_reworded_sentences_lower_the_verbatim_share() -> None:
    edited = list(LINES)
    edited[0] = edited[0].replace("walked off the job", "stopped work")
    edited[4] = edited[4].replace("was generous", "had been generous")
    scores, m = measured(STORY, "\n".join(edited))
    judged = [(x, y) for x, y, s in align(*scores.cells) if s >= 0.6]
    assert sorted(x for x, _ in judged) == list(range(6))
    # The quote (passage 2) is left out; of the other five, 0 and 4 were reworded.
    w = scores.weights_a
    assert m.verbatim_ab == pytest.approx((w[1] + w[3] + w[5]) / (w[0] + w[1] + w[3] + w[4] + w[5]))
    assert 0.3 < m.verbatim_ab < 0.8


def test_a_kept_quote_is_not_word_for_word_evidence() -> None:
    # A rewrite that rewords every sentence but keeps the quote as it was.
    rewrite = "\n".join([
        "Port Aldmere dockworkers stopped work on Friday, halting cargo at Kestria's busiest harbour.",
        LINES[2],
        "The union wants a pay rise of 14 percent over two years and no more mandatory double night shifts.",
    ])
    scores, m = measured(rewrite, STORY)
    judged = [(x, y) for x, y, s in align(*scores.cells) if s >= 0.6]
    assert len(judged) == 3  # all three aligned, the quote with its original at cosine 1
    assert m.verbatim_ab == 0.0


def test_nothing_aligned_has_no_verbatim_share() -> None:
    _, _, m = verified(STORY, LIBRARY)
    assert (m.verbatim_ab, m.verbatim_ba) == (0.0, 0.0)


def test_features_from_precomputed_shingles_are_the_same() -> None:
    docs = prepared(STORY, COPY, LIBRARY)
    given = digest(docs, shingle_sets([d.words for d in docs], 5))
    assert (given.shingles != digest(docs).shingles).nnz == 0


def test_huge_pairs_do_not_take_the_same_words_in_other_counts_for_identical() -> None:
    docs = prepared(
        "Dockworkers struck the port and the port stayed shut all day on Friday.",
        "Dockworkers struck the port and it stayed shut all day on Friday.",
    )
    assert set(docs[0].passages[0].tokens) == set(docs[1].passages[0].tokens)
    f = features_of(docs, load_background())
    (measured,) = pair_scores(f, np.array([[0, 1]]), VerifyConfig(max_align_cells=0))
    assert measured.cells[0].size == 0


def test_sharing_only_keeps_exactly_the_matches_that_share_text() -> None:
    seeds = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))
    texts = [STORY, COPY, LIBRARY, *(p.read_text(encoding="utf-8") for p in seeds)]
    features = features_of(prepared(*texts), load_background())
    pairs = [(a, b) for a in range(len(texts)) for b in range(a + 1, len(texts))]
    every = verify_pairs(features, pairs, VerifyConfig())
    sharing = [m for m in every if m.linked or m.reused]
    assert len(sharing) >= 4 and len(sharing) < len(every)
    assert verify_pairs(features, pairs, VerifyConfig(), sharing_only=True) == sharing


# --- paraphrase distance ---------------------------------------------------------


def test_stem_grams_are_unit_rows_of_marked_trigrams() -> None:
    grams = stem_grams(["acquir", "acquisit", "dock", "x"], width=5)
    assert grams.shape == (5, 1 << 20)
    assert np.diff(grams.indptr).tolist() == [6, 8, 4, 1, 0]  # "<ac" ... "ir>"; "<x>"; the unused fifth row
    norms = np.sqrt(np.asarray(grams.multiply(grams).sum(axis=1)).ravel())
    assert norms[:4] == pytest.approx([1.0] * 4)
    shared = float(grams[0].multiply(grams[1]).sum())
    assert shared == pytest.approx(4 / np.sqrt(6 * 8), rel=1e-5)  # <ac acq cqu qui
    assert float(grams[0].multiply(grams[2]).sum()) == 0.0
    assert stem_grams([], width=2).shape == (2, 1 << 20)


def test_paraphrase_distance_is_graded() -> None:
    lines = STORY.strip().split("\n")
    light = lines[1].replace("said", "stated").replace("members", "affiliates")
    heavy = "About 4,200 affiliates had joined the stoppage, which has no end date, the maritime union stated."
    features = features_of(prepared(lines[1], lines[1], light, heavy, LIBRARY.split("\n")[0]), load_background())
    rows = np.array([0, 0, 0, 0])
    distance = paraphrase_distances(features.documents, features.grams, rows, np.array([1, 2, 3, 4]), 0.5)
    assert distance[0] == pytest.approx(0.0, abs=1e-6)
    assert 0.0 < distance[1] < distance[2] < distance[3]
    assert distance[3] > 0.8
    stems_only = paraphrase_distances(features.documents, features.grams, rows, np.array([1, 2, 3, 4]), 1.0)
    cosine = np.array([features.documents[0].multiply(features.documents[k]).sum() for k in (1, 2, 3, 4)])
    assert stems_only == pytest.approx(1.0 - cosine, abs=1e-6)


def test_every_pair_and_aligned_passage_has_a_paraphrase_distance() -> None:
    lines = STORY.strip().split("\n")
    reworded = "\n".join(lines[:2] + [lines[3].replace("demanding", "seeking"), lines[4]])
    a, b, m = verified(STORY, reworded)
    assert m.linked and 0.0 < m.paraphrase_distance < 0.5
    by_index = {x.a_index: x for x in m.alignments}
    assert by_index[0].distance == pytest.approx(0.0, abs=1e-6)
    assert 0.0 < by_index[3].distance < 0.5
    scores, match = measured(STORY, LIBRARY)
    assert not scores.may_share and scores.cell_distances is None
    assert match.paraphrase_distance == pytest.approx(scores.distance)
    # Pairs that cannot share text are skipped when only sharing ones are asked for; the others keep their distance.
    features = features_of(prepared(STORY, COPY, LIBRARY), load_background())
    every = verify_pairs(features, [(0, 1), (0, 2)], VerifyConfig())
    assert verify_pairs(features, [(0, 1), (0, 2)], VerifyConfig(), sharing_only=True) == every[:1]
