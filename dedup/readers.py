"""Read a corpus of news articles (text directories, JSONL, CSV, stdin) into ``Document``s.

Every problem with the input is raised as an ``InputError`` whose ``where`` points
at the file (``path``) or the record (``path:line``), so the CLI can show one clear
line instead of a traceback. Readers are looked up by file suffix in ``READERS``;
adding a format means writing one ``(path) -> Iterator[Document]`` function.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import sys
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TextIO

from .errors import InputError
from .records import Document

Reader = Callable[[str], Iterator[Document]]

STDIN = "-"
STDIN_NAME = "<stdin>"
REQUIRED = ("id", "text")
OPTIONAL = ("title", "outlet", "url", "published")


def read_corpus(paths: Sequence[str], stdin: TextIO | None = None) -> list[Document]:
    """Read every document from ``paths`` in order, rejecting ids seen twice.

    A path is a directory of ``.txt`` files, a file with a suffix in ``READERS``,
    or ``-`` for JSONL on ``stdin`` (``sys.stdin`` when not given).
    """
    docs: list[Document] = []
    seen: dict[str, str] = {}
    stdin_used = False
    for raw in paths:
        path = os.fspath(raw)
        if path == STDIN:
            if stdin_used:
                raise InputError(STDIN_NAME, "'-' (standard input) given more than once")
            stdin_used = True
            found = _read_stdin(stdin if stdin is not None else sys.stdin)
        else:
            found = _read_path(path)
        for doc in found:
            where = doc.origin or path
            if doc.id in seen:
                raise InputError(where, f"duplicate id {doc.id!r} (first seen at {seen[doc.id]})")
            seen[doc.id] = where
            docs.append(doc)
    return docs


def _read_path(path: str) -> Iterator[Document]:
    """Dispatch one path to the directory reader or to the reader for its suffix."""
    if not os.path.exists(path):
        raise InputError(path, "no such file or directory")
    if os.path.isdir(path):
        return read_txt_dir(path)
    return _reader_for(path)(path)


def _reader_for(path: str) -> Reader:
    """The registered reader for ``path``'s suffix (longest match wins, case-insensitive)."""
    name = os.path.basename(path).lower()
    matches = [suffix for suffix in READERS if name.endswith(suffix)]
    if not matches:
        supported = ", ".join(sorted(READERS))
        raise InputError(
            path,
            f"unsupported file type; expected a directory, '-', or a file ending in {supported}",
        )
    return READERS[max(matches, key=len)]


def read_txt_dir(path: str) -> Iterator[Document]:
    """Read the ``.txt`` files directly inside ``path``, sorted by name (not recursive)."""
    try:
        with os.scandir(path) as entries:
            names = sorted(
                e.name for e in entries if e.name.lower().endswith(".txt") and e.is_file()
            )
    except OSError as exc:
        raise InputError(path, f"cannot list directory: {_os_reason(exc)}") from None
    if not names:
        raise InputError(path, "no .txt files in this directory")
    for name in names:
        yield from read_txt(os.path.join(path, name))


def read_txt(path: str) -> Iterator[Document]:
    """One document per text file: id from the file name, title from the first non-empty line."""
    text = _read_text(path)
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    doc_id = os.path.splitext(os.path.basename(path))[0]
    yield Document(id=doc_id, text=text, title=title, origin=path)


def read_jsonl(path: str) -> Iterator[Document]:
    """One document per JSON object line; gzip-compressed when the name ends in ``.gz``."""
    return _parse_jsonl(_read_text(path), path)


def read_csv(path: str) -> Iterator[Document]:
    """One document per CSV row after a header row naming at least ``id`` and ``text``."""
    return _parse_csv(_read_text(path), path)


READERS: Mapping[str, Reader] = MappingProxyType(
    {
        ".txt": read_txt,
        ".jsonl": read_jsonl,
        ".jsonl.gz": read_jsonl,
        ".csv": read_csv,
        ".csv.gz": read_csv,
    }
)


