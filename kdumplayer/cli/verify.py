"""`kdumplayer verify`: prove the kdump hook in QEMU: crash, capture, check."""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

from kdumplayer import debian
from kdumplayer.analyze import render
from kdumplayer.board.model import load_board
from kdumplayer.cli.base import Command, add_board_argument, note, out
from kdumplayer.errors import UserError
from kdumplayer.runtime import INITS
from kdumplayer.term import paint, status
from kdumplayer.verify import (
    analysis,
    arches,
    catalog,
    initsys,
    kernels,
    network,
    report,
    scenarios,
    summary,
)

NO_RTC_MIN_CRASHES = 4  # keep: 3 and one more: the fewest crashes that rotate


class VerifyCommand(Command):
    name = "verify"
    help = "prove the kdump hook in QEMU: crash, capture, check"
    description = (
        "Boot the board's kdump hook in QEMU under the board's own init system:\n"
        "BusyBox init on a root made of Debian's busybox, kexec-tools and\n"
        "makedumpfile; systemd, SysV init or OpenRC on a Debian bookworm root built\n"
        "with mmdebstrap (cached); either way with exactly the files the generated\n"
        "packages install. A board whose init system cannot boot here (systemd,\n"
        "sysv or openrc on another arch than the host's) is reported NOT PROVEN.\n"
        "Crash it with `kdump test --yes`, let the capture kernel save the\n"
        "dump to a virtio disk, and read the disk back without mounting it.\n"
        "Scenarios: " + ", ".join(catalog.SCENARIOS) + " (default: capture).\n"
        "The kernel (--kernel auto): Debian's for the board's arch from the generation\n"
        "nearest the board's kernel.version (6.1 bookworm, 6.12 trixie, 7.x unstable)\n"
        "when it is recorded as capturing there, else the gold kernel, built\n"
        "(cross-compiled for other arches) from the board's kernel.source or the\n"
        "linux-source of its version with tinyconfig + the generated fragment.\n"
        "--kernel debian|gold and --debian GENERATION choose. The guest's busybox,\n"
        "kexec-tools and makedumpfile are Debian's for the arch and the kernel's\n"
        "generation, fetched through a private apt state. KVM is used when it\n"
        "works, TCG otherwise (KDUMPLAYER_ACCEL=kvm|tcg forces one)."
    )
    examples = (
        "kdumplayer verify board-configs/qemu-x86_64.yaml",
        "kdumplayer verify --all board-configs/qemu-x86_64.yaml",
        "kdumplayer verify --kernel gold board-configs/qemu-x86_64.yaml",
        "kdumplayer verify --report board-configs/qemu-x86_64.yaml",
        "kdumplayer verify board-configs/qemu-arm64.yaml",
        "kdumplayer verify --kernel debian --debian unstable board-configs/qemu-arm64.yaml",
        "kdumplayer verify board-configs/qemu-riscv64.yaml",
    )

    def setup(self, parser: argparse.ArgumentParser) -> None:
        add_board_argument(parser)
        parser.add_argument(
            "-s",
            "--scenario",
            action="append",
            choices=list(catalog.SCENARIOS),
            help="run this scenario (repeatable; default: capture)",
        )
        parser.add_argument("--all", action="store_true", help="run every scenario")
        parser.add_argument(
            "--init", choices=INITS, help="boot this init system instead of the board's `init`"
        )
        parser.add_argument(
            "--rtc-crashes",
            type=int,
            default=12,
            metavar="N",
            help="crashes in the no-rtc scenario (default 12, keep: 3; at least 4)",
        )
        parser.add_argument(
            "--kernel",
            choices=kernels.CHOICES,
            default="auto",
            help="auto (default): Debian's kernel where it is recorded as "
            "capturing on the arch, else gold; debian; gold (tinyconfig + "
            "the board's fragment)",
        )
        parser.add_argument(
            "--debian",
            metavar="GENERATION",
            choices=list(debian.generations()),
            help="the Debian generation of the kernel and tools (default: "
            "the one nearest the board's kernel.version)",
        )
        parser.add_argument(
            "--report",
            action="store_true",
            help="measure: crash-to-saved time, vmcore sizes per level and "
            "compression, smallest crashkernel (many boots); with --all or "
            "-s, the scenarios run first and lead the report",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--workdir",
            type=Path,
            help="keep images and console logs here (default: a temporary dir)",
        )

    def run(self, args: argparse.Namespace) -> int:
        board = load_board(args.board)
        if args.init:
            board = replace(board, init=args.init)
        try:
            arches.check_supported(board.arch)
        except UserError as exc:
            raise UserError(exc.message, file=args.board, key="arch") from None
        names = list(catalog.SCENARIOS) if args.all else (args.scenario or ["capture"])
        if args.all and board.dump.ssh is None and network.unproven_reason(board):
            # A board that saves to its own disk: --all leaves out the ssh scenarios (they
            # turn it into an ssh board) where they cannot boot its init system.
            names = [n for n in names if not n.startswith("ssh-")]
        if args.rtc_crashes < NO_RTC_MIN_CRASHES:
            raise UserError(
                f"--rtc-crashes {args.rtc_crashes}: at least {NO_RTC_MIN_CRASHES} "
                "(keep: 3 and one more, or nothing is rotated)"
            )
        # --report alone measures; with --all or -s the scenarios run first.
        run_scenarios = not args.report or args.all or bool(args.scenario)
        reason = initsys.unproven_reason(board)
        if reason:
            # Said before anything is downloaded or booted: nothing stands in for the board's init.
            unproven = [
                scenarios.Outcome(n, board.name, "-", init=board.init, unproven=reason)
                for n in names
            ]
            if args.format == "json":
                out(json.dumps([_as_dict(o) for o in unproven], indent=2))
            else:
                for outcome in unproven:
                    _print_outcome(outcome)
                out("\n".join(summary.summary_lines(unproven)))
            return 1
        with tempfile.TemporaryDirectory(prefix="kdumplayer-verify-") as tmp:
            # Absolute: the ssh scenarios hand a directory under it to the server.
            workdir = (args.workdir or Path(tmp)).resolve()
            choice = kernels.choose(board, args.kernel, args.debian)
            if choice.which == "gold":
                note(
                    "verify: the gold kernel is built once (4 to 10 min on 2 cores), "
                    "then taken from the cache"
                )
            with status(f"verify: {choice.which} kernel for {board.name}..."):
                kernel = kernels.load(board, choice, note)
            outcomes, analyses = [], []
            for name in names if run_scenarios else []:
                note(f"verify: {name} on {board.name} ({kernel.name}, init {board.init})")
                options = {"crashes": args.rtc_crashes} if name == "no-rtc" else {}
                outcome = catalog.SCENARIOS[name](board, kernel, workdir / name, **options)
                note(
                    f"verify: {summary.verdict(outcome)} {outcome.scenario} "
                    f"in {outcome.seconds:.0f} s"
                )
                outcomes.append(outcome)
                # The gold kernel keeps its vmlinux: read the captured dump with it.
                found = analysis.analyze_capture(outcome, kernel) if name == "capture" else None
                analyses.append(found)
            measured = None
            if args.report:
                measured = report.measure(board, kernel, workdir / "report", log=note)
            if args.format == "json":
                done = [
                    {**_as_dict(o), "analysis": render.as_dict(a) if a else None}
                    for o, a in zip(outcomes, analyses, strict=True)
                ]
                out(
                    json.dumps(
                        {**measured.as_dict(), "scenarios": done} if measured else done, indent=2
                    )
                )
            else:
                for outcome, found in zip(outcomes, analyses, strict=True):
                    _print_outcome(outcome)
                    if found is not None:
                        out(
                            f"  analysis of dump {found.dump.path.name} (kdumplayer analyze, drgn):"
                        )
                        out("\n".join(f"    {line}" for line in render.as_text(found).splitlines()))
                if measured:
                    if outcomes:
                        out("")
                    out(report.format_report(measured))
                if outcomes:
                    out("")
                    out("\n".join(summary.summary_lines(outcomes)))
            proven = all(o.ok for o in outcomes)
            return 0 if proven and (measured is None or measured.smallest) else 1


