"""The label model fit: training rows from a run, the fit and its use by the engine's decision."""

from __future__ import annotations

import numpy as np

from benchmarks.datasets import Truth
from benchmarks.label_model import (
    Rows,
    cross_validated_errors,
    errors_by_kind,
    fit,
    predict,
    training_rows,
)
from dedup.pipeline import Result
from dedup.records import Label, Match, Verdict


def _match(a: str, b: str, cont_ab: float, cont_ba: float, verbatim_ab: float, verbatim_ba: float) -> Match:
    return Match(a, b, 0.0, cont_ab, cont_ba, 0.5, 0.0, 0.0, max(cont_ab, cont_ba), 0.1, True,
                 verbatim_ab=verbatim_ab, verbatim_ba=verbatim_ba)


def test_training_rows_keep_members_attached_to_their_true_source() -> None:
    verdicts = (
        Verdict("w", "w", Label.ORIGINAL, None, None),
        Verdict("c", "w", Label.SYNDICATED, "w", 0.9),
        Verdict("r", "w", Label.SYNDICATED, "w", 0.8),
        Verdict("x", "w", Label.REWRITE, "w", 0.3),  # truly derived from another story: left out
        Verdict("i", "w", Label.REWRITE, "w", 0.3),  # truly an original: left out
    )
    matches = (
        _match("w", "c", 0.95, 0.9, 1.0, 1.0),
        _match("r", "w", 0.7, 0.6, 0.4, 0.5),  # seen from the member: verbatim 0.4
        _match("x", "w", 0.3, 0.3, 1.0, 1.0),
        _match("i", "w", 0.3, 0.3, 1.0, 1.0),
    )
    truth = {
        "w": Truth("w", Label.ORIGINAL, None, "original"),
        "c": Truth("w", Label.SYNDICATED, "w", "syndicated/verbatim"),
        "r": Truth("w", Label.REWRITE, "w", "rewrite/light"),
        "x": Truth("y", Label.REWRITE, "y", "rewrite/heavy"),
        "i": Truth("i", Label.ORIGINAL, None, "independent"),
    }
    rows = training_rows(Result(verdicts, (), matches), truth)
    assert rows.kinds == ("syndicated/verbatim", "rewrite/light")
    assert rows.features.tolist() == [[1.0, 0.95], [0.4, 0.7]]
    assert rows.syndicated.tolist() == [True, False]


def _separable() -> Rows:
    rng = np.random.default_rng(0)
    copies = np.column_stack([np.ones(40), rng.uniform(0.75, 1.0, 40)])
    light = np.column_stack([rng.uniform(0.0, 0.6, 40), rng.uniform(0.5, 0.95, 40)])
    quoting = np.column_stack([np.ones(20), rng.uniform(0.1, 0.5, 20)])
    features = np.vstack([copies, light, quoting])
    labels = np.array([True] * 40 + [False] * 60)
    kinds = tuple(["copy"] * 40 + ["light"] * 40 + ["quoting"] * 20)
    return Rows(features, labels, kinds)


def test_fit_separates_copies_from_rewrites_and_is_deterministic() -> None:
    rows = _separable()
    config = fit(rows, 100.0)
    assert config == fit(rows, 100.0)
    assert not (predict(rows, config) != rows.syndicated).any()
    assert config.verbatim_weight > 0 and config.copied_weight > 0 and config.bias < 0
    wrong = cross_validated_errors(rows, 100.0)
    assert wrong.shape == (100,)
    assert errors_by_kind(rows, wrong) == {k: (int(wrong[np.array(rows.kinds) == k].sum()),
                                               rows.kinds.count(k)) for k in ("copy", "light", "quoting")}
