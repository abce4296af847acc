"""The SQLite backend of the feed index: one file, nothing to start.

WAL mode, so readers query while a writer adds; one transaction per batch,
``synchronous=FULL`` so that a committed batch survives a crash. Digests and
signatures are fixed-layout binary (``codec``), verdicts and matches JSON:
nothing stored is ever unpickled. The schema version is ``PRAGMA
user_version`` and the file is marked with an application id; a file that is
not an index of this version (empty, truncated, foreign, newer) is refused on
opening, before anything is written to it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from dedup.index.layout import Members
from dedup.index.store import (
    SCHEMA_VERSION,
    Changes,
    IndexFileError,
    StoredDoc,
    StoredMatch,
    chunks,
    match_from_json,
    match_json,
    verdict_from_json,
    verdict_json,
)
from dedup.records import EventKind, IndexEvent

# "DDUP": marks the file as a dedup index (``PRAGMA application_id``).
APPLICATION_ID = 0x44445550
_HEADER = b"SQLite format 3\x00"
# Values passed to one statement as a JSON array.
_BATCH = 1 << 16
# Recent bucket members are merged into the main table from this many rows, and this fraction of it, on.
_MIN_RECENT = 1 << 20
_RECENT_SHARE = 8

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE docs(
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, text_hash BLOB NOT NULL, published TEXT,
    length INTEGER NOT NULL, at REAL NOT NULL, label TEXT NOT NULL, cluster TEXT NOT NULL,
    verdict TEXT NOT NULL, event INTEGER NOT NULL);
CREATE INDEX docs_at ON docs(at);
CREATE TABLE blobs(seq INTEGER PRIMARY KEY, digest BLOB NOT NULL, signature BLOB NOT NULL, bands BLOB NOT NULL);
CREATE TABLE members(key INTEGER NOT NULL, doc INTEGER NOT NULL, passage INTEGER NOT NULL,
    PRIMARY KEY(key, doc, passage)) WITHOUT ROWID;
CREATE TABLE recent(key INTEGER NOT NULL, doc INTEGER NOT NULL, passage INTEGER NOT NULL,
    PRIMARY KEY(key, doc, passage)) WITHOUT ROWID;
CREATE TABLE matches(a INTEGER NOT NULL, b INTEGER NOT NULL, body TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE INDEX matches_b ON matches(b);
CREATE INDEX matches_n ON matches(n);
CREATE TABLE checked(a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE INDEX checked_b ON checked(b);
CREATE TABLE stems(stem TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE phrases(hash INTEGER PRIMARY KEY, df INTEGER NOT NULL);
CREATE TABLE lines(hash INTEGER PRIMARY KEY, df INTEGER NOT NULL);
CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, doc TEXT NOT NULL,
    verdict TEXT NOT NULL);
"""
# Schema changes, by the version they lead to: applied in order to an older index when it is opened.
MIGRATIONS: dict[int, str] = {}


