"""The Spark engine gives the local engine's verdicts (needs the spark extra and Java; a local[2] session).

All marked slow: a Spark session takes some 15 s to start on a loaded machine and a run on the seeds 30 s more.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java, and none is on PATH", allow_module_level=True)

from benchmarks import synthetic  # noqa: E402
from dedup.boilerplate import ChromeModel  # noqa: E402
from dedup.cli import main  # noqa: E402
from dedup.engines.spark import cluster_spark, session  # noqa: E402
from dedup.pipeline import cluster_documents  # noqa: E402
from dedup.readers import read_corpus  # noqa: E402
from dedup.report import verdict_record  # noqa: E402

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CHROME = Path(__file__).resolve().parent / "fixtures" / "chrome"
REUTERS = Path(__file__).resolve().parent / "fixtures" / "bench" / "reut2-000.sgm"


@pytest.fixture(scope="module")
def spark():
    """One short local session for the module: two cores, loopback only, no UI, few shuffle partitions."""
    spark = session("local[2]", app="dedup-tests", **{"spark.sql.shuffle.partitions": "2"})
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()


def _local_jsonl(paths: list[str]) -> list[dict]:
    return [verdict_record(v) for v in cluster_documents(read_corpus(paths), evidence=False).verdicts]


@pytest.mark.slow
def test_cli_on_seeds_writes_the_local_verdicts_to_one_file(spark, tmp_path: Path) -> None:
    out = tmp_path / "verdicts.jsonl"
    result = CliRunner().invoke(main, ["cluster", "--engine", "spark", "--coalesce", "-q", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert got == _local_jsonl([str(SEEDS)])
    assert not [p for p in tmp_path.iterdir() if p.name != "verdicts.jsonl"]


@pytest.mark.slow
def test_seeds_as_parts_and_parquet(spark, tmp_path: Path) -> None:
    expected = _local_jsonl([str(SEEDS)])
    runner = CliRunner()
    assert runner.invoke(main, ["cluster", "--engine", "spark", "-q", str(SEEDS), "-o", str(tmp_path / "v")]).exit_code == 0
    lines = [json.loads(x) for p in sorted((tmp_path / "v").glob("part-*")) for x in p.read_text().splitlines()]
    assert lines == expected
    corpus = tmp_path / "seeds.jsonl"
    corpus.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in read_corpus([str(SEEDS)])))
    out = tmp_path / "v.parquet"
    assert runner.invoke(main, ["cluster", "--engine", "spark", "-q", str(corpus), "-o", str(out)]).exit_code == 0
    rows = [r.asDict() for r in spark.read.parquet(str(out)).collect()]
    assert [(r["id"], r["cluster"], r["label"], r["source"]) for r in rows] == [
        (r["id"], r["cluster"], r["label"], r["source"]) for r in expected]


@pytest.mark.slow
def test_synthetic_corpus_of_5000_gets_the_local_verdicts(spark, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "reuters21578").mkdir(parents=True)
    shutil.copy(REUTERS, data / "reuters21578" / REUTERS.name)
    corpus = tmp_path / "synthetic.jsonl"
    synthetic.write_jsonl(synthetic.generate(synthetic.split_stories("test", data), 5000, seed=3), corpus, None)
    local = cluster_documents(read_corpus([str(corpus)]), evidence=False)
    result = cluster_spark(spark, [str(corpus)])
    got = [v for _, v in result.verdicts.collect()]
    assert [(v.id, v.cluster, v.label, v.source) for v in got] == [
        (v.id, v.cluster, v.label, v.source) for v in local.verdicts]
    assert got == list(local.verdicts)
    assert sum(v.label.value != "original" for v in got) > 1000
    assert result.skipped == local.skipped
    assert {k: result.stats[k] for k in ("candidates", "links", "clusters")} == {
        k: local.stats[k] for k in ("candidates", "links", "clusters")}


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


@pytest.mark.slow
def test_chrome_pages_get_the_local_verdicts_warnings_and_model(spark, tmp_path: Path) -> None:
    pages = [str(CHROME / "all_chrome.jsonl")]
    local = cluster_documents(read_corpus(pages), evidence=False, keep_chrome=True)
    assert local.chrome_only
    local.chrome.save(tmp_path / "local.npz")
    out, model = tmp_path / "v.jsonl", tmp_path / "spark.npz"
    run = CliRunner().invoke(main, ["cluster", "--engine", "spark", "--coalesce", *pages, "-o", str(out),
                                    "--save-chrome", str(model)])
    assert run.exit_code == 0, run.output
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == [
        verdict_record(v) for v in local.verdicts]
    for doc_id in local.chrome_only:
        assert f"dedup: warning: {doc_id}: all page chrome, left out of clustering" in run.stderr
    spark_arrays, local_arrays = _arrays(model), _arrays(tmp_path / "local.npz")
    assert spark_arrays.keys() == local_arrays.keys()
    assert all(np.array_equal(spark_arrays[k], local_arrays[k]) for k in local_arrays)
    # Started from that model, over three partitions: the local run started from it.
    saved = ChromeModel.load(model)
    one = [str(CHROME / "cnn_gallery_captions.jsonl")]
    again = cluster_spark(spark, one, partitions=3, chrome=saved, keep_chrome=True)
    local_again = cluster_documents(read_corpus(one), evidence=False, chrome=saved, keep_chrome=True)
    assert [v for _, v in again.verdicts.collect()] == list(local_again.verdicts)
    assert (again.skipped, again.chrome_only) == (local_again.skipped, local_again.chrome_only)
    assert again.chrome.documents == local_again.chrome.documents == saved.documents + 5
