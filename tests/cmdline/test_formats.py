"""Each bootloader format on realistic files: which lines change, to what, and nothing else.

Files are read as bytes and compared as bytes, so a changed line ending, a lost
comment or a reordered option fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.cmdline import (
    FORMATS,
    detect_format,
    get_crashkernel,
    remove_crashkernel,
    set_crashkernel,
)
from kdumplayer.errors import UserError

DATA = Path(__file__).parent / "data"
FILES = sorted(str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file())

LINUX = "/boot/vmlinuz-6.1.0-27-amd64 root=UUID=3f1b2c9e-7d1a-4c55-9a53-1d2e3f4a5b6c ro"
FEDORA = "/vmlinuz-6.11.4-301.fc41.x86_64 root=/dev/mapper/fedora-root ro"
CENTOS = "/vmlinuz-2.6.32-754.35.1.el6.x86_64 ro root=/dev/mapper/vg_root-lv_root rd_NO_LUKS"
DEFAULT = "GRUB_CMDLINE_LINUX_DEFAULT"
ARMBIAN = "root=${rootdev} rootwait rootfstype=${rootfstype} ${consoleargs}"

# (case id, file, format or None to detect, --entry, value, {line number: new line})
CASES = [
    (
        "grub all entries",
        "grub.cfg",
        None,
        None,
        "256M",
        {
            42: f"\tlinux\t{LINUX}  quiet crashkernel=256M",
            50: f"\t\tlinux\t{LINUX}  quiet crashkernel=256M",
            56: f'\t\tlinux\t{LINUX} single "acpi_osi=Windows 2009" $extra_cmdline crashkernel=256M',  # noqa: E501
        },
    ),
    (
        "grub one entry by title",
        "grub.cfg",
        None,
        "Debian GNU/Linux",
        "1G-:256M",
        {
            42: f"\tlinux\t{LINUX}  quiet crashkernel=1G-:256M",
        },
    ),
    (
        "grub entry by submenu path",
        "grub.cfg",
        None,
        "Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-27-amd64",
        "128M@16M",
        {50: f"\t\tlinux\t{LINUX}  quiet crashkernel=128M@16M"},
    ),
    (
        "grub buildroot efi",
        "grub-efi.cfg",
        None,
        None,
        "256M",
        {
            5: "\tlinux /bzImage root=PARTLABEL=root rootwait console=tty1 crashkernel=256M",
        },
    ),
    (
        "grub linuxefi CRLF existing",
        "grub-fedora-crlf.cfg",
        None,
        None,
        "512M,high 0,low",
        {
            7: f"\tlinuxefi {FEDORA} crashkernel=512M,high crashkernel=0,low "
            "rd.lvm.lv=fedora/root rhgb quiet\r",
            11: "\tlinuxefi /vmlinuz-0-rescue root=/dev/mapper/fedora-root ro "
            "crashkernel=512M,high crashkernel=0,low rd.lvm.lv=fedora/root\r",
        },
    ),
    (
        "default/grub empty GRUB_CMDLINE_LINUX",
        "etc/default/grub",
        None,
        None,
        "256M",
        {
            10: 'GRUB_CMDLINE_LINUX="crashkernel=256M"',
        },
    ),
    (
        "default/grub the _DEFAULT variable",
        "etc/default/grub",
        None,
        "GRUB_CMDLINE_LINUX_DEFAULT",
        "256M",
        {9: f'{DEFAULT}="quiet crashkernel=256M"'},
    ),
    (
        "default/grub single quotes, existing",
        "grub-default-fedora",
        "grub-default",
        None,
        "256M",
        {
            6: "GRUB_CMDLINE_LINUX='rd.lvm.lv=fedora/root crashkernel=256M rhgb quiet'",
        },
    ),
    (
        "default/grub self-append drop-in",
        "kdump-tools.cfg",
        "grub-default",
        None,
        "512M-:192M",
        {
            2: 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=512M-:192M"',
        },
    ),
    (
        "default/grub unquoted empty",
        "grub-default-unquoted",
        "grub-default",
        None,
        "256M",
        {
            3: "export GRUB_CMDLINE_LINUX=crashkernel=256M",
        },
    ),
    (
        "default/grub unquoted word gains quotes",
        "grub-default-unquoted",
        "grub-default",
        "GRUB_CMDLINE_LINUX_DEFAULT",
        "256M",
        {2: f'{DEFAULT}="quiet crashkernel=256M"'},
    ),
    (
        "grub legacy existing auto and --option",
        "menu.lst",
        None,
        None,
        "128M@32M",
        {
            16: f"\tkernel {CENTOS} LANG=en_US.UTF-8 rd_NO_MD KEYTABLE=us crashkernel=128M@32M "
            "rhgb quiet",
            20: "\tkernel --no-mem-option /vmlinuz-2.6.32-696.el6.x86_64 ro "
            "root=/dev/mapper/vg_root-lv_root rd_NO_LUKS rhgb quiet crashkernel=128M@32M",
        },
    ),
    (
        "grub legacy one title",
        "menu.lst",
        None,
        "CentOS (2.6.32-696.el6.x86_64)",
        "128M",
        {
            20: "\tkernel --no-mem-option /vmlinuz-2.6.32-696.el6.x86_64 ro "
            "root=/dev/mapper/vg_root-lv_root rd_NO_LUKS rhgb quiet crashkernel=128M",
        },
    ),
    (
        "extlinux per label",
        "extlinux.conf",
        None,
        "l0r",
        "64M",
        {
            20: "\tappend root=/dev/mmcblk0p1 ro rootwait console=ttyS0,115200 single crashkernel=64M",  # noqa: E501
        },
    ),
    (
        "extlinux by MENU LABEL",
        "extlinux.conf",
        None,
        "Debian GNU/Linux trixie 6.12.9-armmp",
        "64M",
        {
            13: "\tappend root=/dev/mmcblk0p1 ro rootwait console=ttyS0,115200 crashkernel=64M",
        },
    ),
    (
        "syslinux CRLF global APPEND, APPEND -",
        "syslinux.cfg",
        None,
        None,
        "96M",
        {
            4: "APPEND console=ttyS0,115200 crashkernel=96M\r",
            9: "  APPEND root=/dev/sda1 rootwait console=tty1 crashkernel=96M\r",
        },
    ),
    (
        "u-boot quoted with variables, both branches",
        "boot.cmd",
        None,
        None,
        "256M",
        {
            26: f'\tsetenv bootargs "{ARMBIAN} consoleblank=0 loglevel=${{verbosity}} '
            '${extraargs} crashkernel=256M"',
            28: '\tsetenv bootargs "root=/dev/sda1 rootwait rootfstype=${rootfstype} ${consoleargs} '  # noqa: E501
            'loglevel=${verbosity} crashkernel=256M"',
        },
    ),
    (
        "u-boot unquoted words",
        "boot.txt",
        None,
        None,
        "256M",
        {
            4: "setenv bootargs console=ttyS0,115200 console=tty1 root=PARTUUID=${uuid} rw rootwait "  # noqa: E501
            "crashkernel=256M",
        },
    ),
    (
        "u-boot bootargs inside another variable",
        "boot-mmcargs.cmd",
        "u-boot",
        None,
        "64M",
        {
            3: "setenv mmcargs 'setenv bootargs console=${console},${baudrate} root=${mmcroot} "
            "crashkernel=64M'",
        },
    ),
    (
        "uEnv cmdline=",
        "uEnv.txt",
        None,
        None,
        "64M",
        {
            13: "cmdline=coherent_pool=1M net.ifnames=0 lpj=1990656 rng_core.default_quality=100 "
            "quiet crashkernel=64M",
        },
    ),
    (
        "uEnv CRLF existing optargs",
        "uEnv-crlf.txt",
        None,
        None,
        "64M",
        {
            3: "optargs=quiet drm.debug=7 crashkernel=64M\r",
        },
    ),
    (
        "uEnv setenv inside a value",
        "uEnv-mmcargs.txt",
        None,
        None,
        "64M",
        {
            3: "mmcargs=setenv bootargs console=ttyO0,115200n8 root=${mmcroot} rootfstype=ext4 "
            "rootwait crashkernel=64M",
        },
    ),
    (
        "rpi cmdline.txt",
        "cmdline.txt",
        None,
        None,
        "256M",
        {
            1: "console=serial0,115200 console=tty1 root=PARTUUID=738a4d67-02 rootfstype=ext4 "
            "fsck.repair=yes rootwait quiet splash plymouth.ignore-serial-consoles crashkernel=256M",  # noqa: E501
        },
    ),
    (
        "rpi CRLF existing",
        "cmdline-crlf.txt",
        None,
        None,
        "256M",
        {
            1: "root=/dev/mmcblk0p2 rootwait console=tty1 crashkernel=256M console=ttyAMA0,115200\r",  # noqa: E501
        },
    ),
    (
        "systemd-boot last options line",
        "loader/entries/arch.conf",
        None,
        None,
        "256M",
        {
            6: "options quiet loglevel=3 crashkernel=256M",
        },
    ),
    (
        "qemu start script",
        "start-qemu.sh",
        None,
        None,
        "256M",
        {
            13: "exec qemu-system-x86_64 -M pc -kernel bzImage -drive file=rootfs.ext2,if=virtio,"
            'format=raw -append "rootwait root=/dev/vda console=tty1 console=ttyS0 '
            'crashkernel=256M"  -net nic,model=virtio -net user  ${EXTRA_ARGS} "$@"',
        },
    ),
]
_TWO = ("qemu readme, both commands", "readme.txt", None, None, "256M")


def _changed(old: str, new: str) -> dict[int, str]:
    old_lines, new_lines = old.split("\n"), new.split("\n")
    assert len(old_lines) == len(new_lines)
    return {n: b for n, (a, b) in enumerate(zip(old_lines, new_lines, strict=True), 1) if a != b}


def _read(name: str) -> str:
    return (DATA / name).read_bytes().decode()


@pytest.mark.parametrize(
    ("case", "name", "fmt", "entry", "value", "expect"), CASES, ids=[c[0] for c in CASES]
)
def test_set(
    case: str, name: str, fmt: str | None, entry: str | None, value: str, expect: dict[int, str]
) -> None:
    text = _read(name)
    new = set_crashkernel(text, value, fmt, name, entry)
    assert _changed(text, new) == expect
    assert set_crashkernel(new, value, fmt, name, entry) == new  # twice: no change


def test_qemu_readme_patches_every_command() -> None:
    text = _read("readme.txt")
    new = set_crashkernel(text, "256M", filename="readme.txt")
    changed = _changed(text, new)
    assert sorted(changed) == [3, 7]
    assert '-append "rootwait root=/dev/vda console=ttyAMA0 crashkernel=256M" -netdev' in changed[3]
    assert "-append 'root=/dev/vda console=ttyAMA0 crashkernel=256M' -nographic" in changed[7]


@pytest.mark.parametrize("name", FILES)
def test_crlf_and_bytes_outside_the_words_kept(name: str) -> None:
    raw = (DATA / name).read_bytes()
    text = raw.decode()
    fmt = _fmt(name, text)
    new = set_crashkernel(text, "1G-4G:192M,4G-:256M@16M", fmt, name)
    assert new.count("\r\n") == text.count("\r\n")
    assert new.count("\n") == text.count("\n")
    assert new.endswith("\n") == text.endswith("\n")
    stripped_new = remove_crashkernel(new, fmt, name)
    assert stripped_new == remove_crashkernel(text, fmt, name)
    found = get_crashkernel(new, fmt, name)
    assert any(f.words == ("crashkernel=1G-4G:192M,4G-:256M@16M",) for f in found)


def _fmt(name: str, text: str) -> str:
    return {
        "grub-default-fedora": "grub-default",
        "grub-default-unquoted": "grub-default",
        "boot-mmcargs.cmd": "u-boot",
    }.get(name) or detect_format(name, text)


DETECT = [
    ("grub.cfg", "grub"),
    ("grub-efi.cfg", "grub"),
    ("grub-fedora-crlf.cfg", "grub"),
    ("etc/default/grub", "grub-default"),
    ("kdump-tools.cfg", "grub-default"),
    ("menu.lst", "grub-legacy"),
    ("extlinux.conf", "extlinux"),
    ("syslinux.cfg", "extlinux"),
    ("boot.cmd", "u-boot"),
    ("boot.txt", "u-boot"),
    ("boot-mmcargs.cmd", "u-boot"),
    ("uEnv.txt", "uenv"),
    ("uEnv-crlf.txt", "uenv"),
    ("uEnv-mmcargs.txt", "uenv"),
    ("cmdline.txt", "rpi"),
    ("cmdline-crlf.txt", "rpi"),
    ("loader/entries/arch.conf", "systemd-boot"),
    ("start-qemu.sh", "qemu"),
    ("readme.txt", "qemu"),
]


@pytest.mark.parametrize(("name", "fmt"), DETECT)
def test_detect_by_name(name: str, fmt: str) -> None:
    assert detect_format(name, _read(name)) == fmt


@pytest.mark.parametrize(
    ("name", "fmt"),
    [(n, f) for n, f in DETECT if n not in ("cmdline.txt", "cmdline-crlf.txt", "readme.txt")]
    + [("grub-default-fedora", "grub-default")],
)
def test_detect_by_content_alone(name: str, fmt: str) -> None:
    assert detect_format("some-file", _read(name)) == fmt


def test_formats_are_the_board_bootloader_types_plus_two() -> None:
    from kdumplayer.board.model import schema

    types = set(schema()["properties"]["bootloader"]["properties"]["type"]["enum"])
    assert set(FORMATS) == types | {"grub-default", "uenv"}


# (case, text, format, filename, entry, error message, line)
ERRORS = [
    (
        "grub without linux",
        "set timeout=5\nmenuentry 'x' {\n\tchainloader +1\n}\n",
        "grub",
        "grub.cfg",
        None,
        "no kernel command line to patch: no linux, linux16 or linuxefi line (grub format)",
        None,
    ),
    (
        "grub unknown entry",
        "menuentry 'A' {\n linux /vmlinuz ro\n}\n",
        "grub",
        "grub.cfg",
        "B",
        "entry: no menu entry 'B' with a kernel command line (found: 'A')",
        None,
    ),
    (
        "grub unterminated quote",
        "menuentry 'A {\n linux /vmlinuz\n}\n",
        "grub",
        "grub.cfg",
        None,
        "unterminated ' quote",
        1,
    ),
    (
        "default/grub without the variables",
        "GRUB_TIMEOUT=5\n",
        "grub-default",
        "grub",
        None,
        "no kernel command line to patch: no GRUB_CMDLINE_LINUX or GRUB_CMDLINE_LINUX_DEFAULT "
        "assignment (grub-default format)",
        None,
    ),
    (
        "default/grub open quote",
        'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX="quiet\n',
        "grub-default",
        "grub",
        None,
        'GRUB_CMDLINE_LINUX: the " quote does not close on this line',
        2,
    ),
    (
        "legacy without kernel",
        "title x\n\tchainloader +1\n",
        "grub-legacy",
        "menu.lst",
        None,
        "no kernel command line to patch: no kernel line (grub-legacy format)",
        None,
    ),
    (
        "extlinux only APPEND -",
        "LABEL a\n KERNEL /vmlinuz\n APPEND -\n",
        "extlinux",
        "extlinux.conf",
        None,
        "no kernel command line to patch: no APPEND line (extlinux format)",
        None,
    ),
    (
        "u-boot without bootargs",
        "load mmc 0 ${loadaddr} zImage\nbootz ${loadaddr}\n",
        "u-boot",
        "boot.cmd",
        None,
        "no kernel command line to patch: no 'setenv bootargs ...' or "
        "'env set bootargs ...' (u-boot format)",
        None,
    ),
    (
        "u-boot entry",
        "setenv bootargs quiet\n",
        "u-boot",
        "boot.cmd",
        "x",
        "entry: --entry does not apply to the u-boot format",
        None,
    ),
    (
        "uenv without a command line",
        "uname_r=6.1\n",
        "uenv",
        "uEnv.txt",
        None,
        "no kernel command line to patch: no bootargs=, optargs=, cmdline= or extraargs= line, "
        "nor a 'setenv bootargs' value (uenv format)",
        None,
    ),
    (
        "systemd-boot without options",
        "title x\nlinux /vmlinuz\n",
        "systemd-boot",
        "x.conf",
        None,
        "no kernel command line to patch: no options line (systemd-boot format)",
        None,
    ),
    (
        "qemu without -append",
        "qemu-system-x86_64 -kernel bzImage\n",
        "qemu",
        "run.sh",
        None,
        "no kernel command line to patch: no -append option (qemu format)",
        None,
    ),
    (
        "qemu open quote",
        'qemu-system-x86_64 -append "console=ttyS0\n',
        "qemu",
        "run.sh",
        None,
        "the -append value's quote does not close on this line",
        1,
    ),
    (
        "unknown format",
        "x\n",
        "lilo",
        "lilo.conf",
        None,
        "format: unknown format 'lilo' (known: grub, grub-default, grub-legacy, extlinux, u-boot, "
        "uenv, rpi, systemd-boot, qemu)",
        None,
    ),
    (
        "undetectable",
        "hello\n",
        None,
        "notes.txt",
        None,
        "cannot tell the bootloader format; give --format (grub, grub-default, grub-legacy, "
        "extlinux, u-boot, uenv, rpi, systemd-boot, qemu)",
        None,
    ),
    (
        "bad value",
        "root=/dev/sda\n",
        "rpi",
        "cmdline.txt",
        None,
        "crashkernel=256Q: unknown size suffix 'Q' (use K, M, G, T, P or E) (column 4)",
        None,
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "fmt", "filename", "entry", "message", "line"),
    ERRORS,
    ids=[e[0] for e in ERRORS],
)
def test_refusals(
    case: str,
    text: str,
    fmt: str | None,
    filename: str,
    entry: str | None,
    message: str,
    line: int | None,
) -> None:
    value = "256Q" if case == "bad value" else "256M"
    with pytest.raises(UserError) as exc:
        set_crashkernel(text, value, fmt, filename, entry)
    where = filename if exc.value.file else ""
    assert exc.value.line == line
    expected = (
        f"{where}:{line}: {message}" if line else (f"{where}: {message}" if where else message)
    )
    assert str(exc.value) == expected


def test_chained_assignment_not_patched_twice() -> None:
    # A fresh assignment and a later append: only the fresh one gets the words.
    text = 'setenv bootargs "console=ttyS0"\nsetenv bootargs "${bootargs} quiet"\n'
    new = set_crashkernel(text, "64M", "u-boot")
    assert new == (
        'setenv bootargs "console=ttyS0 crashkernel=64M"\nsetenv bootargs "${bootargs} quiet"\n'
    )
    # An existing crashkernel= on the append is replaced there, not added to the first.
    text = 'setenv bootargs "console=ttyS0"\nsetenv bootargs "${bootargs} crashkernel=32M"\n'
    new = set_crashkernel(text, "64M", "u-boot")
    assert new == 'setenv bootargs "console=ttyS0"\nsetenv bootargs "${bootargs} crashkernel=64M"\n'
    # commands joined with && and ||
    text = 'test -n "${x}" && setenv bootargs "a b" || echo no\n'
    assert set_crashkernel(text, "64M", "u-boot") == (
        'test -n "${x}" && setenv bootargs "a b crashkernel=64M" || echo no\n'
    )
    # env set, and a value with several words where one is quoted
    text = 'env set bootargs console=ttyS0 "quiet splash"; boot\n'
    assert set_crashkernel(text, "64M", "u-boot") == (
        'env set bootargs console=ttyS0 "quiet splash" crashkernel=64M; boot\n'
    )


def test_get_reports_every_command_line() -> None:
    text = _read("grub-fedora-crlf.cfg")
    found = get_crashkernel(text, filename="grub-fedora-crlf.cfg")
    assert [(f.entry, f.line, f.words) for f in found] == [
        ("Fedora Linux (6.11.4-301.fc41.x86_64)", 7, ("crashkernel=auto",)),
        (
            "Fedora Linux (0-rescue)",
            11,
            ("crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M", "crashkernel=128M"),
        ),
    ]


def test_remove_takes_the_blank_before() -> None:
    text = "root=/dev/sda crashkernel=64M  quiet crashkernel=1G\n"
    assert remove_crashkernel(text, "rpi") == "root=/dev/sda  quiet\n"
    assert remove_crashkernel("crashkernel=64M quiet\n", "rpi") == "quiet\n"
    assert remove_crashkernel("crashkernel=64M\n", "rpi") == "\n"
