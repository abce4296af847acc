"""Speed benchmark: the engine and MinHash-LSH baselines end to end, one fresh process per run.

Inputs are synthetic corpora of the given sizes (written once to
``benchmarks/out/`` and reused) and, with ``--reuters``, the Reuters-21578 story
bodies. Every system runs in its own subprocess from reading the JSONL to
writing its verdicts, so wall time includes interpreter start-up and imports,
CPU time includes worker processes, and peak memory belongs to that run alone:

* ``dedup``: the CLI, ``dedup cluster FILE --format jsonl -o OUT``;
* ``datasketch``: ``benchmarks.baselines.minhash_system`` (one ``MinHash.update_batch``
  per document on word 5-grams, 128 permutations, ``MinHashLSH`` at 0.5, components);
* ``rensa``: the same with rensa's ``RMinHash`` and ``RMinHashLSH`` (32 bands of 4 rows).

Run ``python -m benchmarks.speed [--sizes 10000,100000] [--reuters] [--systems dedup,datasketch,rensa]
[--markdown] [--plot benchmarks/out/speed.png]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import data_root

if TYPE_CHECKING:
    from dedup.records import Document, Verdict

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
SYSTEMS: tuple[str, ...] = ("dedup", "datasketch", "rensa")
DEFAULT_SIZES: tuple[int, ...] = (10000, 100000)
DEFAULT_TIMEOUT = 3600.0
SYNTHETIC = "synthetic"
REUTERS = "reuters"
STARTUP_DOCS = 10
# rensa needs a band count that divides num_perm; among 1, 2, 4, ..., 128 bands,
# datasketch's own weighting of false positives and negatives at threshold 0.5
# picks 32 bands of 4 rows (datasketch itself uses 25 x 5 of its 128 permutations).
RENSA_BANDS = 32
WORKER_TAG = "speed-worker: "
SAMPLE_SECONDS = 0.2
# The sampler waits this many times as long as its last sample took: reading
# the PSS of processes holding gigabytes walks their page tables, and at
# 0.2 s it took a quarter of a core from the run it measured.
SAMPLE_SPACING = 20
_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4
_PSS = re.compile(r"^Pss:\s+(\d+) kB", re.MULTILINE)
_SUMMARY = re.compile(r"^dedup: (\d+) documents, (\d+) candidate pairs", re.MULTILINE)
_STAGES = re.compile(r"^dedup: \d+ documents, \d+ candidate pairs, .*?; [\d.]+ s: (.+)$", re.MULTILINE)
_STAGE = re.compile(r"(\w+) (\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Input:
    """A corpus to time: a name for the table, its number of documents and its JSONL file."""

    name: str
    docs: int
    path: Path


@dataclass(frozen=True)
class Measurement:
    """What one subprocess did: exit code (None on timeout), wall and CPU seconds, memory and output.

    ``rss_mib`` is the largest single process's peak RSS; ``group_mib`` the
    sampled peak of the process group's summed PSS.
    """

    returncode: int | None
    seconds: float
    cpu_seconds: float
    rss_mib: float
    group_mib: float
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Run:
    """One system on one input; ``status`` is ``ok``, ``timeout``, ``failed`` or ``unavailable``.

    ``cpu_seconds`` is user plus system time of the process: unlike wall time,
    it hardly moves when other work shares the cores. ``stages`` are dedup's
    own ``(stage, seconds)`` from its summary line, in its order.
    """

    input: str
    docs: int
    system: str
    status: str
    seconds: float | None = None
    cpu_seconds: float | None = None
    rss_mib: float | None = None
    candidates: int | None = None
    note: str = ""
    stages: tuple[tuple[str, float], ...] = ()

    @property
    def docs_per_second(self) -> float | None:
        """Throughput, for completed runs."""
        if self.status != "ok" or not self.seconds:
            return None
        return self.docs / self.seconds


@dataclass(frozen=True)
class Growth:
    """How one system's time grows with synthetic corpus size: ``seconds ~ docs ** exponent``.

    ``net_exponent`` fits the time left after ``startup`` (the same system on a
    tiny input: interpreter, imports, model loading); ``cpu_exponent`` fits CPU
    seconds instead of wall seconds.
    """

    system: str
    points: int
    exponent: float | None
    startup: float | None
    net_exponent: float | None
    cpu_exponent: float | None


def parse_summary(stderr: str) -> tuple[int, int] | None:
    """``(documents, candidate pairs)`` from the CLI's summary line ``dedup: N documents, M candidate pairs, ...``."""
    match = _SUMMARY.search(stderr)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))


