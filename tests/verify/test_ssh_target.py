"""The ssh dump target in QEMU (x86_64, BusyBox init, Debian 12's kernel): one
capture to a Dropbear server on the loopback and its three faults (server down,
wrong host key, connection cut mid-transfer). kdumplayer/verify/network.py says
what each one checks. The capture's server has no working makedumpfile: the
dump stays flattened and `kdumplayer reassemble` makes it whole on the host
(`kdumplayer verify -s ssh-capture` proves the server-side makedumpfile -R)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.verify import catalog
from kdumplayer.verify.assets import Kernel
from tests.conftest import REPO

pytestmark = pytest.mark.slow

SSH_BOARD = REPO / "tests" / "data" / "network" / "ssh-board.yaml"


def test_ssh_capture_flattened_then_reassembled(debian_kernel: Kernel, tmp_path: Path) -> None:
    outcome = catalog.SCENARIOS["ssh-capture"](
        load_board(SSH_BOARD), debian_kernel, tmp_path, server_makedumpfile=False
    )
    assert outcome.ok, outcome.explain()


@pytest.mark.parametrize("name", ["ssh-server-down", "ssh-wrong-host-key", "ssh-cut"])
def test_ssh_fault(name: str, debian_kernel: Kernel, tmp_path: Path) -> None:
    outcome = catalog.SCENARIOS[name](load_board(SSH_BOARD), debian_kernel, tmp_path)
    assert outcome.ok, outcome.explain()
