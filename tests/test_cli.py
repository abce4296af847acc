"""Tests for the ``dedup`` command (click's CliRunner; stderr is captured separately)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import COPY, INDEPENDENT, NEWS_CORPUS, REWRITE, UNRELATED, WIRE

from dedup.cli import main, stage_times
from dedup.config import Config
from dedup.records import Document, Match
from dedup.report import alignment_record, match_scores

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
    assert summary.endswith(", 3 links, 1 cluster")
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
    assert lines[0].split() == ["#", "label", "score", "reuse", "outlet", "title", "id"]
    # The cluster: its original first, then its copy and its rewrite, each with outlet and title.
    rows = [line.split() for line in lines[2:5]]
    assert [(r[0], r[1], r[-1]) for r in rows[:1]] == [("1", "original", WIRE)]
    assert [(r[0], r[-1]) for r in rows[1:]] == [("syndicated", COPY), ("rewrite", REWRITE)]
    assert "Meridian News" in lines[2] and "Coastal Herald" in lines[3] and "Ships stranded" in lines[4]
    # The two documents alone are counted, not listed; a legend; the closing count.
    assert INDEPENDENT not in result.stdout and UNRELATED not in result.stdout
    assert "2 documents alone (no shared origin found) not listed; --all lists them." in lines
    assert any(line.startswith("score: ") for line in lines)
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
    assert "dedup: warning: no documents with text to cluster; the output is empty" in result.stderr


def test_cluster_an_empty_file_warns_instead_of_a_silent_empty_table(tmp_path: Path) -> None:
    corpus = tmp_path / "nothing.jsonl"
    corpus.write_text("", encoding="utf-8")
    result = run("cluster", str(corpus))
    assert result.exit_code == 0
    assert "dedup: warning: no documents with text to cluster" in result.stderr
    assert result.stdout == "0 documents, 0 clusters of shared origin, 0 unlinked\n"


def test_cluster_summary_counts_in_the_singular(tmp_path: Path) -> None:
    corpus = tmp_path / "one.jsonl"
    corpus.write_text(NEWS_CORPUS.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    summary = run("cluster", str(corpus), "-f", "jsonl").stderr
    assert summary.startswith("dedup: 1 document, 0 candidate pairs, 0 links, 0 clusters; "), summary


def test_cluster_all_lists_the_documents_alone_too() -> None:
    result = run("cluster", str(NEWS_CORPUS), "--all", "-q")
    assert result.exit_code == 0, result.stderr
    assert INDEPENDENT in result.stdout and UNRELATED in result.stdout and "--all lists them" not in result.stdout
    assert "\x1b[" not in result.stdout  # plain text without a terminal


# --- output files and formats -----------------------------------------------------


def test_output_file_is_readable_by_others_under_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    old = os.umask(0o022)
    try:
        result = run("cluster", str(NEWS_CORPUS), "-o", str(out), "-q")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


@pytest.mark.parametrize(("name", "fmt"), [("verdicts.csv", "csv"), ("verdicts.jsonl", "jsonl"),
                                           ("verdicts.json", "json")])
def test_output_format_from_the_extension_said_on_stderr(tmp_path: Path, name: str, fmt: str) -> None:
    out = tmp_path / name
    result = run("cluster", str(NEWS_CORPUS), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"dedup: writing {fmt} (from the name {name}; --format to choose another)\n")
    assert out.read_text(encoding="utf-8") == run("cluster", str(NEWS_CORPUS), "-f", fmt, "-q").stdout


def test_output_format_given_wins_over_the_extension(tmp_path: Path) -> None:
    out = tmp_path / "verdicts.csv"
    result = run("cluster", str(NEWS_CORPUS), "-o", str(out), "-f", "jsonl", "-q")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["id"] == WIRE


def test_json_output_is_one_array_with_the_jsonl_fields() -> None:
    records = json.loads(run("cluster", str(NEWS_CORPUS), "-f", "json", "-q").stdout)
    lines = [json.loads(x) for x in run("cluster", str(NEWS_CORPUS), "-f", "jsonl", "-q").stdout.splitlines()]
    assert records == lines and {r["id"]: (r["label"], r["source"]) for r in records} == EXPECTED


def test_parquet_output(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "verdicts.parquet"
    result = run("cluster", str(NEWS_CORPUS), "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    rows = pq.read_table(out).to_pylist()
    lines = [json.loads(x) for x in run("cluster", str(NEWS_CORPUS), "-f", "jsonl", "-q").stdout.splitlines()]
    assert rows == lines


def test_parquet_to_standard_output_is_refused_before_any_work() -> None:
    assert_input_error(run("cluster", str(NEWS_CORPUS), "-f", "parquet"), "give a file with -o")


def test_jsonl_and_csv_output_contract_is_unchanged() -> None:
    """The fields of the JSONL and CSV output, in their order, as before the table changed."""
    fields = ["id", "cluster", "label", "source", "score", "reuse", "passages", "passage_links"]
    for line in run("cluster", str(NEWS_CORPUS), "-f", "jsonl", "-q").stdout.splitlines():
        assert list(json.loads(line)) == fields
    assert run("cluster", str(NEWS_CORPUS), "-f", "csv", "-q").stdout.splitlines()[0] == ",".join(fields)


# --- reading options ---------------------------------------------------------------


def renamed_csv(tmp_path: Path) -> Path:
    """The fixture corpus as a CSV whose columns have other names."""
    path = tmp_path / "renamed.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["guid", "body", "headline", "source", "date"])
        for line in NEWS_CORPUS.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            writer.writerow([r["id"], r["text"], r.get("title", ""), r.get("outlet", ""), r.get("published", "")])
    return path


def test_field_mapping_reads_columns_of_other_names(tmp_path: Path) -> None:
    path = renamed_csv(tmp_path)
    mapping = ["--id-field", "guid", "--text-field", "body", "--title-field", "headline", "--outlet-field", "source",
               "--date-field", "date"]
    result = run("cluster", str(path), *mapping, "-f", "jsonl", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == run("cluster", str(NEWS_CORPUS), "-f", "jsonl", "-q").stdout
    table = run("cluster", str(path), *mapping, "-q").stdout
    assert "Meridian News" in table and "Ships stranded" in table


def test_without_the_mapping_the_error_names_the_flag(tmp_path: Path) -> None:
    result = run("cluster", str(renamed_csv(tmp_path)))
    assert_input_error(result, "no header row", "--id-field names another")


def test_make_ids_for_records_without_usable_ids(tmp_path: Path) -> None:
    records = [json.loads(line) for line in NEWS_CORPUS.read_text(encoding="utf-8").splitlines()]
    labels = [EXPECTED[r["id"]][0] for r in records]
    for r in records[1:]:
        r["id"] = "empty"  # one placeholder for four different articles, as in BASIL
    records[1]["url"] = "https://herald.example/port-strike"
    corpus = tmp_path / "placeholders.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert_input_error(run("cluster", str(corpus)), "duplicate id 'empty'")
    result = run("cluster", str(corpus), "--make-ids", "-f", "jsonl", "-q")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5 and len({r["id"] for r in rows}) == 5
    assert rows[1]["id"] == hashlib.sha1(b"https://herald.example/port-strike").hexdigest()[:16]
    assert rows[2]["id"] == hashlib.sha1(records[2]["text"].encode()).hexdigest()[:16]
    assert [r["label"] for r in rows] == labels
    assert run("cluster", str(corpus), "--make-ids", "-f", "jsonl", "-q").stdout == result.stdout  # stable


def test_the_extra_hint_matches_the_readme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>text</p>", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "dedup.html", None)
    assert_input_error(run("cluster", str(page)), "pip install -e '.[html]'")
    assert "pip install -e '.[html" in (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


# --- tuning ----------------------------------------------------------------------


def test_config_show_prints_the_defaults_as_toml_that_config_reads(tmp_path: Path) -> None:
    result = run("config", "--show")
    assert result.exit_code == 0, result.stderr
    assert load_config_text(result.stdout) == Config()
    assert "[verify]" in result.stdout and "syndication_containment = 0.5" in result.stdout
    path = tmp_path / "dedup.toml"
    path.write_text(result.stdout, encoding="utf-8")
    same = run("cluster", str(NEWS_CORPUS), "--config", str(path), "-f", "jsonl", "-q")
    assert same.stdout == run("cluster", str(NEWS_CORPUS), "-f", "jsonl", "-q").stdout


def load_config_text(text: str) -> Config:
    import tomllib

    from dedup.settings import with_settings

    return with_settings(Config(), tomllib.loads(text), "test")


def test_config_file_and_flags_reach_the_stages(tmp_path: Path) -> None:
    path = tmp_path / "strict.toml"
    path.write_text("[verify]\nmin_reused = 1000\nsyndication_containment = 0.3\n", encoding="utf-8")
    loose = {json.loads(x)["id"]: json.loads(x)["label"]
             for x in run("cluster", str(NEWS_CORPUS), "--config", str(path), "-f", "jsonl", "-q").stdout.splitlines()}
    assert loose[COPY] == "syndicated"
    # The flag wins over the file: at 0.99 containment the copy (0.97) is no longer linked.
    strict = run("cluster", str(NEWS_CORPUS), "--config", str(path), "--link-threshold", "0.99", "-f", "jsonl", "-q")
    assert strict.exit_code == 0, strict.stderr
    assert {json.loads(x)["label"] for x in strict.stdout.splitlines()} == {"original"}
    shown = run("config", "--show", "--config", str(path), "--shingle-size", "4", "--permutations", "64").stdout
    assert "min_reused = 1000" in shown and "doc_shingle = 4" in shown and "num_perm = 64" in shown
    other = run("cluster", str(NEWS_CORPUS), "--shingle-size", "4", "--permutations", "64", "-f", "jsonl", "-q")
    assert other.exit_code == 0 and len(other.stdout.splitlines()) == 5


@pytest.mark.parametrize(("text", "fragments"), [
    ("[verify]\nlink_threshold = 0.5\n", ["[verify] has no key 'link_threshold'", "valid keys: align_threshold,",
                                           "syndication_containment"]),
    ("[cluster]\nx = 1\n", ["unknown table [cluster]", "valid tables: normalize, signature, candidates, verify, label"]),
    ("[signature]\nnum_perm = 'many'\n", ["[signature] num_perm must be int"]),
    ("[verify\n", ["not valid TOML"]),
])
def test_config_file_refuses_what_it_does_not_know(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    assert_input_error(run("cluster", str(NEWS_CORPUS), "--config", str(path)), str(path), *fragments)


def test_readme_documents_compare_label_and_fields() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reading the results", 1)[1].split("\n## ", 1)[0]
    for name in ["independent", *match_scores(Match("a", "b", 0, 0, 0, 0, 0, 0, 0, 0, False))]:
        assert f"`{name}`" in section, name


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
    result = run("compare", a, b, "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["a"], report["b"]) == (REWRITE, WIRE)
    assert report["verdict"] == {"label": "rewrite", "original": WIRE, "derived": REWRITE}
    assert report["scores"]["linked"] is True
    assert report["scores"]["reused_passages"] == len(report["alignments"]) >= 2
    for al in report["alignments"]:
        assert set(al) == {"a_index", "b_index", "score", "paraphrase_distance", "a", "b", "shared_phrases"}
        assert 0.0 < al["score"] <= 1.0
        assert 0.0 <= al["paraphrase_distance"] < 1.0
    assert 0.0 < report["scores"]["paraphrase_distance"] < 1.0
    assert any("37 vessels" in al["a"] and "37 vessels" in al["b"] for al in report["alignments"])


def test_compare_copy_is_syndicated(tmp_path: Path, news_by_id: dict[str, Document]) -> None:
    result = run("compare", write_txt(tmp_path, news_by_id[COPY]), write_txt(tmp_path, news_by_id[WIRE]), "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["verdict"]["label"] == "syndicated"


def test_compare_independent(tmp_path: Path, news_by_id: dict[str, Document]) -> None:
    a = write_txt(tmp_path, news_by_id[WIRE])
    b = write_txt(tmp_path, news_by_id[UNRELATED])
    report = json.loads(run("compare", a, b, "-f", "json").stdout)
    assert report["verdict"] == {"label": "independent", "original": None, "derived": None}
    assert report["alignments"] == []
    assert report["scores"]["linked"] is False


def test_compare_needs_two_files() -> None:
    result = run("compare", str(NEWS_CORPUS), str(NEWS_CORPUS), str(NEWS_CORPUS))
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


def test_compare_text_pairs_after_a_corpus_are_taken_for_ids_and_refused_naming_the_line(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(f'{{"a": "{WIRE}", "b": "{COPY}"}}\n{{"id": "x", "a": "one text", "b": "another"}}\n',
                     encoding="utf-8")
    result = run("compare", str(NEWS_CORPUS), "--pairs", str(pairs))
    assert_input_error(result, f"{pairs}:2:", "unknown id 'one text'")


def test_compare_corpus_pairs_of_ids_from_csv(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"a,b\n{COPY},{WIRE}\n{UNRELATED},{WIRE}\n", encoding="utf-8")
    result = run("compare", str(NEWS_CORPUS), "--pairs", str(pairs))
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["a"], r["b"], r["label"]) for r in rows] == [(COPY, WIRE, "syndicated"), (UNRELATED, WIRE, "independent")]
    assert rows[0]["original"] == WIRE and rows[0]["linked"] and not rows[1]["linked"]
    # The scores are those of compare CORPUS ID ID.
    single = json.loads(run("compare", str(NEWS_CORPUS), COPY, WIRE, "-f", "json").stdout)["scores"]
    assert {k: rows[0][k] for k in single} == single


def test_compare_corpus_pairs_unknown_id_names_the_line(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"id,a,b\np1,{COPY},{WIRE}\np2,{REWRITE},nobody\n", encoding="utf-8")
    result = run("compare", str(NEWS_CORPUS), "--pairs", str(pairs))
    assert_input_error(result, f"{pairs}:3:", "unknown id 'nobody'")


def test_compare_pairs_of_file_names_says_so_instead_of_scoring_them(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"id": "p", "a": "seeds/001_0087a9b7e7beb3af.txt", "b": "seeds/004_e66f8c3f7bab36c1.txt"}\n',
                     encoding="utf-8")
    result = run("compare", "--pairs", str(pairs))
    assert_input_error(result, f"{pairs}:1:", "field 'a' is a file name", "not a text", "dedup compare CORPUS --pairs")


def test_compare_pairs_help_documents_the_fields() -> None:
    text = " ".join(run("compare", "--help").stdout.split())
    assert "fields id, a, b with a and b the two texts themselves (not file names)" in text
    assert "After a CORPUS: fields a and b are ids" in text


# --- compare CORPUS ID ID ---------------------------------------------------------


def test_compare_ids_of_a_corpus_shows_their_evidence_as_json() -> None:
    result = run("compare", str(NEWS_CORPUS), REWRITE, WIRE, "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["a"], report["b"]) == (REWRITE, WIRE)
    assert report["verdict"] == {"label": "rewrite", "original": WIRE, "derived": REWRITE}
    assert report["scores"]["linked"] and len(report["alignments"]) == report["scores"]["reused_passages"] >= 2


def test_compare_ids_scores_equal_the_cluster_runs(news_docs: list[Document]) -> None:
    """The pair is scored with the corpus' statistics: the very match a clustering run of that corpus found."""
    from dedup.pipeline import cluster_documents

    found = {frozenset((m.a, m.b)): m for m in cluster_documents(news_docs).matches}
    for a, b in [(REWRITE, WIRE), (COPY, WIRE)]:
        report = json.loads(run("compare", str(NEWS_CORPUS), a, b, "-f", "json").stdout)
        expected = found[frozenset((a, b))].toward(a)
        assert report["scores"] == match_scores(expected)
        assert report["alignments"] == [alignment_record(x) for x in expected.alignments]


