"""`kdumplayer reassemble`: a flattened dump from a network target made whole."""

from __future__ import annotations

import argparse
from pathlib import Path

from kdumplayer.cli.base import Command, out


class ReassembleCommand(Command):
    name = "reassemble"
    help = "turn a flattened dump (vmcore.flat from an ssh target) into a vmcore"
    description = (
        "A network target receives the dump in makedumpfile's flattened format\n"
        "(makedumpfile -F streams it without seeking). When the server has no\n"
        "makedumpfile the dump directory keeps vmcore.flat; this writes the normal\n"
        "kdump-compressed vmcore beside it with makedumpfile -R (as\n"
        "vmcore-incomplete first, renamed when whole). docs/network-targets.md."
    )
    examples = (
        "kdumplayer reassemble /srv/crash/board1/20261206-064512",
        "kdumplayer reassemble vmcore.flat -o /tmp/vmcore",
    )

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "dump",
            metavar="DUMP",
            type=Path,
            help="a dump directory holding vmcore.flat, or a flattened file",
        )
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            metavar="FILE",
            help="where the vmcore goes (default: vmcore beside the input)",
        )

    def run(self, args: argparse.Namespace) -> int:
        from kdumplayer.reassemble import reassemble

        out(str(reassemble(args.dump, args.output)))
        return 0
