"""The precision sample of issue 17: random derived documents of a run on AllSides pages, with their evidence.

    python -m benchmarks.allsides CORPUS.jsonl VERDICTS.jsonl --chrome CHROME.npz [-n 50] [--seed 17]

prints, for each sampled derived document, its pair (outlets, titles), scores and
aligned passages as ``dedup compare`` finds them with the run's chrome model, for
a reader to judge whether the two share real wire or copied text.
"""

from __future__ import annotations

import argparse
import json
import random

from dedup.boilerplate import ChromeModel
from dedup.pipeline import compare_documents
from dedup.readers import read_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("verdicts")
    parser.add_argument("--chrome", required=True)
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--width", type=int, default=160)
    args = parser.parse_args()
    docs = {d.id: d for d in read_corpus([args.corpus])}
    with open(args.verdicts, encoding="utf-8") as lines:
        derived = [v for v in map(json.loads, lines) if v["source"]]
    chrome = ChromeModel.load(args.chrome)
    for k, verdict in enumerate(random.Random(args.seed).sample(derived, min(args.n, len(derived))), 1):
        a, b = docs[verdict["id"]], docs[verdict["source"]]
        match = compare_documents(a, b, chrome=chrome)
        print(f"#{k} {a.id} ({a.outlet}) <- {b.id} ({b.outlet}) {verdict['label']} score {verdict['score']} "
              f"containment {match.containment_ab:.2f}/{match.containment_ba:.2f} passages {match.reused}")
        print(f"   A: {a.title}\n   B: {b.title}")
        for x in match.alignments[:4]:
            print(f"   - {x.score:.2f} {x.a_text[: args.width]}\n          {x.b_text[: args.width]}")


if __name__ == "__main__":
    main()
