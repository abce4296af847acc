"""Clusters of linked documents, and within each the original, its copies and rewrites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import numpy as np

from dedup.config import LabelConfig
from dedup.records import Cluster, Document, Label, Match, Verdict


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)
        self.size = np.ones(n, dtype=np.int64)

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def groups(self) -> list[list[int]]:
        """Members of each set, sets ordered by their smallest member."""
        roots: dict[int, list[int]] = {}
        for x in range(len(self.parent)):
            roots.setdefault(self.find(x), []).append(x)
        return sorted(roots.values(), key=lambda g: g[0])


def parse_date(value: str | None) -> datetime | None:
    """An ISO 8601 date or time as an aware datetime (naive ones taken as UTC); None if absent or unparseable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _shares_text(match: Match | None) -> bool:
    return match is not None and bool(match.alignments)


def derived_share(match: Match, member: str) -> float:
    """How much of ``member`` is found in the other document of the match."""
    seen = match.toward(member)
    return max(seen.containment_ab, seen.reuse_ab)


def _order(members: list[str], docs: dict[str, Document], links: dict[str, dict[str, Match]]) -> list[str]:
    """Members from most to least original: by date when all are dated, else by how much of the others they hold.

    Ties (a verbatim copy and its original hold each other alike) go to the
    shorter text: the copy carries its outlet's chrome as well.
    """
    derives = {m: sum(derived_share(x, o) for o, x in links[m].items()) for m in members}
    dates = {m: parse_date(docs[m].published) for m in members}
    if all(dates.values()):
        return sorted(members, key=lambda m: (dates[m], -derives[m], m))
    return sorted(members, key=lambda m: (-derives[m], len(docs[m].text), m))


def _sources(order: list[str], links: dict[str, dict[str, Match]], verified: dict[tuple[str, str], Match]) -> dict[str, str]:
    """Each member's source: the original when it shares text with it, else its best-linked member nearer the original.

    Inside a cluster one reused passage shared with the original is enough: the
    link to the cluster is already established by other members.
    """
    original = order[0]
    sources = {
        m: original
        for m in order[1:]
        if original in links[m] or _shares_text(verified.get((m, original)) or verified.get((original, m)))
    }
    reached = {original, *sources}
    pending = [m for m in order if m not in reached]
    while pending:
        best = max(
            ((links[m][r].score, -order.index(m), m, r) for m in pending for r in links[m] if r in reached),
            default=None,
        )
        if best is None:
            break
        _, _, member, source = best
        sources[member] = source
        reached.add(member)
        pending.remove(member)
    return sources


def label_cluster(
    members: list[str],
    docs: dict[str, Document],
    links: dict[str, dict[str, Match]],
    verified: dict[tuple[str, str], Match],
    config: LabelConfig,
) -> tuple[Cluster, list[Verdict]]:
    """Pick the original of one cluster and label every other member against its source."""
    order = _order(members, docs, links)
    original = order[0]
    verdicts = [Verdict(original, original, Label.ORIGINAL, None, None)]
    for member, source in _sources(order, links, verified).items():
        match = (verified.get((member, source)) or verified[(source, member)]).toward(member)
        copied = max(match.containment_ab, match.containment_ba)
        label = Label.SYNDICATED if copied >= config.syndicated_containment else Label.REWRITE
        verdicts.append(
            Verdict(member, original, label, source, round(match.score, 4), round(match.reuse_ab, 4), len(match.alignments))
        )
    return Cluster(original, tuple(order)), verdicts


def label_corpus(
    docs: Sequence[Document], matches: Sequence[Match], config: LabelConfig
) -> tuple[list[Verdict], list[Cluster]]:
    """Verdicts in input order and clusters (largest first) from the linked matches."""
    index = {d.id: i for i, d in enumerate(docs)}
    by_id = {d.id: d for d in docs}
    links: dict[str, dict[str, Match]] = {d.id: {} for d in docs}
    verified = {(m.a, m.b): m for m in matches}
    sets = UnionFind(len(docs))
    for m in matches:
        if m.linked:
            links[m.a][m.b] = m
            links[m.b][m.a] = m
            sets.union(index[m.a], index[m.b])
    verdicts: dict[str, Verdict] = {}
    clusters: list[Cluster] = []
    for group in sets.groups():
        cluster, labelled = label_cluster([docs[i].id for i in group], by_id, links, verified, config)
        clusters.append(cluster)
        verdicts.update((v.id, v) for v in labelled)
    clusters.sort(key=lambda c: (-len(c.members), index[c.id]))
    return [verdicts[d.id] for d in docs], clusters
