"""Benchmark datasets as engine input plus ground truth.

Each loader returns ``(documents, truth)`` with ``truth: id -> Truth``. The
seeds carry only partial truth, so they are judged by explicit checks
(:func:`seed_checks`); BASIL's truth is 'every article stands alone', and its
events (:func:`basil_events`) tell a within-event link from a cross-event error.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from benchmarks import data_root
from benchmarks.synthetic import generate, split_stories
from dedup.records import Document, Label

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
DEFAULT_SYNTHETIC_SIZE = 2000


@dataclass(frozen=True)
class Truth:
    """What a document is: its cluster (the original's id), label and source.

    ``kind`` is the synthetic kind (``syndicated/truncated``...) or the Clough &
    Stevenson category (``cut``, ``light``, ``heavy``, ``non``, ``source``);
    ``event`` is known for synthetic data only.
    """

    cluster: str
    label: Label
    source: str | None
    kind: str | None = None
    event: str | None = None


@dataclass(frozen=True)
class Check:
    """One pass/fail expectation on a system's output."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Event:
    """A BASIL news event."""

    id: str
    title: str


Loaded = tuple[list[Document], dict[str, Truth]]


def _original(doc_id: str) -> Truth:
    return Truth(doc_id, Label.ORIGINAL, None)


def read_text(path: Path) -> str:
    """A text file as UTF-8, else Windows-1252 (the Clough & Stevenson answers mix both)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def load_seeds(directory: Path = SEEDS_DIR) -> Loaded:
    """The hand-picked seed articles (id = the file's number) and what is known of them.

    004 is a wire story; 001 and 003 rewrite it. 000 and 002 have no truth here
    (002 is judged by a check only).
    """
    paths = sorted(directory.glob("*.txt"))
    if not paths:
        raise FileNotFoundError(f"no seed .txt files in {directory}")
    docs = [Document(id=p.stem.split("_")[0], text=read_text(p), origin=str(p)) for p in paths]
    truth = {
        "004": _original("004"),
        "001": Truth("004", Label.REWRITE, "004"),
        "003": Truth("004", Label.REWRITE, "004"),
    }
    return docs, {k: v for k, v in truth.items() if any(d.id == k for d in docs)}


def seed_checks(verdicts: Mapping[str, Any]) -> list[Check]:
    """The seeds' expectations against verdicts (``id -> object with cluster, label, source``)."""

    def get(doc_id: str, field: str) -> Any:
        verdict = verdicts.get(doc_id)
        value = getattr(verdict, field, None) if verdict is not None else None
        return getattr(value, "value", value)

    def describe(doc_id: str) -> str:
        return f"{doc_id}: cluster={get(doc_id, 'cluster')} label={get(doc_id, 'label')} source={get(doc_id, 'source')}"

    clusters = {get(i, "cluster") for i in ("001", "003", "004")}
    expectations: list[tuple[str, Callable[[], bool], str]] = [
        ("001, 003 and 004 share a cluster", lambda: len(clusters) == 1 and None not in clusters,
         "; ".join(describe(i) for i in ("001", "003", "004"))),
        ("004 is the original", lambda: get("004", "label") == "original", describe("004")),
        ("001 is a rewrite of 004", lambda: get("001", "label") == "rewrite" and get("001", "source") == "004",
         describe("001")),
        ("003 is a rewrite of 004", lambda: get("003", "label") == "rewrite" and get("003", "source") == "004",
         describe("003")),
        ("002 is not syndicated", lambda: get("002", "label") != "syndicated", describe("002")),
    ]
    return [Check(name, bool(test()), detail) for name, test, detail in expectations]


def load_clough(directory: Path | None = None) -> Loaded:
    """Clough & Stevenson: each task's source is an original, ``cut`` answers syndicated copies of it,
    ``light``/``heavy`` rewrites, ``non`` answers originals of their own. Sorted by file name."""
    directory = directory or data_root() / "clough-stevenson"
    info = directory / "file_information.csv"
    if not info.is_file():
        raise FileNotFoundError(f"missing {info}")
    truth: dict[str, Truth] = {}
    with info.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            doc_id = Path(row["File"].strip()).stem
            source = f"orig_task{row['Task'].strip()}"
            category = row["Category"].strip()
            if category == "non":
                truth[doc_id] = Truth(doc_id, Label.ORIGINAL, None, category)
            else:
                label = Label.SYNDICATED if category == "cut" else Label.REWRITE
                truth[doc_id] = Truth(source, label, source, category)
                truth[source] = Truth(source, Label.ORIGINAL, None, "source")
    docs = [
        Document(id=doc_id, text=read_text(directory / f"{doc_id}.txt"), origin=str(directory / f"{doc_id}.txt"))
        for doc_id in sorted(truth)
    ]
    return docs, truth


def load_synthetic(split: str = "test", size: int = DEFAULT_SYNTHETIC_SIZE, seed: int = 0,
                   data: Path | None = None) -> Loaded:
    """A synthetic wire corpus generated in memory from one Reuters split."""
    docs: list[Document] = []
    truth: dict[str, Truth] = {}
    for item in generate(split_stories(split, data), size, seed):
        r, t = item.record, item.truth
        docs.append(Document(id=r.id, text=r.text, title=r.title, outlet=r.outlet, published=r.published,
                             origin=f"synthetic:{split}:{seed}"))
        truth[r.id] = Truth(t.cluster, Label(t.label), t.source, t.kind, t.event)
    return docs, truth


def _basil_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"missing {path}")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def default_basil_path() -> Path:
    """Where basil.jsonl is expected."""
    return data_root() / "basil" / "basil.jsonl"


def basil_ids(rows: list[dict[str, Any]]) -> list[str]:
    """Unique ids for BASIL rows: a few articles share the placeholder id "empty", so repeats get ``#line``."""
    seen: set[str] = set()
    ids = []
    for n, row in enumerate(rows, start=1):
        doc_id = str(row["id"])
        ids.append(doc_id if doc_id not in seen else f"{doc_id}#{n}")
        seen.add(doc_id)
    return ids


def load_basil(path: Path | None = None) -> Loaded:
    """BASIL: 300 same-event articles by three outlets; every one is its own original."""
    path = path or default_basil_path()
    rows = _basil_rows(path)
    docs = [
        Document(id=doc_id, text=row["text"], title=row.get("title"), outlet=row.get("outlet"),
                 url=row.get("url"), published=row.get("published"), origin=f"{path}:{n}")
        for n, (doc_id, row) in enumerate(zip(basil_ids(rows), rows), start=1)
    ]
    return docs, {d.id: _original(d.id) for d in docs}


def basil_events(path: Path | None = None) -> dict[str, Event]:
    """The event of every BASIL article, by its unique id."""
    rows = _basil_rows(path or default_basil_path())
    return {doc_id: Event(row["event"], row.get("event_title", "")) for doc_id, row in zip(basil_ids(rows), rows)}
