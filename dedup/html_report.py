"""One self-contained HTML page of a run: summary, outlet charts, every cluster and its evidence.

``build_report`` turns a run's ``Result`` (with evidence) and the documents'
``DocInfo`` into frozen view records; ``render_html`` fills the Jinja2
template (``dedup/templates/``, autoescaped) with them and with charts drawn by
matplotlib as inline SVG. The page loads nothing: no fonts, scripts or images
from elsewhere, and a Content-Security-Policy that runs only its own script
(by hash), so a document's text cannot smuggle one in. Jinja2 and matplotlib
are the ``report`` extra.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from itertools import groupby
from typing import Any

from dedup.normalize import is_content
from dedup.outlets import Analytics, DocInfo, lag_hours, outlet_analytics, parse_time
from dedup.pipeline import Result
from dedup.records import Alignment, Label, Match, Verdict

EXTRA_HINT = "dedup report needs the 'report' extra: pip install 'dedup[report]' (Jinja2 and matplotlib)"
# Derived documents up to which every evidence panel starts open (beyond, only the first cluster's).
OPEN_EVIDENCE = 40
CHART_OUTLETS = 20
HEATMAP_OUTLETS = 15
COLORS = {Label.ORIGINAL: "#3b6ea5", Label.SYNDICATED: "#c8553d", Label.REWRITE: "#7a5195"}
_WORD = re.compile(r"\w+")
_TOKENS = re.compile(r"(\w+)|\W+")


class MissingExtra(ImportError):
    """The ``report`` extra is not installed."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of a passage's text; ``shared`` when its words are also in the other passage."""

    text: str
    shared: bool


@dataclass(frozen=True, slots=True)
class PassagePair:
    """An aligned passage of the source and of the copy, words they share marked."""

    source: tuple[Segment, ...]
    copy: tuple[Segment, ...]
    distance: float


@dataclass(frozen=True, slots=True)
class MemberView:
    """A cluster member as the page shows it; ``at`` its place on the cluster's timeline (0-100) when dated."""

    id: str
    title: str | None
    outlet: str
    link: str | None
    published: str | None
    label: str
    score: float | None
    source: str | None
    source_outlet: str | None
    lag_hours: float | None
    at: float | None
    passages: tuple[PassagePair, ...]
    passage_count: int


@dataclass(frozen=True, slots=True)
class ClusterView:
    """A cluster, original first then by ``published``; ``search`` is its lower-cased ids, titles and outlets."""

    id: str
    members: tuple[MemberView, ...]
    outlets: tuple[str, ...]
    labels: tuple[str, ...]
    search: str
    span_hours: float | None
    open: bool


@dataclass(frozen=True, slots=True)
class Summary:
    """The headline figures of a run."""

    documents: int
    clusters: int
    clustered: int
    unlinked: int
    syndicated: int
    rewrites: int
    syndicated_share: float
    rewrite_share: float
    outlets: int


@dataclass(frozen=True)
class Report:
    """Everything the page shows; the charts are SVG markup made by matplotlib."""

    title: str
    summary: Summary
    analytics: Analytics
    clusters: tuple[ClusterView, ...]
    charts: Mapping[str, str]


def passage_distance(alignment: Alignment) -> float:
    """How far a passage's wording moved from its source's: 1 - the alignment's TF-IDF cosine.

    The per-passage form of ``Match.paraphrase_distance``.
    """
    return max(0.0, 1.0 - alignment.score)


