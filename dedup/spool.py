"""A run's documents kept in a scratch file as they are read, so that memory does not grow with the text."""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from dedup.records import Document


class Spool(Sequence[Document]):
    """Documents appended to a file and read back by position (a chunk at a time).

    A chunk can also be read in another process from ``extent(start, stop)``,
    the file and the bytes that hold it, with ``read_extent``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._out = path.open("wb")
        self._offsets = [0]

    def append(self, doc: Document) -> None:
        """Write the next document."""
        self._out.write(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
        self._offsets.append(self._out.tell())

    def close(self) -> None:
        """Finish writing; the spool is read-only from then on."""
        if not self._out.closed:
            self._out.close()
        self._bounds = np.asarray(self._offsets, dtype=np.int64)
        self._offsets = []

    def __len__(self) -> int:
        return (self._bounds.size if self._out.closed else len(self._offsets)) - 1

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> list[Document]: ...

    def __getitem__(self, index: int | slice) -> Document | list[Document]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            docs = read_extent(*self.extent(start, max(start, stop)))
            return docs[::step]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return read_extent(*self.extent(index % len(self), index % len(self) + 1))[0]

    def __iter__(self) -> Iterator[Document]:
        for start in range(0, len(self), 1000):
            yield from self[start : start + 1000]

    def extent(self, start: int, stop: int) -> tuple[str, int, int]:
        """Where documents ``start``..``stop - 1`` are: (file, first byte, end byte)."""
        if not self._out.closed:
            raise RuntimeError("the spool is still being written: close() it first")
        return str(self.path), int(self._bounds[start]), int(self._bounds[stop])


def read_extent(path: str, begin: int, end: int) -> list[Document]:
    """The documents written between two byte offsets of a spool file."""
    with open(path, "rb") as raw:
        raw.seek(begin)
        data = io.BytesIO(raw.read(end - begin))
    docs: list[Document] = []
    while data.tell() < end - begin:
        docs.append(pickle.load(data))
    return docs
