"""The ``dedup`` command: a thin layer over the library."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import wraps
from typing import IO, Any

import click

from dedup.allocator import release_freed_arrays
from dedup.boilerplate import ChromeModel
from dedup.config import Config
from dedup.errors import InputError
from dedup.index.cli import commands as index_commands
from dedup.pipeline import (
    Result,
    auto_workers,
    cluster_documents,
    compare_documents,
    compare_in_corpus,
    judged,
    score_pairs,
)

from dedup.outlets import OUTLET_WRITERS, DocInfo, outlet_analytics, recorded, write_flows_csv
from dedup.readers import Fields, IdPair, describe_skipped, iter_corpus, read_corpus, read_id_pairs, read_pairs
from dedup.report import (
    BINARY,
    WRITERS,
    Heading,
    atomic_output,
    check_output,
    match_scores,
    noting_headings,
    output_format,
    pair_record,
    plural,
    write_comparison,
    write_verdicts,
)
from dedup.settings import config_toml, load_config, with_flags


def output_options(formats: Sequence[str], default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-f/--format`` and ``-o/--output``, shared by the commands that write results (as ``fmt`` and ``output``)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
            help="Write here (atomically) instead of standard output; a name ending in .jsonl, .json, .csv or "
                 ".parquet picks that format unless -f says otherwise.")(command)
        return click.option("-f", "--format", "fmt", type=click.Choice(formats), default=None,
                            help=f"Output format [default: {default}, or from -o's extension].")(command)

    return decorate


def reading_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The field mapping of JSONL, CSV and Parquet records, passed on as one ``fields`` (``readers.Fields``)."""

    @wraps(command)
    def wrapper(*args: Any, id_field: str, text_field: str, title_field: str, outlet_field: str, date_field: str,
                make_ids: bool, **kwargs: Any) -> Any:
        fields = Fields(id=id_field, text=text_field, title=title_field, outlet=outlet_field, published=date_field,
                        make_ids=make_ids)
        return command(*args, fields=fields, **kwargs)

    for name, default, what in reversed([
        ("id", "id", "the document id"), ("text", "text", "the article text"), ("title", "title", "the title"),
        ("outlet", "outlet", "the outlet"), ("date", "published", "the publication date (ISO 8601)"),
    ]):
        wrapper = click.option(f"--{name}-field", default=default, show_default=True, metavar="NAME",
                               help=f"Field (JSONL key, CSV or Parquet column) holding {what}.")(wrapper)
    return click.option("--make-ids", is_flag=True,
                        help="The records have no usable ids: give each one an id made from its url, else its "
                             "text (a stable hash).")(wrapper)


def tuning_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--config FILE.toml`` and the flags users tune most, passed on as one ``config`` (flags win over the file)."""

    @wraps(command)
    def wrapper(*args: Any, config_file: str | None, link_threshold: float | None, shingle_size: int | None,
                permutations: int | None, **kwargs: Any) -> Any:
        config = load_config(config_file) if config_file else Config()
        config = with_flags(config, link_threshold=link_threshold, shingle_size=shingle_size,
                            permutations=permutations)
        return command(*args, config=config, **kwargs)

    wrapper = click.option("--permutations", type=click.IntRange(min=8), default=None, metavar="N",
                           help="MinHash permutations ([signature] num_perm, default 128).")(wrapper)
    wrapper = click.option("--shingle-size", type=click.IntRange(min=1), default=None, metavar="N",
                           help="Words per document shingle ([signature] doc_shingle, default 5).")(wrapper)
    wrapper = click.option("--link-threshold", type=click.FloatRange(0.0, 1.0), default=None, metavar="X",
                           help="Word 5-gram containment at which two documents are linked whatever their "
                                "passages say ([verify] syndication_containment, default 0.5).")(wrapper)
    return click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
                        metavar="FILE.toml",
                        help="Stage settings from a TOML file (dedup config --show prints every key).")(wrapper)


def chrome_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--chrome FILE``: a saved chrome model, passed on loaded as ``chrome`` (None without the option)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(command)
        def wrapper(*args: Any, chrome_file: str | None, **kwargs: Any) -> Any:
            chrome = ChromeModel.load(chrome_file) if chrome_file is not None else None
            return command(*args, chrome=chrome, **kwargs)

        return click.option("--chrome", "chrome_file", type=click.Path(dir_okay=False), default=None,
                            metavar="FILE", help=help)(wrapper)

    return decorate


@contextmanager
def written(
    fmt: str, note: str | None, output: str | None, quiet: bool = False
) -> Iterator[IO[Any]]:
    """``-o``'s file (or stdout) written atomically; then, unless ``quiet``, the note on how the format was chosen."""
    with atomic_output(output, sys.stdout, binary=fmt in BINARY) as out:
        yield out
    if note and not quiet:
        click.echo(f"dedup: {note}", err=True)


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
@input_errors
@click.argument("paths", nargs=-1, required=True)
@output_options(sorted(WRITERS), "table")
@click.option("--all", "show_all", is_flag=True, help="The table lists documents alone in their cluster too.")
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
@chrome_option("A saved chrome model (--save-chrome) to start from; the corpus' own chrome is learned on top.")
@click.option("--save-chrome", type=click.Path(dir_okay=False, writable=True), default=None, metavar="FILE",
              help="Save the chrome model this run learned (.npz), for --chrome of later runs and compare.")
