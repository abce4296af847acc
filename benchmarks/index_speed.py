"""Feed index speed: sustained adds, single-add and query latency, disk per document, growth with size.

A synthetic corpus (TEST split, publish order) is fed to a fresh index in
batches; every batch's time is recorded against the index size, so that a
step reading the whole index per article shows as a rising curve. At the
target size the benchmark measures, in turns:

* sustained adds: ``--measure`` more batches of ``--batch`` documents;
* single adds: ``--singles`` documents added one by one (latency p50 / p99);
* queries: ``--queries`` unseen documents queried one by one (p50 / p99);
* disk (SQLite: the file and its WAL; Redis: ``used_memory``) per document.

Run ``python -m benchmarks.index_speed --size 100000 [--backend redis] [-o out.json]``;
``--db`` keeps the index (and reuses one already filled to the size).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks.datasets import load_synthetic
from dedup.index import Index
from dedup.records import Document


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    values = np.array(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(values, 50)), 2), "p99_ms": round(float(np.percentile(values, 99)), 2),
            "n": len(values)}


@contextmanager
def redis_server() -> Iterator[str]:
    """A throw-away redis-server on a free loopback port."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="dedup-redis-") as directory:
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
                                    "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        try:
            import redis

            client = redis.Redis(host="127.0.0.1", port=port)
            for _ in range(200):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            else:
                raise RuntimeError("redis-server did not start")
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


def run(location: str, docs: list[Document], size: int, batch: int, measure: int, singles: int, queries: int,
        log: bool = True) -> dict:
    fill, rest = docs[:size], docs[size:]
    growth = []
    with Index(location) as index:
        have = index.stats()["documents"]
        for start in range(have, size, batch):
            part = fill[start : start + batch]
            clock = time.perf_counter()
            index.add(part)
            growth.append((start + len(part), round(time.perf_counter() - clock, 3)))
            if log:
                print(f"index-speed: {start + len(part):,} documents, batch {growth[-1][1]:.2f} s", file=sys.stderr,
                      flush=True)
        sustained = []
        for k in range(measure):
            part = rest[k * batch : (k + 1) * batch]
            clock = time.perf_counter()
            index.add(part)
            sustained.append(time.perf_counter() - clock)
        rest = rest[measure * batch :]
        single_times = []
        for doc in rest[:singles]:
            clock = time.perf_counter()
            index.add([doc])
            single_times.append(time.perf_counter() - clock)
        rest = rest[singles:]
        query_times = []
        for doc in rest[:queries]:
            clock = time.perf_counter()
            index.query([doc])
            query_times.append(time.perf_counter() - clock)
        stats = index.stats()
    return {
        "indexed": size,
        "batch": batch,
        "sustained_docs_per_s": round(measure * batch / sum(sustained), 1) if sustained else None,
        "sustained_batch_s": [round(s, 3) for s in sustained],
        "single_add": percentiles(single_times),
        "query": percentiles(query_times),
        "bytes_per_doc": round(stats["bytes"] / max(stats["documents"], 1)),
        "documents": stats["documents"],
        "growth": growth,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="documents indexed before measuring")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--measure", type=int, default=5, help="batches timed at the target size")
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "redis"), default="sqlite")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to fill (kept; reused when filled)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args(argv)
    extra = args.measure * args.batch + args.singles + args.queries
    docs, _ = load_synthetic("test", args.size + extra, args.seed)
    docs.sort(key=lambda d: (d.published or "", d.id))
    # The measured documents come after the filled ones in publish order, as a feed's would.
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with tempfile.TemporaryDirectory(prefix="dedup-index-speed-") as scratch:
        if args.backend == "redis":
            with redis_server() as url:
                result = run(url, docs, args.size, args.batch, args.measure, args.singles, args.queries)
        else:
            location = str(args.db or Path(scratch) / "feed.db")
            result = run(location, docs, args.size, args.batch, args.measure, args.singles, args.queries)
    result.update(backend=args.backend, started=started, machine=f"{platform.machine()}, {os.cpu_count()} cores",
                  load=os.getloadavg()[0])
    text = json.dumps(result, indent=1)
    if args.output:
        args.output.write_text(text + "\n")
    summary = {k: v for k, v in result.items() if k != "growth"}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
