"""Page chrome learned from the corpus: lines, sentences and word spans that repeat.

Chrome is what a site prints around its stories: menus, share bars, footers,
newsletter blocks inside a paragraph, gallery captions ("Hide Caption 3 of 30"),
promo lines, a politician's name card spliced into a sentence. It repeats across
an outlet's pages that otherwise share nothing; a story's own text does not. The
rules, over four kinds of unit:

- corpus-wide, over line keys (``normalize.line_key``; a line is a paragraph in
  JSONL, CSV and HTML input): a short line (``boilerplate_max_words`` words at
  most) found in ``boilerplate_min_docs`` documents is chrome, whoever published
  them (menus, section names);
- per outlet, over line keys, sentence shapes (a sentence's key with its numbers
  masked, so "Hide Caption 1 of 8" and "Hide Caption 1 of 30" are one) and word
  spans (runs of ``span_words`` words, numbers masked, one in ``span_sample`` of
  them kept by its hash as an anchor): a unit found in
  ``outlet_boilerplate_min_docs`` documents of one outlet is that outlet's chrome
  when that many of the documents carrying it are otherwise different, most of
  their units (by words) being ones the outlet does not repeat
  (``outlet_boilerplate_own_share``); short lines need no such carriers.

Removing it (``Chrome.transform``): chrome lines go, chrome sentences go
wherever they stand in a paragraph, and chrome spans are cut out of their
sentence (two chrome anchors fewer than ``span_words`` words apart cut the
words between them too); a sentence that loses more than
``chrome_sentence_share`` of its words to spans is a near-identical copy of a
chrome sentence (a newsletter block whose name changes) and goes whole.

A wire story's own text is never chrome by being reprinted: copies by many
outlets count once per outlet, so only the corpus rule sees them, and it takes
short lines only; updates of one story by one outlet share most of their units,
so they are not "otherwise different". Sentences and spans have no corpus-wide
rule for the same reason: three rewrites of one wire story by three outlets are
otherwise different pages that share a paragraph, as chrome is.

The learned state is a fitted model, ``ChromeModel``: counts per (outlet, unit)
hash of the documents carrying it and of the otherwise different ones among
them, about 20 bytes a distinct unit. ``fit`` learns from documents, ``update``
(``partial_fit``) adds more (a feed: a new document is judged otherwise different
against the counts so far, and earlier judgements stand), ``chrome`` gives the
compact ``Chrome`` that ``transform`` uses (only the chrome hashes, what worker
processes receive), and ``save`` / ``load`` keep it in a versioned ``.npz``
(numpy arrays, read without pickle). At scale the units are counted as numbers:
``chrome_stats`` turns a chunk of documents into 64-bit hashes and word counts
(``shingle.token_hashes``, the same in every process) and can run in worker
processes. Two distinct units share a hash with odds of about n**2 / 2**65 for
n distinct units.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from dedup.config import NormalizeConfig
from dedup.errors import InputError
from dedup.normalize import clean_text, is_story_header, line_key, split_sentences
from dedup.records import Document
from dedup.shingle import _ngrams, fmix64, token_hashes

Lines = list[tuple[str, int]]
# Characters of unit keys hashed in one ``token_hashes`` call, whose temporaries take about 40 bytes a character.
_HASH_CHARS = 1 << 18
KINDS = ("corpus", "lines", "sentences", "spans")
# The configuration fields a model is learned and applied with (saved with it).
PARAMS = (
    "boilerplate_min_docs", "boilerplate_max_words", "outlet_boilerplate_min_docs",
    "outlet_boilerplate_own_share", "span_words", "span_sample", "chrome_sentence_share",
)
FORMAT, VERSION = "dedup-chrome", 1
_NUMBER = re.compile(r"[0-9]+")
_WORD = re.compile(r"[a-z0-9]+(?:['.,-][a-z0-9]+)*")
_DIGITS = str.maketrans("123456789", "000000000")
_CORPUS_SALT = np.uint64(0x5BD1E9955BD1E995)


def outlet_of(doc: Document) -> str | None:
    """Who published ``doc``: its ``outlet`` (case-folded), else its URL's host without ``www.``, else None."""
    if doc.outlet and doc.outlet.strip():
        return doc.outlet.strip().casefold()
    if not doc.url or not doc.url.strip():
        return None
    url = doc.url.strip()
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def _salt(outlet: str | None) -> np.uint64 | None:
    """The number an outlet's unit hashes are mixed with, so one sorted array holds every outlet's."""
    return None if outlet is None else np.uint64(token_hashes([outlet])[0])


