"""`kdumplayer fragment`: write the kdump kernel config fragment for a board (being built)."""

from __future__ import annotations

import argparse

from kdumplayer.cli.base import Command
from kdumplayer.errors import UserError


class FragmentCommand(Command):
    name = "fragment"
    help = "write the kdump kernel config fragment for a board"

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("rest", nargs=argparse.REMAINDER)

    def run(self, args: argparse.Namespace) -> int:
        raise UserError("'fragment' is not available yet")
