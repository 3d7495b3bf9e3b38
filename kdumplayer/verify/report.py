"""The measurements behind `kdumplayer verify --report` and benchmarks/bench_verify.py:
time from crash to dump saved, vmcore size against guest RAM for each dump level
and compression, and the smallest crashkernel= that still captures (bisection in
QEMU), next to the distributions' defaults."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from kdumplayer.board.model import Board
from kdumplayer.crashkernel import grammar as ck
from kdumplayer.sizes import format_size
from kdumplayer.verify import guest as guest_mod
from kdumplayer.verify import inspect
from kdumplayer.verify.assets import Kernel
from kdumplayer.verify.machine import Stall
from kdumplayer.verify.rootfs import verify_board
from kdumplayer.verify.scenarios import CRASH_LINE, SAVED_LINE, dump_disk_size

MIB = 1 << 20
LEVELS = (0, 1, 31)
COMPRESSIONS = ("none", "zlib", "lzo")  # Debian's makedumpfile 1.7.2: no snappy, no zstd
REFERENCES = {"Fedora": 256 * MIB, "Debian": 192 * MIB}
PROBE_TIMEOUT = 240.0


@dataclass(frozen=True)
class Capture:
    """One crash and capture with one setting."""

    crashkernel: int
    level: int
    compression: str
    ok: bool
    crash_to_saved: float | None
    vmcore_size: int | None
    seconds: float


@dataclass
class Report:
    board: str
    kernel: str
    memory: int
    accel: str = ""
    sizes: list[Capture] = field(default_factory=list)
    probes: list[Capture] = field(default_factory=list)
    smallest: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "board": self.board,
            "kernel": self.kernel,
            "memory": self.memory,
            "accel": self.accel,
            "captures": [c.__dict__ for c in self.sizes],
            "crashkernel_probes": [c.__dict__ for c in self.probes],
            "smallest_crashkernel": self.smallest,
            "references": REFERENCES,
        }


def with_setting(board: Board, size: int, level: int, compression: str) -> Board:
    crash = replace(board.crashkernel, params=(ck.Crashkernel(size=size),), auto=False)
    collector = "makedumpfile"
    dump = replace(
        board.dump, level=level, compression=compression, collector=collector, keep=0, min_free=0
    )
    return replace(board, crashkernel=crash, dump=dump)


def capture_once(
    board: Board,
    kernel: Kernel,
    workdir: Path,
    size: int,
    level: int,
    compression: str,
    accel: str = "",
    timeout: float = PROBE_TIMEOUT,
    stall: Stall | None = None,
) -> tuple[Capture, str]:
    """Boot, crash, capture with one setting; read the dump back."""
    setting = with_setting(verify_board(board, kernel), size, level, compression)
    guest = guest_mod.Guest(setting, kernel, workdir, dump_disk_size(setting), accel=accel)
    guest.build()
    run = guest.boot("crash", timeout=timeout, stall=stall)
    dumps = inspect.read_dumps(guest.dump_image, "/", workdir / "scratch") or []
    good = [d for d in dumps if d.complete and d.status == "ok" and d.vmcore_format != "unknown"]
    crashed, saved = run.first(CRASH_LINE), run.first(SAVED_LINE)
    for image in workdir.glob("*.img"):  # up to RAM-sized each; the console logs stay
        image.unlink()
    return Capture(
        crashkernel=size,
        level=level,
        compression=compression,
        ok=bool(good),
        crash_to_saved=(saved - crashed)
        if good and crashed is not None and saved is not None
        else None,
        vmcore_size=good[0].files["vmcore"] if good else None,
        seconds=run.seconds,
    ), guest.accel


def bisect_smallest(works: Callable[[int], bool], low: int, high: int, step: int) -> int | None:
    """The smallest size in (low, high], a multiple of `step`, for which works() holds,
    assuming it holds from some size on; None if it fails at `high`."""
    if not works(high):
        return None
    lo, hi = low // step, high // step  # works(hi * step) is known true; lo is assumed false
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if works(mid * step):
            hi = mid
        else:
            lo = mid
    return hi * step


def measure(
    board: Board,
    kernel: Kernel,
    workdir: Path,
    *,
    settings: Iterable[tuple[int, str]] | None = None,
    low: int = 32 * MIB,
    step: int = 8 * MIB,
    log: Callable[[str], None] = lambda _: None,
) -> Report:
    board = verify_board(board, kernel)
    size = max(p.size_for(board.memory) for p in board.crashkernel.params)
    report = Report(board=board.name, kernel=kernel.name, memory=board.memory)
    accel = ""
    if settings is None:
        settings = [(lv, comp) for lv in LEVELS for comp in COMPRESSIONS]
    for index, (level, compression) in enumerate(settings):
        cap, accel = capture_once(
            board, kernel, workdir / f"size-{index}", size, level, compression, accel
        )
        report.sizes.append(cap)
        log(
            f"level {level:2d} {compression:5s}: {'ok' if cap.ok else 'FAILED'} "
            f"vmcore {_mib(cap.vmcore_size or 0)} in {cap.crash_to_saved or 0:.1f}s"
        )
    report.accel = accel

    def works(candidate: int) -> bool:
        cap, _ = capture_once(
            board,
            kernel,
            workdir / f"ck-{candidate // MIB}M",
            candidate,
            board.dump.level,
            board.dump.compression,
            accel,
        )
        report.probes.append(cap)
        log(f"crashkernel={candidate // MIB}M: {'captures' if cap.ok else 'fails'}")
        return cap.ok

    report.smallest = bisect_smallest(works, low, size, step)
    return report


def _mib(size: int) -> str:
    return f"{size / MIB:.1f}M"


def format_report(report: Report) -> str:
    lines = [
        f"kdump report for {report.board} (kernel {report.kernel}, "
        f"{format_size(report.memory)} RAM, QEMU {report.accel or '?'})",
        "",
        "crash to dump saved, vmcore size against guest RAM:",
        f"  {'level':>5}  {'compression':<11}  {'vmcore':>9}  {'of RAM':>7}  {'crash->saved':>12}",
    ]
    for cap in report.sizes:
        if not cap.ok or cap.vmcore_size is None:
            lines.append(f"  {cap.level:>5}  {cap.compression:<11}  {'FAILED':>9}")
            continue
        ratio = 100.0 * cap.vmcore_size / report.memory
        lines.append(
            f"  {cap.level:>5}  {cap.compression:<11}  {_mib(cap.vmcore_size):>9}"
            f"  {ratio:6.2f}%  {cap.crash_to_saved or 0:11.1f}s"
        )
    lines += ["", "smallest crashkernel= that still captures (bisection, 8M steps):"]
    for cap in sorted(report.probes, key=lambda c: c.crashkernel):
        lines.append(f"  {cap.crashkernel // MIB:4d}M  {'captures' if cap.ok else 'fails'}")
    smallest = (
        f"{report.smallest // MIB}M" if report.smallest else "none (even the board's size fails)"
    )
    lines.append(f"  smallest: {smallest}")
    for name, ref in REFERENCES.items():
        note = ""
        if report.smallest:
            note = f" ({ref / report.smallest:.1f}x the smallest)"
        lines.append(f"  {name} default: {ref // MIB}M{note}")
    return "\n".join(lines)
