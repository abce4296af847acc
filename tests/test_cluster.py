"""Tests for dedup.cluster: link-graph components, dates, and labelling from hand-made matches."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cluster import (
    Labelling,
    components,
    derived_share,
    label_corpus,
    label_features,
    parse_date,
    relabel_corpus,
    syndication_odds,
)
from dedup.config import LabelConfig
from dedup.records import Alignment, Cluster, Document, Label, Match, Verdict

CONFIG = LabelConfig()


def match(a: str, b: str, *, cont_ab: float = 0.0, cont_ba: float = 0.0, reuse_ab: float = 0.0,
          reuse_ba: float = 0.0, linked: bool = True, distance: float = 0.3, verbatim_ab: float = 0.0,
          verbatim_ba: float = 0.0) -> Match:
    """A match whose directed fields say how much of ``a`` is found in ``b`` and back."""
    return Match(
        a=a, b=b, jaccard=min(cont_ab, cont_ba), containment_ab=cont_ab, containment_ba=cont_ba,
        cosine=0.5, reuse_ab=reuse_ab, reuse_ba=reuse_ba, score=max(cont_ab, cont_ba, reuse_ab, reuse_ba),
        paraphrase_distance=distance, linked=linked, verbatim_ab=verbatim_ab, verbatim_ba=verbatim_ba,
    )


def docs(*specs: tuple[str, str | None]) -> list[Document]:
    return [Document(id=i, text=f"text of {i} " * 5, published=p) for i, p in specs]


def by_id(verdicts):
    return {v.id: v for v in verdicts}


# --- components ---------------------------------------------------------------


def graph(n: int, edges: list[tuple[int, int]]) -> tuple[list[str], dict[str, dict[str, Match]]]:
    ids = [str(k) for k in range(n)]
    links: dict[str, dict[str, Match]] = {i: {} for i in ids}
    for a, b in edges:
        m = match(str(a), str(b))
        links[str(a)][str(b)] = links[str(b)][str(a)] = m
    return ids, links


def test_components_groups() -> None:
    ids, links = graph(7, [(5, 1), (1, 3), (4, 6), (3, 5)])
    assert components(ids, links) == [["0"], ["1", "3", "5"], ["2"], ["4", "6"]]


def test_components_long_chain() -> None:
    n = 200
    ids, links = graph(n, [(k, k + 1) for k in range(n - 1)])
    assert components(ids, links) == [ids]


def test_components_restricted_to_members() -> None:
    ids, links = graph(4, [(0, 1), (1, 2), (2, 3)])
    assert components(["0", "2", "3"], links) == [["0"], ["2", "3"]]


def test_components_empty() -> None:
    assert components([], {}) == []


# --- parse_date -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-14", datetime(2025, 3, 14, tzinfo=timezone.utc)),
        ("2025-03-14T06:10:00Z", datetime(2025, 3, 14, 6, 10, tzinfo=timezone.utc)),
        (" 2025-03-14T06:10:00 ", datetime(2025, 3, 14, 6, 10, tzinfo=timezone.utc)),
        ("2025-03-14T08:10:00+02:00", datetime(2025, 3, 14, 6, 10, tzinfo=timezone.utc)),
    ],
)
def test_parse_date_valid(value: str, expected: datetime) -> None:
    parsed = parse_date(value)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


def test_parse_date_keeps_offset() -> None:
    parsed = parse_date("2025-03-14T08:10:00+02:00")
    assert parsed is not None and parsed.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("value", [None, "", "yesterday", "14/03/2025", "2025-13-01"])
def test_parse_date_invalid(value: str | None) -> None:
    assert parse_date(value) is None


# --- label_corpus -----------------------------------------------------------


def run(corpus: list[Document], matches: list[Match]) -> tuple[list[Verdict], list[Cluster]]:
    labelling = label_corpus(corpus, matches, CONFIG)
    return labelling.verdicts, labelling.clusters



def test_derived_share_reads_the_member_side() -> None:
    m = match("x", "y", cont_ab=0.9, cont_ba=0.2, reuse_ab=0.1, reuse_ba=0.7)
    assert derived_share(m, "x") == 0.9
    assert derived_share(m, "y") == 0.7


def test_earliest_published_is_original() -> None:
    corpus = docs(("late", "2025-03-14T12:00:00Z"), ("early", "2025-03-14T06:00:00Z"), ("mid", "2025-03-14T09:00:00+01:00"))
    # Containment would point the other way: the date wins when every member is dated.
    matches = [
        match("late", "early", cont_ab=0.1, cont_ba=0.95),
        match("mid", "early", cont_ab=0.1, cont_ba=0.9),
    ]
    verdicts, clusters = run(corpus, matches)
    v = by_id(verdicts)
    assert v["early"].label is Label.ORIGINAL and v["early"].source is None
    assert v["late"].source == "early" and v["mid"].source == "early"
    assert {x.cluster for x in verdicts} == {"early"}
    assert clusters[0].id == "early"
    # "mid" (08:00 UTC) precedes "late" (12:00 UTC).
    assert clusters[0].members == ("early", "mid", "late")


def test_without_dates_original_is_most_derived_from() -> None:
    corpus = docs(("a", None), ("wire", None), ("c", "2025-03-14"))  # not all dated: dates ignored
    matches = [
        match("a", "wire", cont_ab=0.9, cont_ba=0.4),
        match("wire", "c", cont_ab=0.3, cont_ba=0.8),
        match("a", "c", cont_ab=0.35, cont_ba=0.35),
    ]
    verdicts, clusters = run(corpus, matches)
    v = by_id(verdicts)
    assert v["wire"].label is Label.ORIGINAL
    assert v["a"].source == "wire" and v["c"].source == "wire"
    assert clusters[0].members[0] == "wire"


def test_label_features_read_the_member_side() -> None:
    m = match("x", "y", cont_ab=0.3, cont_ba=0.9, verbatim_ab=0.25, verbatim_ba=1.0)
    assert label_features(m) == (0.25, 0.9)
    assert label_features(m.toward("y")) == (1.0, 0.9)


def test_syndication_odds_is_the_shipped_linear_model() -> None:
    config = LabelConfig(verbatim_weight=10.0, copied_weight=5.0, bias=-12.0)
    assert syndication_odds(1.0, 1.0, config) == pytest.approx(3.0)
    assert syndication_odds(1.0, 0.4, config) == pytest.approx(0.0)
    assert syndication_odds(0.5, 1.0, config) == pytest.approx(-2.0)
    # The shipped weights: a copy of every sentence is syndicated, from about 70% containment;
    # a full-length text with a third of its sentences reworded is not.
    assert syndication_odds(1.0, 1.0, CONFIG) > 0
    assert syndication_odds(1.0, 0.75, CONFIG) > 0
    assert syndication_odds(1.0, 0.6, CONFIG) < 0
    assert syndication_odds(0.66, 1.0, CONFIG) < 0
    assert syndication_odds(0.0, 1.0, CONFIG) < 0


def test_syndicated_vs_rewrite_by_wording_and_containment() -> None:
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("copy", "2025-03-14T07:00Z"), ("rewrite", "2025-03-14T08:00Z"))
    matches = [
        match("copy", "wire", cont_ab=0.92, cont_ba=0.85, reuse_ab=0.9, reuse_ba=0.85, distance=0.01,
              verbatim_ab=1.0, verbatim_ba=1.0),
        match("wire", "rewrite", cont_ab=0.1, cont_ba=0.15, reuse_ab=0.3, reuse_ba=0.35, distance=0.25),
        match("copy", "rewrite", cont_ab=0.1, cont_ba=0.15, reuse_ab=0.3, reuse_ba=0.35, distance=0.25),
    ]
    verdicts, _ = run(corpus, matches)
    v = by_id(verdicts)
    assert v["copy"].label is Label.SYNDICATED and v["copy"].source == "wire"
    assert v["copy"].score == 0.92
    assert v["rewrite"].label is Label.REWRITE and v["rewrite"].source == "wire"
    assert v["rewrite"].score == 0.35
    assert v["rewrite"].reuse == 0.35


def test_copy_inside_a_larger_page_is_syndicated() -> None:
    # The wire story is all there (containment of the source in the copy), teasers around it.
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("page", "2025-03-14T07:00Z"))
    matches = [match("page", "wire", cont_ab=0.45, cont_ba=0.97, reuse_ab=0.5, reuse_ba=0.97,
                     verbatim_ab=1.0, verbatim_ba=1.0)]
    v = by_id(run(corpus, matches)[0])
    assert v["page"].label is Label.SYNDICATED


def test_truncated_copy_is_syndicated() -> None:
    # The first paragraphs, word for word: all of the copy is in the wire story.
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("copy", "2025-03-14T07:00Z"))
    matches = [match("copy", "wire", cont_ab=0.96, cont_ba=0.55, verbatim_ab=1.0, verbatim_ba=1.0)]
    assert by_id(run(corpus, matches)[0])["copy"].label is Label.SYNDICATED


def test_full_length_text_with_reworded_sentences_is_a_rewrite() -> None:
    # High containment, but half of the copy's sentences have words changed inside them.
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("light", "2025-03-14T07:00Z"))
    matches = [match("light", "wire", cont_ab=0.85, cont_ba=0.8, verbatim_ab=0.5, verbatim_ba=0.5)]
    assert by_id(run(corpus, matches)[0])["light"].label is Label.REWRITE


def test_few_verbatim_sentences_in_an_article_of_its_own_are_a_rewrite() -> None:
    # What it shares it shares word for word, but the wire is a small part of it and it of the wire.
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("article", "2025-03-14T07:00Z"))
    matches = [match("article", "wire", cont_ab=0.3, cont_ba=0.35, verbatim_ab=1.0, verbatim_ba=1.0)]
    assert by_id(run(corpus, matches)[0])["article"].label is Label.REWRITE


def test_near_verbatim_sentences_without_5gram_containment_are_a_rewrite() -> None:
    # Every sentence kept but edited: below verbatim level, so a (light) rewrite.
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("copy", "2025-03-14T07:00Z"))
    matches = [match("copy", "wire", cont_ab=0.3, cont_ba=0.3, reuse_ab=0.97, reuse_ba=0.95, distance=0.02,
                     verbatim_ab=0.1, verbatim_ba=0.1)]
    v = by_id(run(corpus, matches)[0])
    assert v["copy"].label is Label.REWRITE


def test_member_linked_only_through_another_waits_for_verification() -> None:
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("copy", "2025-03-14T07:00Z"), ("late", "2025-03-14T09:00Z"))
    matches = [
        match("copy", "wire", cont_ab=0.95, cont_ba=0.95),
        match("late", "copy", cont_ab=0.2, cont_ba=0.2, reuse_ab=0.4),
    ]
    labelling = label_corpus(corpus, matches, CONFIG)
    assert labelling.unverified == [("wire", "late")]
    v = by_id(labelling.verdicts)
    assert v["late"].label is Label.ORIGINAL and v["late"].cluster == "late"


def test_member_sharing_a_passage_with_the_original_joins_it() -> None:
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("copy", "2025-03-14T07:00Z"), ("late", "2025-03-14T09:00Z"))
    passage = Alignment(0, 0, "a shared sentence", "a shared sentence", 0.7)
    matches = [
        match("copy", "wire", cont_ab=0.95, cont_ba=0.95, verbatim_ab=1.0, verbatim_ba=1.0),
        match("late", "copy", cont_ab=0.2, cont_ba=0.2, reuse_ab=0.4),
        # What it shares with the copy is the wire's text: about as much of it is found in the wire.
        replace(match("late", "wire", cont_ab=0.05, cont_ba=0.05, reuse_ab=0.35, linked=False), alignments=(passage,)),
    ]
    labelling = label_corpus(corpus, matches, CONFIG)
    assert labelling.unverified == []
    v = by_id(labelling.verdicts)
    assert (v["late"].cluster, v["late"].source, v["late"].label) == ("wire", "wire", Label.REWRITE)
    assert labelling.clusters[0].members == ("wire", "copy", "late")


def test_member_sharing_nothing_with_the_original_is_set_apart() -> None:
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("copy", "2025-03-14T07:00Z"), ("late", "2025-03-14T09:00Z"))
    matches = [
        match("copy", "wire", cont_ab=0.95, cont_ba=0.95),
        match("late", "copy", cont_ab=0.2, cont_ba=0.2, reuse_ab=0.4),
        match("late", "wire", linked=False),
    ]
    labelling = label_corpus(corpus, matches, CONFIG)
    assert labelling.unverified == []
    assert [c.members for c in labelling.clusters] == [("wire", "copy"), ("late",)]


def test_unlinked_matches_do_not_cluster_and_singletons_are_original() -> None:
    corpus = docs(("a", "2025-03-14"), ("b", "2025-03-13"), ("c", None))
    matches = [match("a", "b", cont_ab=0.2, cont_ba=0.2, linked=False)]
    verdicts, clusters = run(corpus, matches)
    assert [v.id for v in verdicts] == ["a", "b", "c"]  # input order
    for v in verdicts:
        assert v.label is Label.ORIGINAL
        assert v.source is None and v.score is None
        assert v.cluster == v.id
        assert v.passages == 0
    assert [(c.id, c.members) for c in clusters] == [("a", ("a",)), ("b", ("b",)), ("c", ("c",))]


def test_clusters_largest_first_and_verdicts_in_input_order() -> None:
    corpus = docs(("s", None), ("x", "2025-01-01"), ("y", "2025-01-02"), ("z", "2025-01-03"))
    matches = [match("y", "x", cont_ab=0.9, cont_ba=0.9), match("z", "y", cont_ab=0.9, cont_ba=0.9),
               match("z", "x", cont_ab=0.9, cont_ba=0.9)]
    verdicts, clusters = run(corpus, matches)
    assert [v.id for v in verdicts] == ["s", "x", "y", "z"]
    assert [c.id for c in clusters] == ["x", "s"]
    assert clusters[0].members == ("x", "y", "z")
    # every member of a cluster derives from its original
    assert by_id(verdicts)["z"].source == "x"


def test_copy_of_a_resembling_story_stays_with_that_story() -> None:
    # Two wire stories on one company share a paraphrased sentence; each has a copy.
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("copy", "2025-03-14T07:00Z"), ("other", "2025-03-14T08:00Z"),
                  ("other_copy", "2025-03-14T09:00Z"))
    passage = Alignment(0, 0, "a paraphrased sentence", "a sentence paraphrased", 0.6)
    matches = [
        match("copy", "wire", cont_ab=0.95, cont_ba=0.95, verbatim_ab=1.0, verbatim_ba=1.0),
        replace(match("other", "wire", cont_ab=0.05, cont_ba=0.05, reuse_ab=0.15, reuse_ba=0.15), alignments=(passage,)),
        match("other_copy", "other", cont_ab=0.97, cont_ba=0.9, reuse_ab=0.97, reuse_ba=0.9, verbatim_ab=1.0,
              verbatim_ba=1.0),
        replace(match("other_copy", "wire", cont_ab=0.05, cont_ba=0.05, reuse_ab=0.15, reuse_ba=0.15, linked=False),
                alignments=(passage,)),
    ]
    labelling = label_corpus(corpus, matches, CONFIG)
    assert [c.members for c in labelling.clusters] == [("wire", "copy"), ("other", "other_copy")]
    v = by_id(labelling.verdicts)
    assert (v["other_copy"].source, v["other_copy"].label) == ("other", Label.SYNDICATED)
    # other_copy holds 0.15 of itself in wire against 0.97 in other: below the shipped 0.3 of it.
    assert CONFIG.original_share == 0.3
    # With no share required, the paraphrased sentence chains both stories into one cluster.
    merged = label_corpus(corpus, matches, replace(CONFIG, original_share=0.0))
    assert [c.members for c in merged.clusters] == [("wire", "copy", "other", "other_copy")]


def test_rewrite_that_keeps_as_much_of_the_original_as_of_its_copy_joins_it() -> None:
    corpus = docs(("wire", "2025-03-14T06:00Z"), ("copy", "2025-03-14T07:00Z"), ("rewrite", "2025-03-14T08:00Z"))
    matches = [
        match("copy", "wire", cont_ab=0.95, cont_ba=0.95, verbatim_ab=1.0, verbatim_ba=1.0),
        match("rewrite", "wire", cont_ab=0.2, cont_ba=0.2, reuse_ab=0.3, reuse_ba=0.3),
        match("rewrite", "copy", cont_ab=0.25, cont_ba=0.2, reuse_ab=0.35, reuse_ba=0.3),
    ]
    labelling = label_corpus(corpus, matches, CONFIG)
    assert [c.members for c in labelling.clusters] == [("wire", "copy", "rewrite")]


# --- relabel_corpus -----------------------------------------------------------


def verified_pairs(*pairs: tuple[str, str]):
    """``checked`` for labelling: whether a pair (in either order) is one of ``pairs``."""
    known = {frozenset(p) for p in pairs}
    return lambda a, b: frozenset((a, b)) in known


# Two stories: the wire, its copy and a late text linked to the copy; another story and its copy.
TWO_STORIES = docs(("wire", "2025-03-14T06:00Z"), ("copy", "2025-03-14T07:00Z"), ("late", "2025-03-14T09:00Z"),
                   ("other", "2025-03-14T08:00Z"), ("its copy", "2025-03-14T10:00Z"))
WIRE_COPY = match("copy", "wire", cont_ab=0.95, cont_ba=0.95, verbatim_ab=1.0, verbatim_ba=1.0)
LATE_COPY = match("late", "copy", cont_ab=0.2, cont_ba=0.2, reuse_ab=0.4)
OTHER_COPY = match("its copy", "other", cont_ab=0.9, cont_ba=0.9, verbatim_ab=1.0, verbatim_ba=1.0)


def relabelled(first: list[Match], new: list[Match], checked) -> Labelling:
    """The labelling of TWO_STORIES after ``new`` matches, checked against labelling it from scratch."""
    previous = label_corpus(TWO_STORIES, first, CONFIG)
    assert previous.unverified == [("wire", "late")]
    again = relabel_corpus(previous, TWO_STORIES, first + new, new, CONFIG, checked)
    assert again == label_corpus(TWO_STORIES, first + new, CONFIG, checked)
    return again


def test_relabel_after_the_asked_pair_is_verified_is_labelling_again() -> None:
    new = [replace(match("late", "wire", cont_ab=0.05, cont_ba=0.05, reuse_ab=0.35, linked=False), reused=1)]
    again = relabelled([WIRE_COPY, LATE_COPY, OTHER_COPY], new, verified_pairs(("late", "wire")))
    assert again.clusters[0].members == ("wire", "copy", "late")


def test_relabel_drops_asked_pairs_that_share_nothing_from_untouched_clusters() -> None:
    # The asked pair shares nothing; a match elsewhere is new.
    again = relabelled([WIRE_COPY, LATE_COPY], [OTHER_COPY], verified_pairs(("late", "wire"), ("its copy", "other")))
    assert again.unverified == []


@st.composite
def labelling_rounds(draw):
    """A corpus, the matches of a first round, those a later round found, and the pairs verified by then."""
    n = draw(st.integers(2, 9))
    dated = draw(st.booleans())
    corpus = [Document(id=f"d{k}", text="x " * draw(st.integers(1, 30)),
                       published=f"2025-03-{10 + draw(st.integers(0, 5)):02d}" if dated else None) for k in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
                          .map(lambda p: (f"d{min(p)}", f"d{max(p)}")), unique=True, max_size=14))
    share = st.floats(0.0, 1.0)
    found = [
        replace(match(a, b, cont_ab=draw(share), cont_ba=draw(share), reuse_ab=draw(share), reuse_ba=draw(share),
                      linked=draw(st.booleans()), verbatim_ab=draw(share), verbatim_ba=draw(share)),
                tail_only=draw(st.booleans()) and draw(st.booleans()), reused=draw(st.integers(0, 2)))
        for a, b in pairs
    ]
    cut = draw(st.integers(0, len(found)))
    unmatched = draw(st.lists(st.sampled_from([(f"d{i}", f"d{j}") for i in range(n) for j in range(i + 1, n)]),
                              max_size=4))
    return corpus, found[:cut], found[cut:], unmatched


@settings(max_examples=200, deadline=None)
@given(labelling_rounds(), st.data())
def test_relabel_is_labelling_the_whole_corpus_again(rounds, data) -> None:
    corpus, first, new, unmatched = rounds
    def pair(a: str, b: str) -> tuple[str, str]:
        return (a, b) if a < b else (b, a)
    before = {pair(m.a, m.b) for m in first}
    previous = label_corpus(corpus, first, CONFIG, lambda a, b: pair(a, b) in before)
    # Some of the pairs labelling asked about were verified and share nothing.
    asked = data.draw(st.lists(st.sampled_from(previous.unverified))) if previous.unverified else []
    after = before | {pair(m.a, m.b) for m in new} | {pair(*p) for p in unmatched + asked}
    checked = lambda a, b: pair(a, b) in after  # noqa: E731
    assert relabel_corpus(previous, corpus, first + new, new, CONFIG, checked) == label_corpus(
        corpus, first + new, CONFIG, checked
    )
