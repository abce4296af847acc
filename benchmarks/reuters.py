"""Reader for the Reuters-21578 SGML files: clean story records without natural duplicates.

The collection files the same story twice now and then (exact duplicates and
corrected re-issues). Those would be true syndication pairs that no ground
truth knows about, so every member of such a group is dropped.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

MIN_BODY_WORDS = 40
PREFIX_CHARS = 200

_STORY = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_ATTR = re.compile(r'([A-Z]+)="([^"]*)"')
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SIGN_OFF = re.compile(r"\bReuters?$", re.I)
_PARAGRAPH_BREAK = re.compile(r"\n(?=[ \t]{2,}\S)")
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}


@dataclass(frozen=True)
class Story:
    """One Reuters story: ``body`` holds paragraphs separated by blank lines."""

    newid: int
    split: str
    date: str
    title: str
    body: str
    topics: tuple[str, ...]

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The body's paragraphs."""
        return tuple(self.body.split("\n\n"))


def _element(name: str, block: str) -> str | None:
    """Raw content of the first ``<name>`` element in ``block``, if any."""
    match = re.search(rf"<{name}>(.*?)</{name}>", block, re.S)
    return match.group(1) if match else None


def _clean(raw: str) -> str:
    """Decode entities and drop control characters such as ``&#3;``."""
    return _CONTROL.sub("", html.unescape(raw))


def iso_date(raw: str) -> str:
    """``26-FEB-1987 15:01:01.79`` as ``1987-02-26T15:01:01``; empty when unparseable."""
    match = _DATE.search(raw)
    if not match:
        return ""
    day, month, year, hour, minute, second = match.groups()
    month_no = _MONTHS.get(month.upper())
    if month_no is None:
        return ""
    return f"{int(year):04d}-{month_no:02d}-{int(day):02d}T{int(hour):02d}:{minute}:{second}"


def clean_body(raw: str) -> str:
    """Body text as paragraphs joined by blank lines, without the ``Reuter`` sign-off."""
    text = _clean(raw).rstrip()
    tail = _SIGN_OFF.search(text, max(0, len(text) - 8))
    while tail:
        text = text[: tail.start()].rstrip()
        tail = _SIGN_OFF.search(text, max(0, len(text) - 8))
    paragraphs = (" ".join(part.split()) for part in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def parse_sgml(text: str) -> Iterator[Story]:
    """Every ``<REUTERS>`` element of one SGML file that has a body, in file order."""
    for match in _STORY.finditer(text):
        attrs = dict(_ATTR.findall(match.group(1)))
        block = match.group(2)
        body_raw = _element("BODY", block)
        if body_raw is None:
            continue
        topics_raw = _element("TOPICS", block) or ""
        yield Story(
            newid=int(attrs.get("NEWID", "0")),
            split=attrs.get("LEWISSPLIT", ""),
            date=iso_date(_element("DATE", block) or ""),
            title=_SPACES.sub(" ", _clean(_element("TITLE", block) or "")).strip(),
            body=clean_body(body_raw),
            topics=tuple(re.findall(r"<D>(.*?)</D>", topics_raw)),
        )


def normalized(text: str) -> str:
    """Lower-case alphanumerics separated by single spaces: the key for duplicate detection."""
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def drop_duplicates(stories: Iterable[Story]) -> list[Story]:
    """Stories whose normalized body, and whose first 200 normalized chars, are unique.

    All members of a duplicate group go: none of them is a clean original.
    """
    items = list(stories)
    bodies = [normalized(s.body) for s in items]
    full = Counter(bodies)
    prefix = Counter(b[:PREFIX_CHARS] for b in bodies)
    return [s for s, b in zip(items, bodies) if full[b] == 1 and prefix[b[:PREFIX_CHARS]] == 1]


def read_file(path: Path) -> list[Story]:
    """All stories with a body in one SGML file (latin-1, as the collection is)."""
    return list(parse_sgml(path.read_text(encoding="latin-1")))


def load_stories(paths: Iterable[Path]) -> list[Story]:
    """Stories of >= 40 body words from ``paths``, natural duplicates removed, sorted by NEWID."""
    stories = [s for p in paths for s in read_file(p) if len(s.body.split()) >= MIN_BODY_WORDS]
    return sorted(drop_duplicates(stories), key=lambda s: s.newid)


@lru_cache(maxsize=4)
def load_reuters(directory: Path) -> tuple[Story, ...]:
    """The cleaned story pool of a Reuters-21578 directory (cached: parsing takes seconds)."""
    paths = sorted(Path(directory).glob("reut2-*.sgm"))
    if not paths:
        raise FileNotFoundError(f"no reut2-*.sgm files in {directory}")
    return tuple(load_stories(paths))


def split_pool(stories: Iterable[Story], split: str) -> tuple[Story, ...]:
    """Stories of one LEWISSPLIT (``train`` or ``test``; ``NOT-USED`` is never in either)."""
    wanted = split.upper()
    if wanted not in ("TRAIN", "TEST"):
        raise ValueError(f"split must be train or test, not {split!r}")
    return tuple(s for s in stories if s.split == wanted)
