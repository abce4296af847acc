"""Build the background model of news document frequencies shipped in ``dedup/data/``.

Sources: Reuters-21578 stories of the TRAIN split (so the synthetic test corpus,
built from TEST stories, is not in it) and the BASIL articles (2010-2019 news, so
that modern names are not all unseen). Kept: content-word stems seen in at least
two documents, and evidence phrases (content-stem pairs, see
``Passage.phrases``) seen in at least three.

    python -m benchmarks.build_background
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

from benchmarks import data_root
from benchmarks.reuters import read_file
from dedup.config import NormalizeConfig
from dedup.normalize import prepare
from dedup.records import Document

OUT = Path(__file__).resolve().parents[1] / "dedup" / "data" / "background_df.json.gz"
MIN_STEM_DF = 2
MIN_PHRASE_DF = 3


def background_texts(root: Path) -> list[str]:
    """Distinct texts of Reuters TRAIN bodies and BASIL articles."""
    texts = {
        s.body: None
        for p in sorted((root / "reuters21578").glob("reut2-*.sgm"))
        for s in read_file(p)
        if s.split == "TRAIN"
    }
    with open(root / "basil" / "basil.jsonl", encoding="utf-8") as fh:
        texts.update((json.loads(line)["text"], None) for line in fh if line.strip())
    return list(texts)


def build(texts: list[str]) -> dict[str, object]:
    """Document frequencies of stems and phrases over ``texts``."""
    stems: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    config = NormalizeConfig()
    for k, text in enumerate(texts):
        doc = prepare(Document(str(k), text), frozenset(), config)
        stems.update(set(doc.stems))
        phrases.update({x for p in doc.passages for x in p.phrases})
    return {
        "n_docs": len(texts),
        "source": "Reuters-21578 TRAIN bodies + BASIL articles; python -m benchmarks.build_background",
        "df": {k: v for k, v in sorted(stems.items()) if v >= MIN_STEM_DF},
        "phrase_df": {k: v for k, v in sorted(phrases.items()) if v >= MIN_PHRASE_DF},
    }


def main() -> int:
    root = data_root()
    if not (root / "reuters21578").is_dir() or not (root / "basil" / "basil.jsonl").is_file():
        print(f"build_background: needs {root}/reuters21578 and {root}/basil/basil.jsonl", file=sys.stderr)
        return 2
    model = build(background_texts(root))
    with gzip.open(OUT, "wt", encoding="utf-8") as fh:
        json.dump(model, fh, separators=(",", ":"))
    print(f"{OUT}: {model['n_docs']} documents, {len(model['df'])} stems, {len(model['phrase_df'])} phrases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
