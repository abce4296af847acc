"""Persistent feed index: judge each article as it arrives, against everything seen, and keep the verdicts.

``layout`` owns the band layout, ``store`` the storage interface with its
backends (``sqlite``, ``redis_store``), ``codec`` the binary records, ``feed``
the algorithm (``Index``), ``cli`` the ``dedup index`` commands.
"""

from dedup.index.feed import Entry, Index, Judged
from dedup.index.store import ConflictError, IndexFileError, NotFoundError
from dedup.records import EventKind, IndexEvent

__all__ = ["ConflictError", "Entry", "EventKind", "Index", "IndexEvent", "IndexFileError", "Judged", "NotFoundError"]
