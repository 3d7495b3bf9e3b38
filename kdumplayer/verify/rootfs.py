"""The guest's root disk and initramfs, assembled from real parts.

The root: busybox-static (every applet a link), Debian's kexec-tools and
makedumpfile with the libraries they link, BusyBox init files as Buildroot
writes them, the kernel at the board's capture path, the initramfs at the
capture initrd path, and exactly the files `runtime_files(board)` lists, at
their install paths and modes. The initramfs loads the block drivers the
kernel has as modules, mounts the root disk and switches to it; the capture
boot uses the same one.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from kdumplayer.board.model import Board
from kdumplayer.render import render
from kdumplayer.runtime import runtime_files
from kdumplayer.verify import arches, cpio, debroot, initsys
from kdumplayer.verify.assets import BUSYBOX, Kernel

INITRD_PATH = "/boot/initrd.img"
GUEST_DIRS = (
    "bin",
    "sbin",
    "usr/bin",
    "usr/sbin",
    "lib",
    "lib64",
    "etc/init.d",
    "proc",
    "sys",
    "dev",
    "tmp",
    "run",
    "mnt",
    "root",
    "var/log",
    "boot",
)


# The proof's root disk has an empty /dev: a capture kernel booting straight from it
# (no initramfs) mounts devtmpfs itself (CONFIG_DEVTMPFS, as the kdump fragment wants).
NO_INITRD_APPEND = "devtmpfs.mount=1"


def verify_board(board: Board, kernel: Kernel | None = None) -> Board:
    """The board as the proof boots it: the capture boot needs the initramfs (virtio
    and the root disk) when `kernel` has them as modules (or is not given), so a
    board without a capture initrd gets the proof's; a kernel with everything built
    in captures as the board would, booting its root disk without one."""
    if board.capture.initrd:
        return board
    if kernel is not None and not kernel.modules:
        if NO_INITRD_APPEND in board.capture.cmdline_append.split():
            return board
        append = " ".join(w for w in (board.capture.cmdline_append, NO_INITRD_APPEND) if w)
        return replace(board, capture=replace(board.capture, cmdline_append=append))
    return replace(board, capture=replace(board.capture, initrd=INITRD_PATH))


def booted_init(board: Board) -> str | None:
    """The init system the proof boots: always the board's own, or None when it
    cannot (then the board is not proven: BusyBox init never stands in)."""
    return None if initsys.unproven_reason(board) else board.init


def initramfs(kernel: Kernel, busybox: Path = Path(BUSYBOX)) -> bytes:
    """The initramfs: busybox (the guest arch's), the modules in load order, and /init."""
    names = [m.name.removesuffix(".ko") for m in kernel.modules]
    entries = [
        cpio.Entry(d, "dir") for d in ("bin", "dev", "lib", "lib/modules", "newroot", "proc", "sys")
    ]
    entries += [
        cpio.Entry("dev/console", "chr", 0o600, rdev=(5, 1)),
        cpio.Entry("bin/busybox", "file", 0o755, busybox.read_bytes()),
        cpio.Entry("bin/sh", "link", 0o777, b"busybox"),
        cpio.Entry("init", "file", 0o755, render("runtime/qemu/init", modules=names).encode()),
    ]
    entries += [
        cpio.Entry(f"lib/modules/{m.name}", "file", 0o644, m.read_bytes()) for m in kernel.modules
    ]
    return cpio.newc(entries)


def _install(root: Path, target: str, data: bytes, mode: int) -> None:
    path = root / target.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)


def _busybox(root: Path, busybox: Path) -> None:
    shutil.copy2(busybox, root / "bin" / "busybox")
    # The applet list from the host's busybox-static: the same Debian version on every
    # arch, and a foreign arch's binary cannot run here.
    applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True)
    for rel in applets.stdout.split():
        link = root / rel
        if link.exists() or link.is_symlink():
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to("/bin/busybox")


def assemble_root(
    root: Path, board: Board, kernel: Kernel, initrd: bytes, *, dump_disk: bool
) -> None:
    """Fill the empty directory `root` with the guest's root filesystem: BusyBox's
    for a BusyBox board, Debian's for systemd, SysV init and OpenRC."""
    if board.init in initsys.DEBIAN_INITS:
        assemble_debian_root(root, board, kernel, initrd, dump_disk=dump_disk)
        return
    for rel in GUEST_DIRS:
        (root / rel).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    tools = arches.guest_tools(board.arch, kernel.tools)
    _busybox(root, tools.busybox)
    for guest_path, host_path in tools.files:
        # The loader and libraries resolved through links, installed as files.
        _install(root, guest_path, host_path.read_bytes(), 0o755)
    _install(root, board.capture_image, kernel.image.read_bytes(), 0o644)
    if board.capture.initrd:
        _install(root, board.capture.initrd, initrd, 0o644)
    context = {"dump_disk": dump_disk, "dump_dir": board.dump.dir}
    for name, target, mode in (
        ("inittab", "/etc/inittab", 0o644),
        ("rcS", "/etc/init.d/rcS", 0o755),
        ("fstab", "/etc/fstab", 0o644),
        ("S99verify", "/etc/init.d/S99verify", 0o755),
    ):
        _install(root, target, render(f"runtime/qemu/{name}", **context).encode(), mode)
    _install(root, "/etc/hostname", f"{board.name}\n".encode(), 0o644)
    for item in runtime_files(board):
        _install(root, item.install_path, item.text.encode(), item.mode)
    if dump_disk:
        (root / board.dump.dir.lstrip("/")).mkdir(parents=True, exist_ok=True)


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def assemble_debian_root(
    root: Path, board: Board, kernel: Kernel, initrd: bytes, *, dump_disk: bool
) -> None:
    """The cached Debian root for the board's init system, the kernel and initramfs at
    the board's capture paths, the hook installed and enabled (initsys.integrate)."""
    debroot.unpack(debroot.debian_root(board.init), root)
    _install(root, board.capture_image, kernel.image.read_bytes(), 0o644)
    if board.capture.initrd:
        _install(root, board.capture.initrd, initrd, 0o644)
    initsys.integrate(root, board, dump_disk=dump_disk)
    if dump_disk:
        (root / board.dump.dir.lstrip("/")).mkdir(parents=True, exist_ok=True)
