"""The arch-generic parts of the proof that need no QEMU: how a capture boot is
recognised on each arch, which arches verify refuses, Debian's kernel names."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from kdumplayer.arch import get_arch
from kdumplayer.errors import UserError
from kdumplayer.verify import arches

SYSTEM = "[    0.000000] Kernel command line: console=ttyAMA0 root=/dev/vda crashkernel=256M"

# (id, arch, console lines, capture booted?)
BOOTS = [
    ("arm64 capture kernel", "arm64",
     [SYSTEM, "[    0.000000] Kernel command line: console=ttyAMA0 nr_cpus=1 reset_devices"], True),
    ("arm capture kernel", "arm",
     [SYSTEM, "[    0.000000] Kernel command line: console=ttyAMA0 maxcpus=1 reset_devices"], True),
    ("x86_64 elfcorehdr on the command line", "x86_64",
     [SYSTEM, "Kernel command line: console=ttyS0 irqpoll nr_cpus=1 reset_devices "
      "elfcorehdr=0x7f000000"], True),
    ("only the system kernel booted", "arm64", [SYSTEM], False),
    ("a second boot without the capture append (a plain reboot)", "arm64", [SYSTEM, SYSTEM], False),
    ("the append on the first boot does not count", "arm64",
     ["Kernel command line: console=ttyAMA0 nr_cpus=1 reset_devices"], False),
]


@pytest.mark.parametrize(("case", "arch", "lines", "booted"), BOOTS, ids=[b[0] for b in BOOTS])
def test_capture_booted(case: str, arch: str, lines: list[str], booted: bool) -> None:
    assert arches.capture_booted(lines, get_arch(arch)) is booted


@pytest.mark.parametrize("arch", ["riscv64", "i386"])
def test_check_supported_refuses_with_the_reason(arch: str) -> None:
    with pytest.raises(UserError, match=f"verify cannot run {arch} guests"):
        arches.check_supported(get_arch(arch))


@pytest.mark.parametrize("arch", ["x86_64", "arm64", "arm"])
def test_check_supported_accepts_what_this_host_can_boot(arch: str) -> None:
    # Accepted means verify can really run it here: the arch's QEMU binary exists
    # and offers the machine type the proof boots.
    spec = get_arch(arch)
    assert arches.check_supported(spec) is None
    binary = shutil.which(spec.qemu.binary)
    assert binary, f"{spec.qemu.binary} is not installed"
    machines = subprocess.run([binary, "-machine", "help"], capture_output=True, text=True,
                              check=True).stdout
    assert re.search(rf"^{re.escape(spec.qemu.machine.split(',')[0])}\s", machines, re.M)


def test_debian_kernel_only_where_debian_has_one() -> None:
    assert arches.debian_kernel_package(get_arch("x86_64")).startswith("linux-image-cloud-amd64")
    with pytest.raises(UserError, match="use --kernel gold"):
        arches.debian_kernel_package(get_arch("arm"))
