"""Binding and serving: ``serve`` refuses an open address without tokens, then runs uvicorn until SIGTERM/SIGINT.

On SIGTERM uvicorn stops accepting, lets the requests in flight finish (a
posted batch waits for its commit), then the app's shutdown closes the writer
after the writes already queued.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from dedup.errors import InputError
from dedup.index import Index
from dedup.serve.app import create_app
from dedup.serve.auth import Tokens
from dedup.serve.body import Limits


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(location: str | Path, host: str = "127.0.0.1", port: int = 8080, tokens_path: str | None = None,
          limits: Limits = Limits()) -> None:
    """Serve the index at ``location`` on ``host:port`` until stopped."""
    if tokens_path is None and not is_loopback(host):
        raise InputError(host, "refusing to serve a non-loopback address without --tokens")
    import uvicorn

    tokens = Tokens.load(tokens_path) if tokens_path is not None else None
    Index(location).close()  # a bad index is a one-line error here, not a failed start-up
    app = create_app(location, tokens, limits)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=60,
                h11_max_incomplete_event_size=64 * 1024)
