"""`kdumplayer analyze` on real dumps: the ones `verify` captured from the x86_64
and arm64 gold kernels (shared with tests/verify and tests/arches through the
session's gold_capture fixture: no extra boot), the same dump re-written by the
host's makedumpfile in other formats, without debug info, and the bad inputs
made from it (truncated, -incomplete, empty, another arch, a wrong vmlinux)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from tests.conftest import REPO, GoldCapture, run_cli

pytestmark = pytest.mark.slow

BOARDS = {"qemu-x86_64": "x86_64", "qemu-arm64": "arm64"}
PANIC = "Kernel panic - not syncing: sysrq triggered crash"


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.iterdir()}


def _vmlinux(capture: GoldCapture) -> Path:
    path = capture.build.kernel.image.parent / "vmlinux"
    assert path.is_file(), "the gold build keeps vmlinux beside the image"
    return path


@pytest.fixture
def x86(gold_capture: Callable[[str], GoldCapture]) -> GoldCapture:
    return gold_capture("qemu-x86_64")


@pytest.fixture
def no_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No gold vmlinux to find: an empty kdumplayer cache."""
    monkeypatch.setenv("KDUMPLAYER_CACHE", str(tmp_path / "empty-cache"))


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_verify_reads_the_crash_function_off_its_dump(
    board: str, gold_capture: Callable[[str], GoldCapture]
) -> None:
    capture = gold_capture(board)
    result = capture.analysis
    assert result is not None and result.crash is not None
    assert result.ok, result.problems
    functions = [f.function for f in result.crash.frames]
    assert "sysrq_handle_crash" in functions, functions
    assert any(f.file and f.line for f in result.crash.frames), "no file:line from DWARF"
    assert result.panic == PANIC
    assert result.crash.pid > 1 and result.crash.comm
    assert result.crash.modules is None  # the gold kernel has no module support
    assert result.vmcore.arch == BOARDS[board]
    assert (result.vmcore.format, result.vmcore.compression, result.vmcore.dump_level) == (
        "kdump-compressed",
        "zlib",
        31,
    )
    assert result.vmcore.complete
    # The boards' 1G guests, less the crashkernel reservation (not in the dump's memory map).
    spec = load_board(REPO / "board-configs" / f"{board}.yaml")
    reserved = max(p.size_for(spec.memory) for p in spec.crashkernel.params)
    assert (1 << 29) < result.vmcore.memory <= spec.memory - reserved, result.vmcore.memory
    assert result.uptime is not None and result.crash_time is not None
    assert result.dump.summary["status"] == "ok"


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_cli_json_and_text(board: str, gold_capture: Callable[[str], GoldCapture]) -> None:
    capture = gold_capture(board)
    before = _snapshot(capture.dump_dir)
    result = run_cli(
        "analyze", capture.dump_dir, "--vmlinux", _vmlinux(capture), "--format", "json"
    )
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["schema"] == 1 and report["ok"] is True
    assert report["kernel"]["arch"] == BOARDS[board]
    assert report["kernel"]["build_id"] and report["kernel"]["release"]
    assert "sysrq_handle_crash" in [f["function"] for f in report["crash"]["stack"]]
    assert report["crash"]["panic"] == PANIC
    assert report["debug_info"] == {"vmlinux": str(_vmlinux(capture)), "missing": None}
    assert report["dump"]["summary"]["status"] == "ok"
    assert any(PANIC in line for line in report["log"]["tail"])
    text = run_cli("analyze", capture.dump_dir, "--vmlinux", _vmlinux(capture))
    assert text.code == 0, text.err
    assert "sysrq_handle_crash at " in text.out and f"panic     {PANIC}" in text.out
    assert _snapshot(capture.dump_dir) == before, "analyze wrote into the dump directory"


