"""The qemu board's post-image script gives a start-qemu.sh that really reserves crash memory.

Buildroot's qemu boards boot through images/start-qemu.sh; the tree's
post-image.sh adds crashkernel= to its -append and the RAM QEMU needs for it.
This boots Debian's kernel (the one the QEMU proof uses) with the patched
script and reads the reservation in the kernel log: the boot stops at the
missing root filesystem, which is after the reservation.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import time
from pathlib import Path

import pytest

from kdumplayer.generate import buildroot
from kdumplayer.verify.assets import debian_kernel
from kdumplayer.verify.cpio import newc
from kdumplayer.verify.guest import accel_for
from tests.conftest import DEFAULT_BOARD
from tests.generate.test_buildroot import board_of

# The shape of the script Buildroot's board/qemu/post-image.sh writes for
# qemu_x86_64_defconfig: the readme's command, images/ paths made local.
START_QEMU = """\
#!/bin/sh
cd "${0%/*}" || exit 1
exec qemu-system-x86_64 -M pc -kernel bzImage -drive file=rootfs.ext2,if=virtio,format=raw \
-append "rootwait root=/dev/vda console=tty1 console=ttyS0" -net nic,model=virtio -net user \
-nographic "$@"
"""


def boot_log(start: Path, accel: str, until: re.Pattern[str], timeout: float) -> str:
    """Run start-qemu.sh until the kernel log matches `until` (or the timeout); return the log."""
    cpu = "host" if accel == "kvm" else "max"
    proc = subprocess.Popen(
        ["sh", str(start), "-accel", accel, "-cpu", cpu, "-no-reboot"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert proc.stdout is not None
    log = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(timeout=1):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            log += chunk
            if until.search(log.decode(errors="replace")):
                break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    return log.decode(errors="replace")


@pytest.mark.slow
def test_patched_start_script_reserves_crash_memory(tmp_path: Path) -> None:
    board = board_of(DEFAULT_BOARD)
    tree = buildroot.generate(board)
    script = tmp_path / "post-image.sh"
    script.write_bytes(tree[f"board/{board.name}/post-image.sh"].content)
    images = tmp_path / "images"
    images.mkdir()
    start = images / "start-qemu.sh"
    start.write_text(START_QEMU)
    kernel = debian_kernel().image
    (images / "bzImage").symlink_to(kernel)
    empty_initrd = tmp_path / "initrd"
    empty_initrd.write_bytes(newc([]))
    accel = accel_for(board, kernel, empty_initrd)  # KVM only where it really boots
    (images / "rootfs.ext2").write_bytes(b"\0" * (1 << 20))
    env = {
        **os.environ,
        "BINARIES_DIR": str(images),
        "TARGET_DIR": str(tmp_path / "target"),
        "HOST_DIR": str(tmp_path / "host"),
    }
    subprocess.run(["sh", str(script), str(images)], env=env, check=True, capture_output=True)
    assert "qemu-system-x86_64 -m 1024M -M pc" in start.read_text()

    until = re.compile(r"for crashkernel|Kernel panic|crashkernel reservation")
    log = boot_log(start, accel, until, timeout=180)
    word = board.crashkernel.cmdline  # the board's own, e.g. crashkernel=96M
    assert re.search(rf"Command line: .*{word}(\s|$)", log, re.M), log[-3000:]
    mib = word.removeprefix("crashkernel=").removesuffix("M")
    assert re.search(rf"Reserving {mib}MB of memory at \d+MB for crashkernel", log), log[-3000:]
