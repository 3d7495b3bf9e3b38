"""`kdumplayer cmdline set|get|remove` on files: atomic writes, dry-run diffs, exit codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

from .test_formats import DATA


@pytest.fixture
def grub(tmp_path: Path) -> Path:
    path = tmp_path / "grub.cfg"
    shutil.copy(DATA / "grub-fedora-crlf.cfg", path)
    path.chmod(0o600)
    return path


def test_set_writes_then_does_nothing(grub: Path) -> None:
    before = grub.read_bytes()
    result = run_cli("cmdline", "set", grub, "--crashkernel", "256M")
    assert (result.code, result.err) == (0, "")
    assert result.out == f"{grub}: set crashkernel= on 2 lines\n"
    after = grub.read_bytes()
    assert after != before and after.count(b"\r\n") == before.count(b"\r\n")
    assert grub.stat().st_mode & 0o777 == 0o600  # the mode is kept
    again = run_cli("cmdline", "set", grub, "--crashkernel", "256M")
    assert (again.code, again.out) == (0, "")
    assert again.err == f"{grub}: already as requested, nothing to change\n"
    assert grub.read_bytes() == after
    assert sorted(p.name for p in grub.parent.iterdir()) == ["grub.cfg"]  # no temporary left


def test_dry_run_prints_a_diff_that_patch_applies(grub: Path, tmp_path: Path) -> None:
    before = grub.read_bytes()
    result = run_cli("cmdline", "set", grub, "--crashkernel", "1G-:256M", "--dry-run")
    assert result.code == 0
    assert grub.read_bytes() == before  # nothing written
    lines = result.out.splitlines()
    assert lines[:2] == [f"--- {grub}", f"+++ {grub}"]
    assert sum(1 for line in lines if line.startswith("+\t")) == 2
    diff = tmp_path / "change.diff"
    diff.write_text(result.out)
    subprocess.run(["patch", "-s", str(grub), str(diff)], check=True)
    run_cli("cmdline", "set", grub, "--crashkernel", "1G-:256M", "--dry-run")
    assert run_cli("cmdline", "get", grub).out.count("crashkernel=1G-:256M") == 2


def test_get_and_remove(grub: Path) -> None:
    result = run_cli("cmdline", "get", grub)
    assert result.code == 0
    assert result.out.splitlines() == [
        f"{grub}:7: Fedora Linux (6.11.4-301.fc41.x86_64): crashkernel=auto",
        f"{grub}:11: Fedora Linux (0-rescue): "
        "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M crashkernel=128M",
    ]
    removed = run_cli("cmdline", "remove", grub)
    assert removed.code == 0
    result = run_cli("cmdline", "get", grub)
    assert result.code == 1  # a command line without crashkernel=
    assert "(no crashkernel=)" in result.out
    assert b"crashkernel" not in grub.read_bytes()


def test_entry_and_format_options(tmp_path: Path) -> None:
    path = tmp_path / "some.conf"
    shutil.copy(DATA / "extlinux.conf", path)
    result = run_cli(
        "cmdline", "set", path, "--crashkernel", "64M", "--format", "extlinux", "--entry", "l0r"
    )
    assert result.code == 0
    got = run_cli("cmdline", "get", path, "--format", "extlinux")
    assert got.out.splitlines() == [
        f"{path}:13: l0: (no crashkernel=)",
        f"{path}:20: l0r: crashkernel=64M",
    ]


def test_board_supplies_value_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "menu.lst"
    shutil.copy(DATA / "menu.lst", path)
    board = REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml"
    result = run_cli("cmdline", "set", path, "--board", board)
    assert result.code == 0, result.err
    assert run_cli("cmdline", "get", path).out.count("crashkernel=96M@32M") == 2


def test_symlink_is_followed_not_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.cfg"
    shutil.copy(DATA / "grub-efi.cfg", real)
    link = tmp_path / "grub.cfg"
    link.symlink_to(real.name)
    assert run_cli("cmdline", "set", link, "--crashkernel", "256M").code == 0
    assert link.is_symlink()
    assert b"crashkernel=256M" in real.read_bytes()


def test_compiled_boot_scr_is_refused(tmp_path: Path) -> None:
    scr = tmp_path / "boot.scr"
    subprocess.run(
        [
            "mkimage",
            "-A",
            "arm",
            "-T",
            "script",
            "-C",
            "none",
            "-d",
            str(DATA / "boot.txt"),
            str(scr),
        ],
        check=True,
        capture_output=True,
    )
    for name in (scr, tmp_path / "renamed"):
        if name != scr:
            shutil.copy(scr, name)
        result = run_cli("cmdline", "set", name, "--crashkernel", "256M")
        assert result.code == 2
        assert result.err == (
            f"kdumplayer: error: {name}: a compiled U-Boot script: patch its "
            "source (boot.cmd, boot.txt) and run mkimage again\n"
        )


def test_other_bytes_survive(tmp_path: Path) -> None:
    path = tmp_path / "cmdline.txt"
    path.write_bytes(b"console=tty1 root=/dev/mmcblk0p2 quiet\n# caf\xe9 \xff\n")
    assert run_cli("cmdline", "set", path, "--crashkernel", "64M").code == 0
    assert path.read_bytes() == (
        b"console=tty1 root=/dev/mmcblk0p2 quiet crashkernel=64M\n# caf\xe9 \xff\n"
    )


# (arguments after `cmdline`, with {f} for a file holding "hello", the one error line)
ERRORS = [
    (
        ("set", "{d}/missing.cfg", "--crashkernel", "256M"),
        "kdumplayer: error: {d}/missing.cfg: no such file",
    ),
    (
        ("set", "{f}", "--crashkernel", "256M", "--format", "grub"),
        "kdumplayer: error: {f}: no kernel command line to patch: no linux, linux16 or linuxefi "
        "line (grub format)",
    ),
    (
        ("set", "{f}", "--crashkernel", "256M"),
        "kdumplayer: error: {f}: cannot tell the bootloader format; give --format (grub, "
        "grub-default, grub-legacy, extlinux, u-boot, uenv, rpi, systemd-boot, qemu)",
    ),
    (
        ("set", "{f}", "--crashkernel", "1G-4G:192M,2G-:1G", "--format", "rpi"),
        "kdumplayer: error: crashkernel=1G-4G:192M,2G-:1G: ranges must increase and must not "
        "overlap (column 12)",
    ),
    (
        ("set", "{f}", "--format", "rpi"),
        "kdumplayer: error: give exactly one of --crashkernel VALUE or --board BOARD",
    ),
    (("get", "{d}"), "kdumplayer: error: {d}: is a directory, not a bootloader configuration"),
]


@pytest.mark.parametrize(
    ("args", "line"), ERRORS, ids=[" ".join(e[0][:1] + e[0][2:]) for e in ERRORS]
)
def test_errors(tmp_path: Path, args: tuple[str, ...], line: str) -> None:
    path = tmp_path / "hello.cfg"
    path.write_text("hello\n")
    fill = {"f": str(path), "d": str(tmp_path)}
    result = run_cli("cmdline", *(a.format(**fill) for a in args))
    assert result.code == 2
    assert result.err.strip() == line.format(**fill)
    assert path.read_text() == "hello\n"
