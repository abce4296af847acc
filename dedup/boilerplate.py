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
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from dedup.config import NormalizeConfig
from dedup.normalize import clean_text, line_key
from dedup.records import Document

Lines = list[tuple[str, int]]


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


def find_boilerplate(docs: Iterable[Document], config: NormalizeConfig) -> Boilerplate:
    """Learn the corpus' chrome and each outlet's from the documents (see the module docstring)."""
    short = config.boilerplate_max_words
    counts: Counter[str] = Counter()
    by_outlet: defaultdict[str, list[Lines]] = defaultdict(list)
    for doc in docs:
        lines = doc_lines(doc.text)
        counts.update(k for k, n in lines if n <= short)
        outlet = outlet_of(doc)
        if outlet is not None:
            by_outlet[outlet].append(lines)
    corpus = frozenset(k for k, n in counts.items() if n >= config.boilerplate_min_docs)
    outlets = {}
    for outlet, outlet_docs in by_outlet.items():
        own = outlet_chrome(outlet_docs, config) - corpus
        if own:
            outlets[outlet] = frozenset(own)
    return Boilerplate(corpus, outlets)


def doc_lines(text: str) -> Lines:
    """The distinct line keys of a text, in order, each with its number of words."""
    keys: dict[str, int] = {}
    for line in clean_text(text).split("\n"):
        key = line_key(line)
        if key and key not in keys:
            keys[key] = key.count(" ") + 1
    return list(keys.items())


def outlet_chrome(docs: list[Lines], config: NormalizeConfig) -> set[str]:
    """The keys repeated across one outlet's documents that are chrome.

    Short ones, and long ones on pages that otherwise differ.
    """
    min_docs = config.outlet_boilerplate_min_docs
    if len(docs) < min_docs:
        return set()
    counts = Counter(k for lines in docs for k, _ in lines)
    repeated = {k for k, n in counts.items() if n >= min_docs}
    if not repeated:
        return set()
    chrome = {k for k in repeated if k.count(" ") + 1 <= config.boilerplate_max_words}
    carriers: Counter[str] = Counter()
    for lines in docs:
        total = sum(n for _, n in lines)
        own = sum(n for k, n in lines if k not in repeated)
        if total and own >= config.outlet_boilerplate_own_share * total:
            carriers.update(k for k, _ in lines if k in repeated)
    chrome.update(k for k, n in carriers.items() if n >= min_docs)
    return chrome
