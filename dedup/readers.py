"""Read a corpus of news articles (text and HTML directories, JSONL, CSV, Parquet, stdin) into ``Document``s.

Every problem with the input is an ``InputError`` whose ``where`` points at the
file (``path``) or the record (``path:line``, ``path:row N``), so the CLI can show
one clear line instead of a traceback. Readers are looked up by file suffix in
``READERS``; adding a format means writing one ``(path, fields) -> Iterable[Document |
InputError]`` function that yields an ``InputError`` in place of a record it
cannot use (so that reading can go on past it) and raises one when the file as a
whole cannot be read. ``read_corpus`` decides whether a bad record stops the run.
``Fields`` says which record fields (JSONL keys, CSV and Parquet columns) hold
the id, text, title, outlet, url and date, and whether to make ids instead.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import itertools
import json
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from types import MappingProxyType
from typing import Any, BinaryIO, TextIO

from .encoding import text_lines
from .errors import InputError
from .records import Document

OnError = Callable[[InputError], None]

STDIN = "-"
STDIN_NAME = "<stdin>"
OPTIONAL = ("title", "outlet", "url", "published")
DIRECTORY_SUFFIXES = (".txt", ".html", ".htm")
PARQUET_BATCH_ROWS = 1024
# The place after a carriage return that is not the first half of "\r\n".
_LONE_CR = re.compile(r"(?<=\r)(?!\n)(?=.)", re.DOTALL)


@dataclass(frozen=True)
class Fields:
    """Which field of a record (JSONL key, CSV or Parquet column) each ``Document`` field is read from.

    ``make_ids``: the records have no usable ids (missing, blank, or one
    placeholder such as ``empty`` for several); every record gets one made from
    its url, else its text (``made_id``), and the id field is not read.
    """

    id: str = "id"
    text: str = "text"
    title: str = "title"
    outlet: str = "outlet"
    url: str = "url"
    published: str = "published"
    make_ids: bool = False

    def required(self) -> tuple[str, ...]:
        """The fields a record must have."""
        return (self.text,) if self.make_ids else (self.id, self.text)

    def columns(self) -> tuple[str, ...]:
        """Every field read, required first."""
        return self.required() + tuple(getattr(self, key) for key in OPTIONAL)

    def hint(self, name: str) -> str:
        """What to do about a missing field: name another (``--id-field`` and so on), or make ids."""
        flags = [f"--{key}-field" for key in ("id", "text", "title", "outlet", "url") if getattr(self, key) == name]
        flags += ["--date-field"] if name == self.published else []
        flag = flags[0] if flags else "--text-field"
        return f"{flag} names another" + (", --make-ids makes ids" if name == self.id and not self.make_ids else "")


DEFAULT_FIELDS = Fields()
Reader = Callable[[str, Fields], Iterable[Document | InputError]]


def made_id(url: str | None, text: str) -> str:
    """A stable id for a record without one: 16 hex digits of the SHA-1 of its url, else of its text."""
    return hashlib.sha1((url or text).encode("utf-8", "surrogatepass")).hexdigest()[:16]


class FileError(InputError):
    """A whole file or path that could not be read, as handed to ``on_error`` (bad records are plain InputErrors)."""


def read_corpus(
    paths: Sequence[str], stdin: TextIO | None = None, on_error: OnError | None = None,
    fields: Fields = DEFAULT_FIELDS,
) -> list[Document]:
    """Every document of ``paths`` in order (``iter_corpus`` as a list)."""
    return list(iter_corpus(paths, stdin, on_error, fields))


def iter_corpus(
    paths: Sequence[str], stdin: TextIO | None = None, on_error: OnError | None = None,
    fields: Fields = DEFAULT_FIELDS,
) -> Iterator[Document]:
    """Read every document from ``paths`` in order, as it is read, rejecting ids seen twice.

    A path is a directory of ``.txt`` / ``.html`` / ``.htm`` files, a file with a
    suffix in ``READERS``, or ``-`` for JSONL on ``stdin`` (``sys.stdin`` when not given).

    With ``on_error=None`` the first bad record or file raises its ``InputError``.
    Otherwise each bad record (malformed line, missing field, duplicate id) is passed
    to ``on_error`` and skipped, and so is each bad file as a ``FileError``, as long
    as some other file can be read: when none can, the first file's error is raised.
    ``fields`` maps record fields to document fields; with ``fields.make_ids``
    a made id seen before gets ``-2``, ``-3``, ... in reading order (copies
    of one text), so it stays stable for the same input.
    """
    corpus = _Corpus(on_error, fields.make_ids)
    stdin_used = False
    for raw in paths:
        path = os.fspath(raw)
        if path == STDIN:
            if stdin_used:
                corpus.bad_file(InputError(STDIN_NAME, "'-' (standard input) given more than once"))
                continue
            stdin_used = True
            yield from corpus.read_file(partial(_read_stdin, stdin if stdin is not None else sys.stdin, fields))
            continue
        try:
            files = _files_at(path)
        except InputError as err:
            corpus.bad_file(err)
            continue
        for file in files:
            yield from corpus.read_file(partial(_read_file, file, fields))
    corpus.finish()


class _Corpus:
    """The ids seen so far, and what to do with bad input.

    Errors met before any file has been read whole are held back: if no file can
    be read at all, the first file error is raised instead of skipping everything.
    """

    def __init__(self, on_error: OnError | None, made_ids: bool = False) -> None:
        self.on_error = on_error
        self.made_ids = made_ids
        self.seen: dict[str, str] = {}
        self.held: list[InputError] = []
        self.any_file_read = False

    def read_file(self, items: Callable[[], Iterable[Document | InputError]]) -> Iterator[Document]:
        """The new documents of one file, passing on its bad records and, if it has one, its file error."""
        for item in _file_items(items):
            if isinstance(item, FileError):
                self.bad_file(item)
                return
            if isinstance(item, InputError):
                self.bad(item)
            elif (doc := self.add(item)) is not None:
                yield doc
        self.any_file_read = True
        held, self.held = self.held, []
        for err in held:
            self.report(err)

    def add(self, doc: Document) -> Document | None:
        """``doc`` if its id is new (a made id seen before gets a number), None if it was seen before."""
        where = doc.origin or doc.id
        if self.made_ids and doc.id in self.seen:
            doc = replace(doc, id=next(f"{doc.id}-{k}" for k in itertools.count(2) if f"{doc.id}-{k}" not in self.seen))
        if doc.id in self.seen:
            self.bad(InputError(where, f"duplicate id {doc.id!r} (first seen at {self.seen[doc.id]})"))
            return None
        self.seen[doc.id] = where
        return doc

    def bad(self, err: InputError) -> None:
        """A bad record: raised when there is no ``on_error``, else reported (or held back)."""
        if self.on_error is None:
            raise err
        if self.any_file_read:
            self.report(err)
        else:
            self.held.append(err)

    def bad_file(self, err: InputError) -> None:
        """A file or path that cannot be read: handled like a bad record, as a ``FileError``."""
        self.bad(err if isinstance(err, FileError) else FileError(err.where, err.message))

    def report(self, err: InputError) -> None:
        """Hand one skipped error to the caller."""
        if self.on_error is not None:
            self.on_error(err)

    def finish(self) -> None:
        """Raise the first file error if no file could be read at all."""
        first = next((err for err in self.held if isinstance(err, FileError)), None)
        if first is not None:
            raise first


def _file_items(items: Callable[[], Iterable[Document | InputError]]) -> Iterator[Document | InputError]:
    """A reader's items, then a ``FileError`` in place of the error that stopped it, if any."""
    try:
        yield from items()
    except InputError as err:
        yield FileError(err.where, err.message)


