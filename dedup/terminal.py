"""What a person reads: the verdict table, two documents' evidence side by side, progress bars (Rich).

On a terminal these are drawn with Rich's styles and the terminal's width;
written to a file or a pipe they are plain text (no escape codes), with reused
words marked by brackets instead of a style.
"""

from __future__ import annotations

import difflib
import io
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from dedup.normalize import stem_spans
from dedup.pipeline import Comparison
from dedup.records import Alignment, Verdict
from dedup.report import Heading, match_scores, paraphrase_distance, plural, shared_phrases

# Width of plain text written to a file or pipe (``COLUMNS`` overrides it).
PLAIN_WIDTH = 120
_OUTLET_WIDTH = 18
_MIN_TITLE = 12
# Spaces between two columns of the table.
_GAP = 2
_RANK = {"original": 0, "syndicated": 1, "rewrite": 2}
_STYLE = {"original": "bold", "syndicated": "cyan", "rewrite": "magenta"}
# Reused words: the runs of at least this many words, one of them a content word, both passages keep in order.
_MIN_RUN = 2
_TOKEN = re.compile(r"\S+")
_BARE = re.compile(r"[^\w]+")

LEGEND = (
    "score: how much of the document is found in its source (0-1); reuse: the share of it in passages reused "
    "from the source; syndicated: the source's sentences kept word for word; rewrite: reworded. "
    "dedup compare CORPUS ID ID shows the evidence."
)


@contextmanager
def drawing(out: IO[str], width: int | None = None) -> Iterator[Console]:
    """A Rich console for ``out``: styled at the terminal's width on a terminal; otherwise plain text,
    ``PLAIN_WIDTH`` wide (or ``COLUMNS``), its lines written without the spaces that pad them."""
    terminal = bool(getattr(out, "isatty", lambda: False)())
    options: dict[str, Any] = {"highlight": False, "markup": False, "emoji": False, "soft_wrap": False}
    if terminal:
        yield Console(file=out, width=width, force_terminal=True, **options)
        return
    buffer = io.StringIO()
    yield Console(file=buffer, width=width or int(os.environ.get("COLUMNS") or 0) or PLAIN_WIDTH,
                  force_terminal=False, no_color=True, **options)
    out.writelines(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def print_table(
    verdicts: Sequence[Verdict], out: IO[str], headings: Mapping[str, Heading], show_all: bool = False,
    width: int | None = None,
) -> None:
    """Clusters first (largest first), each original then its copies and rewrites, with title and outlet.

    Documents alone in their cluster are counted in one line unless ``show_all``.
    """
    with drawing(out, width) as console:
        _draw_table(console, verdicts, headings, show_all)


def _draw_table(console: Console, verdicts: Sequence[Verdict], headings: Mapping[str, Heading], show_all: bool) -> None:
    sizes: dict[str, int] = {}
    for v in verdicts:
        sizes[v.cluster] = sizes.get(v.cluster, 0) + 1
    rows = sorted(verdicts, key=lambda v: (sizes[v.cluster] == 1, -sizes[v.cluster], v.cluster,
                                           _RANK[v.label.value], v.id))
    shown = [v for v in rows if show_all or sizes[v.cluster] > 1]
    linked = sum(1 for n in sizes.values() if n > 1)
    alone = len(sizes) - linked
    if shown:
        console.print(_verdict_table(shown, sizes, headings, console.width))
    if alone and not show_all:
        console.print(f"{plural(alone, 'document')} alone (no shared origin found) not listed; --all lists them.")
    links = sorted({tuple(sorted((v.id, other))) for v in verdicts for other in v.passage_links})
    if links:
        console.print("Sharing text only through a story appended below one of the pages (passage links, "
                      "not clustered): " + ", ".join(f"{a} ~ {b}" for a, b in links))
    if shown:
        console.print(LEGEND, style="dim")
    console.print(f"{plural(len(verdicts), 'document')}, {plural(linked, 'cluster')} of shared origin, "
                  f"{alone} unlinked")


def _verdict_table(
    rows: Sequence[Verdict], sizes: Mapping[str, int], headings: Mapping[str, Heading], width: int
) -> Table:
    """The rows as a Rich table, one section per cluster; titles cut to what ``width`` leaves them.

    The outlet and title columns are left out when no document has one.
    """
    shown = [headings.get(v.id, Heading()) for v in rows]
    outlet_width = min(_OUTLET_WIDTH, max((len(h.outlet or "") for h in shown), default=0))
    others = [len(str(len(sizes))), len("syndicated"), len("score"), len("reuse"), max(len(v.id) for v in rows)]
    others += [max(outlet_width, len("outlet"))] if outlet_width else []
    title_width = max(_MIN_TITLE, width - sum(others) - _GAP * len(others))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True, header_style="bold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("label", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("reuse", justify="right", no_wrap=True)
    with_outlet = any(h.outlet for h in shown)
    with_title = any(h.title for h in shown)
    if with_outlet:
        table.add_column("outlet", no_wrap=True, overflow="ellipsis", max_width=_OUTLET_WIDTH)
    if with_title:
        table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=title_width)
    table.add_column("id", no_wrap=True, overflow="fold")
    number = 0
    for k, (v, heading) in enumerate(zip(rows, shown)):
        grouped = sizes[v.cluster] > 1
        first = k == 0 or rows[k - 1].cluster != v.cluster
        number += first and grouped
        last_of_group = grouped and (k == len(rows) - 1 or rows[k + 1].cluster != v.cluster)
        cells = [
            str(number) if first and grouped else "",
            Text(v.label.value, style=_STYLE[v.label.value]),
            "-" if v.score is None else f"{v.score:.2f}",
            "-" if v.reuse is None else f"{v.reuse:.2f}",
        ]
        cells += [heading.outlet or ""] if with_outlet else []
        cells += [heading.title or ""] if with_title else []
        table.add_row(*cells, v.id, end_section=last_of_group)
    return table


