"""The end-to-end proof in QEMU (TCG when KVM does not work): each scenario boots
the default board's real hook on Debian's kernel, crashes it and reads the dump
disk back; the gold case does the same on a kernel built from linux-source with
tinyconfig + the generated fragment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.verify import catalog, scenarios
from kdumplayer.verify.assets import Kernel
from tests.conftest import DEFAULT_BOARD, GoldCapture, run_cli

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["capture", "small-disk", "no-reservation", "missing-dir"])
def test_scenario(name: str, debian_kernel: Kernel, tmp_path: Path) -> None:
    outcome = catalog.SCENARIOS[name](load_board(DEFAULT_BOARD), debian_kernel, tmp_path)
    assert outcome.ok, outcome.explain()


def test_rotation_keep_2_over_three_crashes(debian_kernel: Kernel, tmp_path: Path) -> None:
    outcome = scenarios.rotation(
        load_board(DEFAULT_BOARD), debian_kernel, tmp_path, keep=2, crashes=3
    )
    assert outcome.ok, outcome.explain()
    assert len(outcome.crash_to_saved) == 3
    assert len([d for d in outcome.dumps if d.complete]) == 2


def test_gold_kernel_from_the_fragment_captures(gold_capture: Callable[[str], GoldCapture]) -> None:
    capture = gold_capture("qemu-x86_64")  # shared with tests/analyze
    build, outcome = capture.build, capture.outcome
    assert build.unmet == {}, f"fragment values lost in the gold .config: {build.unmet}"
    assert build.config.get("MODULES", "n") == "n"  # nothing came from a module
    assert outcome.ok, outcome.explain()  # includes verify's analysis of the dump


def test_cli_verify_default_board(tmp_path: Path) -> None:
    result = run_cli(
        "verify", DEFAULT_BOARD, "-s", "no-reservation", "--workdir", tmp_path, "--format", "json"
    )
    assert result.code == 0, result.out + result.err
    assert '"scenario": "no-reservation"' in result.out
    assert '"ok": true' in result.out