def parse_stages(stderr: str) -> dict[str, float] | None:
    """``{stage: seconds}`` from the summary line's tail ``; T s: prepare S, candidates S, ...``; None without it."""
    match = _STAGES.search(stderr)
    if not match:
        return None
    return {name: float(value) for name, value in _STAGE.findall(match.group(1))}


def parse_worker(stderr: str) -> dict[str, int | None] | None:
    """The JSON record a baseline worker prints last on stderr."""
    for line in reversed(stderr.splitlines()):
        if line.startswith(WORKER_TAG):
            return json.loads(line[len(WORKER_TAG):])
    return None


def fit_exponent(sizes: Sequence[float], seconds: Sequence[float]) -> float | None:
    """Slope of log10(seconds) against log10(sizes); None without two distinct sizes or with a non-positive value."""
    if len(set(sizes)) < 2 or min(sizes) <= 0 or min(seconds) <= 0:
        return None
    import numpy as np

    slope, _ = np.polyfit(np.log10(np.asarray(sizes, float)), np.log10(np.asarray(seconds, float)), 1)
    return float(slope)


def growth(runs: Iterable[Run], startup: Mapping[str, float], input_name: str = SYNTHETIC) -> list[Growth]:
    """The growth exponent of every system over its completed runs on ``input_name``."""
    by_system: dict[str, list[Run]] = {}
    for run in runs:
        if run.input == input_name:
            by_system.setdefault(run.system, [])
            if run.status == "ok" and run.seconds:
                by_system[run.system].append(run)
    out = []
    for system, done in by_system.items():
        sizes = [r.docs for r in done]
        seconds = [r.seconds or 0.0 for r in done]
        base = startup.get(system)
        net = fit_exponent(sizes, [s - base for s in seconds]) if base is not None else None
        cpu = fit_exponent(sizes, [r.cpu_seconds or 0.0 for r in done])
        out.append(Growth(system, len(done), fit_exponent(sizes, seconds), base, net, cpu))
    return out


def speed_ratios(runs: Sequence[Run], reference: str = "datasketch") -> dict[tuple[str, int, str], float]:
    """Each completed run's docs/s divided by ``reference``'s on the same input."""
    base = {(r.input, r.docs): r.docs_per_second for r in runs if r.system == reference and r.docs_per_second}
    out = {}
    for r in runs:
        rate, ref = r.docs_per_second, base.get((r.input, r.docs))
        if rate and ref:
            out[(r.input, r.docs, r.system)] = rate / ref
    return out


