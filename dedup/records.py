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

    ``phrases`` are the adjacent stem pairs that are the writer's own, as
    "stem stem": the evidence that one sentence was written from another.
    Pairs of two names or numbers are left out (the facts any report of an
    event repeats), and so are pairs inside a quotation: what a speaker said
    reaches every report that quotes it, so a shared quote alone shows no
    copying. ``quoted_share`` is the share of its content words inside
    quotation marks. ``story`` is the story of the page the sentence belongs
    to: 0 for the page's own, 1 and up for articles appended below it.
    ``quote_open``: the sentence starts inside a quotation opened before it
    (``normalize.passage_phrases`` of its text with this state gives its phrases).
    """

    index: int
    text: str
    tokens: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    story: int = 0
    quoted_share: float = 0.0
    quote_open: bool = False


@dataclass(frozen=True)
class Prepared:
    """A document after normalization and segmentation: what every later stage reads.

    ``words`` are the body's lower-cased words (for shingles), ``stems`` the
    stems of its content words (for TF-IDF).
    """

    doc: Document
    body: str
    passages: tuple[Passage, ...]
    words: tuple[str, ...]
    stems: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.doc.id


@dataclass(frozen=True, slots=True)
class Alignment:
    """Two passages judged to carry the same sentence, copied or paraphrased.

    ``score`` is their TF-IDF cosine (0-1); ``phrases`` the rare word pairs they
    share, the evidence that one was written from the other; ``distance`` their
    paraphrase distance (0 the same wording, 1 nothing in common; see
    ``Match.paraphrase_distance``).
    """

    a_index: int
    b_index: int
    a_text: str
    b_text: str
    score: float
    phrases: tuple[str, ...] = ()
    distance: float = 1.0


@dataclass(frozen=True, slots=True)
class Match:
    """The verified scores of one document pair.

    ``containment_ab`` is the share of A's shingles found in B; ``reuse_ab`` the
    share of A's content covered by passages aligned with B. ``tail_only``: the
    shared text lies, in one of the two, wholly in another story appended below
    that page's own (a passage-level link: the pages are not the same story).
    ``reused`` is the number of passages aligned as reused, ``alignments``
    those passages (left out when a run is asked for no evidence).
    ``verbatim_ab`` is how much of A's aligned, unquoted content B carries word
    for word (house style folded): 1 for a copy, lower the more of A's
    sentences were reworded. ``paraphrase_distance`` grades how far apart the
    two texts' wording is, for any pair: one minus the cosine of their TF-IDF
    profiles over the stems' character n-grams (stem TF-IDF, background IDF,
    spread over each stem's trigrams; ``VerifyConfig.paraphrase_stem_weight``
    mixes in the plain stem cosine):
    0 for the same words, rising as words are replaced, dropped or added, 1
    for nothing in common (Clough & Stevenson answers against their source:
    about 0.27 cut and light, 0.30 heavy, 0.58 written independently). A
    measure, not a decision: the link and the label do not read it.
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
    reused: int = 0
    tail_only: bool = False
    verbatim_ab: float = 0.0
    verbatim_ba: float = 0.0

    def __post_init__(self) -> None:
        if self.reused < len(self.alignments):
            object.__setattr__(self, "reused", len(self.alignments))

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
            tail_only=self.tail_only,
            alignments=tuple(
                Alignment(x.b_index, x.a_index, x.b_text, x.a_text, x.score, x.phrases, x.distance)
                for x in self.alignments
            ),
            reused=self.reused,
            verbatim_ab=self.verbatim_ba,
            verbatim_ba=self.verbatim_ab,
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """The label of one document: its cluster (the original's id), label, source and score.

    ``passage_links`` are the documents it shares text with only through a
    story appended to one of the two pages: reported, not clustered.
    """

    id: str
    cluster: str
    label: Label
    source: str | None
    score: float | None
    reuse: float | None = None
    passages: int = 0
    passage_links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cluster:
    """A wire-origin cluster: its original and all members, original first."""

    id: str
    members: tuple[str, ...]


class EventKind(str, Enum):
    """What a feed index event says: a new document's verdict, a changed verdict, a removal, or a known one."""

    VERDICT = "verdict"
    REVISED = "revised"
    REMOVED = "removed"
    KNOWN = "known"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class IndexEvent:
    """One verdict committed by the feed index, in commit order.

    ``seq`` increases with every event the index stores, so that a consumer can
    follow the stream (``events since SEQ``); a ``KNOWN`` event (a document
    added again) is not stored and carries the ``seq`` of the event that gave
    the document its current verdict. A ``REMOVED`` event carries the last
    verdict of the removed document.
    """

    seq: int
    kind: EventKind
    verdict: Verdict

    @property
    def revised(self) -> bool:
        return self.kind is EventKind.REVISED