def _mixed(hashes: np.ndarray, salt: np.uint64) -> np.ndarray:
    return fmix64(hashes ^ salt)


def _hashes(keys: list[str]) -> np.ndarray:
    """``token_hashes`` of unit keys, about ``_HASH_CHARS`` characters at a time to bound its memory."""
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    blocks = (np.cumsum(lengths) - lengths) // _HASH_CHARS
    cuts = [0, *(np.flatnonzero(np.diff(blocks)) + 1).tolist(), len(keys)]
    parts = [token_hashes(keys[a:b]) for a, b in pairwise(cuts)]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)


def shape_key(sentence: str) -> str:
    """The key of a sentence with its numbers masked: "Hide Caption 3 of 30" is "hide caption # of #"."""
    return _NUMBER.sub("#", line_key(sentence))


def doc_lines(text: str) -> Lines:
    """The distinct line keys of a text, in order, each with its number of words."""
    keys: dict[str, int] = {}
    for line in clean_text(text).split("\n"):
        key = line_key(line)
        if key and key not in keys:
            keys[key] = key.count(" ") + 1
    return list(keys.items())


@dataclass(frozen=True)
class _Page:
    """The units of one page's cleaned lines: line keys, sentences and span anchors, with where they are."""

    lines: list[str]
    line_keys: list[str]
    sentences: list[list[str]]
    tokens: list[list[tuple[int, int]]]
    anchors: list[tuple[np.ndarray, np.ndarray]]


def _page(text: str, config: NormalizeConfig, units: bool) -> _Page:
    """Cut a page into lines and, when ``units``, sentences, word positions and span anchors (hashes unmixed)."""
    lines = clean_text(text).split("\n")
    keys = [line_key(line) for line in lines]
    if not units:
        return _Page(lines, keys, [], [], [])
    sentences = [split_sentences(line) if key else [] for line, key in zip(lines, keys)]
    masked = [_masked(line) if key else "" for line, key in zip(lines, keys)]
    tokens = [[m.span() for m in _WORD.finditer(line)] for line in masked]
    words = [line[a:b] for line, spans in zip(masked, tokens) for a, b in spans]
    counts = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    n = config.span_words
    starts = np.empty(0, dtype=np.int64)
    grams = np.empty(0, dtype=np.uint64)
    if len(words) >= n:
        owner = np.repeat(np.arange(len(tokens)), counts)
        grams = fmix64(_ngrams(token_hashes(words), n))
        # A span lies within one line, and one in ``span_sample`` is kept.
        keep = np.flatnonzero((owner[: grams.size] == owner[n - 1 :]) & (grams % np.uint64(config.span_sample) == 0))
        starts, grams = keep, grams[keep]
    firsts = np.cumsum(counts) - counts
    cuts = np.searchsorted(starts, firsts)
    lines_of = np.split(starts, cuts[1:]) if len(tokens) else []
    grams_of = np.split(grams, cuts[1:]) if len(tokens) else []
    anchors = [(at - first, g) for at, g, first in zip(lines_of, grams_of, firsts.tolist())]
    return _Page(lines, keys, sentences, tokens, anchors)


def _masked(line: str) -> str:
    """A line lower-cased with its digits as 0, character for character (so word positions stay)."""
    low = line.lower()
    if len(low) != len(line):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in line)
    return low.translate(_DIGITS)


