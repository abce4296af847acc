"""Bearer tokens: a file of token hashes with a scope each, checked in constant time.

The file has one token per line, ``SHA256-HEX SCOPE`` (``read`` or ``write``;
``write`` may read too); blank lines and ``#`` comments are ignored. Only hashes
are stored, so the file gives nobody a token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from dedup.errors import InputError

_HEX = re.compile(r"[0-9a-f]{64}")


class Scope(str, Enum):
    READ = "read"
    WRITE = "write"


def token_hash(token: str) -> str:
    """The SHA-256 hex digest a tokens file stores for ``token``."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Tokens:
    """Token hashes and their scopes."""

    entries: tuple[tuple[str, Scope], ...]

    @classmethod
    def load(cls, path: str | Path) -> Tokens:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(str(path), f"cannot read the tokens file ({err})") from None
        entries = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2 or not _HEX.fullmatch(parts[0].lower()) or parts[1] not in ("read", "write"):
                raise InputError(f"{path}:{lineno}", "expected 'SHA256-HEX read' or 'SHA256-HEX write'")
            entries.append((parts[0].lower(), Scope(parts[1])))
        if not entries:
            raise InputError(str(path), "no tokens in the tokens file")
        return cls(tuple(entries))

    def scope(self, token: str) -> Scope | None:
        """The scope of a presented token, or None; every stored hash is compared, in constant time."""
        presented = token_hash(token).encode()
        found = None
        for stored, scope in self.entries:
            if hmac.compare_digest(presented, stored.encode()):
                found = scope
        return found
