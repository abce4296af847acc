"""The synthetic corpus as outlet-styled web pages, to check that HTML input clusters like JSONL.

Each document becomes one page ``<id>.html``: the title, outlet and publication
date in the ``<head>`` meta tags, the text as ``<p>`` paragraphs of an
``<article>``, and around it the chrome a news site adds (navigation, logo,
share buttons, a 'Most read' list, a newsletter box, a footer). Every outlet
keeps one of a few layouts, picked by its name; the details of each page (which
sections, teasers and buttons) come from a seeded random generator.

Run ``python -m benchmarks.html_corpus --size N --seed S -o DIR`` to write the
synthetic test split as pages.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

from benchmarks.datasets import load_synthetic
from dedup.readers import read_corpus
from dedup.records import Document

SECTIONS: tuple[str, ...] = (
    "World", "Business", "Markets", "Politics", "Technology", "Science", "Health",
    "Sport", "Culture", "Opinion", "Travel", "Weather", "Local", "Video",
)
SHARE: tuple[str, ...] = (
    "Share on Facebook", "Share on X", "Share on LinkedIn", "Share on WhatsApp", "Email this article",
    "Copy link", "Print",
)
TEASERS: tuple[str, ...] = (
    "Harbour ferry timetable extended into the winter months",
    "Five things to watch on the bond market this week",
    "Council approves new cycle lanes on the waterfront",
    "Ten-year-old chess prodigy beats regional champion",
    "Why the price of coffee beans keeps climbing",
    "Storm warning issued for the northern coast",
    "Museum reopens after two-year renovation",
    "Local bakery wins national bread award",
    "How to read your electricity bill",
    "Airport expansion plans go on public display",
    "Rail strike called off after late-night talks",
    "Review: the season's new opera production",
    "Veteran goalkeeper signs one-year extension",
    "Property prices flat for third month running",
    "Opinion: the case for a four-day week",
    "Photos: the year's best wildlife pictures",
)
FOOTER_LINKS: tuple[str, ...] = (
    "About us", "Contact", "Careers", "Advertise with us", "Privacy policy", "Cookie settings",
    "Terms of use", "Corrections",
)
COOKIE_NOTICE = "We use cookies to improve your experience on our site."
NEWSLETTER_PITCH = "The day's top stories from our editors, in your inbox every weekday morning."


@dataclass(frozen=True)
class Page:
    """The pieces of one page for a layout: text fields HTML-escaped, ``nav``, ``share`` and
    ``teasers`` plain (``_links`` escapes them), ``json_ld`` ready for a ``<script>``."""

    outlet: str
    slug: str
    url: str
    json_ld: str
    title: str
    published: str | None
    when: str | None
    section: str
    paragraphs: tuple[str, ...]
    nav: tuple[str, ...]
    share: tuple[str, ...]
    teasers: tuple[str, ...]
    year: int | None


Layout = Callable[[Page, random.Random], str]


def paragraphs(text: str) -> list[str]:
    """The text's non-empty lines: blank lines and single newlines both end a paragraph."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def slug(name: str) -> str:
    """A URL-safe form of a name (``Valley Herald`` -> ``valley-herald``)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "news"


def _when(published: str | None) -> tuple[str | None, int | None]:
    """A human-readable date for the byline and the copyright year; both None when undated."""
    try:
        moment = datetime.fromisoformat(published) if published else None
    except ValueError:
        moment = None
    if moment is None:
        return None, None
    return f"{moment:%d %B %Y, %H:%M}", moment.year


def _head(page: Page, with_json_ld: bool) -> str:
    """The ``<head>``: title, Open Graph and article meta tags, stylesheet, a tracking script."""
    lines = [
        '<meta charset="utf-8">',
        f"<title>{page.title} | {page.outlet}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{page.title}">',
        f'<meta property="og:site_name" content="{page.outlet}">',
        f'<meta property="og:url" content="{page.url}">',
        f'<meta property="article:section" content="{page.section}">',
    ]
    if page.published:
        lines.append(f'<meta property="article:published_time" content="{page.published}">')
    lines += [
        f'<link rel="canonical" href="{page.url}">',
        f'<link rel="stylesheet" href="/static/{page.slug}.css">',
        ("<script>window.dataLayer = window.dataLayer || []; "
         f'dataLayer.push({{"section": "{page.section.lower()}", "type": "article"}});</script>'),
    ]
    if with_json_ld:
        lines.append(f'<script type="application/ld+json">{page.json_ld}</script>')
    return "<head>\n  " + "\n  ".join(lines) + "\n</head>"


def json_ld(title: str, outlet: str, url: str, published: str | None) -> str:
    """A schema.org NewsArticle block, safe inside ``<script>`` (every ``<`` escaped as ``\\u003c``)."""
    data: dict[str, object] = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                               "mainEntityOfPage": url, "publisher": {"@type": "Organization", "name": outlet}}
    if published:
        data["datePublished"] = published
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def _links(items: Iterable[str], prefix: str = "/") -> str:
    """``<li><a>`` items (plain text, escaped here) linking to made-up paths."""
    return "".join(f'<li><a href="{prefix}{slug(item)}">{escape(item)}</a></li>' for item in items)


def _body(page: Page, rng: random.Random, ad_class: str) -> str:
    """The article paragraphs with an ad slot between two of them (when there are three or more)."""
    parts = [f"<p>{p}</p>" for p in page.paragraphs]
    if len(parts) >= 3:
        parts.insert(rng.randint(1, len(parts) - 1), f'<div class="{ad_class}">Advertisement</div>')
    return "\n".join(parts)


def _newsletter(page: Page, tag: str) -> str:
    """A newsletter sign-up box."""
    return (f'<{tag} class="newsletter"><h3>Get the {page.outlet} briefing</h3><p>{NEWSLETTER_PITCH}</p>'
            '<form action="/newsletter" method="post"><input type="email" name="email" placeholder="Your email">'
            f"<button>Sign up</button></form></{tag}>")


def _most_read(page: Page, tag: str, heading: str) -> str:
    """The 'Most read' list of teaser links."""
    return (f'<{tag} class="most-read"><{heading}>Most read</{heading}><ol>'
            f'{_links(page.teasers, "/story/")}</ol></{tag}>')


def _footer(page: Page, tag_class: str) -> str:
    """Footer links and the copyright line."""
    year = f"{page.year} " if page.year else ""
    return (f'<footer class="{tag_class}"><ul>{_links(FOOTER_LINKS)}</ul>'
            f"<p>&copy; {year}{page.outlet}. All rights reserved.</p></footer>")


def broadsheet(page: Page, rng: random.Random) -> str:
    """Header with logo and menu, article with byline and share bar, sidebar, footer."""
    byline = f'<div class="byline">{page.outlet} staff'
    if page.when:
        byline += f' &middot; <time datetime="{page.published}">{page.when}</time>'
    return f"""<!DOCTYPE html>
