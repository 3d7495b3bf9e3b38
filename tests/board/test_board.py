"""The board description: example boards validate; every bad input is one located line, exit 2."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.fragment import fragment_for_board
from kdumplayer.paths import SCHEMA_FILE
from tests.conftest import BOARDS, REPO, run_cli

BAD = sorted((REPO / "tests" / "data" / "bad-boards").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: line (\d+) key (\S+) says (.+)$", re.M)


def test_example_boards_cover_every_init_and_arch() -> None:
    # The examples are what the generators and the proof are tested on: together
    # they must exercise every init integration the schema offers and every arch
    # kdumplayer generates for, each under the name of its file.
    schema = json.loads(SCHEMA_FILE.read_text())
    boards = [load_board(p) for p in BOARDS]
    assert [b.name for b in boards] == [p.stem for p in BOARDS]
    assert {b.init for b in boards} == set(schema["properties"]["init"]["enum"])
    assert {b.arch.name for b in boards} >= {"x86_64", "arm64", "arm", "riscv64"}


def test_validate_all_examples() -> None:
    result = run_cli("validate", "--quiet", *BOARDS)
    assert result.code == 0, result.err
    assert result.out.count(": ok (") == len(BOARDS)


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_board(path: Path) -> None:
    match = EXPECT.search(path.read_text())
    assert match, f"{path.name} has no '# expect:' header"
    line, key, says = match.groups()
    result = run_cli("validate", path)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    prefix = f"kdumplayer: error: {path}:{line}: " + ("" if key == "-" else f"{key}: ")
    assert lines[0].startswith(prefix), lines[0]
    assert says in lines[0]
    assert "Traceback" not in result.err


def test_bad_board_debug_shows_traceback() -> None:
    result = run_cli("validate", "--debug", BAD[0])
    assert result.code == 2
    assert "Traceback" in result.err


def test_defaults_resolved() -> None:
    board = load_board(REPO / "board-configs" / "qemu-x86_64.yaml")
    assert board.capture_image == "/boot/bzImage"
    assert board.dump.dir == "/var/crash"
    assert board.arch.srcarch == "x86"
    assert board.crashkernel.cmdline == "crashkernel=96M"  # crashkernel recommend


def test_missing_file() -> None:
    result = run_cli("validate", "no/such/board.yaml")
    assert result.code == 2
    assert result.err.strip() == "kdumplayer: error: no/such/board.yaml: no such file"


def test_usage_error_exit_2() -> None:
    result = run_cli("validate")
    assert result.code == 2
    assert result.err.startswith("kdumplayer: error: ")


def test_version_and_help() -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli("--version")
    assert exc.value.code == 0
    for command in (
        "validate",
        "fragment",
        "check",
        "generate",
        "crashkernel",
        "cmdline",
        "verify",
    ):
        with pytest.raises(SystemExit) as exc:
            run_cli(command, "--help")
        assert exc.value.code == 0


def test_json_output() -> None:
    import json

    result = run_cli("validate", "--format", "json", REPO / "board-configs" / "visionfive2.yaml")
    assert result.code == 0
    assert json.loads(result.out)["arch"] == "riscv64"


def test_legacy_board_keeps_its_comment_about_physical_start() -> None:
    # legacy-x86_64-2.6.32.yaml says: one kernel for both, so PHYSICAL_START stays
    # at its default below the 32M reservation; a capture kernel of its own would
    # be linked at the offset.
    board = load_board(REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml")
    same = fragment_for_board(board)
    assert "CONFIG_RELOCATABLE=y\n" in same
    assert "PHYSICAL_START" not in same
    dedicated = dataclasses.replace(
        board, capture=dataclasses.replace(board.capture, kernel="/boot/capture-bzImage")
    )
    assert "CONFIG_PHYSICAL_START=0x2000000\n" in fragment_for_board(dedicated)