def check_file(path: Path) -> None:
    """Refuse, without writing to it, a file that is not a dedup index this version can open."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(100)
    if size == 0:
        raise IndexFileError(str(path), "empty file, not a dedup index")
    if header[:16] != _HEADER:
        raise IndexFileError(str(path), "not a dedup index (not an SQLite database)")
    if len(header) < 100:
        raise IndexFileError(str(path), f"truncated index file ({size} bytes)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] == header[92:96] and size < pages * page_size:
        raise IndexFileError(str(path), f"truncated index file ({size} bytes of {pages * page_size})")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        try:
            (app,) = conn.execute("PRAGMA application_id").fetchone()
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" in tables:
                conn.execute("SELECT key, value FROM meta").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        raise IndexFileError(str(path), f"corrupt index file ({err})") from None
    if app != APPLICATION_ID or "meta" not in tables:
        raise IndexFileError(str(path), "not a dedup index (an SQLite database of something else)")
    if version > SCHEMA_VERSION:
        raise IndexFileError(str(path), f"index schema version {version} is newer than this dedup reads ({SCHEMA_VERSION}); upgrade dedup")


class SQLiteStore:
    """A feed index in one SQLite file (created when missing)."""

    def __init__(self, path: str | Path, create: bool = True, meta: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        exists = self.path.exists()
        if exists:
            check_file(self.path)
        elif not create:
            raise IndexFileError(str(path), "no such index")
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=600, check_same_thread=False)
            self.conn.execute("PRAGMA busy_timeout = 600000")
            if not exists:
                self._create(meta or {})
            else:
                self._migrate()
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA cache_size = -65536")
        except sqlite3.DatabaseError as err:
            raise IndexFileError(str(path), f"corrupt index file ({err})") from None

    def _create(self, meta: dict[str, str]) -> None:
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA application_id = {APPLICATION_ID}; "
            f"PRAGMA user_version = {SCHEMA_VERSION};")
        rows = {"next_seq": "1", "n_docs": "0", "created": str(time.time()), **meta}
        self.conn.executemany("INSERT INTO meta VALUES (?, ?)", rows.items())
        self.conn.execute("COMMIT")

    def _migrate(self) -> None:
        (version,) = self.conn.execute("PRAGMA user_version").fetchone()
        for target in sorted(v for v in MIGRATIONS if v > version):
            self.conn.executescript(f"BEGIN IMMEDIATE; {MIGRATIONS[target]} PRAGMA user_version = {target}; COMMIT;")

    @contextmanager
    def transaction(self, write: bool) -> Iterator[None]:
        try:
            self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as err:
            raise IndexFileError(str(self.path), f"corrupt index file ({err})") from None

    def meta(self) -> dict[str, str]:
        try:
            return dict(self.conn.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as err:
            raise IndexFileError(str(self.path), f"corrupt index file ({err})") from None

    def next_seq(self) -> int:
        return int(self.conn.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()[0])

    def _docs(self, column: str, values: Sequence) -> list[StoredDoc]:
        out = []
        for part in chunks(list(values), _BATCH):
            out += [
                StoredDoc(seq, doc_id, bytes(h), published, length, at, verdict_from_json(v), event)
                for seq, doc_id, h, published, length, at, v, event in self.conn.execute(
                    "SELECT seq, id, text_hash, published, length, at, verdict, event FROM docs "
                    f"WHERE {column} IN (SELECT value FROM json_each(?))", (json.dumps(list(part)),))
            ]
        return out

    def docs_by_id(self, ids: Sequence[str]) -> dict[str, StoredDoc]:
        return {d.id: d for d in self._docs("id", ids)}

    def docs_by_seq(self, seqs: Sequence[int]) -> dict[int, StoredDoc]:
        return {d.seq: d for d in self._docs("seq", [int(s) for s in seqs])}

    def digests(self, seqs: Sequence[int]) -> dict[int, bytes]:
        out = {}
        for part in chunks([int(s) for s in seqs], _BATCH):
            out.update(self.conn.execute(
                "SELECT seq, digest FROM blobs WHERE seq IN (SELECT value FROM json_each(?))", (json.dumps(part),)))
        return out

    def members(self, keys: np.ndarray, cap: int) -> Members:
        rows: list[tuple[int, int, int]] = []
        for part in chunks(np.unique(keys).tolist(), _BATCH):
            rows += self.conn.execute(
                "SELECT m.key, m.doc, m.passage FROM json_each(?1) j JOIN members m ON m.key = j.value "
                "UNION ALL SELECT r.key, r.doc, r.passage FROM json_each(?1) j JOIN recent r ON r.key = j.value",
                (json.dumps(part),)).fetchall()
        found = np.array(rows, dtype=np.int64).reshape(-1, 3)
        order = np.lexsort((found[:, 2], found[:, 1], found[:, 0]))
        found = found[order]
        keys_found = found[:, 0]
        starts = np.searchsorted(keys_found, keys_found, side="left")
        keep = np.arange(keys_found.size) - starts < cap
        found = found[keep]
        return Members(found[:, 0].copy(), found[:, 1].copy(), found[:, 2].astype(np.int32))

    def matches(self, seqs: Sequence[int]) -> list[StoredMatch]:
        out: dict[tuple[int, int], StoredMatch] = {}
        for part in chunks([int(s) for s in seqs], _BATCH):
            arg = json.dumps(part)
            for a, b, body, n in self.conn.execute(
                "SELECT a, b, body, n FROM matches WHERE a IN (SELECT value FROM json_each(?1)) "
                "UNION ALL SELECT a, b, body, n FROM matches WHERE b IN (SELECT value FROM json_each(?1))", (arg,)):
                if (a, b) not in out:
                    out[(a, b)] = StoredMatch(a, b, match_from_json(body), n)
        return list(out.values())

    def stale(self, below: int, limit: int) -> list[tuple[int, int]]:
        return [tuple(r) for r in self.conn.execute(
            "SELECT a, b FROM matches WHERE n < ? ORDER BY n LIMIT ?", (below, limit))]

    def checked(self, pairs: np.ndarray) -> np.ndarray:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        found: set[tuple[int, int]] = set()
        for part in chunks(pairs.tolist(), _BATCH):
            found.update(self.conn.execute(
                "SELECT c.a, c.b FROM json_each(?) j JOIN checked c "
                "ON c.a = json_extract(j.value, '$[0]') AND c.b = json_extract(j.value, '$[1]')",
                (json.dumps(part),)))
        return np.array([tuple(p) in found for p in pairs.tolist()], dtype=bool)

    def counts(self, stems: Sequence[str], phrases: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        n = int(self.conn.execute("SELECT value FROM meta WHERE key = 'n_docs'").fetchone()[0])
        stem_df: dict[str, int] = {}
        for part in chunks(list(stems), _BATCH):
            stem_df.update(self.conn.execute(
                "SELECT s.stem, s.df FROM json_each(?) j JOIN stems s ON s.stem = j.value", (json.dumps(part),)))
        keys = np.asarray(phrases, dtype=np.uint64).view(np.int64)
        phrase_df: dict[int, int] = {}
        for part in chunks(keys.tolist(), _BATCH):
            phrase_df.update(self.conn.execute(
                "SELECT p.hash, p.df FROM json_each(?) j JOIN phrases p ON p.hash = j.value", (json.dumps(part),)))
        return (
            n,
            np.array([stem_df.get(s, 0) for s in stems], dtype=np.int64),
            np.array([phrase_df.get(k, 0) for k in keys.tolist()], dtype=np.int64),
        )

    def line_counts(self, hashes: np.ndarray) -> np.ndarray:
        keys = np.asarray(hashes, dtype=np.uint64).view(np.int64).tolist()
        found: dict[int, int] = {}
        for part in chunks(keys, _BATCH):
            found.update(self.conn.execute(
                "SELECT l.hash, l.df FROM json_each(?) j JOIN lines l ON l.hash = j.value", (json.dumps(part),)))
        return np.array([found.get(k, 0) for k in keys], dtype=np.int64)

    def apply(self, changes: Changes) -> list[IndexEvent]:
        c = self.conn
        gone = gone_main = 0
        for seq in changes.removed:
            row = c.execute("SELECT bands FROM blobs WHERE seq = ?", (seq,)).fetchone()
            keys = np.frombuffer(row[0], dtype="<i8").tolist() if row else []
            gone += c.executemany("DELETE FROM recent WHERE key = ? AND doc = ?", ((k, seq) for k in keys)).rowcount
            gone_main += c.executemany("DELETE FROM members WHERE key = ? AND doc = ?", ((k, seq) for k in keys)).rowcount
            for table in ("docs", "blobs"):
                c.execute(f"DELETE FROM {table} WHERE seq = ?", (seq,))
            for table in ("matches", "checked"):
                c.execute(f"DELETE FROM {table} WHERE a = ?1 OR b = ?1", (seq,))
        events: list[IndexEvent] = []
        event_of: dict[int, int] = {}
        for kind, doc_seq, verdict in changes.events:
            cur = c.execute("INSERT INTO events(kind, doc, verdict) VALUES (?, ?, ?)",
                            (kind.value, verdict.id, verdict_json(verdict)))
            events.append(IndexEvent(int(cur.lastrowid), kind, verdict))
            if kind is not EventKind.REMOVED:
                event_of[doc_seq] = int(cur.lastrowid)
        c.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((d.doc.seq, d.doc.id, d.doc.text_hash, d.doc.published, d.doc.length, d.doc.at, d.doc.verdict.label.value,
              d.doc.verdict.cluster, verdict_json(d.doc.verdict), event_of.get(d.doc.seq, 0)) for d in changes.docs))
        c.executemany("INSERT INTO blobs VALUES (?, ?, ?, ?)",
                      ((d.doc.seq, d.digest, d.signature, d.bands) for d in changes.docs))
        c.executemany(
            "UPDATE docs SET verdict = ?, label = ?, cluster = ?, event = ? WHERE seq = ?",
            ((verdict_json(v), v.label.value, v.cluster, event_of.get(seq, 0), seq)
             for seq, v in changes.verdicts.items()))
        m = changes.members
        order = np.lexsort((m.passages, m.docs, m.keys))
        m = m.take(order)
        added = c.executemany("INSERT OR IGNORE INTO recent VALUES (?, ?, ?)",
                              zip(m.keys.tolist(), m.docs.tolist(), m.passages.tolist())).rowcount
        if gone_main:
            c.execute("UPDATE meta SET value = CAST(value AS INTEGER) - ? WHERE key = 'member_rows'", (gone_main,))
        self._merge_recent(max(added, 0), gone)
        c.executemany("DELETE FROM matches WHERE a = ? AND b = ?", changes.dropped)
        c.executemany("INSERT OR REPLACE INTO matches VALUES (?, ?, ?, ?)",
                      ((x.a, x.b, match_json(x.match), x.n) for x in changes.matches))
        c.executemany("INSERT OR IGNORE INTO checked VALUES (?, ?)", changes.checked.tolist())
        c.executemany("INSERT INTO stems VALUES (?, ?) ON CONFLICT(stem) DO UPDATE SET df = df + excluded.df",
                      changes.stem_df.items())
        c.execute("DELETE FROM stems WHERE stem IN (SELECT value FROM json_each(?)) AND df <= 0",
                  (json.dumps([s for s, d in changes.stem_df.items() if d < 0]),))
        hashes, deltas = changes.phrase_df
        c.executemany("INSERT INTO phrases VALUES (?, ?) ON CONFLICT(hash) DO UPDATE SET df = df + excluded.df",
                      zip(hashes.astype(np.uint64).view(np.int64).tolist(), deltas.tolist()))
        if (deltas < 0).any():
            c.execute("DELETE FROM phrases WHERE hash IN (SELECT value FROM json_each(?)) AND df <= 0",
                      (json.dumps(hashes.astype(np.uint64).view(np.int64)[deltas < 0].tolist()),))
        hashes, counts = changes.lines
        c.executemany("INSERT INTO lines VALUES (?, ?) ON CONFLICT(hash) DO UPDATE SET df = df + excluded.df",
                      zip(hashes.astype(np.uint64).view(np.int64).tolist(), counts.tolist()))
        c.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'n_docs'", (changes.n_docs,))
        if changes.docs:
            top = max(d.doc.seq for d in changes.docs) + 1
            c.execute("UPDATE meta SET value = MAX(CAST(value AS INTEGER), ?) WHERE key = 'next_seq'", (top,))
        return events

    def _merge_recent(self, added: int, removed: int) -> None:
        """Move the recent bucket members into the main table once they are an eighth of it, in key order.

        Band keys are random: inserted batch by batch into one large B-tree they
        dirty most of its pages at every commit, and WAL mode writes each dirty
        page. Gathered in a small table and merged in key order, each page of the
        large one is written once a merge. Row counts are kept in ``meta``.
        """
        c = self.conn
        rows = dict(c.execute("SELECT key, CAST(value AS INTEGER) FROM meta WHERE key IN ('recent_rows', 'member_rows')"))
        recent, main = rows.get("recent_rows", 0) + added - removed, rows.get("member_rows", 0)
        if recent >= max(_MIN_RECENT, main // _RECENT_SHARE):
            c.execute("INSERT OR IGNORE INTO members SELECT key, doc, passage FROM recent ORDER BY key, doc, passage")
            c.execute("DELETE FROM recent")
            recent, main = 0, main + recent
        c.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                      (("recent_rows", str(recent)), ("member_rows", str(main))))

    def events(self, since: int = 0, limit: int | None = None) -> list[IndexEvent]:
        rows = self.conn.execute("SELECT seq, kind, verdict FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                                 (since, -1 if limit is None else limit))
        return [IndexEvent(seq, EventKind(kind), verdict_from_json(v)) for seq, kind, v in rows]

    def older_than(self, at: float) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM docs WHERE at < ? ORDER BY at, seq", (at,))]

    def stats(self) -> dict[str, Any]:
        c = self.conn
        labels = dict(c.execute("SELECT label, count(*) FROM docs GROUP BY label"))
        clusters = c.execute("SELECT count(*) FROM (SELECT 1 FROM docs GROUP BY cluster HAVING count(*) > 1)").fetchone()
        last = c.execute("SELECT max(seq) FROM events").fetchone()[0]
        files = [self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]
        return {
            "documents": sum(labels.values()),
            "clusters": clusters[0],
            "labels": {k: labels.get(k, 0) for k in ("original", "syndicated", "rewrite")},
            "bytes": sum(p.stat().st_size for p in files if p.exists()),
            "last_event": last or 0,
        }

    def close(self) -> None:
        self.conn.close()
