"""The ``dedup`` command: a thin layer over the library."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from dedup.allocator import release_freed_arrays
from dedup.boilerplate import ChromeModel
from dedup.cluster import label_corpus
from dedup.config import Config
from dedup.errors import InputError
from dedup.pipeline import (
    auto_workers,
    cluster_documents,
    compare_documents,
    score_pairs,
)
from dedup.readers import describe_skipped, iter_corpus, read_corpus, read_pairs
from dedup.report import WRITERS, alignment_record, atomic_output, match_scores


def input_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad input into one line on stderr and exit status 2, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            # The reader went away (``dedup cluster ... | head``): stop quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except InputError as err:
            click.echo(f"dedup: error: {err}", err=True)
            sys.exit(2)
        except OSError as err:
            click.echo(f"dedup: error: {err.filename or ''}: {err.strerror or err}", err=True)
            sys.exit(2)

    return wrapper


class StageBar:
    """Progress on a terminal's stderr: a bar redrawn in place within a stage, a line when it ends."""

    WIDTH = 30

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.drawn = False

    def advance(self, stage: str, done: int, total: int) -> None:
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\rdedup: {stage} [{bar}] {done:,}/{total:,}")
        self.stream.flush()
        self.drawn = True

    def finished(self, summary: str) -> None:
        self.stream.write(("\r\x1b[K" if self.drawn else "") + f"dedup: {summary}\n")
        self.stream.flush()
        self.drawn = False


def stage_times(stats: dict[str, float]) -> str:
    """``; T s: stage S, ...`` from the ``seconds_*`` stats, in their order, or "" without any.

    The summary line carries them so that a benchmark can see which stage
    grows faster than the corpus.
    """
    stages = [(key.removeprefix("seconds_"), value) for key, value in stats.items() if key.startswith("seconds_")]
    if not stages:
        return ""
    total = sum(value for _, value in stages)
    return f"; {total:.2f} s: " + ", ".join(f"{name} {value:.2f}" for name, value in stages)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dedup")
def main() -> None:
    """Find news articles that share a wire origin.

    \b
    Example:
      dedup cluster seeds/
      dedup cluster articles.jsonl --format jsonl -o verdicts.jsonl
      dedup compare a.txt b.txt
    """


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(sorted(WRITERS)), default="table", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write here (atomically) instead of standard output.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@click.option("-w", "--workers", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes to use; 0 picks all cores for large corpora. The output is the same for any number.")
@click.option("--skip-bad", is_flag=True,
              help="Skip bad records (and unreadable files among several) instead of stopping; list them on stderr.")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
              help="Run here, or on Spark (the spark extra): same verdicts; -o is then a directory of parts "
                   "(JSONL, or Parquet when it ends in .parquet).")
@click.option("--master", default="local[*]", show_default=True, help="Spark master URL (--engine spark).")
@click.option("--coalesce", is_flag=True, help="With --engine spark, write -o as one file, not a directory of parts.")
@click.option("--chrome", "chrome_file", type=click.Path(dir_okay=False), default=None,
              help="A saved chrome model (--save-chrome) to start from; the corpus' own chrome is learned on top.")
