"""The 32-bit arm proof in QEMU (TCG): a zImage built from linux-source-6.1
(tinyconfig + the kdump fragment + recipes/runtime/qemu/kernel-arm.cfg) loaded
by Debian's armhf kexec-tools 2.0.25 with --type zImage and the running device
tree, capture command line `maxcpus=1 reset_devices`."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board import load_board
from kdumplayer.verify import gold, scenarios
from tests.conftest import REPO

pytestmark = pytest.mark.slow

BOARD = REPO / "board-configs" / "qemu-arm.yaml"


def test_capture(tmp_path: Path) -> None:
    board = load_board(BOARD)
    built = gold.build_gold(board)
    assert built.unmet == {}, f"fragment values lost in the gold .config: {built.unmet}"
    outcome = scenarios.capture(board, built.kernel, tmp_path)
    failed = "\n".join(f"FAILED {c.name}\n{c.detail}" for c in outcome.failed())
    assert outcome.ok, f"in {outcome.workdir}:\n{failed}"
    console = "\n".join(run.console for run in outcome.runs)
    assert "--type=zImage" in console and "--dtb=/sys/firmware/fdt" in console
    assert "maxcpus=1 reset_devices" in console
