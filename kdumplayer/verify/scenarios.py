"""The proof's cases, each a few boots of one guest and typed checks of what the
console said and what the disk holds afterwards.

capture: crash, capture, dump checked, the next boot's status reports the test.
rotation: keep: 2 over three crashes; an unexamined incomplete dump survives.
small-disk: the vmcore does not fit; the log is kept, the vmcore stays
  -incomplete, the earlier dump survives, the failure action still runs.
no-reservation: no crashkernel=; status says not ready and the boot goes on.
missing-dir: the dump directory does not exist; the capture creates it.

Faults (issue 14), each with what must hold afterwards:
power-cut: QEMU killed while the vmcore is written; the next boot's status reports
  the incomplete dump, the earlier dump is untouched, the next crash saves.
makedumpfile-fails: the real makedumpfile refuses its options before creating
  its output; cp saves the vmcore, the summary says failed and why, the guest reboots.
small-disk (disk fills mid-write): as above, and the partial file stays -incomplete.
no-rtc: the clock is reset to the same time every boot; keep: 3 over 12 crashes
  leaves exactly the 3 newest dumps by capture order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kdumplayer.board.model import Board
from kdumplayer.render import render
from kdumplayer.verify import arches, initsys, inspect
from kdumplayer.verify.assets import Kernel
from kdumplayer.verify.guest import Guest, Seed
from kdumplayer.verify.machine import BootRun, PowerCut
from kdumplayer.verify.rootfs import verify_board

DUMP_DISK = 512 << 20


def dump_disk_size(board: Board, dumps: int = 1) -> int:
    """A (sparse) dump disk with room for `dumps` unfiltered vmcores (collector cp,
    level 0) plus the board's min_free: the board's settings, not the disk, decide."""
    return max(DUMP_DISK, dumps * board.memory + board.dump.min_free + (128 << 20))


CRASH_LINE = "sysrq: Trigger a crash"
SAVED_LINE = "kdump: dump ok:"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Outcome:
    scenario: str
    board: str
    kernel: str
    accel: str = ""
    checks: list[Check] = field(default_factory=list)
    runs: list[BootRun] = field(default_factory=list)
    dumps: list[inspect.Dump] = field(default_factory=list)
    crash_to_saved: list[float] = field(default_factory=list)  # seconds, one per capture
    workdir: Path | None = None
    retried: int = 0  # boots repeated because the kernel died before userspace
    init: str = ""  # the init system booted
    unproven: str = ""  # why nothing was booted: the board's init system cannot run here
    seconds: float = 0.0  # wall time of the scenario: building the guest and every boot

    @property
    def ok(self) -> bool:
        return not self.unproven and bool(self.checks) and all(c.ok for c in self.checks)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(ok), detail))
        return bool(ok)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def explain(self) -> str:
        """The failed checks with their details, for a test's assertion message."""
        lines = [f"{self.scenario} ({self.init or 'busybox'}) on {self.accel} in {self.workdir}:"]
        lines += [f"FAILED {check.name}\n{check.detail}" for check in self.failed()]
        return "\n".join(lines)


def _with_dump(board: Board, **changes: Any) -> Board:
    return replace(board, dump=replace(board.dump, **changes))


def _tail(run: BootRun, lines: int = 15) -> str:
    return "\n".join(line for _, line in run.lines[-lines:])


def _init_checks(out: Outcome, guest: Guest, run: BootRun, label: str) -> None:
    """The init system's own lines on the console before the crash (normal boot)
    and after it (capture boot), with the hook run through its integration."""
    init = initsys.INIT_SYSTEMS[guest.board.init]
    crashed = run.first(CRASH_LINE)
    normal = [initsys.plain(line) for t, line in run.lines if crashed is None or t <= crashed]
    capture = [initsys.plain(line) for t, line in run.lines if crashed is not None and t > crashed]
    for name, lines in (("normal boot", normal), ("capture boot", capture)):
        seen = [m for m in init.markers if any(m in line for line in lines)]
        out.check(
            f"{label}: {name} ran {init.name} (console shows {' and '.join(init.markers)})",
            len(seen) == len(init.markers),
            f"seen: {seen}",
        )
        out.check(
            f"{label}: {name} ran the hook through {init.name} ({init.hook_marker!r})",
            any(init.hook_marker in line for line in lines),
        )


