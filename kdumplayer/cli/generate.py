"""`kdumplayer generate`: generate the Buildroot tree and the Yocto layer (being built)."""

from __future__ import annotations

import argparse

from kdumplayer.cli.base import Command
from kdumplayer.errors import UserError


class GenerateCommand(Command):
    name = "generate"
    help = "generate the Buildroot tree and the Yocto layer"

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("rest", nargs=argparse.REMAINDER)

    def run(self, args: argparse.Namespace) -> int:
        raise UserError("'generate' is not available yet")
