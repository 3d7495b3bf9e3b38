"""Terminal conventions: colour only on a terminal and never with NO_COLOR; progress bars."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")

_CODES = {"red": "31", "green": "32", "yellow": "33", "bold": "1"}


def use_color(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR") is not None or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def paint(text: str, color: str, stream: IO[str] | None = None) -> str:
    stream = stream or sys.stdout
    return f"\033[{_CODES[color]}m{text}\033[0m" if use_color(stream) else text


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "") -> Iterator[T]:
    """A progress bar on a terminal (stderr), silent in CI and pipes."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=desc, leave=False, file=sys.stderr)