def _crash_run(out: Outcome, guest: Guest, label: str) -> BootRun:
    """One QEMU run: boot, load, `kdump test --yes`, capture boot, save, action."""
    run = guest.boot("crash")
    _init_checks(out, guest, run, label)
    out.check(f"{label}: capture kernel loaded at boot", run.has("kdump is ready"), _tail(run))
    out.check(f"{label}: crash triggered by kdump test --yes", run.has(CRASH_LINE))
    out.check(
        f"{label}: capture kernel booted",
        arches.capture_booted([line for _, line in run.lines], guest.board.arch),
    )
    out.check(
        f"{label}: QEMU ended by the guest (not a timeout)",
        not run.timed_out,
        f"{run.seconds:.0f}s",
    )
    crashed, saved = run.first(CRASH_LINE), run.first(SAVED_LINE)
    if crashed is not None and saved is not None:
        out.crash_to_saved.append(saved - crashed)
    return run


CP_FALLBACK = "the vmcore was copied unfiltered by cp instead"


def _check_dump(out: Outcome, dump: inspect.Dump, label: str, kernel: Kernel | None = None) -> None:
    out.check(
        f"{label}: vmcore has the kdump-compressed or ELF signature",
        dump.vmcore_format != "unknown",
        f"{dump.name}: {dump.vmcore_head[:8]!r}",
    )
    out.check(
        f"{label}: saved kernel log contains {inspect.CRASH_MESSAGE!r}",
        inspect.CRASH_MESSAGE in dump.dmesg,
        f"{dump.name}: {len(dump.dmesg)} bytes",
    )
    if kernel is not None and kernel.cp_fallback:
        # A `captures with cp` kernel: the hook reports makedumpfile's refusal as a
        # failure, but the whole vmcore is saved; anything else is still a failure.
        out.check(
            f"{label}: summary says ok, or that cp saved what makedumpfile refused",
            dump.status == "ok" or CP_FALLBACK in dump.status,
            f"{dump.name}: {dump.summary}",
        )
    else:
        out.check(f"{label}: summary says ok", dump.status == "ok", f"{dump.name}: {dump.summary}")
    out.check(f"{label}: no file left -incomplete", dump.complete, f"{dump.name}: {dump.files}")


def _dumps(out: Outcome, guest: Guest) -> list[inspect.Dump]:
    image, directory = guest.dump_location()
    dumps = inspect.read_dumps(image, directory, guest.workdir / "scratch")
    out.check(f"dump directory {guest.board.dump.dir} exists after the capture", dumps is not None)
    out.dumps = dumps or []
    return out.dumps


def capture(board: Board, kernel: Kernel, workdir: Path) -> Outcome:
    board = verify_board(board)
    out = Outcome("capture", board.name, kernel.name, workdir=workdir)
    guest = Guest(board, kernel, workdir, dump_disk_size(board))
    guest.build()
    out.accel = guest.accel
    _crash_run(out, guest, "crash")
    dumps = _dumps(out, guest)
    if out.check("one dump saved", len(dumps) == 1, str([d.name for d in dumps])):
        _check_dump(out, dumps[0], "dump", kernel)
    status = guest.boot("status")
    out.check(
        "next boot: status exit 0 (capture kernel loaded)",
        status.has("KDUMPLAYER: status-exit 0"),
        _tail(status),
    )
    passed = status.has("last test: passed") or (kernel.cp_fallback and status.has(CP_FALLBACK))
    out.check("next boot: status reports the test passed", passed, _tail(status))
    out.runs, out.retried = guest.runs, guest.retried
    return out


def _saved_name(run: BootRun) -> str | None:
    """The dump directory's name the capture boot reported."""
    for _, line in run.lines:
        if SAVED_LINE in line:
            return line.rsplit("/", 1)[-1].strip()
    return None


def rotation(
    board: Board, kernel: Kernel, workdir: Path, keep: int = 2, crashes: int = 3
) -> Outcome:
    board = _with_dump(verify_board(board), keep=keep)
    out = Outcome(
        f"rotation (keep: {keep}, {crashes} crashes)", board.name, kernel.name, workdir=workdir
    )
    unexamined = Seed("20200101-000000", complete=False)
    guest = Guest(board, kernel, workdir, dump_disk_size(board, keep + 1), seeds=(unexamined,))
    guest.build()
    out.accel = guest.accel
    saved = []
    for index in range(crashes):
        saved.append(_saved_name(_crash_run(out, guest, f"crash {index + 1}")))
    dumps = _dumps(out, guest)
    complete = [d for d in dumps if d.complete]
    out.check(
        f"the newest {keep} dumps kept, the older ones deleted",
        [d.name for d in complete] == saved[-keep:],
        f"saved {saved}, on disk {[d.name for d in dumps]}",
    )
    out.check(
        "the unexamined incomplete dump was not deleted",
        any(d.name == unexamined.name for d in dumps),
    )
    for dump in complete:
        _check_dump(out, dump, dump.name)
    out.runs, out.retried = guest.runs, guest.retried
    return out


