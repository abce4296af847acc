"""Normalization, page-chrome stripping and segmentation into passages.

Two copies of one wire story under different outlets' chrome must look alike after
this stage: Unicode and typography are folded, chrome lines are dropped, and the
body is cut into sentences that carry their content-word stems.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import Stemmer

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
_FOLDED = re.compile("[" + re.escape("".join(map(chr, _TRANSLATE))) + "]")
# A run of spaces and tabs other than a single space (which would be replaced by itself).
_SPACES = re.compile(r"(?: [ \t\f\v]|[\t\f\v])[ \t\f\v]*")
_WORD = re.compile(r"[a-z0-9]+(?:['.,-][a-z0-9]+)*")
_CASED_WORD_OR_QUOTE = re.compile(r"[A-Za-z0-9]+(?:['.,-][A-Za-z0-9]+)*|\"")

# The compiled forms of the per-word loops (dedup/_speedups.c), where ``pip install`` could build them;
# the Python forms here are the reference.
try:
    from dedup._speedups import analyze_words as _compiled_analyze_words
    from dedup._speedups import ascii_line_key as _compiled_line_key
except ImportError:
    _compiled_analyze_words = _compiled_line_key = None

COMPILED = _compiled_analyze_words is not None
"""Whether the compiled per-word loops are in use."""


def _english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop list, read from its data module without importing the package.

    Importing ``sklearn`` takes a second (scipy.stats and more), paid again by
    every worker process, for a list of words; its public name is the fallback.
    """
    found = importlib.util.find_spec("sklearn")
    if found is not None and found.origin is not None:
        path = Path(found.origin).parent / "feature_extraction" / "_stop_words.py"
        spec = importlib.util.spec_from_file_location("dedup._sklearn_stop_words", path) if path.is_file() else None
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            words = getattr(module, "ENGLISH_STOP_WORDS", None)
            if isinstance(words, frozenset) and words:
                return words
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


_STOP = _english_stop_words() | {"s", "t", "said", "says", "say", "mr", "ms", "mrs"}

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
# Header chrome of a story; seen again after body text, it starts another story on the page.
_STORY_HEADER = re.compile(
    r"^(?:short\s*url|follow(?:\s+us)?|(?:updated|published|posted|last\s+modified)\b.*)$", re.IGNORECASE
)
# A line this long that ends a sentence is body text, not a headline or teaser.
_BODY_PARAGRAPH_WORDS = 12
# Body paragraphs of a story before repeated header chrome can start another one.
_STORY_MIN_PARAGRAPHS = 3
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
    if not text.isascii():
        text = _folded(text)
        if not unicodedata.is_normalized("NFKC", text):
            text = _folded(unicodedata.normalize("NFKC", text))
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.strip() for line in text.split("\n"))


def _folded(text: str) -> str:
    """``text`` with the characters of ``_TRANSLATE`` replaced (as ``str.translate``, faster when they are few)."""
    return _FOLDED.sub(lambda m: _TRANSLATE[ord(m.group())], text) if _FOLDED.search(text) else text


def line_key(line: str) -> str:
    """The form under which two lines count as the same line (case and punctuation folded)."""
    if _compiled_line_key is not None and line.isascii():
        return _compiled_line_key(line)
    return " ".join(_WORD.findall(line.lower()))


def is_chrome(line: str) -> bool:
    """Whether a cleaned line is generic page furniture (share buttons, credits, captions).

    The cheap tests come first: most lines are body text, and the patterns scan
    the whole line before they fail.
    """
    if _may_be_always_chrome(line) and _CHROME_ALWAYS.match(line):
        return True
    if not line.endswith((".", "!", "?")) and len(line.split()) <= _SHORT_LINE_WORDS and _CHROME_SHORT.match(line):
        return True
    return bool(_CAPTION.search(line)) and len(line.split()) <= 40 and not line.endswith(('."', ".)"))


def _may_be_always_chrome(line: str) -> bool:
    """False only for a line ``_CHROME_ALWAYS`` cannot match: an ASCII line without its key words.

    Lines with other characters go to the pattern, whose case folding treats
    some of them as ASCII letters.
    """
    if not line.isascii():
        return True
    low = line.lower()
    return "rights" in low or "contributed" in low or low.startswith(("(c)", "copyright", "source"))


def words(text: str) -> list[str]:
    """Lower-cased word tokens; numbers and hyphenated words are kept whole."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The Snowball (Porter2) stem of a lower-cased word."""
    return _stemmer().stemWord(word)


def _is_content(word: str) -> bool:
    return word not in _STOP and len(word) > 1


@lru_cache(maxsize=1 << 20)
def _word(token: str) -> tuple[str, str, bool, bool, bool]:
    """What the later stages need of one cased token, memoized (a corpus has few distinct words).

    (lower-cased form, stem or "" for a stop word, has a digit, starts with a
    capital, stem is a number).
    """
    lower = token.lower()
    stemmed = stem(lower) if _is_content(lower) else ""
    number = bool(stemmed) and not any(c.isalpha() for c in stemmed)
    return lower, stemmed, any(c.isdigit() for c in token), token[0].isupper(), number


@dataclass(frozen=True)
class _Sentence:
    """One sentence analyzed: its words, its content stems with their flags, its evidence phrases."""

    words: list[str]
    stems: tuple[str, ...]
    names: tuple[bool, ...]
    quoted: tuple[bool, ...]
    phrases: tuple[str, ...]
    in_quote: bool


