"""Normalization, page-chrome stripping and segmentation into passages.

Two copies of one wire story under different outlets' chrome must look alike after
this stage: Unicode and typography are folded, chrome lines are dropped, and the
body is cut into sentences that carry their content-word stems.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from dedup.config import NormalizeConfig
from dedup.records import Document, Passage, Prepared

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
        "\u2022": " ", "\u25cf": " ", "\u25aa": " ", "\u00b7": " ",
        "\u00a0": " ", "\u200b": "", "\ufeff": "", "\u00ad": "",
    }
)
_SPACES = re.compile(r"[ \t\f\v]+")
_WORD = re.compile(r"[a-z0-9]+(?:['.,-][a-z0-9]+)*")
_CASED_WORD_OR_QUOTE = re.compile(r"[A-Za-z0-9]+(?:['.,-][A-Za-z0-9]+)*|\"")
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"s", "t", "said", "says", "say", "mr", "ms", "mrs"}

# Lines that are page furniture wherever they stand.
_CHROME_ALWAYS = re.compile(
    r"""^(?:
        .*\ball\s+rights\s+reserved\b.* | (?:©|\(c\)\s|copyright\s+(?:©|\(c\)|\d{4})).*
      | .{0,160}\bcontributed\s+(?:reporting\s+)?to\s+this\s+report\.? | source\s*[»:>].*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Short lines that are page furniture unless they read as a sentence.
_CHROME_SHORT = re.compile(
    r"""^(?:
        short\s*url | follow(?:\s+us)?(?:\s+on\s+\w+)? | share(?:\s+this)?(?:\s+\w+)? | tweet | email | print
      | advertisement | sponsored(?:\s+content)? | read\s+more | related(?:\s+\w+)? | more\s+stories?
      | enter | keywords | background | subscribe\b.* | sign\s+up\b.* | .*\bnewsletter\b.*
      | (?:updated|published|posted|last\s+modified)\b.* | click\s+here\b.* | (?:by|author:?)\s+[\w .,'-]{2,60}
      | (?:image|photo|picture|video|file\s+photo)\s*(?:credit)?\s*:.* | with\s+(?:post\s+)?wires?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_SHORT_LINE_WORDS = 10
# A photo caption ends with its agency credit in parentheses: "... (AFP)".
_CAPTION = re.compile(r"\((?:[A-Z][A-Za-z]*[ /.&]?){1,4}\)\s*$")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen brig col lt maj capt sgt cmdr adm gov sen rep rev st jr sr "
    "jan feb mar apr jun jul aug sep sept oct nov dec no vs inc corp co ltd dept est approx fig".split()
)
# A possible sentence end: terminal punctuation, closing quotes, space, then a capital or digit.
_BOUNDARY = re.compile(r"""[.!?]["')\]]*\s+(?=["'(\[]?[A-Z0-9])""")
_LAST_WORD = re.compile(r"(\w+)\.$")


def clean_text(text: str) -> str:
    """Fold Unicode (NFKC), typographic quotes and dashes, bullets and runs of spaces."""
    text = unicodedata.normalize("NFKC", text.translate(_TRANSLATE)).translate(_TRANSLATE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def line_key(line: str) -> str:
    """The form under which two lines count as the same line (case and punctuation folded)."""
    return " ".join(_WORD.findall(line.lower()))


def is_chrome(line: str) -> bool:
    """Whether a cleaned line is generic page furniture (share buttons, credits, captions)."""
    if _CHROME_ALWAYS.match(line):
        return True
    if _CHROME_SHORT.match(line) and len(line.split()) <= _SHORT_LINE_WORDS and not line.endswith((".", "!", "?")):
        return True
    return bool(_CAPTION.search(line)) and len(line.split()) <= 40 and not line.endswith(('."', ".)"))


def words(text: str) -> list[str]:
    """Lower-cased word tokens; numbers and hyphenated words are kept whole."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """The Snowball (Porter2) stem of a word, memoized: the vocabulary is small."""
    return _stemmer().stemWord(word)


def _is_content(word: str) -> bool:
    return word not in _STOP and len(word) > 1


def content_tokens(tokens: Sequence[str]) -> tuple[str, ...]:
    """Stems of the content words: stop words and one-letter tokens dropped."""
    return tuple(stem(w) for w in tokens if _is_content(w))


def passage_tokens(
    sentence: str, in_quote: bool = False
) -> tuple[tuple[str, ...], tuple[bool, ...], tuple[bool, ...], bool]:
    """Content stems of a sentence, for each whether it is a name or number and whether it is quoted.

    ``in_quote`` says whether the sentence starts inside a quotation (quotes run
    across sentences); the last value is the same state at its end.
    """
    stems: list[str] = []
    names: list[bool] = []
    quoted: list[bool] = []
    position = 0
    for match in _CASED_WORD_OR_QUOTE.finditer(sentence):
        word = match.group()
        if word == '"':
            in_quote = not in_quote
            continue
        lower = word.lower()
        if _is_content(lower):
            stems.append(stem(lower))
            names.append(any(c.isdigit() for c in word) or (position > 0 and word[0].isupper()))
            quoted.append(in_quote)
        position += 1
    return tuple(stems), tuple(names), tuple(quoted), in_quote


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; abbreviations and initials do not end a sentence."""
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        head = paragraph[start : m.start() + 1]
        last = _LAST_WORD.search(head)
        word = last.group(1) if last else ""
        if word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        sentences.append(paragraph[start : m.end()].strip())
        start = m.end()
    sentences.append(paragraph[start:].strip())
    return [s for s in sentences if s]


def body_lines(text: str, boilerplate: frozenset[str]) -> list[str]:
    """The content lines of a document: chrome, corpus boilerplate and repeats removed."""
    kept: list[str] = []
    seen: set[str] = set()
    for line in clean_text(text).split("\n"):
        key = line_key(line)
        if not key or key in seen or key in boilerplate or is_chrome(line):
            continue
        seen.add(key)
        kept.append(line)
    return kept


def prepare(doc: Document, boilerplate: frozenset[str], config: NormalizeConfig) -> Prepared:
    """Clean a document and cut its body into passages (sentences with enough content)."""
    lines = body_lines(doc.text, boilerplate)
    passages: list[Passage] = []
    for line in lines:
        in_quote = False
        for sentence in split_sentences(line):
            stems, names, quoted, in_quote = passage_tokens(sentence, in_quote)
            if len(words(sentence)) < config.min_passage_words:
                continue
            passages.append(Passage(len(passages), sentence, stems, names, quoted))
    body = "\n".join(lines)
    return Prepared(doc=doc, body=body, passages=tuple(passages), words=tuple(words(body)))


def prepare_corpus(docs: Sequence[Document], config: NormalizeConfig) -> list[Prepared]:
    """Prepare every document against the boilerplate learned from the whole corpus and its outlet."""
    from dedup.boilerplate import find_boilerplate  # here, since dedup.boilerplate imports this module

    boilerplate = find_boilerplate(docs, config)
    return [prepare(d, boilerplate.keys_for(d), config) for d in docs]