def small_disk(board: Board, kernel: Kernel, workdir: Path, size: int = 8 << 20) -> Outcome:
    # min_free 0: the vmcore write itself must run out of space.
    board = _with_dump(verify_board(board), min_free=0, level=0, compression="none")
    out = Outcome("small-disk", board.name, kernel.name, workdir=workdir)
    earlier = Seed("20200101-000000", complete=True)
    guest = Guest(board, kernel, workdir, size, seeds=(earlier,))
    guest.build()
    out.accel = guest.accel
    run = _crash_run(out, guest, "crash")
    out.check(
        f"failure action ({board.dump.failure_action}) ran",
        run.has(f"kdump: failure action: {board.dump.failure_action}"),
        _tail(run),
    )
    out.check(
        "the guest restarted or powered off after the failure",
        run.has("reboot: Restarting system")
        or run.has("reboot: Power down")
        or run.has("System halted"),
    )
    dumps = _dumps(out, guest)
    out.check(
        "the earlier dump is still there",
        any(d.name == earlier.name and d.complete for d in dumps),
        str([d.name for d in dumps]),
    )
    new = [d for d in dumps if d.name != earlier.name]
    if out.check("a dump directory was created for the crash", len(new) == 1, str(new)):
        dump = new[0]
        out.check(
            "the kernel log was saved",
            inspect.CRASH_MESSAGE in dump.dmesg and "vmcore-dmesg.txt" in dump.files,
            str(dump.files),
        )
        out.check(
            "the vmcore stays marked incomplete",
            "vmcore-incomplete" in dump.files and "vmcore" not in dump.files,
            str(dump.files),
        )
        out.check(
            "the summary says failed, and why",
            dump.status.startswith("failed: makedumpfile exited"),
            dump.status,
        )
    out.runs, out.retried = guest.runs, guest.retried
    return out


WRITING_LINE = "kdump: writing "
# The fault scenarios write all of RAM; 512M halves that. With KASLR the kernel can
# land mid-RAM and leave no 256M hole ("crashkernel reservation failed - No suitable
# area found", seen once in four boots): nokaslr keeps it at 16M.
SMALL_MEMORY = 512 << 20
SMALL_MEMORY_APPEND = ("nokaslr",)
INTERRUPTED = "failed: interrupted while saving the vmcore"


def power_cut(board: Board, kernel: Kernel, workdir: Path, delay: float = 2.0) -> Outcome:
    # Unfiltered and uncompressed: the write lasts long enough to be cut in the middle.
    board = _with_dump(verify_board(board), level=0, compression="none", keep=3)
    board = replace(board, memory=min(board.memory, SMALL_MEMORY))  # long enough a write
    out = Outcome("power-cut", board.name, kernel.name, workdir=workdir)
    earlier = Seed("20200101-000000", complete=True)
    guest = Guest(
        board,
        kernel,
        workdir,
        dump_disk_size(board, 2),
        seeds=(earlier,),
        append_extra=SMALL_MEMORY_APPEND,
    )
    guest.build()
    out.accel = guest.accel
    cut = guest.boot("crash", power_cut=PowerCut(WRITING_LINE, delay))
    out.check(
        "QEMU killed while the vmcore was being written",
        cut.power_cut and not cut.has(SAVED_LINE),
        _tail(cut),
    )
    interrupted = _saved_dir(cut)
    # The next boot prints `kdump status` (S99verify) before it crashes again.
    after = _crash_run(out, guest, "next crash")
    crashed = after.first(CRASH_LINE) or after.seconds
    out.check(
        "next boot: status reports the incomplete dump",
        any(f"{interrupted} ({INTERRUPTED})" in line for t, line in after.lines if t < crashed),
        _tail(after, 40),
    )
    dumps = _dumps(out, guest)
    by_name = {d.name: d for d in dumps}
    old = by_name.get(earlier.name)
    out.check(
        "the earlier dump is untouched",
        old is not None and old.complete and old.status == "ok" and old.files.get("vmcore") == 4096,
        str(old.files if old else dumps),
    )
    cut_dump = by_name.get(interrupted.rsplit("/", 1)[-1])
    out.check(
        "the interrupted dump is kept, marked incomplete",
        cut_dump is not None and not cut_dump.complete and cut_dump.status == INTERRUPTED,
        str(cut_dump and (cut_dump.files, cut_dump.status)),
    )
    new = [d for d in dumps if d.name not in (earlier.name, cut_dump and cut_dump.name)]
    if out.check("the next crash saved a dump", len(new) == 1, str([d.name for d in dumps])):
        _check_dump(out, new[0], "next dump")
    out.runs, out.retried = guest.runs, guest.retried
    return out


