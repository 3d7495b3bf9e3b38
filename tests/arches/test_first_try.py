"""A user's first try: `kdumplayer verify BOARD` with no --kernel captures on
every arm64 example board. The default kernel represents the board: Debian's
kernel of the generation nearest its kernel.version where
kconfig-fragments/kexec-tools.yaml records it capturing on the arch, the gold
kernel (built from the board's own fragment) otherwise, also where Debian's
kernel captures only with the hook's cp fallback and a gold kernel is recorded
capturing on the arch. Debian 12's
cloud-arm64 kernel, the known broken capture, is never the default (its own
scenario is tests/arches/test_arm64.py::test_broken_capture_detected)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.verify import kernels
from tests.arches.verify_cli import explain, verify
from tests.conftest import BOARDS, REPO

ARM64_BOARDS = [b for b in BOARDS if load_board(b).arch.name == "arm64"]

# (board, which kernel, its generation)
DEFAULTS = [
    ("qemu-x86_64", "debian", "bookworm"),
    ("qemu-arm64", "gold", "bookworm"),  # Debian 12's arm64 kernel: broken capture
    # 6.12: Debian 13's arm64 kernel needs the cp fallback (4K pages, 52-bit VA)
    ("raspberrypi4-64", "gold", "trixie"),
    ("pc-x86_64-grub", "gold", "trixie"),  # Debian 13's amd64 kernel: not run yet
    ("qemu-arm", "gold", "bookworm"),  # Debian has no armhf kernel for virt
    # 7.2: Debian unstable's riscv64 kernel captures only with the cp fallback,
    # the gold kernel captures (with OpenSBI 1.9): the gold kernel is the default
    ("qemu-riscv64", "gold", "unstable"),
    ("visionfive2", "gold", "trixie"),  # Debian 13 has no riscv64 kernel row
]


@pytest.mark.parametrize(("name", "which", "generation"), DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_default_kernel(name: str, which: str, generation: str) -> None:
    choice = kernels.choose(load_board(REPO / "board-configs" / f"{name}.yaml"))
    assert (choice.which, choice.generation) == (which, generation), choice.why


def test_every_arm64_board_is_covered() -> None:
    assert {b.stem for b in ARM64_BOARDS} <= {d[0] for d in DEFAULTS}
    assert len(ARM64_BOARDS) >= 2


def test_the_broken_kernel_is_never_the_default() -> None:
    for board in ARM64_BOARDS:
        choice = kernels.choose(load_board(board))
        assert (choice.which, choice.generation) != ("debian", "bookworm"), board


@pytest.mark.slow
@pytest.mark.parametrize("board", ARM64_BOARDS, ids=[b.stem for b in ARM64_BOARDS])
def test_verify_captures_with_default_flags(board: Path, tmp_path: Path) -> None:
    result, outcomes = verify(board, tmp_path)
    assert result.code == 0 and all(o["ok"] for o in outcomes), explain(result, outcomes, tmp_path)
    assert outcomes[0]["dumps"][0]["status"] == "ok"