def _number(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def table_rows(runs: Sequence[Run]) -> list[list[str]]:
    """The main table as strings, header first."""
    ratios = speed_ratios(runs)
    rows = [["input", "docs", "system", "seconds", "CPU s", "docs/s", "peak RSS MiB", "candidates", "vs datasketch"]]
    for r in runs:
        seconds = _number(r.seconds, 2) if r.status == "ok" else r.status
        ratio = ratios.get((r.input, r.docs, r.system))
        rows.append([
            r.input, f"{r.docs:,}", r.system, seconds, _number(r.cpu_seconds, 2), _number(r.docs_per_second, 1),
            _number(r.rss_mib, 0),
            "–" if r.candidates is None else f"{r.candidates:,}", "–" if ratio is None else f"{ratio:.3g}x",
        ])
    return rows


def growth_rows(fits: Sequence[Growth]) -> list[list[str]]:
    """The growth table as strings, header first."""
    rows = [["system", "sizes", "exponent", "startup s", "exponent net of startup", "exponent of CPU s"]]
    for g in fits:
        rows.append([g.system, str(g.points), _number(g.exponent, 2), _number(g.startup, 2),
                     _number(g.net_exponent, 2), _number(g.cpu_exponent, 2)])
    return rows


def stage_rows(runs: Sequence[Run], input_name: str = SYNTHETIC) -> list[list[str]]:
    """dedup's stage seconds as strings, header first: one row per run, then each stage's exponent on ``input_name``.

    The exponent row (``seconds ~ docs^k``, as in the growth table) is left out
    without two sizes of ``input_name``; it shows which stage outgrows the corpus.
    """
    done = [r for r in runs if r.system == "dedup" and r.status == "ok" and r.stages]
    names = list(dict.fromkeys(name for r in done for name, _ in r.stages))
    rows = [["input", "docs", *names]]
    for r in done:
        seconds = dict(r.stages)
        rows.append([r.input, f"{r.docs:,}", *(_number(seconds.get(n), 2) for n in names)])
    sized = [(r.docs, dict(r.stages)) for r in done if r.input == input_name]
    if len({docs for docs, _ in sized}) >= 2:
        fits = [fit_exponent([docs for docs, s in sized if n in s], [s[n] for _, s in sized if n in s])
                for n in names]
        rows.append([f"{input_name} exponent", f"{len(sized)} runs", *(_number(k, 2) for k in fits)])
    return rows


def render(rows: Sequence[Sequence[str]], markdown: bool) -> str:
    """Rows (header first) as a Markdown table or as aligned plain text."""
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def machine() -> dict[str, str]:
    """Cores, memory, CPU model and Python version of this machine."""
    info = {"cores": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
            "memory": "?", "cpu": platform.processor() or "?", "python": platform.python_version()}
    try:
        total = re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE)
        model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    except OSError:
        return info
    if total:
        info["memory"] = f"{int(total.group(1)) / 2**20:.1f} GiB"
    if model:
        info["cpu"] = model.group(1).strip()
    return info


def report(runs: Sequence[Run], fits: Sequence[Growth], markdown: bool, command: str,
           when: datetime, notes: Sequence[str] = (), load: tuple[float, float] | None = None) -> str:
    """The whole report: header, run table, dedup's stage table, growth table and notes.

    ``load`` is the 1-minute load average at the start and end of the runs.
    """
    m = machine()
    where = f"{m['cores']} cores, {m['memory']}, {m['cpu']}, Python {m['python']}"
    stamp = when.strftime("%Y-%m-%d %H:%M UTC")
    busy = f"1-minute load average {load[0]:.2f} at start, {load[1]:.2f} at end" if load else ""
    fit_text = render(growth_rows(fits), markdown) if any(g.points >= 2 for g in fits) else ""
    stages = stage_rows(runs)
    stage_text = render(stages, markdown) if len(stages) > 1 else ""
    if not markdown:
        parts = [command, f"{stamp}; {where}" + (f"; {busy}" if busy else ""), "", render(table_rows(runs), False)]
        if stage_text:
            parts += ["", "dedup stage seconds (exponent: seconds ~ docs^k on synthetic sizes):", stage_text]
        if fit_text:
            parts += ["", "time growth on synthetic sizes (seconds ~ docs^k):", fit_text]
        return "\n".join(parts + (["", *notes] if notes else []))
    header = (
        f"Run {stamp} on {where}" + (f"; {busy}" if busy else "") + ". Each run is a fresh process from reading "
        "the JSONL to writing verdicts (interpreter start-up and imports included). `seconds` is wall time, which "
        "stretches when other work shares the cores; `CPU s` is user + system time of the process and the workers it "
        "waited for; peak RSS is the largest process's maximum resident set, or, when larger, the peak of all the "
        "run's processes' summed PSS, sampled every 0.2 s (or, when a sample is slow, 20 times as long as it took). "
        "Candidates are the candidate pairs dedup verifies, or rensa's LSH pairs; `vs datasketch` is docs/s relative "
        "to datasketch on the same input."
    )
    parts = ["## Speed", "", f"`{command}`", "", header, "", render(table_rows(runs), True)]
    if stage_text:
        parts += ["", ("dedup stage seconds, as dedup reports them (wall time of each stage, start-up excluded); "
                       "the exponent row fits seconds ~ docs^k over the synthetic sizes."), "", stage_text]
    if fit_text:
        parts += ["", ("Growth with synthetic corpus size (least squares on log10, seconds ~ docs^k); startup is "
                       "the same system on a 10-document input."), "", fit_text]
    return "\n".join(parts + (["", *[f"- {n}" for n in notes]] if notes else []))


