"""Tests for dedup.boilerplate: chrome learned across the corpus and per outlet, never a wire story's own text."""

from __future__ import annotations

import pickle
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
import pytest
from conftest import WIRE
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import boilerplate
from dedup.boilerplate import ChromeModel, ChromeStats, Lines, chrome_stats, doc_lines, outlet_of
from dedup.config import Config, NormalizeConfig
from dedup.normalize import clean_text, line_key
from dedup.pipeline import cluster_documents, compare_documents, prepare_all
from dedup.records import Document, Label
from dedup.shingle import token_hashes

CONFIG = NormalizeConfig()
FOOTER = (
    "The Harbour Times is published by Coastal Media Group, which is owned by the Aldmere Trust. "
    "Write to letters@harbourtimes.example with corrections and complaints about our reporting."
)
DISCLAIMER = (
    "This story has been published from a wire agency feed without modifications to the text, "
    "only the headline has been changed by our editors."
)


def article(seed: int, paragraphs: int = 4) -> str:
    """Paragraphs of made-up words, two sentences each: no two seeds share wording."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ren", "tas", "vu", "dor", "pel", "zin", "sha", "qu", "bri", "om", "tel"]
    vocab = ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(400)]

    def sentence() -> str:
        return " ".join(rng.choices(vocab, k=rng.randint(12, 18))).capitalize() + "."

    return "\n".join(f"{sentence()} {sentence()}" for _ in range(paragraphs))


def docs_of(outlet: str, *texts: str, prefix: str = "") -> list[Document]:
    return [Document(f"{prefix or outlet}-{k}", text, outlet=outlet) for k, text in enumerate(texts)]


def body(prepared_text: str) -> list[str]:
    return prepared_text.split("\n")


@dataclass(frozen=True)
class Boilerplate:
    """Chrome line keys: ``corpus`` for every document, ``outlets`` (outlet -> its own keys) for one outlet's."""

    corpus: frozenset[str] = frozenset()
    outlets: dict[str, frozenset[str]] = field(default_factory=dict)

    def keys_for(self, doc: Document) -> frozenset[str]:
        outlet = outlet_of(doc)
        return self.corpus | (self.outlets.get(outlet, frozenset()) if outlet is not None else frozenset())


def find_boilerplate(
    docs: Sequence[Document], config: NormalizeConfig, chunks: list[ChromeStats] | None = None
) -> Boilerplate:
    """The line keys a model fitted on ``docs`` (or on their stats) strips from them, corpus-wide and per outlet."""
    model = ChromeModel(config)
    chrome = (model.fit(docs) if chunks is None else model.fit_stats(chunks)).chrome
    corpus: set[str] = set()
    outlets: dict[str, set[str]] = {}
    for doc in docs:
        everywhere = chrome.chrome_line_keys(replace(doc, outlet=None, url=None))
        corpus |= everywhere
        own = chrome.chrome_line_keys(doc) - everywhere
        outlet = outlet_of(doc)
        if outlet is not None:
            outlets.setdefault(outlet, set()).update(own)
    own_keys = {o: frozenset(k - corpus) for o, k in outlets.items()}
    return Boilerplate(frozenset(corpus), {o: k for o, k in own_keys.items() if k})


# --- the corpus-wide rule (short lines in many documents) ---------------------------


def test_corpus_short_lines_in_three_docs() -> None:
    chrome = "Most read this week"
    texts = [
        f"{chrome}\nStory one is about the dock strike in Aldmere.",
        f"{chrome.upper()}!\nStory two is about the library.",
        f"{chrome}\nStory three is about fishing quotas.",
        "Story four has no chrome at all.",
    ]
    found = find_boilerplate([Document(str(k), t) for k, t in enumerate(texts)], CONFIG)
    assert found == Boilerplate(frozenset({line_key(chrome)}), {})


def test_corpus_rule_needs_min_docs() -> None:
    texts = ["Most read this week\nBody one.", "Most read this week\nBody two.", "Body three."]
    assert find_boilerplate([Document(str(k), t) for k, t in enumerate(texts)], CONFIG).corpus == frozenset()
    # Repeats inside one document count once.
    assert find_boilerplate([Document("m", "Menu\nMenu\nMenu\nBody.")], CONFIG).corpus == frozenset()