def print_comparison(c: Comparison, out: IO[str], width: int | None = None) -> None:
    """Two documents' scores explained, then their aligned passages side by side with the reused words marked."""
    with drawing(out, width) as console:
        _draw_comparison(console, c)


def _draw_comparison(console: Console, c: Comparison) -> None:
    m = c.match
    for side, doc in (("A", c.a), ("B", c.b)):
        about = " - ".join(x for x in (doc.outlet, doc.title) if x)
        console.print(Text.assemble((f"{side}  ", "bold"), (doc.id, "bold"), f"  {about}" if about else ""),
                      no_wrap=True, overflow="ellipsis")
    console.print()
    if c.derived is None:
        verdict = "independent: neither derives from the other (not linked)"
    else:
        verdict = f"{c.label}: {c.derived} is {'a syndicated copy' if c.label == 'syndicated' else 'a rewrite'} of {c.original}"
    console.print(Text(verdict, style=_STYLE.get(c.label, "bold")))
    s = match_scores(m)
    scores = Table(box=None, show_header=False, pad_edge=False)
    for _ in range(4):
        scores.add_column(no_wrap=True)
    scores.add_column(style="dim")
    scores.add_row("score", f"{s['score']:.2f}", "", "", "the larger of containment and reuse")
    scores.add_row("containment", f"A in B {s['containment_ab']:.2f}", f"B in A {s['containment_ba']:.2f}", "",
                   "word 5-grams of one found in the other")
    scores.add_row("reuse", f"A {s['reuse_ab']:.2f}", f"B {s['reuse_ba']:.2f}", "",
                   "content in passages reused from the other")
    scores.add_row("verbatim", f"A {s['verbatim_ab']:.2f}", f"B {s['verbatim_ba']:.2f}", "",
                   "aligned content the other keeps word for word")
    scores.add_row("jaccard", f"{s['jaccard']:.2f}", "cosine", f"{s['cosine']:.2f}",
                   "5-gram overlap; TF-IDF similarity of the texts")
    scores.add_row("paraphrase", f"{s['paraphrase_distance']:.2f}", "passages", str(s["reused_passages"]),
                   "rewording of the reused passages (0: copied)")
    if m.tail_only:
        scores.add_row("tail only", "yes", "", "", "shared text only in a story appended below one page")
    console.print(scores)
    if m.alignments:
        console.print()
        console.print(_alignment_table(m.alignments, console.is_terminal))
        console.print("Marked: runs of words both passages keep in the same order"
                      + ("." if console.is_terminal else ", in [brackets]."), style="dim")
    elif m.reused:
        console.print(f"{plural(m.reused, 'reused passage')} (texts not kept by this run)")
    else:
        console.print("No reused passages.")