@reading_options
@tuning_options
def cluster(
    paths: tuple[str, ...], fmt: str | None, output: str | None, show_all: bool, quiet: bool, workers: int,
    skip_bad: bool, engine: str, master: str, coalesce: bool, chrome: ChromeModel | None, save_chrome: str | None,
    fields: Fields, config: Config,
) -> None:
    """Cluster documents by wire origin and label each one.

    PATHS are directories of .txt or .html files, single such files, .jsonl,
    .csv or .parquet files (fields id, text; optional title, outlet, url,
    published; .jsonl.gz and .csv.gz too), or - for JSONL on stdin.

    \b
    Example:
      dedup cluster seeds/
      dedup cluster articles.jsonl -o verdicts.csv
      dedup cluster articles.csv --id-field guid --text-field body -f jsonl
    """
    fmt, note = output_format(fmt, output, "table")
    if engine == "spark":
        if output is not None and "://" not in output and not os.path.isdir(os.path.dirname(os.path.abspath(output))):
            raise InputError(output, "cannot write output: its directory does not exist")
        return cluster_on_spark(paths, fmt, output, quiet, master, coalesce, chrome, save_chrome)
    check_output(fmt, output)
    release_freed_arrays()
    skipped: list[InputError] = []
    headings: dict[str, Heading] = {}
    docs = iter_corpus(paths, on_error=skipped.append if skip_bad else None, fields=fields)
    bar = None
    if not quiet and sys.stderr.isatty():
        from dedup.terminal import StageProgress

        bar = StageProgress()
    with bar or nullcontext():
        result = cluster_documents(
            noting_headings(docs, headings) if fmt == "table" else docs,
            config,
            workers=workers,
            progress=bar.finished if bar else None,
            advance=bar.advance if bar else None,
            evidence=False,
            chrome=chrome,
            keep_chrome=save_chrome is not None,
        )
    warn_skipped(result, skipped, save_chrome)
    if not result.verdicts:
        click.echo("dedup: warning: no documents with text to cluster; the output is empty", err=True)
    with written(fmt, note, output, quiet) as out:
        write_verdicts(fmt, result.verdicts, out, headings, show_all)
    if not quiet:
        click.echo(summary(result.stats), err=True)


def warn_skipped(result: Any, skipped: Sequence[InputError], save_chrome: str | None = None) -> None:
    """On stderr: the bad records skipped and each document left out (empty, or all page chrome), of either
    engine's result; then its chrome model saved when asked."""
    if skipped:
        click.echo(f"dedup: {describe_skipped(skipped)}", err=True)
    all_chrome = set(result.chrome_only)
    for doc_id in result.skipped:
        why = "all page chrome" if doc_id in all_chrome else "empty text"
        click.echo(f"dedup: warning: {doc_id}: {why}, left out of clustering", err=True)
    if save_chrome is not None and result.chrome is not None:
        result.chrome.save(save_chrome)