def test_compare_ids_text_form_is_side_by_side_with_words_marked() -> None:
    result = run("compare", str(NEWS_CORPUS), REWRITE, WIRE)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    lines = out.splitlines()
    assert lines[0].startswith(f"A  {REWRITE}  Velm Gazette") and lines[1].startswith(f"B  {WIRE}  Meridian")
    assert f"rewrite: {REWRITE} is a rewrite of {WIRE}" in out
    for name in ("containment", "reuse", "verbatim", "jaccard", "cosine", "paraphrase"):
        assert re.search(rf"^{name} |  {name} ", out, re.M), name
    header = next(line for line in lines if line.split() == ["A", "B", "distance"])
    assert header.index("B") > 40  # the two passages side by side
    assert "[" in out and "]" in out and "Marked: runs of words both passages keep" in out
    shared = [line for line in lines if "shared: " in line]
    assert shared and not re.search(r"shared: .*\b(?:offici|compani|stran)\b", " ".join(shared))
    assert "\x1b[" not in out  # plain text without a terminal


def test_compare_independent_text_form() -> None:
    out = run("compare", str(NEWS_CORPUS), UNRELATED, WIRE).stdout
    assert "independent: neither derives from the other" in out and "No reused passages." in out


def test_compare_unknown_id_is_an_error_naming_the_corpus() -> None:
    assert_input_error(run("compare", str(NEWS_CORPUS), WIRE, "nobody"), str(NEWS_CORPUS), "unknown id 'nobody'")


def test_compare_a_file_of_several_documents_lists_its_ids_and_how_to_pick_two() -> None:
    result = run("compare", str(NEWS_CORPUS))
    assert result.exit_code == 2
    assert f"holds 5 documents ({WIRE}, {COPY}," in result.stderr
    assert f"dedup compare {NEWS_CORPUS} ID_A ID_B" in result.stderr


def test_compare_output_file_format_from_its_name(tmp_path: Path, news_by_id: dict[str, Document]) -> None:
    out = tmp_path / "evidence.json"
    result = run("compare", str(NEWS_CORPUS), COPY, WIRE, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["verdict"]["label"] == "syndicated"
    assert "writing json (from the name evidence.json" in result.stderr


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
