"""Shared test helpers: run the CLI in-process, find the repository's data."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kdumplayer.cli import main
from kdumplayer.paths import cache_dir

if TYPE_CHECKING:
    from kdumplayer.analyze.analysis import Analysis
    from kdumplayer.board.model import Board
    from kdumplayer.verify.gold import GoldBuild
    from kdumplayer.verify.scenarios import Outcome

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


@dataclass
class GoldCapture:
    """One boot-crash-capture of a board's gold kernel, shared by the test session."""

    build: GoldBuild
    outcome: Outcome
    analysis: Analysis | None  # verify's own analysis of the dump (kdumplayer.verify.analysis)

    @property
    def dump_dir(self) -> Path:
        """The dump directory copied off the dump disk (analyze's input)."""
        assert self.analysis is not None, "verify did not analyze the dump"
        return self.analysis.dump.path


@pytest.fixture(scope="session")
def gold_capture(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], GoldCapture]:
    """gold_capture("qemu-arm64"): the gold kernel built, booted, crashed, captured and
    analyzed by verify once per board and session (QEMU boots and builds are slow)."""
    from kdumplayer.board.model import load_board
    from kdumplayer.verify import analysis, gold, scenarios

    captures: dict[str, GoldCapture] = {}

    def get(board_name: str) -> GoldCapture:
        if board_name not in captures:
            board = load_board(REPO / "board-configs" / f"{board_name}.yaml")
            build = gold.build_gold(board)
            outcome = scenarios.capture(board, build.kernel, tmp_path_factory.mktemp(board_name))
            captures[board_name] = GoldCapture(
                build, outcome, analysis.analyze_capture(outcome, build.kernel)
            )
        return captures[board_name]

    return get


# --- progress for the slow tests ------------------------------------------------------------
# Pytest captures what a test prints, so a cold `make test` used to sit silent for
# minutes while the first kernel built. These hooks write through pytest's own
# terminal reporter (shown in CI logs and pipes too): how many slow tests there are
# and what a cold cache costs, then a line before each slow module starts.

_SLOW: dict[str, str] = {}  # nodeid -> module path, for the slow tests selected
_ANNOUNCED: set[str] = set()


@pytest.hookimpl(tryfirst=True)  # before the terminal reporter's, which reports below
def pytest_collection_finish(session: pytest.Session) -> None:
    # session.items: what runs, after -m/-k deselection.
    _SLOW.clear()
    _SLOW.update(
        {
            i.nodeid: i.nodeid.split("::", 1)[0]
            for i in session.items
            if i.get_closest_marker("slow")
        }
    )


def pytest_report_collectionfinish(items: list[pytest.Item]) -> list[str]:
    if not _SLOW:
        return []
    gold = cache_dir() / "gold"
    built = len(list(gold.glob("*/.done"))) if gold.is_dir() else 0
    return [
        f"{len(_SLOW)} slow test(s) (kernel builds, QEMU boots, downloads) in "
        f"{len(set(_SLOW.values()))} file(s); {built} kernel(s) already built in {gold}. "
        "With an empty cache each kernel build takes 4 to 10 min and the "
        "suite about 35 min on 2 cores; later runs reuse the cache."
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    module = _SLOW.get(item.nodeid)
    if module is None or module in _ANNOUNCED:
        return
    _ANNOUNCED.add(module)
    reporter = item.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"{module}: slow tests start (a kernel build or QEMU boots; minutes when not cached)"
        )


# What a distribution kernel or init system gets (Fedora's default): the example boards
# reserve what `crashkernel recommend` measures for the kernel and init `verify` boots on
# them (docs/memory.md); a test booting another kernel or init on a board needs more.
DISTRIBUTION_RESERVATION = "256M"


def with_distribution_reservation(board: Board) -> Board:
    from dataclasses import replace

    from kdumplayer.crashkernel import grammar
    from kdumplayer.sizes import parse_size

    params = (grammar.Crashkernel(size=parse_size(DISTRIBUTION_RESERVATION)),)
    return replace(board, crashkernel=replace(board.crashkernel, params=params, auto=False))


def board_file_with_distribution_reservation(path: Path, directory: Path) -> Path:
    """A copy of the board file reserving DISTRIBUTION_RESERVATION (for the CLI)."""
    import re

    text = re.sub(
        r"(?m)^crashkernel:\n(  \w+: .*\n)+",
        f"crashkernel:\n  size: {DISTRIBUTION_RESERVATION}\n",
        path.read_text(),
    )
    copy = directory / path.name
    copy.write_text(text)
    return copy
