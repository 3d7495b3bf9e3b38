"""The real tools accept the patched files: grub-script-check for grub.cfg, mkimage for
U-Boot scripts, and the shell itself for /etc/default/grub, boot scripts and QEMU scripts
(sourcing them shows the kernel really gets crashkernel= as a word)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kdumplayer.cmdline import set_crashkernel

from .test_formats import DATA

VALUES = ["256M", "1G-4G:192M,4G-64G:256M,64G-:512M@16M", "512M,high 0,low"]
GRUB_FILES = ["grub.cfg", "grub-efi.cfg", "grub-fedora-crlf.cfg"]
UBOOT_FILES = ["boot.cmd", "boot.txt", "boot-mmcargs.cmd"]


def _patched(tmp_path: Path, name: str, value: str, fmt: str | None = None) -> Path:
    text = (DATA / name).read_bytes().decode()
    out = tmp_path / Path(name).name
    out.write_bytes(set_crashkernel(text, value, fmt, name).encode())
    return out


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False
    )


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("name", GRUB_FILES)
def test_grub_script_check_accepts(tmp_path: Path, name: str, value: str) -> None:
    patched = _patched(tmp_path, name, value)
    result = _run("grub-script-check", patched)
    assert result.returncode == 0, result.stdout + result.stderr


def test_grub_script_check_is_a_real_check(tmp_path: Path) -> None:
    broken = tmp_path / "broken.cfg"
    broken.write_text("menuentry 'x' {\n\tlinux /vmlinuz crashkernel=256M\n")  # no closing }
    assert _run("grub-script-check", broken).returncode != 0


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("name", UBOOT_FILES)
def test_mkimage_compiles_boot_script(tmp_path: Path, name: str, value: str) -> None:
    patched = _patched(tmp_path, name, value, "u-boot")
    scr = tmp_path / "boot.scr"
    result = _run(
        "mkimage", "-A", "arm", "-T", "script", "-C", "none", "-n", "boot", "-d", patched, scr
    )
    assert result.returncode == 0, result.stdout + result.stderr
    listing = _run("dumpimage", "-l", scr)
    assert "Script" in listing.stdout, listing.stdout
    # The script image is a 64-byte header, an 8-byte length table, then the script itself.
    assert scr.read_bytes()[72:] == patched.read_bytes()
    assert _run("sh", "-n", patched).returncode == 0  # hush syntax here is also sh syntax


# U-Boot's setenv/run, just enough to execute a boot script's variable logic in sh.
UBOOT_SHIM = r"""
setenv() { _n=$1; shift; eval "$_n=\$*"; }
run() { eval "eval \"\$$1\""; }
part() { eval "$4=abcd-02"; }
load() { return 0; }
booti() { printf '%s\n' "$bootargs"; exit 0; }
bootz() { booti; }
"""


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        (
            "boot.txt",
            "console=ttyS0,115200 console=tty1 root=PARTUUID=abcd-02 rw rootwait "
            "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M@16M",
        ),
        (
            "boot-mmcargs.cmd",
            "console=ttyS0,115200 root=/dev/mmcblk1p2 rootwait rw "
            "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M@16M",
        ),
    ],
)
def test_boot_script_yields_bootargs(tmp_path: Path, name: str, expect: str) -> None:
    patched = _patched(tmp_path, name, VALUES[1], "u-boot")
    env = "console=ttyS0; baudrate=115200; devtype=mmc; devnum=0; bootpart=1\n"
    script = UBOOT_SHIM + env + patched.read_text()
    result = _run("sh", "-c", script)
    assert result.stdout.strip() == expect, result.stderr


@pytest.mark.parametrize("value", VALUES)
def test_default_grub_sources_in_sh(tmp_path: Path, value: str) -> None:
    main = _patched(tmp_path, "etc/default/grub", value)
    (tmp_path / "lsb_release").write_text("#!/bin/sh\necho Debian\n")
    (tmp_path / "lsb_release").chmod(0o755)
    dropin = tmp_path / "dropin.cfg"
    dropin.write_bytes(
        set_crashkernel((DATA / "kdump-tools.cfg").read_text(), value, "grub-default").encode()
    )
    result = _run(
        "sh",
        "-c",
        f'PATH="{tmp_path}:$PATH"; . "{main}"; '
        'printf "[%s] [%s]\\n" "$GRUB_CMDLINE_LINUX" "$GRUB_CMDLINE_LINUX_DEFAULT"; '
        f'. "{dropin}"; printf "%s\\n" "$GRUB_CMDLINE_LINUX_DEFAULT"',
    )
    words = " ".join(f"crashkernel={w}" for w in value.split())
    assert result.stdout.splitlines() == [f"[{words}] [quiet]", f"quiet {words}"], result.stderr


def test_qemu_script_is_still_sh(tmp_path: Path) -> None:
    patched = _patched(tmp_path, "start-qemu.sh", VALUES[2])
    assert _run("sh", "-n", patched).returncode == 0
    # Run it with a fake qemu that prints the -append argument it was given.
    fake = tmp_path / "qemu-system-x86_64"
    fake.write_text(
        '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -append ] && printf "%s\\n" "$2"; shift; done\n'
    )
    fake.chmod(0o755)
    patched.write_text(patched.read_text().replace('export PATH="', f'export PATH="{tmp_path}:'))
    result = _run("sh", patched, "serial-only")
    assert result.stdout.strip() == (
        "rootwait root=/dev/vda console=tty1 console=ttyS0 crashkernel=512M,high crashkernel=0,low"
    ), result.stderr
