"""A seeded wire-syndication corpus with ground truth, built from the Reuters-21578 pool.

Each chosen wire original (outlet ``Reuters``) gets 0-5 derived documents from
made-up outlets: syndicated copies under outlet chrome (verbatim, truncated,
re-headlined, house-styled, or embedded in a page of teasers) and light or
heavy rewrites. Same-event independent reports (the original's names and
numbers in other text) and untouched distractor stories are their own
clusters. Stories used as padding, teasers or independent-report material are
taken out of the pool, so no two emitted documents share text by accident.

The train split draws only on LEWISSPLIT=TRAIN stories and the test split only
on TEST ones. Once the pool runs out, originals and padding are written by a
trigram model trained on the split's pool. Documents stream out through a
fixed-size shuffle buffer with opaque ids, so memory does not grow with size.

Run ``python -m benchmarks.synthetic --size N --seed S --split test -o corpus.jsonl --truth truth.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from benchmarks import data_root
from benchmarks.markov import SentenceSource, train
from benchmarks.reuters import Story, load_reuters, split_pool
from benchmarks.textops import (
    apply_style,
    has_quote,
    join_paragraphs,
    merge_sentences,
    names_and_numbers,
    normalize_sentence,
    random_style,
    reorder_clause,
    split_sentences,
    substitute_synonyms,
    title_case,
    transplant,
)

WIRE = "Reuters"
OUTLETS: tuple[str, ...] = (
    "Harbor City Times", "The Northgate Post", "Valley Herald", "Lakeside Gazette",
    "Capital Ledger", "Pacific Business Daily", "The Meridian", "Summit Observer",
    "Riverbend Chronicle", "Eastport Courier", "Global Markets Digest", "The Plainsman Tribune",
)
REPORTERS: tuple[str, ...] = (
    "Anna Kowal", "Ben Okafor", "Clara Mendes", "David Lindqvist", "Elena Rossi", "Farid Haddad",
    "Grace Whitfield", "Hiro Tanaka", "Ines Duarte", "Jonas Berg", "Kate Moreland", "Luis Ortega",
)
SYNDICATED_KINDS: tuple[str, ...] = (
    "syndicated/verbatim", "syndicated/truncated", "syndicated/headline",
    "syndicated/house-style", "syndicated/teasers",
)
KINDS: tuple[str, ...] = (
    "original", "distractor", "independent", *SYNDICATED_KINDS, "rewrite/light", "rewrite/heavy",
)
_MASK = (1 << 64) - 1
_EPOCH = datetime(1987, 2, 26, 9, 0, 0)


@dataclass(frozen=True)
class Source:
    """Story material: a pool story or a generated one, as paragraphs of sentences."""

    key: str
    title: str
    date: str
    paragraphs: tuple[tuple[str, ...], ...]
    topics: tuple[str, ...] = ()

    @property
    def sentences(self) -> tuple[str, ...]:
        """All sentences in order."""
        return tuple(s for p in self.paragraphs for s in p)

    @property
    def text(self) -> str:
        """The body as paragraphs separated by blank lines."""
        return join_paragraphs(self.paragraphs)


@dataclass(frozen=True)
class CorpusRecord:
    """One input document in the engine's JSONL format."""

    id: str
    text: str
    title: str
    outlet: str
    published: str

    def to_json(self) -> dict[str, str]:
        """The JSONL object."""
        return {"id": self.id, "text": self.text, "title": self.title,
                "outlet": self.outlet, "published": self.published}


@dataclass(frozen=True)
class TruthRecord:
    """Ground truth of one document.

    ``cluster`` is the original's id; ``event`` the original whose event the
    document covers (an independent report's event differs from its cluster).
    """

    id: str
    cluster: str
    label: str
    source: str | None
    kind: str
    event: str

    def to_json(self) -> dict[str, str | None]:
        """The JSONL object."""
        return {"id": self.id, "cluster": self.cluster, "label": self.label,
                "source": self.source, "kind": self.kind, "event": self.event}


@dataclass(frozen=True)
class SyntheticDoc:
    """A generated document with its truth."""

    record: CorpusRecord
    truth: TruthRecord


@dataclass(frozen=True)
class Mix:
    """How often each kind of document is made."""

    distractor: float = 0.12
    independent: float = 0.3
    max_derived: int = 5
    syndicated: float = 0.5
    light: float = 0.25


