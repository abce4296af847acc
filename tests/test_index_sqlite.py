"""The SQLite store refuses files that are not its indexes, without touching them; writers are atomic."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.index import Index, IndexFileError
from dedup.records import Document


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _made(tmp_path: Path, docs: list[Document]) -> Path:
    path = tmp_path / "feed.db"
    with Index(path) as index:
        index.add(docs)
    return path


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things(x)")
    conn.commit()
    conn.close()


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096:] = os.urandom(len(data) - 4096)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("id,text\n1,hello\n"), "not an SQLite database"),
        (_foreign, "not a dedup index"),
        (_newer, "newer than this dedup"),
        (_truncated, "truncated"),
        (_corrupt, "corrupt"),
    ],
    ids=["empty", "text", "foreign", "newer", "truncated", "corrupt"],
)
def test_a_bad_file_is_one_line_exit_2_and_left_alone(tmp_path: Path, news_docs: list[Document], spoil,
                                                     message: str) -> None:
    path = tmp_path / "feed.db"
    if spoil in (_newer, _truncated, _corrupt):
        path = _made(tmp_path, news_docs[:3])
    elif spoil is _foreign:
        _foreign(path)
    else:
        spoil(path)
    if spoil in (_newer, _truncated, _corrupt):
        spoil(path)
    before = _digest(path)
    runner = CliRunner()
    for args in (["add", "--db", str(path), str(tmp_path / "in.jsonl")], ["stats", "--db", str(path)],
                 ["show", "--db", str(path), news_docs[0].id]):
        (tmp_path / "in.jsonl").write_text('{"id": "x", "text": "A few words of text here for it."}\n')
        result = runner.invoke(main, ["index", *args])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("dedup: error: ") and message in lines[0], result.output
        assert _digest(path) == before
    with pytest.raises(IndexFileError):
        Index(path)


_WRITER = """
import sys
from dedup.index import Index
from dedup.readers import read_corpus
docs = read_corpus([sys.argv[2]])
with Index(sys.argv[1]) as index:
    for k in range(0, len(docs)):
        for event in index.add([docs[k]]).events:
            print(event.verdict.id, flush=True)
"""


def _many(news_docs: list[Document], n: int) -> list[Document]:
    """``n`` distinct documents built from the fixture's (different ids, texts varied)."""
    return [Document(f"{d.id}-{k}", d.text + f"\n\nEdition {k} of the story, number {k * 7919}.", d.title,
                     d.outlet, None, d.published) for k in range(n) for d in news_docs]


def test_a_killed_writer_loses_nothing_it_reported(tmp_path: Path, news_docs: list[Document]) -> None:
    docs = _many(news_docs, 12)
    corpus = tmp_path / "in.jsonl"
    import json

    corpus.write_text("".join(json.dumps({"id": d.id, "text": d.text, "published": d.published}) + "\n"
                              for d in docs))
    path = tmp_path / "feed.db"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(corpus)], stdout=subprocess.PIPE,
                              text=True)
    reported = []
    assert writer.stdout is not None
    for line in writer.stdout:
        reported.append(line.split()[0])
        if len(reported) == 10:
            writer.send_signal(signal.SIGKILL)
            break
    writer.wait()
    with Index(path) as index:
        for doc_id in reported:
            assert index.get(doc_id).verdict.id == doc_id
        index.add(docs)
        index.add(docs)
        assert index.stats()["documents"] == len(docs)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*), count(DISTINCT id) FROM docs").fetchone() == (len(docs), len(docs))


def test_readers_query_while_a_writer_adds(tmp_path: Path, news_docs: list[Document]) -> None:
    docs = _many(news_docs, 8)
    path = tmp_path / "feed.db"
    with Index(path) as index:
        index.add(docs[:5])
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            with Index(path) as reader:
                while not done.is_set():
                    seen.append(reader.stats()["documents"])
                    reader.query(news_docs[:2])
                    time.sleep(0.01)
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            errors.append(err)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        with Index(path) as writer:
            for k in range(5, len(docs), 5):
                writer.add(docs[k : k + 5])
    finally:
        done.set()
        thread.join()
    assert not errors
    assert seen and seen == sorted(seen) and seen[0] >= 5


def test_bucket_members_merged_into_the_main_table_judge_alike(tmp_path: Path, news_docs: list[Document],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """With a merge after every batch, feeding and removing give the same verdicts as without."""
    import dedup.index.sqlite as backend

    docs = sorted(news_docs, key=lambda d: d.published or "")

    def verdicts(path: Path) -> list:
        with Index(path) as index:
            for doc in docs:
                index.add([doc])
            index.remove([docs[0].id])
            index.add([Document("late", docs[1].text + "\n\nA line the late copy adds.", published=docs[-1].published)])
            return [(e.kind, e.verdict) for e in index.events()]

    plain = verdicts(tmp_path / "plain.db")
    monkeypatch.setattr(backend, "_MIN_RECENT", 1)
    monkeypatch.setattr(backend, "_RECENT_SHARE", 1)
    assert verdicts(tmp_path / "merged.db") == plain
    conn = sqlite3.connect(tmp_path / "merged.db")
    meta = dict(conn.execute("SELECT key, CAST(value AS INTEGER) FROM meta"))
    assert conn.execute("SELECT count(*) FROM members").fetchone()[0] == meta["member_rows"] > 0
    assert conn.execute("SELECT count(*) FROM recent").fetchone()[0] == meta["recent_rows"]
