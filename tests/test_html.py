"""Tests for dedup.html and HTML input: article text without chrome, metadata from meta tags, charsets.

The fixtures in tests/fixtures/html/ are hand-written: one made-up wire story
(a landslide in "Elsmark") printed by two outlets under different page chrome,
and an unrelated local story.
"""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.errors import InputError
from dedup.readers import read_corpus

try:
    from dedup.html import declared_charset, decode, extract, iso_date
except ImportError:
    pytest.skip("needs the 'html' extra", allow_module_level=True)

HTML = Path(__file__).parent / "fixtures" / "html"
COURIER = HTML / "courier-landslide.html"
VALLEY = HTML / "valley-post-landslide.htm"
LIBRARY = HTML / "gazette-library.html"

STORY = [
    "TORVIK, Elsmark (Northline Press) - A landslide triggered by three days of heavy rain buried",
    "No one was injured when roughly 60,000 cubic metres of mud and rock slid onto the tracks",
    "A night freight train carrying timber stopped less than a kilometre from the slide",
    '"We will not send a single crew under that hillside until the geologists tell us it has stopped,"',
    "The largest mill, at Hallstad, said it had enough storage space",
    "Forecasters expect drier weather from Thursday, but warned that saturated ground",
]
COURIER_CHROME = [
    "Business", "Opinion", "Breaking: harbour council", "Share on Facebook", "Rescue crews inspect",
    "Most read", "Courier rowing club wins coastal regatta", "Lighthouse museum opens",
    "Sign up for the Morning Courier", "Privacy policy", "All rights reserved", "Topics:", "Advertisement",
]
VALLEY_CHROME = [
    "Wednesday weather", "Log in", "Obituaries", "Classifieds", "WhatsApp", "Copy link", "Related stories",
    "Hallstad mill adds night shift", "Buses to Brekka and Hallstad will run every hour",
    "Wettest May on record", "Comments (2)", "The buses were already full this morning",
    "third time in ten years", "Advertise with us", "12 Mill Street",
]


