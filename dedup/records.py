"""Frozen records that flow between the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Label(str, Enum):
    """What a document is within its wire-origin cluster."""

    ORIGINAL = "original"
    SYNDICATED = "syndicated"
    REWRITE = "rewrite"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Document:
    """One input article as read, before any normalization.

    ``origin`` says where the record came from (``file:line``) so that later
    stages can point a user at it.
    """

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class Passage:
    """A sentence of a document's cleaned body, with its content-word stems.

    ``names`` flags the stems that are names or numbers (capitalized inside the
    sentence, or containing a digit): facts any report of the event repeats,
    weaker evidence of copying than the common words around them. ``quoted``
    flags the stems inside quotation marks: what a speaker said reaches every
    report that quotes it, so a shared quote alone shows no copying.
    """

    index: int
    text: str
    tokens: tuple[str, ...]
    names: tuple[bool, ...]
    quoted: tuple[bool, ...]


@dataclass(frozen=True)
class Prepared:
    """A document after normalization and segmentation: what every later stage reads."""

    doc: Document
    body: str
    passages: tuple[Passage, ...]
    words: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.doc.id


@dataclass(frozen=True)
class Candidate:
    """A pair of document positions proposed by LSH, ``a < b``, with how it was found."""

    a: int
    b: int
    via: str


@dataclass(frozen=True)
class Alignment:
    """Two passages judged to carry the same sentence, copied or paraphrased.

    ``score`` is their TF-IDF cosine (0-1); ``phrases`` the rare word pairs they
    share, the evidence that one was written from the other.
    """

    a_index: int
    b_index: int
    a_text: str
    b_text: str
    score: float
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """The verified scores of one document pair.

    ``containment_ab`` is the share of A's shingles found in B; ``reuse_ab`` the
    share of A's content covered by passages aligned with B. ``verbatim_ab`` is
    how much of A's aligned, unquoted content B carries word for word (house
    style folded): 1 for a copy, lower the more of A's sentences were reworded.
    """

    a: str
    b: str
    jaccard: float
    containment_ab: float
    containment_ba: float
    cosine: float
    reuse_ab: float
    reuse_ba: float
    score: float
    paraphrase_distance: float
    linked: bool
    alignments: tuple[Alignment, ...] = field(default=(), repr=False)
    verbatim_ab: float = 0.0
    verbatim_ba: float = 0.0

    def toward(self, a: str) -> Match:
        """The same match seen from ``a``'s side (swaps the directed fields)."""
        if a == self.a:
            return self
        return Match(
            a=self.b,
            b=self.a,
            jaccard=self.jaccard,
            containment_ab=self.containment_ba,
            containment_ba=self.containment_ab,
            cosine=self.cosine,
            reuse_ab=self.reuse_ba,
            reuse_ba=self.reuse_ab,
            score=self.score,
            paraphrase_distance=self.paraphrase_distance,
            linked=self.linked,
            alignments=tuple(
                Alignment(x.b_index, x.a_index, x.b_text, x.a_text, x.score, x.phrases) for x in self.alignments
            ),
            verbatim_ab=self.verbatim_ba,
            verbatim_ba=self.verbatim_ab,
        )


@dataclass(frozen=True)
class Verdict:
    """The label of one document: its cluster (the original's id), label, source and score."""

    id: str
    cluster: str
    label: Label
    source: str | None
    score: float | None
    reuse: float | None = None
    passages: int = 0


@dataclass(frozen=True)
class Cluster:
    """A wire-origin cluster: its original and all members, original first."""

    id: str
    members: tuple[str, ...]
