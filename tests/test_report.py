"""Tests for dedup.report: the output contract in JSONL, CSV and table form, and atomic output."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from dedup.records import Alignment, Label, Match, Verdict
from dedup.report import (
    VERDICT_FIELDS,
    WRITERS,
    alignment_record,
    atomic_output,
    match_scores,
    render,
    write_csv,
    write_jsonl,
    write_table,
)

VERDICTS = [
    Verdict("wire", "wire", Label.ORIGINAL, None, None),
    Verdict("copy", "wire", Label.SYNDICATED, "wire", 0.9691, 0.9471, 11),
    Verdict("lonely", "lonely", Label.ORIGINAL, None, None),
    Verdict("rewrite", "wire", Label.REWRITE, "wire", 0.3196, 0.3196, 4),
]


def test_writers_registry() -> None:
    assert set(WRITERS) == {"table", "jsonl", "csv"}


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


def test_table_groups_clusters_originals_first() -> None:
    out = render(write_table, VERDICTS)
    lines = out.splitlines()
    assert lines[0].split() == ["id", "cluster", "label", "source", "score", "passages"]
    rows = [line.split() for line in lines[1:5]]
    assert rows == [
        ["wire", "wire", "original", "-", "-", "-"],
        ["copy", "wire", "syndicated", "wire", "0.969", "11"],
        ["rewrite", "wire", "rewrite", "wire", "0.320", "4"],
        ["lonely", "lonely", "original", "-", "-", "-"],
    ]
    # Columns are aligned: every row starts its "cluster" cell at the same offset.
    col = lines[0].index("cluster")
    assert all(line[col - 2 : col] == "  " for line in lines[1:5])
    assert lines[-1] == "4 documents, 1 cluster of shared origin, 1 unlinked"


def test_table_empty() -> None:
    assert render(write_table, []).splitlines()[-1] == "0 documents, 0 clusters of shared origin, 0 unlinked"


def test_match_scores_and_alignment_record() -> None:
    al = Alignment(2, 5, "A sentence.", "A sentence, reworded.", 0.876543, ("patient month", "got letter"))
    m = Match("a", "b", 0.123456, 0.5, 0.25, 0.75, 0.4, 0.3, 0.5, 0.2, True, (al,), verbatim_ab=0.66666)
    assert match_scores(m) == {
        "score": 0.5, "jaccard": 0.1235, "containment_ab": 0.5, "containment_ba": 0.25, "cosine": 0.75,
        "reuse_ab": 0.4, "reuse_ba": 0.3, "paraphrase_distance": 0.2, "verbatim_ab": 0.6667, "verbatim_ba": 0.0,
        "reused_passages": 1, "linked": True, "tail_only": False,
    }
    assert alignment_record(al) == {"a_index": 2, "b_index": 5, "score": 0.8765, "paraphrase_distance": 1.0,
                                    "a": "A sentence.",
                                    "b": "A sentence, reworded.", "shared_phrases": ["patient month", "got letter"]}


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
