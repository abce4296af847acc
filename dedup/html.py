"""News web pages: decode the bytes, extract the article text and the page's own metadata.

Needs the optional ``html`` extra (``pip install 'dedup[html]'``); ``dedup.readers``
imports this module only when it meets an ``.html`` / ``.htm`` file, so the core
install works without it.

The article text comes from trafilatura, which drops navigation, share bars,
teaser lists, comments and footers. Title, publication date, outlet and URL are
taken only from what the page declares (``<meta>`` tags, JSON-LD, microdata),
never guessed from the visible text: the cluster stage picks an original by
date, so a wrong guess would be worse than none.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from .errors import InputError
from .records import Document

# trafilatura logs a warning for every page it finds no text in; without a handler
# Python would print those on stderr, where the CLI keeps its own messages.
logging.getLogger("trafilatura").addHandler(logging.NullHandler())

_SNIFF_BYTES = 4096
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# Labels browsers read as windows-1252 (WHATWG Encoding Standard), and ones they read as UTF-8
# because a page cannot declare a non-ASCII-compatible encoding from inside itself.
_AS_CP1252 = frozenset({"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "cp819"})
_AS_UTF8 = frozenset({"utf-16", "utf-16le", "utf-16be", "utf-32", "utf-32le", "utf-32be"})
# Characters libxml2 refuses: C0 controls other than tab/newline/return, and lone surrogates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "pubdate",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
)
_TITLE_KEYS = ("og:title", "twitter:title")
_URL_KEYS = ("og:url",)


def decode(data: bytes, source: str) -> str:
    """The page's text: by its byte-order mark, else its declared charset, else UTF-8.

    Raises ``InputError`` for binary data (NUL bytes) and for bytes that are not
    valid in the encoding used, naming the line of the first bad byte.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], codec, source, f"page is not valid {name} as its byte-order mark says")
    if b"\x00" in data:
        raise InputError(source, "binary file, not text (contains NUL bytes)")
    label = declared_charset(data)
    if label is None:
        return _decode_as(data, "utf-8", source, "page is not UTF-8 and declares no charset")
    name = label.lower()
    if name in _AS_UTF8:
        return _decode_as(data, "utf-8", source, f"page is not UTF-8 (it declares {label}, which HTML treats as UTF-8)")
    if name in _AS_CP1252:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return _decode_as(data, "utf-8", source, f"page declares the unknown charset {label!r} and is not UTF-8")
    return _decode_as(data, codec, source, f"page is not valid {label} as it declares")


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first bytes (``<meta charset>``, http-equiv or XML declaration)."""
    head = data[:_SNIFF_BYTES]
    found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return found.group(1).decode("ascii") if found else None


def _decode_as(data: bytes, codec: str, source: str, problem: str) -> str:
    """``data`` decoded with ``codec``, or an InputError naming the line of the first bad byte."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        bad = data[exc.start]
        raise InputError(
            f"{source}:{line}",
            f"{problem} (first bad byte 0x{bad:02x} on line {line}); "
            "declare its charset with <meta charset=...> or re-save it as UTF-8",
        ) from None


def extract(html: str, source: str) -> Document:
    """The article in an HTML page as a Document (id: ``source``'s file name without extension).

    trafilatura runs with ``favor_precision``: a stray teaser or menu line would be
    shared chrome between pages of one outlet, while a dropped paragraph costs little.
    A page with no extractable text gives a Document with empty text, not an error.
    """
    doc_id = os.path.splitext(os.path.basename(source))[0]
    tree = parse(html)
    if tree is None:
        return Document(id=doc_id, text="", origin=source)
    meta = meta_tags(tree)
    objects = list(json_ld(tree))
    text = trafilatura.extract(tree, favor_precision=True, include_comments=False, deduplicate=False) or ""
    return Document(
        id=doc_id,
        text=text,
        title=_title(tree, meta, objects),
        outlet=_outlet(meta, objects),
        url=_first(meta, _URL_KEYS) or _canonical(tree),
        published=_published(tree, meta, objects),
        origin=source,
    )


