"""The synthetic corpus with the chrome of scraped news pages, modelled on real sites.

Scrapers (newspaper3k, trafilatura) keep more than the story: an inline
newsletter sign-up whose name and blurb change from page to page (NYT), photo
galleries with "Hide Caption N of M" after each caption and a gallery of
another story embedded in unrelated articles (CNN), "Advertisement" and
"Continue reading the main story" inside paragraphs, related-article lists,
"Read more:" lines, author bios, cookie and paywall notices, "This article
originally appeared on ...". Each outlet gets one site template (which modules
it uses, and its own galleries, related headlines and reporters, drawn from its
name); each page places the modules between paragraphs or between two
sentences of one paragraph, as a scrape that glued them into the text does.

The truth is the plain synthetic corpus's: chrome adds no link. Every outlet
carries many unrelated stories (the wire originals are all ``Reuters``), so a
link between two stories of one outlet is a link made by chrome.

Run ``python -m benchmarks.chrome_corpus --size N --seed S -o corpus.jsonl`` to
write the synthetic test split with chrome as JSONL.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.textops import split_sentences
from dedup.records import Document

NEWSLETTERS: tuple[tuple[str, str], ...] = (
    ("Today's Headlines: European Morning", "Get news and analysis from Europe and around the world delivered to your inbox every morning."),
    ("The Morning", "Make sense of the day's news and ideas with a guide to what matters most, every weekday."),
    ("DealBook", "The most important business and policy headlines, with commentary from our columnists."),
    ("Climate Forward", "Join us in exploring the planet's changes and what you can do about them, twice a week."),
    ("The Upshot", "Analysis that explains politics, policy and everyday life, with charts and data."),
    ("Well", "Tips and advice for living a healthier life, from fitness and nutrition to sleep."),
    ("Watching", "Recommendations of what to stream this weekend, from our critics."),
    ("Race and Identity", "Conversations about race that challenge and inspire, in your inbox on Sundays."),
    ("Evening Briefing", "Catch up on the biggest stories of the day and what to expect tomorrow."),
    ("Markets Close", "Stocks, bonds and currencies at the end of every trading day, explained."),
    ("Tech Wire", "The week's biggest technology stories and the people behind them."),
    ("At War", "Stories of conflict and its aftermath from correspondents around the world."),
)
PARTNERS: tuple[str, ...] = (
    "Kaiser Health News", "The Conversation", "Stateline", "Grist", "ProPublica", "Yahoo Finance",
    "The Texas Tribune", "Inside Climate News", "CalMatters", "MarketWatch",
)
GALLERY_SUBJECTS: tuple[str, ...] = (
    "Politicians in hot water", "The year in space launches", "Wildfires across the West",
    "Inside the royal wedding", "Super Bowl halftime shows", "Hurricane season in pictures",
    "Protests around the world", "Fashion week highlights", "The world's tallest buildings",
    "Celebrities we lost this year", "Olympic moments to remember", "Volcanoes erupting",
)
CAPTION_PEOPLE: tuple[str, ...] = (
    "Former Governor Alan Brigham", "Senator Maria Castellano", "Mayor Derek Oyelaran",
    "Representative Joan Whitcombe", "Astronaut Peter Valdane", "Singer Lola Fairbanks",
    "Designer Ottavio Renzi", "Firefighter Carla Mendel", "Prince Edmund of Arden",
    "Skater Yuna Takeda", "Architect Selim Karaca", "Actor Bruno Halvorsen",
)
CAPTION_ACTIONS: tuple[str, ...] = (
    "leaves the federal courthouse after his sentencing hearing",
    "waves to supporters at a rally outside the state capitol",
    "speaks to reporters during a news conference",
    "poses for photographers on the red carpet before the ceremony",
    "watches the launch from the observation deck",
    "walks past the wreckage of a burned-out home",
    "greets crowds lining the procession route",
    "performs during the halftime show at the stadium",
    "inspects the damage along the flooded waterfront",
    "arrives for questioning at police headquarters",
)
CAPTION_PLACES: tuple[str, ...] = (
    "in Sacramento", "in Cape Canaveral", "in Windsor", "in Minneapolis", "in Paradise, California",
    "in Milan", "in Dubai", "in Pyeongchang", "in Honolulu", "in Boston",
)
RELATED_SUBJECTS: tuple[str, ...] = (
    "The school board race that divided a small town", "What the new tax rules mean for your refund",
    "Inside the fight over the city's last public golf course", "A chef's guide to weeknight pasta",
    "The quiet comeback of the vinyl record", "How one family rebuilt after the flood",
    "Why airline fares are climbing again", "The mystery of the missing lighthouse keeper",
    "Ten trails worth the drive this autumn", "A judge's ruling puts the pipeline on hold",
    "The startup that wants to deliver groceries by drone", "What doctors wish you knew about sleep",
    "Veterans wait months for a clinic appointment", "A museum returns looted bronzes",
    "The teenager who mapped every bus route in the county", "Bridge repairs snarl the morning commute",
)
BEATS: tuple[str, ...] = (
    "national security", "health", "climate", "technology", "Supreme Court", "economics",
    "White House", "investigations", "foreign affairs", "education",
)
BIO_CITIES: tuple[str, ...] = ("Washington", "London", "New York", "Los Angeles", "Chicago", "Hong Kong", "Brussels")
BIO_PAST: tuple[str, ...] = (
    "covered city hall and the state legislature", "reported on wars in Iraq and Syria",
    "wrote about the insurance industry", "was a producer for public radio",
    "covered the Federal Reserve and Wall Street", "reported from West Africa",
)
REPORTER_NAMES: tuple[str, ...] = (
    "Rachel Oduya", "Marcus Feld", "Leila Haddadi", "Tom Brannigan", "Sofia Varga", "Nate Okonkwo",
    "Priya Raman", "Jeroen Bakker", "Hannah Lindqvist", "Owen Castellanos", "Mei Tanabe", "Dario Russo",
)
PROMOS: tuple[str, ...] = (
    "Talking it out: Learning to discuss complicated issues ahead of the election",
    "We want to hear from you: Be a part of the solution and share your story",
    "Get the news on the go: Download our app for breaking alerts",
    "Fact check: What is true and what is not in this week's claims",
)
COOKIE_NOTICE = ("We use cookies and similar technologies to personalise content and ads, to provide social media "
                 "features and to analyse our traffic. By continuing to browse this site you agree to our use of "
                 "cookies. Accept cookies Manage preferences")
ABOUT_COOKIES = "Read our privacy policy to find out more about how we and our partners use your data."


@dataclass(frozen=True)
class Gallery:
    """A photo gallery an outlet embeds in pages: its title and captions, shown as 'Hide Caption N of M'."""

    title: str
    captions: tuple[str, ...]


@dataclass(frozen=True)
class Site:
    """One outlet's template: the chrome modules its pages use and the material they repeat.

    ``modules`` name the functions of ``MODULES`` that may appear on a page, each
    with its chance; ``galleries``, ``related`` (headlines of the outlet's other
    stories) and ``reporters`` (name, bio) are the outlet's own, the same on
    every one of its pages.
    """

    outlet: str
    modules: tuple[tuple[str, float], ...]
    galleries: tuple[Gallery, ...]
    related: tuple[str, ...]
    reporters: tuple[tuple[str, str], ...]


# Site styles modelled on real pages: which modules they use and how often.
STYLES: dict[str, tuple[tuple[str, float], ...]] = {
    "times": (("newsletter", 0.8), ("continue", 0.7), ("advertisement", 0.8), ("related", 0.4), ("bio", 0.5)),
    "cable": (("gallery", 0.8), ("read_more", 0.7), ("advertisement", 0.4), ("related", 0.5), ("cookie", 0.3)),
    "tabloid": (("related", 0.8), ("cookie", 0.6), ("gallery", 0.4), ("advertisement", 0.6), ("read_more", 0.4)),
    "capital": (("paywall", 0.7), ("bio", 0.7), ("newsletter", 0.5), ("promo", 0.6), ("continue", 0.3)),
    "syndicator": (("originally", 0.8), ("promo", 0.5), ("read_more", 0.5), ("paywall", 0.3), ("advertisement", 0.5)),
}


def site_for(outlet: str) -> Site:
    """The outlet's template and material, drawn from its name alone: the same on all its pages."""
    rng = random.Random(f"{outlet}:site")
    style = rng.choice(sorted(STYLES))
    galleries = tuple(
        Gallery(f"Photos: {subject}", tuple(
            f"{rng.choice(CAPTION_PEOPLE)} {rng.choice(CAPTION_ACTIONS)} {rng.choice(CAPTION_PLACES)} "
            f"in {rng.randint(1998, 2019)}." for _ in range(rng.randint(8, 30))))
        for subject in rng.sample(GALLERY_SUBJECTS, 3)
    )
    reporters = tuple(
        (name, f"{name} is a {rng.choice(BEATS)} reporter for {outlet}, based in {rng.choice(BIO_CITIES)}. "
               f"Before joining {outlet} in {rng.randint(2005, 2018)}, {name.split()[0]} {rng.choice(BIO_PAST)}.")
        for name in rng.sample(REPORTER_NAMES, 4)
    )
    return Site(outlet, STYLES[style], galleries, tuple(rng.sample(RELATED_SUBJECTS, 10)), reporters)


