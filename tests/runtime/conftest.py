"""Helpers for the hook's tests: render it for a board, run its functions under a shell."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.runtime import runtime_files
from tests.conftest import DEFAULT_BOARD

# The hook must behave the same under each (BusyBox ash, dash, bash in POSIX mode).
SHELLS = {"busybox-ash": ["busybox", "sh"], "dash": ["dash"], "bash": ["bash", "--posix"]}


@dataclass
class Hook:
    """The rendered hook and conf in a directory, with a fake /proc and /sys."""

    dir: Path
    shell: list[str]

    @property
    def script(self) -> Path:
        return self.dir / "kdump"

    @property
    def conf(self) -> Path:
        return self.dir / "kdump.conf"

    @property
    def proc(self) -> Path:
        return self.dir / "proc"

    @property
    def sys(self) -> Path:
        return self.dir / "sys"

    def env(self) -> dict[str, str]:
        return {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "KDUMP_CONF": str(self.conf),
            "KDUMP_PROC": str(self.proc),
            "KDUMP_SYS": str(self.sys),
        }

    def lib(self, code: str) -> subprocess.CompletedProcess[str]:
        """Source the hook with KDUMP_LIB=1, then run `code` in the same shell."""
        program = f'KDUMP_LIB=1 . "{self.script}"\n{code}\n'
        return subprocess.run(
            [*self.shell, "-c", program],
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=60,
            check=False,
        )

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.shell, str(self.script), *args],
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=60,
            check=False,
        )

    def set_reservation(self, size: int, loaded: bool) -> None:
        (self.sys / "kernel").mkdir(parents=True, exist_ok=True)
        (self.sys / "kernel" / "kexec_crash_size").write_text(f"{size}\n")
        (self.sys / "kernel" / "kexec_crash_loaded").write_text("1\n" if loaded else "0\n")


def make_hook(directory: Path, shell: list[str], board_path: Path = DEFAULT_BOARD) -> Hook:
    missing = shutil.which(shell[0])
    assert missing, f"{shell[0]} is not installed (make deps installs it)"
    board = load_board(board_path)
    files = {f.name: f for f in runtime_files(board)}
    hook = Hook(directory, shell)
    hook.script.write_text(files["kdump"].text)
    hook.conf.write_text(files["kdump.conf"].text)
    hook.proc.mkdir()
    (hook.proc / "cmdline").write_text("console=ttyS0 root=/dev/vda crashkernel=256M quiet\n")
    hook.set_reservation(0, False)
    return hook


@pytest.fixture(params=list(SHELLS), ids=list(SHELLS))
def hook(request: pytest.FixtureRequest, tmp_path: Path) -> Hook:
    return make_hook(tmp_path, SHELLS[request.param])


def capture_env(hook: Hook, size: int = 1 << 20, **conf: str) -> Path:
    """A fake capture boot: /proc/vmcore is a file; dmesg off; collector cp."""
    vmcore = hook.proc / "vmcore"
    vmcore.write_bytes(b"\x7fELF" + bytes(range(256)) * (size // 256))
    crash = hook.dir / "crash"
    settings = {
        "dir": str(crash),
        "collector": "cp",
        "compression": "none",
        "dmesg": "no",
        "keep": "2",
        "min_free_kb": "0",
        **conf,
    }
    hook.conf.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    return crash
