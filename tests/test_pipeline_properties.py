"""Property tests of the clustering (hypothesis) over generated news corpora and the hand-written fixture.

``corpora()`` builds small corpora: a few wire stories made of random sentences
from a word list with names and numbers, verbatim copies of them under random
outlet chrome, rewrites (some sentences kept, some reworded, new ones added,
order shuffled), and unrelated documents from another vocabulary. Hypothesis
draws the structure and a seed for the wording, so a failing example prints as
a short, reproducible description.
"""

from __future__ import annotations

import codecs
import json
import os
import random
import tempfile
from dataclasses import dataclass

from conftest import COPY, REWRITE, WIRE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.boilerplate import ChromeModel
from dedup.config import NormalizeConfig
from dedup.encoding import UTF8_SEQUENCE, reads_as_western
from dedup.errors import InputError
from dedup.normalize import prepare
from dedup.pipeline import Result, cluster_documents, prepare_all
from dedup.readers import read_corpus
from dedup.records import Document, Label

SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ONLY_A_FEW = settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHROME_LINES = [
    "Short Url", "Follow", "Follow us on Twitter", "Share", "Advertisement", "Read more", "Related",
    "Sign up for our newsletter", "Updated 14 March 2025", "By Staff Reporter",
    "© 2025 The Daily Example. All rights reserved.", "Copyright 2025 Example Media",
    "Photo: harbour cranes at dawn (AFP)", "Most read", "Subscribe now",
]
CHROME = st.sampled_from(CHROME_LINES)
# Any short line an outlet might wrap a page in, not only the ones the chrome patterns know.
OUTLET_LINE = st.one_of(
    CHROME,
    st.lists(st.sampled_from("home world sport opinion weather live menu search login video podcasts".split()),
             min_size=1, max_size=4).map(lambda ws: " ".join(ws).title()),
)
NEWS_WORDS = (
    "port union strike wages talks ministry cargo vessels harbour shift pay offer exports trucks highway "
    "container terminal authority economy budget council election minister court ruling appeal police "
    "protest crowd square city mayor hospital doctors nurses patients schools teachers students exam "
    "farmers harvest drought rain floods river bridge railway station airport flights passengers airline "
    "bank rates inflation prices market shares investors company profits losses factory workers jobs "
    "energy gas pipeline power grid outage storm coast village families homes fire crews rescue "
    "agreement deal plan report inquiry investigation evidence witness trial verdict sentence prison "
    "the a of in on at for with and to from after before during over under by as that which"
).split()
NAMES = ["Varga", "Holt", "Lind", "Marrow", "Teller", "Oskarsson", "Aldmere", "Kestria", "Brennholt"]
# The document added to a corpus: words no other document uses.
EXTRA_WORDS = (
    "garden library violin orbit meadow lantern copper glacier pottery canyon festival telescope orchard "
    "marathon sculpture volcano poetry ballet museum recipe pastry cello comet nebula tulip falcon"
).split()
SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vu", "dor", "pel", "zin", "sha", "qu", "bri", "om", "tel"]
OUTLETS = ["Coastal Herald", "Aldmere Gazette", "Daily Example", "Harbour Times", "Kestria Post"]
SENTENCE_WORDS = (12, 20)


def sentence(rng: random.Random, vocab: list[str]) -> str:
    """A random sentence with a name and, often, a number."""
    words = rng.choices(vocab, k=rng.randint(*SENTENCE_WORDS))
    words[rng.randrange(1, len(words))] = rng.choice(NAMES)
    if rng.random() < 0.4:
        words.insert(rng.randrange(1, len(words)), str(rng.randint(2, 9999)))
    return " ".join(words).capitalize() + "."


def paragraphs(sentences: list[str]) -> list[str]:
    """Two sentences to a line, as most pages set them."""
    return [" ".join(sentences[k : k + 2]) for k in range(0, len(sentences), 2)]


def reworded(rng: random.Random, text: str) -> str:
    """A sentence with a few words swapped for others and one dropped: a light rewrite."""
    words = text.rstrip(".").split()
    for _ in range(rng.randint(1, 3)):
        words[rng.randrange(1, len(words))] = rng.choice(NEWS_WORDS)
    del words[rng.randrange(1, len(words))]
    return " ".join(words) + "."


