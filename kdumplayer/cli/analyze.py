"""`kdumplayer analyze`: from a dump to a diagnosis."""

from __future__ import annotations

import argparse
from pathlib import Path

from kdumplayer.cli.base import Command, out


class AnalyzeCommand(Command):
    name = "analyze"
    help = "read a dump: kernel, panic, crashed task's stack, log, the dump's own facts"
    description = (
        "Analyze a dump the kdump hook saved (a dump directory: vmcore,\n"
        "vmcore-dmesg.txt, summary.txt) or a bare vmcore (ELF, or kdump-compressed\n"
        "with zlib, lzo, snappy, zstd or none). With the kernel's vmlinux (debug\n"
        "info) drgn reads the crashed task's stack with file:line, the log and the\n"
        "modules; without it analyze reports VMCOREINFO, the log, the summary, and\n"
        "says how to get the debug info. A vmlinux is found by build id in the\n"
        "distributions' debug paths and among the gold kernels `verify` built;\n"
        "--vmlinux names one (refused when its build id is not the dump's).\n"
        "Nothing is written into the dump directory.\n"
        "Exit status: 0 analyzed, 1 readable but broken (e.g. the summary says the\n"
        "capture failed, no stack), 2 not a usable dump or a wrong vmlinux."
    )
    examples = (
        "kdumplayer analyze /var/crash/20261206-064512",
        "kdumplayer analyze --vmlinux vmlinux-6.1.0 vmcore",
        "kdumplayer analyze --format json /var/crash/20261206-064512",
    )

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "dump",
            metavar="DUMP",
            type=Path,
            help="a dump directory (vmcore, vmcore-dmesg.txt, summary.txt) or a vmcore file",
        )
        parser.add_argument(
            "--vmlinux",
            type=Path,
            metavar="FILE",
            help="the crashed kernel's vmlinux with debug info",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args: argparse.Namespace) -> int:
        # drgn loads only when analyze runs: the other commands stay fast to start.
        from kdumplayer.analyze import render
        from kdumplayer.analyze.analysis import analyze

        result = analyze(args.dump, args.vmlinux)
        out(render.as_json(result) if args.format == "json" else render.as_text(result))
        return 0 if result.ok else 1
