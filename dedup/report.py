"""Writers for verdicts and matches: JSON Lines, JSON, CSV, Parquet, a table for people; atomic file output.

``WRITERS`` maps a format name to a writer; ``output_format`` picks one from
``-o``'s extension. The table and the text form of a comparison are drawn by
``dedup.terminal`` (Rich), imported only when they are asked for.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Iterator

from dedup.errors import InputError
from dedup.normalize import stem_spans
from dedup.pipeline import Comparison
from dedup.records import Alignment, Document, Match, Verdict

VERDICT_FIELDS = ("id", "cluster", "label", "source", "score", "reuse", "passages", "passage_links")


def verdict_record(v: Verdict) -> dict[str, Any]:
    """A verdict as the JSON object of the output contract."""
    return {
        "id": v.id,
        "cluster": v.cluster,
        "label": v.label.value,
        "source": v.source,
        "score": v.score,
        "reuse": v.reuse,
        "passages": v.passages,
        "passage_links": list(v.passage_links),
    }


def paraphrase_distance(al: Alignment) -> float:
    """How far apart the two passages of an alignment are worded, as shown (``Alignment.distance``; 0: a copy)."""
    return round(al.distance, 4)


def phrase_words(text: str, phrase: str) -> str:
    """A shared phrase ("stem stem") as the words of ``text`` that carry it, e.g. "Iranian officials".

    The stems themselves when ``text`` does not hold them side by side.
    """
    first, _, second = phrase.partition(" ")
    spans = stem_spans(text)
    for (stem_a, start, _), (stem_b, _, end) in zip(spans, spans[1:]):
        if stem_a == first and stem_b == second:
            return text[start:end]
    return phrase


def shared_phrases(al: Alignment) -> list[tuple[str, str]]:
    """The rare phrases of an alignment in the words of each side: (A's words, B's words)."""
    return [(phrase_words(al.a_text, p), phrase_words(al.b_text, p)) for p in al.phrases]


def alignment_record(a: Alignment) -> dict[str, Any]:
    """An aligned passage pair as JSON; its shared phrases in A's words."""
    return {
        "a_index": a.a_index,
        "b_index": a.b_index,
        "score": round(a.score, 4),
        "paraphrase_distance": paraphrase_distance(a),
        "a": a.a_text,
        "b": a.b_text,
        "shared_phrases": [words for words, _ in shared_phrases(a)],
    }


def match_scores(m: Match) -> dict[str, Any]:
    """The component scores of a match, rounded for reading."""
    return {
        "score": round(m.score, 4),
        "jaccard": round(m.jaccard, 4),
        "containment_ab": round(m.containment_ab, 4),
        "containment_ba": round(m.containment_ba, 4),
        "cosine": round(m.cosine, 4),
        "reuse_ab": round(m.reuse_ab, 4),
        "reuse_ba": round(m.reuse_ba, 4),
        "paraphrase_distance": round(m.paraphrase_distance, 4),
        "verbatim_ab": round(m.verbatim_ab, 4),
        "verbatim_ba": round(m.verbatim_ba, 4),
        "reused_passages": m.reused,
        "linked": m.linked,
        "tail_only": m.tail_only,
    }


def comparison_record(c: Comparison) -> dict[str, Any]:
    """A comparison as JSON: the ids, who derives from whom (label ``independent`` when neither), scores, evidence."""
    return {
        "a": c.a.id,
        "b": c.b.id,
        "verdict": {"label": c.label, "original": c.original, "derived": c.derived},
        "scores": match_scores(c.match),
        "alignments": [alignment_record(a) for a in c.match.alignments],
    }


def pair_record(c: Comparison, pair_id: str | None = None) -> dict[str, Any]:
    """One line of ``compare CORPUS --pairs``: the pair, its label and its scores."""
    head = {"id": pair_id} if pair_id is not None else {}
    return head | {"a": c.a.id, "b": c.b.id, "label": c.label, "original": c.original} | match_scores(c.match)


def write_comparison(fmt: str, c: Comparison, out: IO[str]) -> None:
    """A comparison as indented JSON, or as text for people (``dedup.terminal``)."""
    if fmt == "json":
        out.write(json.dumps(comparison_record(c), indent=2, ensure_ascii=False) + "\n")
        return
    from dedup.terminal import print_comparison

    print_comparison(c, out)


