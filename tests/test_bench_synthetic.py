"""The synthetic corpus generator's ground truth, on a pool made from the hand-written SGML fixture."""

from __future__ import annotations

import itertools
import json
import random
import re
import shutil
from pathlib import Path

import pytest

from benchmarks import synthetic  # noqa: E402
from benchmarks.reuters import load_stories, split_pool  # noqa: E402
from benchmarks.textops import (  # noqa: E402
    HouseStyle,
    apply_style,
    names_and_numbers,
    normalize_sentence,
    split_sentences,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "bench" / "reut2-000.sgm"
SIZE = 120


@pytest.fixture(scope="module")
def pools():
    stories = load_stories([FIXTURE])
    return split_pool(stories, "train"), split_pool(stories, "test")


@pytest.fixture(scope="module")
def corpus(pools):
    return list(synthetic.generate(pools[1], SIZE, seed=7))


@pytest.fixture(scope="module")
def by_id(corpus):
    return {d.record.id: d for d in corpus}


def sentences(text: str) -> list[str]:
    return [s for line in text.split("\n") for s in split_sentences(line)]


def test_exact_size_and_determinism(pools, corpus) -> None:
    assert len(corpus) == SIZE
    again = list(synthetic.generate(pools[1], SIZE, seed=7))
    assert again == corpus
    other = list(synthetic.generate(pools[1], SIZE, seed=8))
    assert [d.record.id for d in other] != [d.record.id for d in corpus]


def test_every_kind_appears(corpus) -> None:
    kinds = {d.truth.kind for d in corpus}
    assert {"original", "independent", "rewrite/light", "rewrite/heavy"} <= kinds
    assert len(kinds & set(synthetic.SYNDICATED_KINDS)) >= 4


def test_clusters_have_one_original_that_is_every_sources_root(corpus, by_id) -> None:
    originals: dict[str, list[str]] = {}
    for doc in corpus:
        t = doc.truth
        if t.label == "original":
            assert t.cluster == t.id and t.source is None
            originals.setdefault(t.cluster, []).append(t.id)
        else:
            assert t.label in ("syndicated", "rewrite")
            source = by_id[t.source].truth
            assert source.label == "original" and source.kind == "original"
            assert t.cluster == t.source == source.cluster == t.event
            assert doc.record.published > by_id[t.source].record.published
            assert doc.record.outlet != synthetic.WIRE
    assert all(len(v) == 1 for v in originals.values())
    wire = [d for d in corpus if d.truth.kind == "original"]
    assert all(d.record.outlet == synthetic.WIRE for d in wire)


def test_syndicated_copies_carry_the_original_sentences(corpus, by_id) -> None:
    styles = [HouseStyle(sp, cq, pc, nu) for sp in ("", "uk") for cq in (False, True)
              for pc in ("", "percent", "per cent") for nu in ("", "plain", "words")]
    seen = 0
    for doc in corpus:
        kind = doc.truth.kind
        if not kind.startswith("syndicated/"):
            continue
        seen += 1
        text = doc.record.text
        original = by_id[doc.truth.source].record
        paragraphs = original.text.split("\n\n")
        if kind == "syndicated/house-style":
            assert any(all(apply_style(st, s) in text for s in sentences(original.text)) for st in styles if not st.is_identity)
        elif kind == "syndicated/truncated":
            assert paragraphs[0].split(". ")[0] in text
            assert sum(len(p) for p in paragraphs if p in text) < len(original.text)
        else:
            assert all(p in text for p in paragraphs)
        if kind == "syndicated/headline":
            assert doc.record.title.lower() != original.title.lower()
    assert seen >= 10


def test_rewrites_reuse_but_change_the_original(corpus, by_id) -> None:
    for doc in corpus:
        if doc.truth.label != "rewrite":
            continue
        original = by_id[doc.truth.source].record
        own = {normalize_sentence(s) for s in sentences(original.text)}
        words = set(re.findall(r"\w+", original.text.lower()))
        body = set(re.findall(r"\w+", doc.record.text.lower()))
        assert len(words & body) / len(words) > 0.2
        assert doc.record.text != original.text
        if doc.truth.kind == "rewrite/heavy":
            theirs = [normalize_sentence(s) for s in sentences(doc.record.text)]
            assert sum(s in own for s in theirs) < len(own)


def test_independents_share_names_and_numbers_not_sentences(corpus, by_id) -> None:
    found = 0
    for doc in corpus:
        if doc.truth.kind != "independent":
            continue
        found += 1
        assert doc.truth.cluster == doc.truth.id and doc.truth.source is None
        original = by_id[doc.truth.event].record
        names, numbers = names_and_numbers(original.text)
        text = doc.record.text
        assert any(n in text for n in names + numbers)
        own = {normalize_sentence(s) for s in sentences(original.text)}
        assert not own & {normalize_sentence(s) for s in sentences(text)}
    assert found


def test_ids_are_opaque_and_unique(corpus) -> None:
    ids = [d.record.id for d in corpus]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    assert ids != sorted(ids)
    first_kinds = [d.truth.kind for d in corpus[:10]]
    assert first_kinds != ["original"] * 10


def test_output_is_shuffled(pools, corpus) -> None:
    in_order = [d.record.id for d in synthetic._in_order(pools[1], SIZE, 7, synthetic.Mix())]
    assert sorted(in_order) == sorted(d.record.id for d in corpus)
    assert in_order != [d.record.id for d in corpus]


def test_split_separation(pools) -> None:
    train, test = pools
    train_corpus = list(synthetic.generate(train, 80, seed=1))
    test_corpus = list(synthetic.generate(test, 80, seed=1))
    train_sentences = {normalize_sentence(s) for st in train for s in sentences(st.body)}
    test_sentences = {normalize_sentence(s) for st in test for s in sentences(st.body)}
    for doc in test_corpus:
        assert not train_sentences & {normalize_sentence(s) for s in sentences(doc.record.text)}
    for doc in train_corpus:
        assert not test_sentences & {normalize_sentence(s) for s in sentences(doc.record.text)}


def test_generated_originals_beyond_the_pool_are_novel(pools, corpus) -> None:
    test = pools[1]
    bodies = {s.body for s in test}
    pool_sentences = {s for st in test for s in sentences(st.body)}
    generated = [d for d in corpus if d.truth.kind in ("original", "distractor") and d.record.text not in bodies]
    assert generated, "a corpus larger than the pool must write new originals"
    for doc in generated:
        assert not pool_sentences & set(sentences(doc.record.text))


def test_streams_lazily(pools) -> None:
    head = list(itertools.islice(synthetic.generate(pools[1], 10**7, seed=0, buffer=16), 5))
    assert len(head) == 5


def test_command_line_writes_corpus_and_truth(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "reuters21578").mkdir(parents=True)
    shutil.copy(FIXTURE, data / "reuters21578" / "reut2-000.sgm")
    corpus, truth = tmp_path / "corpus.jsonl", tmp_path / "truth.jsonl"
    code = synthetic.main(["--size", "30", "--seed", "2", "--split", "train", "-o", str(corpus),
                           "--truth", str(truth), "--data", str(data)])
    assert code == 0
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    truths = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(truths) == 30
    assert set(records[0]) == {"id", "text", "title", "outlet", "published"}
    assert set(truths[0]) == {"id", "cluster", "label", "source", "kind", "event"}
    assert [r["id"] for r in records] == [t["id"] for t in truths]


def test_command_line_reports_missing_data(tmp_path: Path, capsys) -> None:
    code = synthetic.main(["--size", "5", "-o", str(tmp_path / "c.jsonl"), "--data", str(tmp_path / "none")])
    assert code == 2
    assert "missing dataset" in capsys.readouterr().err


# The chrome corpus (benchmarks/chrome_corpus.py): the same documents under scraped-page chrome.

from benchmarks import chrome_corpus  # noqa: E402
from dedup.records import Document  # noqa: E402


@pytest.fixture(scope="module")
def plain_docs(corpus):
    return [Document(id=d.record.id, text=d.record.text, title=d.record.title, outlet=d.record.outlet,
                     published=d.record.published) for d in corpus]


@pytest.fixture(scope="module")
def chromed(plain_docs):
    return chrome_corpus.add_chrome(plain_docs, seed=3)


def test_chrome_is_deterministic_and_keeps_documents(plain_docs, chromed) -> None:
    assert chrome_corpus.add_chrome(plain_docs, seed=3) == chromed
    assert chrome_corpus.add_chrome(plain_docs, seed=4) != chromed
    assert [(d.id, d.outlet, d.title) for d in chromed] == [(d.id, d.outlet, d.title) for d in plain_docs]
    assert sum(c.text != d.text for c, d in zip(chromed, plain_docs)) >= 0.9 * len(plain_docs)


def test_chrome_keeps_every_story_sentence_in_order(plain_docs, chromed) -> None:
    for plain, page in zip(plain_docs, chromed):
        at = 0
        for sentence in sentences(plain.text):
            found = page.text.find(sentence, at)
            assert found >= 0, (plain.id, sentence)
            at = found + len(sentence)


def test_every_outlet_has_one_site_and_several_unrelated_stories(corpus) -> None:
    outlets = {d.record.outlet for d in corpus}
    assert {chrome_corpus.site_for(o) == chrome_corpus.site_for(o) for o in outlets} == {True}
    styles = {chrome_corpus.site_for(o).modules for o in synthetic.OUTLETS + (synthetic.WIRE,)}
    assert len(styles) == len(chrome_corpus.STYLES)
    clusters_per_outlet: dict[str, set[str]] = {}
    for d in corpus:
        clusters_per_outlet.setdefault(d.record.outlet, set()).add(d.truth.cluster)
    assert max(len(c) for c in clusters_per_outlet.values()) >= 5


STORY = "\n\n".join([
    "Headline of the story\nBy A Reporter",
    "The first paragraph has two sentences about the harbour. It goes on about the ferry timetable.",
    "The second paragraph says the council met on Tuesday. The mayor spoke for an hour about it.",
    "The third paragraph ends the story with a quote from the harbour master himself.",
])


@pytest.mark.parametrize(("module", "pattern"), [
    ("newsletter", r"Newsletter Sign Up Continue reading the main story .+ Please verify you're not a robot"),
    ("gallery", r"Photos: .+ Hide Caption \d+ of \d+"),
    ("advertisement", r"Advertisement"),
    ("continue", r"Continue reading the main story"),
    ("related", r"(Related Articles|RELATED ARTICLES Previous 1 Next|More on this story|Related) [A-Z]"),
    ("read_more", r"Read more:|READ MORE:|Read More:"),
    ("bio", r"is a [\w ]+ reporter for The Test Gazette, based in"),
    ("cookie", r"We use cookies and similar technologies"),
    ("paywall", r"You have read \d+ of \d+ free articles this month"),
    ("originally", r"originally (appeared on|published by) [A-Z]"),
    ("promo", r"^(Talking it out|We want to hear from you|Get the news on the go|Fact check):"),
])
def test_each_chrome_pattern(module: str, pattern: str) -> None:
    site = chrome_corpus.site_for("The Test Gazette")
    pieces = {chrome_corpus.MODULES[module](site, random.Random(k)) for k in range(40)}
    assert all(re.search(pattern, piece) for piece in pieces), pieces
    if module in ("newsletter", "gallery", "paywall", "originally"):
        assert len(pieces) > 3  # varies from page to page
    if module == "bio":
        assert len(pieces) <= len(site.reporters)  # a reporter's bio is the same on every page


def test_chrome_lands_inside_and_between_paragraphs() -> None:
    site = chrome_corpus.Site("The Test Gazette", (("paywall", 1.0),), (), (), ())
    inside = between = 0
    for k in range(60):
        blocks = chrome_corpus.with_chrome(STORY, site, random.Random(k)).split("\n\n")
        for block in blocks:
            if "free articles" in block:
                if block.startswith("You have read") and block.endswith("Log in."):
                    between += 1
                else:
                    inside += 1
                    assert re.search(r"\. You have read .+ Log in\. [A-Z]", block)
        assert blocks[0] == "Headline of the story\nBy A Reporter"
    assert inside >= 5 and between >= 5


def test_gallery_counts_its_captions() -> None:
    site = chrome_corpus.site_for("Valley Herald")
    for k in range(20):
        text = chrome_corpus.gallery(site, random.Random(k))
        shown = [g for g in site.galleries if text.startswith(g.title + " ")]
        assert len(shown) == 1
        numbers = [(int(i), int(m)) for i, m in re.findall(r"Hide Caption (\d+) of (\d+)", text)]
        assert numbers and {m for _, m in numbers} == {len(shown[0].captions)}
        assert [i for i, _ in numbers] == list(range(numbers[0][0], numbers[0][0] + len(numbers)))