def describe_skipped(errors: Sequence[InputError]) -> str:
    """One line for the user: how many bad records (and files) were skipped, and where."""
    files = sum(isinstance(err, FileError) for err in errors)
    records = len(errors) - files
    counts = [f"{n} bad {noun}{'s' if n != 1 else ''}" for n, noun in ((files, "file"), (records, "record")) if n]
    return f"skipped {' and '.join(counts)}: {', '.join(err.where for err in errors)}"


def _files_at(path: str) -> list[str]:
    """The files a path stands for: itself, or a directory's supported files sorted by name."""
    if not os.path.exists(path):
        raise InputError(path, "no such file or directory")
    if os.path.isdir(path):
        return dir_files(path)
    return [path]


def _read_file(path: str, fields: Fields = DEFAULT_FIELDS) -> Iterable[Document | InputError]:
    """The items of one file, read by the reader for its suffix."""
    return _reader_for(path)(path, fields)


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


def dir_files(path: str) -> list[str]:
    """The ``.txt``, ``.html`` and ``.htm`` files directly inside ``path``, sorted by name (not recursive)."""
    try:
        with os.scandir(path) as entries:
            names = sorted(
                e.name for e in entries if e.name.lower().endswith(DIRECTORY_SUFFIXES) and e.is_file()
            )
    except OSError as exc:
        raise InputError(path, f"cannot list directory: {_os_reason(exc)}") from None
    if not names:
        raise InputError(path, "no .txt, .html or .htm files in this directory")
    return [os.path.join(path, name) for name in names]


