"""Tests for dedup.report: the output contract in JSONL, CSV and table form, and atomic output."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest

from dedup.records import Alignment, Label, Match, Verdict
from dedup.report import (
    VERDICT_FIELDS,
    WRITERS,
    Heading,
    alignment_record,
    atomic_output,
    match_scores,
    output_format,
    paraphrase_distance,
    phrase_words,
    render,
    shared_phrases,
    verdict_record,
    write_csv,
    write_json,
    write_jsonl,
    write_parquet,
    write_table,
)

VERDICTS = [
    Verdict("wire", "wire", Label.ORIGINAL, None, None),
    Verdict("copy", "wire", Label.SYNDICATED, "wire", 0.9691, 0.9471, 11),
    Verdict("lonely", "lonely", Label.ORIGINAL, None, None),
    Verdict("rewrite", "wire", Label.REWRITE, "wire", 0.3196, 0.3196, 4),
]


def test_writers_registry() -> None:
    assert set(WRITERS) == {"table", "jsonl", "json", "csv", "parquet"}


def test_jsonl_fields_and_values() -> None:
    lines = render(write_jsonl, VERDICTS).splitlines()
    records = [json.loads(line) for line in lines]
    assert [tuple(r) for r in records] == [VERDICT_FIELDS] * 4
    assert records[0] == {"id": "wire", "cluster": "wire", "label": "original", "source": None,
                          "score": None, "reuse": None, "passages": 0, "passage_links": []}
    assert records[1] == {"id": "copy", "cluster": "wire", "label": "syndicated", "source": "wire",
                          "score": 0.9691, "reuse": 0.9471, "passages": 11, "passage_links": []}
    assert records[3]["label"] == "rewrite"


def test_jsonl_keeps_unicode() -> None:
    out = render(write_jsonl, [Verdict("käse-ü", "käse-ü", Label.ORIGINAL, None, None)])
    assert "käse-ü" in out
    assert json.loads(out)["id"] == "käse-ü"


def test_csv_header_and_empty_cells_for_none() -> None:
    out = render(write_csv, VERDICTS)
    assert out.splitlines()[0] == ",".join(VERDICT_FIELDS)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0] == {"id": "wire", "cluster": "wire", "label": "original", "source": "", "score": "",
                       "reuse": "", "passages": "0", "passage_links": ""}
    assert rows[1] == {"id": "copy", "cluster": "wire", "label": "syndicated", "source": "wire",
                       "score": "0.9691", "reuse": "0.9471", "passages": "11", "passage_links": ""}
    assert len(rows) == 4


def test_csv_quotes_ids_with_commas() -> None:
    out = render(write_csv, [Verdict("a,b", "a,b", Label.ORIGINAL, None, None)])
    assert next(csv.DictReader(io.StringIO(out)))["id"] == "a,b"


HEADINGS = {"wire": Heading("Port strike halts cargo", "Meridian"), "copy": Heading("Port strike", "Herald"),
            "rewrite": Heading("Ships stranded as dockers strike", "Gazette"), "lonely": Heading("Library", "Post")}


def test_table_groups_clusters_originals_first() -> None:
    out = render(write_table, VERDICTS, headings=HEADINGS)
    lines = out.splitlines()
    assert lines[0].split() == ["#", "label", "score", "reuse", "outlet", "title", "id"]
    rows = [line.split() for line in lines[2:5]]
    assert rows == [
        ["1", "original", "-", "-", "Meridian", "Port", "strike", "halts", "cargo", "wire"],
        ["syndicated", "0.97", "0.95", "Herald", "Port", "strike", "copy"],
        ["rewrite", "0.32", "0.32", "Gazette", "Ships", "stranded", "as", "dockers", "strike", "rewrite"],
    ]
    # Columns are aligned: every row starts its "title" cell at the same offset.
    col = lines[0].index("title")
    assert all(line[col - 2 : col] == "  " and line[col] != " " for line in lines[2:5])
    # The document alone is counted, not listed, unless asked for.
    assert "lonely" not in out and "1 document alone (no shared origin found) not listed; --all lists them." in lines
    assert lines[-1] == "4 documents, 1 cluster of shared origin, 1 unlinked"
    listed = render(write_table, VERDICTS, headings=HEADINGS, show_all=True).splitlines()
    assert listed[-1] == lines[-1] and [line.split()[-1] for line in listed if "lonely" in line] == ["lonely"]


def test_table_cuts_titles_to_the_width_and_keeps_ids_whole() -> None:
    long = {"wire": Heading("A very long headline " * 8, "Meridian")}
    lines = render(write_table, VERDICTS, headings=long, width=70).splitlines()
    assert max(len(line) for line in lines) <= 70
    row = next(line for line in lines if line.endswith(" wire"))
    assert "A very long headline" in row and "…" in row


def test_table_leaves_out_columns_nobody_has_and_shows_passage_links() -> None:
    verdicts = VERDICTS[:2] + [Verdict("page", "page", Label.ORIGINAL, None, None, passage_links=("wire",))]
    out = render(write_table, verdicts)
    assert out.splitlines()[0].split() == ["#", "label", "score", "reuse", "id"]
    assert "(passage links, not clustered): page ~ wire" in " ".join(out.split())


def test_table_empty() -> None:
    assert render(write_table, []).splitlines() == ["0 documents, 0 clusters of shared origin, 0 unlinked"]


def test_json_is_one_array_of_the_jsonl_records() -> None:
    assert json.loads(render(write_json, VERDICTS)) == [json.loads(x) for x in render(write_jsonl, VERDICTS).splitlines()]
    assert json.loads(render(write_json, [])) == []


def test_parquet_holds_the_verdict_fields(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "v.parquet"
    with path.open("wb") as fh:
        write_parquet(VERDICTS, fh)
    table = pq.read_table(path)
    assert tuple(table.column_names) == VERDICT_FIELDS
    assert table.to_pylist() == [verdict_record(v) for v in VERDICTS]


@pytest.mark.parametrize(("name", "expected"), [
    ("out.csv", "csv"), ("out.JSONL", "jsonl"), ("out.json", "json"), ("out.parquet", "parquet"), ("out.txt", "table"),
    ("out", "table"), (None, "table"), ("-", "table"),
])
def test_output_format_from_the_extension(name: str | None, expected: str) -> None:
    fmt, note = output_format(None, name)
    assert fmt == expected
    assert (note is not None) == (expected != "table")
    assert output_format("jsonl", name) == ("jsonl", None)
    assert output_format(None, "x.csv", "text", ("text", "json")) == ("text", None)


def test_shared_phrases_in_the_words_of_each_side() -> None:
    al = Alignment(0, 0, "Iranian officials said the talks had failed.", "The Iranian official said talks failed.",
                   0.8, ("iranian offici", "talk fail"))
    assert shared_phrases(al) == [("Iranian officials", "Iranian official"), ("talks had failed", "talks failed")]
    assert phrase_words("Nothing here.", "iranian offici") == "iranian offici"


def test_match_scores_and_alignment_record() -> None:
    al = Alignment(2, 5, "A sentence.", "A sentence, reworded.", 0.876543, ("patient month", "got letter"), 0.12346)
    m = Match("a", "b", 0.123456, 0.5, 0.25, 0.75, 0.4, 0.3, 0.5, 0.2, True, (al,), verbatim_ab=0.66666)
    assert paraphrase_distance(al) == 0.1235
    assert match_scores(m) == {
        "score": 0.5, "jaccard": 0.1235, "containment_ab": 0.5, "containment_ba": 0.25, "cosine": 0.75,
        "reuse_ab": 0.4, "reuse_ba": 0.3, "paraphrase_distance": 0.2, "verbatim_ab": 0.6667, "verbatim_ba": 0.0,
        "reused_passages": 1, "linked": True, "tail_only": False,
    }
    assert alignment_record(al) == {"a_index": 2, "b_index": 5, "score": 0.8765, "paraphrase_distance": 0.1235,
                                    "a": "A sentence.", "b": "A sentence, reworded.",
                                    "shared_phrases": ["patient month", "got letter"]}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".dedup-"))


def test_atomic_output_writes_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with atomic_output(str(target), io.StringIO()) as fh:
        write_jsonl(VERDICTS, fh)
        assert not target.exists()  # nothing visible until the block ends
    assert [json.loads(x)["id"] for x in target.read_text(encoding="utf-8").splitlines()] == [
        "wire", "copy", "lonely", "rewrite"]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_output_file_gets_the_mode_of_a_new_file_under_the_umask(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "out.csv"
    old = os.umask(umask)
    try:
        with atomic_output(str(target), io.StringIO()) as fh:
            fh.write("x\n")
        plain = tmp_path / "plain.txt"
        plain.write_text("x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == 0o666 & ~umask


def test_atomic_output_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    with atomic_output(str(target), io.StringIO()) as fh:
        fh.write("new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "new\n"


def test_atomic_output_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old contents\n", encoding="utf-8")
    with atomic_output(str(target), io.StringIO()) as fh:
        fh.write("new contents\n")
    assert target.read_text(encoding="utf-8") == "new contents\n"
    assert leftovers(tmp_path) == []


def test_atomic_output_leaves_no_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_output(str(target), io.StringIO()) as fh:
            fh.write("partial\n")
            raise RuntimeError("boom")
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_atomic_output_keeps_old_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("previous run\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with atomic_output(str(target), io.StringIO()) as fh:
            fh.write("partial\n")
            raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "previous run\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("path", [None, "-"])
def test_atomic_output_stdout(path: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    stdout = io.StringIO()
    with atomic_output(path, stdout) as fh:
        fh.write("to stdout\n")
    assert stdout.getvalue() == "to stdout\n"
    assert os.listdir(tmp_path) == []