<html lang="en">
{_head(page, with_json_ld=False)}
<body class="article-page">
<header class="site-header">
  <a class="logo" href="/">{page.outlet}</a>
  <nav class="main-nav"><ul><li><a href="/">Home</a></li>{_links(page.nav)}</ul></nav>
</header>
<main>
  <div class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="/{slug(page.section)}">{page.section}</a></div>
  <article class="story">
    <h1 class="headline">{page.title}</h1>
    {byline}</div>
    <ul class="share-bar">{_links(page.share, "#")}</ul>
    <div class="story-body">
{_body(page, rng, "ad-slot")}
    </div>
  </article>
  <aside class="sidebar">
    {_most_read(page, "section", "h2")}
    {_newsletter(page, "div")}
  </aside>
</main>
{_footer(page, "site-footer")}
</body>
</html>
"""


def portal(page: Page, rng: random.Random) -> str:
    """A grid of divs: top bar, main column with share rail, side column, JSON-LD in the head."""
    meta = f'<time class="published" datetime="{page.published}">{page.when}</time>' if page.when else ""
    return f"""<!DOCTYPE html>
<html lang="en">
{_head(page, with_json_ld=True)}
<body>
<div id="cookie-banner" class="cookie-banner"><p>{COOKIE_NOTICE}</p><button>Accept all</button></div>
<div class="topbar">
  <div class="brand"><a href="/"><img src="/logo.svg" alt="{page.outlet}"></a></div>
  <nav class="menu"><ul>{_links(page.nav)}</ul></nav>
  <a class="subscribe" href="/subscribe">Subscribe</a> <a class="login" href="/login">Log in</a>
</div>
<div class="container">
  <div class="row">
    <div class="col-main">
      <article class="article" itemscope itemtype="https://schema.org/NewsArticle">
        <header class="article-header">
          <span class="kicker">{page.section}</span>
          <h1 itemprop="headline">{page.title}</h1>
          <div class="article-meta">{meta}</div>
        </header>
        <div class="article-share"><ul>{_links(page.share, "#")}</ul></div>
        <div class="article-content" itemprop="articleBody">
{_body(page, rng, "ad-container")}
        </div>
      </article>
    </div>
    <div class="col-side">
      {_most_read(page, "section", "h3")}
      {_newsletter(page, "section")}
    </div>
  </div>
</div>
{_footer(page, "page-footer")}
</body>
</html>
"""


def tabloid(page: Page, rng: random.Random) -> str:
    """A blog-style theme: masthead, entry with share buttons below it, newsletter after the post."""
    meta = ""
    if page.when:
        meta = f'<span class="posted-on"><time class="entry-date" datetime="{page.published}">{page.when}</time></span>'

    return f"""<!DOCTYPE html>
