"""The QEMU machine: its command line (a pure function of the Machine) and one run
of it, with the serial console read line by line and time-stamped on the host."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kdumplayer.arch import Arch
from kdumplayer.errors import UserError

_HOST_ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "riscv64": "riscv64"}


@dataclass(frozen=True)
class Machine:
    arch: Arch
    memory_mb: int
    kernel: Path
    initrd: Path
    append: str
    disks: tuple[Path, ...]
    accel: str  # kvm | tcg
    cpus: int = 2
    # The emulated RTC's time at every start (ISO 8601, UTC), instead of the host's:
    # a board whose clock starts at the same time every boot.
    rtc_base: str | None = None
    nic: bool = False  # a virtio NIC on QEMU's user network (the host is 10.0.2.2)
    bios: Path | None = None  # firmware instead of QEMU's own (-bios)


@dataclass
class BootRun:
    """One QEMU process: console lines with their time (seconds since start)."""

    argv: list[str]
    lines: list[tuple[float, str]] = field(default_factory=list)
    exit_code: int | None = None
    timed_out: bool = False
    power_cut: bool = False  # killed on purpose mid-run
    stalled: bool = False  # killed: the console fell silent, or a fatal line (Stall)
    seconds: float = 0.0

    @property
    def console(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def first(self, text: str) -> float | None:
        """When the first console line containing `text` appeared."""
        return next((t for t, line in self.lines if text in line), None)

    def has(self, text: str) -> bool:
        return self.first(text) is not None


def kvm_usable(arch: Arch) -> bool:
    """KVM when /dev/kvm opens read-write and the guest is the host's arch."""
    if _HOST_ARCH.get(platform.machine()) != arch.name:
        return False
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    os.close(fd)
    return True


def choose_accel(arch: Arch) -> str:
    wanted = os.environ.get("KDUMPLAYER_ACCEL", "auto")
    if wanted in ("kvm", "tcg"):
        return wanted
    return "kvm" if kvm_usable(arch) else "tcg"


def qemu_argv(m: Machine) -> list[str]:
    """The qemu-system command line for `m` (console on stdio, no display)."""
    q = m.arch.qemu
    argv = [
        q.binary,
        "-machine",
        q.machine,
        "-accel",
        m.accel,
        "-cpu",
        "host" if m.accel == "kvm" else q.cpu,
        "-smp",
        str(m.cpus),
        "-m",
        f"{m.memory_mb}M",
        "-kernel",
        str(m.kernel),
        "-initrd",
        str(m.initrd),
        "-append",
        m.append,
        "-display",
        "none",
        "-monitor",
        "none",
        "-serial",
        "stdio",
        "-no-reboot",
        "-nodefaults",
    ]
    if m.rtc_base:
        argv += ["-rtc", f"base={m.rtc_base},clock=vm"]
    if m.bios is not None:
        argv += ["-bios", str(m.bios)]
    for index, disk in enumerate(m.disks):
        argv += [
            "-drive",
            f"file={disk},format=raw,if=none,id=disk{index}",
            "-device",
            f"virtio-blk-pci,drive=disk{index}",
        ]
    if m.nic:
        argv += ["-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0"]
    return argv


@dataclass(frozen=True)
class PowerCut:
    """Kill QEMU `delay` seconds after the first console line containing `after`:
    the guest loses what its page cache held, as on a power cut."""

    after: str
    delay: float


@dataclass(frozen=True)
class Stall:
    """Kill QEMU when the console stays silent `silence` seconds after the first line
    containing `after`: a capture kernel too small to boot hangs without a word. Once
    a line containing `until` follows, the watch ends: a capture kernel that spoke is
    ended by the timeout only (its makedumpfile may be silent for minutes under TCG)."""

    after: str
    silence: float
    until: str | None = None
    # A line that ends the run at once when it follows `after`: the OOM killer in a
    # capture boot (systemd then retries its services until the timeout, 25 min).
    fatal: str | None = None


def run(
    m: Machine,
    timeout: float,
    log: Path | None = None,
    power_cut: PowerCut | None = None,
    stall: Stall | None = None,
) -> BootRun:
    """Boot `m` until QEMU exits (the guest powered off or rebooted), `timeout`, the
    power cut, or the stall."""
    argv = qemu_argv(m)
    if shutil.which(argv[0]) is None:
        raise UserError(f"{argv[0]} is not installed (run `make deps`)")
    result = BootRun(argv=argv)
    start = time.monotonic()
    seen = threading.Event()
    stall_from: list[float] = []  # when the stall's `after` line appeared
    spoke = threading.Event()  # the stall's `until` line followed it
    doomed = threading.Event()  # the stall's `fatal` line followed it
    # nice: the machine is shared; QEMU is the heaviest thing the tests run.
    proc = subprocess.Popen(
        ["nice", "-n", "10", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    sink = log.open("w", encoding="utf-8") if log else None

    def reader() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            result.lines.append((time.monotonic() - start, line))
            if power_cut and power_cut.after in line:
                seen.set()
            if stall and not stall_from and stall.after in line:
                stall_from.append(time.monotonic())
            elif stall and stall_from and stall.until and stall.until in line:
                spoke.set()
            if stall and stall_from and stall.fatal and stall.fatal in line:
                doomed.set()
            if sink:
                sink.write(line + "\n")
                sink.flush()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        if stall is not None:
            deadline = start + timeout
            while proc.poll() is None:
                now = time.monotonic()
                if now > deadline:
                    raise subprocess.TimeoutExpired(argv, timeout)
                last = result.lines[-1][0] + start if result.lines else start
                silent = now - max(last, stall_from[0]) if stall_from else 0.0
                if doomed.is_set() or (silent > stall.silence and not spoke.is_set()):
                    result.stalled = True
                    proc.kill()
                    break
                time.sleep(0.5)
            result.exit_code = proc.wait()
        elif power_cut is None:
            result.exit_code = proc.wait(timeout=timeout)
        else:
            deadline = start + timeout
            while proc.poll() is None and not seen.is_set():
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(argv, timeout)
                seen.wait(0.2)
            if proc.poll() is None:
                time.sleep(power_cut.delay)
                if proc.poll() is None:
                    result.power_cut = True
                    proc.kill()
            result.exit_code = proc.wait()
    except subprocess.TimeoutExpired:
        result.timed_out = True
        proc.kill()
        proc.wait()
    finally:
        thread.join(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
        if sink:
            sink.close()
    result.seconds = time.monotonic() - start
    return result
