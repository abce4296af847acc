"""Tests for dedup.normalize: folding, chrome detection, sentences, passages (boilerplate: test_boilerplate.py)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup.config import NormalizeConfig
from dedup.normalize import (
    body_lines,
    clean_text,
    is_chrome,
    passage_tokens,
    prepare,
    split_sentences,
    story_lines,
)
from dedup.pipeline import prepare_all
from dedup.records import Document

CONFIG = NormalizeConfig()


# --- clean_text -------------------------------------------------------------


def test_clean_text_folds_curly_quotes() -> None:
    assert clean_text("\u201cYes,\u201d she said, \u2018it\u2019s done\u2019.") == "\"Yes,\" she said, 'it's done'."


def test_clean_text_folds_guillemets_and_low_quotes() -> None:
    assert clean_text("\u00abNon\u00bb \u201eJa\u201c") == '"Non" "Ja"'


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"])
def test_clean_text_folds_dashes_to_hyphen(dash: str) -> None:
    assert clean_text(f"2019{dash}2020 talks") == "2019-2020 talks"


def test_clean_text_applies_nfkc() -> None:
    # Fullwidth letters, the "fi" ligature and a superscript digit are compatibility forms.
    assert clean_text("\uff21\uff22\uff23 \ufb01le x\u00b2") == "ABC file x2"


def test_clean_text_collapses_spaces_and_strips_lines() -> None:
    text = "  Port\t\tAldmere \u00a0 closed  \r\n\u2022 Second\u200b line \rthird"
    assert clean_text(text) == "Port Aldmere closed\nSecond line\nthird"


def test_clean_text_keeps_line_structure() -> None:
    assert clean_text("a\n\nb\n") == "a\n\nb\n"


def test_clean_text_removes_soft_hyphen_and_bom() -> None:
    assert clean_text("\ufeffdock\u00adworkers") == "dockworkers"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_characters="\u200b\ufeff\u00ad")))
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


# clean_text deletes U+200B, U+FEFF and U+00AD *after* NFKC, which can leave a base
# letter next to a combining mark that the next NFKC pass composes: not idempotent.
@settings(max_examples=300, deadline=None)
@given(st.text())
@example("e\u200b\u0301")
@example("a\u00ad\u0308")
def test_clean_text_is_idempotent_on_any_text(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(" \t\f\vab\n\u00a0"), max_size=40))
def test_clean_text_turns_every_run_of_spaces_and_tabs_into_one_space(text: str) -> None:
    import re

    expected = "\n".join(line.strip() for line in re.sub(r"[ \t\f\v]+", " ", text.replace("\u00a0", " ")).split("\n"))
    assert clean_text(text) == expected


# --- is_chrome --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Short Url",
        "Follow",
        "Follow us on Twitter",
        "Advertisement",
        "\u00a9 2024 Foo. All rights reserved.",
        "Copyright 2024 Foo Media",
        "Sign up for our newsletter",
        "Get the morning newsletter in your inbox",
        "Updated 06 August 2024",
        "Published 14 March 2025 10:02",
        "By Jane Doe",
        "Share this article",
        "Read more",
        "Reuters contributed to this report.",
        "Photo: Meridian News Agency",
        "Dockworkers gather outside the container terminal in Port Aldmere on Friday. (AFP)",
        "Trucks queue on the coastal highway near the port. (Meridian/Reuters)",
    ],
)
def test_is_chrome_on_page_furniture(line: str) -> None:
    assert is_chrome(clean_text(line))


@pytest.mark.parametrize(
    "line",
    [
        "Dockworkers walked off the job at Port Aldmere on Friday, halting cargo traffic.",
        "The union said about 4,200 of its members had joined the stoppage.",
        "Follow-up talks are planned for Saturday morning at the transport ministry.",
        "Shares of the shipping company fell 4 percent in early trading.",
        "Updates to the night-shift rules were never agreed, the union said.",
        '"We have been patient for eleven months," Varga said.',
        "The treaty was signed by the World Trade Organization (WTO).",
        "By midday at least 37 vessels were anchored, according to harbour pilots, waiting for a berth.",
    ],
)
def test_is_chrome_not_on_reporting(line: str) -> None:
    assert not is_chrome(line)


# Each of these is an ordinary news sentence that the chrome pattern swallows whole
# ("by ..." bylines, "published ..." dates, any line with "newsletter", "copyright ...").
@pytest.mark.parametrize(
    "line",
    [
        "By noon the port was empty.",
        "Published figures show exports fell 3 percent.",
        "The union newsletter urged members to stay out.",
        "Copyright lawyers said the ruling was unusual.",
    ],
)
def test_is_chrome_not_on_sentences_that_start_like_chrome(line: str) -> None:
    assert not is_chrome(line)


_CHROME_WORDS = st.sampled_from(
    ["All rights reserved", "all  RIGHTS reserved.", "(c) ", "\u00a9", "Copyright 2024", "copyright (c)", "Source:",
     "source \u00bb", "SOURCE>", "Reuters contributed to this report.", "contributed reporting to this report",
     "ſource:", "All rıghts reserved", "Foo", "2024", ".", "By"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHROME_WORDS, min_size=1, max_size=4).map(" ".join).map(str.strip))
def test_chrome_prefilter_never_hides_a_line_the_pattern_matches(line: str) -> None:
    from dedup.normalize import _CHROME_ALWAYS, _may_be_always_chrome

    assert _may_be_always_chrome(line) or not _CHROME_ALWAYS.match(line)


# --- split_sentences --------------------------------------------------------


def test_split_sentences_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Mr. Varga met Gen. Holt in Washington on Jan. 12 to discuss U.S. shipping rules. "
        "They spoke for an hour."
    )
    assert split_sentences(text) == [
        "Mr. Varga met Gen. Holt in Washington on Jan. 12 to discuss U.S. shipping rules.",
        "They spoke for an hour.",
    ]


def test_split_sentences_initials_do_not_end_sentences() -> None:
    assert split_sentences("The report by J. K. Lind was released. It ran to 40 pages.") == [
        "The report by J. K. Lind was released.",
        "It ran to 40 pages.",
    ]


def test_split_sentences_quotes() -> None:
    text = '"We will not back down," Varga said. "The port is ours." Talks resume on Monday.'
    assert split_sentences(text) == [
        '"We will not back down," Varga said.',
        '"The port is ours."',
        "Talks resume on Monday.",
    ]


def test_split_sentences_question_and_exclamation() -> None:
    assert split_sentences("Is it over? Nobody knows! Wait and see.") == ["Is it over?", "Nobody knows!", "Wait and see."]


def test_split_sentences_needs_capital_after_period() -> None:
    assert split_sentences("Prices rose 2.5 percent. shares fell.") == ["Prices rose 2.5 percent. shares fell."]


def test_split_sentences_empty() -> None:
    assert split_sentences("") == []
    assert split_sentences("   ") == []


def test_split_sentences_after_single_digit() -> None:
    assert split_sentences("The vote was 7 to 2. Lawmakers then left.") == [
        "The vote was 7 to 2.",
        "Lawmakers then left.",
    ]


# --- passage_tokens ----------------------------------------------------------


def test_passage_tokens_flags_names_and_numbers() -> None:
    stems, names, _, _ = passage_tokens("Union leader Tomas Varga said 4,200 workers joined on Friday.")
    assert stems == ("union", "leader", "toma", "varga", "4,200", "worker", "join", "friday")
    assert names == (False, False, True, True, True, False, False, True)


def test_passage_tokens_first_word_is_not_a_name_by_capital_alone() -> None:
    stems, names, _, _ = passage_tokens("Dockworkers walked out in 2019.")
    assert dict(zip(stems, names)) == {"dockwork": False, "walk": False, "2019": True}


def test_passage_tokens_flags_quoted_words_across_sentences() -> None:
    stems, _, quoted, inside = passage_tokens('Varga said "we stay out until the rules go.', False)
    assert [s for s, q in zip(stems, quoted) if q] == ["stay", "rule"]
    assert inside
    stems, _, quoted, inside = passage_tokens('Prices rise." Talks resume Monday.', True)
    assert dict(zip(stems, quoted)) == {"price": True, "rise": True, "talk": False, "resum": False, "monday": False}
    assert not inside


def test_passage_tokens_drops_stop_words() -> None:
    stems, names, _, _ = passage_tokens("It was the and of them, Mr. Varga said.")
    assert stems == ("varga",)
    assert names == (True,)


# --- prepare ------------------------------------------------------------------


def test_prepare_drops_chrome_and_repeated_lines() -> None:
    text = "\n".join(
        [
            "Dock strike shuts Port Aldmere",
            "Short Url",
            "Updated 14 March 2025",
            "Follow",
            "By Coastal Herald Staff",
            "",
            "Dockworkers walked off the job at Port Aldmere on Friday. The union said 4,200 members joined.",
            "Dock strike shuts Port Aldmere",
            "Advertisement",
            "Exporters warned that perishable shipments could spoil within days.",
            "\u00a9 2025 Coastal Herald. All rights reserved.",
        ]
    )
    p = prepare(Document("d", text), frozenset(), CONFIG)
    assert p.body.split("\n") == [
        "Dock strike shuts Port Aldmere",
        "Dockworkers walked off the job at Port Aldmere on Friday. The union said 4,200 members joined.",
        "Exporters warned that perishable shipments could spoil within days.",
    ]
    assert [x.text for x in p.passages] == [
        "Dock strike shuts Port Aldmere",
        "Dockworkers walked off the job at Port Aldmere on Friday.",
        "The union said 4,200 members joined.",
        "Exporters warned that perishable shipments could spoil within days.",
    ]
    assert [x.index for x in p.passages] == [0, 1, 2, 3]
    assert "url" not in p.words and "reserved" not in p.words
    assert p.id == "d"


def test_prepare_drops_short_sentences_from_passages_but_keeps_words() -> None:
    p = prepare(Document("d", "Strike ends. The union and the port authority signed a deal on Sunday."), frozenset(), CONFIG)
    assert [x.text for x in p.passages] == ["The union and the port authority signed a deal on Sunday."]
    assert p.words[:2] == ("strike", "ends")


def test_prepare_corpus_drops_corpus_boilerplate() -> None:
    docs = [
        Document(f"d{k}", f"Kestria Today live\nStory number {k} tells of the dock strike at Aldmere in detail.")
        for k in range(3)
    ]
    prepared = prepare_all(docs, CONFIG)
    for k, p in enumerate(prepared):
        assert p.body == f"Story number {k} tells of the dock strike at Aldmere in detail."


def test_body_lines_boilerplate_keys_are_case_and_punctuation_insensitive() -> None:
    assert body_lines("MOST READ!\nA real sentence about the port.", frozenset({"most read"})) == [
        "A real sentence about the port."
    ]


STRIKE = [
    "Dockworkers walked off the job at Port Aldmere on Friday, halting cargo traffic at the harbour.",
    "The union said about 4,200 of its members had joined the open-ended stoppage on the first day.",
    "The port authority said its final offer of 6 percent was generous given falling transit volumes.",
]


def test_story_lines_start_a_story_where_header_chrome_follows_an_article() -> None:
    other = "The National Library of Kestria reopened in the capital on Friday after a five-year restoration."
    text = "\n".join(["Updated 06 August 2024", "Follow", "Strike shuts port", *STRIKE,
                      "Library reopens", "Updated 9 sec ago", "Follow", other])
    assert story_lines(text, frozenset()) == [
        (0, "Strike shuts port"), *((0, line) for line in STRIKE), (1, "Library reopens"), (1, other)
    ]
    prepared = prepare(Document("d", text), frozenset(), CONFIG)
    assert [p.story for p in prepared.passages] == [0, 0, 0, 1]


def test_story_lines_header_chrome_after_a_lede_is_the_pages_own() -> None:
    text = "\n".join([STRIKE[0], "Updated 9 sec ago", "Follow", *STRIKE[1:]])
    assert {story for story, _ in story_lines(text, frozenset())} == {0}


def test_story_lines_one_story_without_repeated_header_chrome() -> None:
    text = "Updated 06 August 2024\nDockworkers walked off the job at Port Aldmere on Friday, halting cargo traffic.\n"
    assert {story for story, _ in story_lines(text + "Published in print on Monday.", frozenset())} == {0}


def test_stop_words_are_scikit_learns_english_list() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from dedup.normalize import _english_stop_words

    assert _english_stop_words() == ENGLISH_STOP_WORDS


def test_stop_words_fall_back_to_scikit_learns_public_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the data module cannot be found (another layout of scikit-learn), the public import serves."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from dedup import normalize

    monkeypatch.setattr(normalize.importlib.util, "find_spec", lambda name: None)
    assert normalize._english_stop_words() == ENGLISH_STOP_WORDS