def read_documents(path: Path) -> list[Document]:
    """Documents of a JSONL corpus (``id``, ``text`` and the optional fields), without validation."""
    from dedup.records import Document

    docs = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                r = json.loads(line)
                docs.append(Document(str(r["id"]), r["text"], r.get("title"), r.get("outlet"), r.get("url"),
                                     r.get("published")))
    return docs


def write_verdicts(verdicts: Iterable[Verdict], path: Path) -> None:
    """Verdicts as JSONL (``id``, ``cluster``, ``label``, ``source``, ``score``)."""
    with path.open("w", encoding="utf-8") as out:
        for v in verdicts:
            out.write(json.dumps({"id": v.id, "cluster": v.cluster, "label": str(v.label),
                                  "source": v.source, "score": v.score}) + "\n")


def rensa_system(docs: Sequence[Document]) -> tuple[list[Verdict], int]:
    """The datasketch baseline with rensa's R-MinHash and LSH; also returns the number of LSH pairs."""
    from rensa import RMinHash, RMinHashLSH

    from benchmarks.baselines import (
        LSH_THRESHOLD,
        MINHASH_SEED,
        NUM_PERM,
        shingles,
        syndication_verdicts,
    )

    hashes = []
    for doc in docs:
        h = RMinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
        h.update(shingles(doc.text))
        hashes.append(h)
    lsh = RMinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, num_bands=RENSA_BANDS)
    for i, h in enumerate(hashes):
        lsh.insert(i, h)
    a, b = [], []
    for i, h in enumerate(hashes):
        for j in lsh.query(h):
            if j > i:
                a.append(i)
                b.append(j)
    verdicts = syndication_verdicts(docs, a, b, lambda i, j: float(hashes[i].jaccard(hashes[j])))
    return verdicts, len(a)


def worker_main(argv: Sequence[str] | None = None) -> int:
    """Subprocess entry of a baseline run: ``SYSTEM INPUT OUTPUT``; prints a JSON record on stderr."""
    system, source, target = argv if argv is not None else sys.argv[1:]
    if system == "datasketch":
        from benchmarks.baselines import minhash_system

        docs = read_documents(Path(source))
        verdicts, candidates = minhash_system(docs), None
    elif system == "rensa":
        docs = read_documents(Path(source))
        verdicts, candidates = rensa_system(docs)
    else:
        raise SystemExit(f"unknown baseline {system!r}")
    write_verdicts(verdicts, Path(target))
    print(WORKER_TAG + json.dumps({"documents": len(docs), "candidates": candidates}), file=sys.stderr)
    return 0


def command(system: str, source: Path, target: Path, extra: Sequence[str] = ()) -> list[str]:
    """The subprocess command line that runs ``system`` on ``source`` and writes ``target``.

    ``extra`` are more arguments for ``dedup cluster``.
    """
    if system == "dedup":
        return [sys.executable, "-c", "from dedup.cli import main; main()",
                "cluster", str(source), "--format", "jsonl", "-o", str(target), *extra]
    return [sys.executable, "-c", "from benchmarks.speed import worker_main; raise SystemExit(worker_main())",
            system, str(source), str(target)]


