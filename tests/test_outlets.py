"""Outlet analytics: outlets, shares, reused words, lags and flows; `dedup outlets` against a corpus' ground truth."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from dedup.cli import main
from dedup.outlets import (
    UNKNOWN,
    DocInfo,
    describe,
    lag_hours,
    outlet_analytics,
    outlet_of,
    parse_time,
    recorded,
)
from dedup.readers import read_corpus
from dedup.records import Document, Label, Verdict

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "outlets"


def info(doc_id: str, outlet: str, words: int = 100, published: str | None = None) -> DocInfo:
    return DocInfo(doc_id, outlet, None, None, published, words)


def verdict(doc_id: str, cluster: str, label: Label, source: str | None = None, score: float | None = None) -> Verdict:
    return Verdict(doc_id, cluster, label, source, score)


def test_outlet_comes_from_the_field_then_the_url_host_then_unknown() -> None:
    assert outlet_of(Document("a", "x", outlet=" Valley Herald ", url="https://www.other.com/x")) == "Valley Herald"
    assert outlet_of(Document("a", "x", url="https://www.example.co.uk/news/1")) == "example.co.uk"
    assert outlet_of(Document("a", "x", outlet="  ", url="http://NEWS.example.com:8080/a")) == "news.example.com"
    assert outlet_of(Document("a", "x", url="not a url")) == UNKNOWN
    assert outlet_of(Document("a", "x", url="http://[bad")) == UNKNOWN
    assert outlet_of(Document("a", "x")) == UNKNOWN


def test_describe_counts_words_and_recorded_passes_documents_through() -> None:
    docs = [Document("a", "one two  three\nfour", title="T", outlet="O", published="2024-01-01"), Document("b", "x")]
    kept: dict[str, DocInfo] = {}
    assert list(recorded(iter(docs), kept)) == docs
    assert kept["a"] == DocInfo("a", "O", "T", None, "2024-01-01", 4) == describe(docs[0])
    assert kept["b"].outlet == UNKNOWN


def test_times_naive_taken_as_utc_and_bad_ones_ignored() -> None:
    assert parse_time("2024-08-06T10:00:00") == parse_time("2024-08-06T12:00:00+02:00")
    assert parse_time("2024-08-06T10:00:00Z") == parse_time("2024-08-06T10:00:00")
    assert parse_time("yesterday") is None and parse_time(None) is None and parse_time("") is None
    assert lag_hours(info("a", "A", published="2024-08-06"), info("b", "B", published="2024-08-06T06:30:00")) == 6.5
    assert lag_hours(info("a", "A"), info("b", "B", published="2024-08-06")) is None


def test_shares_reused_words_sources_lags_and_flows() -> None:
    infos = {
        "w1": info("w1", "Wire", 200, "2024-01-01T00:00:00"),
        "w2": info("w2", "Wire", 100, "2024-01-02T00:00:00"),
        "a1": info("a1", "A", 200, "2024-01-01T02:00:00"),
        "a2": info("a2", "A", 100, "2024-01-02T06:00:00"),
        "a3": info("a3", "A", 100),
        "a4": info("a4", "A", 50, "2024-01-02T01:00:00"),
        "b1": info("b1", "B", 100, "2024-01-01T01:00:00"),
    }
    verdicts = [
        verdict("w1", "w1", Label.ORIGINAL),
        verdict("w2", "w2", Label.ORIGINAL),
        verdict("a1", "w1", Label.SYNDICATED, "w1", 1.0),
        verdict("a2", "w2", Label.REWRITE, "w2", 0.5),
        verdict("a3", "a3", Label.ORIGINAL),
        verdict("a4", "w2", Label.SYNDICATED, "a2", 0.8),
        verdict("b1", "w1", Label.REWRITE, "w1", 0.25),
    ]
    result = outlet_analytics(verdicts, infos)
    rows = {r.outlet: r for r in result.outlets}
    assert [r.outlet for r in result.outlets] == ["A", "Wire", "B"]
    a = rows["A"]
    assert (a.articles, a.originals, a.syndicated, a.rewrites) == (4, 1, 2, 1)
    assert (a.original_share, a.syndicated_share, a.rewrite_share) == (0.25, 0.5, 0.25)
    # 200 + 50 words from the wire; a4's 40 words come from A's own a2 and are not reuse.
    assert (a.words, a.reused_words, a.reused_share) == (450, 250, round(250 / 450, 4))
    assert [(s.outlet, s.count) for s in a.top_sources] == [("Wire", 2), ("A", 1)]
    assert a.median_lag_hours == 2.0  # 2 h, 6 h and -5 h
    assert rows["Wire"].reused_share == 0.0 and rows["Wire"].median_lag_hours is None
    assert rows["B"].reused_words == 25
    flows = {(f.source, f.outlet): f for f in result.flows}
    assert set(flows) == {("Wire", "A"), ("A", "A"), ("Wire", "B")}
    assert (flows["Wire", "A"].copies, flows["Wire", "A"].syndicated, flows["Wire", "A"].rewrites) == (2, 1, 1)
    assert flows["Wire", "A"].reused_words == 250 and flows["Wire", "A"].median_lag_hours == 4.0
    assert flows["A", "A"].reused_words == 40
    assert result.flows[0] == flows["Wire", "A"]


def test_unknown_outlets_reuse_counts() -> None:
    infos = {"x": info("x", UNKNOWN), "y": info("y", UNKNOWN)}
    verdicts = [verdict("x", "x", Label.ORIGINAL), verdict("y", "x", Label.SYNDICATED, "x", 0.9)]
    (row,) = outlet_analytics(verdicts, infos).outlets
    assert row.reused_words == 90 and row.reused_share == 0.45


def test_no_documents() -> None:
    result = outlet_analytics([], {})
    assert result.outlets == () and result.flows == ()


def truth_figures() -> tuple[dict[str, dict], dict[tuple[str, str], dict]]:
    """Per-outlet shares and per-flow counts and median lags counted straight from the fixture's truth."""
    docs = {d.id: d for d in read_corpus([str(FIXTURE / "corpus.jsonl.gz")])}
    truth = [json.loads(line) for line in (FIXTURE / "truth.jsonl").read_text().splitlines()]
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    flows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    lags: dict[tuple[str, str], list[float]] = defaultdict(list)
    for t in truth:
        doc = docs[t["id"]]
        labels[doc.outlet][t["label"]] += 1
        if t["source"]:
            source = docs[t["source"]]
            key = (source.outlet, doc.outlet)
            flows[key]["copies"] += 1
            flows[key][t["label"]] += 1
            hours = (parse_time(doc.published) - parse_time(source.published)).total_seconds() / 3600
            lags[key].append(hours)
    outlets = {
        o: {"articles": sum(c.values()), **{f"{k}_share": round(c[k] / sum(c.values()), 4)
                                            for k in ("original", "syndicated", "rewrite")}}
        for o, c in labels.items()
    }
    flow_rows = {k: {"copies": c["copies"], "syndicated": c["syndicated"], "rewrites": c["rewrite"],
                     "median_lag_hours": round(statistics.median(lags[k]), 2)} for k, c in flows.items()}
    return outlets, flow_rows


