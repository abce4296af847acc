"""Page chrome learned as the feed arrives: the corpus rule of ``boilerplate`` over running line counts.

A short line (``boilerplate_max_words`` words at most) found in
``boilerplate_min_docs`` documents is chrome, stripped from the document that
brings it to that count and from every later one. The index stores how many
documents carried each short line key (by hash). Two differences from the batch
run remain: the documents that carried a line before it became chrome keep it
(they are not prepared again), and the per-outlet rule (long footers) is not
applied. Counts are of documents ever seen: removing a document leaves them.

This is the seam of the fitted chrome model (fit / update / transform, stored
in the database) being built beside the index: ``Index(chrome=...)`` takes any
object with this ``keys`` method.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dedup.boilerplate import doc_lines, key_hashes
from dedup.config import NormalizeConfig
from dedup.records import Document

# How many documents carried each line hash so far (0 when unseen).
Seen = Callable[[np.ndarray], np.ndarray]


class RunningChrome:
    """The corpus chrome rule over the lines of every document seen, in arrival order."""

    def __init__(self, config: NormalizeConfig) -> None:
        self.config = config

    def keys(self, docs: Sequence[Document], seen: Seen) -> tuple[list[frozenset[str]], tuple[np.ndarray, np.ndarray]]:
        """The chrome keys of each arriving document, and the line counts the batch adds (hashes, counts)."""
        short = [[k for k, n in doc_lines(d.text) if n <= self.config.boilerplate_max_words] for d in docs]
        keys = [k for lines in short for k in lines]
        owner = np.repeat(np.arange(len(docs)), [len(lines) for lines in short])
        hashes = key_hashes(keys) if keys else np.empty(0, dtype=np.uint64)
        distinct, inverse, added = np.unique(hashes, return_inverse=True, return_counts=True)
        before = seen(distinct) if distinct.size else np.empty(0, dtype=np.int64)
        order = np.lexsort((owner, inverse))
        group = inverse[order]
        starts = np.searchsorted(group, group)
        count = np.empty(hashes.size, dtype=np.int64)
        count[order] = before[group] + np.arange(group.size) - starts + 1
        chrome = count >= self.config.boilerplate_min_docs
        out: list[set[str]] = [set() for _ in docs]
        for k in np.flatnonzero(chrome).tolist():
            out[owner[k]].add(keys[k])
        return [frozenset(s) for s in out], (distinct, added.astype(np.int64))
