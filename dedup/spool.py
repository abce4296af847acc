"""Scratch files of a run: records appended once and read back by position, so memory does not grow with text."""

from __future__ import annotations

import io
import os
import pickle
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

from dedup.records import Document


class Records(Sequence[bytes]):
    """Byte strings appended to a file and read back by position: alone, or a run of them as one extent.

    Reads use ``os.pread`` on one descriptor, so that processes forked while
    it is open can read through it too.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._out = path.open("wb")
        self._ends = array("q", [0])
        self._fd: int | None = None

    def append(self, item: bytes) -> None:
        """Write the next record."""
        self._out.write(item)
        self._ends.append(self._ends[-1] + len(item))

    def extend(self, items: Iterable[bytes]) -> None:
        for item in items:
            self.append(item)

    def close(self) -> None:
        """Finish writing; the records are read-only from then on."""
        self._out.close()

    def __len__(self) -> int:
        return len(self._ends) - 1

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        return self._read(self._ends[index], self._ends[index + 1])

    def _read(self, begin: int, end: int) -> bytes:
        if not self._out.closed:
            self._out.flush()
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        return os.pread(self._fd, end - begin, begin)

    def extent(self, start: int, stop: int) -> tuple[str, int, int]:
        """Where records ``start``..``stop - 1`` are: (file, first byte, end byte)."""
        if not self._out.closed:
            self._out.flush()
        return str(self.path), self._ends[start], self._ends[stop]

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)


class Spool(Sequence[Document]):
    """Documents appended to a file and read back by position (a chunk at a time).

    A chunk can also be read in another process from ``extent(start, stop)``,
    the file and the bytes that hold it, with ``read_extent``.
    """

    def __init__(self, path: Path) -> None:
        self._records = Records(path)

    def append(self, doc: Document) -> None:
        """Write the next document."""
        self._records.append(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self) -> None:
        """Finish writing; the spool is read-only from then on."""
        self._records.close()

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> list[Document]: ...

    def __getitem__(self, index: int | slice) -> Document | list[Document]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            return read_extent(*self.extent(start, max(start, stop)))[::step]
        return pickle.loads(self._records[index])

    def __iter__(self) -> Iterator[Document]:
        for start in range(0, len(self), 1000):
            yield from self[start : start + 1000]

    def extent(self, start: int, stop: int) -> tuple[str, int, int]:
        """Where documents ``start``..``stop - 1`` are: (file, first byte, end byte)."""
        return self._records.extent(start, stop)


def read_extent(path: str, begin: int, end: int) -> list[Document]:
    """The documents written between two byte offsets of a spool file."""
    with open(path, "rb") as raw:
        raw.seek(begin)
        data = io.BytesIO(raw.read(end - begin))
    docs: list[Document] = []
    while data.tell() < end - begin:
        docs.append(pickle.load(data))
    return docs
