"""Kernel versions: the one parser every module uses ('6.12', '2.6.32', '6.12.57-rc1')."""

from __future__ import annotations

import re

from kdumplayer.errors import UserError

Version = tuple[int, ...]
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str, key: str = "kernel.version") -> Version:
    """'6.12' -> (6, 12); '2.6.32' -> (2, 6, 32); trailing text ('-rc1') is ignored.

    A UserError names `key`, the setting the text came from."""
    match = _VERSION.match(str(text).strip())
    if not match:
        raise UserError(f"{text!r} is not a kernel version such as 6.12", key=key)
    return tuple(int(part) for part in match.groups() if part is not None)


def optional_version(text: str | None, key: str = "kernel.version") -> Version | None:
    """parse_version, or None when no version is known."""
    return parse_version(text, key) if text else None


def series(text: str | None) -> Version | None:
    """(major, minor) of a version text, or None when it does not start with one."""
    match = _VERSION.match(str(text or "").strip())
    return (int(match[1]), int(match[2])) if match else None
