"""The feed service's API, through the framework's test client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from dedup.index import Index
from dedup.readers import read_corpus
from dedup.serve import Limits, Tokens, create_app
from dedup.serve.auth import token_hash
from dedup.serve.run import is_loopback, serve

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seeds() -> list[dict]:
    return [{"id": d.id, "text": d.text, "title": d.title} for d in read_corpus([str(SEEDS)])]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "feed.db"


@pytest.fixture
def client(db: Path):
    with TestClient(create_app(db)) as c:
        yield c


def count(db: Path) -> int:
    with Index(db, create=False) as index:
        return index.stats()["documents"]


def test_post_gives_the_batch_verdicts_and_stores_them(client: TestClient, db: Path) -> None:
    answer = client.post("/v1/articles", json=seeds())
    assert answer.status_code == 200, answer.text
    by_id = {e["id"]: e for e in answer.json()["events"] if "revised" not in e}
    assert by_id["004_e66f8c3f7bab36c1"]["label"] == "original"
    for rewrite in ("001_0087a9b7e7beb3af", "003_1d4c5e0b1f4f9a58"):
        match = [e for i, e in by_id.items() if i.startswith(rewrite[:3])]
        assert match[0]["label"] == "rewrite" and match[0]["source"] == "004_e66f8c3f7bab36c1"
    assert count(db) == 5
    again = client.post("/v1/articles", json=seeds()[0]).json()["events"]
    assert again[0]["known"] is True


def test_ndjson_and_query_store_nothing(client: TestClient, db: Path) -> None:
    lines = "\n".join(json.dumps(r) for r in seeds())
    answer = client.post("/v1/query", content=lines, headers={"content-type": "application/x-ndjson"})
    assert answer.status_code == 200, answer.text
    assert {e["seq"] for e in answer.json()["events"]} == {0}
    assert count(db) == 0


def test_get_delete_cluster_stats_events(client: TestClient) -> None:
    client.post("/v1/articles", json=seeds())
    rewrite = next(r["id"] for r in seeds() if r["id"].startswith("001"))
    entry = client.get(f"/v1/articles/{rewrite}").json()
    assert entry["source"] == "004_e66f8c3f7bab36c1" and entry["evidence"]["alignments"]
    cluster = client.get("/v1/clusters/004_e66f8c3f7bab36c1").json()
    assert {m["id"][:3] for m in cluster["members"]} >= {"001", "003", "004"}
    assert client.get("/v1/stats").json()["documents"] == 5
    events = client.get("/v1/events", params={"since": 0, "limit": 2}).json()
    assert len(events["events"]) == 2
    rest = client.get("/v1/events", params={"since": events["last"]}).json()["events"]
    assert rest and rest[0]["seq"] > events["last"]
    removed = client.delete("/v1/articles/004_e66f8c3f7bab36c1").json()["events"]
    assert removed[0]["removed"] is True
    assert client.get("/v1/articles/004_e66f8c3f7bab36c1").status_code == 404
    assert client.get("/v1/clusters/nothing-here").status_code == 404
    assert client.get("/healthz").json() == {"ok": True}
    assert "/v1/articles" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(("body", "ctype", "message"), [
    (b'[{"id": "a", "text": "x"}, {"id": "b"}]', "application/json", "body:record 2: record has no 'text' field (--text-field names another)"),
    (b'{"id": "a", "text": "x"}\n{"id": 1, "text": 3}', "application/x-ndjson",
     "body:2: field 'text' must be a string, got number"),
    (b'{"id": "a", "text": ', "application/json", "body: malformed JSON: Expecting value (line 1 column 21)"),
    (b'[{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]', "application/json",
     "body:record 2: duplicate id 'a' (first seen at body:record 1)"),
    (b"[]", "application/json", "body: no records in the body"),
    (b'[1]', "application/json", "body:record 1: expected a JSON object"),
])
def test_bad_records_are_400_with_the_readers_message_and_nothing_stored(
        client: TestClient, db: Path, body: bytes, ctype: str, message: str) -> None:
    answer = client.post("/v1/articles", content=body, headers={"content-type": ctype})
    assert answer.status_code == 400
    assert answer.json() == {"error": message}
    assert count(db) == 0


def test_a_conflicting_batch_is_409_and_stores_none_of_it(client: TestClient, db: Path) -> None:
    client.post("/v1/articles", json={"id": "a", "text": "the first text of a"})
    answer = client.post("/v1/articles", json=[{"id": "b", "text": "text of b"}, {"id": "a", "text": "other"}])
    assert answer.status_code == 409 and "a: already in the index" in answer.json()["error"]
    assert count(db) == 1


@pytest.fixture
def secured(db: Path):
    tokens = db.parent / "tokens"
    tokens.write_text(f"# dedup serve tokens\n{token_hash('reader-secret')} read\n"
                      f"{token_hash('writer-secret')} write  # the ingest pipeline\n")
    with TestClient(create_app(db, Tokens.load(tokens), Limits(body=20_000, document=1000, id=200))) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


ARTICLE = {"id": "a", "text": "some article text"}


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401), (bearer("wrong"), 401), ({"authorization": "Basic d3JpdGVyLXNlY3JldA=="}, 401),
    (bearer("reader-secret"), 403),
])
def test_writing_needs_a_write_token(secured: TestClient, db: Path, headers: dict, status: int) -> None:
    answer = secured.post("/v1/articles", json=ARTICLE, headers=headers)
    assert answer.status_code == status and answer.json()["detail"]
    assert secured.delete("/v1/articles/a", headers=headers).status_code == status
    assert count(db) == 0
    assert secured.post("/v1/articles", json=ARTICLE, headers=bearer("writer-secret")).status_code == 200


def test_reading_needs_a_token_of_either_scope(secured: TestClient) -> None:
    assert secured.get("/v1/stats").status_code == 401
    assert secured.get("/v1/stats", headers=bearer("reader-secret")).status_code == 200
    assert secured.get("/v1/events", headers=bearer("writer-secret")).status_code == 200
    assert secured.get("/healthz").status_code == 200


@pytest.mark.parametrize(("body", "status", "message"), [
    (b"[" + b'{"id": "a", "text": "x"},' * 1000 + b"{}]", 413, "body: 25,004 bytes is over the cap of 20,000"),
    (json.dumps({"id": "a", "text": "x" * 1001}).encode(), 413,
     "body:record 1: text of 1,001 characters is over the cap of 1,000"),
    (b"[" * 2000 + b"]" * 2000, 400, "body: malformed JSON: nested too deeply"),
    (json.dumps({"id": "i" * 10_000, "text": "x"}).encode(), 400,
     "body:record 1: id of 10,000 characters is over the cap of 200"),
    (json.dumps({"id": "i" * 300, "text": "x"}).encode(), 400,
     "body:record 1: id of 300 characters is over the cap of 200"),
    (b'{"id": "a", "text": "caf\xe9"}', 400, "body: not valid UTF-8 (byte 0xe9 at offset 24)"),
])
def test_hostile_bodies_get_a_clear_4xx_and_the_server_keeps_serving(
        secured: TestClient, db: Path, body: bytes, status: int, message: str) -> None:
    answer = secured.post("/v1/articles", content=body, headers=bearer("writer-secret"))
    assert answer.status_code == status, answer.text
    assert answer.json() == {"error": message}
    assert count(db) == 0
    assert secured.post("/v1/articles", json=ARTICLE, headers=bearer("writer-secret")).status_code == 200


def test_a_huge_id_in_the_path_is_400(secured: TestClient) -> None:
    answer = secured.get("/v1/articles/" + "i" * 10_000, headers=bearer("reader-secret"))
    assert answer.status_code == 400 and "over the cap of 200" in answer.json()["error"]


def test_a_bad_tokens_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text("not-a-hash write\n")
    with pytest.raises(Exception, match="tokens:1: expected 'SHA256-HEX read'"):
        Tokens.load(path)


def test_without_tokens_only_loopback_is_served(db: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    with pytest.raises(Exception, match="refusing to serve a non-loopback address without --tokens"):
        serve(db, host="0.0.0.0", port=1)
    assert not db.exists()


def test_the_serve_command_refuses_an_open_address_and_a_bad_index_in_one_line(db: Path) -> None:
    from click.testing import CliRunner

    from dedup.cli import main

    result = CliRunner().invoke(main, ["serve", "--db", str(db), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "refusing to serve a non-loopback address" in result.output
    db.write_text("not an index")
    result = CliRunner().invoke(main, ["serve", "--db", str(db), "--port", "0"])
    assert result.exit_code == 2 and "not a dedup index" in result.output
