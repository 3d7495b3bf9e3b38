"""The requirement data and the fragment written from it (no kernel tree needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.fragment import fragment_for, fragment_for_board
from kdumplayer.kconfig.configfile import parse_config_text
from kdumplayer.requirements import BoardChoices, load_requirements, select
from tests.conftest import BOARDS, DEFAULT_BOARD, run_cli


def assigned(text: str) -> dict[str, str]:
    return {a.symbol: a.value for a in parse_config_text(text, "fragment")}


def test_requirement_data_loads_and_every_entry_has_a_reason() -> None:
    reqs = load_requirements()
    assert len(reqs) >= 15
    assert all(r.reason and r.roles for r in reqs)
    assert {"system", "capture", "userspace", "board"} <= {role for r in reqs for role in r.roles}


# (arch, version, board choices, symbols that must be written, symbols that must not)
CASES = [
    (
        "x86_64",
        "6.12",
        BoardChoices(),
        {
            "KEXEC",
            "CRASH_DUMP",
            "PROC_VMCORE",
            "RELOCATABLE",
            "DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT",
            "PROC_KCORE",
            "KALLSYMS",
            "KALLSYMS_ALL",
            "MAGIC_SYSRQ",
            "SYSFS",
        },
        {"DEBUG_INFO", "AUTO_ZRELADDR", "HIGHMEM4G", "PHYSICAL_START", "VMCORE_INFO"},
    ),
    (
        "x86_64",
        "5.17",
        BoardChoices(),
        {"DEBUG_INFO", "CRASH_DUMP"},
        {"DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT"},
    ),
    (
        "x86_64",
        "6.1",
        BoardChoices(offset=32 << 20, capture="dedicated"),
        {"PHYSICAL_START"},
        set(),
    ),
    ("x86_64", "6.1", BoardChoices(), {"RELOCATABLE"}, {"PHYSICAL_START"}),
    (
        "x86_64",
        "6.1",
        BoardChoices(load_method="kexec_file_load"),
        {"KEXEC_FILE"},
        {"KEXEC", "PROC_KCORE"},
    ),
    ("i386", "6.1", BoardChoices(), {"HIGHMEM4G", "RELOCATABLE"}, {"PROC_KCORE", "HIGHMEM"}),
    ("arm", "6.12", BoardChoices(), {"AUTO_ZRELADDR", "KEXEC"}, {"RELOCATABLE", "PROC_KCORE"}),
    (
        "arm64",
        "6.12",
        BoardChoices(offset=64 << 20),
        {"KEXEC", "CRASH_DUMP"},
        {"PHYSICAL_START", "RELOCATABLE", "AUTO_ZRELADDR"},
    ),
    ("riscv64", "6.12", BoardChoices(), {"KEXEC", "CRASH_DUMP", "PROC_VMCORE"}, {"PROC_KCORE"}),
]


@pytest.mark.parametrize(("arch", "version", "board", "present", "absent"), CASES)
def test_fragment_fits_arch_version_and_board(
    arch: str, version: str, board: BoardChoices, present: set[str], absent: set[str]
) -> None:
    values = assigned(fragment_for(arch, version, board))
    assert present <= set(values), present - set(values)
    assert not absent & set(values), absent & set(values)


def test_physical_start_is_the_board_offset() -> None:
    board = BoardChoices(offset=32 << 20, capture="dedicated")
    values = assigned(fragment_for("x86_64", "2.6.32", board))
    assert values["PHYSICAL_START"] == "0x2000000"


def test_crash_dump_roles_change_in_6_9() -> None:
    def roles(version: str) -> tuple[str, ...]:
        [req] = [r for r in select("x86_64", version) if r.symbol == "CRASH_DUMP"]
        return req.roles

    assert roles("6.8") == ("capture",)
    assert roles("6.9") == ("system", "capture")
    assert "VMCORE_INFO" not in {r.symbol for r in select("x86_64", "6.8")}
    assert "VMCORE_INFO" in {r.symbol for r in select("x86_64", "6.9")}


@pytest.mark.parametrize("board_file", BOARDS, ids=lambda p: p.stem)
def test_every_line_has_its_reason_and_output_is_deterministic(board_file: Path) -> None:
    board = load_board(board_file)
    text = fragment_for_board(board)
    assert text == fragment_for_board(load_board(board_file))
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^(CONFIG_\w+=|# CONFIG_\w+ is not set)", line):
            assert lines[i - 1].startswith("# ") and ": " in lines[i - 1], line
    assert board.name in lines[0]


def test_cli_fragment_writes_file(tmp_path: Path) -> None:
    out = tmp_path / "kdump.cfg"
    result = run_cli("fragment", DEFAULT_BOARD, "-o", out)
    assert result.code == 0, result.err
    assert out.read_text() == fragment_for_board(load_board(DEFAULT_BOARD))
    assert result.out == ""


def test_cli_fragment_kernel_version_override() -> None:
    old = run_cli("fragment", DEFAULT_BOARD, "--kernel-version", "5.10")
    new = run_cli("fragment", DEFAULT_BOARD, "--kernel-version", "6.12")
    assert old.code == new.code == 0
    assert "CONFIG_DEBUG_INFO=y" in old.out and "CONFIG_DEBUG_INFO=y" not in new.out
    assert "Linux 6.12" in new.out


def test_cli_fragment_bad_version() -> None:
    result = run_cli("fragment", DEFAULT_BOARD, "--kernel-version", "six")
    assert result.code == 2
    assert "'six' is not a kernel version" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_capture_condition_selects_dedicated_capture_kernels() -> None:
    from kdumplayer.requirements import Requirement

    req = Requirement(
        symbol="X", value="y", roles=("capture",), reason="r", when=(("capture", "dedicated"),)
    )
    assert select("x86_64", "6.1", BoardChoices(capture="dedicated"), (req,)) == (req,)
    assert select("x86_64", "6.1", BoardChoices(), (req,)) == ()
