"""`kdumplayer crashkernel`: recommend a crashkernel= size for a board, check a value.

`recommend` shows its arithmetic and the distributions' defaults for the same
RAM; `check` parses a value (exit 2 with the column when it does not parse)
and checks it against RAM, arch and CONFIG_PHYSICAL_START (exit 1 on a problem).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kdumplayer.arch import get_arch, supported
from kdumplayer.board.model import load_board
from kdumplayer.cli.base import Command, add_board_argument, note, out
from kdumplayer.crashkernel import grammar as ck
from kdumplayer.crashkernel import model
from kdumplayer.crashkernel.board_check import check_board
from kdumplayer.crashkernel.rules import (
    check,
    effective,
    references,
)
from kdumplayer.errors import UserError
from kdumplayer.findings import Finding
from kdumplayer.sizes import format_size, parse_size
from kdumplayer.term import paint


def _size(text: str, option: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise UserError(str(exc), key=option) from None


def print_findings(findings: list[Finding], label: str) -> int:
    problems = [f for f in findings if f.problem]
    for finding in findings:
        tag = paint("problem", "red") if finding.problem else paint("advice", "yellow")
        out(f"{tag}: {finding.message}")
    if not problems:
        out(f"{paint('ok', 'green')}: {label}")
    return 1 if problems else 0


class CrashkernelCommand(Command):
    name = "crashkernel"
    help = "recommend a crashkernel= size for a board, or check a value"
    description = (
        "recommend: a reservation computed from the floors measured in QEMU\n"
        "(kconfig-fragments/crashkernel-floor.yaml, `make floor`) for the board's arch,\n"
        "RAM, init system, capture kernel image and initrd, plus a stated margin; it\n"
        "shows the arithmetic, the floors it rests on and the Fedora and Debian defaults.\n"
        "check: parse a crashkernel= value and check it against RAM, arch and\n"
        "CONFIG_PHYSICAL_START (exit 0 ok, 1 a problem, 2 it does not parse)."
    )
    examples = (
        "kdumplayer crashkernel recommend board-configs/qemu-x86_64.yaml",
        "kdumplayer crashkernel recommend board-configs/visionfive2.yaml --image Image "
        "--initrd-size 12M",
        "kdumplayer crashkernel check 256M --memory 1G --arch x86_64",
        "kdumplayer crashkernel check 128M@32M --memory 1G --arch x86_64 --physical-start 16M",
        "kdumplayer crashkernel check --board board-configs/legacy-x86_64-2.6.32.yaml",
    )

    def setup(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        rec = sub.add_parser("recommend", help="a size for a board, with the arithmetic")
        add_board_argument(rec)
        rec.add_argument("--image", metavar="FILE", help="the capture kernel image, measured")
        rec.add_argument("--image-size", metavar="SIZE", help="or its size, e.g. 12M")
        rec.add_argument("--initrd", metavar="FILE", help="the capture initrd, measured")
        rec.add_argument("--initrd-size", metavar="SIZE", help="or its size, e.g. 8M")
        rec.add_argument(
            "--kernel",
            choices=("auto", "gold", "debian"),
            default="auto",
            help="whose measured floors: the kernel `verify --kernel` boots "
            "(default auto, as verify)",
        )
        chk = sub.add_parser("check", help="check a value against RAM, arch and PHYSICAL_START")
        chk.add_argument(
            "value",
            metavar="VALUE",
            nargs="?",
            help="e.g. 256M, 128M@16M, 1G-4G:192M,4G-:256M, '512M,high 128M,low'",
        )
        chk.add_argument("--memory", metavar="SIZE", help="the board's RAM, e.g. 1G")
        chk.add_argument("--arch", choices=supported(), help="the board's arch")
        chk.add_argument(
            "--physical-start",
            metavar="SIZE",
            help="CONFIG_PHYSICAL_START of the kernel (x86), e.g. 16M or 0x1000000",
        )
        chk.add_argument(
            "--kernel",
            metavar="VERSION",
            help="the kernel version, e.g. 6.12 (some forms are recent)",
        )
        chk.add_argument(
            "--board",
            metavar="BOARD",
            help="check the board's own value (RAM, arch, fragment from the board)",
        )

    def run(self, args: argparse.Namespace) -> int:
        if args.action == "recommend":
            return self._recommend(args)
        return self._check(args)

    def _check(self, args: argparse.Namespace) -> int:
        if args.board is not None:
            if args.value or args.memory or args.arch or args.physical_start or args.kernel:
                raise UserError(
                    "--board takes the value, memory and arch from the board; "
                    "give either --board or VALUE --memory --arch"
                )
            board = load_board(args.board)
            return print_findings(
                check_board(board),
                f"{board.crashkernel.cmdline} on "
                f"{board.name} ({board.arch.name}, {format_size(board.memory)})",
            )
        if args.value is None or args.memory is None or args.arch is None:
            raise UserError("give VALUE --memory SIZE --arch ARCH (or --board BOARD)")
        try:
            params = ck.parse_params(args.value)
        except ck.CrashkernelError as exc:
            raise UserError(str(exc)) from None
        memory = _size(args.memory, "--memory")
        arch = get_arch(args.arch)
        physical = _size(args.physical_start, "--physical-start") if args.physical_start else None
        reserved, low = effective(params, memory, arch)
        low_note = f" ({format_size(low)} of it below 4G)" if low else ""
        label = (
            f"{ck.to_cmdline(params)} reserves {format_size(reserved)}{low_note} "
            f"of {format_size(memory)}"
        )
        return print_findings(check(params, memory, arch, physical, args.kernel), label)

    def _recommend(self, args: argparse.Namespace) -> int:
        board = load_board(args.board)
        mdl = model.Model.load()
        table = model.load_floors()
        label = model.verify_kernel_label(board, args.kernel)
        footprint: tuple[int, str] | None = None
        if args.image is not None:
            data = _read(args.image)
            amount, how = model.footprint(data, mdl.zimage_factor)
            footprint = amount, f"{Path(args.image).name}: {how}"
        elif args.image_size is not None:
            footprint = _size(args.image_size, "--image-size"), "--image-size"
        initrd: int | None = None
        if args.initrd is not None:
            initrd = len(_read(args.initrd))
        elif args.initrd_size is not None:
            initrd = _size(args.initrd_size, "--initrd-size")
        try:
            rec = model.recommend(
                table, mdl, board.arch.name, board.memory, label, footprint, initrd, board.init
            )
        except LookupError as exc:
            raise UserError(f"{exc}: run `make floor`", key="arch") from None
        out(
            f"{board.name}: {board.arch.name}, {format_size(board.memory)} of RAM, "
            f"init {board.init}, capture kernel {label} (the kernel `verify --kernel "
            f"{args.kernel}` boots)"
        )
        for line in model.format_recommendation(rec):
            out(line)
        measured = table.find(board.arch.name, label, board.memory, board.init)
        if measured is not None:
            out(
                f"  measured floor for this arch, kernel, init and RAM: "
                f"{format_size(measured.captures)} captures, "
                f"{format_size(measured.fails)} fails"
            )
        if footprint is None:
            note(
                "note: the capture kernel's footprint is the measured kernel's; give "
                "--image FILE (or --image-size) for yours"
            )
        out(f"recommended: crashkernel={format_size(rec.size)}")
        out(f"reference defaults for {format_size(board.memory)} of RAM:")
        for ref in references():
            params = ck.parse_params(ref.value)
            got = params[0].size_for(board.memory)
            mark = "" if ref.arch == board.arch.name else f" (for {ref.arch})"
            out(
                f"  {ref.who:<7} {ref.value:<36} -> {format_size(got) if got else 'nothing':>7}"
                f"  {ref.note}{mark}"
            )
        out(
            f"this board's value: {board.crashkernel.cmdline} -> "
            f"{format_size(max(p.size_for(board.memory) for p in board.crashkernel.params))}"
        )
        return 0


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the file: {exc.strerror}", file=path) from None
