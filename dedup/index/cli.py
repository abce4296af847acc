"""``dedup index``: thin commands over ``dedup.index.Index``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

import click

from dedup.errors import InputError
from dedup.index.feed import Index, Judged
from dedup.readers import describe_skipped, iter_corpus
from dedup.records import Document, EventKind, IndexEvent
from dedup.report import alignment_record, match_scores, verdict_record

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """``30d``, ``12h``, ``90m``, ``45s`` or ``2w`` as seconds."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if found is None:
        raise click.BadParameter(f"{text!r}: give a number and a unit, as 30d, 12h, 90m, 45s or 2w")
    return float(found.group(1)) * _UNITS[found.group(2)]


def event_record(event: IndexEvent) -> dict[str, Any]:
    """An event as one JSON object: the verdict's fields, its ``seq``, and a flag for what is not a new verdict."""
    record = {**verdict_record(event.verdict), "seq": event.seq}
    if event.kind is not EventKind.VERDICT:
        record[event.kind.value] = True
    return record


def _echo(judged: Judged) -> None:
    for event in judged.events:
        click.echo(json.dumps(event_record(event), ensure_ascii=False))
    for doc_id in judged.skipped:
        click.echo(f"dedup: warning: {doc_id}: empty text, left out of the index", err=True)


def _batches(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(docs)
    while batch := list(islice(it, size)):
        yield batch


def commands(errors: Callable[[Callable[..., Any]], Callable[..., Any]]) -> click.Group:
    """The ``index`` command group; ``errors`` turns known errors into one line and exit status 2."""

    db = click.option("--db", "location", required=True, metavar="PATH|URL",
                      help="The index: an SQLite file (created when missing) or redis://host:port/N.")

    @click.group("index")
    def group() -> None:
        """Judge articles as they arrive, against everything seen before, and keep the verdicts.

        \b
        Example:
          dedup index add --db feed.db today.jsonl
          dedup index show --db feed.db some-article-id
        """

    @group.command("add")
    @db
    @click.argument("paths", nargs=-1, required=True)
    @click.option("--batch", type=click.IntRange(min=1), default=1000, show_default=True,
                  help="Documents committed together (one transaction); their lines are printed once committed.")
    @click.option("--skip-bad", is_flag=True, help="Skip bad records instead of stopping; list them on stderr.")
    @errors
    def add(location: str, paths: tuple[str, ...], batch: int, skip_bad: bool) -> None:
        """Judge and store documents in feed order: one JSON line per verdict, then one per revision.

        PATHS are read as by ``dedup cluster`` (- for JSONL on stdin). A document
        already in the index prints its stored verdict ("known": true).

        \b
        Example:
          dedup index add --db feed.db seeds/
          cat new.jsonl | dedup index add --db feed.db -
        """
        skipped: list[InputError] = []
        with Index(location) as index:
            for docs in _batches(iter_corpus(paths, on_error=skipped.append if skip_bad else None), batch):
                _echo(index.add(docs))
        if skipped:
            click.echo(f"dedup: {describe_skipped(skipped)}", err=True)

    @group.command("query")
    @db
    @click.argument("paths", nargs=-1, required=True)
    @errors
    def query(location: str, paths: tuple[str, ...]) -> None:
        """The verdicts ``add`` would give, without storing anything.

        \b
        Example:
          dedup index query --db feed.db draft.jsonl
        """
        with Index(location, create=False) as index:
            _echo(index.query(iter_corpus(paths)))

    @group.command("show")
    @db
    @click.argument("doc_id")
    @errors
    def show(location: str, doc_id: str) -> None:
        """A stored document's verdict and its evidence: the passages it shares with its source.

        \b
        Example:
          dedup index show --db feed.db 001_0087a9b7e7beb3af
        """
        with Index(location, create=False) as index:
            entry = index.get(doc_id)
        evidence = None
        if entry.evidence is not None:
            evidence = {"scores": match_scores(entry.evidence),
                        "alignments": [alignment_record(a) for a in entry.evidence.alignments]}
        click.echo(json.dumps({**verdict_record(entry.verdict), "seq": entry.event, "published": entry.published,
                               "evidence": evidence}, indent=2, ensure_ascii=False))

    @group.command("stats")
    @db
    @errors
    def stats(location: str) -> None:
        """Documents, clusters, per-label counts and bytes on disk, as JSON.

        \b
        Example:
          dedup index stats --db feed.db
        """
        with Index(location, create=False) as index:
            click.echo(json.dumps(index.stats()))

    @group.command("remove")
    @db
    @click.argument("ids", nargs=-1, required=True)
    @errors
    def remove(location: str, ids: tuple[str, ...]) -> None:
        """Remove documents; their clusters are judged again (removing an original elects another).

        \b
        Example:
          dedup index remove --db feed.db 004_e66f8c3f7bab36c1
        """
        with Index(location, create=False) as index:
            _echo(index.remove(list(ids)))

    @group.command("expire")
    @db
    @click.option("--older-than", "age", required=True, help="Age: 30d, 12h, 90m, 45s or 2w.")
    @errors
    def expire(location: str, age: str) -> None:
        """Remove the documents published (else added) longer ago than AGE, so that an index stays bounded.

        \b
        Example:
          dedup index expire --db feed.db --older-than 30d
        """
        seconds = parse_age(age)
        with Index(location, create=False) as index:
            _echo(index.expire(seconds))

    return group