def summary(s: dict[str, float]) -> str:
    """The run's one-line summary for stderr."""
    return (f"dedup: {plural(s['documents'], 'document')}, {plural(s['candidates'], 'candidate pair')}, "
            f"{plural(s['links'], 'link')}, {plural(s['clusters'], 'cluster')}"
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
    warn_skipped(result, [], save_chrome)
    if verdicts is not None:
        write_verdicts(fmt, verdicts, sys.stdout)
    if not quiet:
        click.echo(summary(result.stats), err=True)


@main.command()
@input_errors
@click.argument("args", nargs=-1, metavar="FILE FILE | CORPUS... ID_A ID_B")
@click.option("--pairs", "pairs_file", type=click.Path(dir_okay=False), default=None, metavar="PAIRS",
              help="A JSONL or CSV file of pairs; prints one JSON line of scores per pair. Alone: fields id, a, b "
                   "with a and b the two texts themselves (not file names). After a CORPUS: fields a and b are "
                   "ids of the corpus' documents (id optional), scored with the corpus' statistics.")
@output_options(["text", "json"], "text")
@click.option("-w", "--workers", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes to use; 0 picks all cores for large inputs. The scores are the same.")
@chrome_option("A saved chrome model (cluster --save-chrome): drop the outlets' chrome it learned.")
@reading_options
@tuning_options
def compare(
    args: tuple[str, ...], pairs_file: str | None, fmt: str | None, output: str | None, workers: int,
    chrome: ChromeModel | None, fields: Fields, config: Config,
) -> None:
    """Show the evidence of two articles: scores, verdict and aligned passages.

    Two files holding one article each, or the ids of two documents of a
    CORPUS (any input cluster reads), scored with that corpus' statistics as
    a cluster run scores them. The verdict is syndicated or rewrite (with
    which one is the original) or independent.

    \b
    Example:
      dedup compare seeds/001_0087a9b7e7beb3af.txt seeds/004_e66f8c3f7bab36c1.txt
      dedup compare seeds/ 001_0087a9b7e7beb3af 004_e66f8c3f7bab36c1 -f json
      dedup compare corpus.jsonl --pairs pairs.csv
      dedup compare --pairs texts.jsonl
    """
    if pairs_file is not None and fmt == "text":
        raise click.UsageError("--pairs writes one JSON line per pair; leave out -f text")
    fmt, note = output_format(fmt, output, "text", ("text", "json"))
    check_output(fmt, output)
    if pairs_file is not None:
        with atomic_output(output, sys.stdout) as out:
            if not args:
                pairs = read_pairs(pairs_file)
                for scored in score_pairs(pairs, config, workers=workers or auto_workers(2 * len(pairs)), chrome=chrome):
                    out.write(json.dumps({"id": scored.id, **match_scores(scored.match)}) + "\n")
                return
            id_pairs = read_id_pairs(pairs_file)
            for pair, found in zip(id_pairs, compare_in_corpus(iter_corpus(args, fields=fields), id_pairs, config,
                                                                workers=workers, chrome=chrome)):
                out.write(json.dumps(pair_record(found, pair.id), ensure_ascii=False) + "\n")
        return
    paths, ids = _paths_and_ids(args)
    if len(ids) == 2:
        pair = IdPair(ids[0], ids[1], ", ".join(paths))
        found = compare_in_corpus(iter_corpus(paths, fields=fields), [pair], config, workers=workers, chrome=chrome)[0]
    else:
        a, b = _two_documents(paths, fields)
        found = judged(a, b, compare_documents(a, b, config, chrome=chrome), config.label)
    with written(fmt, note, output) as out:
        write_comparison(fmt, found, out)


def _paths_and_ids(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """``compare``'s arguments as inputs and ids: three or more whose last two are not files end in two ids."""
    if len(args) >= 3 and not any(arg == "-" or os.path.exists(arg) for arg in args[-2:]):
        return list(args[:-2]), list(args[-2:])
    if len(args) in (1, 2):
        return list(args), []
    raise click.UsageError("compare takes exactly two files, or a corpus and two ids: dedup compare CORPUS ID_A ID_B")


def _two_documents(paths: Sequence[str], fields: Fields) -> tuple[Any, Any]:
    """The one document of each of two files; a file with several says which ids it holds and how to pick two."""
    docs = [read_corpus([path], fields=fields) for path in paths]
    for path, held in zip(paths, docs):
        if len(held) != 1 or len(paths) == 1:
            shown = ", ".join(d.id for d in held[:10]) + (", ..." if len(held) > 10 else "")
            raise click.UsageError(
                f"{path} holds {plural(len(held), 'document')}" + (f" ({shown})" if held else "")
                + f"; to compare two of them: dedup compare {path} ID_A ID_B"
                + ("" if len(paths) == 1 else "; or give two files of one document each"))
    return docs[0][0], docs[1][0]


@main.command("config")
@input_errors
@click.option("--show", is_flag=True, help="Print the settings as a TOML file that --config reads.")
@tuning_options
def config_command(show: bool, config: Config) -> None:
    """Print the stage settings: the defaults, or those of --config FILE and the flags.

    Every key of the TOML file is a field of a stage config in dedup/config.py,
    where each is documented; keys left out keep their defaults.

    \b
    Example:
      dedup config --show > dedup.toml
      dedup cluster corpus.jsonl --config dedup.toml
    """
    if not show:
        raise click.UsageError("dedup config --show prints the settings")
    click.echo(config_toml(config), nl=False)


def _clustered(paths: tuple[str, ...], output: str | None, workers: int, skip_bad: bool, evidence: bool,
               ) -> tuple[Result, dict[str, DocInfo]]:
    """Cluster PATHS as ``dedup cluster`` does, keeping each document's outlet and metadata (not its text)."""
    if output is not None and not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        raise InputError(output, "cannot write output: its directory does not exist")
    skipped: list[InputError] = []
    infos: dict[str, DocInfo] = {}
    docs = recorded(iter_corpus(paths, on_error=skipped.append if skip_bad else None), infos)
    result = cluster_documents(docs, workers=workers, evidence=evidence)
    warn_skipped(result, skipped)
    return result, infos


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(sorted(OUTLET_WRITERS)), default="table", show_default=True,
              help="Output format: table (outlets, then flows), csv (outlets) or json ({outlets, flows}).")
@click.option("--flows", is_flag=True, help="With --format csv: the outlet-to-outlet flows instead of the outlets.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write here (atomically) instead of standard output.")
@click.option("-w", "--workers", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes to use; 0 picks all cores for large corpora.")
@click.option("--skip-bad", is_flag=True, help="Skip bad records instead of stopping; list them on stderr.")
@input_errors
def outlets(paths: tuple[str, ...], fmt: str, flows: bool, output: str | None, workers: int, skip_bad: bool) -> None:
    """Wire reuse by outlet: articles by label, reused words, top sources, lags, and who takes from whom.

    An outlet is a document's outlet field, else its URL's host, else "unknown".

    \b
    Example:
      dedup outlets corpus.jsonl
      dedup outlets corpus.jsonl --format csv --flows -o flows.csv
    """
    if flows and fmt != "csv":
        raise click.UsageError("--flows goes with --format csv (table and json show the flows already)")
    result, infos = _clustered(paths, output, workers, skip_bad, evidence=False)
    analytics = outlet_analytics(result.verdicts, infos)
    with atomic_output(output, sys.stdout) as out:
        (write_flows_csv if flows else OUTLET_WRITERS[fmt])(analytics, out)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The HTML file to write (atomically).")
@click.option("--title", default="Wire reuse report", show_default=True, help="The page's title.")
@click.option("-w", "--workers", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes to use; 0 picks all cores for large corpora.")
@click.option("--skip-bad", is_flag=True, help="Skip bad records instead of stopping; list them on stderr.")
@input_errors
def report(paths: tuple[str, ...], output: str, title: str, workers: int, skip_bad: bool) -> None:
    """One self-contained HTML page: summary, outlet charts, every cluster with its evidence side by side.

    Needs the report extra (pip install 'dedup[report]'). The page loads
    nothing from elsewhere and works offline.

    \b
    Example:
      dedup report seeds/ -o report.html
    """
    from dedup.html_report import MissingExtra, build_report, render_html

    try:
        result, infos = _clustered(paths, output, workers, skip_bad, evidence=True)
        page = render_html(build_report(result, infos, title))
    except MissingExtra as err:
        raise click.ClickException(str(err)) from None
    with atomic_output(output, sys.stdout) as out:
        out.write(page)


main.add_command(index_commands(input_errors))


@main.command("serve")
@click.option("--db", "location", required=True, metavar="PATH|URL", help="The feed index (created when missing).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; non-loopback needs --tokens.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--tokens", "tokens_path", type=click.Path(dir_okay=False), default=None,
              help="File of 'SHA256-HEX read|write' lines: bearer tokens by hash, with their scope.")
@input_errors
def serve(location: str, host: str, port: int, tokens_path: str | None) -> None:
    """Serve the feed index over HTTP (OpenAPI description at /openapi.json).

    \b
    Example:
      dedup serve --db feed.db --port 8080
    """
    from dedup.serve.run import serve as run

    run(location, host, port, tokens_path)