def test_corpus_rule_never_takes_long_sentences() -> None:
    sentence = (
        "The Harbour and Maritime Workers Union said about 4,200 of its members had joined "
        "the stoppage, which it described as open-ended."
    )
    docs = [Document(str(k), f"Outlet {k} header\n{sentence}\nOutlet {k} footer") for k in range(6)]
    found = find_boilerplate(docs, CONFIG)
    assert line_key(sentence) not in found.corpus
    assert all(len(k.split()) <= CONFIG.boilerplate_max_words for k in found.corpus)


# --- outlets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "outlet"),
    [
        (Document("a", "x", outlet="  Harbour Times "), "harbour times"),
        (Document("a", "x", outlet="Harbour Times", url="https://other.example/x"), "harbour times"),
        (Document("a", "x", url="https://www.HarbourTimes.example:8080/news/1?x=2"), "harbourtimes.example"),
        (Document("a", "x", url="harbourtimes.example/news/1"), "harbourtimes.example"),
        (Document("a", "x", outlet=" ", url="http://news.example"), "news.example"),
        (Document("a", "x", url="http://[::1"), None),
        (Document("a", "x", url="/relative/path"), None),
        (Document("a", "x"), None),
    ],
)
def test_outlet_of(doc: Document, outlet: str | None) -> None:
    assert outlet_of(doc) == outlet


def test_a_long_footer_on_three_pages_of_one_outlet_is_its_chrome() -> None:
    docs = docs_of("Harbour Times", *(f"{article(k)}\n{FOOTER}" for k in range(3)))
    found = find_boilerplate(docs, CONFIG)
    assert found.corpus == frozenset()
    assert found.outlets == {"harbour times": frozenset({line_key(FOOTER)})}
    for doc, prepared in zip(docs, prepare_all(docs, CONFIG)):
        assert FOOTER not in prepared.body
        assert body(prepared.body) == clean_text(article(int(doc.id[-1]))).split("\n")


def test_a_long_footer_on_two_pages_is_kept() -> None:
    docs = docs_of("Harbour Times", *(f"{article(k)}\n{FOOTER}" for k in range(2)))
    assert find_boilerplate(docs, CONFIG) == Boilerplate()
    assert all(FOOTER in p.body for p in prepare_all(docs, CONFIG))


def test_an_outlets_chrome_is_not_stripped_from_other_outlets() -> None:
    docs = docs_of("Harbour Times", *(f"{article(k)}\n{FOOTER}" for k in range(3)))
    other = Document("gazette-1", f"{article(9)}\n{FOOTER}", outlet="Aldmere Gazette")
    prepared = prepare_all([*docs, other], CONFIG)
    assert FOOTER in prepared[-1].body
    assert not any(FOOTER in p.body for p in prepared[:-1])


def test_the_outlet_can_come_from_the_url_host() -> None:
    docs = [
        Document(f"u{k}", f"{article(k)}\n{DISCLAIMER}", url=f"https://www.wirepost.example/2025/story-{k}")
        for k in range(3)
    ]
    no_outlet = Document("n", f"{article(7)}\n{DISCLAIMER}")
    found = find_boilerplate([*docs, no_outlet], CONFIG)
    assert found.outlets == {"wirepost.example": frozenset({line_key(DISCLAIMER)})}
    assert found.keys_for(no_outlet) == found.corpus == frozenset()
    assert line_key(DISCLAIMER) in found.keys_for(docs[0])


def test_short_lines_repeated_in_one_outlet_are_chrome_below_the_corpus_threshold() -> None:
    config = NormalizeConfig(boilerplate_min_docs=5)
    docs = docs_of("Harbour Times", *(f"Harbour Times live blog\n{article(k)}" for k in range(3)))
    found = find_boilerplate([*docs, Document("x", article(8))], config)
    assert found.corpus == frozenset()
    assert found.outlets == {"harbour times": frozenset({"harbour times live blog"})}


def test_updates_of_one_story_keep_their_sentences_while_the_footer_goes() -> None:
    story = article(100, paragraphs=6).split("\n")
    extra = article(101, paragraphs=2).split("\n")
    versions = ["\n".join([*story[:4], FOOTER]), "\n".join([*story[:5], FOOTER]), "\n".join([*story, extra[0], FOOTER])]
    others = [f"{article(k)}\n{FOOTER}" for k in range(3)]
    docs = docs_of("Harbour Times", *versions, *others)
    found = find_boilerplate(docs, CONFIG)
    assert found.outlets == {"harbour times": frozenset({line_key(FOOTER)})}
    prepared = prepare_all(docs, CONFIG)
    for version, p in zip(versions, prepared):
        assert body(p.body) == clean_text(version).split("\n")[:-1]


