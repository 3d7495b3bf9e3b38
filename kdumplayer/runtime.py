"""The kdump runtime a board runs: the hook, its kdump.conf, and its init integration.

`runtime_files(board)` is the one list the Buildroot and Yocto generators install
and the QEMU proof boots: each file's name in a package directory, its absolute
path on the target, its mode and its rendered text. Only the board's init
system's files are returned, plus the hook and its configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from kdumplayer.board.model import Board
from kdumplayer.render import render

INITS = ("busybox", "sysv", "openrc", "systemd")
HOOK_PATH = "/usr/sbin/kdump"
CONF_PATH = "/etc/kdump.conf"
# The S-script runs late: after rcS has mounted everything in /etc/fstab.
SYSV_PRIORITY = 95


@dataclass(frozen=True)
class RuntimeFile:
    name: str  # file name inside a package directory
    install_path: str  # absolute path on the target
    mode: int
    text: str
    inits: tuple[str, ...]  # the init systems it belongs to

    @property
    def executable(self) -> bool:
        return bool(self.mode & 0o111)


@dataclass(frozen=True)
class _Spec:
    template: str
    name: str
    install_path: str
    mode: int
    inits: tuple[str, ...]


def _specs() -> tuple[_Spec, ...]:
    sysv = f"S{SYSV_PRIORITY:02d}kdump"
    return (
        _Spec("kdump", "kdump", HOOK_PATH, 0o755, INITS),
        _Spec("kdump.conf", "kdump.conf", CONF_PATH, 0o644, INITS),
        _Spec("S95kdump", sysv, f"/etc/init.d/{sysv}", 0o755, ("busybox", "sysv")),
        _Spec(
            "kdump.service",
            "kdump.service",
            "/usr/lib/systemd/system/kdump.service",
            0o644,
            ("systemd",),
        ),
        _Spec("kdump.openrc", "kdump.openrc", "/etc/init.d/kdump", 0o755, ("openrc",)),
    )


def capture_append(board: Board) -> str:
    """What the capture command line gets: the arch's append, then the board's."""
    return " ".join(p for p in (board.arch.capture_append, board.capture.cmdline_append) if p)


def runtime_files(board: Board, init: str | None = None) -> list[RuntimeFile]:
    """The hook, kdump.conf and the init files for `init` (default: the board's)."""
    init = init or board.init
    context = {"board": board, "cmdline_append": capture_append(board)}
    return [
        RuntimeFile(
            name=spec.name,
            install_path=spec.install_path,
            mode=spec.mode,
            text=render(f"runtime/{spec.template}", **context),
            inits=spec.inits,
        )
        for spec in _specs()
        if init in spec.inits
    ]


def all_runtime_files(board: Board) -> list[RuntimeFile]:
    """Every init system's files for `board` (the hook and conf once)."""
    seen: dict[str, RuntimeFile] = {}
    for init in INITS:
        for item in runtime_files(board, init):
            seen.setdefault(item.install_path, item)
    return list(seen.values())
