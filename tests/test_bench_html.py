"""The synthetic corpus as HTML pages: rendering, reading back through the engine's reader, the quality row."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest

from benchmarks import quality
from benchmarks.html_corpus import (
    COOKIE_NOTICE,
    FOOTER_LINKS,
    LAYOUTS,
    NEWSLETTER_PITCH,
    SECTIONS,
    SHARE,
    TEASERS,
    layout_for,
    paragraphs,
    read_back,
    render_page,
    write_corpus,
)
from benchmarks.synthetic import OUTLETS, WIRE
from dedup.readers import read_corpus
from dedup.records import Document, Label

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "bench" / "reut2-000.sgm"
PARAGRAPHS = (
    ("HARBOR CITY, May 3 - The port authority said on Tuesday it would spend 40 million dollars on two new "
     "container cranes, doubling capacity at the eastern terminal by next spring."),
    '"We are turning ships away every week," said authority chairman Ruth Calloway. "That has to stop."',
    ("The cranes will be built by a Finnish supplier & shipped in sections, the authority said in a filing "
     "<with regulators> on Monday."),
    "Shares in the terminal operator rose 3 pct to 14.20 dlrs in early trading after the announcement.",
)
CHROME = (
    *SECTIONS, *SHARE, *TEASERS, *FOOTER_LINKS, COOKIE_NOTICE, NEWSLETTER_PITCH, "Most read", "briefing",
    "Sign up", "Subscribe", "Log in", "All rights reserved", "Advertisement", "staff", "Home",
)


def outlet_per_layout() -> list[str]:
    """One outlet of the synthetic corpus for each layout."""
    chosen: dict[str, str] = {}
    for outlet in (WIRE, *OUTLETS):
        chosen.setdefault(layout_for(outlet).__name__, outlet)
    return list(chosen.values())


def documents() -> list[Document]:
    """A made-up story printed by one outlet of each layout, the text split by blank lines and newlines."""
    text = f"{PARAGRAPHS[0]}\n\n{PARAGRAPHS[1]}\n{PARAGRAPHS[2]}\n\n\n{PARAGRAPHS[3]}\n"
    return [
        Document(id=f"port-{n}", text=text, title=f"Port authority to buy cranes & <expand> ({n})", outlet=outlet,
                 published=f"1987-05-0{n + 3}T1{n}:15:00")
        for n, outlet in enumerate(outlet_per_layout())
    ]


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Document]:
    """The documents written as pages and read back by ``read_corpus``."""
    pytest.importorskip("trafilatura")
    directory = tmp_path_factory.mktemp("pages")
    write_corpus(documents(), directory, seed=3)
    return {d.id: d for d in read_corpus([str(directory)])}


def test_every_layout_is_used_by_some_outlet() -> None:
    assert len(outlet_per_layout()) == len(LAYOUTS)
    assert layout_for("Valley Herald") is layout_for("Valley Herald")


def test_paragraphs_split_on_blank_lines_and_newlines() -> None:
    assert paragraphs(" a \n\nb\nc\n\n\n  d  \n") == ["a", "b", "c", "d"]


@pytest.mark.parametrize("doc", documents(), ids=lambda d: d.outlet)
def test_page_has_meta_and_escaped_text(doc: Document) -> None:
    page = render_page(doc, random.Random(0))
    title = escape(doc.title or "")
    assert f"<title>{title} | {doc.outlet}</title>" in page
    assert f'<meta property="og:title" content="{title}">' in page
    assert f'<meta property="og:site_name" content="{doc.outlet}">' in page
    assert f'<meta property="article:published_time" content="{doc.published}">' in page
    assert page.count("<article") == 1 and f">{title}</h1>" in page
    for paragraph in PARAGRAPHS:
        assert f"<p>{escape(paragraph)}</p>" in page
    assert "<with regulators>" not in page and "& shipped" not in page
    assert page == render_page(doc, random.Random(0))


def test_read_back_keeps_text_and_metadata_and_drops_chrome(read: dict[str, Document]) -> None:
    docs = documents()
    assert set(read) == {d.id for d in docs}
    for doc in docs:
        got = read[doc.id]
        assert (got.title, got.outlet, got.published) == (doc.title, doc.outlet, doc.published)
        for paragraph in PARAGRAPHS:
            assert paragraph in got.text, (doc.outlet, paragraph)
        leaked = [c for c in CHROME if c in got.text]
        assert not leaked, (doc.outlet, leaked)
        assert (doc.outlet or "") not in got.text


def test_read_back_keeps_the_input_order(read: dict[str, Document]) -> None:
    docs = list(reversed(documents()))
    back = read_back(docs, seed=3)
    assert [d.id for d in back] == [d.id for d in docs]
    assert [d.text for d in back] == [read[d.id].text for d in docs]


def test_ids_that_are_not_file_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_corpus([Document(id="../x", text="Some text.")], tmp_path, seed=0)


@dataclass(frozen=True)
class V:
    id: str
    cluster: str
    label: Label


def test_cluster_agreement_ignores_cluster_names() -> None:
    first = {"a": V("a", "a", Label.ORIGINAL), "b": V("b", "a", Label.SYNDICATED), "c": V("c", "c", Label.ORIGINAL)}
    renamed = {"a": V("a", "b", Label.SYNDICATED), "b": V("b", "b", Label.ORIGINAL), "c": V("c", "c", Label.ORIGINAL)}
    assert quality.cluster_agreement(["a", "b", "c"], first, renamed) == (1.0, 3)
    split = {"a": V("a", "a", Label.ORIGINAL), "c": V("c", "c", Label.ORIGINAL)}
    ari, same = quality.cluster_agreement(["a", "b", "c"], first, split)
    assert ari < 1.0 and same == 1


def test_html_row_unavailable_without_extractor(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(quality, "html_unavailable", lambda: "unavailable (trafilatura not installed)")
    assert quality.main(["--systems", "datasketch,tfidf", "--datasets", "synthetic-html,seeds"]) == 0
    out = capsys.readouterr().out
    assert out.count("unavailable (trafilatura not installed)") == 2
    assert "Seeds checks" in out and "HTML vs JSONL" not in out


def test_quality_reports_html_row_and_agreement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("trafilatura")
    (tmp_path / "reuters21578").mkdir()
    shutil.copy(FIXTURE, tmp_path / "reuters21578" / FIXTURE.name)
    monkeypatch.setenv("DEDUP_DATA", str(tmp_path))
    assert quality.main(["--systems", "dedup,datasketch", "--datasets", "synthetic-html", "--size", "30"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("synthetic-html")]
    assert len(rows) == 2 and all(" 30 " in row for row in rows)
    assert "HTML vs JSONL clusters: ARI " in out and " of 30 documents in the same cluster" in out
    assert "synthetic-html" in quality.DATASETS
