"""Tests for dedup.terminal: the table and comparison for people, and the progress bars (Rich)."""

from __future__ import annotations

import io

from rich.console import Console

from dedup.records import Label, Verdict
from dedup.report import Heading, write_table
from dedup.terminal import StageProgress, marked_pair


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_a_bar_within_a_stage_and_a_line_as_it_ends() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    with StageProgress(console) as bar:
        bar.advance("verifying", 5, 10)
        bar.finished("verified 10 pairs")
        bar.finished("labelled 3 documents")
    text = out.getvalue()
    assert "dedup: verifying" in text and "5/10" in text
    assert "dedup: verified 10 pairs" in text and "dedup: labelled 3 documents" in text
    assert text.index("dedup: verified 10 pairs") < text.index("dedup: labelled 3 documents")


def test_marked_pair_brackets_the_runs_both_keep_off_a_terminal() -> None:
    a, b = marked_pair("The union wants a 14 percent pay rise over two years.",
                       "The union is demanding a 14 percent pay rise now.", styled=False)
    assert a.plain == "[The union] wants [a 14 percent pay rise] over two years."
    assert b.plain == "[The union] is demanding [a 14 percent pay rise] now."
    # Runs of stop words alone are not marked.
    assert "[" not in marked_pair("Then it was for the best.", "And it was for the crowd.", styled=False)[0].plain


def test_marked_pair_styles_instead_of_brackets_on_a_terminal() -> None:
    a, _ = marked_pair("The union wants a raise.", "The union wants nothing.", styled=True)
    assert a.plain == "The union wants a raise." and any("underline" in str(span.style) for span in a.spans)


def test_table_on_a_terminal_is_styled() -> None:
    out = Terminal()
    verdicts = [Verdict("w", "w", Label.ORIGINAL, None, None), Verdict("c", "w", Label.SYNDICATED, "w", 0.9, 0.9, 3)]
    write_table(verdicts, out, {"w": Heading("Port strike", "Meridian")}, width=80)
    assert "\x1b[" in out.getvalue() and "Port strike" in out.getvalue()
