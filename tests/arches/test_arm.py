"""The 32-bit arm proof in QEMU (TCG), through the CLI a user runs: a zImage built
from linux-source-6.1 (tinyconfig + the kdump fragment +
recipes/runtime/qemu/kernel-arm.cfg) loaded by Debian's armhf kexec-tools 2.0.25
with --type=zImage and the running device tree, capture command line
`maxcpus=1 reset_devices`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kdumplayer.board import load_board
from kdumplayer.verify import gold
from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.slow

BOARD = REPO / "board-configs" / "qemu-arm.yaml"


def test_capture(tmp_path: Path) -> None:
    built = gold.build_gold(load_board(BOARD))
    assert built.unmet == {}, f"fragment values lost in the gold .config: {built.unmet}"
    result = run_cli("verify", "--kernel", "gold", BOARD, "--format", "json",
                     "--workdir", tmp_path)
    (outcome,) = json.loads(result.out)
    failed = [c for c in outcome["checks"] if not c["ok"]]
    assert result.code == 0 and outcome["ok"], f"in {tmp_path}: {failed}\n{result.err}"
    console = (tmp_path / "capture" / "console-1-crash.log").read_text(errors="replace")
    assert "--type=zImage" in console and "--dtb=/sys/firmware/fdt" in console
    assert "maxcpus=1 reset_devices" in console
    assert outcome["dumps"][0]["status"] == "ok"