def parse(html: str) -> Any:
    """An lxml tree of the page, or None when there is nothing to parse."""
    data = _NOT_XML.sub("", html).encode("utf-8")
    if not data.strip():
        return None
    try:
        return lxml_html.document_fromstring(data, parser=lxml_html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return None


def meta_tags(tree: Any) -> dict[str, str]:
    """``<meta>`` contents by lower-cased ``property``, ``name`` or ``itemprop``; the first one wins."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = (element.get("content") or "").strip()
        if not content:
            continue
        for attribute in ("property", "name", "itemprop"):
            key = (element.get(attribute) or "").strip().lower()
            if key:
                found.setdefault(key, content)
    return found


def json_ld(tree: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD blocks, nested ones and ``@graph`` members included."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text, strict=False)
        except (ValueError, RecursionError):
            continue
        yield from _objects(data, depth=0)


def _objects(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    """Dicts inside a parsed JSON value, outermost first (depth-limited against hostile pages)."""
    if depth > 8:
        return
    if isinstance(value, dict):
        yield value
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return
    for child in children:
        yield from _objects(child, depth + 1)


def iso_date(value: str) -> str | None:
    """A date or date-time in ISO 8601 (``2025-06-03`` or ``2025-06-03T07:15:00+00:00``); None if unreadable."""
    text = value.strip()
    for parse_as in (date.fromisoformat, datetime.fromisoformat, parsedate_to_datetime):
        try:
            return parse_as(text).isoformat()
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
    return None


def _published(tree: Any, meta: Mapping[str, str], objects: list[dict[str, Any]]) -> str | None:
    """The declared publication date: meta tags, then JSON-LD, then microdata on any element."""
    candidates = [meta[key] for key in _DATE_KEYS if key in meta]
    candidates += [o["datePublished"] for o in objects if isinstance(o.get("datePublished"), str)]
    for element in tree.xpath("//*[@itemprop='datePublished']"):
        candidates.append(element.get("content") or element.get("datetime") or "")
    return next((iso for iso in map(iso_date, candidates) if iso), None)


def _title(tree: Any, meta: Mapping[str, str], objects: list[dict[str, Any]]) -> str | None:
    """og/twitter title, else the JSON-LD headline, else ``<title>``, else the first ``<h1>``."""
    title = _first(meta, _TITLE_KEYS) or _first_str(objects, "headline")
    if title:
        return title
    for tag in ("title", "h1"):
        element = next(tree.iter(tag), None)
        text = " ".join(element.text_content().split()) if element is not None else ""
        if text:
            return text
    return None


def _outlet(meta: Mapping[str, str], objects: list[dict[str, Any]]) -> str | None:
    """``og:site_name``, else the name of the JSON-LD publisher."""
    if meta.get("og:site_name"):
        return meta["og:site_name"]
    for obj in objects:
        publisher = obj.get("publisher")
        publishers = publisher if isinstance(publisher, list) else [publisher]
        for item in publishers:
            name = item.get("name") if isinstance(item, dict) else item
            if isinstance(name, str) and name.strip():
                return name.strip()
    return None


def _canonical(tree: Any) -> str | None:
    """The page's ``<link rel="canonical">`` address."""
    for element in tree.iter("link"):
        if (element.get("rel") or "").strip().lower() == "canonical" and (element.get("href") or "").strip():
            return element.get("href").strip()
    return None


def _first(meta: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` present in ``meta``."""
    return next((meta[key] for key in keys if meta.get(key)), None)


def _first_str(objects: list[dict[str, Any]], key: str) -> str | None:
    """The first non-blank string value of ``key`` among JSON-LD objects."""
    return next((o[key].strip() for o in objects if isinstance(o.get(key), str) and o[key].strip()), None)