def group_memory_mib(pgid: int) -> float:
    """Summed proportional set size of the processes in group ``pgid``, in MiB (0 without ``/proc``).

    PSS splits pages shared by forked workers among them, so the sum is the
    group's footprint; a process whose PSS cannot be read counts its RSS.
    """
    total_kib = 0
    try:
        names = [n for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return 0.0
    for name in names:
        try:
            stat = Path("/proc", name, "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) != pgid:
                continue
            rss_kib = int(fields[21]) * _PAGE_KIB
        except (OSError, ValueError, IndexError):
            continue
        try:
            pss = _PSS.search(Path("/proc", name, "smaps_rollup").read_text())
        except OSError:
            pss = None
        total_kib += int(pss.group(1)) if pss else rss_kib
    return total_kib / 1024


def measure(cmd: Sequence[str], timeout: float, env: Mapping[str, str] | None = None,
            scratch: Path = OUT) -> Measurement:
    """Run ``cmd`` to completion or ``timeout`` seconds: wall and CPU time, peak memory and output.

    The child runs in its own process group and is reaped with ``os.wait4``:
    its CPU time includes the workers it waited for, and ``ru_maxrss`` is the
    largest single process's peak, never that of an earlier run. The group's
    summed memory is sampled every ``SAMPLE_SECONDS``, or more rarely when a
    sample is slow (``SAMPLE_SPACING``), for multi-process runs.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = scratch / f".speed-{os.getpid()}.out", scratch / f".speed-{os.getpid()}.err"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=dict(env) if env is not None else None,
                                cwd=ROOT, start_new_session=True)
        reaped: list[tuple[int, os.struct_rusage, float]] = []

        def reap() -> None:
            _, status, usage = os.wait4(proc.pid, 0)
            reaped.append((status, usage, time.perf_counter()))

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        deadline = started + timeout
        group_peak = 0.0
        while waiter.is_alive() and time.perf_counter() < deadline:
            sampled = time.perf_counter()
            group_peak = max(group_peak, group_memory_mib(proc.pid))
            spacing = max(SAMPLE_SECONDS, SAMPLE_SPACING * (time.perf_counter() - sampled))
            waiter.join(max(0.0, min(spacing, deadline - time.perf_counter())))
        timed_out = waiter.is_alive()
        if timed_out:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            waiter.join()
    status, usage, ended = reaped[0]
    proc.returncode = os.waitstatus_to_exitcode(status)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in (stdout_path, stderr_path)]
    for p in (stdout_path, stderr_path):
        p.unlink(missing_ok=True)
    rss_kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return Measurement(None if timed_out else proc.returncode, ended - started, usage.ru_utime + usage.ru_stime,
                       rss_kib / 1024, group_peak, *texts)


def engine_revision() -> str:
    """The repository's commit and whether ``dedup/`` differs from it (read-only git; ``unknown`` without git)."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", "--no-optional-locks", *arguments], cwd=ROOT, capture_output=True,
                              text=True, timeout=30, check=True).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "dedup")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"commit {head}" + (" with uncommitted changes in dedup/" if dirty else "") + f", {per_word_loop()}"


def per_word_loop() -> str:
    """Which form of ``normalize``'s per-word loop the timed ``dedup`` runs: compiled, or Python when not built."""
    probe = subprocess.run([sys.executable, "-c", "import dedup.normalize as n; print(n.COMPILED)"],
                           env=child_env(), capture_output=True, text=True, timeout=60)
    compiled = probe.stdout.strip()
    return {"True": "per-word loop compiled", "False": "per-word loop in Python (dedup/_speedups.c not built)"}.get(
        compiled, "per-word loop unknown")