def highlight(text: str, other: str) -> tuple[Segment, ...]:
    """``text`` in runs, those of words that ``other`` also has marked shared (case folded).

    A stop word counts only inside a word pair both passages have, so that a
    shared "the" or "of" alone stays plain; spaces and punctuation between two
    shared words join their run, so that a copied phrase is one mark.
    """
    theirs = _WORD.findall(other.lower())
    words, pairs = set(theirs), set(zip(theirs, theirs[1:]))
    found = [(m.group(), m.group(1)) for m in _TOKENS.finditer(text)]
    tokens = [t for t, _ in found]
    lower = [w.lower() if w else None for _, w in found]
    mine = [w for w in lower if w is not None]
    shared = [
        w in words and (is_content(w) or (k > 0 and (mine[k - 1], w) in pairs)
                        or (k + 1 < len(mine) and (w, mine[k + 1]) in pairs))
        for k, w in enumerate(mine)
    ]
    flags: list[bool] = []
    k = 0
    for i, w in enumerate(lower):
        if w is not None:
            flags.append(shared[k])
            k += 1
        else:  # glue between two shared words is part of their run
            flags.append(0 < k < len(mine) and shared[k - 1] and shared[k])
    return tuple(Segment("".join(t for _, t in run), flag)
                 for flag, run in groupby(zip(flags, tokens), key=lambda ft: ft[0]))


def passage_pairs(match: Match | None, copy: str) -> tuple[PassagePair, ...]:
    """The aligned passages of ``copy`` and its source, source side first, in the copy's order."""
    if match is None:
        return ()
    seen = match.toward(copy)
    return tuple(
        PassagePair(highlight(a.b_text, a.a_text), highlight(a.a_text, a.b_text), passage_distance(a))
        for a in sorted(seen.alignments, key=lambda x: x.a_index)
    )


