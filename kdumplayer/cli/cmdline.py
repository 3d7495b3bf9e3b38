"""`kdumplayer cmdline`: put crashkernel= into a bootloader configuration (being built)."""

from __future__ import annotations

import argparse

from kdumplayer.cli.base import Command
from kdumplayer.errors import UserError


class CmdlineCommand(Command):
    name = "cmdline"
    help = "put crashkernel= into a bootloader configuration"

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("rest", nargs=argparse.REMAINDER)

    def run(self, args: argparse.Namespace) -> int:
        raise UserError("'cmdline' is not available yet")
