"""``dedup index``: JSON lines per committed verdict, known documents, errors as one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import NEWS_CORPUS, SEEDS

from dedup.cli import main
from dedup.index.cli import parse_age

FIELDS = {"id", "label", "source", "cluster", "score", "reuse", "passages"}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["index", *args], input=input)


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_every_command_has_help_with_an_example() -> None:
    for command in ("add", "query", "show", "stats", "remove", "expire"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Example:" in result.output


def test_add_prints_one_line_per_document_then_known_on_re_adding(tmp_path: Path) -> None:
    db = str(tmp_path / "feed.db")
    first = run("add", "--db", db, str(SEEDS), "--batch", "2")
    assert first.exit_code == 0, first.output
    records = lines(first.output)
    assert FIELDS <= set(records[0])
    assert {r["id"] for r in records if "revised" not in r} == {p.stem for p in SEEDS.glob("*.txt")}
    again = run("add", "--db", db, str(SEEDS))
    assert all(r.get("known") for r in lines(again.output)) and len(lines(again.output)) == 5
    stats = json.loads(run("stats", "--db", db).output)
    assert stats["documents"] == 5 and stats["clusters"] == 1 and stats["bytes"] > 0
    assert set(stats["labels"]) == {"original", "syndicated", "rewrite"}


def test_stdin_query_show_remove_expire(tmp_path: Path) -> None:
    db = str(tmp_path / "feed.db")
    text = NEWS_CORPUS.read_text(encoding="utf-8")
    assert run("add", "--db", db, "-", input=text).exit_code == 0
    shown = json.loads(run("show", "--db", db, "herald-copy").output)
    assert shown["label"] == "syndicated" and shown["evidence"]["alignments"]
    asked = run("query", "--db", db, str(NEWS_CORPUS))
    assert all(r.get("known") for r in lines(asked.output))
    removed = lines(run("remove", "--db", db, "meridian-wire").output)
    assert removed[0] == {**removed[0], "id": "meridian-wire", "removed": True}
    assert any(r.get("revised") and r["id"] == "herald-copy" for r in removed)
    expired = run("expire", "--db", db, "--older-than", "1d")
    assert expired.exit_code == 0
    assert json.loads(run("stats", "--db", db).output)["documents"] == 0


def test_a_different_text_under_a_known_id_is_one_line_exit_2(tmp_path: Path) -> None:
    db = str(tmp_path / "feed.db")
    run("add", "--db", db, str(NEWS_CORPUS))
    changed = tmp_path / "changed.jsonl"
    changed.write_text(json.dumps({"id": "herald-copy", "text": "Something else entirely, in a few words."}) + "\n")
    result = run("add", "--db", db, str(changed))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "dedup: error: herald-copy: already in the index with a different text (remove it first to replace it)"]


def test_unknown_ids_and_missing_indexes_are_errors(tmp_path: Path) -> None:
    db = str(tmp_path / "feed.db")
    assert run("show", "--db", db, "x").exit_code == 2
    assert not (tmp_path / "feed.db").exists()
    run("add", "--db", db, str(NEWS_CORPUS))
    result = run("remove", "--db", db, "nope")
    assert result.exit_code == 2 and "nope: not in the index" in result.output


@pytest.mark.parametrize("text, seconds", [("30d", 30 * 86400), ("12h", 43200), ("90m", 5400), ("2w", 1209600)])
def test_ages(text: str, seconds: float) -> None:
    assert parse_age(text) == seconds
