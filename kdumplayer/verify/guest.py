"""One guest under test: its kernel, initramfs, root disk and dump disk in a work
directory, and boots of it with a given action (kdumplayer.verify=ACTION)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kdumplayer.board.model import Board
from kdumplayer.paths import cache_dir
from kdumplayer.verify import arches, assets, disk, initsys, machine, rootfs
from kdumplayer.verify.assets import Kernel

ROOT_HEADROOM = 128 << 20  # free space on the root disk
# What the emulated machine needs on every command line: under TCG on a busy host
# the x86 kernel's IO-APIC timer check can fail ("IO-APIC + timer doesn't work!").
MACHINE_APPEND = {"x86_64": ("no_timer_check",), "i386": ("no_timer_check",)}
# The initramfs prints this first: a run without it died in the kernel, before
# any of our code ran, and is booted once more (a host hiccup, not a finding).
USERSPACE_MARK = "KDUMPLAYER: initramfs"
BOOT_TIMEOUT = 600.0  # one QEMU run: boot, crash, capture boot, save (~20-45 s under idle TCG;
# a cp of all RAM on a host shared by many QEMUs took 260-300 s)


@dataclass(frozen=True)
class Seed:
    """A dump left on the dump disk by an earlier crash (before the guest boots)."""

    name: str  # YYYYmmdd-HHMMSS
    complete: bool


def seed_tree(target: Path, seeds: tuple[Seed, ...]) -> None:
    for seed in seeds:
        path = target / seed.name
        path.mkdir(parents=True)
        (path / "vmcore-dmesg.txt").write_text(f"earlier crash {seed.name}\n")
        core = path / ("vmcore" if seed.complete else "vmcore-incomplete")
        core.write_bytes(b"KDUMP   " + bytes(4088))
        status = "ok" if seed.complete else "failed: vmcore"
        (path / "summary.txt").write_text(f"status: {status}\n")


@cache
def _probe_kvm(kernel: Path, initrd: Path, arch_name: str) -> bool:
    """Boot the kernel to its "cannot mount root" panic under KVM; cached per host."""
    from kdumplayer.arch import get_arch

    arch = get_arch(arch_name)
    key = f"{arch_name}-{os.uname().release}-{kernel.name}-{kernel.stat().st_size}"
    stamp = cache_dir() / "kvm-probe" / key
    if stamp.exists():
        return stamp.read_text().strip() == "kvm"
    m = machine.Machine(
        arch=arch,
        memory_mb=256,
        kernel=kernel,
        initrd=initrd,
        append=f"console={arch.qemu.console} panic=-1 rdinit=/none root=/dev/none",
        disks=(),
        accel="kvm",
        cpus=1,
    )
    run = machine.run(m, timeout=20)
    works = not run.timed_out and run.has("Kernel panic")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text("kvm\n" if works else "tcg\n")
    return works


def accel_for(board: Board, kernel: Path, initrd: Path) -> str:
    """KVM only when /dev/kvm opens and really boots this kernel (nested KVM may not);
    KDUMPLAYER_ACCEL=kvm|tcg forces one."""
    forced = os.environ.get("KDUMPLAYER_ACCEL", "auto")
    accel = machine.choose_accel(board.arch)
    if accel == "kvm" and forced != "kvm":
        return "kvm" if _probe_kvm(kernel, initrd, board.arch.name) else "tcg"
    return accel


@dataclass
class Guest:
    board: Board  # as booted (verify_board applied)
    kernel: Kernel
    workdir: Path
    dump_disk_size: int | None  # None: no dump disk (the dump directory is on the root)
    seeds: tuple[Seed, ...] = ()
    accel: str = ""
    append_extra: tuple[str, ...] = ()  # more kernel parameters on every boot
    customize: Callable[[Path], None] | None = None  # changes the staged root (faults)
    rtc_base: str | None = None  # the RTC's time at every QEMU start (machine.Machine)
    network: bool = False  # a NIC on QEMU's user network (network dump targets)
    runs: list[machine.BootRun] = field(default_factory=list)
    retried: int = 0  # boots repeated because the kernel died before userspace

    @property
    def root_image(self) -> Path:
        return self.workdir / "root.img"

    @property
    def dump_image(self) -> Path:
        return self.workdir / "dump.img"

    @property
    def initrd(self) -> Path:
        return self.workdir / "initrd.img"

    def build(self) -> None:
        """Assemble the root and the disks (a fresh work directory each time)."""
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        initrd = rootfs.initramfs(
            self.kernel, arches.guest_tools(self.board.arch, self.kernel.tools).busybox
        )
        self.initrd.write_bytes(initrd)
        staging = self.workdir / "root"
        staging.mkdir()
        rootfs.assemble_root(
            staging, self.board, self.kernel, initrd, dump_disk=self.dump_disk_size is not None
        )
        if self.customize is not None:
            self.customize(staging)
        headroom = ROOT_HEADROOM
        if self.dump_disk_size is None:  # the dumps go to the root: room for an unfiltered one
            headroom += self.board.memory + self.board.dump.min_free
        disk.make_ext4(self.root_image, rootfs.tree_size(staging) + headroom, staging, "root")
        shutil.rmtree(staging)
        if self.dump_disk_size is not None:
            seeds = self.workdir / "seeds"
            seeds.mkdir()
            seed_tree(seeds, self.seeds)
            disk.make_ext4(self.dump_image, self.dump_disk_size, seeds, "dump")
            shutil.rmtree(seeds)
        if not self.accel:
            self.accel = accel_for(self.board, self.kernel.image, self.initrd)

    def append(self, action: str, reserve: bool = True) -> str:
        words = [
            f"console={self.board.arch.qemu.console}",
            "root=/dev/vda",
            "rw",
            "panic=1",
            *MACHINE_APPEND.get(self.board.arch.name, ()),
        ]
        if reserve:
            words.append(self.board.crashkernel.cmdline)
        if self.board.init in initsys.INIT_SYSTEMS:
            words += initsys.INIT_SYSTEMS[self.board.init].append
        words += self.append_extra
        words.append(f"kdumplayer.verify={action}")
        return " ".join(words)

    def boot(
        self,
        action: str,
        reserve: bool = True,
        timeout: float | None = None,
        power_cut: machine.PowerCut | None = None,
        stall: machine.Stall | None = None,
    ) -> machine.BootRun:
        if timeout is None:
            init = initsys.INIT_SYSTEMS.get(self.board.init)
            timeout = init.boot_timeout if init else BOOT_TIMEOUT
        disks = [self.root_image]
        if self.dump_disk_size is not None:
            disks.append(self.dump_image)
        m = machine.Machine(
            arch=self.board.arch,
            memory_mb=self.board.memory >> 20,
            kernel=self.kernel.image,
            initrd=self.initrd,
            append=self.append(action, reserve),
            disks=tuple(disks),
            accel=self.accel,
            nic=self.network,
            bios=assets.firmware(self.board.arch.name),
            rtc_base=self.rtc_base,
        )
        for attempt in (1, 2):
            log = self.workdir / f"console-{len(self.runs) + 1}-{action}.log"
            run = machine.run(m, timeout=timeout, log=log, power_cut=power_cut, stall=stall)
            self.runs.append(run)
            if run.has(USERSPACE_MARK) or attempt == 2:
                return run
            self.retried += 1
        return run

    def dump_location(self) -> tuple[Path, str]:
        """The image holding the dumps and the directory in it."""
        if self.dump_disk_size is not None:
            return self.dump_image, "/"
        return self.root_image, self.board.dump.dir