def _saved_dir(run: BootRun) -> str:
    """The dump directory the capture boot was writing (kdump: saving the dump to DIR)."""
    for _, line in run.lines:
        if "kdump: saving the dump to " in line:
            return line.split("kdump: saving the dump to ", 1)[1].strip()
    return "?"


def _makedumpfile_fault(root: Path) -> None:
    """Put the fault wrapper where makedumpfile is and the real one next to it."""
    real = next(
        root / d / "makedumpfile"
        for d in ("usr/sbin", "usr/bin", "sbin", "bin")
        if (root / d / "makedumpfile").is_file() and not (root / d / "makedumpfile").is_symlink()
    )
    moved = real.with_name("makedumpfile.real")
    real.rename(moved)
    guest_path = "/" + moved.relative_to(root).as_posix()
    real.write_text(render("runtime/qemu/makedumpfile-fault", real=guest_path))
    real.chmod(0o755)


def makedumpfile_fails(board: Board, kernel: Kernel, workdir: Path) -> Outcome:
    board = _with_dump(
        verify_board(board),
        collector="makedumpfile",
        failure_action="reboot",
        final_action="poweroff",
    )
    # cp copies all of RAM: 512M halves the proof's longest write.
    board = replace(board, memory=min(board.memory, SMALL_MEMORY))
    out = Outcome("makedumpfile-fails", board.name, kernel.name, workdir=workdir)
    guest = Guest(
        board,
        kernel,
        workdir,
        dump_disk_size(board),
        customize=_makedumpfile_fault,
        append_extra=SMALL_MEMORY_APPEND,
    )
    guest.build()
    out.accel = guest.accel
    run = _crash_run(out, guest, "crash")
    out.check(
        "makedumpfile refused its options (a real early failure)",
        run.has("unrecognized option '--kdumplayer-fault'"),
        _tail(run),
    )
    out.check("the hook fell back to cp", run.has("falling back to cp"))
    out.check(
        "failure action (reboot) ran, not the final action (poweroff)",
        run.has("kdump: failure action: reboot") and not run.has("final action"),
    )
    out.check("the guest restarted", run.has("reboot: Restarting system"))
    dumps = _dumps(out, guest)
    if out.check("one dump saved", len(dumps) == 1, str([d.name for d in dumps])):
        dump = dumps[0]
        out.check(
            "the vmcore was copied whole by cp (ELF)",
            dump.complete and dump.vmcore_format == "ELF",
            f"{dump.files} {dump.vmcore_head[:8]!r}",
        )
        out.check(
            "the summary says failed, and why",
            dump.status.startswith("failed: makedumpfile exited 1"),
            dump.status,
        )
        out.check(
            "the summary names the collector that saved it (cp)",
            dump.summary.get("collector") == "cp",
            str(dump.summary),
        )
    out.runs, out.retried = guest.runs, guest.retried
    return out


CLOCK = 1577836800  # 2020-01-01 00:00:00 UTC, every boot
CLOCK_ISO = "2020-01-01T00:00:00"


