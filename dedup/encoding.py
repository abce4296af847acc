"""Decode text files line by line, guessing the encoding only where the guess is safe.

A file is read as:

1. the encoding its byte-order mark names (UTF-8, UTF-16 or UTF-32, little or big endian);
2. otherwise UTF-8, if its first lines with non-ASCII bytes are valid UTF-8;
3. otherwise Windows-1252 (the Western European code page; its printable
   characters include all of Latin-1's), if those lines read as Western European
   text in it: every byte defined, no Ð ð Ý ý Þ þ (in Cyrillic, Greek, Turkish
   and CJK text read as Windows-1252 these are frequent, in English, French,
   German, Spanish, Portuguese, Italian, Dutch and Scandinavian text absent), at
   most a quarter of the letters non-ASCII, no sign such as ¹ ³ ¿ inside a word
   (Polish and Slovak in Windows-1250), no ì or ù before a letter (Czech ě, ů);
4. otherwise it is refused with an ``InputError`` naming the line of the first
   byte that is not UTF-8; so is a file whose non-ASCII bytes are mostly
   well-formed UTF-8 (UTF-8 with a corrupt byte, not a legacy encoding).

The decision is taken on a window of ``SNIFF_BYTES`` from the first line that
has a non-ASCII byte (before it, both encodings read the same), so a file is
never read whole to decide. Later lines must then hold to it: an invalid byte,
a NUL byte, or a line that is valid UTF-8 in a file read as Windows-1252 (two
encodings mixed) stops reading with an ``InputError`` at that line. A NUL byte
in the first ``SNIFF_BYTES`` of a file without a byte-order mark means a binary
file (or UTF-16 without a mark, which cannot be told from one).

What is not caught: Hungarian text in Windows-1250 reads as Windows-1252 with ő
and ű turned into õ and û, since every other letter is the same byte in both.

charset-normalizer was measured against this rule (``python -m benchmarks.encodings``)
on 48 samples: 16 languages in their legacy code pages, each as paragraphs,
inside JSON Lines and as an 80-character snippet. It got 40 right: it decoded 5
of the 21 Western European samples wrongly, as Windows-1250, -1258 or cp775
("Zürich" became "Z³rich", "giovedì" "gioved́"): the very files this reader
exists to accept; and 3 Polish and Turkish ones. The rule got 45, all but
the 3 Hungarian ones, so it is kept and the dependency is not.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

from .errors import InputError

SNIFF_BYTES = 64 * 1024
_CHUNK_BYTES = 64 * 1024

# UTF-32 LE first: its mark starts with UTF-16 LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
# One well-formed UTF-8 sequence of two to four bytes (RFC 3629).
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_LETTER = r"[^\W\d_]"
_NOT_WESTERN = re.compile("[\u00d0\u00f0\u00dd\u00fd\u00de\u00fe]")
# Windows-1252 signs that never stand between two letters of a word (apostrophes, dashes,
# the Catalan middle dot and the soft hyphen may).
_SIGN_IN_WORD = re.compile(
    f"(?<={_LETTER})[\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u2039\u201c\u201d\u2022"
    f"\u02dc\u2122\u203a\u00a0\u00a1-\u00ac\u00ae-\u00b6\u00b8-\u00bf\u00d7\u00f7](?={_LETTER})"
)
_GRAVE_IN_WORD = re.compile(f"[\u00ec\u00f9\u00cc\u00d9](?={_LETTER})")
_MAX_NON_ASCII_LETTERS = 0.25


def text_lines(stream: BinaryIO, source: str) -> Iterator[str]:
    """The lines of a byte stream as text, each with its ``\\n``, decoded as the module docstring says.

    Raises ``InputError`` (``source`` or ``source:LINE``) where the bytes cannot
    be decoded safely. Lines are split at ``\\n`` only; ``\\r`` is kept.
    """
    head = stream.read(SNIFF_BYTES)
    for bom, codec, name in _BOMS:
        if head.startswith(bom):
            body = head[len(bom) :]
            if codec == "utf-8":
                return _ascii_compatible(_raw_lines(body, stream), source, "utf-8")
            return _decoded(body, stream, codec, name, source)
    if b"\x00" in head:
        raise InputError(
            source, "binary file, not text (contains NUL bytes; UTF-16 or UTF-32 text needs a byte-order mark)"
        )
    return _ascii_compatible(_raw_lines(head, stream), source, None)


def _raw_lines(head: bytes, stream: BinaryIO) -> Iterator[bytes]:
    """Byte lines split after ``\\n``: those in ``head``, then the rest of ``stream``."""
    start = 0
    while (end := head.find(b"\n", start)) != -1:
        yield head[start : end + 1]
        start = end + 1
    tail = head[start:]
    for line in stream:
        if tail:
            line, tail = tail + line, b""
        yield line
    if tail:
        yield tail


def _ascii_compatible(lines: Iterator[bytes], source: str, codec: str | None) -> Iterator[str]:
    """Decode lines as UTF-8 or Windows-1252; with ``codec=None`` it is chosen at the first non-ASCII line."""
    numbered = enumerate(lines, start=1)
    legacy_line = 0
    for lineno, raw in numbered:
        if codec is None and not raw.isascii():
            window = [(lineno, raw)]
            size = len(raw)
            while size < SNIFF_BYTES and (following := next(numbered, None)) is not None:
                window.append(following)
                size += len(following[1])
            codec, legacy_line = choose_codec(window, source)
            for n, line in window:
                yield _decode_line(line, n, codec, source, legacy_line)
            continue
        yield _decode_line(raw, lineno, codec or "ascii", source, legacy_line)


def choose_codec(window: list[tuple[int, bytes]], source: str) -> tuple[str, int]:
    """The codec for numbered byte lines that start with a non-ASCII one, and the first line that is not UTF-8.

    ``("utf-8", 0)`` or ``("cp1252", LINE)``; an InputError when neither is safe.
    Whether the text reads as Western European is judged on the lines that are
    not UTF-8 only, so that a UTF-8 line among them is reported as such later.
    """
    data = b"".join(line for _, line in window)
    try:
        data.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    where, line = _line_at(window, first_bad, source)
    not_utf8 = f"file is not UTF-8 (first bad byte 0x{data[first_bad]:02x} on line {line})"
    sequences = UTF8_SEQUENCE.findall(data)
    stray = sum(b >= 0x80 for b in data) - sum(map(len, sequences))
    if len(sequences) >= stray:
        raise InputError(where, f"{not_utf8}; re-save it as UTF-8")
    legacy = []
    for n, raw in window:
        if _is_utf8(raw):
            continue
        try:
            legacy.append(raw.decode("cp1252"))
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source}:{n}", f"file is neither UTF-8 nor Windows-1252 (byte 0x{raw[exc.start]:02x} on line {n}); "
                "re-save it as UTF-8"
            ) from None
    if not reads_as_western("".join(legacy)):
        raise InputError(
            where, f"{not_utf8} and does not read as Western European Windows-1252 text either; re-save it as UTF-8"
        )
    return "cp1252", line


def reads_as_western(text: str) -> bool:
    """Whether text decoded as Windows-1252 looks like a Western European language (see the module docstring)."""
    if _NOT_WESTERN.search(text) or _SIGN_IN_WORD.search(text) or _GRAVE_IN_WORD.search(text):
        return False
    letters = sum(c.isalpha() for c in text)
    foreign = sum(c.isalpha() and not c.isascii() for c in text)
    return foreign <= _MAX_NON_ASCII_LETTERS * letters


def _line_at(window: list[tuple[int, bytes]], offset: int, source: str) -> tuple[str, int]:
    """``(source:LINE, LINE)`` for a byte offset into the joined window."""
    for lineno, line in window:
        if offset < len(line):
            return f"{source}:{lineno}", lineno
        offset -= len(line)
    lineno = window[-1][0]
    return f"{source}:{lineno}", lineno


def _decode_line(raw: bytes, lineno: int, codec: str, source: str, legacy_line: int) -> str:
    """One byte line as text in the file's codec; InputError on a NUL, an invalid byte or mixed encodings.

    ``legacy_line`` is the line that made the file Windows-1252, for the message on mixed encodings.
    """
    if b"\x00" in raw:
        raise InputError(f"{source}:{lineno}", f"binary data, not text (NUL byte on line {lineno})")
    if raw.isascii():
        return raw.decode("ascii")
    if codec == "cp1252" and _is_utf8(raw):
        raise InputError(
            f"{source}:{lineno}",
            f"line {lineno} is UTF-8 but line {legacy_line} is Windows-1252 (two encodings in one file); "
            "re-save it as UTF-8",
        )
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if codec == "utf-8" else "Windows-1252"
        raise InputError(
            f"{source}:{lineno}",
            f"file is not {name} like the lines before (first bad byte 0x{raw[exc.start]:02x} on line {lineno}); "
            "re-save it as UTF-8",
        ) from None


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decoded(head: bytes, stream: BinaryIO, codec: str, name: str, source: str) -> Iterator[str]:
    """Lines of a UTF-16 or UTF-32 stream (mark already removed), decoded chunk by chunk."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    lineno = 1
    pending = ""
    chunk = head
    while True:
        final = not chunk
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            line = lineno + exc.object[: exc.start].decode(codec, errors="replace").count("\n")
            raise InputError(
                f"{source}:{line}", f"file is not valid {name} as its byte-order mark says (bad data on line {line})"
            ) from None
        pending += text
        *lines, pending = pending.split("\n")
        for line in lines:
            if "\x00" in line:
                raise InputError(f"{source}:{lineno}", f"binary data, not text (NUL character on line {lineno})")
            yield line + "\n"
            lineno += 1
        if final:
            break
        chunk = stream.read(_CHUNK_BYTES)
    if pending:
        if "\x00" in pending:
            raise InputError(f"{source}:{lineno}", f"binary data, not text (NUL character on line {lineno})")
        yield pending