def page(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- extraction of the fixtures ----------------------------------------------------


@pytest.mark.parametrize(("path", "chrome"), [(COURIER, COURIER_CHROME), (VALLEY, VALLEY_CHROME)])
def test_extract_keeps_the_story_and_drops_the_chrome(path: Path, chrome: list[str]) -> None:
    doc = extract(page(path), str(path))
    for sentence in STORY:
        assert sentence in doc.text
    for furniture in chrome:
        assert furniture not in doc.text, furniture


def test_extract_reads_metadata_from_og_tags() -> None:
    doc = extract(page(COURIER), str(COURIER))
    assert doc.id == "courier-landslide"
    assert doc.origin == str(COURIER)
    assert doc.title == "Landslide cuts only rail link to Elsmark's northern valleys"
    assert doc.outlet == "The Coastal Courier"
    assert doc.published == "2025-06-03T07:15:00+00:00"
    assert doc.url == "https://coastal-courier.example/news/2025/06/03/landslide-rail-link"


def test_extract_reads_date_from_json_ld_and_keeps_its_offset() -> None:
    doc = extract(page(VALLEY), str(VALLEY))
    assert doc.id == "valley-post-landslide"
    assert doc.title == "Rail link to northern valleys cut by landslide"
    assert doc.outlet == "Valley Daily Post"
    assert doc.published == "2025-06-03T10:40:00+02:00"
    assert doc.url is None


def test_extract_reads_outlet_and_date_from_a_json_ld_graph() -> None:
    doc = extract(page(LIBRARY), str(LIBRARY))
    assert doc.title == "Harwen library reopens after two-year renovation"
    assert doc.outlet == "Harwen Gazette"
    assert doc.published == "2025-05-28T09:00:00+01:00"
    assert "Head librarian Ilse Moravec said" in doc.text
    assert "Brass band in the park" not in doc.text


# --- metadata variants ----------------------------------------------------------------


BODY = "<body><article><p>" + "The council met on Monday to discuss the harbour budget for next year. " * 3 + "</p></article></body>"


def head_page(head: str) -> str:
    return f"<!DOCTYPE html><html><head>{head}</head>{BODY}</html>"


@pytest.mark.parametrize(
    ("head", "published"),
    [
        ('<meta property="article:published_time" content="2025-01-02">', "2025-01-02"),
        ('<meta name="date" content="2025-01-02T03:04:05">', "2025-01-02T03:04:05"),
        ('<meta name="pubdate" content="Thu, 02 Jan 2025 03:04:05 GMT">', "2025-01-02T03:04:05+00:00"),
        ('<meta itemprop="datePublished" content="2025-01-02T03:04:05Z">', "2025-01-02T03:04:05+00:00"),
        ('<script type="application/ld+json">[{"@type": "NewsArticle", "datePublished": "2025-01-02"}]</script>',
         "2025-01-02"),
        ('<meta property="article:published_time" content="yesterday"><meta name="date" content="2025-01-03">',
         "2025-01-03"),
        ('<meta property="article:published_time" content="last Tuesday">', None),
        ('<script type="application/ld+json">{"datePublished": </script>', None),
        ("", None),
    ],
)
def test_published_comes_only_from_declared_dates(head: str, published: str | None) -> None:
    assert extract(head_page(head), "p.html").published == published


def test_time_element_with_microdata_gives_the_date() -> None:
    html = head_page("").replace(
        "<article>", '<article><time itemprop="datePublished" datetime="2025-02-03T10:00:00+01:00">3 Feb</time>'
    )
    assert extract(html, "p.html").published == "2025-02-03T10:00:00+01:00"


def test_title_falls_back_to_title_element_and_outlet_to_none() -> None:
    doc = extract(head_page("<title>Harbour budget debated</title>"), "dir/budget.page.html")
    assert doc.id == "budget.page"
    assert doc.title == "Harbour budget debated"
    assert doc.outlet is None
    assert doc.url is None


def test_json_ld_publisher_as_list_and_canonical_link() -> None:
    head = (
        '<link rel="canonical" href="https://x.example/a">'
        '<script type="application/ld+json">{"headline": "From JSON-LD", '
        '"publisher": [{"@type": "Organization", "name": "Harbour Times"}]}</script>'
    )
    doc = extract(head_page(head), "a.html")
    assert (doc.title, doc.outlet, doc.url) == ("From JSON-LD", "Harbour Times", "https://x.example/a")


def test_iso_date() -> None:
    assert iso_date(" 2025-06-03 ") == "2025-06-03"
    assert iso_date("2025-06-03T07:15:00Z") == "2025-06-03T07:15:00+00:00"
    assert iso_date("Tue, 03 Jun 2025 07:15:00 +0200") == "2025-06-03T07:15:00+02:00"
    assert iso_date("June 3, 2025") is None
    assert iso_date("") is None


# --- pages without text -------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n ",
        "<html><head><title>Nothing here</title></head><body></body></html>",
        "<html><body><script>var a = 1;</script><style>p {}</style></body></html>",
        "\x00\x01",
    ],
)
def test_page_without_text_gives_empty_text(html: str) -> None:
    doc = extract(html, "empty.html")
    assert doc.id == "empty"
    assert doc.text == ""


