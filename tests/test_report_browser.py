"""The HTML report in a real browser: headless Chromium loads it from disk and is driven through the DOM.

Uses the system's chromium (Debian package ``chromium``; ``.ci/run`` installs it
when missing) through playwright, which needs no browser download of its own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from dedup.cli import main

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
expect, sync_playwright = sync_api.expect, sync_api.sync_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package chromium)")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


def open_report(browser, path: Path):
    """The page loaded from disk, with what it logged: console messages, page errors and dialogs."""
    page = browser.new_page()
    seen: list[str] = []
    page.on("console", lambda m: seen.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    page.on("dialog", lambda d: (seen.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: seen.append(f"request: {r.url}") if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def report(paths: list[str], out: Path) -> Path:
    run = CliRunner().invoke(main, ["report", *paths, "-o", str(out)])
    assert run.exit_code == 0, run.stderr
    return out


def test_seeds_report_in_chromium(browser, tmp_path: Path) -> None:
    page, seen = open_report(browser, report([str(SEEDS)], tmp_path / "seeds.html"))
    clusters = page.locator("article.cluster")
    assert clusters.count() == 1
    assert page.locator("article.cluster table.members tbody tr").count() == 3
    pair = page.locator(".pair:not(.head)").filter(has_text="Su-35").first
    source, copy = pair.locator("blockquote").all()
    assert "Su-35" in source.inner_text() and "Su-35" in copy.inner_text()
    left, right = source.bounding_box(), copy.bounding_box()
    assert left["x"] + left["width"] <= right["x"] and abs(left["y"] - right["y"]) < 2, "passages side by side"
    assert copy.locator("mark").filter(has_text="Su-35").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, "nothing overflows the window"

    page.fill("#q", "no such story anywhere")
    expect(page.locator("#status")).to_have_text("0 of 1 story")
    assert not clusters.first.is_visible() and page.locator("#none").is_visible()
    page.fill("#q", "putin iran")
    expect(page.locator("#status")).to_have_text("1 story")
    assert clusters.first.is_visible()
    page.select_option("#label", "syndicated")
    assert page.locator("#status").inner_text() == "0 of 1 story"
    page.select_option("#label", "rewrite")
    assert clusters.first.is_visible()
    page.click("#collapse")
    assert not page.locator("details.evidence").first.evaluate("d => d.open")
    page.click("#expand")
    assert page.locator("details.evidence").first.evaluate("d => d.open")
    page.screenshot(path=str(tmp_path / "seeds.png"), full_page=True)
    assert (tmp_path / "seeds.png").stat().st_size > 10_000
    assert seen == []


def test_hostile_text_stays_text_in_chromium(browser, tmp_path: Path) -> None:
    wire = (SEEDS / "004_e66f8c3f7bab36c1.txt").read_text(encoding="utf-8")
    bad = "<script>alert(1)</script> <img src=x onerror=alert(2)> javascript:alert(3) </textarea>"
    text = wire.replace("\n\n", f"\n\nOfficials quoted {bad} in a statement on Monday.\n\n", 1)
    corpus = tmp_path / "hostile.jsonl"
    corpus.write_text("\n".join(json.dumps(d) for d in [
        {"id": "wire<script>", "text": text, "title": f"Wire {bad}", "outlet": f"<img src=x onerror=alert(4)>",
         "url": "javascript:alert(5)", "published": "2024-08-06T08:00:00Z"},
        {"id": "copy</textarea>", "text": text, "title": f"Copy {bad}", "outlet": "Copy <script>alert(6)</script>",
         "url": "https://example.com/a", "published": "2024-08-06T10:00:00Z"},
    ]) + "\n", encoding="utf-8")
    page, seen = open_report(browser, report([str(corpus)], tmp_path / "hostile.html"))
    assert page.locator("article.cluster").count() == 1
    assert page.locator("img, textarea").count() == 0
    quoted = page.locator(".pair blockquote").filter(has_text="Officials quoted")
    assert quoted.count() == 2 and bad.replace("  ", " ") in quoted.first.inner_text()
    page.fill("#q", "<script>")
    expect(page.locator("#status")).to_have_text("1 story")
    page.screenshot(path=str(tmp_path / "hostile.png"))
    assert seen == []