def _read_stdin(stream: TextIO) -> Iterator[Document]:
    """JSONL from an already-open text stream."""
    try:
        text = stream.read()
    except UnicodeDecodeError as exc:
        raise InputError(STDIN_NAME, f"input is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputError(STDIN_NAME, f"cannot read standard input: {_os_reason(exc)}") from None
    if "\x00" in text:
        raise InputError(STDIN_NAME, "binary file, not text (contains NUL bytes)")
    return _parse_jsonl(text.removeprefix("\ufeff"), STDIN_NAME)


def _read_text(path: str) -> str:
    """The whole file decoded as UTF-8 (BOM stripped), gunzipped if it ends in ``.gz``."""
    try:
        if path.lower().endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                data = fh.read()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise InputError(path, "not a valid gzip file (corrupt or truncated)") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {_os_reason(exc)}") from None
    if b"\x00" in data:
        raise InputError(path, "binary file, not text (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        bad = exc.object[exc.start]
        raise InputError(
            f"{path}:{line}",
            f"file is not UTF-8 (first bad byte 0x{bad:02x} on line {line}); re-save it as UTF-8",
        ) from None


def _json_objects(text: str, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, object)`` for each non-blank line of JSON Lines text."""
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(where, f"malformed JSON: {exc.msg} (column {exc.colno})") from None
        except (ValueError, RecursionError) as exc:
            raise InputError(where, f"malformed JSON: {exc}") from None
        if not isinstance(record, dict):
            raise InputError(where, f"expected a JSON object per line, got {_json_type(record)}")
        yield where, record


def _parse_jsonl(text: str, name: str) -> Iterator[Document]:
    """Documents from JSON Lines text; blank lines are skipped."""
    for where, record in _json_objects(text, name):
        yield _document(record, where)


def read_pairs(path: str) -> list[tuple[str, str, str]]:
    """``(id, a, b)`` text pairs from a JSONL file of records with fields ``id``, ``a`` and ``b``."""
    if not os.path.isfile(path):
        raise InputError(path, "no such file")
    pairs: list[tuple[str, str, str]] = []
    seen: dict[str, str] = {}
    for where, record in _json_objects(_read_text(path), path):
        for key in ("id", "a", "b"):
            if key not in record:
                raise InputError(where, f"pair record has no {key!r} field")
        pair_id = _as_str(record["id"], "id", where)
        if not pair_id:
            raise InputError(where, "pair record has an empty 'id'")
        if pair_id in seen:
            raise InputError(where, f"duplicate id {pair_id!r} (first seen at {seen[pair_id]})")
        seen[pair_id] = where
        texts = [record[key] for key in ("a", "b")]
        for key, text in zip(("a", "b"), texts):
            if not isinstance(text, str):
                raise InputError(where, f"field {key!r} must be a string, got {_json_type(text)}")
        pairs.append((pair_id, texts[0], texts[1]))
    return pairs


def _parse_csv(text: str, name: str) -> Iterator[Document]:
    """Documents from CSV text; each ``where`` is the line on which its record starts.

    The reader is strict so that an unclosed quote is an error instead of silently
    swallowing every following record into one field.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        where = f"{name}:{start}"
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise InputError(where, _csv_error_message(exc, start, reader.line_num)) from None
        if row is None:
            return
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = _csv_header(row, where)
        elif len(row) != len(header):
            raise InputError(where, _field_count_message(header, row, start, reader.line_num))
        else:
            yield _document(dict(zip(header, row)), where)


def _csv_error_message(exc: csv.Error, start: int, end: int) -> str:
    """Explain a csv.Error raised while reading the record that starts on line ``start``."""
    if "unexpected end of data" in str(exc):
        return f"unclosed quote: the quoted field starting on line {start} never ends"
    if end > start:
        return f"bad CSV: {exc} (record runs from line {start} to {end})"
    return f"bad CSV: {exc}"


def _csv_header(row: list[str], where: str) -> list[str]:
    """Validate the header row: required columns present, no column named twice."""
    header = [cell.strip() for cell in row]
    missing = [col for col in REQUIRED if col not in header]
    if len(missing) == len(REQUIRED):
        raise InputError(
            where, "no header row: the first line must name the columns, including 'id' and 'text'"
        )
    if missing:
        raise InputError(where, f"header is missing the required column {missing[0]!r}")
    dupes = sorted({col for col in header if header.count(col) > 1})
    if dupes:
        raise InputError(where, f"column {dupes[0]!r} appears more than once in the header")
    return header


def _field_count_message(header: list[str], row: list[str], start: int, end: int) -> str:
    """Explain a row whose field count differs from the header's."""
    message = f"expected {len(header)} fields like the header, got {len(row)}"
    if end > start:
        return f"{message} (record runs from line {start} to {end}; check its quotes)"
    return f"{message}; quote fields that contain commas"


def _document(record: Mapping[str, Any], where: str) -> Document:
    """Build a Document from a parsed JSON object or CSV row; blank optional fields become None."""
    if "id" not in record:
        raise InputError(where, "record has no 'id' field")
    doc_id = _as_str(record["id"], "id", where)
    if doc_id is None or not doc_id.strip():
        raise InputError(where, "record has an empty 'id'")
    if "text" not in record:
        raise InputError(where, "record has no 'text' field")
    text = record["text"]
    if not isinstance(text, str):
        raise InputError(where, f"field 'text' must be a string, got {_json_type(text)}")
    optional = {key: _as_str(record.get(key), key, where) for key in OPTIONAL}
    present = {key: value if value and value.strip() else None for key, value in optional.items()}
    return Document(id=doc_id, text=text, origin=where, **present)


def _as_str(value: Any, key: str, where: str) -> str | None:
    """A field as text: strings as is, numbers converted, null as None; others are errors."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise InputError(where, f"field {key!r} must be a string or number, got {_json_type(value)}")


def _json_type(value: Any) -> str:
    """The JSON name of a Python value's type, for messages."""
    names = {bool: "boolean", int: "number", float: "number", str: "string"}
    names |= {list: "array", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _os_reason(exc: OSError) -> str:
    """The short reason of an OSError (e.g. 'Permission denied'), without the path."""
    return (exc.strerror or str(exc)).lower()
