"""riscv64: known not to run yet, for the reason recorded in
kconfig-fragments/kexec-tools.yaml (Debian 12 has no riscv64 packages, and
kexec-tools supports riscv only from 2.0.32). The capture test is a strict
xfail: the day `verify` accepts riscv64 it must be turned into a real proof."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.arch import get_arch
from kdumplayer.board import load_board
from kdumplayer.errors import UserError
from kdumplayer.kexec_compat import compat_data
from kdumplayer.verify import arches, gold, scenarios
from tests.conftest import REPO

BOARD = REPO / "board-configs" / "visionfive2.yaml"


def test_the_reason_is_recorded() -> None:
    data = compat_data()
    assert any(r.id == "riscv64-needs-2.0.32" for r in data.rules)
    (row,) = [r for r in data.proven if r["arch"] == "riscv64"]
    assert row["result"] == "not run" and "2.0.32" in row["reason"]
    assert "2.0.32" in arches.UNSUPPORTED["riscv64"]


@pytest.mark.xfail(raises=UserError, strict=True,
                   reason="Debian 12: no riscv64 packages; riscv needs kexec-tools 2.0.32")
def test_capture(tmp_path: Path) -> None:
    board = load_board(BOARD)
    arches.check_supported(get_arch("riscv64"))
    outcome = scenarios.capture(board, gold.build_gold(board).kernel, tmp_path)
    assert outcome.ok
