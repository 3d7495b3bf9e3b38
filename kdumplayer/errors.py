"""The one user-error type: bad input, reported as one line and exit status 2."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """A problem with what the user gave us (file, value, option), never a bug.

    Rendered by the CLI as ``kdumplayer: error: FILE:LINE: KEY: message``;
    the parts that are unknown are left out.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.key = key

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.key:
            parts.append(self.key)
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message
