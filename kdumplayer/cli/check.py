"""`kdumplayer check`: check kernel configs against the kdump requirements, one or many.

Forms: a board; one base config (--defconfig, --config, tinyconfig,
allnoconfig) on --kernel-src; many kernel configs (paths or globs); Buildroot
defconfigs (--buildroot); a Yocto layer's fragments (--yocto). The jobs are
built here (kdumplayer.check.jobs), checked by kdumplayer.check.runner and formatted
by kdumplayer.check.formats. Exit 0 when everything is met, 1 when anything is not,
2 on bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kdumplayer.check import formats, runner
from kdumplayer.check.jobs import Request, build
from kdumplayer.cli.base import Command, board_advice, note, out
from kdumplayer.errors import UserError
from kdumplayer.output import atomic_write


class CheckCommand(Command):
    name = "check"
    help = "check kernel configs against the kdump requirements"
    description = (
        "Evaluate kernel configs with the kernel's own Kconfig files and check that every "
        "kdump requirement ends up in the final .config; explain what blocks the ones that "
        "do not. One config or many (globs) in one run, Buildroot defconfigs and Yocto "
        "layers too, with reports a CI understands."
    )
    examples = (
        "kdumplayer check board-configs/qemu-x86_64.yaml",
        "kdumplayer check --kernel-src /usr/src/linux-source-6.12.tar.xz --arch arm64 "
        "--defconfig defconfig --fragment kdump.cfg --fix fix.cfg",
        "kdumplayer check --kernel-src linux-6.12.tar.xz 'arch/arm/configs/*_defconfig' --jobs 2",
        "kdumplayer check --buildroot configs/*_defconfig --kernel-src 6.12=linux-6.12.tar.xz",
        "kdumplayer check --yocto meta-kdump --machine qemuarm64 --arch arm64 --kernel-src SRC",
        "kdumplayer check --kernel-src SRC 'configs/*' --shard 2/4 --format junit -o report.xml",
    )

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "inputs",
            nargs="*",
            metavar="BOARD|CONFIG",
            help="a board description (.yaml); or kernel configs (paths or globs; globs that "
            "match nothing here are tried inside the kernel tree); or Buildroot defconfigs "
            "with --buildroot; or the word tinyconfig or allnoconfig",
        )
        src = parser.add_argument_group("kernel")
        src.add_argument(
            "--kernel-src",
            action="append",
            default=[],
            metavar="[VERSION=]SRC",
            help="kernel tree or release tarball; repeat with VERSION= to give one per kernel "
            "version (Buildroot defconfigs pick theirs by BR2_LINUX_KERNEL_CUSTOM_VERSION_VALUE)",
        )
        src.add_argument(
            "--arch",
            help="kdumplayer arch (x86_64, i386, arm64, arm, riscv64); "
            "inferred from arch/*/configs/ paths, boards and Buildroot defconfigs",
        )
        src.add_argument(
            "--toolchain",
            metavar="PREFIX",
            help="evaluate compiler probes with this cross toolchain "
            "(default: the tree's scripts/dummy-tools)",
        )
        base = src.add_mutually_exclusive_group()
        base.add_argument("--defconfig", metavar="NAME", help="base: a defconfig of the tree")
        base.add_argument("--config", metavar="FILE", help="base: a .config or defconfig file")
        src.add_argument(
            "--fragment",
            action="append",
            default=[],
            metavar="FILE",
            help="a fragment applied after the base, in order (repeatable)",
        )
        src.add_argument(
            "--without-kdump-fragment",
            action="store_true",
            help="BOARD: check the board's config as it is, without the kdump fragment "
            "kdumplayer generates for it (which the generated trees add)",
        )
        src.add_argument(
            "--against",
            metavar="FRAGMENT",
            help="check that this fragment's assignments hold, instead of the kdump requirements",
        )
        src.add_argument(
            "--fix",
            metavar="OUT",
            help="write the assignments that make every requirement that can be "
            "met hold (one config only)",
        )
        br = parser.add_argument_group("Buildroot and Yocto")
        br.add_argument(
            "--buildroot", action="store_true", help="the inputs are Buildroot defconfigs"
        )
        br.add_argument(
            "--br2-external",
            action="append",
            default=[],
            metavar="DIR",
            help="a BR2_EXTERNAL tree for $(BR2_EXTERNAL_NAME_PATH) (repeatable; "
            "the tree a defconfig sits in is found by itself)",
        )
        br.add_argument(
            "--buildroot-dir",
            metavar="DIR",
            help="the Buildroot directory, for $(TOPDIR) and relative paths",
        )
        br.add_argument(
            "--yocto", metavar="LAYER", help="check a layer's kernel fragments (.cfg) for --machine"
        )
        br.add_argument("--machine", help="the Yocto MACHINE whose fragments apply")
        run = parser.add_argument_group("output and running")
        run.add_argument(
            "--format",
            choices=formats.FORMATS,
            default="text",
            help="text (default), json, junit (GitLab, Jenkins) or github (Actions annotations)",
        )
        run.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            help="write the report here; the summary table still goes to stdout",
        )
        run.add_argument(
            "--jobs",
            "-j",
            type=int,
            default=1,
            metavar="N",
            help="check in N processes (each parses a tree once per arch)",
        )
        run.add_argument(
            "--shard",
            metavar="K/N",
            help="check only the K-th of N deterministic shares (CI matrices)",
        )
        run.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            help="text: list met requirements too when checking many configs",
        )

    def run(self, args: argparse.Namespace) -> int:
        if args.jobs < 1:
            raise UserError(f"--jobs {args.jobs}: must be 1 or more")
        if (
            len(args.inputs) == 1
            and args.inputs[0].endswith((".yaml", ".yml"))
            and not (args.yocto or args.buildroot)
        ):
            from kdumplayer.board.model import load_board

            # The same kexec-tools compatibility advice as validate (advice only).
            board_advice(args.inputs[0], load_board(args.inputs[0]))
        jobs = build(_request(args))
        total = len(jobs)
        if args.shard:
            index, count = runner.parse_shard(args.shard)
            jobs = runner.shard(jobs, index, count)
        if args.fix and len(jobs) != 1:
            raise UserError(f"--fix needs exactly one config, got {len(jobs)}")
        outcomes = runner.run(jobs, args.jobs, show_progress=args.format == "text")
        if args.fix:
            fix_text = outcomes[0].fix or ""
            atomic_write(Path(args.fix), fix_text.encode("utf-8"))
        text = formats.render(outcomes, args.format, verbose=args.verbose)
        if args.output:
            atomic_write(Path(args.output), text.encode("utf-8"))
            out("\n".join(formats.summary_table(outcomes)))
        else:
            sys.stdout.write(text)
        if args.shard:
            print(
                f"kdumplayer: shard {args.shard}: {len(jobs)} of {total} configs", file=sys.stderr
            )
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if args.format == "github" and summary:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(formats.markdown_summary(outcomes))
        for o in outcomes:
            if o.error is not None:  # bad input for that config: said like any bad input
                note(f"kdumplayer: error: {o.anchor or o.name}: {o.error}")
        if any(o.error is not None for o in outcomes):
            return 2
        return 0 if all(o.passed for o in outcomes) else 1


def _request(args: argparse.Namespace) -> Request:
    return Request(
        inputs=tuple(args.inputs),
        kernel_src=tuple(args.kernel_src),
        arch=args.arch,
        defconfig=args.defconfig,
        config=args.config,
        fragments=tuple(args.fragment),
        toolchain=args.toolchain,
        against=args.against,
        without_kdump_fragment=args.without_kdump_fragment,
        fix=bool(args.fix),
        buildroot=args.buildroot,
        br2_external=tuple(args.br2_external),
        buildroot_dir=args.buildroot_dir,
        yocto=args.yocto,
        machine=args.machine,
    )