@dataclass(frozen=True)
class Corpus:
    """Generated documents and what each is: ``copies`` maps a verbatim copy to its wire story."""

    docs: tuple[Document, ...]
    copies: dict[str, str]
    unrelated: tuple[str, ...]


@st.composite
def corpora(draw: st.DrawFn, max_stories: int = 3) -> Corpus:
    rng = random.Random(draw(st.integers(0, 2**32 - 1), label="seed"))
    docs: list[Document] = []
    copies: dict[str, str] = {}
    for s in range(draw(st.integers(1, max_stories), label="stories")):
        story = [sentence(rng, NEWS_WORDS) for _ in range(draw(st.integers(4, 9), label="sentences"))]
        wire = f"s{s}-wire"
        docs.append(Document(wire, "\n".join(paragraphs(story)), outlet="Meridian Wire",
                             published=f"2025-03-{10 + s:02d}T06:00:00Z"))
        for c in range(draw(st.integers(0, 3), label="copies")):
            header = draw(st.lists(OUTLET_LINE, max_size=4), label="header")
            footer = draw(st.lists(OUTLET_LINE, max_size=4), label="footer")
            doc_id = f"s{s}-copy{c}"
            published = f"2025-03-{10 + s:02d}T{10 + c:02d}:30:00Z"
            docs.append(Document(doc_id, "\n".join([*header, *paragraphs(story), *footer]),
                                 outlet=draw(st.sampled_from(OUTLETS), label="outlet"), published=published))
            copies[doc_id] = wire
        for r in range(draw(st.integers(0, 2), label="rewrites")):
            kept = rng.sample(story, k=max(2, len(story) // 2))
            body = [reworded(rng, x) if rng.random() < 0.5 else x for x in kept]
            body += [sentence(rng, NEWS_WORDS) for _ in range(rng.randint(1, 4))]
            rng.shuffle(body)
            docs.append(Document(f"s{s}-rewrite{r}", "\n".join(paragraphs(body)), outlet=rng.choice(OUTLETS),
                                 published=f"2025-03-{10 + s:02d}T23:00:00Z"))
    unrelated = [f"u{k}" for k in range(draw(st.integers(0, 2), label="unrelated"))]
    for doc_id in unrelated:
        # Made-up words of its own: unrelated to the stories and to each other.
        vocab = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(300)]
        text = "\n".join(paragraphs([sentence(rng, vocab) for _ in range(rng.randint(3, 6))]))
        docs.append(Document(doc_id, text, outlet=rng.choice(OUTLETS), published="2025-03-20T12:00:00Z"))
    return Corpus(tuple(docs), copies, tuple(unrelated))


def labelled(result: Result) -> dict[str, tuple[str, Label, str | None]]:
    """Each document's cluster, label and source: what a verdict says, without scores."""
    return {v.id: (v.cluster, v.label, v.source) for v in result.verdicts}


def unrelated_doc(words: list[str]) -> Document:
    return Document("extra", " ".join(words).capitalize() + ".", outlet="Elsewhere Weekly")


# --- generated corpora -----------------------------------------------------------------


@SLOW
@given(corpus=corpora(), data=st.data())
def test_clustering_does_not_depend_on_input_order(corpus: Corpus, data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(corpus.docs), label="order")
    assert labelled(cluster_documents(shuffled)) == labelled(cluster_documents(corpus.docs))


@ONLY_A_FEW
@given(corpus=corpora(max_stories=2))
def test_two_workers_give_the_same_verdicts_as_one(corpus: Corpus) -> None:
    one, two = cluster_documents(corpus.docs, workers=1), cluster_documents(corpus.docs, workers=2)
    assert one.verdicts == two.verdicts


@SLOW
@given(corpus=corpora(), words=st.lists(st.sampled_from(EXTRA_WORDS), min_size=8, max_size=60))
def test_adding_an_unrelated_document_changes_no_other_verdict(corpus: Corpus, words: list[str]) -> None:
    before = labelled(cluster_documents(corpus.docs))
    after = labelled(cluster_documents([*corpus.docs, unrelated_doc(words)]))
    assert after.pop("extra")[1] is Label.ORIGINAL
    assert after == before


@SLOW
@given(corpus=corpora())
def test_a_verbatim_copy_under_any_outlet_chrome_is_syndicated(corpus: Corpus) -> None:
    verdicts = {v.id: v for v in cluster_documents(corpus.docs).verdicts}
    for copy, wire in corpus.copies.items():
        assert (verdicts[copy].label, verdicts[copy].source) == (Label.SYNDICATED, wire)
    for doc_id in corpus.unrelated:
        assert verdicts[doc_id].label is Label.ORIGINAL and verdicts[doc_id].cluster == doc_id


@FEW
@given(corpus=corpora())
def test_normalization_is_idempotent_on_news(corpus: Corpus) -> None:
    config = NormalizeConfig()
    for once in prepare_all(list(corpus.docs), config):
        twice = prepare(Document(once.id, once.body), frozenset(), config)
        assert (twice.body, twice.passages, twice.words) == (once.body, once.passages, once.words)


@FAST
@given(st.text())
def test_normalization_is_idempotent_on_any_text(text: str) -> None:
    config = NormalizeConfig()
    once = prepare(Document("d", text), frozenset(), config)
    twice = prepare(Document("d", once.body), frozenset(), config)
    assert (twice.body, twice.passages, twice.words) == (once.body, once.passages, once.words)


# --- no input crashes the normalizer or the readers ---------------------------------------


FIELD = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["http://[::1", "//", "https://www.", "a b"]))


