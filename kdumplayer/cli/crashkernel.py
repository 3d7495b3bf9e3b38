"""`kdumplayer crashkernel`: check and recommend crashkernel= values (being built)."""

from __future__ import annotations

import argparse

from kdumplayer.cli.base import Command
from kdumplayer.errors import UserError


class CrashkernelCommand(Command):
    name = "crashkernel"
    help = "check and recommend crashkernel= values"

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("rest", nargs=argparse.REMAINDER)

    def run(self, args: argparse.Namespace) -> int:
        raise UserError("'crashkernel' is not available yet")
