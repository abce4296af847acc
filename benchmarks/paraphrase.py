"""Paraphrase distance: does it rank paraphrases above other sentences, and order Clough & Stevenson?

Sentence pairs come from the synthetic generator's own operations on a Reuters
split's prose stories, so which sentence was paraphrased, and how, is known:

| grade | pair |
| --- | --- |
| 0 | a sentence and its copy in another outlet's house style |
| 1 | a sentence and its light paraphrase (``synthetic.paraphrase``, as in a light rewrite) |
| 2 | a sentence and its heavy paraphrase (as in a heavy rewrite) |
| 3 | a sentence and another sentence of its own story (same topic and names) |
| 3 | a sentence and a same-event sentence: another story's, carrying this one's names and numbers |
| 3 | a sentence and a sentence of an unrelated story |

Grades 1-2 are the paraphrases, grade 3 the non-paraphrases (a third each of
the three kinds): the pair AUC asks how well a distance puts paraphrases
first, Spearman's rho how well it follows the grades 0-3. Clough & Stevenson
gives each answer against its task's source, graded cut 0, light 1, heavy 2,
non 3: rho over the grades, AUC of derived (cut, light, heavy) against non.

Scorers: ``dedup``'s ``Match.paraphrase_distance`` (from ``score_pairs``: stem
and stem character n-gram TF-IDF with the background IDF), its two parts
alone, and plain scikit-learn ``TfidfVectorizer`` cosine fitted on the pairs'
texts (one minus it, as a distance). ``--tune`` varies
``VerifyConfig.paraphrase_stem_weight`` on the TRAIN split's sentence pairs.

Run ``python -m benchmarks.paraphrase [--split test] [--pairs 2000] [--markdown] [--tune]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
from scipy.stats import spearmanr
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import roc_auc_score

from benchmarks.datasets import load_clough
from benchmarks.reuters import Story
from benchmarks.synthetic import is_prose, paraphrase, split_stories, story_source
from benchmarks.textops import apply_style, has_quote, names_and_numbers, random_style, transplant

from dedup.config import Config
from dedup.pipeline import score_pairs

CLOUGH_GRADES = {"cut": 0, "light": 1, "heavy": 2, "non": 3}
MIN_WORDS = 8


@dataclass(frozen=True)
class GradedPairs:
    """Text pairs with a grade each: 0 the same wording ... 3 not a paraphrase."""

    name: str
    pairs: tuple[tuple[str, str, str], ...]
    grades: tuple[int, ...]
    kinds: tuple[str, ...]


def _sentences(stories: Sequence[Story]) -> list[list[str]]:
    """Each prose story's sentences long enough to paraphrase and without quoted speech."""
    out = []
    for story in stories:
        if is_prose(story):
            kept = [s for s in story_source(story).sentences if len(s.split()) >= MIN_WORDS and not has_quote(s)]
            if len(kept) >= 2:
                out.append(kept)
    return out


def sentence_pairs(stories: Sequence[Story], count: int, seed: int) -> GradedPairs:
    """About ``count`` graded sentence pairs: a sixth copies, a sixth each light and heavy paraphrases,
    half non-paraphrases (a third each: same story, same event, unrelated).

    No sentence is used twice: the engine takes a short line repeated across
    documents for page chrome.
    """
    rng = random.Random(f"{seed}:paraphrase")
    pool = _sentences(stories)
    rng.shuffle(pool)
    for story in pool:
        rng.shuffle(story)
    pairs, grades, kinds = [], [], []

    def add(kind: str, grade: int, a: str, b: str) -> None:
        pairs.append((f"{kind}:{len(pairs)}", a, b))
        grades.append(grade)
        kinds.append(kind)

    def other(k: int) -> list[str]:
        """A story other than the ``k``-th that still has a sentence to give."""
        for step in range(1, len(pool)):
            story = pool[(k + step * 7919) % len(pool)]
            if story:
                return story
        raise ValueError("the story pool is too small for this many pairs")

    for k in range(count):
        story = pool[k % len(pool)]
        if len(story) < 2:
            continue
        sentence = story.pop()
        slot = k % 6
        if slot == 0:
            add("copy", 0, sentence, apply_style(random_style(rng), sentence))
        elif slot in (1, 2):
            heavy = slot == 2
            rewritten = paraphrase(sentence, heavy, rng)
            if rewritten != sentence:
                add("heavy" if heavy else "light", 2 if heavy else 1, sentence, rewritten)
        elif slot == 3:
            add("same story", 3, sentence, story.pop())
        elif slot == 4:
            names, numbers = names_and_numbers(" ".join([sentence, *story]))
            add("same event", 3, sentence, transplant(other(k).pop(), names, numbers, {}))
        else:
            add("unrelated", 3, sentence, other(k).pop())
    return GradedPairs("sentences", tuple(pairs), tuple(grades), tuple(kinds))


