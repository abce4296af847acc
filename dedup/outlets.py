"""Wire reuse by outlet: who copies whom, how much and how fast, from a run's verdicts.

Pure functions from the verdicts and what was read of each document
(``DocInfo``) to frozen rows: one ``OutletRow`` per outlet and one ``Flow`` per
(source outlet, copying outlet) pair, plus the writers of ``dedup outlets``.

An outlet is the document's ``outlet``, else the host of its ``url`` (without
``www.``), else ``unknown``. A document's words are its text's
whitespace-separated words; a derived document reuses ``score`` of them from
its source (``Verdict.score``: the share of it found in the source). Reuse
counts toward an outlet's reused share unless the source is the same known
outlet's: an outlet reprinting itself shows in the flows (on the heat map's
diagonal), not as reuse; two ``unknown`` documents may be any two outlets.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import IO, Any
from urllib.parse import urlsplit

from dedup.records import Document, Label, Verdict

UNKNOWN = "unknown"
TOP_SOURCES = 5


@dataclass(frozen=True, slots=True)
class DocInfo:
    """What the analytics and the report keep of a document: no text, only its size."""

    id: str
    outlet: str
    title: str | None
    url: str | None
    published: str | None
    words: int


def outlet_of(doc: Document) -> str:
    """The document's outlet, else its URL's host, else ``unknown``."""
    if doc.outlet and doc.outlet.strip():
        return doc.outlet.strip()
    if doc.url:
        try:
            host = urlsplit(doc.url.strip()).hostname
        except ValueError:
            host = None
        if host:
            return host.removeprefix("www.")
    return UNKNOWN


def describe(doc: Document) -> DocInfo:
    """A document's outlet, metadata and word count."""
    return DocInfo(doc.id, outlet_of(doc), doc.title, doc.url, doc.published, len(doc.text.split()))


def recorded(docs: Iterable[Document], into: dict[str, DocInfo]) -> Iterator[Document]:
    """``docs`` passed through unchanged, each one's ``DocInfo`` kept in ``into`` as it goes by.

    Lets a streamed corpus be clustered without holding its texts.
    """
    for doc in docs:
        into[doc.id] = describe(doc)
        yield doc


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 date or time as an aware datetime (naive ones taken as UTC), or None."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def lag_hours(source: DocInfo, copy: DocInfo) -> float | None:
    """Hours from the source's ``published`` to the copy's, when both are dated."""
    start, end = parse_time(source.published), parse_time(copy.published)
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class SourceCount:
    """An outlet taken from, and how many articles were taken from it."""

    outlet: str
    count: int


@dataclass(frozen=True, slots=True)
class OutletRow:
    """One outlet: its articles by label, the share of its words reused from other outlets, its sources.

    Shares are of ``articles`` (and of ``words`` for ``reused_share``);
    ``median_lag_hours`` is over its derived articles whose source and own
    ``published`` are both known (None without any).
    """

    outlet: str
    articles: int
    originals: int
    syndicated: int
    rewrites: int
    original_share: float
    syndicated_share: float
    rewrite_share: float
    words: int
    reused_words: int
    reused_share: float
    top_sources: tuple[SourceCount, ...]
    median_lag_hours: float | None


@dataclass(frozen=True, slots=True)
class Flow:
    """Articles ``outlet`` took from ``source``: how many, as syndicated copies or rewrites, their reused words."""

    source: str
    outlet: str
    copies: int
    syndicated: int
    rewrites: int
    reused_words: int
    median_lag_hours: float | None


@dataclass(frozen=True)
class Analytics:
    """Outlets (most articles first) and flows (most copies first)."""

    outlets: tuple[OutletRow, ...]
    flows: tuple[Flow, ...]