@dataclass(frozen=True)
class ChromeStats:
    """The distinct units of consecutive documents, as numbers: all ``ChromeModel.update_stats`` needs.

    Per kind (``KINDS``): ``keys`` (uint64, mixed with the outlet's salt for the
    per-outlet kinds) and ``words`` (int32), one entry per distinct unit of a
    document, the documents one after the other; ``counts`` (int32) says how many
    each document has. ``salts`` (uint64) is each document's outlet salt, 0 when
    it has no outlet. About 12 bytes a unit.
    """

    keys: dict[str, np.ndarray]
    words: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]
    salts: np.ndarray

    def salts_of(self, kind: str) -> np.ndarray:
        """The outlet salt of each unit of a kind (0 for the corpus rule)."""
        if kind == "corpus":
            return np.zeros(self.keys[kind].size, dtype=np.uint64)
        return np.repeat(self.salts, self.counts[kind])


def chrome_stats(docs: Iterable[Document], config: NormalizeConfig) -> ChromeStats:
    """The units of documents as hashes and word counts; pure, so workers can run it."""
    keys: dict[str, list[np.ndarray]] = {k: [] for k in KINDS}
    words: dict[str, list[np.ndarray]] = {k: [] for k in KINDS}
    counts: dict[str, list[int]] = {k: [] for k in KINDS}
    salts: list[int] = []
    for doc in docs:
        salt = _salt(outlet_of(doc))
        page = _page(doc.text, config, units=salt is not None)
        found = _units(page, config, salt)
        for kind in KINDS:
            k, w = found.get(kind, (np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int32)))
            keys[kind].append(k)
            words[kind].append(w)
            counts[kind].append(k.size)
        salts.append(0 if salt is None else int(salt))
    return ChromeStats(
        {k: _joined(v, np.uint64) for k, v in keys.items()},
        {k: _joined(v, np.int32) for k, v in words.items()},
        {k: np.array(v, dtype=np.int32) for k, v in counts.items()},
        np.array(salts, dtype=np.uint64),
    )


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype=dtype)