def test_empty_page_is_read_and_then_left_out_of_clustering(tmp_path: Path) -> None:
    shutil.copy(COURIER, tmp_path)
    shutil.copy(VALLEY, tmp_path)
    (tmp_path / "blank.html").write_text("<html><body></body></html>", encoding="utf-8")
    result = CliRunner().invoke(main, ["cluster", str(tmp_path), "--format", "jsonl", "-q"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "dedup: warning: blank: empty text, left out of clustering\n"
    assert len(result.stdout.splitlines()) == 2


# --- charsets -----------------------------------------------------------------------------


def test_declared_meta_charset_is_honoured() -> None:
    html = '<html><head><meta charset="windows-1250"></head><body><p>Žluťoučký kůň</p></body></html>'
    assert decode(html.encode("cp1250"), "cz.html") == html


def test_http_equiv_latin1_is_read_as_windows_1252() -> None:
    html = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>Café: 5 €</p>'
    assert declared_charset(html.encode("cp1252")) == "ISO-8859-1"
    assert decode(html.encode("cp1252"), "fr.html") == html


def test_xml_declaration_charset() -> None:
    html = '<?xml version="1.0" encoding="iso-8859-15"?><html><body><p>Prix: 5 €</p></body></html>'
    assert decode(html.encode("iso-8859-15"), "x.html") == html


@pytest.mark.parametrize(("bom", "codec"), [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                            (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_byte_order_mark_wins(bom: bytes, codec: str) -> None:
    html = '<meta charset="windows-1252"><p>Ørsted – naïve</p>'
    assert decode(bom + html.encode(codec), "b.html") == html


def test_undeclared_non_utf8_is_an_error_naming_the_line() -> None:
    with pytest.raises(InputError) as info:
        decode(b"<html>\n<body>\n<p>caf\xe9</p>", "l.html")
    assert info.value.where == "l.html:3"
    assert "not UTF-8 and declares no charset" in info.value.message
    assert "0xe9 on line 3" in info.value.message


def test_bytes_invalid_in_the_declared_charset_are_an_error() -> None:
    with pytest.raises(InputError) as info:
        decode(b'<meta charset="utf-8">\n<p>\xff</p>', "u.html")
    assert info.value.where == "u.html:2"
    assert "not valid utf-8 as it declares" in info.value.message


def test_unknown_declared_charset_falls_back_to_utf8() -> None:
    assert decode('<meta charset="klingon"><p>é</p>'.encode(), "k.html") == '<meta charset="klingon"><p>é</p>'
    with pytest.raises(InputError, match="unknown charset 'klingon'"):
        decode(b'<meta charset="klingon"><p>\xe9</p>', "k.html")


def test_binary_html_is_an_error() -> None:
    with pytest.raises(InputError) as info:
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "img.html")
    assert info.value.where == "img.html"
    assert "binary file, not text" in info.value.message


# --- reading and clustering HTML ---------------------------------------------------------


def test_read_corpus_html_directory_sorted_by_name() -> None:
    docs = read_corpus([str(HTML)])
    assert [d.id for d in docs] == ["courier-landslide", "gazette-library", "valley-post-landslide"]
    assert [d.origin for d in docs] == [str(COURIER), str(LIBRARY), str(VALLEY)]
    assert all(d.text for d in docs)


def test_directory_mixing_txt_and_html(tmp_path: Path) -> None:
    shutil.copy(VALLEY, tmp_path / "b-page.HTM")
    (tmp_path / "a-note.txt").write_text("Note title\nA plain text note.\n", encoding="utf-8")
    (tmp_path / "c-page.html").write_bytes(
        '<html><head><meta charset="iso-8859-1"><title>Crème</title></head><body><p>Crème brûlée.</p></body></html>'
        .encode("latin-1")
    )
    (tmp_path / "ignored.md").write_text("# not read", encoding="utf-8")
    a, b, c = read_corpus([str(tmp_path)])
    assert (a.id, a.title, a.text) == ("a-note", "Note title", "Note title\nA plain text note.\n")
    assert (b.id, b.outlet) == ("b-page", "Valley Daily Post")
    assert (c.id, c.title) == ("c-page", "Crème")
    assert "Crème brûlée." in c.text


def test_single_html_file_with_bad_bytes(tmp_path: Path) -> None:
    path = tmp_path / "bad.html"
    path.write_bytes(b"<p>ok</p>\n<p>caf\xe9</p>")
    with pytest.raises(InputError) as info:
        read_corpus([str(path)])
    assert info.value.where == f"{path}:2"


def test_cluster_html_fixtures_labels_the_copy_syndicated() -> None:
    result = CliRunner().invoke(main, ["cluster", str(HTML), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    verdicts = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert {k: (v["label"], v["source"]) for k, v in verdicts.items()} == {
        "courier-landslide": ("original", None),
        "valley-post-landslide": ("syndicated", "courier-landslide"),
        "gazette-library": ("original", None),
    }
    assert verdicts["valley-post-landslide"]["score"] > 0.9


def test_compare_html_pages() -> None:
    result = CliRunner().invoke(main, ["compare", "-f", "json", str(VALLEY), str(COURIER)])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == {"label": "syndicated", "original": "courier-landslide",
                                 "derived": "valley-post-landslide"}
