"""The band layout of the feed index: where each signature's LSH band keys live, and which arrivals pair.

Document and passage band keys (``pipeline.lsh_keys``, the batch run's bands)
are salted per level and band into one signed 64-bit key space, so that one
table holds them all. Buckets keep the batch run's cap: an article arriving in
a bucket of ``max_bucket`` members or more pairs with its first member only (a
star), otherwise with every member; so a stored bucket never needs more than
its first ``max_bucket`` members, and no more are stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dedup.config import CandidateConfig, Config
from dedup.pipeline import lsh_keys

# Passage of a document-level band entry.
DOCUMENT = -1
_SALTS = np.random.RandomState(19).randint(0, 1 << 63, size=(2, 256), dtype=np.uint64) * np.uint64(2) + np.uint64(1)


@dataclass(frozen=True)
class Members:
    """Bucket members: salted band key, document sequence number and passage (``DOCUMENT`` at document level)."""

    keys: np.ndarray
    docs: np.ndarray
    passages: np.ndarray

    @classmethod
    def empty(cls) -> Members:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32))

    def __len__(self) -> int:
        return int(self.keys.size)

    def take(self, mask: np.ndarray) -> Members:
        return Members(self.keys[mask], self.docs[mask], self.passages[mask])


def _salted(keys: np.ndarray, level: int) -> np.ndarray:
    return (keys ^ _SALTS[level, : keys.shape[1]]).view(np.int64)


def band_members(
    doc_sigs: np.ndarray, passage_sigs: np.ndarray, seqs: np.ndarray, passage_counts: np.ndarray, config: Config
) -> Members:
    """The bucket entries of newly arrived documents (sequence numbers ``seqs``), in arrival order.

    ``passage_counts`` says how many of ``passage_sigs``' rows each document
    owns; rows without shingles are not keyed, as in the batch run.
    """
    doc_keys, doc_valid = lsh_keys(doc_sigs, config.candidates.doc_threshold)
    pas_keys, pas_valid = lsh_keys(passage_sigs, config.candidates.passage_threshold)
    owner = np.repeat(np.arange(seqs.size), passage_counts)
    index = np.arange(owner.size) - np.repeat(np.cumsum(passage_counts) - passage_counts, passage_counts)
    parts = []
    for keys, valid, docs, passages, level in (
        (doc_keys, doc_valid, seqs, np.full(seqs.size, DOCUMENT), 0),
        (pas_keys, pas_valid, seqs[owner], index, 1),
    ):
        salted = _salted(keys[valid], level)
        bands = salted.shape[1]
        parts.append(Members(salted.ravel(), np.repeat(docs[valid], bands), np.repeat(passages[valid], bands)))
    return Members(*(np.concatenate([getattr(p, f) for p in parts]).astype(t)
                     for f, t in (("keys", np.int64), ("docs", np.int64), ("passages", np.int32))))


@dataclass(frozen=True)
class Arrivals:
    """What arriving entries found: colliding entry pairs (earlier, arriving) and which arrivals to store."""

    earlier: Members
    arriving: Members
    stored: np.ndarray


def arrive(existing: Members, arriving: Members, max_bucket: int) -> Arrivals:
    """Pair each arriving entry with its bucket as the batch rule would at that bucket's size.

    ``existing``: the stored members of the arriving keys (at most
    ``max_bucket`` per key); arrivals are taken in order, after them. An entry
    arriving at position ``p`` (0-based) pairs with every earlier member while
    ``p < max_bucket``, else with the bucket's first member only.
    """
    n_old = len(existing)
    keys = np.r_[existing.keys, arriving.keys]
    docs = np.r_[existing.docs, arriving.docs]
    passages = np.r_[existing.passages, arriving.passages]
    order = np.lexsort((np.arange(keys.size), keys))
    ordered = keys[order]
    new = order >= n_old
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, ordered.size]))
    position = np.arange(ordered.size) - starts[group]
    left, right = [], []
    for d in range(1, max_bucket):
        if not (position >= d).any():
            break
        at = np.flatnonzero(new[d:] & (position[d:] >= d) & (position[d:] < max_bucket)) + d
        left.append(at - d)
        right.append(at)
    star = np.flatnonzero(new & (position >= max_bucket))
    left.append(starts[group[star]])
    right.append(star)
    left_at, right_at = order[np.concatenate(left)], order[np.concatenate(right)]
    stored = np.zeros(len(arriving), dtype=bool)
    stored[order[new & (position < max_bucket)] - n_old] = True
    return Arrivals(
        Members(keys[left_at], docs[left_at], passages[left_at]),
        Members(keys[right_at], docs[right_at], passages[right_at]),
        stored,
    )


def candidate_pairs(found: Arrivals, config: CandidateConfig) -> np.ndarray:
    """Candidate document pairs (sequence numbers, low first, sorted, distinct), by the batch run's rules.

    A document-level collision makes a candidate; through passages, a pair of
    documents needs ``min_passage_hits`` colliding passage pairs or one that
    collides in ``strong_passage_bands`` bands.
    """
    a, b = found.earlier, found.arriving
    low, high = np.minimum(a.docs, b.docs), np.maximum(a.docs, b.docs)
    level = a.passages == DOCUMENT
    doc_pairs = np.unique(_pair_keys(low[level], high[level]))
    apart = ~level & (a.docs != b.docs)
    first_is_a = a.docs < b.docs
    low, high = low[apart], high[apart]
    pa = np.where(first_is_a, a.passages, b.passages)[apart]
    pb = np.where(first_is_a, b.passages, a.passages)[apart]
    order = np.lexsort((pb, pa, high, low))
    low, high, pa, pb = low[order], high[order], pa[order], pb[order]
    new_pair = np.ones(low.size, dtype=bool)
    new_pair[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1]) | (pa[1:] != pa[:-1]) | (pb[1:] != pb[:-1])
    starts = np.flatnonzero(new_pair)
    bands = np.diff(np.r_[starts, low.size])
    owners = _pair_keys(low[starts], high[starts])
    new_owner = np.ones(owners.size, dtype=bool)
    new_owner[1:] = owners[1:] != owners[:-1]
    owner_starts = np.flatnonzero(new_owner)
    hits = np.diff(np.r_[owner_starts, owners.size])
    strong = (np.maximum.reduceat(bands, owner_starts) if owners.size else hits) >= config.strong_passage_bands
    through_passages = owners[owner_starts][(hits >= config.min_passage_hits) | strong]
    keys = np.union1d(doc_pairs, through_passages)
    return np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1).astype(np.int64)


def _pair_keys(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """One int64 per document pair (sequence numbers below 2**31)."""
    return (low.astype(np.int64) << 32) | high.astype(np.int64)
