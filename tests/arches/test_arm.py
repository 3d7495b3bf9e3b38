"""The 32-bit arm proof in QEMU (TCG), through the CLI a user runs: a zImage built
from linux-source-6.1 (tinyconfig + the kdump fragment +
recipes/runtime/qemu/kernel-arm.cfg) loaded by Debian's armhf kexec-tools 2.0.25
(through the private apt state) with --type=zImage and the running device tree,
capture command line `maxcpus=1 reset_devices`. Debian has no armhf kernel for
QEMU's virt machine, so the default kernel is the gold one."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.verify import gold
from tests.arches.verify_cli import console, explain, verify
from tests.conftest import REPO

pytestmark = pytest.mark.slow

BOARD = REPO / "board-configs" / "qemu-arm.yaml"


def test_capture(tmp_path: Path) -> None:
    built = gold.build_gold(load_board(BOARD))
    assert built.unmet == {}, f"fragment values lost in the gold .config: {built.unmet}"
    result, outcomes = verify(BOARD, tmp_path)
    assert result.code == 0 and all(o["ok"] for o in outcomes), explain(result, outcomes, tmp_path)
    assert "kernel: the gold kernel" in result.err
    text = console(tmp_path)
    assert "--type=zImage" in text and "--dtb=/sys/firmware/fdt" in text
    assert "maxcpus=1 reset_devices" in text
    assert outcomes[0]["dumps"][0]["status"] == "ok"
