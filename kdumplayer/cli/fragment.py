"""`kdumplayer fragment`: write the kdump kernel config fragment for a board."""

from __future__ import annotations

import argparse
from pathlib import Path

from kdumplayer.board.model import load_board
from kdumplayer.cli.base import Command, add_board_argument, note, out
from kdumplayer.fragment import fragment_for
from kdumplayer.output import atomic_write
from kdumplayer.requirements import choices_of
from kdumplayer.version import parse_version


class FragmentCommand(Command):
    name = "fragment"
    help = "write the kdump kernel config fragment for a board"
    description = (
        "Write the kernel config fragment (.cfg) kdump needs on the board's arch and "
        "kernel version, each line preceded by a comment with its reason. The requirements "
        "come from kconfig-fragments/kdump.yaml; check the result against a real tree "
        "with `kdumplayer check`."
    )
    examples = (
        "kdumplayer fragment board-configs/qemu-x86_64.yaml",
        "kdumplayer fragment board-configs/raspberrypi4-64.yaml -o kdump.cfg",
        "kdumplayer fragment board-configs/qemu-x86_64.yaml --kernel-version 6.12",
    )

    def setup(self, parser: argparse.ArgumentParser) -> None:
        add_board_argument(parser)
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            type=Path,
            help="write the fragment to FILE (default: stdout)",
        )
        parser.add_argument(
            "--kernel-version",
            metavar="V",
            help="kernel version to write for (default: the board's)",
        )

    def run(self, args: argparse.Namespace) -> int:
        board = load_board(args.board)
        version = args.kernel_version or board.kernel.version
        if version is not None:
            parse_version(version)  # a UserError for a bad --kernel-version
        text = fragment_for(board.arch.name, version, choices_of(board), board.name)
        if args.output is None:
            out(text.rstrip("\n"))
        else:
            atomic_write(args.output, text.encode())
            note(f"wrote {args.output}")
        return 0