def _units(page: _Page, config: NormalizeConfig, salt: np.uint64 | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A page's distinct units per kind: (mixed hashes, words), first occurrence kept."""
    lines = {k: k.count(" ") + 1 for k in page.line_keys if k}
    line_hashes = _hashes(list(lines))
    line_words = np.fromiter(lines.values(), dtype=np.int32, count=len(lines))
    short = line_words <= config.boilerplate_max_words
    found = {"corpus": _distinct(_mixed(line_hashes[short], _CORPUS_SALT), line_words[short])}
    if salt is None:
        return found
    found["lines"] = _distinct(_mixed(line_hashes, salt), line_words)
    shapes = [shape_key(s) for sentences in page.sentences for s in sentences]
    found["sentences"] = _distinct(
        _mixed(_hashes(shapes), salt), np.fromiter((s.count(" ") + 1 for s in shapes), np.int32, len(shapes))
    )
    spans = np.concatenate([grams for _, grams in page.anchors]) if page.anchors else np.empty(0, np.uint64)
    found["spans"] = _distinct(_mixed(spans, salt), np.ones(spans.size, dtype=np.int32))
    return found


def _distinct(keys: np.ndarray, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (first occurrence) and their words."""
    _, first = np.unique(keys, return_index=True)
    first.sort()
    return keys[first], words[first]


@dataclass(frozen=True)
class Chrome:
    """The chrome hashes a model has learned, per kind, sorted; all ``transform`` needs.

    ``outlets`` are the salts of the outlets with chrome of each per-outlet kind,
    so that a page of an outlet with none skips the work.
    """

    config: NormalizeConfig
    keys: dict[str, np.ndarray]
    outlets: dict[str, frozenset[int]]

    def transform(self, doc: Document) -> Document:
        """``doc`` with its chrome lines, sentences and spans removed (story headers stay, for ``prepare``)."""
        text = self.clean(doc)
        return doc if text is None else replace(doc, text=text)

    def clean(self, doc: Document) -> str | None:
        """The text of ``doc`` without its chrome, or None when it has none."""
        salt = _salt(outlet_of(doc))
        outlet = None if salt is None else int(salt)
        deep = outlet is not None and any(outlet in self.outlets[k] for k in ("sentences", "spans"))
        page = _page(doc.text, self.config, units=deep)
        dropped = self._chrome_lines(page, salt)
        if not dropped.any() and not deep:
            return None
        lines = [line if not drop or is_story_header(line) else "" for line, drop in zip(page.lines, dropped)]
        if deep:
            lines = self._cut(page, lines, salt)
        return "\n".join(lines)

    def chrome_line_keys(self, doc: Document) -> frozenset[str]:
        """The line keys of ``doc`` that are chrome."""
        page = _page(doc.text, self.config, units=False)
        dropped = self._chrome_lines(page, _salt(outlet_of(doc)))
        return frozenset(k for k, drop in zip(page.line_keys, dropped) if drop)

    def _chrome_lines(self, page: _Page, salt: np.uint64 | None) -> np.ndarray:
        hashes = _hashes(page.line_keys)
        words = np.fromiter((k.count(" ") + 1 if k else 0 for k in page.line_keys), np.int32, len(page.line_keys))
        chrome = _in_sorted(_mixed(hashes, _CORPUS_SALT), self.keys["corpus"])
        chrome &= words <= self.config.boilerplate_max_words
        if salt is not None and int(salt) in self.outlets["lines"]:
            chrome |= _in_sorted(_mixed(hashes, salt), self.keys["lines"])
        return chrome & (words > 0)

    def _cut(self, page: _Page, lines: list[str], salt: np.uint64) -> list[str]:
        """The lines with chrome sentences and spans taken out."""
        out = []
        shapes = [shape_key(s) for sentences in page.sentences for s in sentences]
        chrome_sentences = iter(_in_sorted(_mixed(_hashes(shapes), salt), self.keys["sentences"]).tolist())
        n = self.config.span_words
        for line, original, sentences, spans, (starts, grams) in zip(
            lines, page.lines, page.sentences, page.tokens, page.anchors
        ):
            flags = [next(chrome_sentences) for _ in sentences]
            if not line:
                out.append("")
                continue
            cut = np.zeros(len(spans) + 1, dtype=np.int32)
            hits = starts[_in_sorted(_mixed(grams, salt), self.keys["spans"])]
            for a, b in zip(hits.tolist(), hits.tolist()[1:]):
                if b - a < 2 * n:
                    cut[a] += 1
                    cut[b] -= 1
            for a in hits.tolist():
                cut[a] += 1
                cut[a + n] -= 1
            masked = np.cumsum(cut[:-1]) > 0
            out.append(_kept_text(original, sentences, flags, spans, masked, self.config.chrome_sentence_share))
        return out


def _kept_text(
    line: str, sentences: list[str], flags: list[bool], spans: list[tuple[int, int]], masked: np.ndarray, share: float
) -> str:
    """A line's sentences that are not chrome, each without its masked words."""
    kept, at, word = [], 0, 0
    for sentence, chrome in zip(sentences, flags):
        start = line.find(sentence, at)
        end = start + len(sentence)
        at = end
        first = word
        while word < len(spans) and spans[word][0] < end:
            word += 1
        inside = masked[first:word]
        if chrome or (inside.size and inside.mean() > share):
            continue
        if not inside.any():
            kept.append(sentence)
            continue
        # Runs of masked words go whole, with the punctuation between them.
        edges = np.flatnonzero(np.diff(np.r_[0, inside.astype(np.int8), 0]))
        pieces, cursor = [], start
        for run_start, run_end in zip(edges[::2].tolist(), edges[1::2].tolist()):
            pieces.append(line[cursor : spans[first + run_start][0]])
            cursor = spans[first + run_end - 1][1]
        pieces.append(line[cursor:end])
        kept.append(" ".join(" ".join(pieces).split()))
    return " ".join(s for s in kept if s)


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Whether each value is in a sorted array."""
    if not sorted_values.size:
        return np.zeros(values.size, dtype=bool)
    at = np.searchsorted(sorted_values, values)
    np.minimum(at, sorted_values.size - 1, out=at)
    return sorted_values[at] == values


@dataclass
class _Table:
    """Counts per unit key, sorted by key: documents carrying it, otherwise different ones, words, outlet salt."""

    keys: np.ndarray
    docs: np.ndarray
    carriers: np.ndarray
    words: np.ndarray
    outlets: np.ndarray

    @classmethod
    def empty(cls) -> _Table:
        return cls(np.empty(0, np.uint64), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32),
                   np.empty(0, np.uint64))

    def docs_of(self, keys: np.ndarray) -> np.ndarray:
        """The documents counted so far for each key (0 for a new one)."""
        if not self.keys.size:
            return np.zeros(keys.size, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        return np.where(self.keys[at] == keys, self.docs[at], 0)

    def merged(self, other: _Table) -> _Table:
        keys = np.concatenate([self.keys, other.keys])
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if keys.size else np.empty(0, np.int64)

        def summed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            both = np.concatenate([a, b])[order]
            return np.add.reduceat(both, starts) if starts.size else both

        def first(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return np.concatenate([a, b])[order][starts]

        return _Table(keys[starts], summed(self.docs, other.docs), summed(self.carriers, other.carriers),
                      first(self.words, other.words), first(self.outlets, other.outlets))


class ChromeModel:
    """Learned page chrome (see the module docstring): fit, update, transform, save and load.

    ``config`` holds the thresholds (``PARAMS`` of ``NormalizeConfig``); a loaded
    model keeps those it was learned with.
    """

    def __init__(self, config: NormalizeConfig = NormalizeConfig()) -> None:
        self.config = config
        self.documents = 0
        self._tables = {kind: _Table.empty() for kind in KINDS}
        self._chrome: Chrome | None = None

    def fit(self, docs: Iterable[Document]) -> ChromeModel:
        """Learn from these documents alone (forgetting any earlier ones)."""
        return self.fit_stats([chrome_stats(docs, self.config)])

    def fit_stats(self, chunks: Iterable[ChromeStats]) -> ChromeModel:
        """``fit`` from the documents' ``chrome_stats`` (computed in worker processes)."""
        self.documents = 0
        self._tables = {kind: _Table.empty() for kind in KINDS}
        return self.update_stats(chunks)

    def update(self, docs: Iterable[Document], chunk: int = 4096) -> ChromeModel:
        """Add documents to what the model has learned (``partial_fit``)."""
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) == chunk:
                self.update_stats([chrome_stats(batch, self.config)])
                batch = []
        return self.update_stats([chrome_stats(batch, self.config)]) if batch else self

    partial_fit = update

    def update_stats(self, chunks: Iterable[ChromeStats]) -> ChromeModel:
        """Add documents given as their ``chrome_stats`` (computed in worker processes), judged together."""
        parts = list(chunks)
        if not parts:
            return self
        c = self.config
        for kind in KINDS:
            keys = np.concatenate([p.keys[kind] for p in parts])
            words = np.concatenate([p.words[kind] for p in parts])
            counts = np.concatenate([p.counts[kind] for p in parts])
            salts = np.concatenate([p.salts_of(kind) for p in parts])
            if kind == "corpus":
                batch = _count(keys, words, counts, salts, None)
            else:
                batch = _count(keys, words, counts, salts, (self._tables[kind], c.outlet_boilerplate_min_docs,
                                                            c.outlet_boilerplate_own_share))
            self._tables[kind] = self._tables[kind].merged(batch)
        self.documents += sum(int(p.counts["corpus"].size) for p in parts)
        self._chrome = None
        return self

    @property
    def chrome(self) -> Chrome:
        """The chrome hashes learned so far, what ``transform`` needs (small enough to send to workers)."""
        if self._chrome is None:
            c = self.config
            keys, outlets = {}, {}
            for kind, table in self._tables.items():
                if kind == "corpus":
                    chrome = table.docs >= c.boilerplate_min_docs
                else:
                    chrome = (table.docs >= c.outlet_boilerplate_min_docs) & (
                        table.carriers >= max(c.outlet_boilerplate_min_docs, 1)
                    )
                    if kind == "lines":
                        chrome |= (table.docs >= c.outlet_boilerplate_min_docs) & (
                            table.words <= c.boilerplate_max_words
                        )
                keys[kind] = table.keys[chrome]
                outlets[kind] = frozenset(np.unique(table.outlets[chrome]).tolist())
            self._chrome = Chrome(c, keys, outlets)
        return self._chrome

    def transform(self, doc: Document) -> Document:
        """``doc`` without its chrome (``Chrome.transform``)."""
        return self.chrome.transform(doc)

    def copy(self) -> ChromeModel:
        """An independent copy, to update without changing this one."""
        other = ChromeModel(self.config)
        other.documents = self.documents
        other._tables = {k: replace(t) for k, t in self._tables.items()}
        return other

    def save(self, path: str | Path) -> None:
        """Write the model to a ``.npz`` file (numpy arrays and a JSON header; no pickle)."""
        header = {"format": FORMAT, "version": VERSION, "documents": self.documents,
                  "params": {name: getattr(self.config, name) for name in PARAMS}}
        arrays = {"header": np.array(json.dumps(header))}
        for kind, table in self._tables.items():
            for name in ("keys", "docs", "carriers", "words", "outlets"):
                arrays[f"{kind}.{name}"] = getattr(table, name)
        with open(path, "wb") as out:
            np.savez_compressed(out, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> ChromeModel:
        """Read a model written by ``save``; anything else is refused with an ``InputError``."""
        where = str(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
            raise InputError(where, f"not a dedup chrome model ({err})") from None
        try:
            header = json.loads(str(arrays["header"]))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise ValueError("not a dedup chrome model")
            if header.get("version") != VERSION:
                raise ValueError(f"chrome model version {header.get('version')!r}, this dedup reads {VERSION}")
            params = header["params"]
            if set(params) != set(PARAMS) or not all(isinstance(v, (int, float)) for v in params.values()):
                raise ValueError("its parameters are not those of a chrome model")
            config = NormalizeConfig(**params)
            model = cls(config)
            model.documents = int(header["documents"])
            for kind in KINDS:
                table = _Table(*(arrays[f"{kind}.{name}"] for name in ("keys", "docs", "carriers", "words", "outlets")))
                _check_table(table)
                model._tables[kind] = table
        except (KeyError, ValueError, TypeError) as err:
            raise InputError(where, f"not a dedup chrome model: {err}") from None
        return model


def _check_table(table: _Table) -> None:
    """Refuse arrays that are not a table ``save`` could have written."""
    expected = {"keys": np.uint64, "docs": np.int64, "carriers": np.int64, "words": np.int32, "outlets": np.uint64}
    for name, dtype in expected.items():
        array = getattr(table, name)
        if array.dtype != dtype or array.ndim != 1 or array.size != table.keys.size:
            raise ValueError(f"malformed {name} array")
    if table.keys.size and not (table.keys[1:] > table.keys[:-1]).all():
        raise ValueError("keys are not sorted")


def _count(
    keys: np.ndarray, words: np.ndarray, counts: np.ndarray, salts: np.ndarray,
    outlet_rule: tuple[_Table, int, float] | None,
) -> _Table:
    """A batch's units counted: documents per key and, for the outlet rule, otherwise different carriers.

    A document is otherwise different when at least ``own_share`` of its units'
    words are in units its outlet does not repeat, counting the model's earlier
    documents and this batch together.
    """
    uniq, first, inverse, docs = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    carriers = np.zeros(uniq.size, dtype=np.int64)
    if outlet_rule is not None and keys.size:
        table, min_docs, own_share = outlet_rule
        repeated = ((docs + table.docs_of(uniq)) >= min_docs)[inverse]
        owner = np.repeat(np.arange(counts.size), counts)
        total = np.bincount(owner, weights=words, minlength=counts.size)
        own = np.bincount(owner, weights=np.where(repeated, 0, words), minlength=counts.size)
        different = (own >= own_share * total) & (counts > 0)
        carriers = np.bincount(inverse, weights=different[owner], minlength=uniq.size).astype(np.int64)
    return _Table(uniq, docs.astype(np.int64), carriers, words[first].astype(np.int32), salts[first])
