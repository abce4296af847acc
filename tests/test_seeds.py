"""Acceptance test on the five real articles in seeds/, through the API and the CLI.

004 is the wire story (Reuters via Arab News); 001 and 003 are rewrites of it by
other outlets; 002 is a different report on the same week's events.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from dedup.cli import main
from dedup.pipeline import Result
from dedup.records import Label

S001 = "001_0087a9b7e7beb3af"
S002 = "002_dfc53b8274aa01dd"
S003 = "003_0e1f6b699dc1f204"
S004 = "004_e66f8c3f7bab36c1"


def check(labels: dict[str, tuple[str, str, str | None]]) -> None:
    """``labels``: id -> (cluster, label, source)."""
    assert labels[S001][0] == labels[S003][0] == labels[S004][0] == S004
    assert labels[S004][1:] == ("original", None)
    assert labels[S001][1:] == ("rewrite", S004)
    assert labels[S003][1:] == ("rewrite", S004)
    assert labels[S002][1] != "syndicated"
    assert labels[S002][0] != S004


def test_seed_files_present() -> None:
    assert {p.stem for p in SEEDS.glob("*.txt")} >= {S001, S002, S003, S004}


def test_seeds_api(seed_result: Result) -> None:
    check({v.id: (v.cluster, v.label.value, v.source) for v in seed_result.verdicts})
    cluster = next(c for c in seed_result.clusters if c.id == S004)
    assert cluster.members[0] == S004
    assert set(cluster.members) >= {S001, S003, S004}
    assert seed_result.clusters[0] is cluster
    by_id = {v.id: v for v in seed_result.verdicts}
    for rewrite in (S001, S003):
        assert by_id[rewrite].label is Label.REWRITE
        assert by_id[rewrite].passages >= 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_seeds_cli(fmt: str) -> None:
    result = CliRunner().invoke(main, ["cluster", str(SEEDS), "--format", fmt, "-q", "--all"])
    assert result.exit_code == 0, result.stderr
    if fmt == "jsonl":
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        labels = {r["id"]: (r["cluster"], r["label"], r["source"]) for r in rows}
    elif fmt == "csv":
        lines = result.stdout.splitlines()[1:]
        labels = {c[0]: (c[1], c[2], c[3] or None) for c in (line.split(",") for line in lines)}
    else:
        # A numbered row starts a cluster with its original; the rows after it derive from that original;
        # an unnumbered original is alone.
        labels, original = {}, None
        for cells in (line.split() for line in result.stdout.splitlines()[2:]):
            if not cells or not cells[-1].startswith("00"):
                continue
            if cells[0].isdigit():
                cells, original = cells[1:], cells[-1]
            elif cells[0] == "original":
                original = None
            doc_id = cells[-1]
            labels[doc_id] = (original or doc_id, cells[0], None if original in (None, doc_id) else original)
    assert len(labels) == 5
    check(labels)


def test_seeds_compare_aligns_su35_passages() -> None:
    result = CliRunner().invoke(main, ["compare", str(SEEDS / f"{S001}.txt"), str(SEEDS / f"{S004}.txt"), "-f", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["a"], report["b"]) == (S001, S004)
    assert report["verdict"] == {"label": "rewrite", "original": S004, "derived": S001}
    su35 = [al for al in report["alignments"] if "Su-35" in al["a"] and "Su-35" in al["b"]]
    assert su35, report["alignments"]
    assert any("fighter jets" in al["shared_phrases"] for al in su35)
