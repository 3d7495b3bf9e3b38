"""Checks of a crashkernel= value against RAM, arch and CONFIG_PHYSICAL_START, and the
`kdumplayer crashkernel check|recommend` commands."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from kdumplayer.arch import get_arch
from kdumplayer.board.model import load_board
from kdumplayer.crashkernel import grammar as ck
from kdumplayer.crashkernel.board_check import check_board
from kdumplayer.crashkernel.rules import image_size, physical_start_of
from tests.conftest import BOARDS, REPO, run_cli

# (value, memory, arch, physical start / "kVERSION" / None, exit code, text expected on stdout)
CASES = [
    ("256M", "1G", "x86_64", None, 0, "ok: crashkernel=256M reserves 256M of 1G"),
    ("128M@16M", "1G", "x86_64", "16M", 0, "ok: crashkernel=128M@16M"),
    ("128M@16M", "1G", "x86_64", "0x1000000", 0, "ok:"),
    (
        "128M@32M",
        "1G",
        "x86_64",
        "k6.1",
        0,
        "advice: x86 kernels randomize where they run (KASLR, on by default since 4.12)",
    ),
    (
        "128M@32M",
        "1G",
        "x86_64",
        "16M",
        1,
        "problem: CONFIG_PHYSICAL_START is 16M (0x1000000) but the reservation starts at 32M",
    ),
    ("128M@24M", "1G", "x86_64", None, 1, "offset 24M is not aligned to 16M as x86_64 requires"),
    ("128M@3M", "1G", "arm64", None, 1, "offset 3M is not aligned to 2M as arm64 requires"),
    ("128M@2M", "1G", "arm64", None, 0, "ok:"),
    ("64M@1M", "512M", "arm", None, 0, "advice: offset 1M is not a multiple of the recommended"),
    ("256M@1G", "1G", "x86_64", None, 1, "the reservation 1G..1280M ends above 1G"),
    ("128M@448M", "1G", "i386", None, 1, "ends above 512M (32-bit x86 keeps it below 512M)"),
    (
        "600M",
        "1G",
        "x86_64",
        None,
        1,
        "reserves 600M, leaving 424M of 1G: the system should keep at least half",
    ),
    ("512M", "1G", "x86_64", None, 0, "ok:"),
    ("2G-:256M", "1G", "x86_64", None, 1, "crashkernel=2G-:256M selects nothing for 1G of RAM"),
    ("1G-:256M", "1000M", "x86_64", None, 0, "reserves 256M of 1000M"),  # 1000M counts as 1G
    ("2G-64G:256M,64G-:512M", "4G", "x86_64", None, 0, "reserves 256M of 4G"),
    ("1G-4G:1G", "1G", "x86_64", None, 1, "range 1G-4G:1G: the size is not below the RAM"),
    (
        "512M,high",
        "8G",
        "x86_64",
        None,
        0,
        "advice: crashkernel=...,high also reserves 256M below 4G by default",
    ),
    ("512M,high 0,low", "8G", "x86_64", None, 0, "ok: crashkernel=512M,high crashkernel=0,low"),
    ("256M,high", "1G", "arm64", None, 0, "reserves 384M (128M of it below 4G) of 1G"),
    (
        "512M,high",
        "1G",
        "arm64",
        None,
        1,
        "reserves 640M (with 128M low), leaving 384M of 1G: the system should keep at least half",
    ),
    ("128M,low", "2G", "arm64", None, 1, "crashkernel=...,low is only used together with"),
    ("256M,high 64M,low", "1G", "arm", None, 1, "32-bit arm has no crashkernel=,high or ,low"),
    ("256M 512M,high", "4G", "x86_64", None, 0, "advice: the plain crashkernel= wins"),
    ("64M,cma", "1G", "x86_64", None, 1, "crashkernel=...,cma only adds to a plain or ,high"),
    ("256M 64M,cma", "2G", "arm64", None, 0, "advice: crashkernel=...,cma needs Linux 6.17"),
    (
        "256M 64M,cma",
        "2G",
        "x86_64",
        "k6.12",
        1,
        "problem: Linux 6.12 has no crashkernel=...,cma (from 6.17): it reads it as the plain",
    ),
    ("256M 64M,cma", "2G", "x86_64", "k6.17", 0, "ok: crashkernel=256M crashkernel=64M,cma"),
    ("256M", "1G", "x86_64", "k2.6.32", 0, "ok:"),
]


@pytest.mark.parametrize(
    ("value", "memory", "arch", "physical", "code", "says"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES],
)
def test_check(
    value: str, memory: str, arch: str, physical: str | None, code: int, says: str
) -> None:
    args = ["crashkernel", "check", value, "--memory", memory, "--arch", arch]
    if physical and physical.startswith("k"):  # the column also carries a kernel version
        args += ["--kernel", physical[1:]]
    elif physical:
        args += ["--physical-start", physical]
    result = run_cli(*args)
    assert (result.code, result.err) == (code, "")
    assert says in result.out
    assert ("problem:" in result.out) == (code == 1)


UNPARSABLE = [
    (
        "12x8",
        "kdumplayer: error: crashkernel=12x8: unknown size suffix 'x' "
        "(use K, M, G, T, P or E) (column 3)",
    ),
    (
        "1G-4G:192M,2G-:256M",
        "kdumplayer: error: crashkernel=1G-4G:192M,2G-:256M: "
        "ranges must increase and must not overlap (column 12)",
    ),
]


@pytest.mark.parametrize(("value", "line"), UNPARSABLE)
def test_check_unparsable_exit_2(value: str, line: str) -> None:
    result = run_cli("crashkernel", "check", value, "--memory", "1G", "--arch", "x86_64")
    assert result.code == 2
    assert result.err.strip() == line


@pytest.mark.parametrize(
    "args",
    [
        ("crashkernel", "check", "256M"),
        ("crashkernel", "check", "256M", "--memory", "lots", "--arch", "x86_64"),
        ("crashkernel", "check", "256M", "--memory", "1G", "--arch", "sparc"),
        ("crashkernel", "check", "256M", "--board", str(BOARDS[0])),
        ("crashkernel", "check", "256M", "--memory", "1G", "--arch", "x86_64", "--kernel", "six"),
    ],
)
def test_check_usage_errors(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.code == 2
    assert result.err.startswith("kdumplayer: error: ")


@pytest.mark.parametrize("board", BOARDS, ids=[b.stem for b in BOARDS])
def test_example_boards_pass(board: Path) -> None:
    result = run_cli("crashkernel", "check", "--board", board)
    assert result.code == 0, result.out
    assert result.out.startswith("ok: crashkernel=")


def test_board_physical_start_comes_from_its_fragment() -> None:
    from kdumplayer.fragment import fragment_for_board

    # One kernel for both: it keeps the default load address, below the @32M region.
    board = load_board(REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml")
    assert physical_start_of(fragment_for_board(board)) is None
    assert check_board(board) == []
    # A capture kernel of its own is linked where the reservation starts.
    capture = dataclasses.replace(board.capture, kernel="/boot/bzImage-capture")
    dedicated = dataclasses.replace(board, capture=capture)
    assert physical_start_of(fragment_for_board(dedicated)) == 32 << 20
    assert check_board(dedicated) == []
    assert physical_start_of("CONFIG_PHYSICAL_START=0x1000000\n") == 16 << 20
    assert physical_start_of("# CONFIG_PHYSICAL_START is not set\n") is None


def test_same_kernel_inside_its_own_reservation() -> None:
    board = load_board(REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml")
    params = ck.parse_params("128M@16M")
    crash = dataclasses.replace(board.crashkernel, params=params)
    findings = check_board(dataclasses.replace(board, crashkernel=crash))
    assert [f.message for f in findings if f.problem] == [
        "the running kernel is loaded at 16M (CONFIG_PHYSICAL_START), inside the reservation "
        "16M..144M: the reservation fails; move the offset above the kernel"
    ]


def test_image_size_of_elf_counts_loadable_segments(tmp_path: Path) -> None:
    # A real ELF built here: its loadable span, not its file size, is what a vmlinux needs.
    source = tmp_path / "k.c"
    source.write_text("static char big[3 << 20];\nint main(void) { return big[7]; }\n")
    binary = tmp_path / "k"
    subprocess.run(["gcc", "-static", "-g", "-o", binary, source], check=True)
    size, how = image_size(binary)
    assert how == "loadable ELF segments"
    headers = subprocess.run(
        ["readelf", "-lW", binary], check=True, capture_output=True, text=True
    ).stdout
    loads = [line.split() for line in headers.splitlines() if line.strip().startswith("LOAD")]
    spans = [(int(f[3], 16), int(f[3], 16) + int(f[5], 16)) for f in loads]
    assert size == max(e for _, e in spans) - min(s for s, _ in spans)
    assert size > 3 << 20  # the bss counts


def test_image_size_of_other_images_is_file_size(tmp_path: Path) -> None:
    image = tmp_path / "bzImage"
    image.write_bytes(b"MZ" + bytes(5000))
    assert image_size(image) == (5002, "file size")


def test_arch_alignment_comes_from_the_arch_table() -> None:
    assert get_arch("arm64").offset_align == 2 << 20
    assert get_arch("x86_64").offset_align == 16 << 20