def _alignment_table(alignments: Sequence[Alignment], styled: bool) -> Table:
    """The aligned passages side by side, with their paraphrase distance and shared phrases in each side's words."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("A", ratio=1)
    table.add_column("B", ratio=1)
    table.add_column("distance", justify="right", no_wrap=True)
    for al in alignments:
        a_marked, b_marked = marked_pair(al.a_text, al.b_text, styled)
        phrases = shared_phrases(al)
        if phrases:
            a_marked.append("\nshared: " + ", ".join(f'"{words}"' for words, _ in phrases), style="dim")
            b_marked.append("\nshared: " + ", ".join(f'"{words}"' for _, words in phrases), style="dim")
        table.add_row(a_marked, b_marked, f"{paraphrase_distance(al):.2f}", end_section=True)
    return table


def marked_pair(a: str, b: str, styled: bool) -> tuple[Text, Text]:
    """Both passages with the runs of words they share, in order, marked: a style on a terminal, else brackets."""
    a_words, b_words = [_TOKEN.findall(x) for x in (a, b)]
    matcher = difflib.SequenceMatcher(None, [_bare(w) for w in a_words], [_bare(w) for w in b_words],
                                      autojunk=False)
    runs = [
        block for block in matcher.get_matching_blocks()
        if block.size >= _MIN_RUN and stem_spans(" ".join(a_words[block.a : block.a + block.size]))
    ]
    return (_marked(a_words, [(r.a, r.size) for r in runs], styled),
            _marked(b_words, [(r.b, r.size) for r in runs], styled))


def _bare(word: str) -> str:
    return _BARE.sub("", word.lower()) or word


def _marked(words: Sequence[str], runs: Sequence[tuple[int, int]], styled: bool) -> Text:
    text = Text()
    starts = dict(runs)
    k = 0
    while k < len(words):
        if k in starts:
            run = " ".join(words[k : k + starts[k]])
            text.append(run, style="bold underline") if styled else text.append(f"[{run}]")
            k += starts[k]
        else:
            text.append(words[k])
            k += 1
        if k < len(words):
            text.append(" ")
    return text


class StageProgress:
    """Progress of a run on a terminal's stderr: a Rich bar within a long stage, a line as each stage ends.

    Redrawn only when told (no refresh thread), so that worker processes
    forked meanwhile inherit no drawing thread.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.progress = Progress(
            TextColumn("dedup: {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console or Console(stderr=True), auto_refresh=False, transient=True,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> StageProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def advance(self, stage: str, done: int, total: int) -> None:
        """Move the bar of ``stage`` to ``done`` of ``total``."""
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)
        self.progress.refresh()

    def finished(self, summary: str) -> None:
        """A stage has ended: drop its bar and print its line."""
        for task in self.tasks.values():
            self.progress.remove_task(task)
        self.tasks.clear()
        self.progress.refresh()
        self.progress.console.print(f"dedup: {summary}", markup=False, highlight=False)
