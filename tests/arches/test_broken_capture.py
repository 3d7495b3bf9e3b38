"""The hook tells a broken capture from a dump: a /proc/vmcore larger than the
machine's memory (the ELF header kexec_load writes on arm64 without `_text`
in /proc/kallsyms makes it ~1.8e19 bytes) or a kernel log that cannot be read.
Run under each shell the hook supports, on a fake /proc (the QEMU case on the
real failing combination is in test_arm64.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.runtime.conftest import SHELLS, Hook, make_hook

BOARD = REPO / "board-configs" / "qemu-arm64.yaml"
ABSURD = "18446662780595150848"  # what the Debian 12 arm64 failure reports
SAVE = 'do_action() { echo "ACTION $1"; }; conf_load "$KDUMP_CONF"; cmd_save; echo "EXIT $?"'


@pytest.fixture(params=list(SHELLS), ids=list(SHELLS))
def hook(request: pytest.FixtureRequest, tmp_path: Path) -> Hook:
    return make_hook(tmp_path, SHELLS[request.param], BOARD)


def _capture(hook: Hook, size: int, **conf: str) -> Path:
    """A fake capture boot: /proc/vmcore is a sparse file of `size` bytes (not an ELF
    file, so vmcore-dmesg cannot read a log from it)."""
    with (hook.proc / "vmcore").open("wb") as handle:
        handle.truncate(size)
    crash = hook.dir / "crash"
    settings = {
        "dir": str(crash),
        "collector": "cp",
        "compression": "none",
        "dmesg": "no",
        "min_free_kb": "0",
        "memory_kb": "1024",
        "failure_action": "poweroff",
        **conf,
    }
    hook.conf.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    return crash


# (id, vmcore size, memory_kb, file_size override, broken?)
SIZES = [
    ("absurd size from a broken header", 1, "1024", ABSURD, True),
    ("larger than the machine", 2 << 20, "1024", None, True),
    ("smaller than the machine", 512 << 10, "1024", None, False),
    ("machine memory unknown, plausible size", 2 << 20, "0", None, False),
    ("machine memory unknown, absurd size", 1, "0", ABSURD, True),
]


@pytest.mark.parametrize(
    ("case", "size", "memory_kb", "reported", "broken"), SIZES, ids=[c[0] for c in SIZES]
)
def test_vmcore_broken(
    hook: Hook, case: str, size: int, memory_kb: str, reported: str | None, broken: bool
) -> None:
    _capture(hook, size, memory_kb=memory_kb)
    override = f"file_size() {{ echo {reported}; }}; " if reported else ""
    done = hook.lib(f'conf_load "$KDUMP_CONF"; {override}vmcore_broken; echo "RC $?"')
    assert ("RC 0" in done.stdout) is broken, done.stdout + done.stderr
    if broken:
        assert f"more than the machine's memory ({memory_kb} KiB)" in done.stdout


def test_absurd_vmcore_is_not_copied_and_the_summary_says_broken(hook: Hook) -> None:
    crash = _capture(hook, 2 << 20, dmesg="yes")
    done = hook.lib(SAVE)
    assert "ACTION poweroff" in done.stdout and "EXIT 1" in done.stdout, done.stderr
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    assert sorted(p.name for p in dump.iterdir()) == ["seq", "summary.txt"]
    summary = (dump / "summary.txt").read_text()
    assert (
        f"status: failed: broken capture: {hook.proc}/vmcore is {2 << 20} bytes, "
        "more than the machine's memory (1024 KiB)"
    ) in summary
    assert f"proc_vmcore: {2 << 20}" in summary
    assert "vmcore not saved: the capture is broken" in done.stderr


def test_unreadable_log_keeps_the_vmcore_and_says_broken(hook: Hook) -> None:
    crash = _capture(hook, 256 << 10, dmesg="yes")
    done = hook.lib(SAVE)
    assert "EXIT 1" in done.stdout, done.stderr
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    assert sorted(p.name for p in dump.iterdir()) == ["seq", "summary.txt", "vmcore"]
    assert (
        f"status: failed: broken capture: the kernel log cannot be read from {hook.proc}/vmcore"
    ) in (dump / "summary.txt").read_text()


def test_a_plausible_capture_is_not_called_broken(hook: Hook) -> None:
    crash = _capture(hook, 256 << 10)
    done = hook.lib(SAVE)
    assert "EXIT 0" in done.stdout, done.stderr
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    assert "status: ok" in (dump / "summary.txt").read_text()
    assert "broken" not in done.stderr


def test_status_reports_the_broken_test(hook: Hook) -> None:
    crash = _capture(hook, 2 << 20)
    crash.mkdir()
    (crash / ".kdump-test-pending").write_text("then\n")
    hook.lib(SAVE)
    hook.set_reservation(256 << 20, True)
    done = hook.command("status")
    assert "last test: FAILED: failed: broken capture:" in done.stdout, done.stdout + done.stderr


def test_makedumpfile_refusing_the_kernel_falls_back_to_cp(hook: Hook) -> None:
    """Debian 13+ arm64 kernels (4K pages, 52-bit VA): makedumpfile 1.7.8 stops
    before writing anything; the hook copies /proc/vmcore with cp instead."""
    crash = _capture(hook, 256 << 10, collector="makedumpfile", compression="zlib")
    refuse = (
        'makedumpfile() { echo "calculate_plat_config: PAGE SIZE 0x1000 and VA Bits 52 '
        'not supported" >&2; return 1; }; '
    )
    done = hook.lib(refuse + SAVE)
    # Saved whole by cp, and reported as the failure it is (issue 14: the failure action).
    assert "EXIT 1" in done.stdout, done.stdout + done.stderr
    assert "arithmetic" not in done.stderr and "makedumpfile exited 1" in done.stderr
    assert "falling back to cp" in done.stderr
    (dump,) = [p for p in crash.iterdir() if p.is_dir()]
    assert sorted(p.name for p in dump.iterdir()) == ["seq", "summary.txt", "vmcore"]
    assert (dump / "vmcore").stat().st_size == 256 << 10
    assert (
        "status: failed: makedumpfile exited 1; the vmcore was copied unfiltered by cp instead"
    ) in (dump / "summary.txt").read_text()