def safe_link(url: str | None) -> str | None:
    """``url`` when it is http(s), else None: a ``javascript:`` or ``data:`` URL is shown, never linked."""
    if url and re.match(r"https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def _by_pair(matches: Sequence[Match]) -> dict[frozenset[str], Match]:
    return {frozenset((m.a, m.b)): m for m in matches}


def _member(v: Verdict, info: DocInfo, source: DocInfo | None, start: datetime | None, span: float | None,
            match: Match | None) -> MemberView:
    when = parse_time(info.published)
    at = None
    if when is not None and start is not None:
        at = 50.0 if not span else round(100 * (when - start).total_seconds() / 3600 / span, 2)
    passages = passage_pairs(match, v.id) if v.source else ()
    return MemberView(
        id=v.id, title=info.title, outlet=info.outlet, link=safe_link(info.url), published=info.published,
        label=v.label.value, score=v.score, source=v.source, source_outlet=source.outlet if source else None,
        lag_hours=lag_hours(source, info) if source else None, at=at, passages=passages,
        passage_count=v.passages,
    )


def _in_time(when: datetime | None, doc_id: str) -> tuple[bool, float, str]:
    """A sort key: dated documents by time, then undated ones, ties by id."""
    return (when is None, when.timestamp() if when else 0.0, doc_id)


def cluster_views(result: Result, infos: Mapping[str, DocInfo]) -> tuple[ClusterView, ...]:
    """The clusters of two or more documents, largest first, each with its members' evidence."""
    verdicts = {v.id: v for v in result.verdicts}
    pairs = _by_pair(result.matches)
    clusters = sorted((c for c in result.clusters if len(c.members) > 1), key=lambda c: (-len(c.members), c.id))
    derived = sum(len(c.members) - 1 for c in clusters)
    views = []
    for rank, c in enumerate(clusters):
        members = [verdicts[m] for m in c.members]
        times = [t for t in (parse_time(infos[m].published) for m in c.members) if t is not None]
        start = min(times) if times else None
        span = (max(times) - start).total_seconds() / 3600 if times else None
        original, rest = members[0], members[1:]
        rest.sort(key=lambda v: _in_time(parse_time(infos[v.id].published), v.id))
        shown = [
            _member(v, infos[v.id], infos.get(v.source) if v.source else None, start, span,
                    pairs.get(frozenset((v.id, v.source))) if v.source else None)
            for v in [original, *rest]
        ]
        outlets = tuple(sorted({m.outlet for m in shown}))
        text = " ".join([*c.members, *(m.title or "" for m in shown), *outlets]).lower()
        views.append(ClusterView(
            id=c.id, members=tuple(shown), outlets=outlets, labels=tuple(sorted({m.label for m in shown})),
            search=text, span_hours=span, open=derived <= OPEN_EVIDENCE or rank == 0,
        ))
    return tuple(views)


def summary(result: Result, analytics: Analytics) -> Summary:
    """Documents, clusters and the shares syndicated and rewritten."""
    labels = Counter(v.label for v in result.verdicts)
    sizes = Counter(v.cluster for v in result.verdicts)
    n = len(result.verdicts)
    return Summary(
        documents=n,
        clusters=sum(1 for s in sizes.values() if s > 1),
        clustered=sum(s for s in sizes.values() if s > 1),
        unlinked=sum(1 for s in sizes.values() if s == 1),
        syndicated=labels[Label.SYNDICATED],
        rewrites=labels[Label.REWRITE],
        syndicated_share=labels[Label.SYNDICATED] / n if n else 0.0,
        rewrite_share=labels[Label.REWRITE] / n if n else 0.0,
        outlets=len(analytics.outlets),
    )


def build_report(result: Result, infos: Mapping[str, DocInfo], title: str = "Wire reuse report") -> Report:
    """The page's records for a run clustered with evidence (``cluster_documents(..., evidence=True)``)."""
    analytics = outlet_analytics(result.verdicts, infos)
    return Report(
        title=title,
        summary=summary(result, analytics),
        analytics=analytics,
        clusters=cluster_views(result, infos),
        charts=charts(result.verdicts, infos, analytics),
    )


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as err:
        raise MissingExtra(EXTRA_HINT) from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "dedup",
    "text.parse_math": False,
    "font.size": 10,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(fig: Any) -> str:
    """A figure as SVG markup to inline, without its XML prolog (the page's CSS lets it shrink to fit)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def charts(verdicts: Sequence[Verdict], infos: Mapping[str, DocInfo], analytics: Analytics) -> dict[str, str]:
    """The summary's charts as SVG: articles by outlet and label, the flows heat map, reuse over time."""
    plt = _pyplot()
    with plt.rc_context(_STYLE):
        return {
            "outlets": _outlet_chart(plt, analytics),
            "heatmap": _heatmap(plt, analytics),
            "time": _time_chart(plt, verdicts, infos),
        }


def _outlet_chart(plt: Any, analytics: Analytics) -> str:
    rows = analytics.outlets[:CHART_OUTLETS][::-1]
    fig, ax = plt.subplots(figsize=(8, 1.0 + 0.3 * max(len(rows), 1)))
    names = [_short(r.outlet) for r in rows]
    left = [0] * len(rows)
    for label, values in ((Label.ORIGINAL, [r.originals for r in rows]),
                          (Label.SYNDICATED, [r.syndicated for r in rows]),
                          (Label.REWRITE, [r.rewrites for r in rows])):
        ax.barh(names, values, left=left, color=COLORS[label], label=label.value, height=0.7)
        left = [a + b for a, b in zip(left, values)]
    ax.set_xlabel("articles")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, fontsize=9, ncols=3)
    ax.tick_params(axis="y", length=0)
    svg = _svg(fig)
    plt.close(fig)
    return svg


def _heatmap(plt: Any, analytics: Analytics) -> str:
    given: Counter[str] = Counter()
    taken: Counter[str] = Counter()
    for f in analytics.flows:
        given[f.source] += f.copies
        taken[f.outlet] += f.copies
    if not given:
        return ""
    rows = [o for o, _ in sorted(given.items(), key=lambda kv: (-kv[1], kv[0]))[:HEATMAP_OUTLETS]]
    columns = [o for o, _ in sorted(taken.items(), key=lambda kv: (-kv[1], kv[0]))[:HEATMAP_OUTLETS]]
    row_at, column_at = {o: i for i, o in enumerate(rows)}, {o: i for i, o in enumerate(columns)}
    grid = [[0] * len(columns) for _ in rows]
    for f in analytics.flows:
        if f.source in row_at and f.outlet in column_at:
            grid[row_at[f.source]][column_at[f.outlet]] += f.copies
    fig, ax = plt.subplots(figsize=(1.8 + 0.42 * len(columns), 1.6 + 0.42 * len(rows)))
    ax.imshow(grid, cmap="Oranges", aspect="equal", vmin=0)
    ax.set_xticks(range(len(columns)), [_short(n, 22) for n in columns], rotation=50, ha="right")
    ax.set_yticks(range(len(rows)), [_short(n, 22) for n in rows])
    ax.set_xlabel("taken by")
    ax.set_ylabel("source")
    ax.spines[:].set_visible(False)
    top = max(max(row) for row in grid) or 1
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=8,
                        color="white" if value > top / 2 else "#222")
    svg = _svg(fig)
    plt.close(fig)
    return svg