def read_txt(path: str, fields: Fields = DEFAULT_FIELDS) -> Iterator[Document]:
    """One document per text file: id from the file name, title from the first non-empty line."""
    text = "".join(_lines(path))
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    doc_id = os.path.splitext(os.path.basename(path))[0]
    yield Document(id=doc_id, text=text, title=title, origin=path)


def read_html(path: str, fields: Fields = DEFAULT_FIELDS) -> Iterator[Document]:
    """One document per web page: the article text, title, date and outlet (``dedup.html``)."""
    try:
        from .html import decode, extract
    except ImportError as exc:
        raise InputError(
            path, f"reading HTML needs the optional extractor ({exc.name or exc}): pip install -e '.[html]'"
        ) from None
    yield extract(decode(_read_bytes(path), path), path)


def read_jsonl(path: str, fields: Fields = DEFAULT_FIELDS) -> Iterator[Document | InputError]:
    """One document per JSON object line; gzip-compressed when the name ends in ``.gz``."""
    return parse_jsonl(_lines(path), path, fields)


def read_csv(path: str, fields: Fields = DEFAULT_FIELDS) -> Iterator[Document | InputError]:
    """One document per CSV row after a header row naming at least the id and text columns."""
    return _parse_csv(_lines(path), path, fields)


def read_parquet(path: str, fields: Fields = DEFAULT_FIELDS) -> Iterator[Document | InputError]:
    """One document per row of a Parquet file, streamed by record batches; ``where`` is ``path:row N``."""
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(path, "reading Parquet needs pyarrow: pip install -e '.[parquet]'") from None
    arrow_errors = (pyarrow.ArrowException, OSError, ValueError)
    try:
        table = pq.ParquetFile(path)
    except arrow_errors as exc:
        raise InputError(path, f"not a readable Parquet file ({_first_line(exc)})") from None
    with table:
        names = table.schema_arrow.names
        for column in fields.required():
            if column not in names:
                raise InputError(
                    path, f"no {column!r} column (columns: {', '.join(names) or 'none'}; {fields.hint(column)})"
                )
        columns = list(dict.fromkeys(name for name in fields.columns() if name in names))
        row = 0
        try:
            for batch in table.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
                for record in batch.to_pylist():
                    row += 1
                    values = {key: _iso_if_date(value) for key, value in record.items()}
                    yield _checked_document(values, f"{path}:row {row}", fields)
        except arrow_errors as exc:
            raise InputError(f"{path}:row {row + 1}", f"cannot read Parquet data ({_first_line(exc)})") from None


READERS: Mapping[str, Reader] = MappingProxyType(
    {
        ".txt": read_txt,
        ".html": read_html,
        ".htm": read_html,
        ".jsonl": read_jsonl,
        ".jsonl.gz": read_jsonl,
        ".csv": read_csv,
        ".csv.gz": read_csv,
        ".parquet": read_parquet,
    }
)


def _read_stdin(stream: TextIO, fields: Fields = DEFAULT_FIELDS) -> Iterator[Document | InputError]:
    """JSONL from an already-open stream: its bytes decoded like a file's when it has them, else its text."""
    binary = getattr(stream, "buffer", None)
    try:
        if binary is not None:
            yield from parse_jsonl(text_lines(binary, STDIN_NAME), STDIN_NAME, fields)
            return
        lines = iter(stream)
        first = next(lines, "")
        if "\x00" in first:
            raise InputError(STDIN_NAME, "binary file, not text (contains NUL bytes)")
        yield from parse_jsonl(itertools.chain([first.removeprefix("\ufeff")], lines), STDIN_NAME, fields)
    except OSError as exc:
        raise InputError(STDIN_NAME, f"cannot read standard input: {_os_reason(exc)}") from None


