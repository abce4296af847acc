"""Tests for the ``dedup`` command (click's CliRunner; stderr is captured separately)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import COPY, INDEPENDENT, NEWS_CORPUS, REWRITE, UNRELATED, WIRE

from dedup.cli import StageBar, main, stage_times
from dedup.records import Document

EXPECTED = {
    WIRE: ("original", None),
    COPY: ("syndicated", WIRE),
    REWRITE: ("rewrite", WIRE),
    INDEPENDENT: ("original", None),
    UNRELATED: ("original", None),
}


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def assert_input_error(result: Result, *fragments: str) -> None:
    """Exit 2, exactly one line on stderr naming the problem, no traceback, nothing on stdout."""
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    err = result.stderr
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("dedup: error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in err
    assert result.stdout == ""


def write_txt(directory: Path, doc: Document) -> str:
    path = directory / f"{doc.id}.txt"
    path.write_text(doc.text, encoding="utf-8")
    return str(path)


# --- cluster -------------------------------------------------------------------


def test_cluster_jsonl(tmp_path: Path) -> None:
    result = run("cluster", str(NEWS_CORPUS), "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == list(EXPECTED)
    assert {r["id"]: (r["label"], r["source"]) for r in records} == EXPECTED
    assert {r["id"]: r["cluster"] for r in records}[REWRITE] == WIRE
    # The summary line on stderr (candidate counts depend on LSH; links and clusters do not),
    # then the seconds of the whole run and of each stage, which add up to it.
    assert result.stderr.startswith("dedup: 5 documents, ") and result.stderr.count("\n") == 1
    summary, times = result.stderr.rstrip("\n").split("; ")
    assert summary.endswith(", 3 links, 1 clusters")
    total, stages = times.split(" s: ")
    named = [re.fullmatch(r"(\w+) (\d+\.\d\d)", item) for item in stages.split(", ")]
    assert all(named), stages
    assert [m.group(1) for m in named if m] == ["prepare", "candidates", "verify", "label"]
    assert float(total) == pytest.approx(sum(float(m.group(2)) for m in named if m), abs=0.03)


def test_cluster_csv() -> None:
    result = run("cluster", str(NEWS_CORPUS), "--format", "csv", "-q")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["id", "cluster", "label", "source", "score", "reuse", "passages", "passage_links"]
    assert {r["id"]: (r["label"], r["source"] or None) for r in rows} == EXPECTED
    assert result.stderr == ""  # --quiet


def test_cluster_table_is_default() -> None:
    result = run("cluster", str(NEWS_CORPUS))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == run("cluster", str(NEWS_CORPUS), "--format", "table").stdout
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "cluster", "label"]
    rows = {line.split()[0]: line.split() for line in lines[1:6]}
    assert rows[COPY][1:4] == [WIRE, "syndicated", WIRE]
    assert rows[REWRITE][1:4] == [WIRE, "rewrite", WIRE]
    assert rows[WIRE][1:4] == [WIRE, "original", "-"]
    assert lines[-1] == "5 documents, 1 cluster of shared origin, 2 unlinked"


def test_cluster_rejects_unknown_format() -> None:
    result = run("cluster", str(NEWS_CORPUS), "--format", "xml")
    assert result.exit_code == 2
    assert "xml" in result.stderr and result.stdout == ""


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_cluster_output_file(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"verdicts.{fmt}"
    result = run("cluster", str(NEWS_CORPUS), "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == run("cluster", str(NEWS_CORPUS), "--format", fmt).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_cluster_stdin() -> None:
    result = run("cluster", "-", "--format", "jsonl", input=NEWS_CORPUS.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.stderr
    assert {json.loads(x)["id"]: json.loads(x)["label"] for x in result.stdout.splitlines()} == {
        k: v[0] for k, v in EXPECTED.items()}


def test_cluster_warns_about_empty_texts(tmp_path: Path) -> None:
    corpus = tmp_path / "with-empty.jsonl"
    corpus.write_text(NEWS_CORPUS.read_text(encoding="utf-8") + json.dumps({"id": "blank", "text": " "}) + "\n",
                      encoding="utf-8")
    result = run("cluster", str(corpus), "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert "dedup: warning: blank: empty text, left out of clustering" in result.stderr
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == list(EXPECTED)


def test_cluster_all_empty_texts_does_not_crash(tmp_path: Path) -> None:
    corpus = tmp_path / "empty.jsonl"
    corpus.write_text('{"id": "a", "text": ""}\n{"id": "b", "text": "  "}\n', encoding="utf-8")
    result = run("cluster", str(corpus), "--format", "jsonl")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 0
    assert result.stdout == ""


# --- bad input -------------------------------------------------------------------


BAD_LINE = '{"id": "broken", "text": "no closing brace"\n'


def test_malformed_json_line(tmp_path: Path) -> None:
    lines = NEWS_CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(lines[:2]) + BAD_LINE + "".join(lines[2:]), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("cluster", str(bad), "--format", "jsonl", "-o", str(out))
    assert_input_error(result, f"{bad}:3:", "malformed JSON")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.jsonl"]


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    out = tmp_path / "out.jsonl"
    result = run("cluster", str(missing), "-o", str(out))
    assert_input_error(result, str(missing), "no such file")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_duplicate_id(tmp_path: Path) -> None:
    first = NEWS_CORPUS.read_text(encoding="utf-8").splitlines()[0]
    dup = tmp_path / "dup.jsonl"
    dup.write_text(NEWS_CORPUS.read_text(encoding="utf-8") + first + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run("cluster", str(dup), "--format", "csv", "-o", str(out))
    assert_input_error(result, f"{dup}:6:", "duplicate id", WIRE, f"{dup}:1")
    assert not out.exists()


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    other = tmp_path / "more.jsonl"
    other.write_text(json.dumps({"id": COPY, "text": "Another text entirely about fishing."}) + "\n", encoding="utf-8")
    result = run("cluster", str(NEWS_CORPUS), str(other))
    assert_input_error(result, f"{other}:1:", "duplicate id", COPY)


def test_bad_input_keeps_existing_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(BAD_LINE, encoding="utf-8")
    result = run("cluster", str(bad), "-o", str(out))
    assert_input_error(result, f"{bad}:1:")
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "out.jsonl"]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_cluster_reads_a_corpus_in_another_encoding_alike(tmp_path: Path, encoding: str) -> None:
    records = [json.loads(line) for line in NEWS_CORPUS.read_text(encoding="utf-8").splitlines()]
    text = "".join(json.dumps(r, ensure_ascii=False).replace("Aldmere", "Aldmère") + "\n" for r in records)
    utf8 = tmp_path / "utf8.jsonl"
    utf8.write_text(text, encoding="utf-8")
    other = tmp_path / "other.jsonl"
    other.write_bytes(text.encode(encoding))
    expected = run("cluster", str(utf8), "--format", "jsonl", "-q")
    result = run("cluster", str(other), "--format", "jsonl", "-q")
    assert result.exit_code == 0, result.stderr
    assert "Aldmère" in text and result.stdout == expected.stdout
    assert {json.loads(line)["id"]: json.loads(line)["label"] for line in result.stdout.splitlines()}[COPY] == "syndicated"


def test_undecodable_file_is_one_line_error(tmp_path: Path) -> None:
    path = Path(__file__).parent / "fixtures" / "readers" / "cp1251.jsonl"
    out = tmp_path / "out.jsonl"
    result = run("cluster", str(path), "-o", str(out))
    assert_input_error(result, f"{path}:2:", "not UTF-8", "re-save it as UTF-8")
    assert not out.exists()


def test_output_into_a_missing_directory_fails_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "out.jsonl"
    result = run("cluster", str(tmp_path / "no-such-input.jsonl"), "-o", str(out))
    assert_input_error(result, str(out), "cannot write output: its directory does not exist")
    assert list(tmp_path.iterdir()) == []


# --- compare ---------------------------------------------------------------------


def test_compare_two_files(tmp_path: Path, news_by_id: dict[str, Document]) -> None:
    a = write_txt(tmp_path, news_by_id[REWRITE])
    b = write_txt(tmp_path, news_by_id[WIRE])
    result = run("compare", a, b)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["a"], report["b"]) == (REWRITE, WIRE)
    assert report["verdict"] == {"label": "rewrite", "original": WIRE, "derived": REWRITE}
    assert report["scores"]["linked"] is True
    assert report["scores"]["reused_passages"] == len(report["alignments"]) >= 2
    for al in report["alignments"]:
        assert set(al) == {"a_index", "b_index", "score", "a", "b", "shared_phrases"}
        assert 0.0 < al["score"] <= 1.0
    assert any("37 vessels" in al["a"] and "37 vessels" in al["b"] for al in report["alignments"])


def test_compare_copy_is_syndicated(tmp_path: Path, news_by_id: dict[str, Document]) -> None:
    result = run("compare", write_txt(tmp_path, news_by_id[COPY]), write_txt(tmp_path, news_by_id[WIRE]))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["verdict"]["label"] == "syndicated"


def test_compare_independent(tmp_path: Path, news_by_id: dict[str, Document]) -> None:
    a = write_txt(tmp_path, news_by_id[WIRE])
    b = write_txt(tmp_path, news_by_id[UNRELATED])
    report = json.loads(run("compare", a, b).stdout)
    assert report["verdict"] == {"label": "independent", "original": None, "derived": None}
    assert report["alignments"] == []
    assert report["scores"]["linked"] is False


def test_compare_needs_two_files() -> None:
    result = run("compare", str(NEWS_CORPUS))
    assert result.exit_code == 2
    assert "exactly two files" in result.stderr
    assert "Traceback" not in result.output


def test_compare_missing_file(tmp_path: Path) -> None:
    result = run("compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert_input_error(result, str(tmp_path / "a.txt"))


def test_compare_pairs(tmp_path: Path, news_by_id: dict[str, Document]) -> None:
    wire = news_by_id[WIRE].text
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        "\n".join(json.dumps(p) for p in [
            {"id": "p-copy", "a": news_by_id[COPY].text, "b": wire},
            {"id": "p-unrelated", "a": news_by_id[UNRELATED].text, "b": wire},
            {"id": 7, "a": news_by_id[REWRITE].text, "b": wire},
        ]) + "\n",
        encoding="utf-8",
    )
    result = run("compare", "--pairs", str(pairs))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == ["p-copy", "p-unrelated", "7"]
    for r in rows:
        assert isinstance(r["score"], float) and 0.0 <= r["score"] <= 1.0
        assert isinstance(r["linked"], bool)
    assert rows[0]["score"] > 0.9 and rows[0]["linked"]
    assert rows[1]["score"] < 0.1 and not rows[1]["linked"]
    assert rows[2]["linked"]


def test_compare_pairs_bad_record(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"id": "x", "a": "text"}\n', encoding="utf-8")
    assert_input_error(run("compare", "--pairs", str(pairs)), f"{pairs}:1:", "'b'")


def test_compare_pairs_and_files_conflict(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"id": "x", "a": "one text", "b": "another"}\n', encoding="utf-8")
    result = run("compare", "--pairs", str(pairs), str(NEWS_CORPUS))
    assert result.exit_code == 2
    assert "not both" in result.stderr


# --- help ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[]] + [[name] for name in sorted(main.commands)])
def test_help_has_examples(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert "dedup " in result.stdout.split("Example", 1)[1]


def test_commands() -> None:
    assert {"cluster", "compare"} <= set(main.commands)


# --- --skip-bad ----------------------------------------------------------------------


def test_skip_bad_skips_records_and_clusters_the_rest(tmp_path: Path) -> None:
    lines = NEWS_CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)
    corpus = tmp_path / "a.jsonl"
    corpus.write_text("".join(lines[:2]) + BAD_LINE + '{"id": "no-text"}\n' + "".join(lines[2:]) + lines[0],
                      encoding="utf-8")
    extra = tmp_path / "b.csv"
    extra.write_text("id,text\nx,one,two\n", encoding="utf-8")
    result = run("cluster", "--skip-bad", str(corpus), str(extra), "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert {json.loads(x)["id"]: (json.loads(x)["label"], json.loads(x)["source"])
            for x in result.stdout.splitlines()} == EXPECTED
    err_lines = result.stderr.splitlines()
    assert err_lines[0] == f"dedup: skipped 4 bad records: {corpus}:3, {corpus}:4, {corpus}:8, {extra}:2"
    assert err_lines[1].startswith("dedup: 5 documents, ")
    assert len(err_lines) == 2


def test_skip_bad_skips_a_missing_file_among_several(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    result = run("cluster", str(missing), str(NEWS_CORPUS), "--skip-bad", "--format", "csv", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"dedup: skipped 1 bad file: {missing}\n"
    assert len(result.stdout.splitlines()) == 1 + len(EXPECTED)


def test_skip_bad_still_stops_when_the_only_file_is_bad(tmp_path: Path) -> None:
    binary = tmp_path / "img.jsonl"
    binary.write_bytes(b"\x89PNG\x00\x00")
    out = tmp_path / "out.jsonl"
    result = run("cluster", "--skip-bad", str(binary), "-o", str(out))
    assert_input_error(result, str(binary), "binary file")
    assert not out.exists()


def test_skip_bad_with_clean_input_prints_nothing_extra() -> None:
    result = run("cluster", "--skip-bad", str(NEWS_CORPUS), "--format", "jsonl", "-q")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == run("cluster", str(NEWS_CORPUS), "--format", "jsonl", "-q").stdout


def test_without_skip_bad_the_first_bad_record_stops(tmp_path: Path) -> None:
    corpus = tmp_path / "a.jsonl"
    corpus.write_text(NEWS_CORPUS.read_text(encoding="utf-8") + '{"id": "no-text"}\n' + BAD_LINE, encoding="utf-8")
    assert_input_error(run("cluster", str(corpus)), f"{corpus}:6:", "no 'text' field")


def test_stage_times_name_every_seconds_stat_in_order() -> None:
    stats = {"documents": 9, "seconds_read": 0.25, "links": 2, "seconds_prepare": 8.1, "seconds_verify_all": 2.456}
    assert stage_times(stats) == "; 10.81 s: read 0.25, prepare 8.10, verify_all 2.46"
    assert stage_times({"documents": 9, "links": 2}) == ""


def test_stage_bar_redraws_in_place_and_ends_with_a_line() -> None:
    out = io.StringIO()
    bar = StageBar(out)
    bar.advance("verifying", 5, 10)
    bar.finished("verified 10 pairs")
    bar.finished("labelled 3 documents")
    text = out.getvalue()
    assert text.startswith("\rdedup: verifying [" + "#" * 15 + "." * 15 + "] 5/10")
    assert text.endswith("\r\x1b[Kdedup: verified 10 pairs\ndedup: labelled 3 documents\n")


def test_start_up_imports_neither_scikit_learn_nor_datasketch() -> None:
    """Each worker process imports the CLI's modules again: scikit-learn (for a stop list) and datasketch (for
    its permutation draw) cost it a second, so they are read or drawn without importing them."""
    code = "import sys, dedup.cli; print(sorted({'sklearn', 'datasketch'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_spark_engine_without_pyspark_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.delitem(sys.modules, "dedup.engines.spark", raising=False)
    import dedup.engines

    monkeypatch.delattr(dedup.engines, "spark", raising=False)
    seeds = str(Path(__file__).resolve().parent.parent / "seeds")
    result = CliRunner().invoke(main, ["cluster", "--engine", "spark", seeds])
    assert result.exit_code == 2
    assert "pip install 'dedup[spark]'" in result.output
