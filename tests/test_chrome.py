"""Chrome of real pages (issue 17): each pattern of tests/fixtures/chrome/ unlinks unrelated stories of one
outlet while real copies stay linked; the chrome model's fit, update, save, load and refusals; compare with it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dedup.boilerplate import ChromeModel, shape_key
from dedup.cli import main
from dedup.config import Config, NormalizeConfig
from dedup.errors import InputError
from dedup.normalize import clean_text
from dedup.pipeline import cluster_documents, compare_documents
from dedup.readers import read_corpus
from dedup.records import Document, Label

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "chrome"
PATTERNS = ["nyt_newsletter", "cnn_gallery_captions", "cnn_embedded_gallery", "hill_name_cards", "usatoday_promo",
            "all_chrome"]
# The per-outlet rules switched off: what the engine did before them.
NO_OUTLET_RULES = Config(normalize=NormalizeConfig(outlet_boilerplate_min_docs=100))


def pages(pattern: str) -> list[Document]:
    return read_corpus([str(FIXTURES / f"{pattern}.jsonl")])


def outlet_pages(docs: list[Document]) -> list[Document]:
    return [d for d in docs if d.outlet != "Wire Service" and "-empty-" not in d.id]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_unrelated_stories_of_one_outlet_are_no_longer_linked_while_the_copy_is(pattern: str) -> None:
    docs = pages(pattern)
    ids = {d.id for d in outlet_pages(docs)}
    before = cluster_documents(docs, NO_OUTLET_RULES)
    assert any(v.source in ids and v.id in ids for v in before.verdicts), "the fixture must show the pattern"
    verdicts = {v.id: v for v in cluster_documents(docs).verdicts}
    for doc_id in ids - {f"{pattern}-0"}:
        assert verdicts[doc_id].label is Label.ORIGINAL and verdicts[doc_id].cluster == doc_id
    copy, page = verdicts["wire-copy-0"], verdicts[f"{pattern}-0"]
    assert {copy.source, page.source} - {None} <= {"wire-copy-0", f"{pattern}-0"}
    assert copy.cluster == page.cluster and (copy.source or page.source)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_story_text_stays_when_the_chrome_goes(pattern: str) -> None:
    docs = pages(pattern)
    model = ChromeModel().fit(docs)
    stories = [json.loads(line) for line in (FIXTURES / "stories.jsonl").read_text(encoding="utf-8").splitlines()]
    for k, doc in enumerate(outlet_pages(docs)):
        text = model.transform(doc).text
        # (The sentence naming a page's newsletter is its own, and stays; it links nothing.)
        # Of a card cut from a sentence, a few words at either end may stay (spans are sampled), never its headlines.
        for chrome in ("Hide Caption", "not a robot", "You agree to receive", "balk at lengthy", "Sessions in Senate",
                       "We want to hear from you",
                       "Politicians in hot water", "Talking it out", "Advertisement"):
            assert chrome not in text
        kept = sum(clean_text(p) in text for p in stories[k]["paragraphs"])
        # The Hill's cards stand inside two paragraphs; those lose the card and a few words about it.
        assert kept >= (3 if pattern == "hill_name_cards" else 5)


def test_sentences_differing_in_numbers_share_a_shape() -> None:
    assert shape_key("Hide Caption 3 of 30") == shape_key("Hide Caption 1 of 8") == "hide caption # of #"


def test_all_chrome_pages_are_left_out_with_a_warning(tmp_path: Path) -> None:
    result = cluster_documents(pages("all_chrome"))
    assert result.chrome_only == ("all_chrome-empty-0", "all_chrome-empty-1")
    assert set(result.chrome_only) <= set(result.skipped) and result.stats["all_chrome"] == 2
    assert not {v.id for v in result.verdicts} & set(result.chrome_only)
    run = CliRunner().invoke(main, ["cluster", str(FIXTURES / "all_chrome.jsonl"), "-w", "1"])
    assert run.exit_code == 0
    assert "dedup: warning: all_chrome-empty-0: all page chrome, left out of clustering" in run.stderr
    assert ", 2 all chrome" in run.stderr


# --- the model: fit, update, save, load, refuse --------------------------------------


def test_an_update_learns_chrome_that_arrives_later() -> None:
    docs = pages("hill_name_cards")
    model = ChromeModel().fit(docs[:2])
    assert model.transform(docs[0]) == docs[0]
    model.update(docs[2:4])
    assert "balk at lengthy" not in model.transform(docs[0]).text
    assert model.documents == 4
    # Update in one batch or two: the chrome of these pages is the same.
    whole = ChromeModel().fit(docs[:4])
    assert [whole.transform(d).text for d in docs] == [model.transform(d).text for d in docs]


def test_partial_fit_is_update_and_fit_starts_again() -> None:
    docs = pages("nyt_newsletter")
    model = ChromeModel().partial_fit(docs)
    assert model.documents == len(docs)
    model.fit(docs[:1])
    assert model.documents == 1 and model.transform(docs[0]) == docs[0]


def test_a_saved_model_loads_equal(tmp_path: Path) -> None:
    docs = pages("cnn_embedded_gallery")
    model = ChromeModel(NormalizeConfig(span_words=6)).fit(docs)
    path = tmp_path / "chrome.npz"
    model.save(path)
    loaded = ChromeModel.load(path)
    assert loaded.config.span_words == 6 and loaded.documents == model.documents
    assert [loaded.transform(d) for d in docs] == [model.transform(d) for d in docs]
    # It goes on learning where it stopped.
    more = pages("cnn_gallery_captions")
    assert [loaded.update(more).transform(d) for d in more] == [model.update(more).transform(d) for d in more]


def _rewritten(path: Path, out: Path, change: dict) -> None:
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays.update(change)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(out, **arrays)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"header": np.array(json.dumps({"format": "something-else"}))}, "not a dedup chrome model"),
        ({"header": np.array(json.dumps({"format": "dedup-chrome", "version": 99}))}, "version 99"),
        ({"header": None}, "not a dedup chrome model"),
        ({"lines.keys": np.array([3, 2, 1], dtype=np.uint64)}, "malformed|not sorted"),
        ({"spans.docs": np.zeros(2, dtype=np.float64)}, "malformed docs"),
    ],
)
def test_a_malformed_or_foreign_model_is_refused(tmp_path: Path, change: dict, message: str) -> None:
    good = tmp_path / "good.npz"
    ChromeModel().fit(pages("usatoday_promo")).save(good)
    bad = tmp_path / "bad.npz"
    _rewritten(good, bad, change)
    with pytest.raises(InputError, match=message):
        ChromeModel.load(bad)


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04garbage"])
def test_a_file_that_is_no_npz_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "chrome.npz"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not a dedup chrome model"):
        ChromeModel.load(path)


def test_a_pickled_array_is_never_loaded(tmp_path: Path) -> None:
    path = tmp_path / "chrome.npz"
    with zipfile.ZipFile(path, "w") as archive, archive.open("header.npy", "w") as member:
        np.lib.format.write_array(member, np.array([{"format": "dedup-chrome"}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="not a dedup chrome model"):
        ChromeModel.load(path)


def test_the_cli_refuses_a_bad_model_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "chrome.npz"
    bad.write_text("{}")
    for args in (["cluster", str(FIXTURES / "usatoday_promo.jsonl"), "--chrome", str(bad)],
                 ["compare", "--chrome", str(bad), str(FIXTURES / "usatoday_promo.jsonl")] * 1):
        run = CliRunner().invoke(main, args)
        assert run.exit_code == 2
        assert run.stderr.startswith(f"dedup: error: {bad}: not a dedup chrome model")
        assert len(run.stderr.strip().splitlines()) == 1


# --- compare with a model ---------------------------------------------------------------


def test_compare_drops_the_outlets_chrome_with_a_saved_model(tmp_path: Path) -> None:
    docs = pages("cnn_embedded_gallery")
    a, b = docs[1], docs[2]
    assert compare_documents(a, b).linked
    model = tmp_path / "chrome.npz"
    run = CliRunner().invoke(main, ["cluster", str(FIXTURES / "cnn_embedded_gallery.jsonl"), "-w", "1",
                                    "--save-chrome", str(model)])
    assert run.exit_code == 0
    assert not compare_documents(a, b, chrome=ChromeModel.load(model)).linked
    for k, doc in enumerate((a, b)):
        (tmp_path / f"{k}.jsonl").write_text(json.dumps({"id": doc.id, "text": doc.text, "outlet": doc.outlet}))
    files = [str(tmp_path / "0.jsonl"), str(tmp_path / "1.jsonl")]
    plain = json.loads(CliRunner().invoke(main, ["compare", *files]).stdout)
    with_model = json.loads(CliRunner().invoke(main, ["compare", "--chrome", str(model), *files]).stdout)
    assert plain["scores"]["linked"] and plain["alignments"]
    assert not with_model["scores"]["linked"] and not with_model["alignments"]
    assert with_model["verdict"]["label"] == "independent"


def test_cluster_starts_from_a_saved_model(tmp_path: Path) -> None:
    docs = pages("hill_name_cards")
    model = tmp_path / "chrome.npz"
    ChromeModel().fit(docs).save(model)
    # Two pages alone teach nothing; with the model they drop The Hill's cards.
    two = tmp_path / "two.jsonl"
    two.write_text("\n".join(json.dumps({"id": d.id, "text": d.text, "outlet": d.outlet}) for d in docs[1:3]))
    assert cluster_documents(read_corpus([str(two)])).stats["links"] == 1
    assert cluster_documents(read_corpus([str(two)])).chrome is None
    result = cluster_documents(read_corpus([str(two)]), chrome=ChromeModel.load(model), keep_chrome=True)
    assert result.stats["links"] == 0
    assert result.chrome is not None and result.chrome.documents == len(docs) + 2