def _analyze_words(
    sentence: str, in_quote: bool, word: Callable[[str], tuple[str, str, bool, bool, bool]]
) -> tuple[list[str], tuple[str, ...], tuple[bool, ...], tuple[bool, ...], tuple[str, ...], bool]:
    """The fields of ``_Sentence`` for one sentence, with ``word`` giving what ``_word`` gives.

    Phrases are adjacent content-stem pairs that are the writer's own: pairs of
    two names, pairs with a number and pairs inside a quote are left out. Names
    and figures are the facts any report of an event repeats ("18 million
    crowns"), and quotes what any report of a speech repeats; the words a
    writer puts around them are what a copy keeps.

    This is the reference form; ``dedup/_speedups.c`` compiles the same loop
    and is used when it was built.
    """
    tokens = _CASED_WORD_OR_QUOTE.findall(sentence)
    if '"' in tokens:
        flags, words = [], []
        for token in tokens:
            if token == '"':
                in_quote = not in_quote
            else:
                flags.append(in_quote)
                words.append(token)
    else:
        flags, words = [in_quote] * len(tokens), tokens
    infos = list(map(word, words))
    content = [(k, info, flag) for k, (info, flag) in enumerate(zip(infos, flags)) if info[1]]
    stems = [info[1] for _, info, _ in content]
    names = [info[2] or (info[3] and k > 0) for k, info, _ in content]
    quoted = [flag for _, _, flag in content]
    numbers = [info[4] for _, info, _ in content]
    phrases = {
        sys.intern(f"{stems[i]} {stems[i + 1]}")
        for i in range(len(stems) - 1)
        if not (names[i] and names[i + 1])
        and not (quoted[i] and quoted[i + 1])
        and not numbers[i]
        and not numbers[i + 1]
    }
    lowers = [info[0] for info in infos]
    return lowers, tuple(stems), tuple(names), tuple(quoted), tuple(sorted(phrases)), in_quote


def _analyze(sentence: str, in_quote: bool) -> _Sentence:
    """Words, stems and flags of a sentence, and its evidence phrases (see ``_analyze_words``)."""
    return _Sentence(*(_compiled_analyze_words or _analyze_words)(sentence, in_quote, _word))


def passage_tokens(
    sentence: str, in_quote: bool = False
) -> tuple[tuple[str, ...], tuple[bool, ...], tuple[bool, ...], bool]:
    """Content stems of a sentence, for each whether it is a name or number and whether it is quoted.

    ``in_quote`` says whether the sentence starts inside a quotation (quotes run
    across sentences); the last value is the same state at its end.
    """
    found = _analyze(sentence, in_quote)
    return found.stems, found.names, found.quoted, found.in_quote


def passage_phrases(sentence: str, in_quote: bool = False) -> tuple[str, ...]:
    """The evidence phrases of a sentence ("stem stem", sorted), as ``prepare`` gives them for a passage."""
    return _analyze(sentence, in_quote).phrases


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
    return [line for _, line in story_lines(text, boilerplate)]


def is_story_header(line: str) -> bool:
    """Whether a cleaned line is story header chrome ("Updated ...", "Follow"), which can start an appended story."""
    return bool(_STORY_HEADER.match(line)) and len(line.split()) <= _SHORT_LINE_WORDS and not line.endswith(".")


def story_lines(text: str, boilerplate: frozenset[str]) -> list[tuple[int, str]]:
    """The content lines of a document, each with the index of the story it belongs to on the page.

    A page that appends another article below its own (news sites' "next
    story") repeats the story header chrome ("Updated ...", "Follow", "Short
    Url") after a whole article: after ``_STORY_MIN_PARAGRAPHS`` body
    paragraphs a new story begins there, together with the headline and
    teaser lines that came after the last body paragraph. A header after a
    standfirst or a lede alone is the page's own.
    """
    kept: list[list] = []
    seen: set[str] = set()
    story, body_paragraphs, since_body = 0, 0, 0
    for line in clean_text(text).split("\n"):
        if is_story_header(line) and body_paragraphs >= _STORY_MIN_PARAGRAPHS:
            story, body_paragraphs = story + 1, 0
            for entry in kept[len(kept) - since_body :]:
                entry[0] = story
        key = line_key(line)
        if not key or key in seen or key in boilerplate or is_chrome(line):
            continue
        seen.add(key)
        kept.append([story, line])
        if len(line.split()) >= _BODY_PARAGRAPH_WORDS and line.endswith((".", '."', "!", "?", '?"')):
            body_paragraphs, since_body = body_paragraphs + 1, 0
        else:
            since_body += 1
    return [(k, line) for k, line in kept]


def prepare(doc: Document, boilerplate: frozenset[str], config: NormalizeConfig) -> Prepared:
    """Clean a document and cut its body into passages (sentences with enough content)."""
    lines = story_lines(doc.text, boilerplate)
    passages: list[Passage] = []
    body_words: list[str] = []
    body_stems: list[str] = []
    for story, line in lines:
        in_quote = False
        for sentence in split_sentences(line):
            found = _analyze(sentence, in_quote)
            opens_in_quote, in_quote = in_quote, found.in_quote
            body_words += found.words
            body_stems += found.stems
            if len(found.words) >= config.min_passage_words:
                quoted = sum(found.quoted) / len(found.quoted) if found.quoted else 0.0
                passages.append(
                    Passage(len(passages), sentence, found.stems, found.phrases, story, quoted, opens_in_quote)
                )
    return Prepared(
        doc=doc,
        body="\n".join(line for _, line in lines),
        passages=tuple(passages),
        words=tuple(body_words),
        stems=tuple(body_stems),
    )