@FAST
@given(st.lists(st.tuples(st.text(), FIELD, FIELD), max_size=6))
def test_boilerplate_never_crashes_on_any_text_outlet_or_url(rows: list[tuple[str, str | None, str | None]]) -> None:
    docs = [Document(str(k), text, outlet=outlet, url=url) for k, (text, outlet, url) in enumerate(rows)]
    model = ChromeModel(NormalizeConfig(outlet_boilerplate_min_docs=2, span_words=2, span_sample=1)).fit(docs)
    for doc, prepared in zip(docs, prepare_all(docs, NormalizeConfig(), chrome=model)):
        assert model.transform(doc).id == doc.id
        assert prepared.id == doc.id


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32", "cp1252"]


@FAST
@given(text=st.text(), encoding=st.sampled_from(ENCODINGS))
def test_any_text_reads_back_as_written_or_is_refused(text: str, encoding: str) -> None:
    line = json.dumps({"id": "d", "text": text}, ensure_ascii=False) + "\n"
    if encoding == "utf-16-be":  # big endian with its mark, as editors write it
        data = codecs.BOM_UTF16_BE + line.encode("utf-16-be")
    else:
        try:
            data = line.encode(encoding)
        except UnicodeEncodeError:
            return
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "t.jsonl")
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            docs = read_corpus([path])
        except InputError as err:
            # Only Windows-1252 can be refused: when it does not read as Western European
            # text, or when its bytes also hold well-formed UTF-8 (so it may be corrupt UTF-8).
            assert encoding == "cp1252", err
            assert not reads_as_western(line) or UTF8_SEQUENCE.search(data), err
            return
    if encoding == "cp1252" and is_utf8(data):
        # Bytes that are valid UTF-8 are read as UTF-8: "Ã©" written in Windows-1252 reads as "é".
        text = json.loads(data.decode("utf-8"))["text"]
    assert [d.text for d in docs] == [text]


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- the hand-written fixture ----------------------------------------------------------------


@SLOW
@given(header=st.lists(CHROME, max_size=5), footer=st.lists(CHROME, max_size=5))
def test_a_verbatim_copy_of_the_fixture_wire_under_any_chrome_is_syndicated(
    news_by_id: dict[str, Document], header: list[str], footer: list[str]
) -> None:
    wire = news_by_id[WIRE]
    copy = Document("copy", "\n".join([*header, wire.text, *footer]), published="2025-03-14T09:00:00Z")
    verdicts = {v.id: v for v in cluster_documents([wire, copy]).verdicts}
    assert (verdicts["copy"].label, verdicts["copy"].source) == (Label.SYNDICATED, WIRE)


@SLOW
@given(words=st.lists(st.sampled_from(EXTRA_WORDS), min_size=8, max_size=60))
def test_adding_an_unrelated_document_to_the_fixture_changes_no_other_verdict(
    news_docs: list[Document], words: list[str]
) -> None:
    before = labelled(cluster_documents(news_docs))
    after = labelled(cluster_documents([*news_docs, unrelated_doc(words)]))
    assert after.pop("extra")[1] is Label.ORIGINAL
    assert after == before
    assert before[COPY][2] == before[REWRITE][2] == WIRE
