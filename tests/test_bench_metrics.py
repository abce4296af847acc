"""Benchmark metrics on toy cases whose values are worked out by hand in the comments."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from benchmarks.metrics import (  # noqa: E402
    adjusted_rand,
    confusion,
    evaluate,
    label_scores,
    pair_scores,
    source_accuracy,
)
from dedup.records import Label  # noqa: E402


@dataclass(frozen=True)
class Item:
    cluster: str
    label: Label | str
    source: str | None


def test_ari_perfect_and_relabelled() -> None:
    truth = {"a": "x", "b": "x", "c": "y"}
    assert adjusted_rand(truth, {"a": "1", "b": "1", "c": "2"}) == pytest.approx(1.0)


def test_ari_hand_computed() -> None:
    # truth {a,b,c} {d,e,f}; predicted {a,b} {c,d} {e,f}.
    # cells 2,1,1,2 -> sum C = 2; predicted sizes 2,2,2 -> 3; true sizes 3,3 -> 6; C(6,2) = 15.
    # expected = 3*6/15 = 1.2; max = (3+6)/2 = 4.5; ARI = (2-1.2)/(4.5-1.2) = 0.8/3.3.
    truth = dict(zip("abcdef", "xxxyyy"))
    predicted = dict(zip("abcdef", "112233"))
    assert adjusted_rand(truth, predicted) == pytest.approx(0.8 / 3.3)


def test_ari_zero_when_no_better_than_chance() -> None:
    # truth {a,b} {c,d}; predicted {a,b,c} {d}: sum C = 1 = expected (3*2/6) -> ARI 0.
    assert adjusted_rand(dict(zip("abcd", "xxyy")), dict(zip("abcd", "1112"))) == pytest.approx(0.0)


def test_pair_scores_hand_computed() -> None:
    truth = dict(zip("abcdef", "xxxyyy"))
    predicted = dict(zip("abcdef", "112233"))
    scores = pair_scores(truth, predicted)
    # common pairs ab, ef = 2; predicted pairs 3; true pairs 6.
    assert (scores.common_pairs, scores.predicted_pairs, scores.true_pairs) == (2, 3, 6)
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx(4 / 9)


def test_pair_scores_undefined_without_pairs() -> None:
    scores = pair_scores({"a": "a", "b": "b"}, {"a": "a", "b": "b"})
    assert scores.precision is None and scores.recall is None and scores.f1 is None


def test_pair_scores_missing_prediction_is_a_singleton() -> None:
    scores = pair_scores({"a": "x", "b": "x"}, {"a": "x"})
    assert scores.predicted_pairs == 0 and scores.recall == 0.0


def test_label_scores_hand_computed() -> None:
    truth = {"a": "original", "b": "syndicated", "c": "rewrite", "d": "rewrite"}
    predicted = {"a": Label.ORIGINAL, "b": Label.REWRITE, "c": Label.REWRITE, "d": Label.SYNDICATED}
    scores = label_scores(truth, predicted)
    # original 1/1; syndicated tp 0 -> 0; rewrite tp 1 fp 1 fn 1 -> 2/4.
    assert scores.per_class == {"original": 1.0, "syndicated": 0.0, "rewrite": 0.5}
    assert scores.macro_f1 == pytest.approx(0.5)


def test_label_scores_skip_absent_classes() -> None:
    scores = label_scores({"a": "original", "b": "original"}, {"a": "original"})
    assert scores.per_class["syndicated"] is None and scores.per_class["rewrite"] is None
    assert scores.macro_f1 == pytest.approx(1.0)


def test_confusion_counts_predictions_per_row() -> None:
    rows = {"a": "original", "b": "syndicated/truncated", "c": "syndicated/truncated", "d": "rewrite/light"}
    predicted = {"a": Label.ORIGINAL, "b": "syndicated", "c": Label.REWRITE}  # "d" missing: an original
    assert confusion(rows, predicted) == {
        "original": {"original": 1, "syndicated": 0, "rewrite": 0},
        "syndicated/truncated": {"original": 0, "syndicated": 1, "rewrite": 1},
        "rewrite/light": {"original": 1, "syndicated": 0, "rewrite": 0},
    }


def test_source_accuracy() -> None:
    labels = {"o": "original", "s": "syndicated", "r": "rewrite"}
    sources = {"o": None, "s": "o", "r": "o"}
    assert source_accuracy(labels, sources, {"s": "o", "r": "x"}) == pytest.approx(0.5)
    assert source_accuracy({"o": "original"}, {"o": None}, {}) is None


def test_evaluate_combines_everything() -> None:
    truth = {"o": Item("o", Label.ORIGINAL, None), "s": Item("o", Label.SYNDICATED, "o"),
             "z": Item("z", Label.ORIGINAL, None)}
    verdicts = {"o": Item("o", "original", None), "s": Item("o", "syndicated", "o"), "z": Item("z", "original", None)}
    scores = evaluate(truth, verdicts)
    assert scores.n == 3
    assert scores.ari == pytest.approx(1.0)
    assert scores.pairs.f1 == pytest.approx(1.0)
    assert scores.labels.macro_f1 == pytest.approx(1.0)
    assert scores.source_accuracy == pytest.approx(1.0)