def test_dedup_outlets_gives_the_ground_truth_of_a_synthetic_corpus() -> None:
    run = CliRunner().invoke(main, ["outlets", str(FIXTURE / "corpus.jsonl.gz"), "--format", "json"])
    assert run.exit_code == 0, run.stderr
    got = json.loads(run.stdout)
    outlets, flows = truth_figures()
    assert len(outlets) == 13 and len(flows) == 12
    assert {r["outlet"]: {k: r[k] for k in outlets[r["outlet"]]} for r in got["outlets"]} == outlets
    for r in got["outlets"]:
        assert r["articles"] == r["originals"] + r["syndicated"] + r["rewrites"]
        assert 0 <= r["reused_share"] <= 1
    # Derived documents are mostly the wire's text: a syndicated copy's words are nearly all reused.
    assert all(r["reused_share"] > 0.4 for r in got["outlets"] if r["outlet"] != "Reuters")
    got_flows = {(f["source"], f["outlet"]): {k: f[k] for k in flows[f["source"], f["outlet"]]} for f in got["flows"]}
    assert got_flows == flows


def test_outlets_table_and_csv() -> None:
    corpus = str(FIXTURE / "corpus.jsonl.gz")
    table = CliRunner().invoke(main, ["outlets", corpus])
    assert table.exit_code == 0
    head, flows = table.stdout.split("\n\n")
    assert head.splitlines()[0].split()[:3] == ["outlet", "articles", "original"]
    assert flows.splitlines()[0].startswith("source")
    rows = list(csv.DictReader(io.StringIO(CliRunner().invoke(main, ["outlets", corpus, "--format", "csv"]).stdout)))
    assert len(rows) == 13 and rows[0]["outlet"] == "Reuters" and rows[0]["median_lag_hours"] == ""
    assert rows[1]["top_sources"].startswith("Reuters (")
    flow_rows = list(csv.DictReader(io.StringIO(
        CliRunner().invoke(main, ["outlets", corpus, "--format", "csv", "--flows"]).stdout)))
    assert len(flow_rows) == 12 and set(flow_rows[0]) >= {"source", "outlet", "copies", "reused_words"}


def test_flows_option_needs_csv() -> None:
    run = CliRunner().invoke(main, ["outlets", str(FIXTURE / "corpus.jsonl.gz"), "--flows"])
    assert run.exit_code == 2 and "--flows goes with --format csv" in run.stderr


def test_outlets_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    run = CliRunner().invoke(main, ["outlets", str(SEEDS), "--format", "json", "-o", str(out)])
    assert run.exit_code == 0 and run.stdout == ""
    assert json.loads(out.read_text())["outlets"][0]["outlet"] == UNKNOWN


@pytest.mark.parametrize("args", [["outlets", "missing-dir/"], ["outlets", str(SEEDS), "-o", "nowhere/x.json"]])
def test_outlets_bad_input_is_one_line(args: list[str]) -> None:
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 2 and run.stderr.startswith("dedup: error: ")
