"""Boilerplate learned from the corpus: lines that are page chrome because they repeat.

Two rules, both over line keys (``normalize.line_key``; a line is a paragraph in
JSONL, CSV and HTML input):

- corpus-wide: a short line (``boilerplate_max_words`` words at most) found in
  ``boilerplate_min_docs`` documents is chrome (menus, section names, share
  bars), whoever published them;
- per outlet: a line found in ``outlet_boilerplate_min_docs`` documents of one
  outlet is that outlet's chrome when it is short, or when that many of the
  documents carrying it are otherwise different, most of their words being in
  lines the outlet does not repeat (``outlet_boilerplate_own_share``): a long
  footer, a disclaimer, a standard background paragraph.

A wire story's own sentences are never chrome by being reprinted: copies by many
outlets count once per outlet, so only the corpus rule sees them, and it takes
short lines only; and updates of one story by one outlet carry mostly the same
lines, so they are not "otherwise different". A document's outlet is its
``outlet`` field, else the host of its ``url``.

At scale (a million documents) the keys are counted as numbers: ``line_stats``
turns a chunk of documents into a 64-bit hash (``shingle.token_hashes``, the
same in every process) and a word count per line key, about 12 bytes a line, and
can run in worker processes; ``chrome_hashes`` applies both rules to all chunks
at once with numpy sorts and sums; ``find_boilerplate`` then reads the keys of
the chrome hashes back from the few documents carrying them. Two distinct keys
share a hash with odds of about n**2 / 2**65 for n distinct keys (3e-6 for ten
million) unless the text is crafted to collide, so the result is the one
counting the key strings themselves gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from urllib.parse import urlsplit

import numpy as np

from dedup.config import NormalizeConfig
from dedup.normalize import clean_text, line_key
from dedup.records import Document
from dedup.shingle import distinct, token_hashes

Lines = list[tuple[str, int]]
# Documents per ``line_stats`` call when ``find_boilerplate`` computes the stats itself.
_CHUNK = 4096
# Characters of line keys hashed in one ``token_hashes`` call, whose temporaries take about 40 bytes a character.
_HASH_CHARS = 1 << 18


@dataclass(frozen=True)
class Boilerplate:
    """Chrome line keys: ``corpus`` for every document, ``outlets`` (outlet -> keys) for one outlet's documents.

    ``outlets`` holds only each outlet's own keys, not those already in ``corpus``.
    """

    corpus: frozenset[str] = frozenset()
    outlets: dict[str, frozenset[str]] = field(default_factory=dict)
    # corpus | outlets[o], built on first use in the process that uses it (so empty when pickled to workers).
    _merged: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def keys_for(self, doc: Document) -> frozenset[str]:
        """The line keys to strip from ``doc``: the corpus' chrome and its outlet's."""
        outlet = outlet_of(doc)
        own = self.outlets.get(outlet) if outlet is not None else None
        if not own:
            return self.corpus
        merged = self._merged.get(outlet)
        if merged is None:
            merged = self._merged[outlet] = self.corpus | own
        return merged


@dataclass(frozen=True)
class LineStats:
    """The distinct line keys of consecutive documents, as numbers: all ``chrome_hashes`` needs.

    ``hashes`` (uint64) and ``words`` (int32) hold one entry per line key, the
    documents' keys one after the other (``doc_lines`` order); ``lines`` (int32)
    says how many keys each document has. ``outlets`` (int32) is each document's
    outlet as an index into ``outlet_names``, -1 when it has none. About 12 bytes a
    line, against a Python string and tuple each.
    """

    hashes: np.ndarray
    words: np.ndarray
    lines: np.ndarray
    outlet_names: tuple[str, ...]
    outlets: np.ndarray


@dataclass(frozen=True)
class ChromeHashes:
    """Chrome as line-key hashes: ``corpus`` and ``outlets`` (outlet -> its own keys), each sorted uint64.

    ``hashes`` (sorted) are all of them, and ``documents`` the index of a document
    carrying each, where ``find_boilerplate`` reads its key back.
    """

    corpus: np.ndarray
    outlets: dict[str, np.ndarray]
    hashes: np.ndarray
    documents: np.ndarray


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


def find_boilerplate(
    docs: Sequence[Document], config: NormalizeConfig, chunks: Iterable[LineStats] | None = None
) -> Boilerplate:
    """Learn the corpus' chrome and each outlet's from the documents (see the module docstring).

    ``chunks``: the ``line_stats`` of consecutive slices of ``docs``, in order, when
    they were computed elsewhere (worker processes); by default they are computed
    here in one pass over ``docs``. Either way, only the few documents that carry
    a chrome line are read again, to turn its hash back into its key.
    """
    if chunks is None:
        chunks = (line_stats(docs[k : k + _CHUNK]) for k in range(0, len(docs), _CHUNK))
    return boilerplate_of(docs, chrome_hashes(chunks, config))


def boilerplate_of(docs: Sequence[Document], chrome: ChromeHashes) -> Boilerplate:
    """The chrome's line keys, read back from the documents carrying them (``chrome.documents``, by position)."""
    keys = _keys_of(docs, chrome)
    return Boilerplate(
        frozenset(keys[h] for h in chrome.corpus.tolist()),
        {outlet: frozenset(keys[h] for h in hashes.tolist()) for outlet, hashes in chrome.outlets.items()},
    )