def no_rtc(
    board: Board, kernel: Kernel, workdir: Path, crashes: int = 12, keep: int = 3
) -> Outcome:
    board = _with_dump(verify_board(board), keep=keep)
    out = Outcome(
        f"no-rtc (keep: {keep}, {crashes} crashes)", board.name, kernel.name, workdir=workdir
    )
    # Both the RTC and the clock the initramfs sets start at CLOCK on every boot, so
    # an init that sets the time from the RTC (Debian's hwclock.sh under OpenRC)
    # sees the same reset clock.
    guest = Guest(
        board,
        kernel,
        workdir,
        dump_disk_size(board, keep + 1),
        append_extra=(f"kdumplayer.clock={CLOCK}",),
        rtc_base=CLOCK_ISO,
    )
    guest.build()
    out.accel = guest.accel
    saved = []
    for index in range(crashes):
        run = _crash_run(out, guest, f"crash {index + 1}")
        saved.append(_saved_name(run))
    # Each boot starts at the same time (BusyBox: 2020-01-01 00:00:00; systemd moves a
    # clock older than its build time to that time); the capture comes a boot later.
    first = (saved[0] or "")[:11]
    out.check(
        f"every capture ran on the reset clock (names from {first or '?'})",
        bool(first) and all(n and n.startswith(first) for n in saved),
        str(saved),
    )
    dumps = _dumps(out, guest)
    complete = [d.name for d in dumps if d.complete]
    out.check(
        f"exactly the {keep} newest dumps by capture order remain",
        sorted(complete) == sorted(n for n in saved[-keep:] if n) and len(dumps) == keep,
        f"saved in order {saved}, on disk {[d.name for d in dumps]}",
    )
    # Names repeat on a reset clock: the seq files say which captures these are.
    newest = list(range(crashes - keep + 1, crashes + 1))
    out.check(
        f"the dumps left are captures {newest[0]} to {newest[-1]} of {crashes} (their seq files)",
        sorted(d.seq or 0 for d in dumps) == newest,
        str({d.name: d.seq for d in dumps}),
    )
    status = guest.boot("status")
    out.check(
        "next boot: status names the newest dump",
        status.has(f"last dump: {board.dump.dir}/{saved[-1]} (ok)"),
        _tail(status),
    )
    out.runs, out.retried = guest.runs, guest.retried
    return out


def no_reservation(board: Board, kernel: Kernel, workdir: Path) -> Outcome:
    board = verify_board(board)
    out = Outcome("no-reservation", board.name, kernel.name, workdir=workdir)
    guest = Guest(board, kernel, workdir, DUMP_DISK)
    guest.build()
    out.accel = guest.accel
    run = guest.boot("status", reserve=False)
    out.check("the hook says no memory is reserved", run.has("no memory is reserved"), _tail(run))
    out.check("the boot went on past the hook", run.has("KDUMPLAYER: boot continued"))
    out.check("status exits 3", run.has("KDUMPLAYER: status-exit 3"))
    out.check(
        "status says not ready: no memory reserved", run.has("state: not ready: no memory reserved")
    )
    out.check(
        "the guest powered off normally", not run.timed_out and run.has("KDUMPLAYER: powering off")
    )
    out.runs, out.retried = guest.runs, guest.retried
    return out


def missing_dir(
    board: Board, kernel: Kernel, workdir: Path, directory: str = "/data/crash"
) -> Outcome:
    board = _with_dump(verify_board(board), dir=directory)
    out = Outcome("missing-dir", board.name, kernel.name, workdir=workdir)
    guest = Guest(board, kernel, workdir, None)  # no dump disk: nothing creates the directory
    guest.build()
    out.accel = guest.accel
    run = _crash_run(out, guest, "crash")
    out.check(
        "load warned that the dump directory does not exist",
        run.has(f"dump directory {directory} does not exist"),
        _tail(run),
    )
    dumps = _dumps(out, guest)
    if out.check("one dump saved", len(dumps) == 1, str([d.name for d in dumps])):
        _check_dump(out, dumps[0], "dump")
    out.runs, out.retried = guest.runs, guest.retried
    return out


# (board, kernel, workdir, **options such as crashes=) -> Outcome
Scenario = Callable[..., Outcome]


def proven_only(name: str, scenario: Scenario) -> Scenario:
    """Run `scenario` only when the board's own init system can boot; otherwise an
    Outcome that says why and is never ok (nothing stands in for it)."""

    def run(board: Board, kernel: Kernel, workdir: Path, **options: Any) -> Outcome:
        reason = initsys.unproven_reason(board)
        if reason:
            return Outcome(name, board.name, kernel.name, init=board.init, unproven=reason)
        start = time.monotonic()
        out = scenario(board, kernel, workdir, **options)
        out.init, out.seconds = board.init, time.monotonic() - start
        return out

    return run


SCENARIOS: dict[str, Scenario] = {
    name: proven_only(name, scenario)
    for name, scenario in (
        ("capture", capture),
        ("rotation", rotation),
        ("small-disk", small_disk),
        ("no-reservation", no_reservation),
        ("missing-dir", missing_dir),
        ("power-cut", power_cut),
        ("makedumpfile-fails", makedumpfile_fails),
        ("no-rtc", no_rtc),
    )
}
