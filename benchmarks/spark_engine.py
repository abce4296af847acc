"""The Spark engine against the local one on one corpus: wall time, peak memory, shuffle bytes, stage times.

Run ``python -m benchmarks.spark_engine corpus.jsonl --master 'local[2]'``. Peak memory is the
largest summed resident size of this process and its children (the JVM, the Python workers),
sampled every half second; shuffle bytes are read from Spark's status store.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, frontier = 0, [pid]
    while frontier:
        p = frontier.pop()
        total += rss.get(p, 0)
        frontier += children.get(p, [])
    return total


class Peak:
    """The peak summed resident size of this process tree while the block runs."""

    def __enter__(self) -> "Peak":
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, _tree_rss(os.getpid()))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _shuffle(events: Path) -> dict[str, object]:
    """Shuffle bytes written and read over the run, and the stage writing most, from Spark's event log."""
    written: dict[str, int] = {}
    read = 0
    for log in (p for p in events.rglob("*") if p.is_file()):
        for line in log.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            if event.get("Event") != "SparkListenerStageCompleted":
                continue
            info = event["Stage Info"]
            values = {a.get("Name"): int(a.get("Value", 0)) for a in info.get("Accumulables", [])}
            name = f"{info['Stage ID']} {info['Stage Name']}"
            written[name] = values.get("internal.metrics.shuffle.write.bytesWritten", 0)
            read += values.get("internal.metrics.shuffle.read.localBytesRead", 0) + values.get(
                "internal.metrics.shuffle.read.remoteBytesRead", 0)
    top = max(written.items(), key=lambda kv: kv[1], default=("", 0))
    return {"shuffle_write_mib": round(sum(written.values()) / 2**20, 1), "shuffle_read_mib": round(read / 2**20, 1),
            "largest_shuffle_write": [top[0], round(top[1] / 2**20, 1)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--engine", choices=("local", "spark"), default="spark")
    parser.add_argument("-w", "--workers", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    if args.engine == "local":
        from dedup.pipeline import cluster_documents
        from dedup.readers import iter_corpus

        with Peak() as peak:
            result = cluster_documents(iter_corpus([args.corpus]), workers=args.workers, evidence=False)
        stats, shuffle = result.stats, {}
    else:
        from dedup.engines.spark import cluster_spark, session

        events = tempfile.mkdtemp(prefix="dedup-events-")
        spark = session(args.master, **{"spark.eventLog.enabled": "true", "spark.eventLog.dir": events,
                                       "spark.eventLog.compress": "false"})
        spark.sparkContext.setLogLevel("ERROR")
        with Peak() as peak:
            result = cluster_spark(spark, [args.corpus], progress=lambda line: print(line, file=sys.stderr, flush=True))
            result.verdicts.count()
        spark.stop()
        stats, shuffle = result.stats, _shuffle(Path(events))
    print(json.dumps({"engine": args.engine, "wall_s": round(time.perf_counter() - started, 1),
                      "peak_mib": round(peak.peak / 2**20), **shuffle, **stats}))


if __name__ == "__main__":
    main()
