"""The HTML report: highlighting, escaping of every piece of document text, the seeds' evidence, the CLI."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from conftest import SEEDS

from dedup.cli import main
from dedup.html_report import (
    MissingExtra,
    Segment,
    build_report,
    highlight,
    lag_text,
    passage_distance,
    render_html,
    safe_link,
)
from dedup.outlets import describe
from dedup.pipeline import cluster_documents
from dedup.records import Alignment, Document

S001, S003, S004 = "001_0087a9b7e7beb3af", "003_0e1f6b699dc1f204", "004_e66f8c3f7bab36c1"

HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(2)>",
    "javascript:alert(3)",
    "</textarea><b>bold</b>",
]


def find(element, tag: str, cls: str | None = None) -> list:
    """Descendants of ``element`` with this tag (``*`` for any) and, when given, this class."""
    where = f"[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]" if cls else ""
    return element.xpath(f".//{tag}{where}")


def marked(segments: tuple[Segment, ...]) -> list[str]:
    return [s.text for s in segments if s.shared]


def test_highlight_marks_shared_words_and_runs_of_them() -> None:
    segments = highlight("Iran pressed Moscow for the delivery of Su-35 jets.", "Moscow will deliver Su-35 jets, Iran said.")
    assert "".join(s.text for s in segments) == "Iran pressed Moscow for the delivery of Su-35 jets."
    assert marked(segments) == ["Iran", "Moscow", "Su-35 jets"]


def test_highlight_stop_words_only_inside_a_shared_pair() -> None:
    assert marked(highlight("the talks of the week", "the week ahead and of course")) == ["the week"]
    assert marked(highlight("The Message came", "the message")) == ["The Message"]
    assert highlight("", "anything") == ()


def test_passage_distance_is_one_minus_the_alignment_score() -> None:
    assert passage_distance(Alignment(0, 0, "a", "a", 1.0)) == 0.0
    assert passage_distance(Alignment(0, 0, "a", "b", 0.75)) == 0.25


def test_only_http_links_are_links() -> None:
    assert safe_link(" https://example.com/a ") == "https://example.com/a"
    assert safe_link("HTTP://example.com") == "HTTP://example.com"
    for url in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//example.com", None, ""):
        assert safe_link(url) is None


def test_lag_text() -> None:
    assert (lag_text(None), lag_text(0.25), lag_text(5.04), lag_text(72), lag_text(-2)) == (
        "", "+15 min", "+5.0 h", "+3.0 d", "-2.0 h")


@pytest.fixture(scope="module")
def seeds_page(seed_docs: list[Document]) -> str:
    result = cluster_documents(seed_docs)
    return render_html(build_report(result, {d.id: describe(d) for d in seed_docs}))


def test_seeds_report_shows_the_cluster_and_the_su35_passages_side_by_side(seeds_page: str) -> None:
    tree = lxml.html.fromstring(seeds_page)
    (cluster,) = find(tree, "article", "cluster")
    rows = find(cluster, "table", "members")[0].xpath("./tbody/tr")
    assert [find(r, "code")[0].text for r in rows] == [S004, S001, S003]
    assert [find(r, "*", "badge")[0].text for r in rows] == ["original", "rewrite", "rewrite"]
    pairs = [p for p in find(cluster, "div", "pair") if "head" not in p.get("class")]
    su35 = [p for p in pairs if all("Su-35" in q.text_content() for q in find(p, "blockquote"))]
    assert su35, "no aligned pair has Su-35 on both sides"
    source, copy = find(su35[0], "blockquote")
    assert "Su-35" in " ".join(m.text_content() for m in find(copy, "mark"))
    assert "paraphrase distance" in su35[0].text_content()
    assert all(d.get("open") is not None for d in find(cluster, "details", "evidence"))


def test_page_is_self_contained(seeds_page: str) -> None:
    tree = lxml.html.fromstring(seeds_page)
    assert not tree.xpath("//link[@rel='stylesheet'] | //img | //iframe | //object | //embed")
    assert [s.get("src") for s in find(tree, "script")] == [None]
    for element in tree.iter():
        for name, value in element.attrib.items():
            if name in ("href", "src") and not value.startswith(("#", "data:")):
                pytest.fail(f"{element.tag} loads {value}")
    assert "http://" not in seeds_page.replace("http://www.w3.org/", "")
    assert "https://" not in seeds_page
    assert find(tree, "figure", "chart")[0].xpath(".//*[local-name()='svg']")


@pytest.fixture(scope="module")
def hostile_page(seed_docs: list[Document]) -> str:
    wire = next(d for d in seed_docs if d.id == S004)
    bad = " ".join(HOSTILE)
    lines = wire.text.split("\n")
    lines.insert(len(lines) // 2, f"Officials said {bad} had been seen in the statement on Monday evening.")
    text = "\n".join(lines)
    docs = [
        Document("<script>alert('id')</script>", text, title=f"Wire {bad}", outlet=f"Wire {bad}",
                 url="javascript:alert(4)", published="2024-08-06T08:00:00"),
        Document("copy-</textarea>", text, title=f"Copy {bad}", outlet=f"<img src=x onerror=alert(5)>",
                 url="https://example.com/\"><script>alert(6)</script>", published="2024-08-06T09:00:00"),
    ]
    result = cluster_documents(docs)
    assert sum(1 for v in result.verdicts if v.source) == 1
    return render_html(build_report(result, {d.id: describe(d) for d in docs}, title=f"Report {bad}"))


def test_every_piece_of_text_is_escaped(hostile_page: str) -> None:
    tree = lxml.html.fromstring(hostile_page)
    assert len(find(tree, "script")) == 1 and "alert" not in find(tree, "script")[0].text
    assert not tree.xpath("//img | //textarea | //b")
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on"), (element.tag, name)
            assert not value.strip().lower().startswith("javascript:"), (element.tag, name, value)
    assert [a.get("href") for a in tree.xpath("//a[starts-with(@href, 'http')]")] == ['https://example.com/"><script>alert(6)</script>']
    text = tree.text_content()
    for piece in HOSTILE:
        assert piece in text
    assert "<script>alert('x')</script>" in find(tree, "title")[0].text
    assert tree.xpath("//div[contains(@class, 'pair')]//blockquote")
    assert any("</textarea>" in q.text_content() for q in tree.xpath("//div[contains(@class, 'pair')]//blockquote"))
    assert re.search(r"<text[^>]*>[^<]*&lt;img src=x onerror", hostile_page), "the outlet in the charts is escaped"


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = builtins.__import__

    def no_jinja(name: str, *args, **kwargs):
        if name == "jinja2" or name.startswith("jinja2."):
            raise ImportError("No module named 'jinja2'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_jinja)
    run = CliRunner().invoke(main, ["report", str(SEEDS), "-o", str(tmp_path / "r.html")])
    assert run.exit_code == 1
    assert "'report' extra" in run.stderr and "pip install 'dedup[report]'" in run.stderr
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(MissingExtra):
        from dedup.html_report import _environment

        _environment()


def test_cli_report_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    run = CliRunner().invoke(main, ["report", str(SEEDS), "-o", str(out), "--title", "Seeds <b>"])
    assert run.exit_code == 0, run.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<title>Seeds &lt;b&gt;</title>" in page
    assert CliRunner().invoke(main, ["report", str(SEEDS)]).exit_code == 2


def test_reuse_over_time_by_day_then_by_week() -> None:
    from dedup.html_report import reuse_by_period
    from dedup.outlets import DocInfo
    from dedup.records import Label, Verdict

    def run(dates: list[str | None]):
        infos = {str(i): DocInfo(str(i), "O", None, None, d, 10) for i, d in enumerate(dates)}
        verdicts = [Verdict(str(i), "0", Label.ORIGINAL if i == 0 else Label.SYNDICATED, None if i == 0 else "0", None)
                    for i in range(len(dates))]
        return reuse_by_period(verdicts, infos)

    unit, periods = run(["2024-08-06T23:30:00-02:00", "2024-08-07T09:00:00Z", "2024-08-09", None, "bad"])
    assert unit == "day" and {d: dict(c) for d, c in periods.items()} == {
        "2024-08-07": {"original": 1, "syndicated": 1}, "2024-08-09": {"syndicated": 1}}
    unit, periods = run(["2024-01-03", "2024-01-07", "2024-06-01"])
    assert unit == "week" and list(periods) == ["2024-01-01", "2024-05-27"]
    assert run([None]) == ("day", {})