def reused_words(verdict: Verdict, info: DocInfo) -> int:
    """Words of a derived document found in its source (0 for an original)."""
    if verdict.source is None or verdict.score is None:
        return 0
    return round(verdict.score * info.words)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def outlet_analytics(verdicts: Iterable[Verdict], infos: Mapping[str, DocInfo]) -> Analytics:
    """Per-outlet counts, shares, sources and lags, and the outlet-to-outlet flows, of a run's verdicts."""
    verdicts = list(verdicts)
    labels: dict[str, Counter[Label]] = defaultdict(Counter)
    words: Counter[str] = Counter()
    reused: Counter[str] = Counter()
    lags: dict[str, list[float]] = defaultdict(list)
    sources: dict[str, Counter[str]] = defaultdict(Counter)
    flows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    flow_lags: dict[tuple[str, str], list[float]] = defaultdict(list)
    for v in verdicts:
        info = infos[v.id]
        labels[info.outlet][v.label] += 1
        words[info.outlet] += info.words
        if v.source is None:
            continue
        source = infos[v.source]
        key = (source.outlet, info.outlet)
        taken = reused_words(v, info)
        flows[key]["copies"] += 1
        flows[key][v.label.value] += 1
        flows[key]["words"] += taken
        sources[info.outlet][source.outlet] += 1
        if source.outlet != info.outlet or info.outlet == UNKNOWN:
            reused[info.outlet] += taken
        lag = lag_hours(source, info)
        if lag is not None:
            lags[info.outlet].append(lag)
            flow_lags[key].append(lag)
    rows = []
    for outlet, counts in labels.items():
        total = sum(counts.values())
        top = sorted(sources[outlet].items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_SOURCES]
        rows.append(OutletRow(
            outlet=outlet,
            articles=total,
            originals=counts[Label.ORIGINAL],
            syndicated=counts[Label.SYNDICATED],
            rewrites=counts[Label.REWRITE],
            original_share=_share(counts[Label.ORIGINAL], total),
            syndicated_share=_share(counts[Label.SYNDICATED], total),
            rewrite_share=_share(counts[Label.REWRITE], total),
            words=words[outlet],
            reused_words=reused[outlet],
            reused_share=_share(reused[outlet], words[outlet]),
            top_sources=tuple(SourceCount(o, n) for o, n in top),
            median_lag_hours=_median(lags[outlet]),
        ))
    rows.sort(key=lambda r: (-r.articles, r.outlet))
    flow_rows = [
        Flow(source, outlet, c["copies"], c[Label.SYNDICATED.value], c[Label.REWRITE.value], c["words"],
             _median(flow_lags[(source, outlet)]))
        for (source, outlet), c in flows.items()
    ]
    flow_rows.sort(key=lambda f: (-f.copies, f.source, f.outlet))
    return Analytics(tuple(rows), tuple(flow_rows))


def analytics_record(analytics: Analytics) -> dict[str, Any]:
    """``{"outlets": [...], "flows": [...]}``, the JSON of ``dedup outlets``."""
    return {"outlets": [asdict(r) for r in analytics.outlets], "flows": [asdict(f) for f in analytics.flows]}


def write_json(analytics: Analytics, out: IO[str]) -> None:
    json.dump(analytics_record(analytics), out, ensure_ascii=False, indent=2)
    out.write("\n")


OUTLET_FIELDS = (
    "outlet", "articles", "originals", "syndicated", "rewrites", "original_share", "syndicated_share",
    "rewrite_share", "words", "reused_words", "reused_share", "top_sources", "median_lag_hours",
)
FLOW_FIELDS = ("source", "outlet", "copies", "syndicated", "rewrites", "reused_words", "median_lag_hours")


def _sources_cell(sources: Sequence[SourceCount]) -> str:
    return "; ".join(f"{s.outlet} ({s.count})" for s in sources)


def _csv(out: IO[str], fields: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})


def write_csv(analytics: Analytics, out: IO[str]) -> None:
    """The outlet rows as CSV (top sources as ``outlet (count); ...``)."""
    _csv(out, OUTLET_FIELDS,
         (asdict(r) | {"top_sources": _sources_cell(r.top_sources)} for r in analytics.outlets))


def write_flows_csv(analytics: Analytics, out: IO[str]) -> None:
    """The outlet-to-outlet flows as CSV."""
    _csv(out, FLOW_FIELDS, (asdict(f) for f in analytics.flows))


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%"


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} h"


def _columns(out: IO[str], header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    cells = [tuple(header), *rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for r in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")


def write_table(analytics: Analytics, out: IO[str]) -> None:
    """The outlets, then the flows, as aligned columns."""
    _columns(out, ("outlet", "articles", "original", "syndicated", "rewrite", "reused words", "lag", "top sources"), [
        (r.outlet, str(r.articles), _percent(r.original_share), _percent(r.syndicated_share),
         _percent(r.rewrite_share), _percent(r.reused_share), _hours(r.median_lag_hours),
         _sources_cell(r.top_sources[:3]) or "-")
        for r in analytics.outlets
    ])
    out.write("\n")
    _columns(out, ("source", "taken by", "copies", "syndicated", "rewrites", "reused words", "lag"), [
        (f.source, f.outlet, str(f.copies), str(f.syndicated), str(f.rewrites), str(f.reused_words),
         _hours(f.median_lag_hours))
        for f in analytics.flows
    ])


OUTLET_WRITERS = {"table": write_table, "csv": write_csv, "json": write_json}
