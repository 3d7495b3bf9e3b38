"""The arch-generic parts of the proof that need no QEMU: how a capture boot is
recognised on each arch, which arches verify refuses, which Debian generation
the guest's tools come from, which kernel verify boots by default."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from kdumplayer import debian
from kdumplayer.arch import get_arch
from kdumplayer.board.model import load_board
from kdumplayer.errors import UserError
from kdumplayer.verify import arches, assets, gold
from tests.conftest import REPO

SYSTEM = "[    0.000000] Kernel command line: console=ttyAMA0 root=/dev/vda crashkernel=256M"

# (id, arch, console lines, capture booted?)
BOOTS = [
    (
        "arm64 capture kernel",
        "arm64",
        [
            SYSTEM,
            "[    0.000000] Kernel command line: console=ttyAMA0 "
            + get_arch("arm64").capture_append,
        ],
        True,
    ),
    (
        "arm capture kernel",
        "arm",
        [
            SYSTEM,
            "[    0.000000] Kernel command line: console=ttyAMA0 " + get_arch("arm").capture_append,
        ],
        True,
    ),
    (
        "x86_64 elfcorehdr on the command line",
        "x86_64",
        [
            SYSTEM,
            "Kernel command line: console=ttyS0 irqpoll nr_cpus=1 reset_devices "
            "elfcorehdr=0x7f000000",
        ],
        True,
    ),
    ("only the system kernel booted", "arm64", [SYSTEM], False),
    ("a second boot without the capture append (a plain reboot)", "arm64", [SYSTEM, SYSTEM], False),
    (
        "the append on the first boot does not count",
        "arm64",
        ["Kernel command line: console=ttyAMA0 nr_cpus=1 reset_devices"],
        False,
    ),
]


@pytest.mark.parametrize(("case", "arch", "lines", "booted"), BOOTS, ids=[b[0] for b in BOOTS])
def test_capture_booted(case: str, arch: str, lines: list[str], booted: bool) -> None:
    assert arches.capture_booted(lines, get_arch(arch)) is booted


def test_check_supported_refuses_with_the_reason() -> None:
    with pytest.raises(UserError, match="verify cannot run i386 guests"):
        arches.check_supported(get_arch("i386"))


@pytest.mark.parametrize("arch", ["x86_64", "arm64", "arm", "riscv64"])
def test_check_supported_accepts_what_this_host_can_boot(arch: str) -> None:
    # Accepted means verify can really run it here: the arch's QEMU binary exists
    # and offers the machine type the proof boots.
    spec = get_arch(arch)
    assert arches.check_supported(spec) is None
    binary = shutil.which(spec.qemu.binary)
    assert binary, f"{spec.qemu.binary} is not installed"
    machines = subprocess.run(
        [binary, "-machine", "help"], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(rf"^{re.escape(spec.qemu.machine.split(',')[0])}\s", machines, re.M)


# (arch, the kernel's generation, the tools' generation)
TOOLS = [
    ("x86_64", "bookworm", "bookworm"),
    ("arm64", "trixie", "trixie"),
    ("arm64", "unstable", "unstable"),
    ("riscv64", "bookworm", "unstable"),
    ("riscv64", "trixie", "unstable"),
]


@pytest.mark.parametrize(("arch", "kernel", "tools"), TOOLS)
def test_tools_generation_is_raised_to_what_the_arch_needs(
    arch: str, kernel: str, tools: str
) -> None:
    assert arches.tools_generation(get_arch(arch), kernel) == tools


def test_debian_kernel_only_where_debian_has_one() -> None:
    assert get_arch("x86_64").debian_kernel == "linux-image-cloud-amd64"
    assert get_arch("riscv64").debian_kernel == "linux-image-riscv64"
    with pytest.raises(UserError, match="use --kernel gold"):
        assets.debian_kernel(get_arch("arm"))


def test_a_board_without_kernel_source_builds_from_the_linux_source_of_its_version() -> None:
    """An arm64 board booted by U-Boot, written from the documented keys: no
    kernel.source, kernel.version 6.12 (the host's linux-source-6.12 here; another
    version's is fetched through the private apt state)."""
    board = load_board(REPO / "board-configs" / "raspberrypi4-64.yaml")
    sourceless = replace(board, kernel=replace(board.kernel, source=None))
    assert gold.source_tarball(sourceless) == debian.linux_source("6.12")
    assert gold.gold_config(sourceless).key == gold.gold_config(board).key


def test_a_named_kernel_source_that_is_missing_is_one_clear_error(tmp_path: Path) -> None:
    board = load_board(REPO / "board-configs" / "raspberrypi4-64.yaml")
    missing = replace(board, kernel=replace(board.kernel, source=tmp_path / "none.tar.xz"))
    with pytest.raises(UserError, match=r"leave kernel\.source out to have it fetched"):
        gold.source_tarball(missing)