def _open_binary(path: str) -> BinaryIO:
    """The file for reading bytes, through gzip if its name ends in ``.gz``."""
    if path.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _lines(path: str) -> Iterator[str]:
    """The file's lines as text, streamed and decoded by ``dedup.encoding``; read errors as InputError."""
    try:
        with _open_binary(path) as stream:
            yield from text_lines(stream, path)
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise InputError(path, "not a valid gzip file (corrupt or truncated)") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {_os_reason(exc)}") from None


def _read_bytes(path: str) -> bytes:
    """The whole file, gunzipped if its name ends in ``.gz`` (web pages: ``dedup.html`` decodes them)."""
    try:
        with _open_binary(path) as fh:
            return fh.read()
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise InputError(path, "not a valid gzip file (corrupt or truncated)") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {_os_reason(exc)}") from None


def _json_objects(lines: Iterable[str], name: str) -> Iterator[tuple[str, dict[str, Any] | InputError]]:
    """``(where, object)`` for each non-blank line of JSON Lines text; an InputError for a bad line."""
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield where, InputError(where, f"malformed JSON: {exc.msg} (column {exc.colno})")
            continue
        except (ValueError, RecursionError) as exc:
            yield where, InputError(where, f"malformed JSON: {exc}")
            continue
        if not isinstance(record, dict):
            yield where, InputError(where, f"expected a JSON object per line, got {_json_type(record)}")
            continue
        yield where, record


def parse_jsonl(lines: Iterable[str], name: str, fields: Fields = DEFAULT_FIELDS) -> Iterator[Document | InputError]:
    """Documents from lines of JSON Lines text (an InputError in place of a bad line); blank lines are skipped."""
    for where, record in _json_objects(lines, name):
        yield record if isinstance(record, InputError) else _checked_document(record, where, fields)


def read_pairs(path: str) -> list[tuple[str, str, str]]:
    """``(id, a, b)`` text pairs from a JSONL or CSV file of records with fields ``id``, ``a`` and ``b`` (texts).

    A field that holds the name of a file instead of a text is refused: the
    texts go in the file, or the ids of a corpus' documents in ``read_id_pairs``.
    """
    pairs: list[tuple[str, str, str]] = []
    seen: dict[str, str] = {}
    for where, record in _pair_records(path, ("id", "a", "b")):
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
            if _names_a_file(text):
                raise InputError(
                    where,
                    f"field {key!r} is a file name ({text.strip()}), not a text: --pairs scores the texts in 'a' "
                    "and 'b'; to compare documents of a corpus by id: dedup compare CORPUS --pairs FILE",
                )
        pairs.append((pair_id, texts[0], texts[1]))
    return pairs


@dataclass(frozen=True)
class IdPair:
    """Two document ids to compare, where the pair was given (``file:line``) and its own id if it has one."""

    a: str
    b: str
    where: str
    id: str | None = None


def read_id_pairs(path: str) -> list[IdPair]:
    """Pairs of document ids from a JSONL or CSV file of records with fields ``a`` and ``b`` (and ``id``, optional)."""
    pairs = []
    for where, record in _pair_records(path, ("a", "b")):
        a, b = (_as_str(record[key], key, where) for key in ("a", "b"))
        if not a or not b:
            raise InputError(where, f"pair record has an empty {'a' if not a else 'b'!r}")
        pairs.append(IdPair(a, b, where, _as_str(record.get("id"), "id", where) or None))
    return pairs


