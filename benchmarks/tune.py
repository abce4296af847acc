"""Choose the engine's link and label parameters on the synthetic TRAIN split.

Each setting is one replacement of a default in ``dedup.config``; every run
clusters the same training corpus and is scored with ``benchmarks.metrics``.
The defaults in ``dedup/config.py`` are the settings this grid picked; the
quality benchmark reports them on the separate TEST split. The label decision
(syndicated or rewrite) is fitted separately by ``benchmarks.label_model``.

    python -m benchmarks.tune [--size 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Sequence

from benchmarks.datasets import load_synthetic
from benchmarks.metrics import evaluate
from dedup import cluster_documents
from dedup.config import Config
from dedup.pipeline import auto_workers

# (stage, field, values tried); the default of each field is among its values.
GRID: tuple[tuple[str, str, tuple[float, ...]], ...] = (
    ("candidates", "strong_passage_bands", (4, 8, 12, 16, 65)),
    ("verify", "align_threshold", (0.3, 0.4, 0.5)),
    ("verify", "min_phrase_evidence", (7.0, 10.0, 14.0)),
    ("verify", "rare_phrase_idf", (5.0, 6.5, 8.0)),
    ("verify", "partial_containment", (0.15, 0.25, 0.35)),
    ("label", "original_share", (0.0, 0.15, 0.3, 0.5)),
)


def with_value(config: Config, stage: str, name: str, value: float) -> Config:
    """``config`` with one field of one stage replaced."""
    part = dataclasses.replace(getattr(config, stage), **{name: type(getattr(getattr(config, stage), name))(value)})
    return dataclasses.replace(config, **{stage: part})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    docs, truth = load_synthetic("train", args.size, args.seed)
    base = Config()
    print(f"synthetic TRAIN split, {len(docs)} documents, seed {args.seed}; one field varied at a time")
    print(f"{'field':36} {'value':>6} {'ARI':>6} {'macro-F1':>8} {'src acc':>7} {'s':>5}")
    for stage, name, values in GRID:
        default = getattr(getattr(base, stage), name)
        for value in values:
            start = time.perf_counter()
            result = cluster_documents(docs, with_value(base, stage, name, value), workers=auto_workers(len(docs)))
            scores = evaluate(truth, {v.id: v for v in result.verdicts})
            mark = " (default)" if value == default else ""
            print(f"{stage + '.' + name:36} {value:6.2f} {scores.ari:6.3f} {scores.labels.macro_f1:8.3f} "
                  f"{scores.source_accuracy:7.3f} {time.perf_counter() - start:5.1f}{mark}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