def opaque_id(counter: int, key: int) -> str:
    """16 hex digits from a bijective mix of ``counter`` and ``key``: unique, and tells nothing."""
    z = (counter + key) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return f"{z ^ (z >> 31):016x}"


def story_source(story: Story) -> Source:
    """A pool story as paragraphs of sentences."""
    paragraphs = tuple(tuple(split_sentences(p)) for p in story.paragraphs)
    return Source(f"r{story.newid}", story.title, story.date or _EPOCH.isoformat(), paragraphs, story.topics)


def is_prose(story: Story) -> bool:
    """True for running text; False for tables (earnings, freight lists, supply/demand sheets)."""
    paragraphs = story.paragraphs
    table_like = sum(1 for p in paragraphs if " vs " in p or len(p.split()) < 6)
    return len(story.body.split()) / len(paragraphs) >= 15 and table_like <= len(paragraphs) // 4


class StorySupply:
    """Hands out each pool story at most once (seeded order), then generated stories.

    Originals of clusters and donor material are prose; tables only serve as
    distractors.
    """

    def __init__(self, pool: Sequence[Story], seed: int) -> None:
        self._pool = list(pool)
        self._seed = seed
        self._prose = [is_prose(s) for s in self._pool]
        self._order = list(range(len(self._pool)))
        random.Random(f"{seed}:pool").shuffle(self._order)
        self._used = bytearray(len(self._pool))
        self._cursors = {True: 0, False: 0}
        self._by_topic: dict[str, list[int]] = {}
        for index in self._order:
            if self._prose[index]:
                for topic in self._pool[index].topics:
                    self._by_topic.setdefault(topic, []).append(index)
        self._topic_cursor: dict[str, int] = {}
        self._sentences: SentenceSource | None = None
        self._generated = 0
        self._rng = random.Random(f"{seed}:markov")

    @property
    def generated(self) -> int:
        """How many stories the trigram model has written so far."""
        return self._generated

    def _claim(self, index: int) -> Source:
        self._used[index] = 1
        return story_source(self._pool[index])

    def take(self, prose: bool = True) -> Source:
        """An unused pool story (prose only, unless ``prose`` is False), or a generated one."""
        position = self._cursors[prose]
        while position < len(self._order):
            index = self._order[position]
            position += 1
            if not self._used[index] and (self._prose[index] or not prose):
                self._cursors[prose] = position
                return self._claim(index)
        self._cursors[prose] = position
        return self._generate()

    def take_same_topic(self, topics: Sequence[str]) -> Source:
        """An unused prose story sharing a topic with ``topics``, else any unused prose story."""
        for topic in topics:
            candidates = self._by_topic.get(topic, [])
            position = self._topic_cursor.get(topic, 0)
            while position < len(candidates) and self._used[candidates[position]]:
                position += 1
            self._topic_cursor[topic] = position
            if position < len(candidates):
                return self._claim(candidates[position])
        return self.take()

    def _sentence_source(self) -> SentenceSource:
        if self._sentences is None:
            model = train(s for story in self._pool for p in story.paragraphs for s in split_sentences(p))
            self._sentences = SentenceSource(model, self._seed)
        return self._sentences

    def _generate(self) -> Source:
        """A novel story from the trigram model, with a headline from its first words."""
        sentences = self._sentence_source()
        rng = self._rng
        paragraphs = tuple(
            tuple(sentences.next() for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(3, 8))
        )
        words = paragraphs[0][0].rstrip(".").split()[: rng.randint(4, 7)]
        when = _EPOCH + timedelta(days=rng.randint(0, 230), seconds=rng.randint(0, 86399))
        self._generated += 1
        return Source(f"m{self._generated}", " ".join(words).upper(), when.isoformat(), paragraphs)


def _later(date: str, rng: random.Random, low_minutes: int, high_minutes: int) -> str:
    """``date`` moved by a random number of minutes in ``[low, high]``."""
    moved = datetime.fromisoformat(date) + timedelta(minutes=rng.randint(low_minutes, high_minutes))
    return moved.isoformat(timespec="seconds")