def test_updates_alone_keep_even_the_footer() -> None:
    story = article(100, paragraphs=6).split("\n")
    versions = ["\n".join([*story[: 3 + k], FOOTER]) for k in range(3)]
    assert find_boilerplate(docs_of("Harbour Times", *versions), CONFIG) == Boilerplate()


def test_a_wire_story_syndicated_by_ten_outlets_keeps_its_body(news_by_id: dict[str, Document]) -> None:
    wire = news_by_id[WIRE]
    paragraphs = [line for line in clean_text(wire.text).split("\n") if len(line.split()) > CONFIG.boilerplate_max_words]
    assert len(paragraphs) >= 6
    docs = [wire]
    for k in range(10):
        outlet = f"Outlet {k}"
        footer = f"{outlet} is an independent paper. " + FOOTER.split(". ", 1)[1]
        chrome = f"{outlet} home\nShare this story\nMost read at {outlet}"

        def page(text: str) -> str:
            return f"{chrome}\n{text}\n{footer}"  # noqa: B023 - used at once

        docs.append(Document(f"copy-{k}", page(wire.text), outlet=outlet, published=f"2025-03-14T1{k}:00:00Z"))
        docs += [Document(f"own-{k}-{j}", page(article(10 * k + j)), outlet=outlet) for j in range(2)]
    prepared = {p.id: p for p in prepare_all(docs, CONFIG)}
    for k in range(10):
        copy = prepared[f"copy-{k}"]
        assert all(paragraph in copy.body for paragraph in paragraphs)
        assert "independent paper" not in copy.body and f"Most read at Outlet {k}" not in copy.body
    assert all(paragraph in prepared[WIRE].body for paragraph in paragraphs)
    verdicts = {v.id: v for v in cluster_documents(docs).verdicts}
    assert verdicts[WIRE].label is Label.ORIGINAL
    for k in range(10):
        assert (verdicts[f"copy-{k}"].label, verdicts[f"copy-{k}"].source) == (Label.SYNDICATED, WIRE)
        assert all(verdicts[f"own-{k}-{j}"].label is Label.ORIGINAL for j in range(2))


def test_a_shared_long_footer_no_longer_links_unrelated_pages_of_one_outlet() -> None:
    footer = f"{FOOTER} {DISCLAIMER}"
    docs = docs_of("Harbour Times", *(f"{article(k, paragraphs=2)}\n{footer}" for k in range(3)))
    without_outlet_rule = Config(normalize=NormalizeConfig(outlet_boilerplate_min_docs=100))
    assert cluster_documents(docs, without_outlet_rule).stats["links"] > 0
    result = cluster_documents(docs)
    assert result.stats["links"] == 0
    assert all(v.label is Label.ORIGINAL for v in result.verdicts)
    # Two pages alone say nothing of an outlet's template: compare keeps the footer.
    assert compare_documents(docs[0], docs[1]).linked


def test_chrome_survives_pickling_for_worker_processes() -> None:
    docs = docs_of("Harbour Times", *(f"{article(k)}\n{FOOTER}" for k in range(3)))
    chrome = ChromeModel(CONFIG).fit(docs).chrome
    copy = pickle.loads(pickle.dumps(chrome))
    assert copy.chrome_line_keys(docs[1]) == chrome.chrome_line_keys(docs[1]) == {line_key(FOOTER)}
    assert copy.transform(docs[1]) == chrome.transform(docs[1])


# --- the vectorized learner against the rules written plainly -------------------------


def reference_boilerplate(docs: list[Document], config: NormalizeConfig) -> Boilerplate:
    """The module docstring's rules over the key strings themselves (the learner before hashing)."""
    counts: Counter[str] = Counter()
    by_outlet: defaultdict[str, list[Lines]] = defaultdict(list)
    for doc in docs:
        lines = doc_lines(doc.text)
        counts.update(k for k, n in lines if n <= config.boilerplate_max_words)
        outlet = outlet_of(doc)
        if outlet is not None:
            by_outlet[outlet].append(lines)
    corpus = frozenset(k for k, n in counts.items() if n >= config.boilerplate_min_docs)
    outlets = {}
    for outlet, outlet_docs in by_outlet.items():
        own = reference_outlet_chrome(outlet_docs, config) - corpus
        if own:
            outlets[outlet] = frozenset(own)
    return Boilerplate(corpus, outlets)