def newsletter(site: Site, rng: random.Random) -> str:
    """The NYT inline sign-up: its name and blurb change from page to page, the form text does not."""
    name, blurb = rng.choice(NEWSLETTERS)
    return (f"Newsletter Sign Up Continue reading the main story {name} {blurb} Please verify you're not a robot "
            "by clicking the box. Invalid email address. Please re-enter. You must select a newsletter to "
            f"subscribe to. Sign Up You agree to receive occasional updates and special offers for {site.outlet}'s "
            "products and services. Thank you for subscribing. An error has occurred. Please try again later. "
            f"View all {site.outlet} newsletters.")


def gallery(site: Site, rng: random.Random) -> str:
    """A run of one of the outlet's galleries, each caption followed by 'Hide Caption N of M'."""
    shown = rng.choice(site.galleries)
    total = len(shown.captions)
    start = rng.randrange(total)
    count = min(total - start, rng.randint(2, 5))
    captions = " ".join(f"{shown.captions[i]} Hide Caption {i + 1} of {total}" for i in range(start, start + count))
    return f"{shown.title} {captions}"


def related(site: Site, rng: random.Random) -> str:
    """A related-articles box: a few of the outlet's other headlines."""
    heading = rng.choice(("Related Articles", "RELATED ARTICLES Previous 1 Next", "More on this story", "Related"))
    return f"{heading} " + " ".join(rng.sample(site.related, rng.randint(2, 4)))


