"""Clusters of linked documents, and within each the original, its copies and rewrites."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from dedup.config import LabelConfig
from dedup.records import Cluster, Document, Label, Match, Verdict


@dataclass(frozen=True, slots=True)
class Member:
    """What labelling reads of a document: its id, date and text length (never its text)."""

    id: str
    published: str | None
    length: int

    @classmethod
    def of(cls, doc: Document) -> Member:
        return cls(doc.id, doc.published, len(doc.text))


def parse_date(value: str | None) -> datetime | None:
    """An ISO 8601 date or time as an aware datetime (naive ones taken as UTC); None if absent or unparseable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def derived_share(match: Match, member: str) -> float:
    """How much of ``member`` is found in the other document of the match (read in place: labelling asks
    this of every link many times, and ``Match.toward`` builds a new match)."""
    if member == match.a:
        return max(match.containment_ab, match.reuse_ab)
    return max(match.containment_ba, match.reuse_ba)


def label_features(match: Match) -> tuple[float, float]:
    """What the label decision reads of a member's match with its source (``match`` seen from the member).

    ``verbatim``: the share of the member's aligned, unquoted content that the
    source carries word for word. ``copied``: word 5-gram containment of
    either side in the other (a truncated copy, or the wire inside a bigger page).
    """
    return match.verbatim_ab, max(match.containment_ab, match.containment_ba)


def syndication_odds(verbatim: float, copied: float, config: LabelConfig) -> float:
    """Log-odds that a member with these features is a syndicated copy rather than a rewrite (>= 0: syndicated)."""
    return config.verbatim_weight * verbatim + config.copied_weight * copied + config.bias


def _order(members: list[str], docs: dict[str, Member], links: dict[str, dict[str, Match]]) -> list[str]:
    """Members from most to least original: by date when all are dated, else by how much of the others they hold.

    Ties (a verbatim copy and its original hold each other alike) go to the
    shorter text: the copy carries its outlet's chrome as well.
    """
    group = set(members)
    derives = {m: sum(derived_share(x, o) for o, x in links.get(m, {}).items() if o in group) for m in members}
    dates = {m: parse_date(docs[m].published) for m in members}
    if all(dates.values()):
        return sorted(members, key=lambda m: (dates[m], -derives[m], m))
    return sorted(members, key=lambda m: (-derives[m], docs[m].length, m))


def components(members: list[str], links: dict[str, dict[str, Match]]) -> list[list[str]]:
    """Connected components of the link graph restricted to ``members``, each in the given order."""
    rank = {m: k for k, m in enumerate(members)}
    seen: set[str] = set()
    groups = []
    for start in members:
        if start in seen:
            continue
        seen.add(start)
        frontier, group = [start], {start}
        while frontier:
            for other in links.get(frontier.pop(), ()):
                if other in rank and other not in seen:
                    seen.add(other)
                    group.add(other)
                    frontier.append(other)
        groups.append(sorted(group, key=rank.__getitem__))
    return groups


def _pair(a: str, b: str) -> tuple[str, str]:
    """An unordered pair of ids as one key."""
    return (a, b) if a < b else (b, a)


def _joins(member: str, match: Match, links: dict[str, dict[str, Match]], group: set[str], config: LabelConfig) -> bool:
    """Whether ``member``, which shares text with the original (``match``), holds enough of it to join its star.

    Enough is ``config.original_share`` of what it shares with its closest
    linked member of the group: a copy of another story that merely resembles
    the original's stays with that story.
    """
    closest = max((derived_share(x, member) for other, x in links.get(member, {}).items() if other in group),
                  default=0.0)
    return derived_share(match, member) >= config.original_share * closest


@dataclass(frozen=True)
class Labelling:
    """Verdicts in input order, clusters largest first, and the (original, member) pairs still to verify.

    A cluster holds an original and the members that share text with it; a
    member linked to the cluster only through others is set apart until the
    pair is verified, and one that shares far more with another member than
    with the original is set apart for good, so that a chain of weak links
    never joins two stories.
    """

    verdicts: list[Verdict]
    clusters: list[Cluster]
    unverified: list[tuple[str, str]]