def doc_lines(text: str) -> Lines:
    """The distinct line keys of a text, in order, each with its number of words."""
    keys: dict[str, int] = {}
    for line in clean_text(text).split("\n"):
        key = line_key(line)
        if key and key not in keys:
            keys[key] = key.count(" ") + 1
    return list(keys.items())


def line_stats(docs: Iterable[Document]) -> LineStats:
    """The line keys of documents as hashes and word counts, for ``chrome_hashes``; pure, so workers can run it."""
    keys: list[str] = []
    words: list[int] = []
    lines: list[int] = []
    names: dict[str, int] = {}
    outlets: list[int] = []
    for doc in docs:
        doc_keys = doc_lines(doc.text)
        keys += (k for k, _ in doc_keys)
        words += (n for _, n in doc_keys)
        lines.append(len(doc_keys))
        outlet = outlet_of(doc)
        outlets.append(-1 if outlet is None else names.setdefault(outlet, len(names)))
    return LineStats(
        hashes=_key_hashes(keys),
        words=np.array(words, dtype=np.int32),
        lines=np.array(lines, dtype=np.int32),
        outlet_names=tuple(names),
        outlets=np.array(outlets, dtype=np.int32),
    )


def _key_hashes(keys: list[str]) -> np.ndarray:
    """``token_hashes`` of line keys, about ``_HASH_CHARS`` characters at a time to bound its memory."""
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    blocks = (np.cumsum(lengths) - lengths) // _HASH_CHARS
    cuts = [0, *(np.flatnonzero(np.diff(blocks)) + 1).tolist(), len(keys)]
    return np.concatenate([token_hashes(keys[a:b]) for a, b in pairwise(cuts)])


def chrome_hashes(chunks: Iterable[LineStats], config: NormalizeConfig) -> ChromeHashes:
    """The hashes of the corpus' chrome keys and of each outlet's, from the stats of the documents in order."""
    stats = _concatenate(chunks)
    doc_ends = np.cumsum(stats.lines, dtype=np.int64)
    corpus = _corpus_chrome(stats, config)
    outlet_ids, hashes = _outlet_chrome(stats, doc_ends, config)
    own = ~_in_sorted(hashes, corpus)
    outlet_ids, hashes = outlet_ids[own], hashes[own]
    # Grouped by outlet (ids in order of first appearance, as the outlets of the corpus), sorted within one.
    cuts = np.flatnonzero(np.diff(outlet_ids)) + 1
    outlets = {
        stats.outlet_names[group[0]]: part
        for group, part in zip(np.split(outlet_ids, cuts), np.split(hashes, cuts), strict=True)
        if group.size
    }
    every = distinct(np.concatenate([corpus, hashes]))
    return ChromeHashes(corpus, outlets, every, _readers(stats, doc_ends, every))


def _concatenate(chunks: Iterable[LineStats]) -> LineStats:
    """One ``LineStats`` for all chunks, their outlets renumbered in order of first appearance."""
    names: dict[str, int] = {}
    parts = []
    for chunk in chunks:
        ids = np.array([names.setdefault(name, len(names)) for name in chunk.outlet_names] + [-1], dtype=np.int32)
        parts.append(replace(chunk, outlets=ids[chunk.outlets], outlet_names=()))
    if not parts:
        return line_stats([])
    return LineStats(
        hashes=np.concatenate([p.hashes for p in parts]),
        words=np.concatenate([p.words for p in parts]),
        lines=np.concatenate([p.lines for p in parts]),
        outlet_names=tuple(names),
        outlets=np.concatenate([p.outlets for p in parts]),
    )


def _corpus_chrome(stats: LineStats, config: NormalizeConfig) -> np.ndarray:
    """The sorted hashes of the short keys found in ``boilerplate_min_docs`` documents."""
    return _at_least(stats.hashes[stats.words <= config.boilerplate_max_words], config.boilerplate_min_docs)


