"""Terminal conventions: colour only on a terminal and never with NO_COLOR; progress bars."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
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


def _interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "") -> Iterator[T]:
    """A progress bar on a terminal (stderr), silent in CI and pipes."""
    if not _interactive():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=desc, leave=False, file=sys.stderr)


@contextlib.contextmanager
def status(message: str, *, every: float = 1.0) -> Iterator[None]:
    """`message` and the seconds elapsed on one stderr line while the block runs
    (a terminal only, never in CI or a pipe); the line is erased afterwards.

    For one long step that has no items to count, where a bar would sit at 0/1.
    """
    if not _interactive():
        yield
        return
    start = time.monotonic()
    done = threading.Event()

    def tick() -> None:
        while not done.wait(every):
            sys.stderr.write(f"\r{message} {time.monotonic() - start:.0f} s")
            sys.stderr.flush()

    sys.stderr.write(message)
    sys.stderr.flush()
    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
