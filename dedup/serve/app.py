"""The HTTP API over a feed index (``create_app``), on FastAPI.

Writes (``POST /v1/articles``, ``DELETE``) go through the one ``Writer`` and
are answered once committed; reads run concurrently in the framework's thread
pool, each worker thread with its own reading ``Index`` (SQLite in WAL mode
lets them read while the writer writes). Errors are JSON ``{"error": LINE}``
with the CLI's one-line message.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from dedup.background import load_background
from dedup.errors import InputError
from dedup.index import ConflictError, Index, IndexFileError, Judged, NotFoundError
from dedup.index.cli import event_record
from dedup.report import alignment_record, match_scores, verdict_record
from dedup.serve.auth import Scope, Tokens
from dedup.serve.body import BODY, Limits, TooLarge, check_id, documents
from dedup.serve.writer import Writer

_STATUS = {NotFoundError: 404, ConflictError: 409, TooLarge: 413, IndexFileError: 500}
_BATCH_BODY = {
    "content": {
        "application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Article"},
                                                  {"type": "array", "items": {"$ref": "#/components/schemas/Article"}}]}},
        "application/x-ndjson": {"schema": {"type": "string", "description": "one Article object per line"}},
    },
    "required": True,
}
_ARTICLE = {
    "type": "object", "required": ["id", "text"],
    "properties": {k: {"type": "string"} for k in ("id", "text", "title", "outlet", "url", "published")},
}


def _status(err: InputError) -> int:
    return next((code for kind, code in _STATUS.items() if isinstance(err, kind)), 400)


class _Readers:
    """One reading ``Index`` per worker thread, closed together at shutdown."""

    def __init__(self, open_index: Callable[[], Index]) -> None:
        self._open, self._local, self._all = open_index, threading.local(), []
        self._lock = threading.Lock()

    def get(self) -> Index:
        index = getattr(self._local, "index", None)
        if index is None:
            index = self._local.index = self._open()
            with self._lock:
                self._all.append(index)
        return index

    def close(self) -> None:
        with self._lock:
            for index in self._all:
                index.close()
            self._all.clear()


def _judged(judged: Judged) -> dict[str, Any]:
    return {"events": [event_record(e) for e in judged.events], "skipped": list(judged.skipped)}


def create_app(location: str | Path, tokens: Tokens | None = None, limits: Limits = Limits()) -> FastAPI:
    """The service for the index at ``location`` (created when missing); ``tokens`` None serves without auth."""
    background = load_background()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["writer"] = Writer(lambda: Index(location, background=background))
        state["readers"] = _Readers(lambda: Index(location, background=background, create=False))
        try:
            yield
        finally:
            state["writer"].close()
            state["readers"].close()

    app = FastAPI(title="dedup feed service", version="1", lifespan=lifespan,
                  description="Near-duplicate and syndication verdicts for a news feed, as articles arrive.")

    @app.exception_handler(InputError)
    async def input_error(request: Request, err: InputError) -> JSONResponse:
        return JSONResponse({"error": str(err)}, status_code=_status(err))

    def allow(scope: Scope) -> Callable[[Request], None]:
        def check(request: Request) -> None:
            if tokens is None:
                return
            kind, _, token = request.headers.get("authorization", "").partition(" ")
            found = tokens.scope(token.strip()) if kind.lower() == "bearer" else None
            if found is None:
                raise HTTPException(401, "a valid bearer token is needed", headers={"WWW-Authenticate": "Bearer"})
            if scope is Scope.WRITE and found is not Scope.WRITE:
                raise HTTPException(403, "this token may read, not write")
        return check

    read, write = Depends(allow(Scope.READ)), Depends(allow(Scope.WRITE))

    async def body(request: Request) -> bytes:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.body:
            raise TooLarge(BODY, f"{int(declared):,} bytes is over the cap of {limits.body:,}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limits.body:
                raise TooLarge(BODY, f"more than the cap of {limits.body:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def parsed(request: Request) -> list:
        raw = await body(request)
        return await run_in_threadpool(documents, raw, request.headers.get("content-type", ""), limits)

    async def written(future: Future[Judged]) -> dict[str, Any]:
        return _judged(await asyncio.wrap_future(future))

    def reader() -> Index:
        return state["readers"].get()

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        """Whether the service is up (no token needed)."""
        return {"ok": True}

    @app.post("/v1/articles", tags=["articles"], dependencies=[write], openapi_extra={"requestBody": _BATCH_BODY})
    async def post_articles(request: Request) -> dict[str, Any]:
        """Judge and store articles in the order given, in one transaction: answered once it is committed.

        The answer's events are the new verdicts in input order (``known`` for an
        article already stored), then the revisions of stored verdicts.
        """
        docs = await parsed(request)
        return await written(state["writer"].add(docs))

    @app.post("/v1/query", tags=["articles"], dependencies=[read], openapi_extra={"requestBody": _BATCH_BODY})
    async def query(request: Request) -> dict[str, Any]:
        """The verdicts posting these articles would give, storing nothing."""
        docs = await parsed(request)
        return _judged(await run_in_threadpool(lambda: reader().query(docs)))

    @app.get("/v1/articles/{doc_id:path}", tags=["articles"], dependencies=[read])
    def get_article(doc_id: str) -> dict[str, Any]:
        """A stored article's verdict and the evidence against its source (the passages they share)."""
        check_id(doc_id, "id", limits)
        entry = reader().get(doc_id)
        evidence = None
        if entry.evidence is not None:
            evidence = {"scores": match_scores(entry.evidence),
                        "alignments": [alignment_record(a) for a in entry.evidence.alignments]}
        return {**verdict_record(entry.verdict), "seq": entry.event, "published": entry.published, "evidence": evidence}

    @app.delete("/v1/articles/{doc_id:path}", tags=["articles"], dependencies=[write])
    async def delete_article(doc_id: str) -> dict[str, Any]:
        """Remove an article; its cluster is judged again (removing an original elects another)."""
        check_id(doc_id, "id", limits)
        return await written(state["writer"].submit(lambda index: index.remove([doc_id])))

    @app.get("/v1/clusters/{cluster_id:path}", tags=["articles"], dependencies=[read])
    def get_cluster(cluster_id: str) -> dict[str, Any]:
        """A cluster (named by its original's id): its members' verdicts, in arrival order."""
        check_id(cluster_id, "id", limits)
        members = _cluster(reader(), cluster_id)
        if not members:
            raise NotFoundError(cluster_id)
        return {"id": cluster_id, "members": members}

    @app.get("/v1/stats", tags=["service"], dependencies=[read])
    def stats() -> dict[str, Any]:
        """Documents, clusters, per-label counts, bytes on disk, the last event; writes waiting."""
        return {**reader().stats(), "queued_writes": state["writer"].pending()}

    @app.get("/v1/events", tags=["articles"], dependencies=[read])
    def events(since: int = Query(0, ge=0), limit: int = Query(limits.events, ge=1, le=limits.events)
               ) -> dict[str, Any]:
        """The stored verdicts, revisions and removals after ``since``, in commit order; follow with the last ``seq``."""
        found = reader().events(since, limit)
        return {"events": [event_record(e) for e in found], "last": found[-1].seq if found else since}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {})["Article"] = _ARTICLE
            if tokens is not None:
                schema["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
                schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _cluster(index: Index, cluster_id: str) -> list[dict[str, Any]]:
    """The verdicts of a cluster's members, from the stored documents' cluster column.

    ``Index`` has no cluster lookup yet; the SQLite store keeps the column, so
    this reads it in one read transaction (other stores: the cluster's original
    and the documents it is the source of, through ``Index.get``).
    """
    from dedup.index.store import verdict_from_json

    conn = getattr(index.store, "conn", None)
    if conn is None:
        return []
    with index.store.transaction(write=False):
        rows = conn.execute("SELECT verdict FROM docs WHERE cluster = ? ORDER BY seq", (cluster_id,)).fetchall()
    return [verdict_record(verdict_from_json(v)) for (v,) in rows]
