"""A 10 MB document through the readers and the CLI, alone and among small documents; and next to its own copy.

Each takes some 20 seconds (marked ``slow``; CI runs them). The copy pair is
verified with the process's address space capped, so that the memory blow-up
it shows today ends in a MemoryError instead of exhausting the machine.
"""

from __future__ import annotations

import json
import random
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import COPY, NEWS_CORPUS, WIRE

from dedup.background import load_background
from dedup.cli import main
from dedup.config import Config
from dedup.normalize import is_chrome
from dedup.pipeline import prepare_all
from dedup.readers import read_corpus
from dedup.records import Document
from dedup.verify import features_of, verify_pairs

pytestmark = pytest.mark.slow

SIZE = 10_000_000
# Memory verification may take on top of what the test process holds: far more than a
# pair of 10 MB documents needs, far less than the machine has.
MEMORY_CAP = 4 << 30


def huge_text(size: int = SIZE, seed: int = 0) -> str:
    """News-like paragraphs of made-up words with names and numbers, ``size`` characters or a little more."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ren", "tas", "vu", "dor", "pel", "zin", "sha", "qu", "bri", "om", "tel", "ar", "ul"]
    vocab = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(3000)]
    names = ["Varga", "Holt", "Lind", "Marrow", "Teller", "Oskarsson"]
    paragraphs, length = [], 0
    while length < size:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            words = rng.choices(vocab, k=rng.randint(10, 24))
            words[rng.randrange(len(words))] = rng.choice(names)
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), str(rng.randint(2, 9999)))
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 1
    return "Huge report\n" + "\n".join(paragraphs)


@pytest.fixture(scope="module")
def huge() -> str:
    return huge_text()


def records(path: Path) -> dict[str, dict[str, object]]:
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_a_10mb_document_is_read_alike_from_jsonl_and_txt(tmp_path: Path, huge: str) -> None:
    jsonl = tmp_path / "huge.jsonl"
    jsonl.write_text(json.dumps({"id": "huge", "text": huge}, ensure_ascii=False) + "\n", encoding="utf-8")
    txt = tmp_path / "huge.txt"
    txt.write_text(huge, encoding="utf-8")
    [from_jsonl] = read_corpus([str(jsonl)])
    [from_txt] = read_corpus([str(txt)])
    assert len(huge) >= SIZE
    assert from_jsonl.text == from_txt.text == huge
    assert from_txt.title == "Huge report"


def test_cli_clusters_a_10mb_jsonl_document_alone(tmp_path: Path, huge: str) -> None:
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps({"id": "huge", "text": huge}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["cluster", str(path), "--format", "jsonl", "-q", "-w", "1", "-o", str(out)])
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert records(out) == {
        "huge": {"id": "huge", "cluster": "huge", "label": "original", "source": None, "score": None,
                 "reuse": None, "passages": 0, "passage_links": []}
    }


def test_cli_clusters_a_10mb_txt_document_among_small_ones(tmp_path: Path, huge: str) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for line in NEWS_CORPUS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        (folder / f"{record['id']}.txt").write_text(record["text"], encoding="utf-8")
    (folder / "huge.txt").write_text(huge, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["cluster", str(folder), "--format", "jsonl", "-q", "-w", "1", "-o", str(out)])
    assert result.exit_code == 0, (result.stderr, result.exception)
    found = records(out)
    assert (found["huge"]["label"], found["huge"]["cluster"]) == ("original", "huge")
    assert (found[COPY]["label"], found[COPY]["source"]) == ("syndicated", WIRE)
    assert found[WIRE]["label"] == "original"


@contextmanager
def address_space_cap(extra: int) -> Iterator[None]:
    """Lower this process's soft address-space limit to its current size plus ``extra`` bytes, then restore it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm", encoding="ascii") as fh:
        current = int(fh.read().split()[0]) * resource.getpagesize()
    cap = current + extra if hard == resource.RLIM_INFINITY else min(current + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc to cap memory")
def test_a_10mb_document_and_its_copy_verify_in_bounded_memory(huge: str) -> None:
    config = Config()
    original = Document("huge", huge)
    copy = Document("copy", f"Short Url\nFollow\n{huge}\n© 2025 Example Media. All rights reserved.")
    [prepared] = prepare_all([original], config.normalize)
    # The copy's extra lines are generic chrome, so it prepares to the same body.
    assert [line for line in copy.text.split("\n") if is_chrome(line)] == copy.text.split("\n")[:2] + [
        copy.text.split("\n")[-1]
    ]
    twin = replace(prepared, doc=copy)
    # The memory at stake is verification's: preparing once saves time.
    features = features_of([prepared, twin], load_background(), config.signature.doc_shingle)
    with address_space_cap(MEMORY_CAP):
        [match] = verify_pairs(features, [(0, 1)], config.verify)
    assert match.linked and match.containment_ab == match.containment_ba == 1.0
    # Too many passage pairs to compare all: identical passages are aligned, each once.
    assert len(match.alignments) == len({p.tokens for p in prepared.passages if p.tokens})
