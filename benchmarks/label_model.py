"""Fit the syndicated-or-rewrite decision on the synthetic TRAIN split.

The engine labels a member ``syndicated`` when a logistic model over two
features of its match with the source says so (``dedup.cluster.label_features``):

- ``verbatim``: how much of the member's aligned, unquoted content the source
  carries word for word, house style folded. A copy, whole or cut, keeps the
  wire's sentences; a rewrite changes words inside them.
- ``copied``: word 5-gram containment of either side in the other. A few wire
  sentences carried verbatim inside an article of the outlet's own make a
  rewrite that quotes the wire, not a copy of it.

The training rows are the members a run attaches to their true source whose
true label is syndicated or rewrite. The fit is scikit-learn's L-BFGS logistic
regression (deterministic). The cosine from which aligned passages are judged
for wording (``VerifyConfig.wording_alignment``) and the regularization
strength are the pair with the fewest 5-fold cross-validated errors. The
printed configs are what ``dedup/config.py`` ships.

    python -m benchmarks.label_model [--size 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from benchmarks.datasets import Truth, load_synthetic
from benchmarks.metrics import label_name
from dedup import cluster_documents
from dedup.cluster import label_features, syndication_odds
from dedup.config import Config, LabelConfig, VerifyConfig
from dedup.pipeline import Result, auto_workers

STRENGTHS: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0, 1000.0)
# Cosine from which an alignment is judged for word-for-word copying (VerifyConfig.wording_alignment).
WORDING: tuple[float, ...] = (0.4, 0.5, 0.6, 0.7)
FOLDS = 5


@dataclass(frozen=True)
class Rows:
    """Training rows: features, whether the member is syndicated, and its synthetic kind."""

    features: np.ndarray
    syndicated: np.ndarray
    kinds: tuple[str, ...]


def training_rows(result: Result, truth: Mapping[str, Truth]) -> Rows:
    """Members attached to their true source, labelled syndicated or rewrite in truth."""
    matches = {frozenset((m.a, m.b)): m for m in result.matches}
    features, labels, kinds = [], [], []
    for verdict in result.verdicts:
        t = truth.get(verdict.id)
        if t is None or verdict.source is None or verdict.source != t.source:
            continue
        if label_name(t.label) not in ("syndicated", "rewrite"):
            continue
        match = matches[frozenset((verdict.id, verdict.source))].toward(verdict.id)
        features.append(label_features(match))
        labels.append(label_name(t.label) == "syndicated")
        kinds.append(t.kind or label_name(t.label))
    return Rows(np.array(features, dtype=float).reshape(-1, 2), np.array(labels, dtype=bool), tuple(kinds))


def _model(strength: float) -> LogisticRegression:
    return LogisticRegression(C=strength, solver="lbfgs", max_iter=10_000)


def cross_validated_errors(rows: Rows, strength: float) -> np.ndarray:
    """Which rows a model fitted without them gets wrong (stratified folds, fixed order, no shuffling)."""
    folds = StratifiedKFold(FOLDS)
    predicted = cross_val_predict(_model(strength), rows.features, rows.syndicated, cv=folds)
    return predicted != rows.syndicated


def fit(rows: Rows, strength: float) -> LabelConfig:
    """The label decision fitted on ``rows``, as the config the engine reads."""
    model = _model(strength).fit(rows.features, rows.syndicated)
    verbatim, copied = (round(float(w), 2) for w in model.coef_[0])
    return LabelConfig(verbatim_weight=verbatim, copied_weight=copied, bias=round(float(model.intercept_[0]), 2))


def predict(rows: Rows, config: LabelConfig) -> np.ndarray:
    """The engine's decision on each row under ``config``."""
    return np.array([syndication_odds(v, c, config) >= 0 for v, c in rows.features], dtype=bool)


def errors_by_kind(rows: Rows, wrong: np.ndarray) -> dict[str, tuple[int, int]]:
    """(wrong, total) per synthetic kind."""
    total = Counter(rows.kinds)
    bad = Counter(k for k, w in zip(rows.kinds, wrong) if w)
    return {k: (bad[k], total[k]) for k in sorted(total)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    docs, truth = load_synthetic("train", args.size, args.seed)
    print(f"synthetic TRAIN split, {len(docs)} documents, seed {args.seed}")
    print(f"{'wording_alignment':>17} {'C':>6} {'members':>7} {'cv wrong':>8}")
    best: tuple[int, float, float, Rows, np.ndarray] | None = None
    for wording in WORDING:
        config = Config(verify=dataclasses.replace(VerifyConfig(), wording_alignment=wording))
        rows = training_rows(cluster_documents(docs, config, workers=auto_workers(len(docs))), truth)
        for strength in STRENGTHS:
            wrong = cross_validated_errors(rows, strength)
            print(f"{wording:17.2f} {strength:6g} {len(rows.kinds):7d} {int(wrong.sum()):8d}", flush=True)
            if best is None or wrong.sum() < best[0]:
                best = (int(wrong.sum()), wording, strength, rows, wrong)
    assert best is not None
    _, wording, strength, rows, wrong = best
    label = fit(rows, strength)
    print(f"chosen: wording_alignment {wording:g}, C {strength:g}; {len(rows.kinds)} members "
          f"({int(rows.syndicated.sum())} syndicated, {int((~rows.syndicated).sum())} rewrites)")
    print("cross-validated errors by kind: "
          + ", ".join(f"{k} {w}/{n}" for k, (w, n) in errors_by_kind(rows, wrong).items()))
    fitted = predict(rows, label) != rows.syndicated
    print("fitted on all of them, errors by kind: "
          + ", ".join(f"{k} {w}/{n}" for k, (w, n) in errors_by_kind(rows, fitted).items()))
    print(f"VerifyConfig(wording_alignment={wording:g})")
    print(f"LabelConfig(verbatim_weight={label.verbatim_weight}, copied_weight={label.copied_weight}, "
          f"bias={label.bias})")
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
