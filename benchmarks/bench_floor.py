"""Benchmark the memory kdump costs: the smallest crashkernel= that captures (the floor),
per arch and guest RAM, each figure from a boot + crash + capture whose dump was read back
and checked (kdumplayer.verify.floor, the path of `kdumplayer verify --report`).

- `--sweep` (make floor): bisect the floor (2M steps) for every point of PLAN, in
  priority order, one QEMU at a time, and rewrite kconfig-fragments/crashkernel-floor.yaml
  after each point (the table `kdumplayer crashkernel recommend` computes from).
  `--only ARCH[:RAM]` limits the sweep; `--budget SECONDS` stops starting new points.
- default (make bench): the table from that file with the figures before issue 18 beside
  it, the default board's floor checked again (its floor captures, 2M less fails: 2
  boots), and the recommendation beside the measured floor for every example board.

Run: python3 benchmarks/bench_floor.py [--sweep] [--only x86_64:1G] [--no-boot]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kdumplayer.board.model import Board, load_board  # noqa: E402
from kdumplayer.crashkernel import model  # noqa: E402
from kdumplayer.sizes import format_size, parse_size  # noqa: E402
from kdumplayer.verify import floor, kernels  # noqa: E402
from kdumplayer.verify.assets import Kernel  # noqa: E402

BOARDS = REPO / "board-configs"
DEFAULT_BOARD = BOARDS / "qemu-x86_64.yaml"
MIB = 1 << 20
# (board, kernel, Debian generation or None, RAM sizes), highest priority first:
# x86_64 and arm64 at every size, then arm and riscv64 at 512M and 1G, then the rest.
PLAN: tuple[tuple[str, str, str | None, str, tuple[str, ...]], ...] = (
    ("qemu-x86_64", "gold", None, "busybox", ("1G", "512M", "2G", "4G")),
    ("qemu-arm64", "gold", None, "busybox", ("1G", "512M", "2G", "4G")),
    ("qemu-arm", "gold", None, "busybox", ("512M", "1G")),
    # riscv64's gold kernel boots on Debian unstable's OpenSBI 1.9 (firmware.yaml).
    ("qemu-riscv64", "gold", None, "busybox", ("512M", "1G")),
    ("qemu-x86_64", "debian", "bookworm", "busybox", ("1G", "512M", "2G", "4G")),
    # What another init system costs in the capture boot (x86_64: the host's arch,
    # where verify boots Debian roots); the example boards with one use it.
    ("qemu-x86_64", "gold", None, "systemd", ("1G",)),
    ("qemu-x86_64", "gold", None, "sysv", ("1G",)),
    ("qemu-x86_64", "gold", None, "openrc", ("1G",)),
    ("qemu-arm", "gold", None, "busybox", ("2G",)),
    ("qemu-riscv64", "gold", None, "busybox", ("2G", "4G")),
    ("qemu-riscv64", "debian", "unstable", "busybox", ("512M", "1G")),
)
DEFAULT_HINT = 24 * MIB


def _kernel_label(which: str, generation: str | None) -> str:
    return which if which == "gold" else f"debian-{generation}"


def _load(board: Board, which: str, generation: str | None) -> tuple[Kernel, str]:
    """The kernel, and its label in the table."""
    kernel = kernels.load(board, kernels.choose(board, which, generation))
    return kernel, _kernel_label(which, generation)


def sweep(only: list[str], budget: float) -> int:
    start = time.monotonic()
    table, mdl = model.load_floors(), model.Model.load()
    with tempfile.TemporaryDirectory(prefix="kdumplayer-floor-") as tmp:
        for name, which, generation, init, memories in PLAN:
            board = replace(load_board(BOARDS / f"{name}.yaml"), init=init)
            for memory in memories:
                key = f"{board.arch.name}:{memory}"
                wanted = {board.arch.name, key, f"{key}:{which}", f"{key}:{which}:{init}"}
                if init != "busybox":  # only when asked by name
                    wanted = {f"{key}:{which}:{init}", init}
                if only and not wanted & set(only):
                    continue
                if time.monotonic() - start > budget:
                    print(f"budget spent: {key} {which} not measured", file=sys.stderr)
                    continue
                sized = floor.with_memory(board, parse_size(memory))
                kernel, label = _load(sized, which, generation)
                old = table.find(board.arch.name, label, sized.memory, init)
                before = next(
                    (
                        p.captures
                        for p in mdl.previous
                        if (p.arch, p.kernel, p.memory) == (board.arch.name, label, sized.memory)
                    ),
                    DEFAULT_HINT,
                )
                hint = old.captures if old else before
                found = floor.find_floor(
                    sized,
                    kernel,
                    Path(tmp),
                    hint,
                    log=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
                )
                entry = floor.entry_from(found, label, sized, kernel)
                if entry is None:
                    print(f"{key} {label}: no floor found", file=sys.stderr)
                    continue
                # Read again before writing: another sweep (another arch) may have
                # written its points since this one started.
                table = model.load_floors().with_entry(entry)
                model.write_floors(table)
                print(
                    f"{key} {label}: {format_size(entry.captures)} captures, "
                    f"{format_size(entry.fails)} fails",
                    flush=True,
                )
    return 0


def recheck(board_path: Path) -> tuple[str, bool]:
    """The default board's floor once more: the floor captures and 2M less fails."""
    board = load_board(board_path)
    kernel = kernels.load(board, kernels.choose(board, "gold"))
    entry = model.load_floors().find(board.arch.name, "gold", board.memory)
    if entry is None:
        return "no measured floor for the default board", False
    with tempfile.TemporaryDirectory(prefix="kdumplayer-floor-") as tmp:
        low, _ = floor.probe(board, kernel, Path(tmp), entry.captures - floor.STEP)
        high, _ = floor.probe(board, kernel, Path(tmp), entry.captures)
    same = high.ok and not low.ok
    text = (
        f"{board.name} (gold, {format_size(board.memory)}): "
        f"{format_size(entry.captures)} {'captures' if high.ok else 'FAILS'}, "
        f"{format_size(entry.captures - floor.STEP)} {'fails' if not low.ok else 'CAPTURES'}"
        f" [{low.seconds + high.seconds:.0f}s]"
    )
    return text, same


