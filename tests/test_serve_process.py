"""``dedup serve`` as a process on a free loopback port: end to end, SIGTERM and SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from benchmarks.serve_load import free_port, start_server  # noqa: E402
from dedup.index import EventKind, Index  # noqa: E402


# uvicorn shuts down gracefully on SIGTERM, then exits by that signal again.
STOPPED = (0, -signal.SIGTERM)
WORDS = [f"w{n}" for n in range(3000)]


def articles(n: int, seed: int = 7) -> list[dict]:
    """Synthetic stories, every third one a copy of an earlier story with a new last sentence."""
    rng = random.Random(seed)
    out: list[dict] = []
    for k in range(n):
        if k % 3 == 2:
            text = out[k - 2]["text"] + " " + " ".join(rng.choices(WORDS, k=12)) + "."
        else:
            text = " ".join(". ".join(" ".join(rng.choices(WORDS, k=14)) for _ in range(6)).split(" ")) + "."
        out.append({"id": f"story-{k:04d}", "text": text, "published": f"2026-01-01T00:{k // 60:02d}:{k % 60:02d}Z"})
    return out


def stored(db: Path) -> tuple[dict[str, str], Counter]:
    """Each stored document's label, and how many verdict events each id has."""
    with Index(db, create=False) as index:
        events = index.events()
    verdicts = Counter(e.verdict.id for e in events if e.kind is EventKind.VERDICT)
    current: dict[str, str] = {}
    for e in events:
        if e.kind is EventKind.REMOVED:
            current.pop(e.verdict.id, None)
        else:
            current[e.verdict.id] = e.verdict.label.value
    return current, verdicts


def test_serve_end_to_end_and_sigterm_finishes_what_it_acknowledged(tmp_path: Path) -> None:
    db, port = tmp_path / "feed.db", free_port()
    proc = start_server(db, port)
    url = f"http://127.0.0.1:{port}"
    try:
        docs = articles(30)
        first = httpx.post(f"{url}/v1/articles", json=docs[:3], timeout=60)
        assert first.status_code == 200, first.text
        assert [e["id"] for e in first.json()["events"]][:3] == [d["id"] for d in docs[:3]]
        assert httpx.get(f"{url}/v1/articles/story-0002", timeout=30).json()["source"] == "story-0000"
        assert httpx.get(f"{url}/openapi.json", timeout=30).json()["openapi"]
        answered: list[str] = []

        def post(batch: list[dict]) -> None:
            try:
                if httpx.post(f"{url}/v1/articles", json=batch, timeout=120).status_code == 200:
                    answered.extend(d["id"] for d in batch)
            except httpx.TransportError:
                pass

        threads = [threading.Thread(target=post, args=(docs[k : k + 3],)) for k in range(3, 30, 3)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join()
        assert proc.wait(timeout=120) in STOPPED
    finally:
        proc.kill()
    current, verdicts = stored(db)
    assert set(answered) | {"story-0000", "story-0001", "story-0002"} <= set(current)
    assert all(n == 1 for n in verdicts.values())


@pytest.mark.slow
def test_sigkill_loses_no_answered_article_and_reposting_is_consistent(tmp_path: Path) -> None:
    db, port = tmp_path / "feed.db", free_port()
    docs = articles(60, seed=11)
    answered: dict[str, dict] = {}
    proc = start_server(db, port)
    url = f"http://127.0.0.1:{port}"
    stop = threading.Event()

    def post(batches: list[list[dict]]) -> None:
        with httpx.Client(timeout=120) as client:
            for batch in batches:
                if stop.is_set():
                    return
                try:
                    answer = client.post(f"{url}/v1/articles", json=batch)
                except httpx.TransportError:
                    return
                if answer.status_code == 200:
                    answered.update({e["id"]: e for e in answer.json()["events"] if len(e) == 9})

    batches = [docs[k : k + 2] for k in range(0, 60, 2)]
    threads = [threading.Thread(target=post, args=(batches[k::3],)) for k in range(3)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while len(answered) < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join()
    finally:
        proc.kill()
    assert len(answered) >= 12
    current, verdicts = stored(db)
    assert set(answered) <= set(current)
    assert all(n == 1 for n in verdicts.values())

    proc = start_server(db, port)
    try:
        again = httpx.post(f"{url}/v1/articles", json=docs, timeout=300)
        assert again.status_code == 200, again.text
        events = [e for e in again.json()["events"] if not e.get("revised")]
        assert [e["id"] for e in events] == [d["id"] for d in docs]
        for e in events:
            if e["id"] in current:
                assert e.get("known") is True
        replay = httpx.post(f"{url}/v1/articles", json=docs, timeout=300).json()["events"]
        final = {e["id"]: (e["label"], e["source"]) for e in replay}
        assert all(e.get("known") for e in replay)
        listed = httpx.get(f"{url}/v1/events", params={"since": 0}, timeout=60).json()["events"]
        latest = {e["id"]: (e["label"], e["source"]) for e in listed if not e.get("removed")}
        assert latest == final
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) in STOPPED
    finally:
        proc.kill()
    current, verdicts = stored(db)
    assert sorted(current) == sorted(d["id"] for d in docs)
    assert all(n == 1 for n in verdicts.values())
