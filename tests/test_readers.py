"""Tests for dedup.readers: every input format, and one test per kind of bad input."""

from __future__ import annotations

import builtins
import codecs
import gzip
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dedup.encoding import reads_as_western
from dedup.errors import InputError
from dedup.readers import READERS, Fields, FileError, IdPair, describe_skipped, made_id, read_corpus, read_id_pairs, read_pairs
from dedup.records import Document

FIXTURES = Path(__file__).parent / "fixtures" / "readers"


def write_jsonl(path: Path, *records: Any) -> str:
    """Write one JSON value per line (strings are written verbatim) and return the path."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def read_error(paths: list[str], **kwargs: Any) -> InputError:
    """The InputError raised when reading ``paths``."""
    with pytest.raises(InputError) as info:
        read_corpus(paths, **kwargs)
    return info.value


# --- formats -----------------------------------------------------------------


def test_txt_directory_sorted_with_titles_and_only_txt_files() -> None:
    folder = FIXTURES / "articles"
    docs = read_corpus([str(folder)])
    assert [d.id for d in docs] == ["ap-001", "local-002"]
    first, second = docs
    assert first.title == "Storm hits coast"
    assert first.text == (folder / "ap-001.txt").read_text(encoding="utf-8")
    assert first.origin == str(folder / "ap-001.txt")
    assert second.title == "Storm batters coast"
    assert (first.outlet, first.url, first.published) == (None, None, None)


def test_single_txt_file_strips_bom(tmp_path: Path) -> None:
    path = tmp_path / "wire.story.txt"
    path.write_bytes("\ufeffHeadline\nBody text.\n".encode())
    [doc] = read_corpus([str(path)])
    assert doc == Document(
        id="wire.story", text="Headline\nBody text.\n", title="Headline", origin=str(path)
    )


def test_txt_file_without_visible_line_has_no_title(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n", encoding="utf-8")
    [doc] = read_corpus([str(path)])
    assert doc.title is None
    assert doc.text == "  \n\n"


def test_jsonl_fields_blank_lines_and_origins(tmp_path: Path) -> None:
    full = {"id": "a", "text": "Body A", "title": "T", "outlet": "AP", "url": "u"}
    full["published"] = "2024-01-02"
    path = write_jsonl(tmp_path / "c.jsonl", full, "", "   ", {"id": "b", "text": "Body B"})
    a, b = read_corpus([path])
    assert a == Document(origin=f"{path}:1", **full)
    assert b == Document(id="b", text="Body B", origin=f"{path}:4")


def test_jsonl_numbers_converted_nulls_and_blanks_become_none(tmp_path: Path) -> None:
    record = {"id": 42, "text": "x", "title": None, "outlet": "", "url": 7, "published": 2024.5}
    [doc] = read_corpus([write_jsonl(tmp_path / "n.jsonl", record)])
    assert doc.id == "42"
    assert (doc.title, doc.outlet, doc.url, doc.published) == (None, None, "7", "2024.5")


def test_empty_and_whitespace_texts_are_returned(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", {"id": "e", "text": ""}, {"id": "w", "text": " \n "})
    assert [d.text for d in read_corpus([path])] == ["", " \n "]


def test_csv_fixture_with_multiline_quoted_field() -> None:
    path = str(FIXTURES / "wire.csv")
    first, second = read_corpus([path])
    assert first == Document(
        id="ap-1",
        text="Markets rose on Tuesday.\nAnalysts, however, urged caution.",
        title="Markets rise",
        outlet="AP",
        url="https://ap.example/1",
        published="2024-03-05",
        origin=f"{path}:2",
    )
    assert second == Document(id="ap-2", text="Short item.", outlet="Reuters", origin=f"{path}:4")


def test_csv_line_numbers_after_blank_lines_and_multiline_records(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('text,id\n\n"one\ntwo\nthree",a\n\nfour,b\n', encoding="utf-8")
    docs = read_corpus([str(path)])
    assert [(d.id, d.text, d.origin) for d in docs] == [
        ("a", "one\ntwo\nthree", f"{path}:3"),
        ("b", "four", f"{path}:7"),
    ]


def test_gzip_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = tmp_path / "a.jsonl.gz"
    jsonl.write_bytes(gzip.compress(b'{"id": "g1", "text": "zipped"}\n'))
    csv_gz = tmp_path / "b.CSV.GZ"
    csv_gz.write_bytes(gzip.compress(b"id,text\ng2,also zipped\n"))
    docs = read_corpus([str(jsonl), str(csv_gz)])
    assert [(d.id, d.text, d.origin) for d in docs] == [
        ("g1", "zipped", f"{jsonl}:1"),
        ("g2", "also zipped", f"{csv_gz}:2"),
    ]


def test_stdin_jsonl_mixed_with_files(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "f.jsonl", {"id": "f", "text": "from file"})
    stdin = io.StringIO('\n{"id": 1, "text": "from stdin"}\n')
    docs = read_corpus(["-", path], stdin=stdin)
    assert [(d.id, d.origin) for d in docs] == [("1", "<stdin>:2"), ("f", f"{path}:1")]


def test_empty_files_yield_nothing(tmp_path: Path) -> None:
    paths = [tmp_path / "e.jsonl", tmp_path / "e.csv", tmp_path / "e.jsonl.gz"]
    paths[0].write_bytes(b"")
    paths[1].write_bytes(b"")
    paths[2].write_bytes(gzip.compress(b""))
    assert read_corpus([str(p) for p in paths]) == []
    assert read_corpus(["-"], stdin=io.StringIO("")) == []


def test_registry_lists_supported_suffixes() -> None:
    assert {".txt", ".jsonl", ".jsonl.gz", ".csv", ".csv.gz"} <= set(READERS)


# --- bad input -----------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.jsonl")
    err = read_error([path])
    assert err.where == path
    assert "no such file or directory" in err.message


def test_directory_without_txt_files(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    err = read_error([str(tmp_path)])
    assert err.where == str(tmp_path)
    assert "no .txt, .html or .htm files" in err.message


def test_unsupported_extension_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "data.xml"
    path.write_text("<a/>", encoding="utf-8")
    err = read_error([str(path)])
    assert err.where == str(path)
    assert "unsupported file type" in err.message
    assert ".jsonl" in err.message and ".csv" in err.message and ".txt" in err.message


def test_malformed_json_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", {"id": "a", "text": "ok"}, '{"id": "b", "text": }')
    err = read_error([path])
    assert err.where == f"{path}:2"
    assert "malformed JSON: Expecting value" in err.message


def test_json_line_not_an_object(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "l.jsonl", ["a", "b"])
    err = read_error([path])
    assert err.where == f"{path}:1"
    assert "expected a JSON object per line, got array" in err.message


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"id": "a"}, "no 'text' field"),
        ({"id": "a", "text": ["x"]}, "'text' must be a string, got array"),
        ({"id": "a", "text": 5}, "'text' must be a string, got number"),
        ({"text": "x"}, "no 'id' field"),
        ({"id": "  ", "text": "x"}, "empty 'id'"),
        ({"id": None, "text": "x"}, "empty 'id'"),
        ({"id": True, "text": "x"}, "'id' must be a string or number, got boolean"),
        ({"id": "a", "text": "x", "title": {"t": 1}}, "'title' must be a string or number"),
    ],
)
def test_bad_record_fields(tmp_path: Path, record: dict[str, Any], expected: str) -> None:
    path = write_jsonl(tmp_path / "r.jsonl", {"id": "ok", "text": "fine"}, record)
    err = read_error([path])
    assert err.where == f"{path}:2"
    assert expected in err.message


def test_csv_without_header(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a1,some text\na2,more text\n", encoding="utf-8")
    err = read_error([str(path)])
    assert err.where == f"{path}:1"
    assert "no header row" in err.message


def test_csv_header_missing_text_column(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("id,body\na1,some text\n", encoding="utf-8")
    err = read_error([str(path)])
    assert err.where == f"{path}:1"
    assert "missing the required column 'text'" in err.message


def test_csv_row_with_wrong_field_count(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("id,text\na,ok\nb,Paris, France,extra\n", encoding="utf-8")
    err = read_error([str(path)])
    assert err.where == f"{path}:3"
    assert "expected 2 fields like the header, got 4" in err.message


def test_csv_unclosed_quote_points_at_record_start(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,text\na,"never closed\nb,next\n', encoding="utf-8")
    err = read_error([str(path)])
    assert err.where == f"{path}:2"
    assert "unclosed quote" in err.message


def test_csv_multiline_record_with_extra_field_gives_line_span(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('id,text\na,"two\nlines",extra\n', encoding="utf-8")
    err = read_error([str(path)])
    assert err.where == f"{path}:2"
    assert "got 3" in err.message and "from line 2 to 3" in err.message


def test_csv_stray_quote(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('id,text\na,ok\nb,"quoted" then more\n', encoding="utf-8")
    err = read_error([str(path)])
    assert err.where == f"{path}:3"
    assert "bad CSV: ',' expected after '\"'" in err.message


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", {"id": "z", "text": "1"}, {"id": "x", "text": "2"})
    second = tmp_path / "b.csv"
    second.write_text("id,text\ny,3\nx,4\n", encoding="utf-8")
    err = read_error([first, str(second)])
    assert err.where == f"{second}:3"
    assert err.message == f"duplicate id 'x' (first seen at {first}:2)"


def test_duplicate_number_and_string_id_in_one_file(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", {"id": 7, "text": "a"}, {"id": "7", "text": "b"})
    err = read_error([path])
    assert err.where == f"{path}:2"
    assert f"duplicate id '7' (first seen at {path}:1)" in err.message


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", {"id": "a", "text": "x"})
    real_open = builtins.open

    def deny(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == path:
            raise PermissionError(13, "Permission denied", path)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny)
    err = read_error([path])
    assert err.where == path
    assert "cannot read file: permission denied" in err.message


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "img.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    err = read_error([str(path)])
    assert err.where == str(path)
    assert "binary file, not text" in err.message




def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(b"plain text, not gzip")
    err = read_error([str(path)])
    assert err.where == str(path)
    assert "not a valid gzip file" in err.message


def test_stdin_errors_use_stdin_name() -> None:
    stdin = io.StringIO('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n')
    err = read_error(["-"], stdin=stdin)
    assert err.where == "<stdin>:2"
    assert "duplicate id 'a' (first seen at <stdin>:1)" in err.message
    err = read_error(["-", "-"], stdin=io.StringIO(""))
    assert err.where == "<stdin>"
    assert "more than once" in err.message


def test_registry_lists_html_and_parquet() -> None:
    assert {".html", ".htm", ".parquet"} <= set(READERS)


# --- encodings (fixtures in tests/fixtures/readers/, see its README) ------------------------


def test_windows_1252_jsonl_is_decoded() -> None:
    path = str(FIXTURES / "cp1252.jsonl")
    first, french, english = read_corpus([path])
    assert first.text == "Plain ASCII record first."
    assert french.text.startswith("Le ministre a déclaré lundi que les négociations reprendraient à Paris après l’été.")
    assert french.text.endswith("« Nous ne céderons pas », a-t-il ajouté.")
    assert english.text == "The port said: “We expect €5 million in losses” – and more … later."
    assert (french.origin, english.outlet) == (f"{path}:2", "Harbour Times")


def test_latin1_csv_with_multiline_field_is_decoded() -> None:
    path = str(FIXTURES / "latin1.csv")
    [doc] = read_corpus([path])
    assert doc == Document(
        id="de-1", text="Die Regierung in Berlin kündigte Maßnahmen an.\nKritiker äußerten Zweifel.",
        outlet="Süddeutsche", origin=f"{path}:2",
    )


def test_windows_1252_txt_keeps_its_line_ends() -> None:
    [doc] = read_corpus([str(FIXTURES / "cp1252.txt")])
    assert doc.title == "El presidente anunció la reforma"
    assert doc.text == "El presidente anunció la reforma\r\n\r\n¿Qué pasará después? Nadie lo sabe, dijo el portavoz.\r\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("utf8-bom.csv", [("zh-1", "政府周二批准了一项关于税收的新法律。")]),
        ("utf16le-bom.jsonl", [("ru-1", "Правительство одобрило новый закон."), ("el-1", "Η κυβέρνηση ενέκρινε νέο νόμο.")]),
        ("utf16be-bom.txt", [("utf16be-bom", "Zürich headline\nShares of Nestlé rose 2 percent.\n")]),
        ("utf32le-bom.jsonl", [("ja-1", "政府は火曜日、新しい法律を承認した。")]),
    ],
)
def test_byte_order_mark_names_the_encoding(name: str, expected: list[tuple[str, str]]) -> None:
    docs = read_corpus([str(FIXTURES / name)])
    assert [(d.id, d.text) for d in docs] == expected


def test_utf16_line_numbers_in_origins_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "u.jsonl"
    path.write_bytes(codecs.BOM_UTF16_LE + '{"id": "a", "text": "é"}\n\n{"id": "a", "text": "è"}\n'.encode("utf-16-le"))
    err = read_error([str(path)])
    assert err.where == f"{path}:3"
    assert "duplicate id 'a'" in err.message
    broken = tmp_path / "b.jsonl"
    broken.write_bytes(codecs.BOM_UTF16_LE + '{"id": "a"}\n'.encode("utf-16-le") + b"\x00\xd8\n\x00")
    err = read_error([str(broken)])
    assert err.where == f"{broken}:2"
    assert "not valid UTF-16 as its byte-order mark says" in err.message


@pytest.mark.parametrize(
    ("name", "line", "fragments"),
    [
        ("cp1251.jsonl", 2, ["not UTF-8 (first bad byte 0xcf on line 2)", "does not read as Western European"]),
        ("cp1250.csv", 2, ["not UTF-8 (first bad byte 0xb9 on line 2)", "does not read as Western European"]),
        ("shift_jis.txt", 1, ["neither UTF-8 nor Windows-1252 (byte 0x90 on line 1)"]),
        ("corrupt-utf8.jsonl", 3, ["not UTF-8 (first bad byte 0xe9 on line 3); re-save it as UTF-8"]),
        ("mixed.jsonl", 4, ["line 4 is UTF-8 but line 2 is Windows-1252 (two encodings in one file)"]),
    ],
)
def test_undecodable_text_names_file_and_line(name: str, line: int, fragments: list[str]) -> None:
    path = str(FIXTURES / name)
    err = read_error([path])
    assert err.where == f"{path}:{line}"
    for fragment in fragments:
        assert fragment in err.message


def test_utf16_without_byte_order_mark_is_binary() -> None:
    path = str(FIXTURES / "utf16-no-bom.jsonl")
    err = read_error([path])
    assert err.where == path
    assert "binary file, not text" in err.message and "byte-order mark" in err.message


def test_encoding_is_decided_where_non_ascii_first_appears(tmp_path: Path) -> None:
    filler = [{"id": f"n{k}", "text": "Plain ASCII text of a record. " * 20} for k in range(200)]
    late = tmp_path / "late.jsonl"
    write_jsonl(late, *filler)
    with late.open("ab") as fh:
        fh.write('{"id": "late", "text": "Müller won in Zürich."}\n'.encode("cp1252"))
    assert late.stat().st_size > 100_000
    docs = read_corpus([str(late)])
    assert docs[-1].text == "Müller won in Zürich." and docs[-1].origin == f"{late}:201"


def test_a_bad_byte_after_the_sniffed_window_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    records = [json.dumps({"id": f"n{k}", "text": "Zürich " * 100}, ensure_ascii=False) for k in range(200)]
    path.write_bytes("\n".join(records).encode() + b'\n{"id": "bad", "text": "caf\xe9"}\n')
    assert path.stat().st_size > 100_000
    err = read_error([str(path)])
    assert err.where == f"{path}:201"
    assert "not UTF-8 like the lines before (first bad byte 0xe9 on line 201)" in err.message


def test_a_nul_byte_past_the_first_window_is_binary_data(tmp_path: Path) -> None:
    path = tmp_path / "nul.jsonl"
    write_jsonl(path, *({"id": f"n{k}", "text": "x" * 1000} for k in range(100)))
    with path.open("ab") as fh:
        fh.write(b'{"id": "z", "text": "\x00"}\n')
    err = read_error([str(path)])
    assert err.where == f"{path}:101"
    assert "binary data, not text (NUL byte on line 101)" in err.message


def test_windows_1252_gzip_and_stdin_bytes(tmp_path: Path) -> None:
    record = '{"id": "g", "text": "Crème brûlée – €4"}\n'.encode("cp1252")
    zipped = tmp_path / "a.jsonl.gz"
    zipped.write_bytes(gzip.compress(record))
    [doc] = read_corpus([str(zipped)])
    assert doc.text == "Crème brûlée – €4"
    stdin = io.TextIOWrapper(io.BytesIO(record.replace(b'"g"', b'"s"')), encoding="utf-8")
    [doc] = read_corpus(["-"], stdin=stdin)
    assert (doc.id, doc.text, doc.origin) == ("s", "Crème brûlée – €4", "<stdin>:1")


def test_undecodable_stdin_names_its_line() -> None:
    stdin = io.TextIOWrapper(io.BytesIO('{"id": "a", "text": "ok"}\n'.encode() + "Правда\n".encode("cp1251")))
    err = read_error(["-"], stdin=stdin)
    assert err.where == "<stdin>:2"


def test_skip_bad_skips_an_undecodable_file_among_others() -> None:
    docs, errors = read_skipping([str(FIXTURES / "cp1251.jsonl"), str(FIXTURES / "cp1252.jsonl")])
    assert [d.id for d in docs] == ["a", "ascii-1", "fr-1", "en-1"]
    assert [e.where for e in errors] == [f"{FIXTURES / 'cp1251.jsonl'}:2"]


@pytest.mark.parametrize(
    ("text", "western"),
    [
        ("São Paulo, Zürich, Nestlé, Ærøskøbing, œuvre, l’été, ¿Qué?, 5 €, naïve, però, più", True),
        ("Rz¹d w Warszawie og³osi³", False),
        ("zmìny, dùm", False),
        ("Ïðàâèòåëüñòâî", False),
        ("Hükümet salý günü deðiþikliklerin", False),
        ("ÀÁÂÃÄÅ ÈÉÊË ÌÍÎÏ", False),
    ],
)
def test_reads_as_western(text: str, western: bool) -> None:
    assert reads_as_western(text) is western


# --- optional extras missing ------------------------------------------------------


def test_html_without_the_extra_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "page.html"
    path.write_text("<p>text</p>", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "dedup.html", None)
    err = read_error([str(path)])
    assert err.where == str(path)
    assert "pip install -e '.[html]'" in err.message


def test_parquet_without_pyarrow_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    err = read_error([str(path)])
    assert err.where == str(path)
    assert "pip install -e '.[parquet]'" in err.message


# --- parquet -------------------------------------------------------------------------


@pytest.fixture
def pq() -> Any:
    return pytest.importorskip("pyarrow.parquet", reason="needs the 'parquet' extra")


def write_parquet(pq: Any, path: Path, columns: dict[str, list[Any]], **kwargs: Any) -> str:
    """Write ``columns`` as a Parquet table and return the path."""
    import pyarrow as pa

    pq.write_table(pa.table(columns), str(path), **kwargs)
    return str(path)


def test_parquet_round_trip_across_record_batches(pq: Any, tmp_path: Path) -> None:
    n = 2500
    ids = [f"doc-{i}" for i in range(n)]
    texts = [f"Body of document {i}." for i in range(n)]
    outlets = ["AP" if i % 2 else None for i in range(n)]
    path = write_parquet(pq, tmp_path / "c.parquet", {"id": ids, "text": texts, "outlet": outlets,
                                                       "extra": list(range(n))}, row_group_size=700)
    docs = read_corpus([path])
    assert [d.id for d in docs] == ids
    assert docs[0] == Document(id="doc-0", text="Body of document 0.", origin=f"{path}:row 1")
    assert docs[2499] == Document(id="doc-2499", text="Body of document 2499.", outlet="AP",
                                  origin=f"{path}:row 2500")


def test_parquet_optional_columns_numbers_and_timestamps(pq: Any, tmp_path: Path) -> None:
    stamp = datetime(2024, 3, 5, 6, 10, tzinfo=UTC)
    path = write_parquet(pq, tmp_path / "t.parquet", {
        "id": [7, 8], "text": ["seven", "eight"], "title": ["T", ""], "url": ["u", None],
        "published": [stamp, None],
    })
    first, second = read_corpus([path])
    assert first == Document(id="7", text="seven", title="T", url="u", published="2024-03-05T06:10:00+00:00",
                             origin=f"{path}:row 1")
    assert second == Document(id="8", text="eight", origin=f"{path}:row 2")


def test_parquet_bad_row_names_file_and_row(pq: Any, tmp_path: Path) -> None:
    path = write_parquet(pq, tmp_path / "b.parquet", {"id": ["a", None, "c"], "text": ["x", "y", "z"]})
    err = read_error([path])
    assert err.where == f"{path}:row 2"
    assert "empty 'id'" in err.message


def test_parquet_duplicate_id_names_rows(pq: Any, tmp_path: Path) -> None:
    path = write_parquet(pq, tmp_path / "d.parquet", {"id": ["a", "b", "a"], "text": ["x", "y", "z"]})
    err = read_error([path])
    assert err.where == f"{path}:row 3"
    assert err.message == f"duplicate id 'a' (first seen at {path}:row 1)"


def test_parquet_text_column_of_wrong_type(pq: Any, tmp_path: Path) -> None:
    path = write_parquet(pq, tmp_path / "n.parquet", {"id": ["a"], "text": [12]})
    err = read_error([path])
    assert err.where == f"{path}:row 1"
    assert "'text' must be a string, got number" in err.message


def test_parquet_missing_text_column(pq: Any, tmp_path: Path) -> None:
    path = write_parquet(pq, tmp_path / "m.parquet", {"id": ["a"], "body": ["x"]})
    err = read_error([path])
    assert err.where == path
    assert err.message == "no 'text' column (columns: id, body; --text-field names another)"


def test_not_a_parquet_file(tmp_path: Path, pq: Any) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("id,text\na,b\n", encoding="utf-8")
    err = read_error([str(path)])
    assert err.where == str(path)
    assert "not a readable Parquet file" in err.message


def test_empty_parquet_table(pq: Any, tmp_path: Path) -> None:
    import pyarrow as pa

    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}), str(path))
    assert read_corpus([str(path)]) == []


# --- skipping bad input (on_error) -------------------------------------------------------


def read_skipping(paths: list[str], **kwargs: Any) -> tuple[list[Document], list[InputError]]:
    """Documents and the errors handed to ``on_error``."""
    errors: list[InputError] = []
    docs = read_corpus(paths, on_error=errors.append, **kwargs)
    return docs, errors


def test_on_error_skips_bad_json_lines_and_records(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        {"id": "a", "text": "one"},
        '{"id": "b", "text": ',
        ["not", "an", "object"],
        {"id": "c"},
        {"id": "d", "text": "four"},
        {"id": "a", "text": "again"},
    )
    docs, errors = read_skipping([path])
    assert [d.id for d in docs] == ["a", "d"]
    assert [e.where for e in errors] == [f"{path}:{n}" for n in (2, 3, 4, 6)]
    assert "malformed JSON" in errors[0].message
    assert "duplicate id 'a'" in errors[3].message
    assert not any(isinstance(e, FileError) for e in errors)


def test_on_error_skips_bad_csv_rows(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text('id,text\na,ok\nb,too,many\nc,"stray" quote\n,no id\nd,fine\n', encoding="utf-8")
    docs, errors = read_skipping([str(path)])
    assert [d.id for d in docs] == ["a", "d"]
    assert [e.where for e in errors] == [f"{path}:{n}" for n in (3, 4, 5)]


def test_on_error_skips_a_bad_file_among_several(tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", {"id": "g", "text": "fine"}, "{oops")
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\x00\x01\x02")
    missing = str(tmp_path / "missing.csv")
    docs, errors = read_skipping([str(binary), good, missing])
    assert [d.id for d in docs] == ["g"]
    assert [e.where for e in errors] == [str(binary), f"{good}:2", missing]
    assert [isinstance(e, FileError) for e in errors] == [True, False, True]
    assert "binary file" in errors[0].message


def test_on_error_skips_a_bad_file_inside_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Alpha\nbody\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"caf\x81\n")
    (tmp_path / "c.txt").write_text("Gamma\nbody\n", encoding="utf-8")
    docs, errors = read_skipping([str(tmp_path)])
    assert [d.id for d in docs] == ["a", "c"]
    assert [e.where for e in errors] == [f"{tmp_path / 'b.txt'}:1"]


def test_on_error_still_raises_when_no_file_can_be_read(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.jsonl")
    header = tmp_path / "h.csv"
    header.write_text("a,b\n1,2\n", encoding="utf-8")
    errors: list[InputError] = []
    with pytest.raises(FileError) as info:
        read_corpus([missing, str(header)], on_error=errors.append)
    assert info.value.where == missing
    assert errors == []


def test_on_error_with_only_bad_records_returns_nothing(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", "nope", {"text": "no id"})
    docs, errors = read_skipping([path])
    assert docs == []
    assert [e.where for e in errors] == [f"{path}:1", f"{path}:2"]


def test_on_error_parquet_rows(pq: Any, tmp_path: Path) -> None:
    path = write_parquet(pq, tmp_path / "p.parquet", {"id": ["a", "", "c", "a"], "text": ["x", "y", "z", "w"]})
    docs, errors = read_skipping([path])
    assert [d.id for d in docs] == ["a", "c"]
    assert [e.where for e in errors] == [f"{path}:row 2", f"{path}:row 4"]


def test_describe_skipped() -> None:
    assert describe_skipped([InputError("a.jsonl:4", "x"), InputError("b.csv:2", "y")]) == (
        "skipped 2 bad records: a.jsonl:4, b.csv:2"
    )
    assert describe_skipped([FileError("m.jsonl", "x"), InputError("b.csv:2", "y")]) == (
        "skipped 1 bad file and 1 bad record: m.jsonl, b.csv:2"
    )


# --- field mapping and made ids ------------------------------------------------------


def test_fields_map_jsonl_keys(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"guid": 7, "body": "Text.", "hed": "T", "site": "S", "when": "2024-01-02"}) + "\n",
                    encoding="utf-8")
    fields = Fields(id="guid", text="body", title="hed", outlet="site", published="when")
    [doc] = read_corpus([str(path)], fields=fields)
    assert (doc.id, doc.text, doc.title, doc.outlet, doc.published) == ("7", "Text.", "T", "S", "2024-01-02")
    err = read_error([str(path)])
    assert "record has no 'id' field (--id-field names another, --make-ids makes ids)" in err.message


def test_fields_map_parquet_columns(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"key": ["a"], "body": ["Some text."], "site": ["S"]}), path)
    [doc] = read_corpus([str(path)], fields=Fields(id="key", text="body", outlet="site"))
    assert (doc.id, doc.text, doc.outlet) == ("a", "Some text.", "S")


def test_made_ids_hash_the_url_else_the_text_and_number_repeats(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("text,url\nOne.,http://x/1\nTwo.,\nTwo.,\nThree.,http://x/1\n", encoding="utf-8")
    docs = read_corpus([str(path)], fields=Fields(make_ids=True))
    url, text = made_id("http://x/1", ""), made_id(None, "Two.")
    assert [d.id for d in docs] == [url, text, f"{text}-2", f"{url}-2"]
    assert made_id(None, "Two.") == made_id("", "Two.") != made_id(None, "Two!")


# --- pairs ---------------------------------------------------------------------------


def test_read_id_pairs_from_csv_and_jsonl(tmp_path: Path) -> None:
    csv_path = tmp_path / "p.csv"
    csv_path.write_text("a,b,id\nx,y,p1\n\nz,w,\n", encoding="utf-8")
    assert read_id_pairs(str(csv_path)) == [IdPair("x", "y", f"{csv_path}:2", "p1"), IdPair("z", "w", f"{csv_path}:4")]
    jsonl = tmp_path / "p.jsonl"
    jsonl.write_text('{"a": 1, "b": "y"}\n{"a": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="no 'b' field") as err:
        read_id_pairs(str(jsonl))
    assert err.value.where == f"{jsonl}:2"


def test_read_pairs_refuses_file_names_for_texts(tmp_path: Path) -> None:
    page = tmp_path / "story"
    page.write_text("text", encoding="utf-8")
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"id": "p", "a": "A whole text.", "b": str(page)}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="field 'b' is a file name"):
        read_pairs(str(path))
    path.write_text(json.dumps({"id": "p", "a": "A text.", "b": "corpus.jsonl"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="field 'b' is a file name"):
        read_pairs(str(path))
    path.write_text(json.dumps({"id": "p", "a": "Word", "b": "Another"}) + "\n", encoding="utf-8")
    assert read_pairs(str(path)) == [("p", "Word", "Another")]
