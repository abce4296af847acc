"""The feed service: the feed index over HTTP.

``body`` turns a request body into documents (with the readers' messages),
``auth`` owns the bearer tokens, ``writer`` the one thread that writes to the
index, ``app`` the routes (``create_app``) and ``run`` binding and serving.
"""

from dedup.serve.app import create_app
from dedup.serve.body import Limits
from dedup.serve.auth import Scope, Tokens

__all__ = ["Limits", "Scope", "Tokens", "create_app"]
