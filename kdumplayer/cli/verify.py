"""`kdumplayer verify`: prove the kdump hook in QEMU: crash, capture, check (being built)."""

from __future__ import annotations

import argparse

from kdumplayer.cli.base import Command
from kdumplayer.errors import UserError


class VerifyCommand(Command):
    name = "verify"
    help = "prove the kdump hook in QEMU: crash, capture, check"

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("rest", nargs=argparse.REMAINDER)

    def run(self, args: argparse.Namespace) -> int:
        raise UserError("'verify' is not available yet")
