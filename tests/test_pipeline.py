"""End-to-end tests of dedup.pipeline on the hand-written fixture corpus (tests/fixtures/news/)."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest
from conftest import COPY, INDEPENDENT, NEWS_CORPUS, REWRITE, UNRELATED, WIRE

from dedup.pipeline import (
    Result,
    auto_workers,
    cluster_documents,
    compare_documents,
    score_pairs,
)
from dedup.records import Document, Label, Match


def verdicts(result: Result) -> dict[str, tuple]:
    return {v.id: (v.cluster, v.label, v.source, v.score, v.reuse, v.passages) for v in result.verdicts}


def describe(m: Match) -> str:
    """The match fields, printed so a failing run shows what the engine scored."""
    fields = ("jaccard", "containment_ab", "containment_ba", "cosine", "reuse_ab", "reuse_ba", "score",
              "paraphrase_distance", "linked")
    lines = [f"{m.a} -> {m.b}: " + ", ".join(f"{f}={getattr(m, f)}" for f in fields)]
    lines += [f"  [{x.a_index}<->{x.b_index}] {x.score:.3f} {list(x.phrases)}" for x in m.alignments]
    return "\n".join(lines)


def test_fixture_corpus_is_well_formed() -> None:
    records = [json.loads(line) for line in NEWS_CORPUS.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [WIRE, COPY, REWRITE, INDEPENDENT, UNRELATED]
    dates = {r["id"]: r["published"] for r in records}
    assert min(dates, key=dates.get) == WIRE
    assert all(len(r["text"].split()) > 120 for r in records)


def test_wire_story_is_original(news_result: Result) -> None:
    v = {x.id: x for x in news_result.verdicts}[WIRE]
    assert v.label is Label.ORIGINAL
    assert v.source is None
    assert v.cluster == WIRE


def test_verbatim_copy_is_syndicated(news_result: Result, news_by_id: dict[str, Document]) -> None:
    print(describe(compare_documents(news_by_id[COPY], news_by_id[WIRE])))
    v = {x.id: x for x in news_result.verdicts}[COPY]
    assert (v.cluster, v.label, v.source) == (WIRE, Label.SYNDICATED, WIRE)
    assert v.score is not None and v.score > 0.9
    assert v.passages >= 10


def test_rewrite_is_rewrite_of_wire(news_result: Result, news_by_id: dict[str, Document]) -> None:
    print(describe(compare_documents(news_by_id[REWRITE], news_by_id[WIRE])))
    v = {x.id: x for x in news_result.verdicts}[REWRITE]
    assert (v.cluster, v.label, v.source) == (WIRE, Label.REWRITE, WIRE)
    assert v.score is not None and 0.0 < v.score < 0.9
    assert v.passages >= 2


def test_independent_and_unrelated_stand_alone(news_result: Result, news_by_id: dict[str, Document]) -> None:
    print(describe(compare_documents(news_by_id[INDEPENDENT], news_by_id[WIRE])))
    by_id = {x.id: x for x in news_result.verdicts}
    for doc_id in (INDEPENDENT, UNRELATED):
        v = by_id[doc_id]
        assert (v.cluster, v.label, v.source, v.score) == (doc_id, Label.ORIGINAL, None, None)
    clusters = {c.id: c.members for c in news_result.clusters}
    assert clusters == {WIRE: (WIRE, COPY, REWRITE), INDEPENDENT: (INDEPENDENT,), UNRELATED: (UNRELATED,)}
    assert news_result.clusters[0].id == WIRE


def test_independent_report_shares_facts_but_is_not_linked(news_by_id: dict[str, Document]) -> None:
    m = compare_documents(news_by_id[INDEPENDENT], news_by_id[WIRE])
    print(describe(m))
    assert not m.linked
    assert m.containment_ab < 0.1 and m.containment_ba < 0.1
    # Same event, same names: topically close, unlike the library story.
    unrelated = compare_documents(news_by_id[UNRELATED], news_by_id[WIRE])
    assert m.cosine > unrelated.cosine
    assert not unrelated.linked


def test_rewrite_is_linked_by_the_writers_own_sentences_not_the_shared_quote(news_by_id: dict[str, Document]) -> None:
    m = compare_documents(news_by_id[REWRITE], news_by_id[WIRE])
    print(describe(m))
    assert m.linked
    assert any("37 vessels" in x.a_text and "37 vessels" in x.b_text for x in m.alignments)
    quote = "We have been patient for eleven months"
    assert not any(quote in x.a_text and quote in x.b_text for x in m.alignments)


def test_result_matches_and_stats(news_result: Result) -> None:
    linked = {frozenset((m.a, m.b)) for m in news_result.matches if m.linked}
    assert linked == {frozenset((WIRE, COPY)), frozenset((WIRE, REWRITE)), frozenset((COPY, REWRITE))}
    s = news_result.stats
    assert s["documents"] == 5 and s["skipped"] == 0
    assert s["links"] == 3 and s["clusters"] == 1
    # Matches are the verified pairs that share text: linked, or with reused passages.
    assert s["candidates"] >= len(news_result.matches)
    assert all(m.linked or m.alignments for m in news_result.matches)
    assert news_result.skipped == ()
    assert [v.id for v in news_result.verdicts] == [WIRE, COPY, REWRITE, INDEPENDENT, UNRELATED]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_output_identical_under_input_permutation(news_docs: list[Document], news_result: Result, seed: int) -> None:
    shuffled = list(news_docs)
    random.Random(seed).shuffle(shuffled)
    result = cluster_documents(shuffled)
    assert verdicts(result) == verdicts(news_result)
    assert {(c.id, c.members) for c in result.clusters} == {(c.id, c.members) for c in news_result.clusters}
    assert [v.id for v in result.verdicts] == [d.id for d in shuffled]


@pytest.mark.parametrize("seed", [5, 6])
def test_permutation_invariant_without_dates(news_docs: list[Document], seed: int) -> None:
    undated = [replace(d, published=None) for d in news_docs]
    baseline = cluster_documents(undated)
    shuffled = list(undated)
    random.Random(seed).shuffle(shuffled)
    assert verdicts(cluster_documents(shuffled)) == verdicts(baseline)
    # Undated, the wire and its verbatim copy are equally "derived from"; either may lead
    # the cluster, but the cluster and the rewrite's label do not change.
    by_id = {v.id: v for v in baseline.verdicts}
    assert by_id[WIRE].cluster == by_id[COPY].cluster == by_id[REWRITE].cluster in (WIRE, COPY)
    assert by_id[REWRITE].label is Label.REWRITE
    assert by_id[INDEPENDENT].cluster == INDEPENDENT and by_id[UNRELATED].cluster == UNRELATED


def test_empty_texts_are_skipped(news_docs: list[Document], news_result: Result) -> None:
    extra = [
        Document("blank", ""),
        Document("spaces", "   \n\t\n"),
        Document("chrome-only", "Short Url\nFollow\nAdvertisement\n\u00a9 2025 Foo. All rights reserved."),
    ]
    docs = [extra[0], *news_docs[:2], extra[1], *news_docs[2:], extra[2]]
    result = cluster_documents(docs)
    assert result.skipped == ("blank", "spaces", "chrome-only")
    assert result.stats["skipped"] == 3 and result.stats["documents"] == 8
    assert [v.id for v in result.verdicts] == [d.id for d in news_docs]
    assert verdicts(result) == verdicts(news_result)


def test_single_document_corpus() -> None:
    result = cluster_documents([Document("only", "Dockworkers walked off the job at Port Aldmere on Friday.")])
    assert [(v.id, v.label, v.source) for v in result.verdicts] == [("only", Label.ORIGINAL, None)]
    assert result.matches == ()


def test_corpus_of_only_empty_texts_is_all_skipped() -> None:
    result = cluster_documents([Document("a", ""), Document("b", "  ")])
    assert result.skipped == ("a", "b")
    assert result.verdicts == ()


def test_compare_documents_is_direct(news_by_id: dict[str, Document]) -> None:
    m = compare_documents(news_by_id[WIRE], news_by_id[COPY])
    assert (m.a, m.b) == (WIRE, COPY)
    assert m.linked and m.containment_ba > 0.9


def test_score_pairs_one_result_per_pair_in_order(news_by_id: dict[str, Document]) -> None:
    wire = news_by_id[WIRE].text
    pairs = [
        ("copy", wire, news_by_id[COPY].text),
        ("unrelated", wire, news_by_id[UNRELATED].text),
        ("rewrite", news_by_id[REWRITE].text, wire),
    ]
    scored = list(score_pairs(pairs))
    assert [s.id for s in scored] == ["copy", "unrelated", "rewrite"]
    by_id = {s.id: s for s in scored}
    assert by_id["copy"].match.linked and by_id["copy"].score > 0.9
    assert not by_id["unrelated"].match.linked and by_id["unrelated"].score < 0.1
    assert by_id["rewrite"].match.linked
    assert (by_id["copy"].match.a, by_id["copy"].match.b) == ("copy/a", "copy/b")


def test_output_is_the_same_with_two_worker_processes(news_docs: list[Document]) -> None:
    docs = news_docs
    one = cluster_documents(docs, workers=1)
    two = cluster_documents(docs, workers=2)
    assert two.verdicts == one.verdicts
    assert two.clusters == one.clusters
    assert two.matches == one.matches


def test_auto_workers_uses_one_process_for_small_corpora() -> None:
    assert auto_workers(10) == 1
    assert auto_workers(10**6) >= 1


def test_progress_is_told_when_each_stage_ends(news_docs: list[Document]) -> None:
    told: list[str] = []
    cluster_documents(news_docs, progress=told.append)
    assert [m.split()[0] for m in told] == ["prepared", "found", "verified", "labelled"]
    assert told[0].startswith("prepared and signed 5 documents")


def test_score_pairs_is_the_same_with_two_worker_processes(news_by_id: dict[str, Document]) -> None:
    pairs = [(f"{a}-{b}", news_by_id[a].text, news_by_id[b].text) for a in (WIRE, COPY) for b in (REWRITE, UNRELATED)]
    one = [(p.id, p.match) for p in score_pairs(pairs)]
    two = [(p.id, p.match) for p in score_pairs(pairs, workers=2)]
    assert two == one
    assert [pid for pid, _ in one] == [pid for pid, _, _ in pairs]


def test_advance_counts_up_to_the_total_of_each_long_stage(news_docs: list[Document]) -> None:
    steps: list[tuple[str, int, int]] = []
    result = cluster_documents(news_docs, advance=lambda stage, done, total: steps.append((stage, done, total)))
    stages = [s for s, _, _ in steps]
    assert stages == sorted(stages, key=["preparing", "verifying"].index)
    assert steps[stages.index("verifying") - 1] == ("preparing", len(news_docs), len(news_docs))
    assert steps[-1] == ("verifying", result.stats["candidates"], result.stats["candidates"])


def test_a_story_appended_below_a_page_links_by_passage_only(news_by_id: dict[str, Document]) -> None:
    wire, library = news_by_id[WIRE], news_by_id[UNRELATED]
    page = Document(
        "page",
        "Short Url\nUpdated 2 hours ago\nFollow\n"
        + wire.text
        + "\nMost read\nLibrary reopens after five years\nUpdated 9 sec ago\nFollow\n"
        + library.text,
        published="2025-03-15T09:00:00Z",
    )
    assert wire.published is not None and wire.published < page.published
    result = cluster_documents([wire, library, page])
    verdicts = {v.id: v for v in result.verdicts}
    assert (verdicts["page"].cluster, verdicts["page"].source) == (WIRE, WIRE)
    assert verdicts[UNRELATED].cluster == UNRELATED and verdicts[UNRELATED].label == Label.ORIGINAL
    assert verdicts[UNRELATED].passage_links == ("page",)
    assert verdicts["page"].passage_links == (UNRELATED,)
    through_tail = next(m for m in result.matches if {m.a, m.b} == {"page", UNRELATED})
    assert through_tail.linked and through_tail.tail_only and through_tail.alignments


def test_without_evidence_the_verdicts_are_the_same_and_matches_keep_only_counts(
    news_docs: list[Document], news_result: Result
) -> None:
    bare = cluster_documents(news_docs, evidence=False)
    assert bare.verdicts == news_result.verdicts and bare.clusters == news_result.clusters
    assert [(m.a, m.b, m.reused) for m in bare.matches] == [(m.a, m.b, m.reused) for m in news_result.matches]
    assert all(m.alignments == () for m in bare.matches)
    assert any(m.reused and len(m.alignments) == m.reused for m in news_result.matches)


def test_compare_in_corpus_scores_a_pair_as_the_clustering_run_does(news_docs: list[Document]) -> None:
    from dedup.errors import InputError
    from dedup.pipeline import compare_in_corpus
    from dedup.readers import IdPair

    run = {frozenset((m.a, m.b)): m for m in cluster_documents(news_docs).matches}
    found = compare_in_corpus(news_docs, [IdPair(REWRITE, WIRE, "here"), IdPair(WIRE, COPY, "here")])
    assert [(c.a.id, c.b.id, c.label, c.original, c.derived) for c in found] == [
        (REWRITE, WIRE, "rewrite", WIRE, REWRITE), (WIRE, COPY, "syndicated", WIRE, COPY)]
    for c in found:
        assert c.match == run[frozenset((c.a.id, c.b.id))].toward(c.a.id)
    with pytest.raises(InputError, match="unknown id 'x'"):
        compare_in_corpus(news_docs, [IdPair(WIRE, "x", "pairs.csv:3")])
