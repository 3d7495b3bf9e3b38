"""The riscv64 proof in QEMU (virt, OpenSBI, TCG), through the CLI a user runs
with default flags: the board says kernel 7.2, so verify boots Debian
unstable's riscv64 7.2 kernel with unstable's busybox-static, kexec-tools 2.0.32
(the first with riscv support; arches.yaml: debian_tools_since) and
makedumpfile 1.7.8, fetched through the private apt state. No KEXEC_FILE:
the hook falls back to kexec_load (makedumpfile 1.7.8 cannot read the dump
2.0.32's ELF header describes there; kexec-tools.yaml:
riscv64-kexec-load-crash-fixes). Capture command line
`nr_cpus=1 reset_devices`, capture kernel the riscv Image. The board's
collector is cp (Buildroot's makedumpfile does not build for riscv64).

Debian's kernel stays the default because the gold kernel's capture fails in
QEMU's virt machine: kexec_file_load's ELF header includes OpenSBI's
PMP-protected region and reading it faults (kexec-tools.yaml:
riscv64-kexec-file-load-firmware-region); the gold build is not in CI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kdumplayer.board.kexec_compat import assess, compat_data
from kdumplayer.board.model import load_board
from kdumplayer.verify import kernels
from tests.arches.verify_cli import console, explain, verify
from tests.conftest import REPO

BOARD = REPO / "board-configs" / "qemu-riscv64.yaml"


def test_the_default_is_debian_unstable() -> None:
    choice = kernels.choose(load_board(BOARD))
    assert (choice.which, choice.generation) == ("debian", "unstable"), choice.why


def test_kexec_tools_before_riscv_support_is_flagged() -> None:
    """The board's pin (2.0.32) passes; one release earlier, which cannot load a riscv
    capture kernel, is the rule's finding (the recorded proof rows back the rule)."""
    board = load_board(BOARD)
    assert board.kexec_tools == "2.0.32"
    assert "riscv64-needs-2.0.32" not in {f.rule for f in assess(board)}
    older = dataclasses.replace(board, kexec_tools="2.0.31")
    assert "riscv64-needs-2.0.32" in {f.rule for f in assess(older)}
    rows = [r for r in compat_data().proven if r["arch"] == "riscv64"]
    assert any(r["result"] in kernels.CAPTURES and r.get("debian") == "unstable" for r in rows)
    # The gold kernel's rows say why it is not the default.
    gold = [r for r in rows if r["kernel"].startswith("linux-source-")]
    assert gold and not kernels.gold_captures("riscv64")
    assert any(r["method"] == "kexec_file_load" and "PMP" in r["reason"] for r in gold)


@pytest.mark.slow
def test_capture(tmp_path: Path) -> None:
    result, outcomes = verify(BOARD, tmp_path)
    assert result.code == 0 and all(o["ok"] for o in outcomes), \
        explain(result, outcomes, tmp_path)
    text = console(tmp_path)
    assert "kexec_file_load (kexec -s) failed; trying kexec_load" in text
    assert "nr_cpus=1 reset_devices" in text
    assert "7.2" in outcomes[0]["kernel"]
    assert outcomes[0]["dumps"][0]["status"] == "ok"
