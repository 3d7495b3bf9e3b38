"""The hook under each init system, booted for real in QEMU: systemd, SysV init and
OpenRC on a Debian bookworm root built by mmdebstrap (cached by its package list),
BusyBox init in test_qemu.py. One capture each: normal boot loads the capture
kernel through the init integration, crash, the capture boot saves through it,
the next boot's status is OK; the console shows the init system's own lines."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.verify import catalog, initsys
from kdumplayer.verify.assets import Kernel
from tests.conftest import DEFAULT_BOARD, with_distribution_reservation

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("init", initsys.DEBIAN_INITS)
def test_capture_through_the_init_system(init: str, debian_kernel: Kernel, tmp_path: Path) -> None:
    board = with_distribution_reservation(replace(load_board(DEFAULT_BOARD), init=init))
    outcome = catalog.SCENARIOS["capture"](board, debian_kernel, tmp_path)
    assert outcome.init == init and not outcome.unproven
    assert outcome.ok, outcome.explain()
    names = [c.name for c in outcome.checks]
    assert any(f"capture boot ran {init}" in n for n in names)
    assert any(f"capture boot ran the hook through {init}" in n for n in names)
