"""The riscv64 proof in QEMU (virt, TCG), through the CLI a user runs with
default flags: verify builds the board's own kernel (linux-source-7.2,
tinyconfig + the board's fragment + kernel-riscv64.cfg, cross-built with
gcc-riscv64-linux-gnu) and runs Debian unstable's busybox-static, kexec-tools
2.0.32 (the first with riscv support; arches.yaml: debian_tools_since) and
makedumpfile 1.7.8, fetched through the private apt state. QEMU boots Debian
unstable's OpenSBI 1.9 (recipes/runtime/qemu/firmware.yaml): QEMU 7.2's own
OpenSBI 1.1 leaves its PMP-guarded region in System RAM and reading the dump
faults (kexec-tools.yaml: riscv64-kexec-file-load-firmware-region). Capture
command line `nr_cpus=1 reset_devices`, capture kernel the riscv Image loaded
with kexec_file_load. The board's collector is cp (Buildroot's makedumpfile
does not build for riscv64).

Debian unstable's riscv64 kernel (captures with the cp fallback) is proven by
`make sweep-arches`."""

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


def test_the_default_is_the_gold_kernel() -> None:
    """Debian's riscv64 kernel captures only with cp; the board's own kernel
    captures, so it is the default."""
    choice = kernels.choose(load_board(BOARD))
    assert (choice.which, choice.generation) == ("gold", "unstable"), choice.why


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
    # The gold kernel captures through kexec_file_load, with the firmware that
    # keeps its memory out of System RAM.
    gold = [r for r in rows if r["kernel"].startswith("linux-source-")]
    assert kernels.gold_captures("riscv64")
    assert any(
        r["method"] == "kexec_file_load"
        and r["result"] == "captures"
        and "OpenSBI 1.9" in r["reason"]
        for r in gold
    )


@pytest.mark.slow  # downloads Debian unstable's opensbi
def test_firmware_is_the_one_that_reserves_with_no_map() -> None:
    """QEMU is given Debian unstable's OpenSBI for riscv64 (and only there)."""
    from kdumplayer.verify import assets, machine

    fw = assets.firmware("riscv64")
    assert fw is not None and fw.name == "fw_dynamic.bin" and fw.stat().st_size > 0
    assert assets.firmware("x86_64") is None
    board = load_board(BOARD)
    m = machine.Machine(
        arch=board.arch,
        memory_mb=1024,
        kernel=Path("Image"),
        initrd=Path("initrd"),
        append="",
        disks=(),
        accel="tcg",
        bios=fw,
    )
    argv = machine.qemu_argv(m)
    assert argv[argv.index("-bios") + 1] == str(fw)


@pytest.mark.slow
def test_capture(tmp_path: Path) -> None:
    result, outcomes = verify(BOARD, tmp_path)
    assert result.code == 0 and all(o["ok"] for o in outcomes), explain(result, outcomes, tmp_path)
    text = console(tmp_path)
    assert "OpenSBI v1.9" in text  # the firmware of firmware.yaml, not QEMU's 1.1
    assert "kexec_file_load (kexec -s) failed" not in text
    assert "nr_cpus=1 reset_devices" in text
    assert outcomes[0]["kernel"].startswith("gold-")
    assert outcomes[0]["dumps"][0]["status"] == "ok"
