"""One bad crashkernel= value, one wording, whichever command reads it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

VALUE = "1G-4G:192M,2G-:256M"
SAYS = f"crashkernel={VALUE}: ranges must increase and must not overlap (column 12)"


def test_same_message_from_check_cmdline_and_board(tmp_path: Path) -> None:
    cmdline_txt = tmp_path / "cmdline.txt"
    cmdline_txt.write_text("console=ttyS0 root=/dev/mmcblk0p2\n")
    board = tmp_path / "board.yaml"
    board.write_text(
        "name: t\narch: x86_64\nmemory: 1G\nkernel: {version: '6.1'}\n"
        f"crashkernel: {{value: '{VALUE}'}}\nbootloader: {{type: qemu}}\ninit: busybox\n"
    )
    errors = [
        run_cli("crashkernel", "check", VALUE, "--memory", "1G", "--arch", "x86_64"),
        run_cli("cmdline", "set", cmdline_txt, "--crashkernel", VALUE, "--format", "rpi"),
        run_cli("validate", board),
    ]
    assert [e.code for e in errors] == [2, 2, 2]
    assert errors[0].err == f"kdumplayer: error: {SAYS}\n"
    assert errors[1].err == f"kdumplayer: error: {SAYS}\n"
    assert errors[2].err == f"kdumplayer: error: {board}:5: crashkernel.value: {SAYS}\n"
