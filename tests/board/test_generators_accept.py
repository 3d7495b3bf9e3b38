"""validate and generate agree: every board validate accepts, every generator accepts.

The boards: the examples and every file of tests/data/bad-boards. A board that
validate refuses never reaches a generator (exit 2, one located line); one that it
accepts must give every generator's tree without an error of any kind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.errors import UserError
from kdumplayer.generate.registry import GENERATORS, Options
from tests.conftest import BOARDS, REPO

BAD = sorted((REPO / "tests" / "data" / "bad-boards").glob("*.yaml"))
ALL = [*BOARDS, *BAD]


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parent.name}/{p.stem}" for p in ALL])
def test_every_generator_takes_what_validate_accepts(path: Path) -> None:
    try:
        board = load_board(path)
    except UserError:
        assert path in BAD, f"an example board does not validate: {path}"
        return
    assert path not in BAD, f"validate accepts {path.name}, a board meant to be refused"
    for target, generator in GENERATORS.items():
        tree = generator.generate(board, Options())
        assert tree, f"{target}: an empty tree for {path.name}"


def test_each_generator_refusal_moved_to_validation_has_a_bad_board() -> None:
    """The values the Buildroot tree cannot take are refused when the board loads."""
    says = {p.stem: p.read_text().splitlines()[0] for p in BAD}
    for name, key in (
        ("kexec-tools-unknown-hash", "kexec_tools"),
        ("makedumpfile-riscv64", "dump.collector"),
        ("uboot-without-config", "bootloader.config"),
        ("base-defconfig-missing", "buildroot.base_defconfig"),
    ):
        assert f" key {key} " in says[name]
        with pytest.raises(UserError) as err:
            load_board(REPO / "tests" / "data" / "bad-boards" / f"{name}.yaml")
        assert err.value.key == key
