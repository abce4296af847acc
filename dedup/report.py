"""Writers for verdicts and matches: JSON Lines, CSV, a terminal table; atomic file output."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import IO, Any, Iterator

from dedup.records import Alignment, Match, Verdict

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


def alignment_record(a: Alignment) -> dict[str, Any]:
    """An aligned passage pair as JSON."""
    return {
        "a_index": a.a_index,
        "b_index": a.b_index,
        "score": round(a.score, 4),
        "paraphrase_distance": round(a.distance, 4),
        "a": a.a_text,
        "b": a.b_text,
        "shared_phrases": list(a.phrases),
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


def write_jsonl(verdicts: Sequence[Verdict], out: IO[str]) -> None:
    for v in verdicts:
        out.write(json.dumps(verdict_record(v), ensure_ascii=False) + "\n")


def write_csv(verdicts: Sequence[Verdict], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=VERDICT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for v in verdicts:
        record = verdict_record(v) | {"passage_links": " ".join(v.passage_links)}
        writer.writerow({k: "" if val is None else val for k, val in record.items()})


def write_table(verdicts: Sequence[Verdict], out: IO[str]) -> None:
    """Aligned columns, grouped by cluster (largest first), originals first within a cluster."""
    sizes: dict[str, int] = {}
    for v in verdicts:
        sizes[v.cluster] = sizes.get(v.cluster, 0) + 1
    rank = {"original": 0, "syndicated": 1, "rewrite": 2}
    rows = sorted(verdicts, key=lambda v: (-sizes[v.cluster], v.cluster, rank[v.label.value], v.id))
    header = ("id", "cluster", "label", "source", "score", "passages")
    cells = [header] + [
        (v.id, v.cluster, v.label.value, v.source or "-", "-" if v.score is None else f"{v.score:.3f}",
         str(v.passages) if v.source else "-")
        for v in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for r in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
    linked = sum(1 for n in sizes.values() if n > 1)
    alone = sum(1 for n in sizes.values() if n == 1)
    out.write(f"\n{_count(len(verdicts), 'document')}, {_count(linked, 'cluster')} of shared origin, "
              f"{alone} unlinked\n")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


WRITERS: dict[str, Callable[[Sequence[Verdict], IO[str]], None]] = {
    "table": write_table,
    "jsonl": write_jsonl,
    "csv": write_csv,
}


@contextmanager
def atomic_output(path: str | None, stdout: IO[str]) -> Iterator[IO[str]]:
    """Write to ``path`` through a temporary file renamed into place on success; stdout when None."""
    if path is None or path == "-":
        yield stdout
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".dedup-", suffix=".tmp", dir=directory)
    except OSError as err:
        raise OSError(err.errno, f"cannot write output ({err.strerror})", path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def render(writer: Callable[[Sequence[Verdict], IO[str]], None], verdicts: Sequence[Verdict]) -> str:
    """What a writer would write, as a string."""
    buffer = io.StringIO()
    writer(verdicts, buffer)
    return buffer.getvalue()
