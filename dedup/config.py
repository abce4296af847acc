"""Small configuration dataclasses, one per stage, with the defaults we defend in benchmarks/."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NormalizeConfig:
    """Cleaning and segmentation.

    ``boilerplate_min_docs``: a short line seen in at least this many documents is
    page chrome (menus, share buttons, section names), not content.
    ``boilerplate_max_words``: only lines up to this length are candidates for that
    rule, so a wire sentence reprinted by many outlets is never stripped as chrome.
    ``outlet_boilerplate_min_docs``: a line seen in at least this many documents of
    one outlet is that outlet's chrome if it is short (as above) or if that many
    of them are otherwise different pages: a footer or disclaimer on three of an
    outlet's pages is its template, while two can be a story and its correction.
    ``outlet_boilerplate_own_share``: a page is otherwise different when at least
    this share of its words are in lines its outlet does not repeat; updates of one
    story share most of their lines and stay below it, so the story's own
    sentences are never taken for the outlet's chrome (``dedup/boilerplate.py``).
    ``span_words``: the length of the word spans whose repeats in one outlet are
    chrome inside a sentence (a name card spliced into it, a newsletter block
    whose name changes); 8 words are seldom shared by two stories of one outlet
    unless both quote the same text, and the other-pages rule covers that.
    ``span_sample``: one span in this many, chosen by its hash, is counted, which
    keeps the counts to a few a sentence (memory at a million documents).
    ``chrome_sentence_share``: a sentence more than this share of whose words
    are in chrome spans is itself chrome (a near copy of a chrome sentence, a
    few words changed); below it the spans are cut out and the rest stays, as
    when a name card of 20 words is spliced into a sentence of 30.
    ``min_passage_words``: shorter sentences carry too little to align on.
    """

    boilerplate_min_docs: int = 3
    boilerplate_max_words: int = 12
    outlet_boilerplate_min_docs: int = 3
    outlet_boilerplate_own_share: float = 0.5
    span_words: int = 8
    span_sample: int = 4
    chrome_sentence_share: float = 0.7
    min_passage_words: int = 5


@dataclass(frozen=True)
class SignatureConfig:
    """MinHash signing: ``num_perm`` permutations from a seeded generator.

    ``doc_shingle``: word n-gram length at document level (5 keeps chance overlap
    of common phrases near zero). ``passage_shingle``: n-grams of content-word
    stems (stop words dropped) for passages: a rewritten sentence keeps pairs of
    its rare words but rarely a 5-word run, and pairs, unlike single words, are
    seldom shared by chance (on 2,000 Reuters stories: 12.6k candidate pairs
    against 126k for single stems, at the same recall on Clough & Stevenson).
    """

    num_perm: int = 128
    seed: int = 1
    doc_shingle: int = 5
    passage_shingle: int = 2


@dataclass(frozen=True)
class CandidateConfig:
    """LSH banding.

    ``doc_threshold``: Jaccard where a document pair becomes likely to collide.
    ``passage_threshold``: the same for two passages' content-stem sets; low, since
    a paraphrased sentence keeps only part of its words (verification decides).
    ``max_bucket``: a bucket holding more passages than this is boilerplate-like
    (a stock phrase every outlet uses) and yields no pairs, which bounds fan-out.
    ``min_passage_hits``: colliding passage pairs a document pair needs to become a
    candidate through passages. With 1 and buckets of 50, the 15,151 Reuters
    stories gave 823k candidate pairs, growing faster than the corpus; 2 and 20
    give 55k (3.6 a document) at a cost of 0.009 ARI on the synthetic training
    split (briefs that reuse a single sentence of a short story).
    ``strong_passage_bands``: a single passage pair also makes a candidate when
    it collides in at least this many of the passage bands (64 bands of 2 rows:
    about 64 J^2 expected, so 12 is an estimated stem-pair Jaccard of 0.43, a
    sentence kept nearly whole). On the synthetic training split ARI goes
    0.959 -> 0.968 (8 bands: 0.970, 16: 0.967); the price is candidates, from
    sentences many documents share: on 30,000 documents of the 100k synthetic
    corpus +21% (8 bands: +47%, 16: +11%), on the Reuters stories +7% (8: +17%).
    """

    doc_threshold: float = 0.3
    passage_threshold: float = 0.15
    max_bucket: int = 20
    min_passage_hits: int = 2
    strong_passage_bands: int = 12


@dataclass(frozen=True)
class VerifyConfig:
    """Pair verification and the link decision.

    ``align_threshold``: TF-IDF cosine over content stems above which two passages
    may be the same sentence. 0.5 scores a little higher on the synthetic
    training split (ARI +0.005) but loses paraphrased sentences of the real
    rewrites in ``seeds/`` (cosines 0.42-0.59), so 0.4 stays.
    ``verbatim_score``: cosine above which an aligned passage that shares at
    least one rare phrase of the writer's own counts as a copy.
    ``min_phrase_evidence``: below verbatim, an aligned passage counts as reused
    only if the rare phrases it shares weigh this much, in summed IDF. Phrases
    are the writer's own word pairs: pairs of names, numbers and quoted words
    are left out, since independent reports of one event share names, figures
    and quotes, while a rewrite also keeps the writer's word combinations.
    ``rare_phrase_idf``: only phrases at least this rare count as evidence (IDF
    8 is about one news document in 1,100): stock phrases of a beat ("basis
    points", "selling concession") are shared by every report of the kind.
    Chosen on the synthetic training split (``python -m benchmarks.tune``).
    ``min_reused``: reused passages needed for a link; one shared sentence can
    be a common quote or fact, several are shared text.
    ``syndication_containment``: word 5-gram containment of either document in
    the other above which the pair is linked whatever the passages say.
    ``partial_containment``: a lower containment that links together with a
    single reused passage: runs of five words shared by chance are rare, so a
    heavy rewrite that keeps a few sentences verbatim shows here.
    ``single_passage_share``: a single reused passage also links when it covers
    this share of one document's content (a brief rewritten from one sentence
    of a short wire story).
    ``max_align_cells``: a pair whose passage counts multiply to more than this
    (two documents of thousands of sentences) has only its identical passages
    aligned, so that verification stays linear in the text; containment still
    links such copies.
    ``wording_alignment``: aligned passages at least this similar are judged
    for word-for-word copying (``Match.verbatim_ab``); a looser alignment can
    pair an outlet's headline with a wire sentence it merely resembles. Chosen
    with the label weights by ``python -m benchmarks.label_model`` (0.7: 16
    cross-validated errors on the synthetic training split, 0.6: 17, 0.4: 25).
    """

    align_threshold: float = 0.4
    verbatim_score: float = 0.9
    min_phrase_evidence: float = 10.0
    rare_phrase_idf: float = 8.0
    min_reused: int = 2
    syndication_containment: float = 0.5
    partial_containment: float = 0.25
    single_passage_share: float = 0.3
    max_align_cells: int = 250_000
    wording_alignment: float = 0.7


@dataclass(frozen=True)
class LabelConfig:
    """Labelling within a cluster: a syndicated copy or a rewrite of the source.

    A copy keeps the wire's sentences, whole or cut (truncated, trimmed, set
    inside a page with more, under house style); a rewrite changes words inside
    them, or carries a few wire sentences in an article of its own. A member is
    ``syndicated`` when ``verbatim_weight * verbatim + copied_weight * copied +
    bias >= 0``, with ``verbatim`` the share of its aligned, unquoted content
    that the source carries word for word and ``copied`` the word 5-gram
    containment of either side in the other (``cluster.label_features``).
    The weights are a logistic regression fitted on the synthetic training
    split by ``python -m benchmarks.label_model``: with every sentence kept
    verbatim a member is a copy from about 70% containment; with full
    containment, from about 74% of its sentences verbatim.

    ``original_share``: a member joins its group's original only when what
    it shares with the original (``cluster.derived_share``) is at least this
    fraction of what it shares with its closest linked member of the group. A
    rewrite of the original keeps about as much of it as of its copies; a copy
    of another wire story that merely resembles the original's (two reports
    on one company, linked by a paraphrased sentence or two) shares nearly all
    of itself with that story and little with the original, and stays with
    it. 0.3 is the best of 0-0.5 on the synthetic training split
    (``python -m benchmarks.tune``; ARI 0.951 with 0, 0.960 with 0.3 to 0.5).
    """

    verbatim_weight: float = 18.07
    copied_weight: float = 15.38
    bias: float = -28.78
    original_share: float = 0.3


@dataclass(frozen=True)
class Config:
    """All stage configs; each stage receives only its own."""

    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    signature: SignatureConfig = field(default_factory=SignatureConfig)
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    label: LabelConfig = field(default_factory=LabelConfig)