def read_more(site: Site, rng: random.Random) -> str:
    """A 'Read more:' line pointing at another of the outlet's stories."""
    return f"{rng.choice(('Read more:', 'READ MORE:', 'Read More:'))} {rng.choice(site.related)}"


def bio(site: Site, rng: random.Random) -> str:
    """The author's bio, the same on every page of that reporter."""
    return rng.choice(site.reporters)[1]


def cookie(site: Site, rng: random.Random) -> str:
    """A cookie consent notice."""
    return COOKIE_NOTICE if rng.random() < 0.6 else f"{COOKIE_NOTICE} {ABOUT_COOKIES}"


def paywall(site: Site, rng: random.Random) -> str:
    """A metered-paywall notice; its counts vary."""
    limit = rng.choice((3, 5, 10))
    return (f"You have read {rng.randint(1, limit)} of {limit} free articles this month. Subscribe now for "
            f"unlimited access to {site.outlet} journalism. Already a subscriber? Log in.")


def originally(site: Site, rng: random.Random) -> str:
    """The credit of a republished story: the partner varies."""
    partner = rng.choice(PARTNERS)
    return rng.choice((f"This article originally appeared on {partner}.",
                       f"This story was originally published by {partner} and is republished here with permission."))


def promo(site: Site, rng: random.Random) -> str:
    """A USA TODAY-style promo line."""
    return rng.choice(PROMOS)