def chrome(outlet: str, headline: str, published: str, rng: random.Random, wire_credit: bool) -> tuple[list[str], list[str]]:
    """Header and footer lines of an outlet page."""
    when = datetime.fromisoformat(published)
    header = [headline]
    if rng.random() < 0.5:
        header.append("Short Url")
    if rng.random() < 0.7:
        header.append(f"Updated {when:%d %B %Y}")
    if rng.random() < 0.5:
        header.append("Follow us")
    if rng.random() < 0.6:
        header.append(rng.choice((f"By {rng.choice(REPORTERS)}", f"{outlet} staff", f"By {rng.choice(REPORTERS)}, {outlet}")))
    if wire_credit and rng.random() < 0.5:
        header.append(rng.choice(("(Reuters)", "Source: Reuters", "REUTERS")))
    footer = []
    if rng.random() < 0.4:
        footer.append("Advertisement")
    if rng.random() < 0.8:
        footer.append(f"© {when.year} {outlet}. All rights reserved.")
    if rng.random() < 0.5:
        footer.append("Sign up for our newsletter")
    if rng.random() < 0.3:
        footer.append("Share this article")
    return header, footer


def page(header: Sequence[str], paragraphs: Sequence[str], footer: Sequence[str], rng: random.Random) -> str:
    """Header, body paragraphs (maybe with an ad break) and footer as one page's text."""
    body = list(paragraphs)
    if len(body) >= 2 and rng.random() < 0.3:
        body.insert(rng.randint(1, len(body) - 1), "Advertisement")
    parts = ["\n".join(header), *body]
    if footer:
        parts.append("\n".join(footer))
    return "\n\n".join(parts)


def truncate(paragraphs: Sequence[Sequence[str]], rng: random.Random) -> list[list[str]]:
    """The first 50-90% of the paragraphs (of the sentences, for one-paragraph stories)."""
    fraction = rng.uniform(0.5, 0.9)
    if len(paragraphs) >= 2:
        keep = min(len(paragraphs) - 1, max(1, round(fraction * len(paragraphs))))
        return [list(p) for p in paragraphs[:keep]]
    sentences = list(paragraphs[0])
    keep = min(max(1, len(sentences) - 1), max(1, round(fraction * len(sentences))))
    return [sentences[:keep]]


def new_headline(title: str, rng: random.Random) -> str:
    """A different headline for the same story (always differs from the title-cased original)."""
    plain = title_case(title)
    base = substitute_synonyms(plain, 0.8, rng)
    options = [f"{base}, report says", f"Update: {base}", f"{base} - sources"]
    if base != plain:
        options.append(base)
    return rng.choice(options)


def syndicated_page(original: Source, kind: str, outlet: str, published: str,
                    rng: random.Random, supply: StorySupply) -> tuple[str, str]:
    """Text and title of a syndicated copy of ``original`` of the given kind."""
    paragraphs = [list(p) for p in original.paragraphs]
    headline = title_case(original.title)
    tail: list[str] = []
    if kind == "syndicated/truncated":
        paragraphs = truncate(paragraphs, rng)
    elif kind == "syndicated/headline":
        headline = new_headline(original.title, rng)
    elif kind == "syndicated/house-style":
        style = random_style(rng)
        paragraphs = [[apply_style(style, s) for s in p] for p in paragraphs]
        headline = apply_style(style, headline)
    elif kind == "syndicated/teasers":
        tail.append(rng.choice(("More stories", "Read next", "Related", "Most read")))
        for _ in range(rng.randint(2, 4)):
            teaser = supply.take()
            tail.append(f"{title_case(teaser.title)}\n{teaser.sentences[0]}")
    header, footer = chrome(outlet, headline, published, rng, wire_credit=True)
    text = page(header, [" ".join(p) for p in paragraphs] + tail, footer, rng)
    return text, headline


def _padding(count: int, supply: StorySupply) -> list[str]:
    """``count`` background sentences from stories taken out of the pool."""
    out: list[str] = []
    while len(out) < count:
        out.extend(supply.take().sentences[: count - len(out)])
    return out


def paraphrase(sentence: str, heavy: bool, rng: random.Random) -> str:
    """A rewrite's form of one sentence: clauses maybe reordered, words swapped for synonyms (more of both
    when ``heavy``). Sentences with quoted speech are kept verbatim."""
    if has_quote(sentence):
        return sentence
    clause_p, synonym_rate = (0.5, 0.6) if heavy else (0.2, 0.25)
    if rng.random() < clause_p:
        sentence = reorder_clause(sentence)
    return substitute_synonyms(sentence, synonym_rate, rng)