<html lang="en">
{_head(page, with_json_ld=rng.random() < 0.5)}
<body class="single single-post">
<div id="page" class="site">
  <header id="masthead" class="site-header">
    <div class="site-branding"><p class="site-title"><a href="/" rel="home">{page.outlet}</a></p></div>
    <nav id="site-navigation" class="main-navigation"><ul id="primary-menu">{_links(page.nav, "/category/")}</ul></nav>
  </header>
  <div id="content" class="site-content">
    <main id="main" class="site-main">
      <article class="post type-post">
        <header class="entry-header">
          <h1 class="entry-title">{page.title}</h1>
          <div class="entry-meta">{meta}</div>
        </header>
        <div class="entry-content">
{_body(page, rng, "advert")}
        </div>
        <footer class="entry-footer">
          <div class="share-buttons"><ul>{_links(page.share, "#")}</ul></div>
        </footer>
      </article>
      {_newsletter(page, "div")}
    </main>
    <aside id="secondary" class="widget-area">
      {_most_read(page, "section", "h2")}
    </aside>
  </div>
  {_footer(page, "site-footer")}
</div>
</body>
</html>
"""


def wire(page: Page, rng: random.Random) -> str:
    """A lean agency page: slim header, article, related list and sign-up under it."""
    dateline = f'<p class="dateline"><time datetime="{page.published}">{page.when}</time></p>' if page.when else ""
    return f"""<!DOCTYPE html>
<html lang="en">
{_head(page, with_json_ld=True)}
<body>
<header>
  <a class="wordmark" href="/">{page.outlet}</a>
  <nav aria-label="Sections"><ul>{_links(page.nav)}</ul></nav>
</header>
<main>
  <article>
    <h1>{page.title}</h1>
    {dateline}
    <div class="social"><ul>{_links(page.share, "#")}</ul></div>
{_body(page, rng, "ad")}
  </article>
  {_most_read(page, "section", "h2")}
  {_newsletter(page, "aside")}
</main>
{_footer(page, "footer")}
</body>
</html>
"""


LAYOUTS: tuple[Layout, ...] = (broadsheet, portal, tabloid, wire)


def layout_for(outlet: str) -> Layout:
    """The outlet's layout, seeded by its name alone, so all of one outlet's pages look alike."""
    return LAYOUTS[random.Random(f"{outlet}:layout").randrange(len(LAYOUTS))]


def render_page(doc: Document, rng: random.Random) -> str:
    """``doc`` as a complete HTML page in its outlet's layout; ``rng`` varies the chrome."""
    outlet = doc.outlet or "Daily News"
    lines = paragraphs(doc.text)
    title = doc.title or (lines[0] if lines else doc.id)
    when, year = _when(doc.published)
    section = rng.choice(SECTIONS[:6])
    url = f"https://{slug(outlet)}.example/{slug(section)}/{quote(doc.id)}"
    page = Page(
        outlet=escape(outlet),
        slug=slug(outlet),
        url=escape(url),
        json_ld=json_ld(title, outlet, url, doc.published),
        title=escape(title),
        published=escape(doc.published) if doc.published else None,
        when=when,
        section=section,
        paragraphs=tuple(escape(p) for p in lines),
        nav=tuple(rng.sample(SECTIONS, rng.randint(5, 9))),
        share=tuple(rng.sample(SHARE, rng.randint(3, 5))),
        teasers=tuple(rng.sample(TEASERS, rng.randint(4, 6))),
        year=year,
    )
    return layout_for(outlet)(page, rng)


def _file_name(doc_id: str) -> str:
    """``<id>.html``; ids that are not plain file names are refused."""
    if not doc_id or doc_id.startswith(".") or any(c in doc_id for c in "/\\\0"):
        raise ValueError(f"document id {doc_id!r} cannot be a file name")
    return f"{doc_id}.html"


def write_corpus(docs: Iterable[Document], directory: Path, seed: int) -> int:
    """Write each document as ``directory/<id>.html`` (each page seeded by ``seed`` and its id); returns the count."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for doc in docs:
        html = render_page(doc, random.Random(f"{seed}:{doc.id}"))
        (directory / _file_name(doc.id)).write_text(html, encoding="utf-8")
        count += 1
    return count


def read_back(docs: Sequence[Document], seed: int) -> list[Document]:
    """``docs`` rendered into a temporary directory and read with the engine's HTML reader.

    The result keeps the order of ``docs`` (the reader sorts by file name), so a
    difference in clustering comes from extraction alone.
    """
    with tempfile.TemporaryDirectory(prefix="dedup-html-") as tmp:
        write_corpus(docs, Path(tmp), seed)
        by_id = {d.id: d for d in read_corpus([tmp])}
    return [by_id[d.id] for d in docs]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the synthetic test split as HTML pages."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.html_corpus", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="number of documents")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=("train", "test"), default="test")
    parser.add_argument("-o", "--output", type=Path, required=True, help="directory for the pages")
    args = parser.parse_args(argv)
    try:
        docs, _ = load_synthetic(args.split, args.size, args.seed)
    except FileNotFoundError as exc:
        print(f"missing dataset: {exc}", file=sys.stderr)
        return 2
    count = write_corpus(docs, args.output, args.seed)
    print(f"{count} pages in {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
