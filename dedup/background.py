"""A background model of news document frequencies shipped with the package.

With it, a corpus of five articles still knows that "sukhoi" is rare and "said"
is not. Built from Reuters-21578 TRAIN story bodies and the BASIL articles by
``python -m benchmarks.build_background``.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Background:
    """Document frequencies over ``n_docs`` news documents.

    ``df`` counts content-word stems; ``phrase_df`` counts evidence phrases
    (adjacent stem pairs, keyed ``"stem stem"``), so that stock phrases of the
    trade ("basis points", "selling concession") are not taken for copying.
    """

    n_docs: int
    df: dict[str, int]
    phrase_df: dict[str, int]


EMPTY_BACKGROUND = Background(0, {}, {})


@lru_cache(maxsize=1)
def load_background() -> Background:
    """The shipped background model (read once per process)."""
    with resources.files("dedup.data").joinpath("background_df.json.gz").open("rb") as raw:
        data = json.loads(gzip.decompress(raw.read()))
    return Background(int(data["n_docs"]), data["df"], data["phrase_df"])
