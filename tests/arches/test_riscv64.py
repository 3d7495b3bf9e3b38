"""The riscv64 proof in QEMU (virt, OpenSBI, TCG), through the CLI a user runs
with default flags: the board says kernel 7.2, so verify boots Debian
unstable's riscv64 7.2 kernel with unstable's busybox-static, kexec-tools 2.0.32
(the first with riscv support; arches.yaml: debian_tools_since) and
makedumpfile 1.7.8, fetched through the private apt state. No KEXEC_FILE:
the hook falls back to kexec_load (makedumpfile 1.7.8 cannot read the dump
2.0.32's ELF header describes there; kexec-tools.yaml:
riscv64-kexec-load-crash-fixes). Capture command line
`nr_cpus=1 reset_devices`, capture kernel the riscv Image. The board's
collector is cp (Buildroot's makedumpfile does not build for riscv64)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board.kexec_compat import compat_data
from kdumplayer.board.model import load_board
from kdumplayer.verify import kernels
from tests.arches.verify_cli import console, explain, verify
from tests.conftest import REPO

BOARD = REPO / "board-configs" / "qemu-riscv64.yaml"


def test_the_default_is_debian_unstable() -> None:
    choice = kernels.choose(load_board(BOARD))
    assert (choice.which, choice.generation) == ("debian", "unstable"), choice.why


def test_the_rows_are_recorded() -> None:
    rows = [r for r in compat_data().proven if r["arch"] == "riscv64"]
    assert rows and all("2.0.32" in r["kexec_tools"] for r in rows)
    assert all(r["result"] != "not run" for r in rows)
    assert any(r["result"] in kernels.CAPTURES and r.get("debian") == "unstable" for r in rows)


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
