"""`kdumplayer validate`: check board descriptions and print the resolved board."""

from __future__ import annotations

import argparse
import json

import yaml

from kdumplayer.board.model import load_board
from kdumplayer.cli.base import Command, board_advice, buildroot_advice, out


class ValidateCommand(Command):
    name = "validate"
    help = "check board descriptions and print the resolved board"
    description = (
        "Validate one or more board descriptions against the schema and the\n"
        "cross-field rules; print each resolved board (defaults filled in)."
    )
    examples = (
        "kdumplayer validate board-configs/qemu-x86_64.yaml",
        "kdumplayer validate --quiet board-configs/*.yaml",
        "kdumplayer validate --format json board-configs/visionfive2.yaml",
    )

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("boards", metavar="BOARD", nargs="+", help="board description files")
        parser.add_argument(
            "--format",
            choices=("yaml", "json"),
            default="yaml",
            help="how to print the resolved board (default: yaml)",
        )
        parser.add_argument(
            "-q", "--quiet", action="store_true", help="print only one line per board"
        )

    def run(self, args: argparse.Namespace) -> int:
        boards = []
        for path in args.boards:
            boards.append(load_board(path))  # the first bad one stops with its error line
        for path, board in zip(args.boards, boards, strict=True):
            # Advice, not errors: the exit code stays 0 (`check` decides failures).
            board_advice(path, board)
            buildroot_advice(path, board)
        if args.format == "json":
            data = [b.summary() for b in boards]
            out(json.dumps(data if len(data) > 1 else data[0], indent=2))
            return 0
        for path, board in zip(args.boards, boards, strict=True):
            if args.quiet:
                out(f"{path}: ok ({board.name}, {board.arch.name}, {board.crashkernel.cmdline})")
                continue
            out(f"# {path}: ok")
            out(yaml.safe_dump(board.summary(), sort_keys=False, default_flow_style=False).rstrip())
        return 0
