"""Property tests (hypothesis): no input crashes normalization, HTML extraction or the readers.

Bad input may only ever surface as an ``InputError``: anything else would reach
the user as a traceback instead of one line naming the file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.config import NormalizeConfig
from dedup.errors import InputError
from dedup.normalize import clean_text, prepare
from dedup.readers import FileError, read_corpus
from dedup.records import Document, Prepared

try:
    from dedup import html
except ImportError:
    html = None

try:
    import pyarrow
except ImportError:
    pyarrow = None

needs_html = pytest.mark.skipif(html is None, reason="needs the 'html' extra")
needs_pyarrow = pytest.mark.skipif(pyarrow is None, reason="needs the 'parquet' extra")
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that reaches the tricky corners: typographic punctuation, combining marks,
# odd spaces and line breaks, surrogates, controls, and everything else.
TRICKY = st.sampled_from(list(
    "\u2018\u2019\u201c\u201d\u2013\u2014\u2011\u2212\u00a0\u200b\ufeff\u00ad\u2022\u0301\u0308"
    "\r\n\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ufb01\u2460\uff21\u1e9b\u00bd\x00"
))
TEXT = st.text(alphabet=st.one_of(st.characters(), TRICKY)) | st.lists(
    st.sampled_from(["Mr. Smith said.", "By Jane Doe", "Share", "(AFP)", " ", "\n", "...", "U.S.", "2,000", "©"]),
).map(" ".join)

TAGS = ["<p>", "</p>", "<div>", "</div>", "<html>", "<body>", "<head>", "<title>", "</title>", "<script>",
        "<meta charset='x'>", '<meta property="og:site_name" content="', '<script type="application/ld+json">',
        '{"@graph": [', '"datePublished": "', "<!--", "-->", "<![CDATA[", "<?xml ?>", "<!DOCTYPE html>", "&amp;",
        "&#0;", "&#xD800;", '<a href="', "<br/>", "<table><tr><td>", "\x00", "\ud800"]
HTML = st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=30)), max_size=40).map("".join)


@FAST
@given(TEXT)
def test_clean_text_never_crashes_and_is_idempotent(text: str) -> None:
    cleaned = clean_text(text)
    assert isinstance(cleaned, str)
    assert clean_text(cleaned) == cleaned


@FAST
@given(TEXT)
def test_prepare_never_crashes(text: str) -> None:
    prepared = prepare(Document(id="d", text=text), frozenset(), NormalizeConfig())
    assert isinstance(prepared, Prepared)
    assert all(p.text for p in prepared.passages)


@needs_html
@FAST
@given(st.one_of(TEXT, HTML))
def test_extract_never_crashes(page: str) -> None:
    doc = html.extract(page, "dir/page.html")
    assert isinstance(doc, Document)
    assert doc.id == "page"
    assert isinstance(doc.text, str)


@needs_html
@FAST
@given(st.binary())
def test_decode_returns_text_or_input_error(data: bytes) -> None:
    try:
        assert isinstance(html.decode(data, "p.html"), str)
    except InputError:
        pass


@contextmanager
def file_with(data: bytes, suffix: str) -> Iterator[str]:
    """A temporary file holding ``data`` (hypothesis runs many examples per test, so no tmp_path)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"input{suffix}")
        with open(path, "wb") as fh:
            fh.write(data)
        yield path


JSONISH = st.lists(st.sampled_from([b'{"id": ', b'"text": ', b'"a"', b"1", b",", b"}", b"\n", b"[", b"null",
                                    b'"', b"\\u0000", b"\xff", b"\xef\xbb\xbf", b"1e999", b"9" * 5000]),
                   max_size=30).map(b"".join)
CSVISH = st.lists(st.sampled_from([b"id", b"text", b"title", b",", b'"', b"\n", b"\r\n", b"a", b" ", b"\xe9",
                                   b"x" * 140000]), max_size=30).map(b"".join)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".txt", ".jsonl.gz",
                                    pytest.param(".html", marks=needs_html),
                                    pytest.param(".parquet", marks=needs_pyarrow)])
@FAST
@given(data=st.one_of(st.binary(), JSONISH, CSVISH))
def test_read_corpus_returns_documents_or_raises_input_error(suffix: str, data: bytes) -> None:
    with file_with(data, suffix) as path:
        try:
            strict = read_corpus([path])
        except InputError:
            strict = None
        skipped: list[InputError] = []
        try:
            lenient = read_corpus([path], on_error=skipped.append)
        except FileError:
            lenient = None
    if strict is not None:
        assert lenient == strict and skipped == []
    for doc in lenient or []:
        assert isinstance(doc.id, str) and doc.id.strip() and isinstance(doc.text, str)
