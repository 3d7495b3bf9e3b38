"""The generated crashkernel= post script, run with sh on real bootloader files.

Its sed patch must give the bytes kdumplayer.cmdline.set_crashkernel gives on
the same file (the command-line patcher's own realistic test files), change
nothing when run again, and fail loudly when there is nothing to patch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from kdumplayer.cmdline import set_crashkernel
from kdumplayer.generate import buildroot
from tests.conftest import REPO
from tests.generate.test_buildroot import variant

CMDLINE_DATA = REPO / "tests" / "cmdline" / "data"

# (file of the patcher's tests, cmdline format, board bootloader type, bootloader.config)
FILES = [
    ("grub.cfg", "grub", "grub", None),
    ("grub-efi.cfg", "grub", "grub", None),
    ("grub-fedora-crlf.cfg", "grub", "grub", None),
    ("menu.lst", "grub-legacy", "grub-legacy", None),
    ("extlinux.conf", "extlinux", "extlinux", None),
    ("syslinux.cfg", "extlinux", "extlinux", None),
    ("boot.cmd", "u-boot", "u-boot", "board/x/boot.cmd"),
    ("boot.txt", "u-boot", "u-boot", "board/x/boot.cmd"),
    ("boot-mmcargs.cmd", "u-boot", "u-boot", "board/x/boot.cmd"),
    ("uEnv.txt", "uenv", "u-boot", "board/x/uEnv.txt"),
    ("uEnv-crlf.txt", "uenv", "u-boot", "board/x/uEnv.txt"),
    ("uEnv-mmcargs.txt", "uenv", "u-boot", "board/x/uEnv.txt"),
    ("cmdline.txt", "rpi", "rpi", None),
    ("cmdline-crlf.txt", "rpi", "rpi", None),
    ("loader/entries/arch.conf", "systemd-boot", "systemd-boot", None),
    ("start-qemu.sh", "qemu", "qemu", None),
    ("readme.txt", "qemu", "qemu", None),
]
VALUES = ["256M", "1G-4G:192M,4G-:256M@16M", "512M,high 72M,low"]


@cache
def script(bootloader: str, config: str | None, value: str) -> bytes:
    tree = buildroot.generate(variant(bootloader=bootloader, config=config, crashkernel=value))
    return next(f.content for p, f in tree.items() if p.startswith("board/") and p.endswith(".sh"))


def run_script(
    tmp_path: Path, content: bytes, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "kdump-cmdline.sh"
    path.write_bytes(content)
    base = {
        "BINARIES_DIR": str(tmp_path / "images"),
        "TARGET_DIR": str(tmp_path / "target"),
        "HOST_DIR": str(tmp_path / "host"),
    }
    return subprocess.run(
        ["sh", str(path)],
        env={**os.environ, **base, **(env or {})},
        capture_output=True,
        text=True,
        cwd=cwd or tmp_path,
    )


def patch_with_script(
    tmp_path: Path, name: str, bootloader: str, config: str | None, value: str, original: bytes
) -> bytes:
    target = tmp_path / Path(name).name
    target.write_bytes(original)
    result = run_script(
        tmp_path, script(bootloader, config, value), {"KDUMP_BOOTLOADER_FILE": str(target)}
    )
    assert result.returncode == 0, result.stderr
    return target.read_bytes()


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize(("name", "fmt", "bootloader", "config"), FILES, ids=[f[0] for f in FILES])
def test_same_bytes_as_the_python_patcher(
    name: str, fmt: str, bootloader: str, config: str | None, value: str, tmp_path: Path
) -> None:
    original = (CMDLINE_DATA / name).read_bytes()
    want = set_crashkernel(original.decode(), value, fmt, name).encode()
    got = patch_with_script(tmp_path, name, bootloader, config, value, original)
    if fmt == "qemu" and b" -m " not in original:
        got = got.replace(b" -m 1024M", b"", 1)  # the script also gives QEMU enough memory
    assert got == want
    # Idempotent: a second run changes nothing.
    again = patch_with_script(
        tmp_path, name, bootloader, config, value, (tmp_path / Path(name).name).read_bytes()
    )
    assert again == (tmp_path / Path(name).name).read_bytes()


def test_qemu_memory_is_added_once(tmp_path: Path) -> None:
    original = (CMDLINE_DATA / "start-qemu.sh").read_bytes()
    assert b" -m " not in original
    once = patch_with_script(tmp_path, "start-qemu.sh", "qemu", None, "256M", original)
    assert once.count(b"qemu-system-x86_64 -m 1024M -M pc") == 1
    twice = patch_with_script(tmp_path, "start-qemu.sh", "qemu", None, "256M", once)
    assert twice == once


GRUB = "menuentry 'B' {\n\tlinux /bzImage root=/dev/sda2\n}\n"


@pytest.mark.parametrize(
    ("bootloader", "place", "content"),
    [
        ("grub", "images/efi-part/EFI/BOOT/grub.cfg", GRUB),
        ("grub", "target/boot/grub/grub.cfg", GRUB),
        (
            "extlinux",
            "images/extlinux/extlinux.conf",
            "label l\n  kernel /zImage\n  append root=/dev/mmcblk0p2\n",
        ),
        ("rpi", "images/rpi-firmware/cmdline.txt", "root=/dev/mmcblk0p2 rootwait console=tty1\n"),
        (
            "systemd-boot",
            "images/efi-part/loader/entries/buildroot.conf",
            "title Buildroot\nlinux /bzImage\noptions root=PARTLABEL=root\n",
        ),
    ],
    ids=["grub-efi", "grub-target", "extlinux", "rpi", "systemd-boot"],
)
def test_finds_the_file_where_buildroot_installs_it(
    bootloader: str, place: str, content: str, tmp_path: Path
) -> None:
    target = tmp_path / place
    target.parent.mkdir(parents=True)
    target.write_text(content)
    target.chmod(0o640)
    result = run_script(tmp_path, script(bootloader, None, "256M"))
    assert result.returncode == 0, result.stderr
    assert "crashkernel=256M" in target.read_text()
    assert f"kdump: {target}: crashkernel=256M" in result.stdout
    assert target.stat().st_mode & 0o777 == 0o640  # patched in place, mode kept
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temp left


@pytest.mark.parametrize(
    ("bootloader", "content", "message"),
    [
        ("grub", None, "no grub file to patch; looked for:"),
        ("grub", "set timeout=5\n", "no kernel command line to patch (no linux line)"),
        (
            "extlinux",
            "label l\n  kernel /zImage\n",
            "no kernel command line to patch (no APPEND line)",
        ),
        ("qemu", "qemu-system-x86_64 -kernel bzImage\n", "no quoted -append value"),
    ],
    ids=["no-file", "grub-no-linux", "extlinux-no-append", "qemu-no-append"],
)
def test_fails_loudly(bootloader: str, content: str | None, message: str, tmp_path: Path) -> None:
    env = {}
    if content is not None:
        (tmp_path / "file").write_text(content)
        env["KDUMP_BOOTLOADER_FILE"] = str(tmp_path / "file")
    result = run_script(tmp_path, script(bootloader, None, "256M"), env)
    assert result.returncode == 1
    assert message in result.stderr
    if content is not None:
        assert (tmp_path / "file").read_text() == content


def test_grub_script_check_accepts_the_patched_file(tmp_path: Path) -> None:
    original = (CMDLINE_DATA / "grub.cfg").read_bytes()
    patch_with_script(tmp_path, "grub.cfg", "grub", None, "1G-4G:192M,4G-:256M@16M", original)
    result = subprocess.run(
        ["grub-script-check", str(tmp_path / "grub.cfg")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_uboot_script_is_patched_and_compiled_again(tmp_path: Path) -> None:
    # Buildroot runs post scripts from its top directory; the board's boot.cmd
    # source is relative to it, and host-uboot-tools provides mkimage.
    (tmp_path / "board/x").mkdir(parents=True)
    shutil.copy(CMDLINE_DATA / "boot.cmd", tmp_path / "board/x/boot.cmd")
    (tmp_path / "images").mkdir()
    (tmp_path / "host/bin").mkdir(parents=True)
    mkimage = shutil.which("mkimage")
    assert mkimage, "mkimage (u-boot-tools) is needed"
    (tmp_path / "host/bin/mkimage").symlink_to(mkimage)
    result = run_script(tmp_path, script("u-boot", "board/x/boot.cmd", "256M"))
    assert result.returncode == 0, result.stderr
    assert b"crashkernel=256M" in (tmp_path / "images/boot.cmd").read_bytes()
    assert (tmp_path / "board/x/boot.cmd").read_bytes() == (CMDLINE_DATA / "boot.cmd").read_bytes()
    listing = subprocess.run(
        [mkimage, "-l", str(tmp_path / "images/boot.scr")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Script" in listing
    assert b"crashkernel=256M" in (tmp_path / "images/boot.scr").read_bytes()


def test_uboot_script_without_mkimage_says_so(tmp_path: Path) -> None:
    (tmp_path / "board/x").mkdir(parents=True)
    shutil.copy(CMDLINE_DATA / "boot.cmd", tmp_path / "board/x/boot.cmd")
    (tmp_path / "images").mkdir()
    result = run_script(tmp_path, script("u-boot", "board/x/boot.cmd", "256M"))
    assert result.returncode == 0, result.stderr
    assert "boot.scr not compiled" in result.stderr
    assert b"crashkernel=256M" in (tmp_path / "images/boot.cmd").read_bytes()
    assert not (tmp_path / "images/boot.scr").exists()
