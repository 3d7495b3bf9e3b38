"""`kdumplayer cmdline`: put crashkernel= into a bootloader configuration, read it, remove it.

The edits are kdumplayer.cmdline's pure functions; this module reads the file
(bytes kept as they are: no newline translation, undecodable bytes carried
through), prints a unified diff for --dry-run, and writes atomically.
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from kdumplayer import cmdline
from kdumplayer.board.model import load_board
from kdumplayer.cli.base import Command, note, out
from kdumplayer.errors import UserError
from kdumplayer.output import atomic_write

_CODEC = {"encoding": "utf-8", "errors": "surrogateescape"}


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode(**_CODEC)
    except FileNotFoundError:
        raise UserError("no such file", file=path) from None
    except IsADirectoryError:
        raise UserError("is a directory, not a bootloader configuration", file=path) from None


def unified_diff(old: str, new: str, name: str) -> str:
    diff = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=name, tofile=name
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff
    )


class CmdlineCommand(Command):
    name = "cmdline"
    help = "put crashkernel= into a bootloader configuration"
    description = (
        "Set, show or remove crashkernel= on the kernel command lines of a bootloader\n"
        "configuration. Formats: "
        + ", ".join(list(cmdline.FORMATS)[:5])
        + ",\n"
        + ", ".join(list(cmdline.FORMATS)[5:])
        + "; detected from the file name and\n"
        "content unless --format is given. Setting is idempotent and changes only the\n"
        "crashkernel= words; every other byte stays."
    )
    examples = (
        "kdumplayer cmdline set boot/grub/grub.cfg --crashkernel 256M",
        "kdumplayer cmdline set /etc/default/grub --crashkernel 1G-4G:192M,4G-:256M --dry-run",
        "kdumplayer cmdline set extlinux.conf --crashkernel 64M --entry l0",
        "kdumplayer cmdline set boot.cmd --board board-configs/visionfive2.yaml",
        "kdumplayer cmdline get cmdline.txt",
        "kdumplayer cmdline remove uEnv.txt",
    )

    def setup(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        for action, text in (
            ("set", "set crashkernel= (replacing any there)"),
            (
                "get",
                "print the crashkernel= of each command line; exit 1 when a command line has none",
            ),
            ("remove", "remove every crashkernel="),
        ):
            child = sub.add_parser(action, help=text, description=text)
            child.add_argument("file", metavar="FILE", type=Path, help="the configuration file")
            child.add_argument(
                "--format",
                choices=list(cmdline.FORMATS),
                default=None,
                metavar="FORMAT",
                help="the file's format: " + ", ".join(cmdline.FORMATS) + " (default: detect)",
            )
            child.add_argument(
                "--entry", default=None, help="only this menu entry, label or variable"
            )
            if action == "set":
                child.add_argument(
                    "--crashkernel",
                    metavar="VALUE",
                    help="e.g. 256M, 256M@16M, 1G-4G:192M,4G-:256M, '256M,high 128M,low'",
                )
                child.add_argument(
                    "--board",
                    metavar="BOARD",
                    help="take the value from a board description "
                    "(and the format, when the file does not tell)",
                )
            if action != "get":
                child.add_argument(
                    "--dry-run", action="store_true", help="print a unified diff instead of writing"
                )

    def run(self, args: argparse.Namespace) -> int:
        path: Path = args.file
        text = read_text(path)
        name = str(path)
        if args.action == "get":
            found = cmdline.get_crashkernel(text, args.format, name, args.entry)
            for item in found:
                where = f" {item.entry}:" if item.entry else ""
                out(f"{name}:{item.line}:{where} {' '.join(item.words) or '(no crashkernel=)'}")
            return 0 if all(item.words for item in found) else 1
        if args.action == "set":
            value, fmt, entry = self._value(args, text)
            new = cmdline.set_crashkernel(text, value, fmt, name, entry)
        else:
            new = cmdline.remove_crashkernel(text, args.format, name, args.entry)
        if new == text:
            note(f"{name}: already as requested, nothing to change")
            return 0
        if args.dry_run:
            out(unified_diff(text, new, name).rstrip("\n"))
            return 0
        target = path.resolve()  # through a symlink (/boot/grub/grub.cfg often is one)
        atomic_write(target, new.encode(**_CODEC), target.stat().st_mode & 0o7777)
        changed = sum(1 for a, b in zip(text.split("\n"), new.split("\n"), strict=False) if a != b)
        out(f"{name}: {args.action} crashkernel= on {changed} line{'s' if changed != 1 else ''}")
        return 0

    @staticmethod
    def _value(args: argparse.Namespace, text: str) -> tuple[str, str | None, str | None]:
        if (args.crashkernel is None) == (args.board is None):
            raise UserError("give exactly one of --crashkernel VALUE or --board BOARD")
        if args.crashkernel is not None:
            return args.crashkernel, args.format, args.entry
        board = load_board(args.board)
        fmt = args.format
        if fmt is None:  # the file says best what it is; the board's type is the fallback
            try:
                fmt = cmdline.detect_format(str(args.file), text)
            except UserError:
                if board.bootloader.type not in cmdline.FORMATS:
                    raise
                fmt = board.bootloader.type
        return board.crashkernel.value, fmt, args.entry