def clough_graded() -> GradedPairs:
    """Each Clough & Stevenson answer against its task's source, graded cut 0 ... non 3."""
    docs, truth = load_clough()
    text = {d.id: d.text for d in docs}
    pairs, grades, kinds = [], [], []
    for doc_id in sorted(truth):
        kind = truth[doc_id].kind
        if kind in CLOUGH_GRADES:
            source = f"orig_task{doc_id.rsplit('task', 1)[-1]}"
            pairs.append((f"{source}|{doc_id}", text[source], text[doc_id]))
            grades.append(CLOUGH_GRADES[kind])
            kinds.append(kind)
    return GradedPairs("Clough", tuple(pairs), tuple(grades), tuple(kinds))


Scorer = Callable[[Sequence[tuple[str, str, str]]], np.ndarray]


def dedup_distance(config: Config = Config()) -> Scorer:
    """The engine's paraphrase distance of each pair."""
    def score(pairs: Sequence[tuple[str, str, str]]) -> np.ndarray:
        return np.array([s.match.paraphrase_distance for s in score_pairs(pairs, config)])
    return score


def tfidf_distance(pairs: Sequence[tuple[str, str, str]]) -> np.ndarray:
    """One minus scikit-learn TF-IDF cosine (default settings), fitted on all the pairs' texts."""
    vectorizer = TfidfVectorizer().fit([t for _, a, b in pairs for t in (a, b)])
    a = vectorizer.transform([a for _, a, _ in pairs])
    b = vectorizer.transform([b for _, _, b in pairs])
    return 1.0 - np.asarray(a.multiply(b).sum(axis=1)).ravel()


def figures(data: GradedPairs, distance: np.ndarray) -> tuple[float, float, list[float]]:
    """Spearman's rho of distance against grade, AUC of paraphrase (grade < 3) against not, mean per grade."""
    grades = np.array(data.grades)
    rho = float(spearmanr(distance, grades).statistic)
    auc = float(roc_auc_score(grades < 3, -distance))
    means = [float(distance[grades == g].mean()) if (grades == g).any() else float("nan") for g in range(4)]
    return rho, auc, means


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    from benchmarks.quality import render

    return render(header, rows, markdown)


def report(sets: Sequence[GradedPairs], scorers: dict[str, Scorer], markdown: bool) -> str:
    """Rho, AUC and the mean distance per grade of each scorer on each pair set."""
    rows = []
    for data in sets:
        for name, scorer in scorers.items():
            started = time.perf_counter()
            rho, auc, means = figures(data, scorer(data.pairs))
            rows.append([data.name, name, f"{rho:.3f}", f"{auc:.4f}", *(f"{m:.3f}" for m in means),
                         f"{time.perf_counter() - started:.2f}"])
    header = ["pairs", "distance", "Spearman rho", "AUC", "mean g0", "mean g1", "mean g2", "mean g3", "time s"]
    return _table(header, rows, markdown)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: the paraphrase-distance figures (or, with ``--tune``, the weight grid on TRAIN)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.paraphrase", description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("train", "test"), default="test")
    parser.add_argument("--pairs", type=int, default=2400, help="sentence pairs (before dropping unchanged ones)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--tune", action="store_true", help="vary paraphrase_stem_weight on the TRAIN split")
    args = parser.parse_args(argv)
    try:
        stories = split_stories("train" if args.tune else args.split)
    except FileNotFoundError as exc:
        print(f"missing dataset: {exc}", file=sys.stderr)
        return 2
    sentences = sentence_pairs(stories, args.pairs, args.seed)
    counts = {k: sentences.kinds.count(k) for k in dict.fromkeys(sentences.kinds)}
    print("sentence pairs: " + ", ".join(f"{k} {n}" for k, n in counts.items()), file=sys.stderr)
    if args.tune:
        base = Config()
        scorers = {f"weight {w}": dedup_distance(replace(base, verify=replace(base.verify, paraphrase_stem_weight=w)))
                   for w in (0.0, 0.1, 0.25, 0.5, 0.75, 1.0)}
        print(report([sentences], scorers, args.markdown))
        return 0
    sets = [sentences]
    try:
        sets.append(clough_graded())
    except FileNotFoundError as exc:
        print(f"missing dataset Clough & Stevenson: {exc} -- skipped", file=sys.stderr)
    base = Config()
    scorers = {
        "dedup": dedup_distance(base),
        "dedup, stems only": dedup_distance(replace(base, verify=replace(base.verify, paraphrase_stem_weight=1.0))),
        "dedup, n-grams only": dedup_distance(replace(base, verify=replace(base.verify, paraphrase_stem_weight=0.0))),
        "scikit-learn TF-IDF": tfidf_distance,
    }
    print(report(sets, scorers, args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
