"""Benchmarks for the dedup engine: data loaders, a synthetic wire corpus, baselines and metrics."""

from __future__ import annotations

import os
from pathlib import Path


def data_root() -> Path:
    """Where the shared benchmark data lives: ``$DEDUP_DATA`` or ``../shared/data`` beside the repo."""
    override = os.environ.get("DEDUP_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared" / "data"