@click.option("--save-chrome", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Save the chrome model this run learned (.npz), for --chrome of later runs and compare.")
@input_errors
def cluster(
    paths: tuple[str, ...], fmt: str, output: str | None, quiet: bool, workers: int, skip_bad: bool,
    engine: str, master: str, coalesce: bool, chrome_file: str | None, save_chrome: str | None,
) -> None:
    """Cluster documents by wire origin and label each one.

    PATHS are directories of .txt or .html files, single such files, .jsonl,
    .csv or .parquet files (fields id, text; optional title, outlet, url,
    published; .jsonl.gz and .csv.gz too), or - for JSONL on stdin.

    \b
    Example:
      dedup cluster seeds/ --format jsonl
    """
    remote = engine == "spark" and output is not None and "://" in output
    if output is not None and not remote and not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        raise InputError(output, "cannot write output: its directory does not exist")
    chrome = ChromeModel.load(chrome_file) if chrome_file is not None else None
    if engine == "spark":
        return cluster_on_spark(paths, fmt, output, quiet, master, coalesce, chrome, save_chrome)
    release_freed_arrays()
    skipped: list[InputError] = []
    bar = None if quiet or not sys.stderr.isatty() else StageBar()
    result = cluster_documents(
        iter_corpus(paths, on_error=skipped.append if skip_bad else None),
        workers=workers,
        progress=bar.finished if bar else None,
        advance=bar.advance if bar else None,
        evidence=False,
        chrome=chrome,
        keep_chrome=save_chrome is not None,
    )
    if skipped:
        click.echo(f"dedup: {describe_skipped(skipped)}", err=True)
    left_out(result, save_chrome)
    with atomic_output(output, sys.stdout) as out:
        WRITERS[fmt](result.verdicts, out)
    if not quiet:
        click.echo(summary(result.stats), err=True)


def left_out(result: Any, save_chrome: str | None) -> None:
    """Warn of the documents a run left out (either engine's result), and save its chrome model when asked."""
    all_chrome = set(result.chrome_only)
    for doc_id in result.skipped:
        why = "all page chrome" if doc_id in all_chrome else "empty text"
        click.echo(f"dedup: warning: {doc_id}: {why}, left out of clustering", err=True)
    if save_chrome is not None and result.chrome is not None:
        result.chrome.save(save_chrome)


def summary(s: dict[str, float]) -> str:
    """The run's one-line summary for stderr."""
    return (f"dedup: {s['documents']} documents, {s['candidates']} candidate pairs, "
            f"{s['links']} links, {s['clusters']} clusters"
            + (f", {s['all_chrome']} all chrome" if s.get("all_chrome") else "") + stage_times(s))


def cluster_on_spark(paths: tuple[str, ...], fmt: str, output: str | None, quiet: bool, master: str,
                     coalesce: bool, chrome: ChromeModel | None, save_chrome: str | None) -> None:
    """``dedup cluster --engine spark``: exit 2 naming the extra when PySpark is not installed."""
    try:
        from dedup.engines import spark
    except ImportError:
        click.echo("dedup: error: --engine spark needs the spark extra: pip install 'dedup[spark]'", err=True)
        sys.exit(2)
    result, verdicts = spark.run(paths, output, master, coalesce, chrome=chrome, keep_chrome=save_chrome is not None)
    left_out(result, save_chrome)
    if verdicts is not None:
        WRITERS[fmt](verdicts, sys.stdout)
    if not quiet:
        click.echo(summary(result.stats), err=True)


@main.command()
@click.argument("files", nargs=-1)
@click.option("--pairs", "pairs_file", type=click.Path(dir_okay=False), default=None,
              help="JSONL of pairs (id, a, b); prints one JSON line of scores per pair.")
@click.option("-w", "--workers", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes for --pairs; 0 picks all cores for large files. The scores are the same.")
@click.option("--chrome", "chrome_file", type=click.Path(dir_okay=False), default=None,
              help="A saved chrome model (cluster --save-chrome): drop the outlets' chrome it learned.")
@input_errors
def compare(files: tuple[str, ...], pairs_file: str | None, workers: int, chrome_file: str | None) -> None:
    """Compare two articles and show their aligned passages.

    \b
    Example:
      dedup compare seeds/001_0087a9b7e7beb3af.txt seeds/004_e66f8c3f7bab36c1.txt
      dedup compare --pairs pairs.jsonl
    """
    chrome = ChromeModel.load(chrome_file) if chrome_file is not None else None
    if pairs_file is not None:
        if files:
            raise click.UsageError("give either two FILES or --pairs, not both")
        pairs = read_pairs(pairs_file)
        for scored in score_pairs(pairs, workers=workers or auto_workers(2 * len(pairs)), chrome=chrome):
            click.echo(json.dumps({"id": scored.id, **match_scores(scored.match)}))
        return
    if len(files) != 2:
        raise click.UsageError("compare takes exactly two files (or --pairs FILE)")
    docs = read_corpus(files)
    if len(docs) != 2:
        raise click.UsageError("each file must hold exactly one document")
    match = compare_documents(docs[0], docs[1], chrome=chrome)
    verdicts = label_corpus(docs, [match], Config().label).verdicts
    derived = next((v for v in verdicts if v.source), None)
    verdict = (
        {"label": derived.label.value, "original": derived.source, "derived": derived.id}
        if derived else {"label": "independent", "original": None, "derived": None}
    )
    click.echo(json.dumps(
        {"a": match.a, "b": match.b, "verdict": verdict, "scores": match_scores(match),
         "alignments": [alignment_record(a) for a in match.alignments]},
        indent=2, ensure_ascii=False))
