"""The memory floor: the smallest crashkernel= that captures a board at a given guest
RAM, found in QEMU with the same boot, crash, capture and read-back as
`kdumplayer verify --report` (report.capture_once), one size at a time.

A size counts as capturing only when the dump disk read back holds a complete
vmcore with status ok (verify's own checks); a failed boot at a size is a data
point, recorded with the console's last words, never an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from kdumplayer.board.model import Board
from kdumplayer.crashkernel import model
from kdumplayer.verify import arches, initsys, report, rootfs
from kdumplayer.verify.assets import Kernel
from kdumplayer.verify.machine import Stall
from kdumplayer.verify.rootfs import verify_board
from kdumplayer.verify.scenarios import CRASH_LINE

MIB = 1 << 20
STEP = 2 * MIB  # resolution near the floor
# A capture kernel that does not fit hangs without a word (seen on x86_64 at 20M):
# silence this long after the crash ends the run instead of the 240 s timeout.
# A capture that fits prints within seconds on x86_64, arm64 and arm, even under TCG
# on a loaded host; riscv64 under TCG was seen silent longer than 40 s (Debian's 35M
# Image at 84M), so there only the timeout ends a run.
SILENCE = 40.0
SILENCE_ARCH = {"riscv64": None}
# The capture kernel's first line: after it, only the timeout ends a run (an OpenRC
# capture's makedumpfile was seen silent over 40 s at 24M on a loaded host).
CAPTURE_SPOKE = "Linux version"
# The OOM killer in the capture boot: that size fails, whatever follows (a systemd
# capture at 24M and 28M went on retrying its services until the 25 min timeout).
OOM_KILL = "Out of memory: Killed process"
_MARKS = (  # console lines that say why a capture failed, most telling first
    "Kernel panic",
    "Out of memory",
    "kdump: ",
    "kexec",
    "crashkernel",
    "Initramfs unpacking failed",
)


@dataclass(frozen=True)
class Probe:
    """One boot, crash and capture at one reservation."""

    size: int
    ok: bool
    seconds: float
    crash_to_saved: float | None
    why: str = ""  # for a failure: the console line that says most


@dataclass
class Floor:
    """The bisection for one kernel at one guest RAM."""

    arch: str
    kernel: str
    memory: int
    probes: list[Probe] = field(default_factory=list)

    @property
    def smallest(self) -> int | None:
        """The smallest size that captured, when the size STEP below it was seen to fail
        (or it is STEP itself); None when no bracket was found."""
        good = sorted(p.size for p in self.probes if p.ok)
        bad = {p.size for p in self.probes if not p.ok}
        for size in good:
            if size - STEP in bad or size <= STEP:
                return size
        return None

    @property
    def fails_at(self) -> int | None:
        """The largest size seen failing below the smallest capturing one."""
        top = self.smallest
        bad = [p.size for p in self.probes if not p.ok and (top is None or p.size < top)]
        return max(bad) if bad else None


def with_memory(board: Board, memory: int) -> Board:
    """The board with another guest RAM (QEMU's -m follows board.memory)."""
    return replace(board, memory=memory)


def _why(console: str) -> str:
    lines = [line.strip() for line in console.splitlines() if line.strip()]
    crash = max((i for i, line in enumerate(lines) if CRASH_LINE in line), default=None)
    if crash is not None and not any("Linux version" in line for line in lines[crash:]):
        return "the capture kernel never spoke (no 'Linux version' after the crash)"
    if crash is not None:
        # The capture kernel's words: from its "Linux version" on (the lines between
        # are the crashing kernel's own panic, which every run has).
        spoke = next(i for i in range(crash, len(lines)) if CAPTURE_SPOKE in lines[i])
        lines = lines[spoke:]
    for mark in _MARKS:
        found = [line for line in lines if mark in line]
        if found:
            return found[-1][:160]
    return lines[-1][:160] if lines else "no console output"


def _stall(arch: str) -> Stall:
    silence = SILENCE_ARCH.get(arch, SILENCE)
    return Stall(
        CRASH_LINE,
        float("inf") if silence is None else silence,
        until=CAPTURE_SPOKE,
        fatal=OOM_KILL,
    )


def probe(
    board: Board, kernel: Kernel, workdir: Path, size: int, accel: str = ""
) -> tuple[Probe, str]:
    """Boot, crash and capture `board` with crashkernel=`size`; read the dump back."""
    where = workdir / f"{board.arch.name}-{board.memory // MIB}M-{size // MIB}M"
    # A Debian root's init system boots for minutes under TCG: its own timeout, not
    # the 240 s a BusyBox probe gets (a systemd probe timed out before the crash).
    init = initsys.INIT_SYSTEMS.get(board.init)
    timeout = max(report.PROBE_TIMEOUT, init.boot_timeout if init else 0.0)
    cap, accel = report.capture_once(
        board,
        kernel,
        where,
        size,
        board.dump.level,
        board.dump.compression,
        accel,
        timeout=timeout,
        stall=_stall(board.arch.name),
    )
    why = ""
    if not cap.ok:
        logs = sorted(where.glob("console-*.log"))
        why = _why(logs[-1].read_text(errors="replace")) if logs else "no console log"
    return Probe(size, cap.ok, cap.seconds, cap.crash_to_saved, why), accel


def find_floor(
    board: Board,
    kernel: Kernel,
    workdir: Path,
    hint: int,
    *,
    ceiling: int = 512 * MIB,
    log: Callable[[str], None] = lambda _: None,
) -> Floor:
    """Bracket the floor from `hint` (a size expected near it), widening in doubling
    steps, then bisect to STEP. Every size is booted at most once."""
    floor = Floor(board.arch.name, kernel.name, board.memory)
    seen: dict[int, bool] = {}
    accel = ""

    def works(size: int) -> bool:
        nonlocal accel
        if size not in seen:
            result, accel = probe(board, kernel, workdir, size, accel)
            floor.probes.append(result)
            seen[size] = result.ok
            log(
                f"{board.arch.name} {board.memory // MIB}M crashkernel={size // MIB}M: "
                + ("captures" if result.ok else f"fails ({result.why})")
                + f" [{result.seconds:.0f}s]"
            )
        return seen[size]

    search(works, hint, ceiling)
    return floor


def search(works: Callable[[int], bool], hint: int, ceiling: int = 512 * MIB) -> int | None:
    """The smallest multiple of STEP for which works() holds, assuming it holds from
    some size on: bracket from `hint` in doubling steps, then bisect. None when
    nothing up to `ceiling` works."""
    size = max(STEP, hint - hint % STEP)
    reach = 2 * STEP
    if works(size):
        high = size
        low = size - reach
        while low >= STEP and works(low):
            high, reach = low, reach * 2
            low = high - reach
        low = max(low, 0)
    else:
        low = size
        high = size + reach
        while high <= ceiling and not works(high):
            low, reach = high, reach * 2
            high = low + reach
        if high > ceiling:
            return None
    while high - low > STEP:  # works(high) true, works(low) false (or low == 0)
        mid = (low + high) // 2
        mid -= mid % STEP
        if works(mid):
            high = mid
        else:
            low = mid
    return high


def capture_initrd_size(board: Board, kernel: Kernel) -> int:
    """Bytes of the initrd the capture boot loads (0: it boots its root disk without one)."""
    if verify_board(board, kernel).capture.initrd is None:
        return 0
    return len(rootfs.initramfs(kernel, arches.guest_tools(board.arch, kernel.tools).busybox))


def entry_from(found: Floor, label: str, board: Board, kernel: Kernel) -> model.Entry | None:
    """The table row for a finished bisection (None: no size bracketed the floor)."""
    if found.smallest is None:
        return None
    image = kernel.image.read_bytes()
    size, _ = model.footprint(image, model.Model.load().zimage_factor)
    fails = found.fails_at if found.fails_at is not None else 0
    probes = ", ".join(f"{p.size // MIB}M {'captures' if p.ok else 'fails'}" for p in found.probes)
    return model.Entry(
        arch=found.arch,
        kernel=label,
        memory=found.memory,
        captures=found.smallest,
        fails=fails,
        image=len(image),
        footprint=size,
        initrd=capture_initrd_size(board, kernel),
        probes=probes,
        measured=time.strftime("%Y-%m-%d", time.gmtime()),
        init=board.init,
    )
