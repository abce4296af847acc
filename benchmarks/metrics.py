"""Scores of a clustering-and-labelling against ground truth.

All functions take plain mappings ``id -> cluster``/``label``/``source`` and
score the ids of the truth mapping; an id the system did not return counts as
a singleton original. A value that is undefined for the data (no pairs, a class
absent from truth and predictions) is ``None`` rather than a made-up number.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping

from sklearn.metrics import adjusted_rand_score

LABELS: tuple[str, ...] = ("original", "syndicated", "rewrite")


@dataclass(frozen=True)
class PairScores:
    """Same-cluster pair precision/recall/F1 and the pair counts behind them."""

    precision: float | None
    recall: float | None
    f1: float | None
    true_pairs: int
    predicted_pairs: int
    common_pairs: int


@dataclass(frozen=True)
class LabelScores:
    """Per-class F1 over original/syndicated/rewrite and their macro average."""

    macro_f1: float | None
    per_class: Mapping[str, float | None]


@dataclass(frozen=True)
class Scores:
    """Every metric of one system on one dataset."""

    n: int
    ari: float
    pairs: PairScores
    labels: LabelScores
    source_accuracy: float | None


def label_name(label: Any) -> str:
    """A label as its plain string (``Label`` enums and strings alike)."""
    return str(getattr(label, "value", label))


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def adjusted_rand(true_clusters: Mapping[str, str], pred_clusters: Mapping[str, str]) -> float:
    """Adjusted Rand index of the predicted clustering over the ids of ``true_clusters``."""
    ids = list(true_clusters)
    return float(adjusted_rand_score([true_clusters[i] for i in ids], [pred_clusters.get(i, f"\0{i}") for i in ids]))


def pair_scores(true_clusters: Mapping[str, str], pred_clusters: Mapping[str, str]) -> PairScores:
    """Precision, recall and F1 of 'these two documents share a cluster' over all pairs.

    Counted from cluster sizes, not by listing pairs, so it is linear in the ids.
    """
    ids = list(true_clusters)
    predicted = [pred_clusters.get(i, f"\0{i}") for i in ids]
    truth = [true_clusters[i] for i in ids]
    common = sum(_pairs(c) for c in Counter(zip(truth, predicted)).values())
    true_pairs = sum(_pairs(c) for c in Counter(truth).values())
    predicted_pairs = sum(_pairs(c) for c in Counter(predicted).values())
    precision = common / predicted_pairs if predicted_pairs else None
    recall = common / true_pairs if true_pairs else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, true_pairs, predicted_pairs, common)


def label_scores(true_labels: Mapping[str, Any], pred_labels: Mapping[str, Any]) -> LabelScores:
    """F1 of each label and their mean over the labels present in truth or predictions."""
    per_class: dict[str, float | None] = {}
    for label in LABELS:
        tp = fp = fn = 0
        for doc_id, truth in true_labels.items():
            is_true = label_name(truth) == label
            is_pred = label_name(pred_labels.get(doc_id, "original")) == label
            tp += is_true and is_pred
            fp += is_pred and not is_true
            fn += is_true and not is_pred
        per_class[label] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    present = [v for v in per_class.values() if v is not None]
    return LabelScores(sum(present) / len(present) if present else None, per_class)


def source_accuracy(true_labels: Mapping[str, Any], true_sources: Mapping[str, str | None],
                    pred_sources: Mapping[str, str | None]) -> float | None:
    """Among documents whose true label is not original: the share whose predicted source is right."""
    derived = [i for i, label in true_labels.items() if label_name(label) != "original"]
    if not derived:
        return None
    return sum(pred_sources.get(i) == true_sources.get(i) for i in derived) / len(derived)


def confusion(rows: Mapping[str, str], pred_labels: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Counts of predicted labels for each row key (a true label, or a finer kind), over the ids of ``rows``."""
    table: dict[str, dict[str, int]] = {}
    for doc_id, row in rows.items():
        counts = table.setdefault(row, dict.fromkeys(LABELS, 0))
        counts[label_name(pred_labels.get(doc_id, "original"))] += 1
    return table


def evaluate(truth: Mapping[str, Any], verdicts: Mapping[str, Any]) -> Scores:
    """All metrics; ``truth`` and ``verdicts`` map ids to objects with cluster, label and source."""
    true_clusters = {i: t.cluster for i, t in truth.items()}
    pred_clusters = {i: v.cluster for i, v in verdicts.items()}
    true_labels = {i: t.label for i, t in truth.items()}
    return Scores(
        n=len(truth),
        ari=adjusted_rand(true_clusters, pred_clusters),
        pairs=pair_scores(true_clusters, pred_clusters),
        labels=label_scores(true_labels, {i: v.label for i, v in verdicts.items()}),
        source_accuracy=source_accuracy(
            true_labels, {i: t.source for i, t in truth.items()}, {i: v.source for i, v in verdicts.items()}
        ),
    )


@dataclass(frozen=True)
class SplitScores:
    """Derived (syndicated or rewrite) against original: F1 of each side and their mean."""

    macro_f1: float | None
    derived_f1: float | None
    original_f1: float | None


def _f1(truth: list[bool], predicted: list[bool]) -> float | None:
    tp = sum(t and p for t, p in zip(truth, predicted))
    wrong = sum(t != p for t, p in zip(truth, predicted))
    return 2 * tp / (2 * tp + wrong) if tp or wrong else None


def derived_split(true_labels: Mapping[str, Any], pred_labels: Mapping[str, Any]) -> SplitScores:
    """F1 of 'derived from another document' (label syndicated or rewrite) and of its opposite, over the ids
    of ``true_labels``: what Clough & Stevenson can score, where a ``cut`` answer is a copy or a rewrite."""
    ids = list(true_labels)
    truth = [label_name(true_labels[i]) != "original" for i in ids]
    predicted = [label_name(pred_labels.get(i, "original")) != "original" for i in ids]
    derived = _f1(truth, predicted)
    original = _f1([not t for t in truth], [not p for p in predicted])
    present = [v for v in (derived, original) if v is not None]
    return SplitScores(sum(present) / len(present) if present else None, derived, original)
