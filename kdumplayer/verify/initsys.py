"""How the proof boots each init system, and what the console must show of it.

BusyBox init runs on the root assembled from the host's busybox (rootfs.py);
systemd, SysV init and OpenRC run on a Debian root (debroot.py) where the hook
is installed at exactly the runtime_files(board) paths and enabled as the
generated trees enable it: the systemd unit linked into multi-user.target.wants
(SYSTEMD_SERVICE, systemctl enable), the OpenRC script into
/etc/runlevels/default (the Yocto recipe's link), the S-script run by an rcS
that starts /etc/init.d/S??* from sysvinit's inittab (Buildroot's layout).

The proof's own driver (S99verify, kdumplayer.verify=ACTION) runs after the
hook through the same init system.
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.board.model import Board
from kdumplayer.render import render
from kdumplayer.runtime import runtime_files

DEBIAN_INITS = ("systemd", "sysv", "openrc")
# Debian's packages for the root are the host's: the Debian root is built for it only.
_HOST = {"x86_64": "x86_64", "aarch64": "arm64"}
DRIVER_PATH = "/usr/local/sbin/kdumplayer-verify"


@dataclass(frozen=True)
class InitSystem:
    name: str
    # Lines the init system itself prints on the console (not ours): proof it ran.
    markers: tuple[str, ...]
    # A line showing the hook ran through the init integration.
    hook_marker: str
    append: tuple[str, ...] = ()  # kernel parameters it needs in the proof
    # One QEMU run (normal boot, crash, capture boot) under TCG on a busy 2-core host:
    # Debian's OpenRC took 490 s to its crash and systemd 456 s for a run at load 25.
    boot_timeout: float = 600.0


INIT_SYSTEMS = {
    # BusyBox init is silent: its inittab echoes what runs as pid 1.
    "busybox": InitSystem("busybox", ("KDUMPLAYER: pid 1 is /bin/busybox",), "Starting kdump: "),
    "sysv": InitSystem("sysv", ("INIT: version",), "Starting kdump: ", boot_timeout=1500.0),
    "openrc": InitSystem(
        "openrc", ("OpenRC ", "is starting up"), "* Starting kdump", boot_timeout=1500.0
    ),
    # The status line keeps the unit name ("Starting kdump.service… kernel, or save
    # the crash dump..."): the description is what gets cut to the console width.
    "systemd": InitSystem(
        "systemd", ("Welcome to ", "systemd[1]: "), "Starting kdump.service", boot_timeout=1500.0
    ),
}
# Units that only slow the proof's boots under TCG and do nothing for kdump (masked
# in the proof's root, not on a board): Debian's own kexec services, timers,
# first-boot and bookkeeping units, the getty that would fight for the console.
SYSTEMD_MASKED = (
    "kexec.service",
    "kexec-load.service",
    "e2scrub_reap.service",
    "e2scrub_all.timer",
    "systemd-journal-flush.service",
    "systemd-random-seed.service",
    "systemd-sysusers.service",
    "systemd-update-utmp.service",
    "systemd-update-utmp-runlevel.service",
    "systemd-tmpfiles-clean.timer",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "dpkg-db-backup.timer",
    "fstrim.timer",
    "modprobe@.service",
    "getty@tty1.service",
    "serial-getty@ttyS0.service",
    "getty-static.service",
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(line: str) -> str:
    """A console line without its colour and cursor escapes."""
    return _ANSI.sub("", line)


def unproven_reason(board: Board) -> str | None:
    """Why the proof cannot boot the board's own init system, or None when it can."""
    if board.init == "busybox":
        return None
    if board.init not in DEBIAN_INITS:
        return f"init {board.init!r} has no root filesystem in the proof"
    if _HOST.get(platform.machine()) != board.arch.name:
        return (
            f"init {board.init} runs on a Debian root built for the host only "
            f"({platform.machine()}); {board.arch.name} boards are proven with BusyBox init "
            "at best, which is not the board's init system"
        )
    return None


def _install(root: Path, target: str, text: str, mode: int) -> None:
    path = root / target.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.write_text(text)
    path.chmod(mode)


def _link(root: Path, link: str, target: str) -> None:
    path = root / link.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    path.symlink_to(target)


def integrate(root: Path, board: Board, *, dump_disk: bool) -> None:
    """Install the hook, enable it, and add the proof's driver on the Debian root."""
    context = {"dump_disk": dump_disk, "dump_dir": board.dump.dir}
    items = runtime_files(board)
    for item in items:
        _install(root, item.install_path, item.text, item.mode)
    # Pass 0 for the root: Debian's checkroot.sh (OpenRC, SysV) would fsck the mounted
    # root through /run/rootdev and stop in a maintenance shell.
    _install(root, "/etc/fstab", render("runtime/qemu/fstab", root_pass=0, **context), 0o644)
    # util-linux hostname refuses "_" (qemu-x86_64 is a valid board name, not a host name).
    _install(root, "/etc/hostname", board.name.replace("_", "-") + "\n", 0o644)
    driver = render("runtime/qemu/S99verify", **context)
    if board.init == "sysv":
        _install(root, "/etc/inittab", render("runtime/qemu/sysv-inittab"), 0o644)
        _install(root, "/etc/init.d/rcS", render("runtime/qemu/rcS"), 0o755)
        _install(root, "/etc/init.d/S99verify", driver, 0o755)
        return
    _install(root, DRIVER_PATH, driver, 0o755)
    if board.init == "systemd":
        unit = next(i for i in items if i.name == "kdump.service")
        _link(root, "/etc/systemd/system/multi-user.target.wants/kdump.service", unit.install_path)
        _install(
            root,
            "/etc/systemd/system/kdumplayer-verify.service",
            render("runtime/qemu/kdumplayer-verify.service", driver=DRIVER_PATH),
            0o644,
        )
        _link(
            root,
            "/etc/systemd/system/multi-user.target.wants/kdumplayer-verify.service",
            "/etc/systemd/system/kdumplayer-verify.service",
        )
        for unit_name in SYSTEMD_MASKED:
            _link(root, f"/etc/systemd/system/{unit_name}", "/dev/null")
    elif board.init == "openrc":
        script = next(i for i in items if i.name == "kdump.openrc")
        _link(
            root,
            f"/etc/runlevels/default/{script.install_path.rsplit('/', 1)[1]}",
            script.install_path,
        )
        _install(
            root,
            "/etc/init.d/kdumplayer-verify",
            render("runtime/qemu/kdumplayer-verify.openrc", driver=DRIVER_PATH),
            0o755,
        )
        _link(root, "/etc/runlevels/default/kdumplayer-verify", "/etc/init.d/kdumplayer-verify")
