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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kdumplayer import crashkernel_model as model  # noqa: E402
from kdumplayer.board import Board, load_board  # noqa: E402
from kdumplayer.sizes import format_size, parse_size  # noqa: E402
from kdumplayer.verify import floor, kernels  # noqa: E402
from kdumplayer.verify.assets import Kernel  # noqa: E402

BOARDS = REPO / "board-configs"
DEFAULT_BOARD = BOARDS / "qemu-x86_64.yaml"
MIB = 1 << 20
# (board, kernel, Debian generation or None, RAM sizes), highest priority first:
# x86_64 and arm64 at every size, then arm and riscv64 at 512M and 1G, then the rest.
PLAN: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    ("qemu-x86_64", "gold", None, ("1G", "512M", "2G", "4G")),
    ("qemu-arm64", "gold", None, ("1G", "512M", "2G", "4G")),
    ("qemu-arm", "gold", None, ("512M", "1G")),
    # riscv64's gold kernel does not boot yet (issue 15): Debian unstable's kernel.
    ("qemu-riscv64", "debian", "unstable", ("512M", "1G")),
    ("qemu-x86_64", "debian", "bookworm", ("1G", "512M", "2G", "4G")),
    ("qemu-arm", "gold", None, ("2G",)),
    ("qemu-riscv64", "debian", "unstable", ("2G", "4G")),
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
    table = model.load_floors()
    with tempfile.TemporaryDirectory(prefix="kdumplayer-floor-") as tmp:
        for name, which, generation, memories in PLAN:
            board = load_board(BOARDS / f"{name}.yaml")
            for memory in memories:
                key = f"{board.arch.name}:{memory}"
                if only and not {board.arch.name, key, f"{key}:{which}"} & set(only):
                    continue
                if time.monotonic() - start > budget:
                    print(f"budget spent: {key} {which} not measured", file=sys.stderr)
                    continue
                sized = floor.with_memory(board, parse_size(memory))
                kernel, label = _load(sized, which, generation)
                old = table.find(board.arch.name, label, sized.memory)
                hint = old.captures if old else DEFAULT_HINT
                found = floor.find_floor(
                    sized, kernel, Path(tmp), hint,
                    log=lambda line: print(f"  {line}", file=sys.stderr, flush=True))
                entry = floor.entry_from(found, label, sized, kernel)
                if entry is None:
                    print(f"{key} {label}: no floor found", file=sys.stderr)
                    continue
                table = table.with_entry(entry)
                model.write_floors(table)
                print(f"{key} {label}: {format_size(entry.captures)} captures, "
                      f"{format_size(entry.fails)} fails", flush=True)
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
    text = (f"{board.name} (gold, {format_size(board.memory)}): "
            f"{format_size(entry.captures)} {'captures' if high.ok else 'FAILS'}, "
            f"{format_size(entry.captures - floor.STEP)} {'fails' if not low.ok else 'CAPTURES'}"
            f" [{low.seconds + high.seconds:.0f}s]")
    return text, same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="measure and rewrite the table")
    parser.add_argument("--only", action="append", default=[], metavar="ARCH[:RAM[:KERNEL]]",
                        help="only these points, e.g. x86_64, arm64:1G, x86_64:1G:debian")
    parser.add_argument("--budget", type=float, default=6 * 3600.0, metavar="SECONDS")
    parser.add_argument("--no-boot", action="store_true",
                        help="print the table and recommendations without booting")
    args = parser.parse_args()
    if args.sweep:
        return sweep(args.only, args.budget)
    table = model.load_floors()
    print(model.format_table(table))
    print()
    ok = True
    if not args.no_boot:
        text, ok = recheck(DEFAULT_BOARD)
        print(f"default board floor, checked again: {text}")
        print()
    print(model.format_boards(table, sorted(BOARDS.glob("*.yaml"))))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