# Up to this many days from the first dated document to the last, reuse over time is counted per day, beyond per week.
DAILY_SPAN = 92


def reuse_by_period(verdicts: Sequence[Verdict], infos: Mapping[str, DocInfo]) -> tuple[str, dict[str, Counter[str]]]:
    """Dated documents counted by label per day (UTC), or per week (from Monday) over a long span; periods in order."""
    dated = [(when.astimezone(timezone.utc).date(), v.label.value) for v in verdicts if (when := parse_time(infos[v.id].published)) is not None]
    if not dated:
        return "day", {}
    days = [d for d, _ in dated]
    unit = "day" if (max(days) - min(days)).days <= DAILY_SPAN else "week"
    periods: dict[str, Counter[str]] = {}
    for day, label in dated:
        start = day if unit == "day" else day - timedelta(days=day.weekday())
        periods.setdefault(start.isoformat(), Counter())[label] += 1
    return unit, dict(sorted(periods.items()))


def _time_chart(plt: Any, verdicts: Sequence[Verdict], infos: Mapping[str, DocInfo]) -> str:
    unit, periods = reuse_by_period(verdicts, infos)
    if not periods:
        return ""
    import matplotlib.dates as mdates

    x = [datetime.fromisoformat(d) for d in periods]
    fig, ax = plt.subplots(figsize=(8, 2.8))
    bottom = [0] * len(x)
    for label in (Label.ORIGINAL, Label.SYNDICATED, Label.REWRITE):
        values = [periods[d][label.value] for d in periods]
        ax.bar(x, values, bottom=bottom, color=COLORS[label], label=label.value, width=0.9 if unit == "day" else 6,
               align="edge" if unit == "week" else "center")
        bottom = [a + b for a, b in zip(bottom, values)]
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_ylabel(f"articles per {unit}")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, fontsize=9, ncols=3)
    svg = _svg(fig)
    plt.close(fig)
    return svg


def _environment() -> Any:
    try:
        import jinja2
    except ImportError as err:
        raise MissingExtra(EXTRA_HINT) from err
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dedup", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda share: "-" if share is None else f"{100 * share:.0f}%"
    env.filters["lag"] = lag_text
    env.filters["num"] = "{:,}".format
    env.filters["when"] = when_text
    return env


def lag_text(hours: float | None) -> str:
    """A lag for reading: minutes under an hour, hours under two days, else days."""
    if hours is None:
        return ""
    sign = "-" if hours < 0 else "+"
    size = abs(hours)
    if size < 1:
        return f"{sign}{size * 60:.0f} min"
    if size < 48:
        return f"{sign}{size:.1f} h"
    return f"{sign}{size / 24:.1f} d"


def when_text(value: str | None) -> str:
    """A ``published`` value for reading: date and minutes when it parses (``2024-08-06 14:05``), else as given."""
    when = parse_time(value)
    if when is None:
        return value or ""
    text = when.strftime("%Y-%m-%d %H:%M")
    return text.removesuffix(" 00:00") if len(value.strip()) == 10 else text


def render_html(report: Report) -> str:
    """The report as one HTML page."""
    env = _environment()
    script = resources.files("dedup").joinpath("templates/report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return env.get_template("report.html.j2").render(
        report=report, script=script, script_hash=f"sha256-{digest}", colors={k.value: v for k, v in COLORS.items()},
    )