def rewrite_paragraphs(original: Source, heavy: bool, rng: random.Random, supply: StorySupply) -> list[list[str]]:
    """A rewrite's body: a subset of sentences, paraphrased, merged, reordered and padded.

    Sentences with quoted speech are kept verbatim.
    """
    flat = [(pi, s) for pi, p in enumerate(original.paragraphs) for s in p]
    ratio = rng.uniform(0.3, 0.5) if heavy else rng.uniform(0.7, 0.9)
    keep = max(1, round(ratio * len(flat)))
    chosen = sorted(rng.sample(range(len(flat)), keep))
    if not heavy and 0 not in chosen:
        chosen = [0] + chosen[1:]
    merge_p = 0.3 if heavy else 0.1
    grouped: dict[int, list[str]] = {}
    for index in chosen:
        pi, sentence = flat[index]
        grouped.setdefault(pi, []).append(paraphrase(sentence, heavy, rng))
    paragraphs: list[list[str]] = []
    for pi in sorted(grouped):
        merged: list[str] = []
        for sentence in grouped[pi]:
            if merged and not has_quote(sentence) and not has_quote(merged[-1]) and rng.random() < merge_p:
                merged[-1] = merge_sentences(merged[-1], sentence)
            else:
                merged.append(sentence)
        paragraphs.append(merged)
    if len(paragraphs) > 2:
        rest = paragraphs[1:]
        if heavy:
            rng.shuffle(rest)
        elif rng.random() < 0.3:
            i, j = rng.sample(range(len(rest)), 2)
            rest[i], rest[j] = rest[j], rest[i]
        paragraphs = paragraphs[:1] + rest
    if heavy:
        pad = _padding(max(1, round(keep * rng.uniform(0.8, 1.2))), supply)
        while pad:
            size = rng.randint(1, 2)
            paragraphs.insert(rng.randint(1, len(paragraphs)), pad[:size])
            pad = pad[size:]
    elif rng.random() < 0.5:
        extra = _padding(1, supply)
        paragraphs[-1].append(extra[0])
    return paragraphs


def independent_paragraphs(original: Source, donor: Source) -> tuple[list[list[str]], str]:
    """A same-event report: ``donor``'s sentences carrying ``original``'s names and numbers.

    Donor sentences that come out equal to an original sentence are dropped.
    """
    names, numbers = names_and_numbers(original.text)
    mapping: dict[str, str] = {}
    own = {normalize_sentence(s) for s in original.sentences}
    paragraphs = []
    for paragraph in donor.paragraphs:
        moved = [transplant(s, names, numbers, mapping) for s in paragraph]
        kept = [s for s in moved if normalize_sentence(s) not in own]
        if kept:
            paragraphs.append(kept)
    title = transplant(title_case(donor.title), names, numbers, mapping)
    return paragraphs, title


class _Ids:
    """Opaque, unique ids in generation order."""

    def __init__(self, seed: int) -> None:
        self._key = random.Random(f"{seed}:ids").getrandbits(64)
        self._count = 0

    def next(self) -> str:
        self._count += 1
        return opaque_id(self._count, self._key)


def _doc(doc_id: str, text: str, title: str, outlet: str, published: str,
         cluster: str, label: str, source: str | None, kind: str, event: str) -> SyntheticDoc:
    return SyntheticDoc(CorpusRecord(doc_id, text, title, outlet, published),
                        TruthRecord(doc_id, cluster, label, source, kind, event))


def _cluster(original: Source, derived: int, independent: bool, rng: random.Random,
             supply: StorySupply, ids: _Ids, mix: Mix) -> Iterator[SyntheticDoc]:
    """The original, its derived documents, and maybe one same-event independent report."""
    oid = ids.next()
    yield _doc(oid, original.text, original.title, WIRE, original.date, oid, "original", None, "original", oid)
    outlets = rng.sample(OUTLETS, min(len(OUTLETS), derived + 1))
    for outlet in outlets[:derived]:
        published = _later(original.date, rng, 5, 3 * 24 * 60)
        draw = rng.random()
        if draw < mix.syndicated:
            kind = rng.choice(SYNDICATED_KINDS)
            text, title = syndicated_page(original, kind, outlet, published, rng, supply)
            yield _doc(ids.next(), text, title, outlet, published, oid, "syndicated", oid, kind, oid)
            continue
        heavy = draw >= mix.syndicated + mix.light
        body = rewrite_paragraphs(original, heavy, rng, supply)
        title = new_headline(original.title, rng)
        header, footer = chrome(outlet, title, published, rng, wire_credit=False)
        if rng.random() < 0.3:
            footer.insert(0, rng.choice(("Additional reporting by wire services.", f"Reporting by {outlet} staff.")))
        text = page(header, [" ".join(p) for p in body], footer, rng)
        kind = "rewrite/heavy" if heavy else "rewrite/light"
        yield _doc(ids.next(), text, title, outlet, published, oid, "rewrite", oid, kind, oid)
    if independent:
        donor = supply.take_same_topic(original.topics)
        body, title = independent_paragraphs(original, donor)
        outlet = outlets[-1]
        published = _later(original.date, rng, -360, 24 * 60)
        header, footer = chrome(outlet, title, published, rng, wire_credit=False)
        text = page(header, [" ".join(p) for p in body], footer, rng)
        iid = ids.next()
        yield _doc(iid, text, title, outlet, published, iid, "original", None, "independent", oid)


