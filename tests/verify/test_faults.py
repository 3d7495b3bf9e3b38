"""The fault scenarios in QEMU on the default board (BusyBox init): a power cut
while the vmcore is written, makedumpfile failing early, a board without an RTC
(small-disk, the disk filling mid-write, runs in test_qemu.py). no-rtc runs 4
crashes here; `make verify-all` runs the full 12."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.verify import catalog
from kdumplayer.verify.assets import Kernel
from tests.conftest import DEFAULT_BOARD

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["power-cut", "makedumpfile-fails"])
def test_fault(name: str, debian_kernel: Kernel, tmp_path: Path) -> None:
    outcome = catalog.SCENARIOS[name](load_board(DEFAULT_BOARD), debian_kernel, tmp_path)
    assert outcome.ok, outcome.explain()


def test_no_rtc_keeps_the_newest_by_capture_order(debian_kernel: Kernel, tmp_path: Path) -> None:
    outcome = catalog.SCENARIOS["no-rtc"](
        load_board(DEFAULT_BOARD), debian_kernel, tmp_path, crashes=4, keep=3
    )
    assert outcome.ok, outcome.explain()
    assert len(outcome.crash_to_saved) == 4
    assert len(outcome.dumps) == 3
