"""The ssh dump target in QEMU (x86_64, BusyBox init, Debian 12's kernel): one
capture to a Dropbear server on the loopback and its three faults (server down,
wrong host key, connection cut mid-transfer). kdumplayer/verify/network.py says
what each one checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board import load_board
from kdumplayer.verify import scenarios
from kdumplayer.verify.assets import Kernel
from tests.conftest import REPO

pytestmark = pytest.mark.slow

SSH_BOARD = REPO / "tests" / "data" / "network" / "ssh-board.yaml"


@pytest.mark.parametrize("name", ["ssh-capture", "ssh-server-down", "ssh-wrong-host-key",
                                  "ssh-cut"])
def test_ssh_scenario(name: str, debian_kernel: Kernel, tmp_path: Path) -> None:
    outcome = scenarios.SCENARIOS[name](load_board(SSH_BOARD), debian_kernel, tmp_path)
    assert outcome.ok, outcome.explain()
