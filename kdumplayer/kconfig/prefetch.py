"""Run a parse's compiler probes ahead of time, in parallel.

A Kconfig parse of a recent kernel runs about ninety `$(shell,...)` probes
(cc-option and friends), one after another, each a shell, a compiler stand-in
and a cleanup: on a busy machine they are a large part of a cold parse's
wall time (1.4-3.4 s of 6-8 s for arm64 at load 9; 0.5-0.7 s prefetched).
The probes of a tree hardly change from one arch to the next, so every parse
records the commands it ran (beside the parsed trees, per kernel tree and
kind of probes: dummy tools, host tools or a given toolchain), and
the next parse of that tree, for whatever arch, starts all recorded commands
at once in a few threads. kconfiglib's `shell` function then takes the
output of a command that was prefetched and runs any other command itself.

Nothing about a probe changes: it runs with the same environment and working
directory as the parse (the prefetch ends before the environment is
restored), and its output is post-processed exactly as kconfiglib does.
Commands the parse does not ask for are wasted work, nothing more.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import kconfiglib

if TYPE_CHECKING:
    from concurrent.futures import Future

_WORKERS = 4  # probes are short processes that mostly wait: a few at a time


def _run(command: str) -> tuple[bytes, bytes]:
    done = subprocess.run(command, shell=True, capture_output=True, check=False)
    return done.stdout, done.stderr


def record_path(cache: Path, root: Path, probes: str) -> Path:
    """Per tree and kind of probes (one toolchain's probes are no use for another)."""
    key = hashlib.sha256(f"{root}\n{probes}".encode()).hexdigest()[:16]
    return cache / f"probes-{key}.json"


def _recorded(path: Path) -> list[str]:
    try:
        commands = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [c for c in commands if isinstance(c, str)] if isinstance(commands, list) else []


def _save(path: Path, commands: list[str]) -> None:
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(commands), encoding="utf-8")
        os.replace(tmp, path)


_ORIGINAL = kconfiglib._shell_fn
_futures: dict[str, Future[tuple[bytes, bytes]]] = {}  # the running prefetch, by command
_seen: list[str] = []


def _shell(kconf: kconfiglib.Kconfig, name: str, command: str) -> str:
    """kconfiglib's `shell` function, served from the prefetch when it has the command.
    Module-level, so that a parsed tree that refers to it still pickles."""
    _seen.append(command)
    future = _futures.pop(command, None)
    if future is None:
        return _ORIGINAL(kconf, name, command)
    stdout, stderr = future.result()
    # The rest is what kconfiglib's _shell_fn does with a command's output.
    try:
        text, err = stdout.decode(kconf._encoding), stderr.decode(kconf._encoding)
    except UnicodeDecodeError as exc:
        kconfiglib._decoding_error(exc, kconf.filename, kconf.linenr)
    if err:
        kconf._warn(
            f"'{command}' wrote to stderr: " + "\n".join(err.splitlines()),
            kconf.filename,
            kconf.linenr,
        )
    return "\n".join(text.splitlines()).rstrip("\n").replace("\n", " ")


@contextlib.contextmanager
def prefetched(record: Path | None) -> Iterator[None]:
    """Within the block (one parse, inside its environment), serve `$(shell,...)` from
    a prefetch of the commands recorded in `record`; then record this parse's."""
    if record is None:
        yield
        return
    from concurrent.futures import ThreadPoolExecutor  # only a parse needs it

    known = _recorded(record)
    pool = ThreadPoolExecutor(max_workers=_WORKERS) if known else None
    if pool is not None:
        _futures.update({c: pool.submit(_run, c) for c in dict.fromkeys(known)})
    _seen.clear()
    kconfiglib._shell_fn = _shell  # Kconfig.__init__ reads it when it builds its functions
    try:
        yield
    finally:
        kconfiglib._shell_fn = _ORIGINAL
        _futures.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # before the environment goes
    merged = list(dict.fromkeys([*known, *_seen]))
    if merged != known:
        _save(record, merged)
