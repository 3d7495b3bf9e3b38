"""`kdumplayer generate`: write (or --check) the Buildroot tree and the Yocto layer for a board."""

from __future__ import annotations

import argparse
from pathlib import Path

from kdumplayer.board.model import load_board
from kdumplayer.cli.base import Command, board_advice, buildroot_advice, note, out
from kdumplayer.errors import UserError
from kdumplayer.generate.registry import GENERATORS, Options
from kdumplayer.output import check_tree, write_tree


class GenerateCommand(Command):
    name = "generate"
    help = "generate the Buildroot BR2_EXTERNAL tree and/or the Yocto layer"
    description = (
        "Generate build-system integration for a board. `buildroot` and `yocto`\n"
        "write one tree into -o DIR; `all` writes DIR/buildroot and DIR/<layer>.\n"
        "With --check nothing is written: exit 1 and a diff when DIR is stale.\n"
        "--buildroot-dir PATH (or the board's buildroot.base_defconfig) makes the\n"
        "Buildroot defconfig complete: merged over the board's base defconfig."
    )
    examples = (
        "kdumplayer generate buildroot board-configs/qemu-x86_64.yaml -o br-external",
        "kdumplayer generate yocto board-configs/raspberrypi4-64.yaml -o meta-kdump-rpi4",
        "kdumplayer generate all board-configs/qemu-x86_64.yaml -o out/",
        "kdumplayer generate buildroot board-configs/qemu-x86_64.yaml -o br-external --check",
        "kdumplayer generate buildroot board-configs/qemu-x86_64.yaml -o br-external "
        "--buildroot-dir ~/buildroot",
    )

    def setup(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("target", choices=(*GENERATORS, "all"), help="what to generate")
        parser.add_argument("board", metavar="BOARD", help="board description (YAML)")
        parser.add_argument(
            "-o", "--output", metavar="DIR", required=True, type=Path, help="output directory"
        )
        parser.add_argument("--name", help="override the tree's name (external name / layer name)")
        parser.add_argument(
            "--buildroot-dir",
            metavar="PATH",
            type=Path,
            help="Buildroot tree: merge the defconfig over its configs/<buildroot.defconfig>",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare with DIR instead of writing; exit 1 when it differs",
        )

    def run(self, args: argparse.Namespace) -> int:
        board = load_board(args.board)
        board_advice(args.board, board)  # e.g. a kexec-tools pin older than the kernel needs
        targets = list(GENERATORS) if args.target == "all" else [args.target]
        if "buildroot" in targets and args.buildroot_dir is None:
            buildroot_advice(args.board, board)  # a kdump-only defconfig needs a base
        generators = [GENERATORS[target] for target in targets]
        if args.buildroot_dir is not None and not any(g.takes_buildroot_dir for g in generators):
            raise UserError(
                f"--buildroot-dir is not used by the {args.target} generator", key="--buildroot-dir"
            )
        # --check passes the options too, to compare like with like.
        options = Options(name=args.name, buildroot_dir=args.buildroot_dir)
        # Render everything first: a bad value fails before any file is written.
        plans = []
        for gen in generators:
            tree = gen.generate(board, options)
            outdir = args.output
            if args.target == "all":
                outdir = outdir / gen.dirname(board, args.name)
            plans.append((gen.target, outdir, tree))
        status = 0
        for target, outdir, tree in plans:
            if args.check:
                problems = check_tree(outdir, tree)
                if problems:
                    status = 1
                    out(f"{target}: {outdir} is stale ({len(problems)} difference(s)):")
                    for problem in problems:
                        out(problem)
                else:
                    out(f"{target}: {outdir} is up to date ({len(tree)} files)")
                continue
            changed = write_tree(outdir, tree)
            note(f"{target}: wrote {outdir} ({len(tree)} files, {len(changed)} changed)")
        return status
