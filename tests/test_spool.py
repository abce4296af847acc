"""Scratch files: records and spooled documents read back as written, in this process or another."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dedup.records import Document
from dedup.spool import Records, Spool, read_extent


def test_records_read_back_by_position_while_and_after_writing(tmp_path: Path) -> None:
    records = Records(tmp_path / "r")
    records.extend([b"alpha", b"", b"gamma"])
    assert records[0] == b"alpha" and records[2] == b"gamma"
    records.append("δ".encode())
    records.close()
    assert list(records) == [b"alpha", b"", b"gamma", "δ".encode()]
    assert records[-1] == "δ".encode() and records[1:3] == [b"", b"gamma"]
    with pytest.raises(IndexError):
        records[4]
    path, begin, end = records.extent(2, 4)
    assert Path(path).read_bytes()[begin:end] == b"gamma" + "δ".encode()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_records_read_in_a_forked_process(tmp_path: Path) -> None:
    records = Records(tmp_path / "r")
    records.extend(bytes([k]) * k for k in range(50))
    records.close()
    assert records[3] == b"\x03" * 3  # opened before the fork: the child shares the descriptor
    pid = os.fork()
    if pid == 0:
        os._exit(0 if [records[k] for k in range(49, -1, -1)] == [bytes([k]) * k for k in range(49, -1, -1)] else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert records[49] == b"\x31" * 49


def test_spool_gives_back_the_documents_in_order(tmp_path: Path) -> None:
    docs = [Document(f"d{k}", f"text {k}", title=f"t{k}", published="2024-08-01") for k in range(2500)]
    spool = Spool(tmp_path / "docs")
    for doc in docs:
        spool.append(doc)
    spool.close()
    assert len(spool) == 2500 and spool[0] == docs[0] and spool[-1] == docs[-1]
    assert spool[10:20] == docs[10:20] and spool[5:1] == [] and spool[0:6:2] == docs[0:6:2]
    assert list(spool) == docs
    assert read_extent(*spool.extent(1200, 1300)) == docs[1200:1300]
