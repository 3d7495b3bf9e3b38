"""The arm64 proof in QEMU (TCG): the hook exactly as the generated trees install
it, on Debian's arm64 busybox-static, kexec-tools 2.0.25 and makedumpfile.

- a kernel built from linux-source-6.1 (tinyconfig + the kdump fragment +
  recipes/runtime/qemu/kernel-arm64.cfg: KASLR, 48-bit VA, KEXEC and
  KEXEC_FILE) captures with kexec_file_load (the hook's auto) and with
  kexec_load (KALLSYMS_ALL puts `_text` in /proc/kallsyms);
- Debian 12's linux-image-cloud-arm64 with kexec_load (it has no KEXEC_FILE
  and no KALLSYMS_ALL) yields a broken capture, which the hook reports: an
  explicit scenario (`--kernel debian --debian bookworm`), never verify's
  default (tests/arches/test_first_try.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from kdumplayer.board.model import Board, load_board
from kdumplayer.verify import assets, gold, inspect, scenarios
from kdumplayer.verify.gold import GoldBuild
from tests.conftest import REPO, GoldCapture, with_distribution_reservation

pytestmark = pytest.mark.slow

BOARD = REPO / "board-configs" / "qemu-arm64.yaml"
FALLBACK = "kexec_file_load (kexec -s) failed; trying kexec_load"


def _explain(outcome: scenarios.Outcome) -> str:
    lines = [f"{outcome.scenario} on {outcome.accel} in {outcome.workdir}:"]
    lines += [f"FAILED {c.name}\n{c.detail}" for c in outcome.failed()]
    return "\n".join(lines)


def _console(outcome: scenarios.Outcome) -> str:
    return "\n".join(run.console for run in outcome.runs)


@pytest.fixture(scope="module")
def board() -> Board:
    return load_board(BOARD)


@pytest.fixture(scope="module")
def built(board: Board) -> GoldBuild:
    return gold.build_gold(board)


def test_gold_kernel_keeps_the_fragment(built: GoldBuild) -> None:
    assert built.unmet == {}, f"fragment values lost in the gold .config: {built.unmet}"
    for symbol in ("KEXEC", "KEXEC_FILE", "KALLSYMS_ALL", "RANDOMIZE_BASE", "ARM64_VA_BITS_48"):
        assert built.config.get(symbol) == "y", symbol
    assert built.kernel.image.read_bytes()[56:60] == b"ARM\x64"  # the arm64 Image header


def test_capture(gold_capture: Callable[[str], GoldCapture]) -> None:
    outcome = gold_capture("qemu-arm64").outcome  # shared with tests/analyze
    assert outcome.ok, _explain(outcome)  # includes verify's analysis of the dump
    assert FALLBACK not in _console(outcome)  # kexec -s (kexec_file_load) did it
    assert outcome.dumps[0].vmcore_format == "kdump-compressed"


def test_capture_kexec_load(board: Board, built: GoldBuild, tmp_path: Path) -> None:
    kexec_load = replace(board, capture=replace(board.capture, load_method="kexec_load"))
    outcome = scenarios.capture(kexec_load, built.kernel, tmp_path)
    assert outcome.ok, _explain(outcome)
    assert "kexec -p /boot/Image" in _console(outcome)


def test_broken_capture_detected(board: Board, tmp_path: Path) -> None:
    board = with_distribution_reservation(board)  # Debian's kernel on a board sized for gold
    kernel = assets.debian_kernel(board.arch, "bookworm")
    outcome = scenarios.capture(board, kernel, tmp_path)
    console = _console(outcome)
    assert FALLBACK in console, "Debian's arm64 kernel has no kexec_file_load"
    failed = {c.name for c in outcome.failed()}
    assert "crash: capture kernel booted" not in failed, _explain(outcome)
    assert "one dump saved" not in failed, _explain(outcome)
    (dump,) = outcome.dumps
    assert set(dump.files) == {"seq", "summary.txt"}, dump.files  # no absurd vmcore copied
    assert dump.status.startswith("failed: broken capture: /proc/vmcore is "), dump.status
    assert dump.status.endswith(f"more than the machine's memory ({board.memory >> 10} KiB)")
    assert int(dump.summary["proc_vmcore"]) > board.memory
    assert "kdump: broken capture:" in console
    assert "last test: FAILED: failed: broken capture" in console
    assert inspect.CRASH_MESSAGE not in dump.dmesg
