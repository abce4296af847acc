"""The Redis backend of the feed index: one index shared by writers on several hosts.

Layout (every key under ``dedup:`` in the chosen database; datasketch's Redis
storage, a hash per band of LSH buckets, was the reference):

- ``dedup:meta`` (hash): schema version, configuration, next document and event numbers, counts;
- ``dedup:ids`` (hash): document id -> sequence number; ``dedup:d:<seq>`` (hash): the document's
  verdict, fields and blobs (digest, signature, band keys); ``dedup:at`` (sorted set): age;
- ``dedup:m:<2 bytes>`` (hashes): bucket key (8 bytes) -> its first members, 12 bytes each
  (document int64, passage int32), grouped by the key's first two bytes;
- ``dedup:x:<seq>`` (hash): partner -> match JSON; ``dedup:age`` (sorted set): each match's IDF age; ``dedup:c:<seq>`` (set): verified partners above it;
- ``dedup:stems``, ``dedup:phrases``, ``dedup:lines`` (hashes): document frequencies and line counts; ``dedup:events`` (list): the events.

Writers hold one lock (``dedup:lock``) for a batch, reads included, so two writers
adding the same article store it once; a batch's writes go in one MULTI/EXEC,
so a reader never sees half of one and a killed writer leaves none of it.
Readers take the lock too, between batches. Bucket lookups and appends run as
Lua scripts over packed keys: one round trip per batch, not one per key.
Durability is Redis's own (``appendonly yes`` for a feed that must survive a
crash of the server).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

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

P = "dedup:"
_APP = "dedup-index"
_MEMBER = np.dtype([("doc", "<i8"), ("passage", "<i4")])
_LOOKUP = """
local prefix, keys, out = ARGV[1], ARGV[2], {}
for i = 1, #keys, 8 do
  local key = string.sub(keys, i, i + 7)
  local found = redis.call('HGET', prefix .. 'm:' .. string.sub(key, 1, 2), key)
  if found then
    out[#out + 1] = key .. struct.pack('<I4', #found) .. found
  end
end
return table.concat(out)
"""
_APPEND = """
local prefix, records = ARGV[1], ARGV[2]
for i = 1, #records, 20 do
  local key = string.sub(records, i, i + 7)
  local name = prefix .. 'm:' .. string.sub(key, 1, 2)
  redis.call('HSET', name, key, (redis.call('HGET', name, key) or '') .. string.sub(records, i + 8, i + 19))
end
return 0
"""
_DROP = """
local prefix, records = ARGV[1], ARGV[2]
for i = 1, #records, 16 do
  local key, doc = string.sub(records, i, i + 7), string.sub(records, i + 8, i + 15)
  local name = prefix .. 'm:' .. string.sub(key, 1, 2)
  local found = redis.call('HGET', name, key)
  if found then
    local kept = {}
    for j = 1, #found, 12 do
      if string.sub(found, j, j + 7) ~= doc then kept[#kept + 1] = string.sub(found, j, j + 11) end
    end
    if #kept == 0 then redis.call('HDEL', name, key) else redis.call('HSET', name, key, table.concat(kept)) end
  end
end
return 0
"""
# Creates the meta hash unless it exists; refuses a database holding anything else (one atomic step).
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
if redis.call('DBSIZE') > 0 then return 'foreign' end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 'made'
"""
_BATCH = 4096


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8")


class RedisStore:
    """A feed index in a Redis database (``redis://host:port/N``), created when empty."""

    def __init__(self, url: str, create: bool = True, meta: dict[str, str] | None = None) -> None:
        try:
            import redis
        except ImportError:
            raise IndexFileError(url, "the Redis backend needs redis-py: pip install 'dedup[redis]'") from None
        self._errors = (redis.RedisError,)
        self.location = url
        try:
            self.r = redis.Redis.from_url(url, socket_timeout=600)
            if not self.r.exists(P + "meta"):
                if not create:
                    raise IndexFileError(url, "no such index")
                rows = {"app": _APP, "schema": str(SCHEMA_VERSION), "next_seq": "1", "n_docs": "0",
                        "created": str(time.time()), **(meta or {})}
                made = self.r.eval(_CREATE, 1, P + "meta", *(x for kv in rows.items() for x in kv))
                if made == b"foreign":
                    raise IndexFileError(url, "not a dedup index (the Redis database holds other keys)")
            stored = self.r.hgetall(P + "meta")
            if stored.get(b"app") != _APP.encode():
                raise IndexFileError(url, "not a dedup index (its meta hash is someone else's)")
            version = int(stored.get(b"schema", b"0"))
            if version > SCHEMA_VERSION:
                raise IndexFileError(
                    url, f"index schema version {version} is newer than this dedup reads ({SCHEMA_VERSION}); upgrade dedup")
            self._lookup = self.r.register_script(_LOOKUP)
            self._append = self.r.register_script(_APPEND)
            self._drop = self.r.register_script(_DROP)
            self._lock = self.r.lock(P + "lock", timeout=900, blocking_timeout=1800)
        except redis.RedisError as err:
            raise IndexFileError(url, f"cannot use the Redis index ({err})") from None

    @contextmanager
    def transaction(self, write: bool) -> Iterator[None]:
        try:
            with self._lock:
                yield
        except self._errors as err:
            raise IndexFileError(self.location, f"Redis error ({err})") from None

    def meta(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.r.hgetall(P + "meta").items()}

    def next_seq(self) -> int:
        return int(self.r.hget(P + "meta", "next_seq"))

    def _docs(self, seqs: Sequence[int]) -> dict[int, StoredDoc]:
        fields = ("id", "text_hash", "published", "length", "at", "verdict", "event")
        out = {}
        for part in chunks(list(seqs), _BATCH):
            pipe = self.r.pipeline(transaction=False)
            for seq in part:
                pipe.hmget(f"{P}d:{seq}", fields)
            for seq, (doc_id, h, published, length, at, verdict, event) in zip(part, pipe.execute()):
                if doc_id is not None:
                    out[seq] = StoredDoc(seq, doc_id.decode(), bytes(h), _text(published), int(length), float(at),
                                         verdict_from_json(verdict.decode()), int(event))
        return out

    def docs_by_id(self, ids: Sequence[str]) -> dict[str, StoredDoc]:
        seqs = [int(s) for s in self.r.hmget(P + "ids", list(ids)) if s is not None] if ids else []
        return {d.id: d for d in self._docs(seqs).values()}

    def docs_by_seq(self, seqs: Sequence[int]) -> dict[int, StoredDoc]:
        return self._docs([int(s) for s in seqs])

    def digests(self, seqs: Sequence[int]) -> dict[int, bytes]:
        pipe = self.r.pipeline(transaction=False)
        seqs = [int(s) for s in seqs]
        for seq in seqs:
            pipe.hget(f"{P}d:{seq}", "digest")
        return {s: bytes(d) for s, d in zip(seqs, pipe.execute()) if d is not None}

    def members(self, keys: np.ndarray, cap: int) -> Members:
        parts = []
        for part in chunks(np.unique(keys).astype("<i8"), 1 << 18):
            raw = self._lookup(args=[P, part.tobytes()])
            at = 0
            while at < len(raw):
                key = np.frombuffer(raw, "<i8", 1, at)[0]
                length = int.from_bytes(raw[at + 8 : at + 12], "little")
                found = np.frombuffer(raw, _MEMBER, length // 12, at + 12)[:cap]
                parts.append((np.full(found.size, key), found["doc"], found["passage"]))
                at += 12 + length
        if not parts:
            return Members.empty()
        keys_, docs, passages = (np.concatenate(x) for x in zip(*parts))
        order = np.lexsort((passages, docs, keys_))
        return Members(keys_[order].astype(np.int64), docs[order].astype(np.int64), passages[order].astype(np.int32))

    def matches(self, seqs: Sequence[int]) -> list[StoredMatch]:
        pipe = self.r.pipeline(transaction=False)
        seqs = [int(s) for s in seqs]
        for seq in seqs:
            pipe.hgetall(f"{P}x:{seq}")
        out: dict[tuple[int, int], StoredMatch] = {}
        for seq, found in zip(seqs, pipe.execute()):
            for other, body in found.items():
                a, b = sorted((seq, int(other)))
                if (a, b) not in out:
                    n, match = json.loads(body)
                    out[(a, b)] = StoredMatch(a, b, match_from_json(match), n)
        return list(out.values())

    def stale(self, below: int, limit: int) -> list[tuple[int, int]]:
        found = self.r.zrangebyscore(P + "age", "-inf", f"({below}", start=0, num=limit)
        return [tuple(int(x) for x in member.split(b":")) for member in found]

    def checked(self, pairs: np.ndarray) -> np.ndarray:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        pipe = self.r.pipeline(transaction=False)
        for a, b in pairs.tolist():
            pipe.sismember(f"{P}c:{a}", b)
        return np.array(pipe.execute(), dtype=bool).reshape(-1)

    def counts(self, stems: Sequence[str], phrases: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        n = int(self.r.hget(P + "meta", "n_docs"))
        stem_df = [v for part in chunks(list(stems), 1 << 16) for v in self.r.hmget(P + "stems", part)]
        keys = np.asarray(phrases, dtype=np.uint64).astype("<u8")
        phrase_df = [v for part in chunks([k.tobytes() for k in keys], 1 << 16) for v in self.r.hmget(P + "phrases", part)]
        return (n, np.array([int(v or 0) for v in stem_df], dtype=np.int64),
                np.array([int(v or 0) for v in phrase_df], dtype=np.int64))

    def line_counts(self, hashes: np.ndarray) -> np.ndarray:
        keys = [k.tobytes() for k in np.asarray(hashes, dtype=np.uint64).astype("<u8")]
        found = [v for part in chunks(keys, 1 << 16) for v in self.r.hmget(P + "lines", part)]
        return np.array([int(v or 0) for v in found], dtype=np.int64)

    def apply(self, changes: Changes) -> list[IndexEvent]:
        r = self.r
        removed = self._docs(changes.removed)
        gone_bands = {s: r.hget(f"{P}d:{s}", "bands") or b"" for s in changes.removed}
        partners = {s: [int(x) for x in r.hkeys(f"{P}x:{s}")] for s in changes.removed}
        first_event = int(r.hget(P + "meta", "events") or 0) + 1
        pipe = r.pipeline(transaction=True)
        for s in changes.removed:
            keys = np.frombuffer(gone_bands[s], "<i8")
            if keys.size:
                records = np.zeros(keys.size, dtype=[("key", "<i8"), ("doc", "<i8")])
                records["key"], records["doc"] = keys, s
                self._drop(args=[P, records.tobytes()], client=pipe)
            for other in partners[s]:
                pipe.hdel(f"{P}x:{other}", s)
                pipe.zrem(P + "age", f"{min(s, other)}:{max(s, other)}")
            pipe.delete(f"{P}d:{s}", f"{P}x:{s}", f"{P}c:{s}")
            pipe.zrem(P + "at", s)
            if s in removed:
                pipe.hdel(P + "ids", removed[s].id)
                self._count(pipe, removed[s].verdict, -1)
        events, event_of = [], {}
        for k, (kind, doc_seq, verdict) in enumerate(changes.events):
            seq = first_event + k
            pipe.rpush(P + "events", json.dumps([seq, kind.value, verdict_json(verdict)]))
            events.append(IndexEvent(seq, kind, verdict))
            if kind is not EventKind.REMOVED:
                event_of[doc_seq] = seq
        if changes.events:
            pipe.hset(P + "meta", "events", first_event + len(changes.events) - 1)
        before = self._docs(list(changes.verdicts))
        for d in changes.docs:
            doc = d.doc
            pipe.hset(f"{P}d:{doc.seq}", mapping={
                "id": doc.id, "text_hash": doc.text_hash, "published": doc.published or "", "length": doc.length,
                "at": doc.at, "verdict": verdict_json(doc.verdict), "event": event_of.get(doc.seq, 0),
                "digest": d.digest, "signature": d.signature, "bands": d.bands})
            if doc.published is None:
                pipe.hdel(f"{P}d:{doc.seq}", "published")
            pipe.hset(P + "ids", doc.id, doc.seq)
            pipe.zadd(P + "at", {doc.seq: doc.at})
            self._count(pipe, doc.verdict, 1)
        for seq, v in changes.verdicts.items():
            pipe.hset(f"{P}d:{seq}", mapping={"verdict": verdict_json(v), "event": event_of.get(seq, 0)})
            if seq in before:
                self._count(pipe, before[seq].verdict, -1)
            self._count(pipe, v, 1)
        m = changes.members
        if len(m):
            records = np.zeros(len(m), dtype=[("key", "<i8"), ("doc", "<i8"), ("passage", "<i4")])
            records["key"], records["doc"], records["passage"] = m.keys, m.docs, m.passages
            for part in chunks(records, 1 << 18):
                self._append(args=[P, part.tobytes()], client=pipe)
        for a, b in changes.dropped:
            pipe.hdel(f"{P}x:{a}", b)
            pipe.hdel(f"{P}x:{b}", a)
            pipe.zrem(P + "age", f"{a}:{b}")
        for x in changes.matches:
            body = json.dumps([x.n, match_json(x.match)])
            pipe.hset(f"{P}x:{x.a}", x.b, body)
            pipe.hset(f"{P}x:{x.b}", x.a, body)
            pipe.zadd(P + "age", {f"{x.a}:{x.b}": x.n})
        for a, b in changes.checked.tolist():
            pipe.sadd(f"{P}c:{a}", b)
        for stem, delta in changes.stem_df.items():
            pipe.hincrby(P + "stems", stem, delta)
        hashes, deltas = changes.phrase_df
        for key, delta in zip(hashes.astype("<u8"), deltas.tolist()):
            pipe.hincrby(P + "phrases", key.tobytes(), delta)
        for key, count in zip(changes.lines[0].astype("<u8"), changes.lines[1].tolist()):
            pipe.hincrby(P + "lines", key.tobytes(), count)
        pipe.hincrby(P + "meta", "n_docs", changes.n_docs)
        if changes.docs:
            pipe.hset(P + "meta", "next_seq", max(self.next_seq(), max(d.doc.seq for d in changes.docs) + 1))
        pipe.execute()
        return events

    @staticmethod
    def _count(pipe: Any, verdict: Any, delta: int) -> None:
        pipe.hincrby(P + "labels", verdict.label.value, delta)
        pipe.hincrby(P + "clusters", verdict.cluster, delta)

    def events(self, since: int = 0, limit: int | None = None) -> list[IndexEvent]:
        end = -1 if limit is None else since + limit - 1
        out = []
        for raw in self.r.lrange(P + "events", since, end):
            seq, kind, verdict = json.loads(raw)
            out.append(IndexEvent(seq, EventKind(kind), verdict_from_json(verdict)))
        return out

    def older_than(self, at: float) -> list[str]:
        seqs = [int(s) for s in self.r.zrangebyscore(P + "at", "-inf", f"({at}")]
        docs = self._docs(seqs)
        return [docs[s].id for s in seqs if s in docs]

    def stats(self) -> dict[str, Any]:
        labels = {k.decode(): int(v) for k, v in self.r.hgetall(P + "labels").items()}
        sizes = [int(v) for v in self.r.hvals(P + "clusters")]
        return {
            "documents": int(self.r.hlen(P + "ids")),
            "clusters": sum(size > 1 for size in sizes),
            "labels": {k: labels.get(k, 0) for k in ("original", "syndicated", "rewrite")},
            "bytes": int(self.r.info("memory").get("used_memory", 0)),
            "last_event": int(self.r.hget(P + "meta", "events") or 0),
        }

    def close(self) -> None:
        self.r.close()