def reference_outlet_chrome(docs: list[Lines], config: NormalizeConfig) -> set[str]:
    min_docs = config.outlet_boilerplate_min_docs
    if len(docs) < min_docs:
        return set()
    counts = Counter(k for lines in docs for k, _ in lines)
    repeated = {k for k, n in counts.items() if n >= min_docs}
    chrome = {k for k in repeated if k.count(" ") + 1 <= config.boilerplate_max_words}
    carriers: Counter[str] = Counter()
    for lines in docs:
        total = sum(n for _, n in lines)
        own = sum(n for k, n in lines if k not in repeated)
        if total and own >= config.outlet_boilerplate_own_share * total:
            carriers.update(k for k, _ in lines if k in repeated)
    chrome.update(k for k, n in carriers.items() if n >= min_docs)
    return chrome


VOCAB = ["harbour", "times", "menu", "share", "story", "dock", "strike", "quota", "4,200", "u.s"]
SHORT_LINES = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4).map(" ".join)
LONG_LINES = st.lists(st.sampled_from(VOCAB), min_size=12, max_size=20).map(" ".join)
# Variants of a line with the same key, blank lines and punctuation-only lines.
LINES = st.one_of(SHORT_LINES, LONG_LINES, st.sampled_from(["", "  ", "--", "Menu!", "MENU", "menu"]))
OUTLETS = st.sampled_from([None, "Harbour Times", " harbour times", "Gazette", "Wire"])
URLS = st.sampled_from([None, "https://www.gazette.example/a", "gazette.example/b", "/relative", "http://[::1"])
CONFIGS = st.builds(
    NormalizeConfig,
    boilerplate_min_docs=st.integers(0, 4),
    boilerplate_max_words=st.integers(0, 14),
    outlet_boilerplate_min_docs=st.integers(0, 4),
    outlet_boilerplate_own_share=st.sampled_from([0.0, 0.3, 0.5, 0.8, 1.0, 1.5]),
)


@st.composite
def corpora(draw: st.DrawFn) -> list[Document]:
    pool = draw(st.lists(LINES, min_size=1, max_size=12))
    texts = draw(st.lists(st.lists(st.sampled_from(pool), max_size=8).map("\n".join), max_size=14))
    return [Document(str(k), text, outlet=draw(OUTLETS), url=draw(URLS)) for k, text in enumerate(texts)]


@settings(max_examples=300, deadline=None)
@given(corpora(), CONFIGS)
def test_the_learner_equals_the_plain_rules(docs: list[Document], config: NormalizeConfig) -> None:
    found = find_boilerplate(docs, config)
    assert found == reference_boilerplate(docs, config)
    assert list(found.outlets) == list(reference_boilerplate(docs, config).outlets)


@settings(max_examples=100, deadline=None)
@given(corpora(), CONFIGS, st.lists(st.integers(0, 14), max_size=4))
def test_chunked_stats_give_the_same_boilerplate(docs: list[Document], config: NormalizeConfig, cuts: list[int]) -> None:
    bounds = [0, *sorted(min(c, len(docs)) for c in cuts), len(docs)]
    chunks = [chrome_stats(docs[a:b], config) for a, b in pairwise(bounds)]
    assert find_boilerplate(docs, config, chunks) == find_boilerplate(docs, config, [chrome_stats(docs, config)])
    assert find_boilerplate(docs, config, chunks) == reference_boilerplate(docs, config)


def test_a_model_of_no_documents_strips_nothing() -> None:
    assert find_boilerplate([], CONFIG) == Boilerplate()
    doc = Document("a", article(1), outlet="Harbour Times")
    assert ChromeModel(CONFIG).transform(doc) is doc


def test_line_keys_are_hashed_in_slices_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [*docs_of("Harbour Times", *(f"{article(k)}\n{FOOTER}" for k in range(5))), Document("e", "")]
    whole = chrome_stats(docs, CONFIG)
    monkeypatch.setattr(boilerplate, "_HASH_CHARS", 50)
    for kind in boilerplate.KINDS:
        assert np.array_equal(chrome_stats(docs, CONFIG).keys[kind], whole.keys[kind])
    keys = [k for d in docs for k, _ in doc_lines(d.text)]
    assert np.array_equal(boilerplate._hashes(keys), token_hashes(keys))
    assert find_boilerplate(docs, CONFIG) == reference_boilerplate(docs, CONFIG)
