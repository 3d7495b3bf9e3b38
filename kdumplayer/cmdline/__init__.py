"""Put crashkernel= into real bootloader configurations: one module per format, one protocol.

Library API (what the Buildroot and Yocto generators call)::

    from kdumplayer.cmdline import detect_format, get_crashkernel, set_crashkernel

    new_text = set_crashkernel(text, "256M", fmt=None, filename="grub.cfg", entry=None)
    fmt = detect_format("extlinux.conf", text)          # -> "extlinux"
    found = get_crashkernel(text, fmt, filename)  # [Found(entry, line, words), ...]
    old_text = remove_crashkernel(new_text, fmt, filename)  # also exported

- ``value`` is what follows ``crashkernel=`` (``256M``, ``1G-4G:192M,4G-:256M@16M``), or
  several such values separated by spaces (``256M,high 128M,low``); a ``crashkernel=``
  prefix is accepted. It is parsed first (kdumplayer.crashkernel), so a bad value raises
  UserError before any text is touched.
- ``fmt`` is one of FORMATS: grub (grub.cfg), grub-default (/etc/default/grub),
  grub-legacy (menu.lst, grub.conf), extlinux (extlinux.conf, syslinux.cfg), u-boot
  (boot.cmd, boot.txt), uenv (uEnv.txt), rpi (cmdline.txt), systemd-boot (loader
  entries), qemu (a start script or readme with ``-append "..."``). The names equal the
  board description's ``bootloader.type`` where they match. None: detect_format().
- ``entry`` limits the change to one menu entry or label (grub, grub-legacy, extlinux),
  or one variable (grub-default: GRUB_CMDLINE_LINUX or GRUB_CMDLINE_LINUX_DEFAULT;
  uenv: bootargs, optargs, ...).
- The patch is idempotent (an existing crashkernel= is replaced, never duplicated;
  setting the same value twice returns the text unchanged) and touches only the
  command-line words: comments, blank lines, CRLF line endings, other options and their
  order are kept byte for byte. A file with no kernel command line to patch raises
  UserError naming the file (and line).
- Everything here is a pure function of its inputs; reading and the atomic write are in
  kdumplayer.cli.cmdline.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from kdumplayer.cmdline import (
    extlinux,
    grub,
    grub_default,
    grub_legacy,
    qemu,
    rpi,
    systemd_boot,
    uboot,
    uenv,
)
from kdumplayer.cmdline.protocol import Format, Site, apply, choose_chained, select_entry, words
from kdumplayer.crashkernel import grammar as ck
from kdumplayer.errors import UserError

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        grub.FORMAT,
        grub_default.FORMAT,
        grub_legacy.FORMAT,
        extlinux.FORMAT,
        uboot.FORMAT,
        uenv.FORMAT,
        rpi.FORMAT,
        systemd_boot.FORMAT,
        qemu.FORMAT,
    )
}


@dataclass(frozen=True)
class Found:
    """What `get` reports for one command line."""

    entry: str | None
    line: int
    words: tuple[str, ...]  # the crashkernel= words on it, as written


def _where(filename: str) -> str | None:
    return filename or None


def detect_format(filename: str, text: str) -> str:
    """The format of a file: from its name first, then from its content."""
    path = filename.replace("\\", "/").lower()
    base = path.rsplit("/", 1)[-1]
    if base.endswith((".scr", ".uimg")) or text.startswith("\x27\x05\x19\x56"):
        raise UserError(
            "a compiled U-Boot script: patch its source (boot.cmd, boot.txt) and run mkimage again",
            file=_where(filename),
        )
    by_name = [
        f.name
        for f in FORMATS.values()
        if any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(base, p) for p in f.filenames)
    ]
    sniffed = [f.name for f in FORMATS.values() if f.sniff.search(text)]
    if len(by_name) == 1:
        return by_name[0]
    both = [n for n in by_name if n in sniffed]
    if len(both) == 1:
        return both[0]
    if len(sniffed) == 1:
        return sniffed[0]
    hint = f" (it could be {' or '.join(both or sniffed)})" if (both or sniffed) else ""
    raise UserError(
        f"cannot tell the bootloader format{hint}; give --format ({', '.join(FORMATS)})",
        file=_where(filename),
    )


def format_named(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise UserError(
            f"unknown format {name!r} (known: {', '.join(FORMATS)})", key="format"
        ) from None


def _sites(
    text: str, fmt: str | None, filename: str, entry: str | None, every: bool = False
) -> list[Site]:
    spec = format_named(fmt or detect_format(filename, text))
    sites = spec.candidates(text, filename)
    if not sites:
        raise UserError(
            f"no kernel command line to patch: {spec.what} ({spec.name} format)",
            file=_where(filename),
        )
    if entry is not None:
        sites = select_entry(sites, entry, spec, filename)
    if spec.chained and not every:
        sites = choose_chained(sites, text, spec.preference)
    return sites


def _params(value: str) -> str:
    try:
        return ck.to_cmdline(ck.parse_params(value))
    except ck.CrashkernelError as exc:
        raise UserError(str(exc)) from None


def set_crashkernel(
    text: str, value: str, fmt: str | None = None, filename: str = "", entry: str | None = None
) -> str:
    """`text` with crashkernel=`value` on every kernel command line (or `entry`'s)."""
    new = _params(value)
    return apply(text, _sites(text, fmt, filename, entry), "set", new)


def remove_crashkernel(
    text: str, fmt: str | None = None, filename: str = "", entry: str | None = None
) -> str:
    """`text` without any crashkernel= word on its command lines (or `entry`'s)."""
    return apply(text, _sites(text, fmt, filename, entry, every=True), "remove")


def get_crashkernel(
    text: str, fmt: str | None = None, filename: str = "", entry: str | None = None
) -> list[Found]:
    """Every kernel command line of the file with the crashkernel= words on it."""
    return [
        Found(s.entry, s.line, tuple(words(text[s.start : s.end])))
        for s in _sites(text, fmt, filename, entry, every=True)
    ]


__all__ = [
    "FORMATS",
    "Found",
    "detect_format",
    "get_crashkernel",
    "remove_crashkernel",
    "set_crashkernel",
]