def child_env() -> dict[str, str]:
    """This environment with the repository first on ``PYTHONPATH``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def unavailable(system: str) -> str | None:
    """Why ``system`` cannot run here, or None."""
    module = {"dedup": "dedup.cli", "datasketch": "datasketch", "rensa": "rensa"}[system]
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    return None if found else f"module {module} not installed (pip install {module.split('.')[0]})"


def run_system(system: str, source: Input, timeout: float, out: Path = OUT, extra: Sequence[str] = ()) -> Run:
    """Time ``system`` on ``source`` in a fresh subprocess; ``extra`` are more CLI arguments for dedup."""
    reason = unavailable(system)
    if reason:
        return Run(source.name, source.docs, system, "unavailable", note=reason)
    target = out / f"{source.path.stem}.{system}.verdicts.jsonl"
    result = measure(command(system, source.path, target, extra), timeout, child_env(), out)
    peak = max(result.rss_mib, result.group_mib)
    if result.returncode is None:
        return Run(source.name, source.docs, system, "timeout", result.seconds, result.cpu_seconds, peak,
                   note=f"killed after {timeout:g} s")
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no stderr"])[-1]
        return Run(source.name, source.docs, system, "failed", result.seconds, result.cpu_seconds, peak,
                   note=f"exit {result.returncode}: {last[:200]}")
    if system == "dedup":
        summary = parse_summary(result.stderr)
        candidates = summary[1] if summary else None
        stages = tuple((parse_stages(result.stderr) or {}).items())
    else:
        record = parse_worker(result.stderr) or {}
        candidates, stages = record.get("candidates"), ()
    return Run(source.name, source.docs, system, "ok", result.seconds, result.cpu_seconds, peak,
               candidates, stages=stages)


def count_lines(path: Path) -> int:
    """Non-empty lines of a text file."""
    with path.open(encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip())


def log(message: str) -> None:
    """A progress line on stderr."""
    print(f"[speed] {message}", file=sys.stderr, flush=True)


def synthetic_input(size: int, seed: int, split: str, data: Path, out: Path = OUT) -> Input | None:
    """The synthetic corpus of ``size`` documents, generated once and then reused; None without the data."""
    path = out / f"synthetic-{split}-{size}-seed{seed}.jsonl"
    if path.exists():
        log(f"synthetic {size}: reusing {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return Input(SYNTHETIC, count_lines(path), path)
    directory = data / "reuters21578"
    if not directory.is_dir():
        log(f"missing dataset: {directory} (set DEDUP_DATA or --data); skipping synthetic {size}")
        return None
    from benchmarks.synthetic import generate, split_stories, write_jsonl

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    kinds = write_jsonl(generate(split_stories(split, data), size, seed), partial, None)
    partial.replace(path)
    log(f"synthetic {size}: generated {sum(kinds.values())} docs in {time.perf_counter() - started:.1f} s")
    return Input(SYNTHETIC, sum(kinds.values()), path)


def reuters_input(data: Path, out: Path = OUT) -> Input | None:
    """Every cleaned Reuters-21578 story body as JSONL (rewritten each time: it takes seconds); None without the data."""
    directory = data / "reuters21578"
    if not directory.is_dir():
        log(f"missing dataset: {directory} (set DEDUP_DATA or --data); skipping --reuters")
        return None
    from benchmarks.reuters import load_reuters

    started = time.perf_counter()
    stories = load_reuters(directory)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "reuters21578.jsonl"
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as lines:
        for s in stories:
            record = {"id": f"r{s.newid}", "text": s.body, "title": s.title, "published": s.date or None}
            lines.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.replace(path)
    log(f"reuters: wrote {len(stories)} stories in {time.perf_counter() - started:.1f} s")
    return Input(REUTERS, len(stories), path)


def startup_input(source: Input, docs: int = STARTUP_DOCS, out: Path = OUT) -> Input:
    """The first ``docs`` documents of ``source``: a run on it measures fixed costs."""
    path = out / f"startup-{docs}.jsonl"
    with source.path.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8") as target:
        kept = 0
        for line in lines:
            if kept == docs:
                break
            if line.strip():
                target.write(line)
                kept += 1
    return Input("startup", kept, path)


def plot(runs: Sequence[Run], path: Path) -> None:
    """Log-log PNG of seconds against documents, one line per system; Reuters runs as stars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for index, system in enumerate(dict.fromkeys(r.system for r in runs)):
        color = f"C{index}"
        done = sorted((r for r in runs if r.system == system and r.status == "ok"), key=lambda r: r.docs)
        synthetic = [r for r in done if r.input == SYNTHETIC]
        if synthetic:
            ax.plot([r.docs for r in synthetic], [r.seconds for r in synthetic], "o-", color=color, label=system)
        for r in done:
            if r.input == REUTERS:
                ax.plot([r.docs], [r.seconds], "*", color=color, markersize=12, label=f"{system} (Reuters)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("documents")
    ax.set_ylabel("seconds (end to end)")
    ax.set_title("Time against corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_list(text: str) -> list[str]:
    """Comma-separated items, blanks dropped."""
    return [item.strip() for item in text.split(",") if item.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate or reuse inputs, time every system on each, print the report."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="synthetic corpus sizes")
    parser.add_argument("--reuters", action="store_true", help="also time the Reuters-21578 story bodies")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"any of {', '.join(SYSTEMS)}")
    parser.add_argument("--seed", type=int, default=0, help="synthetic corpus seed")
    parser.add_argument("--split", choices=("train", "test"), default="test", help="synthetic corpus split")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per run")
    parser.add_argument("--dedup-workers", type=int, help="pass -w N to dedup (default: the engine's own choice)")
    parser.add_argument("--data", type=Path, help="data root (default: $DEDUP_DATA or ../shared/data)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown for benchmarks/RESULTS.md")
    parser.add_argument("--plot", type=Path, help="write a log-log PNG of seconds against documents here")
    args = parser.parse_args(argv)
    systems = parse_list(args.systems)
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        parser.error(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    try:
        sizes = sorted({int(s) for s in parse_list(args.sizes)})
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, not {args.sizes!r}")
    if any(s <= 0 for s in sizes):
        parser.error("sizes must be positive")
    data = args.data or data_root()
    started = time.perf_counter()
    when = datetime.now(UTC)
    load_start = os.getloadavg()[0]
    revision = engine_revision()
    extra = () if args.dedup_workers is None else ("-w", str(args.dedup_workers))
    log(f"engine {revision}")

    inputs = [i for i in (synthetic_input(s, args.seed, args.split, data) for s in sizes) if i]
    if args.reuters:
        reuters = reuters_input(data)
        if reuters:
            inputs.append(reuters)
    if not inputs:
        log("no input available; nothing to time")
        return 2
    dedup_command = " ".join(["dedup cluster FILE --format jsonl -o OUT", *extra])
    notes = [f"dedup ran as `{dedup_command}`" + ("" if extra else " (its default number of worker processes)")]
    startup: dict[str, float] = {}
    if len(sizes) >= 2:
        tiny = startup_input(inputs[0])
        for system in systems:
            run = run_system(system, tiny, args.timeout, extra=extra)
            if run.status == "ok" and run.seconds is not None:
                startup[system] = run.seconds
            log(f"startup / {system}: {run.status} {_number(run.seconds, 2)} s")
    runs = []
    for source in inputs:
        for system in systems:
            run = run_system(system, source, args.timeout, extra=extra)
            runs.append(run)
            log(f"{source.name} {source.docs} / {system}: {run.status} {_number(run.seconds, 2)} s "
                f"({_number(run.cpu_seconds, 2)} CPU s), "
                f"{_number(run.rss_mib, 0)} MiB{', ' + run.note if run.note else ''}")
            if run.note:
                notes.append(f"{source.name} {source.docs} / {system}: {run.status}: {run.note}")
    final = engine_revision()
    if final == revision:
        notes.insert(0, f"engine: {revision}")
    else:
        notes.insert(0, f"the engine changed during the runs: {revision} at start, {final} at end")
    if args.plot:
        try:
            plot(runs, args.plot)
            log(f"plot written to {args.plot}")
        except ImportError as exc:
            notes.append(f"no plot: {exc} (pip install matplotlib)")
    shown = " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    text = report(runs, growth(runs, startup), args.markdown, f"python -m benchmarks.speed {shown}".strip(),
                  when, notes, (load_start, os.getloadavg()[0]))
    print(text)
    log(f"total {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
