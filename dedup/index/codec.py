"""Fixed-layout binary records of what the feed index keeps per document: no pickle, nothing executable.

A document's verification digest (``verify.Digest`` of one document) is a
sequence of sections, each a little-endian uint32 byte length and then the
bytes, in a fixed order and of fixed dtypes; decoding checks every length, so
a damaged record is refused (``CodecError``) rather than misread. A signature
is its ``num_perm`` uint64 values, 8 bytes each.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from dedup.verify import Digest

MAGIC = b"DDG1"
# Section name, dtype (None: raw bytes).
_SECTIONS: tuple[tuple[str, str | None], ...] = (
    ("vocabulary", None),
    ("doc_cols", "<i4"),
    ("doc_vals", "<f4"),
    ("passage_ptr", "<i4"),
    ("passage_cols", "<i4"),
    ("passage_vals", "<f4"),
    ("shingles", "<i4"),
    ("phrases", "<u8"),
    ("phrase_ptr", "<i4"),
    ("story", "<i2"),
    ("quoted", "<f4"),
    ("quote_open", "u1"),
    ("text", None),
)
_LENGTH = struct.Struct("<I")
_SHINGLE_WIDTH = 1 << 30


class CodecError(ValueError):
    """A stored record that is not what this version of dedup writes."""


def encode_digests(digest: Digest) -> list[bytes]:
    """One record per document of a digest, in its order."""
    out = []
    vocabulary = np.array(digest.vocabulary + ("",), dtype=object)
    passage_first = np.r_[0, np.cumsum(digest.counts)]
    docs, passages, shingles = digest.documents, digest.passages, digest.shingles
    for k in range(len(digest.ids)):
        d0, d1 = docs.indptr[k], docs.indptr[k + 1]
        p0, p1 = int(passage_first[k]), int(passage_first[k + 1])
        c0, c1 = passages.indptr[p0], passages.indptr[p1]
        doc_cols, passage_cols = docs.indices[d0:d1], passages.indices[c0:c1]
        # A passage's stems are among its document's, whose columns are sorted and distinct.
        columns = np.r_[doc_cols, passage_cols]
        local = np.searchsorted(doc_cols, columns)
        if columns.size and (not doc_cols.size or not np.array_equal(doc_cols[np.minimum(local, doc_cols.size - 1)], columns)):
            used, local = np.unique(columns, return_inverse=True)
        else:
            used = doc_cols
        local = local.astype(np.int32)
        ptr = digest.phrase_ptr[p0 : p1 + 1]
        sections = {
            "vocabulary": "\n".join(vocabulary[used].tolist()).encode("utf-8"),
            "doc_cols": local[: doc_cols.size],
            "doc_vals": docs.data[d0:d1],
            "passage_ptr": passages.indptr[p0 : p1 + 1] - c0,
            "passage_cols": local[doc_cols.size :],
            "passage_vals": passages.data[c0:c1],
            "shingles": shingles.indices[shingles.indptr[k] : shingles.indptr[k + 1]],
            "phrases": digest.phrases[ptr[0] : ptr[-1]],
            "phrase_ptr": ptr - ptr[0],
            "story": digest.story[p0:p1],
            "quoted": digest.quoted[p0:p1],
            "quote_open": digest.quote_open[p0:p1],
            "text": digest.texts[k],
        }
        out.append(_pack(sections))
    return out


def _pack(sections: dict[str, object]) -> bytes:
    parts = [MAGIC]
    for name, dtype in _SECTIONS:
        value = sections[name]
        raw = value if dtype is None else np.ascontiguousarray(value, dtype=dtype).tobytes()
        parts += [_LENGTH.pack(len(raw)), raw]
    return b"".join(parts)


def _unpack(record: bytes) -> dict[str, object]:
    if record[:4] != MAGIC:
        raise CodecError("not a digest record")
    at, out = 4, {}
    for name, dtype in _SECTIONS:
        if at + 4 > len(record):
            raise CodecError("digest record cut short")
        (length,) = _LENGTH.unpack_from(record, at)
        at += 4
        raw = record[at : at + length]
        at += length
        if len(raw) != length:
            raise CodecError("digest record cut short")
        if dtype is None:
            out[name] = raw
        else:
            if length % np.dtype(dtype).itemsize:
                raise CodecError(f"digest section {name} has a partial value")
            out[name] = np.frombuffer(raw, dtype=dtype)
    if at != len(record):
        raise CodecError("digest record has trailing bytes")
    return out


def decode_digests(ids: Sequence[str], records: Sequence[bytes]) -> Digest:
    """One digest of many stored documents, in the order given (what ``FeatureBuilder.add`` takes)."""
    vocabulary: dict[str, int] = {}
    add = vocabulary.setdefault
    unpacked = [_unpack(r) for r in records]
    doc_rows, passage_rows, shingle_rows = [], [], []
    for part in unpacked:
        stems = part["vocabulary"].decode("utf-8").split("\n") if part["vocabulary"] else []
        columns = np.array([add(s, len(vocabulary)) for s in stems] + [0], dtype=np.int32)
        doc_cols, passage_cols = part["doc_cols"], part["passage_cols"]
        ptr = part["passage_ptr"]
        n_passages = ptr.size - 1
        if (
            max(doc_cols.max(initial=-1), passage_cols.max(initial=-1)) >= len(stems)
            or doc_cols.size != part["doc_vals"].size
            or passage_cols.size != part["passage_vals"].size
            or n_passages < 0
            or int(ptr[-1]) != passage_cols.size
            or part["phrase_ptr"].size != n_passages + 1
            or int(part["phrase_ptr"][-1]) != part["phrases"].size
            or not part["story"].size == part["quoted"].size == part["quote_open"].size == n_passages
        ):
            raise CodecError("digest record is inconsistent")
        doc_rows.append((columns[doc_cols], part["doc_vals"]))
        passage_rows.append((ptr, columns[passage_cols], part["passage_vals"]))
        shingle_rows.append(part["shingles"])
    width = max(len(vocabulary), 1)
    counts = np.array([p[0].size - 1 for p in passage_rows], dtype=np.int64)
    phrase_lengths = [np.diff(p["phrase_ptr"]) for p in unpacked]
    phrases = _cat([p["phrases"] for p in unpacked], np.uint64)
    carrier = np.repeat(np.repeat(np.arange(len(unpacked)), counts), _cat(phrase_lengths, np.int64))
    order = np.lexsort((phrases, carrier))
    carrier, in_doc = carrier[order], phrases[order]
    first = np.r_[True, (carrier[1:] != carrier[:-1]) | (in_doc[1:] != in_doc[:-1])] if order.size else order
    return Digest(
        ids=tuple(ids),
        vocabulary=tuple(vocabulary),
        documents=_rows([c for c, _ in doc_rows], [v for _, v in doc_rows], width, np.float32),
        passages=_ptr_rows(passage_rows, width),
        counts=counts,
        shingles=_rows(shingle_rows, [np.ones(s.size, dtype=np.int8) for s in shingle_rows], _SHINGLE_WIDTH, np.int8),
        phrases=phrases,
        phrase_ptr=np.r_[0, np.cumsum(_cat(phrase_lengths, np.int64))].astype(np.int64),
        phrase_df=np.unique(in_doc[first.astype(bool)], return_counts=True),
        story=_cat([p["story"] for p in unpacked], np.int16),
        quoted=_cat([p["quoted"] for p in unpacked], np.float32),
        quote_open=_cat([p["quote_open"] for p in unpacked], np.uint8).astype(bool),
        texts=tuple(p["text"] for p in unpacked),
    )


def _cat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.empty(0, dtype=dtype)


def _rows(columns: list[np.ndarray], values: list[np.ndarray], width: int, dtype: type) -> sp.csr_matrix:
    """A CSR matrix with one row per (columns, values) pair; columns sorted within each row."""
    indptr = np.r_[0, np.cumsum([c.size for c in columns])].astype(np.int64)
    out = sp.csr_matrix((_cat(values, dtype), _cat(columns, np.int32), indptr), shape=(len(columns), width))
    out.has_sorted_indices = False
    out.sort_indices()
    return out


def _ptr_rows(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], width: int) -> sp.csr_matrix:
    """The passage rows of many documents stacked: each part is (indptr, columns, values) of one document."""
    starts = np.cumsum([0] + [c.size for _, c, _ in parts])
    indptr = np.r_[0, *((p[1:].astype(np.int64) + s) for (p, _, _), s in zip(parts, starts))].astype(np.int64)
    out = sp.csr_matrix(
        (_cat([v for _, _, v in parts], np.float32), _cat([c for _, c, _ in parts], np.int32), indptr),
        shape=(indptr.size - 1, width),
    )
    out.has_sorted_indices = False
    out.sort_indices()
    return out


def encode_signature(signature: np.ndarray) -> bytes:
    """A MinHash signature as fixed-width bytes."""
    return np.ascontiguousarray(signature, dtype="<u8").tobytes()


def decode_signature(record: bytes, num_perm: int) -> np.ndarray:
    if len(record) != 8 * num_perm:
        raise CodecError(f"signature of {len(record)} bytes, expected {8 * num_perm}")
    return np.frombuffer(record, dtype="<u8").astype(np.uint64)
