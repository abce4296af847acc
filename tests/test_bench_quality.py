"""Dataset loaders, seeds checks and the quality report, on tiny data made in a temp dir."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks import datasets, quality  # noqa: E402
from benchmarks.reuters import load_stories, split_pool  # noqa: E402
from benchmarks.synthetic import generate  # noqa: E402
from dedup.records import Document, Label  # noqa: E402

ANSWER = "Inheritance lets a new class reuse the methods and variables of an existing class. " * 3


@dataclass(frozen=True)
class V:
    id: str
    cluster: str
    label: Label
    source: str | None


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    clough = root / "clough-stevenson"
    clough.mkdir(parents=True)
    (clough / "file_information.csv").write_text(
        "File,Task,Category\ng0pA_taska.txt,a,cut\ng0pB_taska.txt,a,heavy\ng0pC_taska.txt,a,non\n", encoding="utf-8")
    (clough / "orig_taska.txt").write_text(ANSWER, encoding="utf-8")
    (clough / "g0pA_taska.txt").write_text(ANSWER, encoding="utf-8")
    (clough / "g0pB_taska.txt").write_bytes("Caf\xe9 classes reuse methods of existing classes.".encode("cp1252"))
    (clough / "g0pC_taska.txt").write_text("Objects model things in the world.", encoding="utf-8")
    basil = root / "basil"
    basil.mkdir()
    rows = [{"id": f"b{i}", "title": f"T{i}", "text": f"Story {i} text about event {i // 3}.", "outlet": "nyt",
             "url": "", "published": "2010-07-02", "event": f"e{i // 3}", "event_title": f"Event {i // 3}"}
            for i in range(6)]
    (basil / "basil.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("DEDUP_DATA", str(root))
    return root


def test_load_clough(data: Path) -> None:
    docs, truth = datasets.load_clough()
    assert [d.id for d in docs] == ["g0pA_taska", "g0pB_taska", "g0pC_taska", "orig_taska"]
    assert truth["g0pA_taska"] == datasets.Truth("orig_taska", Label.SYNDICATED, "orig_taska", "cut")
    assert truth["g0pB_taska"] == datasets.Truth("orig_taska", Label.REWRITE, "orig_taska", "heavy")
    assert truth["g0pC_taska"] == datasets.Truth("g0pC_taska", Label.ORIGINAL, None, "non")
    assert truth["orig_taska"] == datasets.Truth("orig_taska", Label.ORIGINAL, None, "source")
    assert "Café" in docs[1].text


def test_load_basil_and_events(data: Path) -> None:
    docs, truth = datasets.load_basil()
    assert len(docs) == 6 and all(t.label == Label.ORIGINAL and t.cluster == i for i, t in truth.items())
    events = datasets.basil_events()
    assert events["b4"].id == "e1" and events["b4"].title == "Event 1"


def test_missing_data_raises_file_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEDUP_DATA", str(tmp_path / "nothing"))
    with pytest.raises(FileNotFoundError):
        datasets.load_clough()
    with pytest.raises(FileNotFoundError):
        datasets.load_basil()


def test_seed_checks() -> None:
    docs, truth = datasets.load_seeds()
    assert {d.id for d in docs} >= {"001", "002", "003", "004"}
    good = {"004": V("004", "004", Label.ORIGINAL, None), "001": V("001", "004", Label.REWRITE, "004"),
            "003": V("003", "004", Label.REWRITE, "004"), "002": V("002", "002", Label.ORIGINAL, None)}
    assert all(c.passed for c in datasets.seed_checks(good))
    bad = dict(good, **{"002": V("002", "004", Label.SYNDICATED, "004"), "003": V("003", "003", Label.ORIGINAL, None)})
    failed = {c.name for c in datasets.seed_checks(bad) if not c.passed}
    assert failed == {"001, 003 and 004 share a cluster", "003 is a rewrite of 004", "002 is not syndicated"}
    assert set(truth) == {"001", "003", "004"}


def test_cross_event_links() -> None:
    events = {"a": datasets.Event("e1", ""), "b": datasets.Event("e1", ""), "c": datasets.Event("e2", "")}
    verdicts = {"a": V("a", "a", Label.ORIGINAL, None), "b": V("b", "a", Label.REWRITE, "a"),
                "c": V("c", "a", Label.REWRITE, "a")}
    links = quality.cross_event_links(verdicts, events)
    assert sorted(links) == [("a", "b", True), ("a", "c", False), ("b", "c", False)]


def test_quality_report_runs_and_skips_missing(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data / "basil" / "basil.jsonl").unlink()
    code = quality.main(["--systems", "datasketch,tfidf", "--datasets", "seeds,clough,basil"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "missing dataset basil" in err
    assert "clough" in out and "tfidf" in out and "Seeds checks" in out
    assert "macro-F1>=0.85" in out and "AUC Clough" in out


def test_confusion_table_rows_by_kind() -> None:
    truth = {"w": datasets.Truth("w", Label.ORIGINAL, None, "source"),
             "c": datasets.Truth("w", Label.SYNDICATED, "w", "cut"),
             "l": datasets.Truth("w", Label.REWRITE, "w", "light"),
             "n": datasets.Truth("n", Label.ORIGINAL, None)}
    verdicts = {"w": V("w", "w", Label.ORIGINAL, None), "c": V("c", "w", Label.REWRITE, "w"),
                "l": V("l", "w", Label.REWRITE, "w")}
    table = quality.confusion_table(truth, verdicts, markdown=True).splitlines()
    assert table[0] == "| truth | n | -> original | -> syndicated | -> rewrite |"
    assert table[2:] == ["| original (original) | 1 | 1 | 0 | 0 |", "| source (original) | 1 | 1 | 0 | 0 |",
                         "| cut (syndicated) | 1 | 0 | 0 | 1 |", "| light (rewrite) | 1 | 0 | 0 | 1 |"]


def test_quality_markdown_and_unavailable_engine(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "dedup", None)
    code = quality.main(["--systems", "dedup,datasketch", "--datasets", "clough,basil", "--markdown"])
    out = capsys.readouterr().out
    assert code == 0
    assert "| dataset | system |" in out
    assert "unavailable" in out
    assert "0 cross-event links: 0 PASS" in out


def test_pair_sets_are_labelled_by_truth() -> None:
    fixture = Path(__file__).resolve().parent / "fixtures" / "bench" / "reut2-000.sgm"
    docs, truth = [], {}
    for item in generate(split_pool(load_stories([fixture]), "test"), 60, seed=4):
        r, t = item.record, item.truth
        docs.append(Document(id=r.id, text=r.text, published=r.published))
        truth[r.id] = datasets.Truth(t.cluster, Label(t.label), t.source, t.kind, t.event)
    pairs = quality.synthetic_pairs(docs, truth, 40, seed=0)
    assert 0 < sum(pairs.labels) < len(pairs.labels) <= 40
    for (pair_id, _, _), label in zip(pairs.pairs, pairs.labels):
        a, b = pair_id.split(":", 1)[1].split("|")
        assert label == int(truth[b].source == a)


@dataclass(frozen=True)
class M:
    a: str
    b: str
    linked: bool


def test_same_outlet_links_count_unrelated_stories_of_one_outlet() -> None:
    docs = [Document(id=i, text="", outlet=o) for i, o in
            (("w1", "Wire"), ("w2", "Wire"), ("c1", "Post"), ("c2", "Post"), ("i1", "Post"), ("x", "Herald"))]
    truth = {"w1": datasets.Truth("w1", Label.ORIGINAL, None, "original", "w1"),
             "w2": datasets.Truth("w2", Label.ORIGINAL, None, "original", "w2"),
             "c1": datasets.Truth("w1", Label.SYNDICATED, "w1", "syndicated/verbatim", "w1"),
             "c2": datasets.Truth("w2", Label.REWRITE, "w2", "rewrite/light", "w2"),
             "i1": datasets.Truth("i1", Label.ORIGINAL, None, "independent", "w1"),
             "x": datasets.Truth("x", Label.ORIGINAL, None, "distractor", "x")}
    verdicts = {"w1": V("w1", "w1", Label.ORIGINAL, None), "w2": V("w2", "w1", Label.REWRITE, "w1"),
                "c1": V("c1", "w1", Label.SYNDICATED, "w1"), "c2": V("c2", "c2", Label.ORIGINAL, None),
                "i1": V("i1", "i1", Label.ORIGINAL, None), "x": V("x", "x", Label.ORIGINAL, None)}
    # w1-w2: one cluster, one outlet, unrelated. c1-c2: linked, unrelated. c1-i1: linked, same event.
    # c2-x: linked but different outlets.
    matches = (M("c2", "c1", True), M("c1", "i1", True), M("c2", "x", True), M("c2", "i1", False))
    outcome = quality.Outcome(verdicts, matches, 0.0)
    assert quality.same_outlet_links(docs, truth, outcome) == 2


def test_chrome_target_and_table() -> None:
    assert quality.chrome_target(0.970, 0.972, 0).endswith("PASS")
    assert quality.chrome_target(0.960, 0.972, 0).endswith("FAIL")
    assert quality.chrome_target(0.972, 0.972, 1).endswith("FAIL")
    table = quality.chrome_table({"dedup": {"synthetic": (0.972, 10), "synthetic-chrome": (0.852, 927)}},
                                 markdown=True).splitlines()
    assert table[2] == "| dedup | 0.972 | 0.852 | -0.120 | 10 | 927 | ARI>=0.967, 0 same-outlet links: 927 FAIL |"


def test_clough_is_scored_as_derived_against_independent() -> None:
    truth = {"s": datasets.Truth("s", Label.ORIGINAL, None, "source"),
             "c": datasets.Truth("s", Label.SYNDICATED, "s", "cut"),
             "h": datasets.Truth("s", Label.REWRITE, "s", "heavy"),
             "n": datasets.Truth("n", Label.ORIGINAL, None, "non"),
             "m": datasets.Truth("m", Label.ORIGINAL, None, "non")}
    # The cut answer labelled a rewrite is still derived: only the non answer taken for a rewrite is wrong.
    verdicts = {"s": V("s", "s", Label.ORIGINAL, None), "c": V("c", "s", Label.REWRITE, "s"),
                "h": V("h", "s", Label.REWRITE, "s"), "n": V("n", "s", Label.REWRITE, "s"),
                "m": V("m", "m", Label.ORIGINAL, None)}
    assert quality.clough_split(truth, verdicts) == pytest.approx((0.8 + 2 / 3) / 2)
    row = quality.clough_table([("dedup", truth, quality.Outcome(verdicts, (), 0.0))], markdown=True).splitlines()[2]
    assert row.startswith("| dedup | 0.733 | 0.800 | 0.667 |") and row.endswith("FAIL |")


def test_quality_report_has_the_chrome_and_clough_sections(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    fixture = Path(__file__).resolve().parent / "fixtures" / "bench" / "reut2-000.sgm"
    monkeypatch.setattr(datasets, "split_stories", lambda split, data=None: split_pool(load_stories([fixture]), split))
    code = quality.main(["--systems", "tfidf", "--datasets", "clough,synthetic,synthetic-chrome", "--size", "60",
                         "--markdown"])
    out = capsys.readouterr().out
    assert code == 0
    assert "| synthetic + chrome | tfidf | 60 |" in out
    assert "## Synthetic + chrome: ARI and links between unrelated stories of one outlet" in out
    assert "## Clough & Stevenson: derived (cut, light, heavy) against independent (non)" in out
    assert "derived/non macro-F1>=0.85" in out