def _as_dict(o: scenarios.Outcome) -> dict[str, object]:
    return {
        "scenario": o.scenario,
        "board": o.board,
        "kernel": o.kernel,
        "accel": o.accel,
        "init": o.init,
        "ok": o.ok,
        "unproven": o.unproven or None,
        "crash_to_saved": o.crash_to_saved,
        "retried": o.retried,
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in o.checks],
        "dumps": [
            {"name": d.name, "files": d.files, "status": d.status, "seq": d.seq} for d in o.dumps
        ],
    }


def _print_outcome(o: scenarios.Outcome) -> None:
    if o.unproven:
        out(f"{paint('NOT PROVEN', 'red')} {o.scenario}: {o.board}: nothing booted: {o.unproven}")
        return
    verdict = paint("PASS", "green") if o.ok else paint("FAIL", "red")
    timing = ", ".join(f"{t:.1f}s" for t in o.crash_to_saved)
    out(
        f"{verdict} {o.scenario}: {o.board}, init {o.init}, {o.kernel}, QEMU {o.accel}"
        + (f", crash to dump saved {timing}" if timing else "")
        + (f", {o.retried} boot(s) repeated (kernel died before userspace)" if o.retried else "")
    )
    for check in o.checks:
        mark = "ok  " if check.ok else paint("FAIL", "red")
        out(f"  {mark} {check.name}")
        if not check.ok and check.detail:
            for line in check.detail.splitlines()[-15:]:
                out(f"         {line}")
    for dump in o.dumps:
        seq = f" (capture {dump.seq})" if dump.seq is not None else ""
        out(
            f"  dump {dump.name}{seq}: {dump.status or '?'} "
            # seq's size would read as its number: the number is shown above.
            + " ".join(f"{n}={s}" for n, s in sorted(dump.files.items()) if n != "seq")
        )
