"""Shared test helpers: run the CLI in-process, find the repository's data."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from kdumplayer.cli import main

REPO = Path(__file__).resolve().parent.parent
BOARDS = sorted((REPO / "board-configs").glob("*.yaml"))
DEFAULT_BOARD = REPO / "board-configs" / "qemu-x86_64.yaml"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> CliResult:
    """Run `kdumplayer ARGS...` in-process; return exit code, stdout and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([str(a) for a in args])
    return CliResult(code, stdout.getvalue(), stderr.getvalue())


@pytest.fixture
def cli():
    return run_cli
