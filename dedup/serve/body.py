"""Request bodies as documents: one JSON object, a JSON array of them, or NDJSON, checked like the readers check.

Every problem is an ``InputError`` naming the record by its place in the body
(``body:3`` is the third line of NDJSON, ``body:record 3`` the third element of
an array), with the readers' own messages (``readers.document_from_record``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from dedup.errors import InputError
from dedup.readers import document_from_record, parse_jsonl
from dedup.records import Document

BODY = "body"


class TooLarge(InputError):
    """A body or a document over its cap (HTTP 413)."""


@dataclass(frozen=True)
class Limits:
    """Caps on what one request may carry; defaults fit a newsroom's articles with a wide margin.

    ``body``: bytes of a request body; ``document``: characters of one text;
    ``id``: characters of an id; ``events``: events in one answer of the stream.
    """

    body: int = 16 * 1024 * 1024
    document: int = 2_000_000
    id: int = 1000
    events: int = 1000


def is_ndjson(content_type: str) -> bool:
    return any(kind in content_type.lower() for kind in ("ndjson", "jsonl", "json-seq"))


def decode(raw: bytes) -> str:
    """The body as text: JSON is UTF-8 (RFC 8259), so anything else is refused, not guessed."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        raise InputError(BODY, f"not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start})") from None


def documents(raw: bytes, content_type: str, limits: Limits) -> list[Document]:
    """The documents of a request body, in order; the first bad record rejects the whole body."""
    text = decode(raw)
    items = parse_jsonl(text.splitlines(), BODY) if is_ndjson(content_type) else _json_records(text)
    docs: list[Document] = []
    seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, InputError):
            raise item
        docs.append(checked(item, seen, limits))
    if not docs:
        raise InputError(BODY, "no records in the body")
    return docs


def checked(doc: Document, seen: dict[str, str], limits: Limits) -> Document:
    """A document within the caps and not a repeat of an earlier id in the same body."""
    where = doc.origin or BODY
    check_id(doc.id, where, limits)
    if len(doc.text) > limits.document:
        raise TooLarge(where, f"text of {len(doc.text):,} characters is over the cap of {limits.document:,}")
    if doc.id in seen:
        raise InputError(where, f"duplicate id {doc.id!r} (first seen at {seen[doc.id]})")
    seen[doc.id] = where
    return doc


def check_id(doc_id: str, where: str, limits: Limits) -> None:
    if len(doc_id) > limits.id:
        raise InputError(where, f"id of {len(doc_id):,} characters is over the cap of {limits.id:,}")


def _json_records(text: str) -> Iterable[Document | InputError]:
    """A JSON object, or an array of objects, as documents (an InputError in place of a bad one)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(BODY, f"malformed JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise InputError(BODY, "malformed JSON: nested too deeply") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise InputError(BODY, "expected a JSON object or an array of objects")
    for k, record in enumerate(value, start=1):
        where = f"{BODY}:record {k}"
        if not isinstance(record, dict):
            yield InputError(where, "expected a JSON object")
            continue
        try:
            yield document_from_record(record, where)
        except InputError as err:
            yield err