def plural(n: int, noun: str) -> str:
    """``1 cluster``, ``2 clusters``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def write_jsonl(verdicts: Sequence[Verdict], out: IO[str]) -> None:
    for v in verdicts:
        out.write(json.dumps(verdict_record(v), ensure_ascii=False) + "\n")


def write_json(verdicts: Sequence[Verdict], out: IO[str]) -> None:
    """One JSON array of the verdict objects, one object a line."""
    out.write("[\n")
    for k, v in enumerate(verdicts):
        out.write(("," if k else "") + json.dumps(verdict_record(v), ensure_ascii=False) + "\n")
    out.write("]\n")


def write_csv(verdicts: Sequence[Verdict], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=VERDICT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for v in verdicts:
        record = verdict_record(v) | {"passage_links": " ".join(v.passage_links)}
        writer.writerow({k: "" if val is None else val for k, val in record.items()})


def write_parquet(verdicts: Sequence[Verdict], out: IO[bytes]) -> None:
    """A Parquet table of the verdict fields (``passage_links`` a list of strings); needs pyarrow."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([
        ("id", pa.string()), ("cluster", pa.string()), ("label", pa.string()), ("source", pa.string()),
        ("score", pa.float64()), ("reuse", pa.float64()), ("passages", pa.int64()),
        ("passage_links", pa.list_(pa.string())),
    ])
    pq.write_table(pa.Table.from_pylist([verdict_record(v) for v in verdicts], schema=schema), out)


@dataclass(frozen=True, slots=True)
class Heading:
    """What the table shows of a document besides its verdict."""

    title: str | None = None
    outlet: str | None = None


def noting_headings(docs: Iterable[Document], into: dict[str, Heading]) -> Iterator[Document]:
    """The documents unchanged, noting the title and outlet of each in ``into`` as they pass (for the table)."""
    for d in docs:
        into[d.id] = Heading(d.title, d.outlet)
        yield d


def write_table(
    verdicts: Sequence[Verdict], out: IO[str], headings: Mapping[str, Heading] | None = None,
    show_all: bool = False, width: int | None = None,
) -> None:
    """A page for people: clusters first with title, outlet, label and score; singletons in one line unless ``show_all``."""
    from dedup.terminal import print_table

    print_table(verdicts, out, headings or {}, show_all, width)


def write_verdicts(
    fmt: str, verdicts: Sequence[Verdict], out: IO[Any], headings: Mapping[str, Heading] | None = None,
    show_all: bool = False,
) -> None:
    """Write the verdicts in ``fmt``; the table also shows titles and outlets and, with ``show_all``, every document."""
    if fmt == "table":
        write_table(verdicts, out, headings, show_all)
    else:
        WRITERS[fmt](verdicts, out)


Writer = Callable[..., None]

WRITERS: dict[str, Writer] = {
    "table": write_table,
    "jsonl": write_jsonl,
    "json": write_json,
    "csv": write_csv,
    "parquet": write_parquet,
}
# Formats written as bytes, not text.
BINARY = frozenset({"parquet"})
# The format an output file's name asks for.
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


def output_format(
    fmt: str | None, output: str | None, default: str = "table", formats: Iterable[str] = tuple(WRITERS)
) -> tuple[str, str | None]:
    """The format to write and, when it was taken from ``output``'s extension, a note saying so.

    An explicit ``fmt`` wins; otherwise ``-o verdicts.csv`` writes CSV, and a
    name with no extension of one of ``formats`` (or standard output) gets ``default``.
    """
    if fmt is not None:
        return fmt, None
    extension = os.path.splitext(output or "")[1].lower()
    if output in (None, "-") or EXTENSIONS.get(extension) not in set(formats):
        return default, None
    inferred = EXTENSIONS[extension]
    return inferred, f"writing {inferred} (from the name {os.path.basename(output)}; --format to choose another)"


def check_output(fmt: str, output: str | None) -> None:
    """Refuse, before any work, output that cannot be written: into a missing directory, Parquet without pyarrow or a file."""
    if output not in (None, "-") and not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        raise InputError(output, "cannot write output: its directory does not exist")
    if fmt in BINARY and output in (None, "-"):
        raise InputError("-", f"{fmt} output is binary: give a file with -o (for example -o verdicts.{fmt})")
    if fmt == "parquet":
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise InputError(output or "-", "writing Parquet needs pyarrow: pip install -e '.[parquet]'") from None


def _umask() -> int:
    """The process' file mode creation mask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: str | None, stdout: IO[str], binary: bool = False) -> Iterator[IO[Any]]:
    """Write to ``path`` through a temporary file renamed into place on success; stdout when None.

    The file gets the mode any new file gets under the user's umask (an
    existing file keeps its own), not the private mode of a temporary file.
    """
    if path is None or path == "-":
        yield stdout.buffer if binary else stdout
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".dedup-", suffix=".tmp", dir=directory)
    except OSError as err:
        raise OSError(err.errno, f"cannot write output ({err.strerror})", path) from None
    try:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def render(writer: Writer, verdicts: Sequence[Verdict], **options: Any) -> str:
    """What a writer would write, as a string."""
    buffer = io.StringIO()
    writer(verdicts, buffer, **options)
    return buffer.getvalue()
