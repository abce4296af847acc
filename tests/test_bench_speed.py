"""The pure parts of the speed benchmark: fitting, parsing, formatting, and the baselines on tiny corpora."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.speed import (
    Run,
    fit_exponent,
    growth,
    measure,
    parse_stages,
    parse_summary,
    parse_worker,
    render,
    report,
    speed_ratios,
    stage_rows,
    table_rows,
    worker_main,
)

STORY = (
    "Norland Grain Co said it expects wheat exports from the prairie ports to rise about 12 pct this season "
    "to 4.8 mln tonnes, helped by strong demand from buyers in North Africa. The company said shipments through "
    "Port Halden reached 1.9 mln tonnes in the first half of the crop year, compared with 1.6 mln a year earlier."
)
OTHER = (
    "The Bundesbank offered banks a new securities repurchase pact at an unchanged rate of 3.80 pct, money market "
    "dealers said. The pact, for 28 days, will add liquidity as an earlier agreement worth 12.4 billion marks "
    "expires on Wednesday, and dealers saw no change in credit policy despite the strength of the mark."
)
THIRD = (
    "Shares of Halden Steel fell sharply in early trading after the company warned that a strike at its main "
    "rolling mill would cut second quarter output by a fifth and delay deliveries to carmakers across Europe."
)

RUNS = [
    Run("synthetic", 2000, "dedup", "ok", seconds=10.0, cpu_seconds=9.5, rss_mib=300.0, candidates=5000),
    Run("synthetic", 2000, "datasketch", "ok", seconds=2.0, cpu_seconds=1.9, rss_mib=140.0),
    Run("synthetic", 2000, "rensa", "unavailable", note="module rensa not installed"),
    Run("synthetic", 10000, "dedup", "timeout", seconds=60.0, cpu_seconds=59.0, rss_mib=900.0,
        note="killed after 60 s"),
    Run("synthetic", 10000, "datasketch", "ok", seconds=5.0, cpu_seconds=4.75, rss_mib=160.0),
    Run("reuters", 15000, "dedup", "ok", seconds=75.0, cpu_seconds=70.0, rss_mib=700.0, candidates=12345),
    Run("reuters", 15000, "datasketch", "ok", seconds=7.5, cpu_seconds=7.0, rss_mib=170.0),
]


def test_fit_exponent_recovers_a_power_law() -> None:
    sizes = [1000, 10000, 100000]
    assert fit_exponent(sizes, [3e-4 * n**1.3 for n in sizes]) == pytest.approx(1.3)
    assert fit_exponent([2000, 10000], [4.0, 20.0]) == pytest.approx(1.0)


def test_fit_exponent_needs_two_sizes_and_positive_times() -> None:
    assert fit_exponent([1000], [2.0]) is None
    assert fit_exponent([1000, 1000], [2.0, 3.0]) is None
    assert fit_exponent([1000, 2000], [0.0, 3.0]) is None


def test_growth_fits_synthetic_runs_and_nets_out_startup() -> None:
    runs = [Run("synthetic", n, "x", "ok", seconds=1.0 + 1e-3 * n, cpu_seconds=2e-6 * n**2)
            for n in (1000, 10000, 100000)]
    runs.append(Run("reuters", 15000, "x", "ok", seconds=1000.0, cpu_seconds=1000.0))
    (fit,) = growth(runs, {"x": 1.0})
    assert fit.points == 3
    assert fit.net_exponent == pytest.approx(1.0)
    assert fit.cpu_exponent == pytest.approx(2.0)
    assert 0 < (fit.exponent or 0) < 1


def test_growth_skips_failed_runs() -> None:
    fits = {g.system: g for g in growth(RUNS, {})}
    assert fits["dedup"].points == 1 and fits["dedup"].exponent is None
    assert fits["datasketch"].points == 2 and fits["datasketch"].exponent is not None
    assert fits["rensa"].points == 0


def test_parse_summary_reads_the_cli_line_among_warnings() -> None:
    stderr = (
        "dedup: warning: x1: empty text, left out of clustering\n"
        "dedup: 2000 documents, 5321 candidate pairs, 900 links, 400 clusters\n"
    )
    assert parse_summary(stderr) == (2000, 5321)
    assert parse_summary("dedup: error: f.jsonl:3: malformed JSON\n") is None


def test_parse_stages_reads_the_stage_seconds_of_the_cli_line() -> None:
    stderr = (
        "dedup: warning: x1: empty text, left out of clustering\n"
        "dedup: 2000 documents, 5321 candidate pairs, 900 links, 400 clusters; "
        "12.30 s: prepare 8.10, candidates 1.20, verify 2.50, label 0.50\n"
    )
    assert parse_summary(stderr) == (2000, 5321)
    stages = parse_stages(stderr)
    assert stages == {"prepare": 8.1, "candidates": 1.2, "verify": 2.5, "label": 0.5}
    assert list(stages or {}) == ["prepare", "candidates", "verify", "label"]
    assert parse_stages("dedup: 2000 documents, 5321 candidate pairs, 900 links, 400 clusters\n") is None
    assert parse_stages("dedup: error: f.jsonl:3: malformed JSON\n") is None


def test_stage_rows_fit_each_stage_over_synthetic_sizes() -> None:
    runs = [
        Run("synthetic", n, "dedup", "ok", seconds=1.0, stages=(("prepare", 1e-3 * n), ("verify", 1e-7 * n**2)))
        for n in (1000, 10000)
    ]
    runs += [Run("reuters", 15000, "dedup", "ok", seconds=1.0, stages=(("prepare", 99.0), ("verify", 1.0))),
             Run("synthetic", 10000, "datasketch", "ok", seconds=1.0)]
    rows = stage_rows(runs)
    assert rows == [
        ["input", "docs", "prepare", "verify"],
        ["synthetic", "1,000", "1.00", "0.10"],
        ["synthetic", "10,000", "10.00", "10.00"],
        ["reuters", "15,000", "99.00", "1.00"],
        ["synthetic exponent", "2 runs", "1.00", "2.00"],
    ]
    assert stage_rows(runs[:1])[-1] == ["synthetic", "1,000", "1.00", "0.10"]
    assert stage_rows(RUNS) == [["input", "docs"]]


def test_reports_show_the_stage_table_with_exponents() -> None:
    runs = [*RUNS, Run("synthetic", 20000, "dedup", "ok", seconds=30.0, cpu_seconds=29.0, rss_mib=500.0,
                       candidates=9000, stages=(("prepare", 20.0), ("verify", 8.0)))]
    runs[0] = Run("synthetic", 2000, "dedup", "ok", seconds=10.0, cpu_seconds=9.5, rss_mib=300.0,
                  candidates=5000, stages=(("prepare", 2.0), ("verify", 0.08)))
    when = datetime(2024, 8, 1, tzinfo=UTC)
    markdown = report(runs, growth(runs, {}), True, "python -m benchmarks.speed", when)
    assert "| input | docs | prepare | verify |" in markdown
    assert "| synthetic | 2,000 | 2.00 | 0.08 |" in markdown
    assert "| synthetic exponent | 2 runs | 1.00 | 2.00 |" in markdown
    assert markdown.index("| prepare | verify |") < markdown.index("| datasketch | 2 |")
    lines = report(runs, growth(runs, {}), False, "python -m benchmarks.speed", when).splitlines()
    start = lines.index("dedup stage seconds (exponent: seconds ~ docs^k on synthetic sizes):")
    assert lines[start + 1].split() == ["input", "docs", "prepare", "verify"]
    assert lines[start + 4].split() == ["synthetic", "exponent", "2", "runs", "1.00", "2.00"]
    assert "dedup stage seconds" not in report(RUNS, growth(RUNS, {}), False, "x", when)


def test_parse_worker_reads_the_last_record() -> None:
    stderr = 'noise\nspeed-worker: {"documents": 5, "candidates": 2}\n'
    assert parse_worker(stderr) == {"documents": 5, "candidates": 2}
    assert parse_worker("nothing here") is None


def test_ratios_are_relative_to_datasketch_on_the_same_input() -> None:
    ratios = speed_ratios(RUNS)
    assert ratios[("synthetic", 2000, "dedup")] == pytest.approx(0.2)
    assert ratios[("synthetic", 2000, "datasketch")] == pytest.approx(1.0)
    assert ratios[("reuters", 15000, "dedup")] == pytest.approx(0.1)
    assert ("synthetic", 10000, "dedup") not in ratios


def test_table_rows_show_status_instead_of_seconds() -> None:
    rows = table_rows(RUNS)
    assert rows[0][:3] == ["input", "docs", "system"]
    by_key = {(r[0], r[1], r[2]): r for r in rows[1:]}
    assert by_key[("synthetic", "2,000", "dedup")][3:] == ["10.00", "9.50", "200.0", "300", "5,000", "0.2x"]
    assert by_key[("synthetic", "10,000", "dedup")][3:5] == ["timeout", "59.00"]
    assert by_key[("synthetic", "2,000", "rensa")][3:] == ["unavailable", "–", "–", "–", "–", "–"]


def test_render_markdown_and_plain() -> None:
    rows = [["a", "bb"], ["ccc", "d"]]
    assert render(rows, True) == "| a | bb |\n|---|---|\n| ccc | d |"
    assert render(rows, False).splitlines() == ["a    bb", "ccc  d"]


def test_markdown_report_has_command_date_machine_and_growth() -> None:
    when = datetime(2024, 8, 1, 12, 30, tzinfo=UTC)
    text = report(RUNS, growth(RUNS, {"datasketch": 1.0}), True, "python -m benchmarks.speed --sizes 2000,10000",
                  when, ["synthetic 10000 / dedup: timeout: killed after 60 s"], (1.5, 2.25))
    assert text.startswith("## Speed")
    assert "`python -m benchmarks.speed --sizes 2000,10000`" in text
    assert "2024-08-01 12:30 UTC" in text and "Python " in text and "cores" in text
    assert "load average 1.50 at start, 2.25 at end" in text
    assert "| synthetic | 2,000 | dedup | 10.00 | 9.50 | 200.0 | 300 | 5,000 | 0.2x |" in text
    assert "| datasketch | 2 |" in text
    assert "- synthetic 10000 / dedup: timeout" in text


def _tiny_corpus(path: Path) -> None:
    records = [
        {"id": "wire", "text": STORY, "published": "1987-03-02T09:15:22"},
        {"id": "copy", "text": "Follow us\n\n" + STORY + "\n\nAdvertisement", "published": "1987-03-03T10:00:00"},
        {"id": "other", "text": OTHER, "published": "1987-03-01T08:00:00"},
        {"id": "third", "text": THIRD},
        {"id": "short", "text": "Markets closed."},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


@pytest.mark.parametrize("system", ["datasketch", "rensa"])
def test_baseline_worker_on_five_tiny_docs(system: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if system == "rensa":
        pytest.importorskip("rensa")
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _tiny_corpus(source)
    assert worker_main([system, str(source), str(target)]) == 0
    verdicts = {v["id"]: v for v in map(json.loads, target.read_text().splitlines())}
    assert list(verdicts) == ["wire", "copy", "other", "third", "short"]
    assert verdicts["wire"]["label"] == "original" and verdicts["wire"]["source"] is None
    assert verdicts["copy"] == {**verdicts["copy"], "label": "syndicated", "source": "wire", "cluster": "wire"}
    assert all(verdicts[i]["label"] == "original" for i in ("other", "third", "short"))
    record = parse_worker(capsys.readouterr().err)
    assert record is not None and record["documents"] == 5
    if system == "rensa":
        assert record["candidates"] == 1


def test_measure_reports_a_timeout(tmp_path: Path) -> None:
    result = measure([sys.executable, "-c", "import time; time.sleep(30)"], 0.5, scratch=tmp_path)
    assert result.returncode is None
    assert result.seconds < 10


def test_measure_reports_exit_code_and_output(tmp_path: Path) -> None:
    code = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"
    result = measure([sys.executable, "-c", code], 30, scratch=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert result.rss_mib > 0 and result.cpu_seconds >= 0 and result.group_mib >= 0


def test_plain_report_lists_runs_and_notes() -> None:
    text = report(RUNS, growth(RUNS, {}), False, "python -m benchmarks.speed", datetime(2024, 8, 1, tzinfo=UTC),
                  ["rensa: unavailable"])
    lines = text.splitlines()
    assert lines[0] == "python -m benchmarks.speed"
    assert any(line.startswith("input") and "CPU s" in line for line in lines)
    assert "time growth on synthetic sizes (seconds ~ docs^k):" in lines
    assert lines[-1] == "rensa: unavailable"


def test_measure_samples_the_memory_of_worker_processes(tmp_path: Path) -> None:
    code = (
        "import multiprocessing as mp, time\n"
        "def hold(_):\n"
        "    block = bytearray(60 * 2**20); time.sleep(1.0); return len(block)\n"
        "if __name__ == '__main__':\n"
        "    with mp.get_context('fork').Pool(2) as pool: pool.map(hold, range(2))\n"
    )
    result = measure([sys.executable, "-c", code], 60, scratch=tmp_path)
    assert result.returncode == 0
    assert result.rss_mib >= 60
    assert result.group_mib >= 100