def advertisement(site: Site, rng: random.Random) -> str:
    return "Advertisement"


def continue_reading(site: Site, rng: random.Random) -> str:
    return "Continue reading the main story"


MODULES: dict[str, Callable[[Site, random.Random], str]] = {
    "newsletter": newsletter, "gallery": gallery, "related": related, "read_more": read_more, "bio": bio,
    "cookie": cookie, "paywall": paywall, "originally": originally, "promo": promo,
    "advertisement": advertisement, "continue": continue_reading,
}


def _is_body(block: str) -> bool:
    """A story paragraph (one line of several words), not a header, footer or teaser block."""
    return "\n" not in block and len(block.split()) >= 8


def _insert(blocks: list[list[str]], body: list[bool], piece: str, rng: random.Random) -> None:
    """``piece`` inside a story paragraph (between two of its segments) or next to one, at random.

    Blocks are lists of segments: a story paragraph's are its sentences and the
    pieces placed among them, so no piece lands inside another. ``body`` flags
    the story paragraphs.
    """
    story = [k for k, flag in enumerate(body) if flag]
    if not story:
        blocks.append([piece])
        body.append(False)
        return
    k = rng.choice(story)
    if len(blocks[k]) >= 2 and rng.random() < 0.5:
        blocks[k].insert(rng.randint(1, len(blocks[k]) - 1), piece)
        return
    at = k + int(rng.random() < 0.5)
    blocks.insert(at, [piece])
    body.insert(at, False)


def with_chrome(text: str, site: Site, rng: random.Random) -> str:
    """``text`` (blocks separated by blank lines) with the site's chrome modules placed into it."""
    body = [_is_body(block) for block in text.split("\n\n")]
    blocks = [split_sentences(block) if flag else [block] for block, flag in zip(text.split("\n\n"), body)]
    for name, chance in site.modules:
        for _ in range(1 + int(rng.random() < 0.3)):
            if rng.random() < chance:
                _insert(blocks, body, MODULES[name](site, rng), rng)
    return "\n\n".join(" ".join(block) for block in blocks)


def add_chrome(docs: Sequence[Document], seed: int) -> list[Document]:
    """Every document with its outlet's chrome (each page seeded by ``seed`` and its id); order kept."""
    sites: dict[str, Site] = {}
    out = []
    for doc in docs:
        outlet = doc.outlet or "Daily News"
        site = sites.get(outlet) or sites.setdefault(outlet, site_for(outlet))
        out.append(replace(doc, text=with_chrome(doc.text, site, random.Random(f"{seed}:chrome:{doc.id}"))))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the synthetic corpus with chrome as JSONL."""
    from benchmarks.datasets import load_synthetic

    parser = argparse.ArgumentParser(prog="python -m benchmarks.chrome_corpus", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="number of documents")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=("train", "test"), default="test")
    parser.add_argument("-o", "--output", type=Path, required=True, help="corpus JSONL")
    args = parser.parse_args(argv)
    try:
        docs, _ = load_synthetic(args.split, args.size, args.seed)
    except FileNotFoundError as exc:
        print(f"missing dataset: {exc}", file=sys.stderr)
        return 2
    with args.output.open("w", encoding="utf-8") as out:
        for doc in add_chrome(docs, args.seed):
            out.write(json.dumps({"id": doc.id, "text": doc.text, "title": doc.title, "outlet": doc.outlet,
                                  "published": doc.published}, ensure_ascii=False) + "\n")
    print(f"{len(docs)} documents with chrome in {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
