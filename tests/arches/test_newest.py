"""The newest Debian generation proven: Debian unstable's 7.2 cloud kernel with
unstable's kexec-tools 2.0.32, makedumpfile 1.7.8 and busybox-static, all
unpacked from .debs with the libraries they link (never installed), captures
on x86_64 and arm64 (`verify --kernel debian --debian unstable`). On arm64
makedumpfile 1.7.8 refuses the kernel's 4K-page 52-bit-VA layout and the hook
saves the dump with cp (kexec-tools.yaml: arm64-makedumpfile-4k-52bit-va)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer import debian
from kdumplayer.arch import get_arch
from kdumplayer.verify import arches
from tests.arches.verify_cli import console, explain, verify
from tests.conftest import REPO, board_file_with_distribution_reservation

pytestmark = pytest.mark.slow

BOARDS = {
    "x86_64": REPO / "board-configs" / "qemu-x86_64.yaml",
    "arm64": REPO / "board-configs" / "qemu-arm64.yaml",
}
MAKEDUMPFILE_REFUSES = {"x86_64": False, "arm64": True}


def _version(packages: Path, name: str) -> str:
    line = next(line for line in packages.read_text().splitlines() if line.startswith(f"{name} "))
    return line.split()[1].split(":")[-1]


@pytest.mark.parametrize("arch", list(BOARDS))
def test_unstable_captures(arch: str, tmp_path: Path) -> None:
    root = arches.sysroot(get_arch(arch), "unstable")
    packages = root.parent / "packages.txt"
    assert _version(packages, "kexec-tools").startswith("2.0.32")
    assert _version(packages, "makedumpfile").startswith("1.7.8")
    # Debian's kernel on boards sized for the kernel verify boots by default.
    board = board_file_with_distribution_reservation(BOARDS[arch], tmp_path)
    result, outcomes = verify(board, tmp_path, "--kernel", "debian", "--debian", "unstable")
    assert result.code == 0 and all(o["ok"] for o in outcomes), explain(result, outcomes, tmp_path)
    assert "7.2" in outcomes[0]["kernel"], outcomes[0]["kernel"]
    assert debian.generations()["unstable"].suites == ("sid",)
    text = console(tmp_path)
    assert ("kdump: makedumpfile exited" in text) is MAKEDUMPFILE_REFUSES[arch]
    if MAKEDUMPFILE_REFUSES[arch]:
        assert "PAGE SIZE 0x1000 and VA Bits 52 not supported" in text
