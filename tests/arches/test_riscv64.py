"""The riscv64 proof in QEMU (virt, OpenSBI, TCG), through the CLI a user runs:
a kernel built from linux-source-6.12 (tinyconfig + the board's kdump fragment
+ recipes/runtime/qemu/kernel-riscv64.cfg) and Debian unstable's riscv64
busybox-static, kexec-tools 2.0.32 and makedumpfile 1.7.8 (the first
kexec-tools with riscv support; arches.yaml: debian_tools_since), fetched
through the private apt state. Capture command line `nr_cpus=1 reset_devices`,
the capture kernel the riscv Image."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board import load_board
from kdumplayer.kexec_compat import compat_data
from kdumplayer.verify import gold, kernels
from tests.arches.verify_cli import console, explain, verify
from tests.conftest import REPO

BOARD = REPO / "board-configs" / "qemu-riscv64.yaml"


def test_the_default_is_the_gold_kernel_with_unstable_tools() -> None:
    board = load_board(BOARD)
    choice = kernels.choose(board)
    assert choice.which == "gold"
    assert gold.tools_generation(board) == "unstable"


def test_the_rows_are_recorded() -> None:
    rows = [r for r in compat_data().proven if r["arch"] == "riscv64"]
    assert rows and all("2.0.32" in r["kexec_tools"] for r in rows)
    assert all(r["result"] != "not run" for r in rows)


@pytest.mark.slow
def test_capture(tmp_path: Path) -> None:
    built = gold.build_gold(load_board(BOARD))
    assert built.unmet == {}, f"fragment values lost in the gold .config: {built.unmet}"
    assert built.kernel.image.read_bytes()[48:56] == b"RISCV\0\0\0"  # the riscv Image header
    result, outcomes = verify(BOARD, tmp_path)
    assert result.code == 0 and all(o["ok"] for o in outcomes), \
        explain(result, outcomes, tmp_path)
    text = console(tmp_path)
    assert "nr_cpus=1 reset_devices" in text
    assert outcomes[0]["dumps"][0]["status"] == "ok"


@pytest.mark.slow
def test_capture_debian_unstable(tmp_path: Path) -> None:
    """Debian unstable's riscv64 7.2 kernel: kexec_load (no KEXEC_FILE) captures,
    makedumpfile 1.7.8 cannot read the dump kexec-tools 2.0.32 describes, the
    hook's cp fallback saves it (kexec-tools.yaml: riscv64-kexec-load-crash-fixes)."""
    result, outcomes = verify(BOARD, tmp_path, "--kernel", "debian", "--debian", "unstable")
    assert result.code == 0 and all(o["ok"] for o in outcomes), \
        explain(result, outcomes, tmp_path)
    text = console(tmp_path)
    assert "kexec_file_load (kexec -s) failed; trying kexec_load" in text
    assert "kdump: makedumpfile failed" in text
    assert "7.2" in outcomes[0]["kernel"]