def _size(amount: int | None) -> str:
    return format_size(amount) if amount else "-"


def format_table(table: model.Table, mdl: model.Model) -> str:
    """The floors per arch, kernel and RAM, with the figures before issue 18 beside them."""
    lines = [
        "smallest crashkernel= that captures (dump read back and checked), QEMU TCG:",
        f"  {'arch':<8} {'kernel':<16} {'init':<8} {'RAM':>5} {'captures':>9} {'fails':>6} "
        f"{'footprint':>9} {'initrd':>7}  {'before (captures/fails)':<24} probes",
    ]
    for e in table.entries:
        before = next(
            (
                p
                for p in mdl.previous
                # the figures before were BusyBox init's
                if (p.arch, p.kernel, p.memory, "busybox") == (e.arch, e.kernel, e.memory, e.init)
            ),
            None,
        )
        was = f"{_size(before.captures)} / {_size(before.fails)}" if before else "-"
        lines.append(
            f"  {e.arch:<8} {e.kernel:<16} {e.init:<8} {format_size(e.memory):>5} "
            f"{format_size(e.captures):>9} {_size(e.fails):>6} "
            f"{model.mib(e.footprint):>9} {model.mib(e.initrd):>7}  {was:<24} {e.probes}"
        )
    for arch in dict.fromkeys(e.arch for e in table.entries):
        for kernel in dict.fromkeys(e.kernel for e in table.entries if e.arch == arch):
            found = model.fit(table, mdl, arch, kernel)
            if found is not None:
                lines.append(
                    f"  fit {arch} {kernel}: overhead = {model.mib(found.intercept)}"
                    f" + {found.slope * 1024:.2f}M per G of RAM "
                    f"({len(found.basis)} floor(s))"
                )
    return "\n".join(lines)


def format_boards(table: model.Table, mdl: model.Model, paths: list[Path]) -> str:
    """For every example board: the recommendation, its kernel, and the measured floor."""
    lines = [
        "recommendation beside the measured floor, every example board:",
        f"  {'board':<26} {'arch':<8} {'RAM':>5} {'kernel':<16} {'init':<8} {'reserves':>9} "
        f"{'recommend':>9} {'floor':>6}",
    ]
    prev_board, prev_size = mdl.previous_recommendation
    for path in paths:
        board = load_board(path)
        label = model.verify_kernel_label(board)
        try:
            rec = model.recommend(
                table, mdl, board.arch.name, board.memory, label, None, None, board.init
            )
        except LookupError as exc:
            lines.append(f"  {board.name:<26} {board.arch.name:<8} {exc}")
            continue
        measured = table.find(board.arch.name, label, board.memory, board.init)
        reserved = max(p.size_for(board.memory) for p in board.crashkernel.params)
        was = f" (before: {format_size(prev_size)})" if board.name == prev_board else ""
        lines.append(
            f"  {board.name:<26} {board.arch.name:<8} {format_size(board.memory):>5} "
            f"{label:<16} {board.init:<8} {format_size(reserved):>9} "
            f"{format_size(rec.size):>9} "
            f"{_size(measured.captures if measured else None):>6}{was}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="measure and rewrite the table")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="ARCH[:RAM[:KERNEL]]",
        help="only these points, e.g. x86_64, arm64:1G, x86_64:1G:debian",
    )
    parser.add_argument("--budget", type=float, default=6 * 3600.0, metavar="SECONDS")
    parser.add_argument(
        "--no-boot", action="store_true", help="print the table and recommendations without booting"
    )
    args = parser.parse_args()
    if args.sweep:
        return sweep(args.only, args.budget)
    table, mdl = model.load_floors(), model.Model.load()
    print(format_table(table, mdl))
    print()
    ok = True
    if not args.no_boot:
        text, ok = recheck(DEFAULT_BOARD)
        print(f"default board floor, checked again: {text}")
        print()
    print(format_boards(table, mdl, sorted(BOARDS.glob("*.yaml"))))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