def _in_order(pool: Sequence[Story], size: int, seed: int, mix: Mix) -> Iterator[SyntheticDoc]:
    """Exactly ``size`` documents, clusters contiguous (shuffled afterwards)."""
    rng = random.Random(seed)
    supply = StorySupply(pool, seed)
    ids = _Ids(seed)
    remaining = size
    while remaining > 0:
        if rng.random() < mix.distractor:
            story = supply.take(prose=False)
            did = ids.next()
            yield _doc(did, story.text, story.title, WIRE, story.date, did, "original", None, "distractor", did)
            remaining -= 1
            continue
        derived = min(rng.randint(0, mix.max_derived), remaining - 1)
        independent = rng.random() < mix.independent and remaining - 1 - derived >= 1
        yield from _cluster(supply.take(), derived, independent, rng, supply, ids, mix)
        remaining -= 1 + derived + int(independent)


def shuffled(items: Iterable[SyntheticDoc], capacity: int, rng: random.Random) -> Iterator[SyntheticDoc]:
    """``items`` through a shuffle buffer: a full shuffle when they fit, bounded memory otherwise."""
    buffer: list[SyntheticDoc] = []
    for item in items:
        if len(buffer) < capacity:
            buffer.append(item)
            continue
        slot = rng.randrange(capacity)
        yield buffer[slot]
        buffer[slot] = item
    rng.shuffle(buffer)
    yield from buffer


def generate(pool: Sequence[Story], size: int, seed: int, mix: Mix = Mix(),
             buffer: int = 8192) -> Iterator[SyntheticDoc]:
    """A stream of exactly ``size`` synthetic documents from ``pool``, in shuffled order."""
    if size < 0:
        raise ValueError("size must be >= 0")
    if not pool:
        raise ValueError("the story pool is empty")
    return shuffled(_in_order(pool, size, seed, mix), buffer, random.Random(f"{seed}:order"))


def split_stories(split: str, data: Path | None = None) -> tuple[Story, ...]:
    """The Reuters pool of one split (``train`` or ``test``)."""
    directory = (data or data_root()) / "reuters21578"
    return split_pool(load_reuters(directory), split)


def write_jsonl(docs: Iterable[SyntheticDoc], corpus: Path, truth: Path | None) -> Counter[str]:
    """Write the corpus (and truth) JSONL line by line; returns the count of each kind."""
    kinds: Counter[str] = Counter()
    with corpus.open("w", encoding="utf-8") as out:
        truth_out = truth.open("w", encoding="utf-8") if truth else None
        try:
            for doc in docs:
                out.write(json.dumps(doc.record.to_json(), ensure_ascii=False) + "\n")
                if truth_out:
                    truth_out.write(json.dumps(doc.truth.to_json()) + "\n")
                kinds[doc.truth.kind] += 1
        finally:
            if truth_out:
                truth_out.close()
    return kinds


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a synthetic corpus and its truth as JSONL."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synthetic", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="number of documents")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=("train", "test"), default="test")
    parser.add_argument("-o", "--output", type=Path, required=True, help="corpus JSONL")
    parser.add_argument("--truth", type=Path, help="truth JSONL")
    parser.add_argument("--data", type=Path, help="data root (default: $DEDUP_DATA or ../shared/data)")
    args = parser.parse_args(argv)
    directory = (args.data or data_root()) / "reuters21578"
    if not directory.is_dir():
        print(f"missing dataset: {directory} (set DEDUP_DATA or --data)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    pool = split_stories(args.split, args.data)
    kinds = write_jsonl(generate(pool, args.size, args.seed), args.output, args.truth)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{k} {kinds[k]}" for k in KINDS if kinds[k])
    print(f"{sum(kinds.values())} docs from {len(pool)} {args.split} stories in {elapsed:.1f} s: {summary}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
