"""The command interface every subcommand module implements."""

from __future__ import annotations

import argparse
import sys
from typing import IO

from kdumplayer.board.model import Board


class Command:
    """One subcommand: parses its arguments, calls the library, prints, returns the exit code."""

    name: str = ""
    help: str = ""
    description: str = ""
    examples: tuple[str, ...] = ()

    def setup(self, parser: argparse.ArgumentParser) -> None:
        """Add this command's arguments."""

    def run(self, args: argparse.Namespace) -> int:
        raise NotImplementedError

    def epilog(self) -> str:
        if not self.examples:
            return ""
        return "examples:\n" + "\n".join(f"  {example}" for example in self.examples)


def out(text: str = "", stream: IO[str] | None = None) -> None:
    """Results go to stdout."""
    print(text, file=stream or sys.stdout)


def note(text: str) -> None:
    """Diagnostics go to stderr."""
    print(text, file=sys.stderr)


def board_advice(path: str, board: Board) -> None:
    """The kexec-tools compatibility findings for a board, on stderr (advice only)."""
    from kdumplayer.board.kexec_compat import assess
    from kdumplayer.term import paint

    for finding in assess(board):
        label = paint(f"{finding.severity.value}:", "yellow", sys.stderr)
        note(f"kdumplayer: {label} {path}: {finding.key}: {finding}")


def buildroot_advice(path: str, board: Board) -> None:
    """Say when the Buildroot defconfig generated without a base must be merged over one."""
    from kdumplayer.generate.buildroot import standalone_advice
    from kdumplayer.term import paint

    advice = standalone_advice(board)
    if advice:
        note(f"kdumplayer: {paint('note:', 'yellow', sys.stderr)} {path}: {advice}")


def add_board_argument(parser: argparse.ArgumentParser, nargs: str | None = None) -> None:
    parser.add_argument(
        "board",
        metavar="BOARD",
        nargs=nargs,
        help="board description (YAML), e.g. board-configs/qemu-x86_64.yaml",
    )