def _pair_records(path: str, required: tuple[str, ...]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(where, record)`` for each record of a JSONL or CSV pairs file (by its name), every bad one an error."""
    if not os.path.isfile(path):
        raise InputError(path, "no such file")
    if path.lower().endswith((".csv", ".csv.gz")):
        items = _csv_records(_lines(path), path, required)
    else:
        items = _json_objects(_lines(path), path)
    for where, record in items:
        if isinstance(record, InputError):
            raise record
        for key in required:
            if key not in record:
                raise InputError(where, f"pair record has no {key!r} field")
        yield where, record


def _names_a_file(text: str) -> bool:
    """Whether a text is only the name of a file (one word ending in a corpus suffix, or a path that exists)."""
    name = text.strip()
    if not name or len(name.split()) > 1 or len(name) > 4096:
        return False
    return name.lower().endswith(tuple(READERS)) or os.path.isfile(name)


def _parse_csv(lines: Iterable[str], name: str, fields: Fields = DEFAULT_FIELDS) -> Iterator[Document | InputError]:
    """Documents from lines of CSV text (an InputError in place of a bad record)."""
    for where, record in _csv_records(lines, name, fields.required(), fields):
        yield record if isinstance(record, InputError) else _checked_document(record, where, fields)


def _csv_records(
    lines: Iterable[str], name: str, required: tuple[str, ...], fields: Fields | None = None
) -> Iterator[tuple[str, dict[str, str] | InputError]]:
    """``(where, row as a dict)`` for each CSV record after its header; ``where`` is the line it starts on.

    The reader is strict so that an unclosed quote is an error instead of silently
    swallowing every following record into one field. A bad record is yielded as an
    InputError and reading goes on; a file without a usable header raises.
    """
    reader = csv.reader(_split_lone_cr(lines), strict=True)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        where = f"{name}:{start}"
        try:
            row = next(reader, None)
        except csv.Error as exc:
            err = InputError(where, _csv_error_message(exc, start, reader.line_num))
            if header is None:
                raise err from None
            yield where, err
            continue
        if row is None:
            return
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = _csv_header(row, where, required, fields)
        elif len(row) != len(header):
            yield where, InputError(where, _field_count_message(header, row, start, reader.line_num))
        else:
            yield where, dict(zip(header, row))


def _split_lone_cr(lines: Iterable[str]) -> Iterator[str]:
    """Lines split after a ``\r`` that no ``\n`` follows too (old Mac line ends), as the csv module wants."""
    for line in lines:
        if "\r" in line.rstrip("\r\n"):
            yield from _LONE_CR.split(line)
        else:
            yield line


def _csv_error_message(exc: csv.Error, start: int, end: int) -> str:
    """Explain a csv.Error raised while reading the record that starts on line ``start``."""
    if "unexpected end of data" in str(exc):
        return f"unclosed quote: the quoted field starting on line {start} never ends"
    if end > start:
        return f"bad CSV: {exc} (record runs from line {start} to {end})"
    return f"bad CSV: {exc}"


def _csv_header(row: list[str], where: str, required: tuple[str, ...], fields: Fields | None = None) -> list[str]:
    """Validate the header row: required columns present, no column named twice."""
    header = [cell.strip() for cell in row]
    missing = [col for col in required if col not in header]
    if len(missing) == len(required):
        names = " and ".join(repr(col) for col in required)
        raise InputError(where, f"no header row: the first line must name the columns, including {names}"
                         + (f" ({fields.hint(missing[0])})" if fields else ""))
    if missing:
        raise InputError(where, f"header is missing the required column {missing[0]!r}"
                         + (f" (columns: {', '.join(header)}; {fields.hint(missing[0])})" if fields else ""))
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


def document_from_record(record: Mapping[str, Any], where: str, fields: Fields = DEFAULT_FIELDS) -> Document:
    """Build a Document from a parsed JSON object or CSV row; blank optional fields become None."""
    doc_id = None
    if not fields.make_ids:
        if fields.id not in record:
            raise InputError(where, f"record has no {fields.id!r} field ({fields.hint(fields.id)})")
        doc_id = _as_str(record[fields.id], fields.id, where)
        if doc_id is None or not doc_id.strip():
            raise InputError(where, f"record has an empty {fields.id!r} ({fields.hint(fields.id)})")
    if fields.text not in record:
        raise InputError(where, f"record has no {fields.text!r} field ({fields.hint(fields.text)})")
    text = record[fields.text]
    if not isinstance(text, str):
        raise InputError(where, f"field {fields.text!r} must be a string, got {_json_type(text)}")
    optional = {key: _as_str(record.get(getattr(fields, key)), getattr(fields, key), where) for key in OPTIONAL}
    present = {key: value if value and value.strip() else None for key, value in optional.items()}
    if doc_id is None:
        doc_id = made_id(present["url"], text)
    return Document(id=doc_id, text=text, origin=where, **present)


def _checked_document(record: Mapping[str, Any], where: str, fields: Fields = DEFAULT_FIELDS) -> Document | InputError:
    """The record as a Document, or the InputError that says why it cannot be one."""
    try:
        return document_from_record(record, where, fields)
    except InputError as err:
        return err


def _iso_if_date(value: Any) -> Any:
    """Dates and times (Parquet date/timestamp columns) as ISO 8601 text; other values unchanged."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message, for one-line error reports."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