def label_corpus(
    docs: Sequence[Member | Document],
    matches: Sequence[Match],
    config: LabelConfig,
    checked: Callable[[str, str], bool] | None = None,
) -> Labelling:
    """Cluster the documents around originals and label every member against its original.

    ``checked`` says whether a pair was verified though it has no match here
    (one that shares no text); by default only pairs in ``matches`` were.
    """
    docs = [d if isinstance(d, Member) else Member.of(d) for d in docs]
    index = {d.id: i for i, d in enumerate(docs)}
    by_id = {d.id: d for d in docs}
    # Kept for the documents that have any: a corpus of millions is mostly documents without.
    links: defaultdict[str, dict[str, Match]] = defaultdict(dict)
    passage_links: defaultdict[str, list[str]] = defaultdict(list)
    verified = {_pair(m.a, m.b): m for m in matches}
    for m in matches:
        if m.linked and m.tail_only:
            passage_links[m.a].append(m.b)
            passage_links[m.b].append(m.a)
        elif m.linked:
            links[m.a][m.b] = m
            links[m.b][m.a] = m
    verdicts: dict[str, Verdict] = {}
    clusters: list[Cluster] = []
    unverified: list[tuple[str, str]] = []
    stack = list(reversed(components([d.id for d in docs], links)))
    while stack:
        order = _order(stack.pop(), by_id, links)
        original, attached, rest = order[0], [], []
        group = set(order)
        for member in order[1:]:
            match = verified.get(_pair(member, original))
            if (
                match is not None
                and not match.tail_only
                and (match.linked or match.reused)
                and _joins(member, match, links, group, config)
            ):
                attached.append((member, match.toward(member)))
            else:
                rest.append(member)
                if match is None and not (checked is not None and checked(member, original)):
                    unverified.append((original, member))
        clusters.append(Cluster(original, (original, *(m for m, _ in attached))))
        verdicts[original] = Verdict(original, original, Label.ORIGINAL, None, None)
        for member, match in attached:
            copied = syndication_odds(*label_features(match), config) >= 0
            label = Label.SYNDICATED if copied else Label.REWRITE
            score, reuse = round(match.score, 4), round(match.reuse_ab, 4)
            verdicts[member] = Verdict(member, original, label, original, score, reuse, match.reused)
        stack.extend(reversed(components(rest, links)))
    clusters.sort(key=lambda c: (-len(c.members), index[c.id]))
    labelled = [
        replace(verdicts[d.id], passage_links=tuple(sorted(passage_links[d.id])))
        if d.id in passage_links
        else verdicts[d.id]
        for d in docs
    ]
    return Labelling(labelled, clusters, sorted(unverified))


def relabel_corpus(
    previous: Labelling,
    docs: Sequence[Member | Document],
    matches: Sequence[Match],
    new: Sequence[Match],
    config: LabelConfig,
    checked: Callable[[str, str], bool],
) -> Labelling:
    """``label_corpus`` again after the ``new`` matches (among ``matches``) were found: the same labelling.

    Labelling never looks across link components, so only the components
    that hold a document of a new match are labelled again; elsewhere only
    the pairs still to verify change, as ``checked`` now covers more pairs.
    A round after the first costs a pass over the matches and the labelling
    of what changed, instead of labelling the whole corpus again.
    """
    touched = {x for m in new for x in (m.a, m.b)}
    links: defaultdict[str, set[str]] = defaultdict(set)
    for m in matches:
        if m.linked and not m.tail_only:
            links[m.a].add(m.b)
            links[m.b].add(m.a)
    affected, frontier = set(touched), list(touched)
    while frontier:
        for other in links.get(frontier.pop(), ()):
            if other not in affected:
                affected.add(other)
                frontier.append(other)
    part = label_corpus(
        [d for d in docs if d.id in affected],
        [m for m in matches if m.a in affected or m.b in affected],
        config,
        checked,
    )
    again = {v.id: v for v in part.verdicts}
    index = {d.id: i for i, d in enumerate(docs)}
    clusters = [c for c in previous.clusters if c.id not in affected] + part.clusters
    clusters.sort(key=lambda c: (-len(c.members), index[c.id]))
    unverified = [(o, m) for o, m in previous.unverified if m not in affected and not checked(m, o)]
    return Labelling(
        [again.get(v.id, v) for v in previous.verdicts],
        clusters,
        sorted(unverified + part.unverified),
    )
