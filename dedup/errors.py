"""Errors a user can act on: bad input, with the place it was found."""

from __future__ import annotations


class InputError(Exception):
    """Input the tool cannot use; ``where`` is ``file``, ``file:line`` or ``file:record``."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
