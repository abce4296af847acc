"""Tests for dedup._speedups: the compiled per-word loop gives what its Python form in dedup.normalize gives."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dedup.normalize as normalize
from dedup.config import NormalizeConfig
from dedup.normalize import _WORD, _analyze_words, _word, prepare, split_sentences, story_lines
from dedup.records import Document

speedups = pytest.importorskip("dedup._speedups", reason="the compiled loop was not built (no C compiler)")
compiled = speedups.analyze_words

# Pieces that exercise the tokenizer: joiners inside and at the ends of words,
# quotes, stop words, names, figures and characters outside ASCII.
_PIECES = st.sampled_from(
    ["Varga", "said", "the", "union", "4,200", "workers", "U.S.", "don't", "-", "'", ",", ".", '"', "state-run",
     "1.5", "percent", "Port", "Aldmere", "caf\u00e9", "\u0130stanbul", "na\u00efve", "\u017fhip", "x", "A", "9",
     "Mr.", "--", "''", " ", "\n", "\u4e2d\u6587", "rose", "sharply", "on", "Friday"]
)


def test_it_is_used_when_built() -> None:
    assert normalize.COMPILED


@pytest.mark.parametrize(
    "sentence",
    [
        "",
        "Union leader Tomas Varga said 4,200 workers joined on Friday.",
        'Varga said "we stay out until the rules go," and left.',
        'Prices rise." Talks resume Monday.',
        "Shares of U.S.-listed firms fell 1.5 percent, to $3.20, in state-run trading.",
        "It was the and of them, Mr. Varga said.",
        "end-. -start ,lead trail, a'b'c 1.2.3 x--y",
    ],
)
@pytest.mark.parametrize("in_quote", [False, True])
def test_same_as_python_on_sentences(sentence: str, in_quote: bool) -> None:
    assert compiled(sentence, in_quote, _word) == _analyze_words(sentence, in_quote, _word)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join), st.booleans())
@example('"a" "b c" d', False)
def test_same_as_python_on_generated_text(sentence: str, in_quote: bool) -> None:
    assert compiled(sentence, in_quote, _word) == _analyze_words(sentence, in_quote, _word)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.booleans())
def test_same_as_python_on_any_text(sentence: str, in_quote: bool) -> None:
    assert compiled(sentence, in_quote, _word) == _analyze_words(sentence, in_quote, _word)


def test_phrases_are_interned_like_pythons() -> None:
    import sys

    phrases = compiled("Dockworkers walked off the job at the container terminal.", False, _word)[4]
    assert phrases and all(sys.intern(p) is p for p in phrases)


def test_same_prepared_documents_as_python(
    seed_docs: list[Document], news_docs: list[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = NormalizeConfig()
    docs = seed_docs + news_docs
    with_compiled = [prepare(d, frozenset(), config) for d in docs]
    monkeypatch.setattr(normalize, "_compiled_analyze_words", None)
    assert [prepare(d, frozenset(), config) for d in docs] == with_compiled
    sentences = [s for d in docs for _, line in story_lines(d.text, frozenset()) for s in split_sentences(line)]
    assert len(sentences) > 100


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join).filter(str.isascii))
@example("Short URL: A-B,C'D .e. --F 1,000.5")
def test_line_key_same_as_python(line: str) -> None:
    assert speedups.ascii_line_key(line) == " ".join(_WORD.findall(line.lower()))


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=80))
def test_line_key_same_as_python_on_any_ascii(line: str) -> None:
    assert speedups.ascii_line_key(line) == " ".join(_WORD.findall(line.lower()))


def test_line_key_refuses_what_is_not_ascii() -> None:
    with pytest.raises(TypeError, match="ASCII"):
        speedups.ascii_line_key("caf\u00e9")


def test_errors_of_the_word_function_reach_the_caller() -> None:
    def broken(token: str) -> tuple[str, str, bool, bool, bool]:
        raise ValueError(token)

    with pytest.raises(ValueError, match="Varga"):
        compiled("Varga said", False, broken)
    with pytest.raises(TypeError, match="tuple of 5"):
        compiled("Varga said", False, lambda token: (token, token))
    with pytest.raises(TypeError, match="stem as a str"):
        compiled("Varga said", False, lambda token: (token, None, False, False, False))
    with pytest.raises(TypeError, match="str"):
        compiled(b"Varga", False, _word)
    with pytest.raises(TypeError, match="3 arguments"):
        compiled("Varga", False)
