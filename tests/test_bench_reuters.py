"""The Reuters SGML reader on the hand-written fixture in tests/fixtures/bench/."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.reuters import iso_date, load_stories, read_file, split_pool  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "bench" / "reut2-000.sgm"


@pytest.fixture(scope="module")
def stories():
    return load_stories([FIXTURE])


def test_reads_only_stories_with_a_body() -> None:
    assert len(read_file(FIXTURE)) == 16


def test_drops_short_and_duplicate_stories(stories) -> None:
    ids = [s.newid for s in stories]
    assert 115 not in ids
    assert 107 not in ids and 108 not in ids
    assert ids == sorted(ids) and len(ids) == 13


def test_cleans_text(stories) -> None:
    by_id = {s.newid: s for s in stories}
    calder = by_id[103]
    assert calder.title == "CALDER INDUSTRIES <CLDR> BIDS FOR BRISTOW TOOL"
    assert calder.body.startswith("Calder Industries Inc <CLDR> said")
    for story in stories:
        assert not story.body.rstrip().endswith("Reuter")
        assert not any(ord(ch) < 32 and ch != "\n" for ch in story.body)
    assert by_id[101].paragraphs[1].startswith("The company said shipments")
    assert by_id[101].topics == ("grain", "wheat")


def test_iso_dates() -> None:
    assert iso_date(" 2-MAR-1987 09:15:22.10") == "1987-03-02T09:15:22"
    assert iso_date("10-MAR-1987  13:27:44.90") == "1987-03-10T13:27:44"
    assert iso_date("garbage") == ""


def test_splits_are_disjoint(stories) -> None:
    train = {s.newid for s in split_pool(stories, "train")}
    test = {s.newid for s in split_pool(stories, "test")}
    assert train == {101, 102, 103, 104, 105, 106}
    assert test == {109, 110, 111, 112, 113, 114}
    with pytest.raises(ValueError):
        split_pool(stories, "not-used")
