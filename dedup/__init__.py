"""dedup: find which news articles share a wire origin, and label originals, syndicated copies and rewrites."""

from dedup.config import Config
from dedup.errors import InputError
from dedup.pipeline import (
    PairScore,
    Result,
    cluster_documents,
    compare_documents,
    score_pairs,
)
from dedup.readers import read_corpus
from dedup.records import Alignment, Cluster, Document, Label, Match, Verdict

__all__ = [
    "Alignment",
    "Cluster",
    "Config",
    "Document",
    "InputError",
    "Label",
    "Match",
    "PairScore",
    "Result",
    "Verdict",
    "cluster_documents",
    "compare_documents",
    "read_corpus",
    "score_pairs",
]
__version__ = "0.1.0"