def _outlet_chrome(stats: LineStats, doc_ends: np.ndarray, config: NormalizeConfig) -> tuple[np.ndarray, np.ndarray]:
    """Each outlet's chrome keys as (outlet id, hash) pairs, sorted by outlet and hash.

    Keys are counted per (outlet, hash) group of lines: a line repeated in its
    outlet is in a group of ``outlet_boilerplate_min_docs`` lines at least. Only
    the lines of keys repeated in the corpus are grouped, as only they can be.
    """
    min_docs = config.outlet_boilerplate_min_docs
    line_outlets = np.repeat(stats.outlets, stats.lines)
    candidates = np.flatnonzero(_in_sorted(stats.hashes, _at_least(stats.hashes, min_docs)) & (line_outlets >= 0))
    order = candidates[np.lexsort((stats.hashes[candidates], line_outlets[candidates]))]
    outlets, hashes = line_outlets[order], stats.hashes[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (outlets[1:] != outlets[:-1]) | (hashes[1:] != hashes[:-1])
    starts = np.flatnonzero(new)
    sizes = np.diff(np.r_[starts, order.size])
    repeated_sorted = np.repeat(sizes >= min_docs, sizes)
    repeated = np.zeros(stats.hashes.size, dtype=bool)
    repeated[order] = repeated_sorted
    total = _per_doc(stats.words, stats.lines, doc_ends)
    own = _per_doc(np.where(repeated, 0, stats.words), stats.lines, doc_ends)
    otherwise_different = own >= config.outlet_boilerplate_own_share * total
    carried = np.repeat(otherwise_different, stats.lines)[order] & repeated_sorted
    carriers = np.add.reduceat(carried, starts, dtype=np.int64)
    chrome = sizes >= min_docs
    # Counted like a Counter: a key carried by no such page is not counted even when min_docs <= 0.
    chrome &= (stats.words[order[starts]] <= config.boilerplate_max_words) | (carriers >= max(min_docs, 1))
    return outlets[starts][chrome], hashes[starts][chrome]


def _at_least(hashes: np.ndarray, min_count: int) -> np.ndarray:
    """The distinct values found ``min_count`` times at least, sorted."""
    ordered = np.sort(hashes)
    if min_count <= 1:
        return distinct(ordered, presorted=True)
    span = max(ordered.size - min_count + 1, 0)
    # A value starts a run of min_count equal values where the value min_count - 1 further is the same.
    return distinct(ordered[:span][ordered[:span] == ordered[min_count - 1 : min_count - 1 + span]], presorted=True)


def _per_doc(values: np.ndarray, lines: np.ndarray, doc_ends: np.ndarray) -> np.ndarray:
    """The sum of a per-line value over each document's lines."""
    sums = np.zeros(lines.size, dtype=np.int64)
    full = lines > 0
    sums[full] = np.add.reduceat(values, (doc_ends - lines)[full], dtype=np.int64)
    return sums


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Whether each value is in a sorted array."""
    if not sorted_values.size:
        return np.zeros(values.size, dtype=bool)
    at = np.searchsorted(sorted_values, values)
    np.minimum(at, sorted_values.size - 1, out=at)
    return sorted_values[at] == values


def _readers(stats: LineStats, doc_ends: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """For each of the sorted ``hashes``, a document carrying it: the one with the most of them, so few are read."""
    lines = np.flatnonzero(_in_sorted(stats.hashes, hashes))
    docs = np.searchsorted(doc_ends, lines, side="right")
    carried = np.bincount(docs, minlength=doc_ends.size)
    order = np.lexsort((-carried[docs], stats.hashes[lines]))
    firsts = np.ones(order.size, dtype=bool)
    firsts[1:] = stats.hashes[lines[order[1:]]] != stats.hashes[lines[order[:-1]]]
    return docs[order[firsts]]


def _keys_of(docs: Sequence[Document], chrome: ChromeHashes) -> dict[int, str]:
    """The line key of each chrome hash, read from the documents carrying them."""
    readable = np.unique(chrome.documents)
    lines = [k for doc in readable[readable < len(docs)].tolist() for k, _ in doc_lines(docs[doc].text)]
    hashes = _key_hashes(lines)
    wanted = np.flatnonzero(_in_sorted(hashes, chrome.hashes)).tolist()
    keys = {int(hashes[k]): lines[k] for k in wanted}
    if len(keys) < chrome.hashes.size:
        raise ValueError("the line stats are not those of these documents: pass the chunks of this corpus, in order")
    return keys
