"""Load benchmark of ``dedup serve``: concurrent clients posting and querying over loopback.

Builds an index of ``--index`` synthetic documents with the ``Index`` API,
starts ``dedup serve`` on a free 127.0.0.1 port, then runs ``--clients``
clients for ``--seconds`` (or until ``--max-posts`` batches are posted): each
client in turn posts a batch of ``--batch`` new articles and queries one
article. Prints the sustained ingest rate (articles answered 2xx per second),
p50/p99 latency of posts and queries, and errors (non-2xx or transport), as
JSON. Loopback only, bounded in count and time; it stops by itself.

Run ``python -m benchmarks.serve_load --index 100000 --clients 32 --seconds 60``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import numpy as np

from benchmarks.synthetic import generate, split_stories
from dedup.index import Index
from dedup.records import Document

ROOT = Path(__file__).resolve().parent.parent


def build(db: Path, docs: list[Document], batch: int = 1000) -> float:
    """Add ``docs`` to a new index at ``db`` in batches; seconds taken."""
    start = time.perf_counter()
    with Index(db) as index:
        for k in range(0, len(docs), batch):
            index.add(docs[k : k + batch])
            print(f"index: {min(k + batch, len(docs)):,} documents, {time.perf_counter() - start:.0f} s",
                  file=sys.stderr)
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, wait: float = 120) -> subprocess.Popen:
    """``dedup serve`` on 127.0.0.1:``port``, once it answers ``/healthz``."""
    proc = subprocess.Popen([sys.executable, "-m", "dedup", "serve", "--db", str(db), "--port", str(port)],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dedup serve exited {proc.returncode}: {proc.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"dedup serve did not come up in {wait:.0f} s")


async def load(url: str, posts: list[list[dict]], queries: list[dict], clients: int, seconds: float
               ) -> dict[str, object]:
    """Run the clients; latencies in ms and counts."""
    post_ms: list[float] = []
    query_ms: list[float] = []
    errors: list[str] = []
    ingested = 0
    todo = iter(posts)
    deadline = time.perf_counter() + seconds

    async def client(k: int, http: httpx.AsyncClient) -> None:
        nonlocal ingested
        n = 0
        while time.perf_counter() < deadline:
            batch = next(todo, None)
            if batch is None:
                return
            for path, body, into in (("/v1/articles", batch, post_ms),
                                     ("/v1/query", queries[(k * 7919 + n) % len(queries)], query_ms)):
                t = time.perf_counter()
                try:
                    answer = await http.post(url + path, json=body)
                except httpx.HTTPError as err:
                    errors.append(f"{path}: {type(err).__name__}")
                    continue
                into.append(1000 * (time.perf_counter() - t))
                if answer.status_code != 200:
                    errors.append(f"{path}: {answer.status_code} {answer.text[:200]}")
                elif path == "/v1/articles":
                    ingested += len(batch)
            n += 1

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=300, limits=limits) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(k, http) for k in range(clients)))
        elapsed = time.perf_counter() - start

    def pct(values: list[float], q: float) -> float | None:
        return round(float(np.percentile(values, q)), 1) if values else None

    return {
        "seconds": round(elapsed, 1), "articles_ingested": ingested, "ingest_per_s": round(ingested / elapsed, 1),
        "posts": len(post_ms), "post_p50_ms": pct(post_ms, 50), "post_p99_ms": pct(post_ms, 99),
        "queries": len(query_ms), "query_p50_ms": pct(query_ms, 50), "query_p99_ms": pct(query_ms, 99),
        "errors": len(errors), "first_errors": errors[:5],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=int, default=100_000, help="documents in the index before the load")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load phase")
    parser.add_argument("--batch", type=int, default=10, help="articles per post")
    parser.add_argument("--max-posts", type=int, default=2000, help="posts at most (new articles generated)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or keep) the index here")
    args = parser.parse_args(argv)

    stories = split_stories("train")
    total = args.index + args.max_posts * args.batch
    docs = [Document(**d.record.to_json()) for d in generate(stories, total, args.seed)]
    held, fresh = docs[: args.index], docs[args.index :]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "feed.db"
        build_s = build(db, held) if not db.exists() else None
        with Index(db, create=False) as index:
            known = {e.verdict.id for e in index.events()}
        fresh = [d for d in fresh if d.id not in known]
        port = free_port()
        proc = start_server(db, port)
        try:
            posts = [[{"id": d.id, "text": d.text, "title": d.title, "outlet": d.outlet, "published": d.published}
                      for d in fresh[k : k + args.batch]] for k in range(0, len(fresh), args.batch)]
            queries = [{"id": f"q-{d.id}", "text": d.text} for d in held[:: max(1, len(held) // 500)]]
            result = asyncio.run(load(f"http://127.0.0.1:{port}", posts, queries, args.clients, args.seconds))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
        with Index(db, create=False) as index:
            stored = index.stats()["documents"]
    print(json.dumps({"index": args.index, "clients": args.clients, "batch": args.batch,
                      "build_s": round(build_s, 1) if build_s else None, "stored_after": stored,
                      "load": os.getloadavg()[0], **result}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
