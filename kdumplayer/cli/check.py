"""`kdumplayer check`: check kernel configs against the kdump requirements (being built)."""

from __future__ import annotations

import argparse

from kdumplayer.cli.base import Command
from kdumplayer.errors import UserError


class CheckCommand(Command):
    name = "check"
    help = "check kernel configs against the kdump requirements"

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("rest", nargs=argparse.REMAINDER)

    def run(self, args: argparse.Namespace) -> int:
        raise UserError("'check' is not available yet")