def test_finds_the_gold_vmlinux_by_build_id(x86: GoldCapture) -> None:
    result = run_cli("analyze", x86.dump_dir, "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["debug_info"]["vmlinux"] == str(_vmlinux(x86))


def test_without_debug_info(x86: GoldCapture, no_cache: None) -> None:
    result = run_cli("analyze", x86.dump_dir, "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    release = report["kernel"]["release"]
    assert report["crash"]["stack"] is None and report["debug_info"]["vmlinux"] is None
    missing = report["debug_info"]["missing"]
    assert "--vmlinux" in missing and f"linux-image-{release}-dbg" in missing
    assert report["kernel"]["build_id"] in missing
    assert report["log"]["source"] == "vmcore-dmesg.txt"
    assert report["crash"]["panic"] == PANIC and report["crash"]["time"]
    text = run_cli("analyze", x86.dump_dir)
    assert text.code == 0 and "missing   no debug info for x86_64 kernel" in text.out


def test_bare_vmcore_without_debug_info_reads_the_log_from_vmcoreinfo(
    x86: GoldCapture, no_cache: None, tmp_path: Path
) -> None:
    vmcore = tmp_path / "vmcore"
    shutil.copy(x86.dump_dir / "vmcore", vmcore)
    result = run_cli("analyze", vmcore, "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["log"]["source"].startswith("makedumpfile --dump-dmesg")
    assert report["crash"]["panic"] == PANIC
    assert report["dump"]["summary"] is None


# The host's makedumpfile (Debian 1.7.2: zlib and lzo, no snappy or zstd) re-writes the
# captured dump, checked against the header facts. It cannot write ELF (-E) from a
# kdump-compressed input: bench_analyze.py reads an ELF (cp) capture.
@pytest.mark.parametrize(
    ("flags", "fmt", "compression"),
    [
        (["-l"], "kdump-compressed", "lzo"),
        ([], "kdump-compressed", "none"),
    ],
)
def test_other_formats(
    x86: GoldCapture, tmp_path: Path, flags: list[str], fmt: str, compression: str
) -> None:
    out = tmp_path / "vmcore"
    subprocess.run(
        ["makedumpfile", *flags, "-d", "31", str(x86.dump_dir / "vmcore"), str(out)],
        check=True,
        capture_output=True,
    )
    result = run_cli("analyze", out, "--vmlinux", _vmlinux(x86), "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert (report["dump"]["format"], report["dump"]["compression"]) == (fmt, compression)
    assert "sysrq_handle_crash" in [f["function"] for f in report["crash"]["stack"]]


def _truncated(dump: Path, tmp: Path, keep: float) -> Path:
    data = (dump / "vmcore").read_bytes()
    (tmp / "vmcore").write_bytes(data[: int(len(data) * keep)])
    return tmp / "vmcore"


def _copy_dir(dump: Path, tmp: Path) -> Path:
    target = tmp / dump.name
    shutil.copytree(dump, target)
    return target


def _incomplete_dir(dump: Path, tmp: Path) -> Path:
    target = _copy_dir(dump, tmp)
    (target / "vmcore").rename(target / "vmcore-incomplete")
    return target


def _incomplete_file(dump: Path, tmp: Path) -> Path:
    shutil.copy(dump / "vmcore", tmp / "vmcore-incomplete")
    return tmp / "vmcore-incomplete"


def _text_file(dump: Path, tmp: Path) -> Path:
    shutil.copy(dump / "vmcore-dmesg.txt", tmp / "vmcore")
    return tmp / "vmcore"


def _no_vmcore(dump: Path, tmp: Path) -> Path:
    target = _copy_dir(dump, tmp)
    (target / "vmcore").unlink()
    return target


def _dumps_dir(dump: Path, tmp: Path) -> Path:
    del tmp
    return dump.parent  # where verify copied the dump: <workdir>/dumps/<name>


def _empty(dump: Path, tmp: Path) -> Path:
    del dump
    (tmp / "empty").mkdir()
    return tmp / "empty"


BAD_INPUTS: list[tuple[str, Callable[[Path, Path], Path], str]] = [
    ("truncated vmcore", lambda d, t: _truncated(d, t, 0.5), "truncated: "),
    ("header only", lambda d, t: _truncated(d, t, 0.001), "truncated: the file ends inside"),
    ("-incomplete dump", _incomplete_dir, "vmcore-incomplete: the capture did not finish"),
    ("-incomplete vmcore", _incomplete_file, "an -incomplete vmcore"),
    ("not a vmcore", _text_file, "not a vmcore (neither ELF nor kdump-compressed"),
    ("dump without vmcore", _no_vmcore, "not a dump: no vmcore here"),
    ("empty directory", _empty, "an empty directory, not a dump"),
    ("directory of dumps", _dumps_dir, "a directory of 1 dump(s), not one dump: name one"),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input(
    x86: GoldCapture, tmp_path: Path, name: str, make: Callable[[Path, Path], Path], message: str
) -> None:
    before = _snapshot(x86.dump_dir)
    bad = make(x86.dump_dir, tmp_path)
    result = run_cli("analyze", bad)
    assert result.code == 2, (name, result.out, result.err)
    assert result.err.startswith(f"kdumplayer: error: {bad}: {message}"), result.err
    assert result.err.count("\n") == 1 and not result.out
    assert _snapshot(x86.dump_dir) == before


def test_wrong_vmlinux_is_refused_with_both_build_ids(
    x86: GoldCapture, gold_capture: Callable[[str], GoldCapture]
) -> None:
    arm64 = gold_capture("qemu-arm64")
    ours, theirs = arm64.analysis, x86.analysis
    assert ours is not None and theirs is not None
    result = run_cli("analyze", x86.dump_dir, "--vmlinux", _vmlinux(arm64))
    assert result.code == 2
    assert result.err.count("\n") == 1, result.err
    assert "does not match the dump" in result.err
    assert ours.info.build_id in result.err and theirs.info.build_id in result.err


def test_other_arch_without_vmlinux(
    gold_capture: Callable[[str], GoldCapture], no_cache: None
) -> None:
    dump = gold_capture("qemu-arm64").dump_dir
    result = run_cli("analyze", dump)
    assert result.code == 2
    assert result.err.startswith(
        f"kdumplayer: error: {dump}: a dump of another arch (arm64; "
        "this host is x86_64) needs its vmlinux"
    ), result.err
    assert result.err.count("\n") == 1


def test_readable_but_failed_capture_exits_1(x86: GoldCapture, tmp_path: Path) -> None:
    dump = _copy_dir(x86.dump_dir, tmp_path)
    summary = (dump / "summary.txt").read_text().replace("status: ok", "status: failed: test")
    (dump / "summary.txt").write_text(summary)
    result = run_cli("analyze", dump, "--vmlinux", _vmlinux(x86))
    assert result.code == 1, result.err
    assert "PROBLEM   the hook's summary says: failed: test" in result.out
