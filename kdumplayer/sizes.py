"""Memory sizes as the kernel writes them: 512M, 1G, 0x1000000."""

from __future__ import annotations

import re

SUFFIXES = {
    "": 1,
    "K": 1 << 10,
    "M": 1 << 20,
    "G": 1 << 30,
    "T": 1 << 40,
    "P": 1 << 50,
    "E": 1 << 60,
}
_SIZE = re.compile(r"^(0[xX][0-9a-fA-F]+|[0-9]+)([KMGTPEkmgtpe]?)$")


def parse_size(text: str | int) -> int:
    """Parse ``128M`` style sizes (memparse suffixes K..E); raise ValueError."""
    if isinstance(text, bool):
        raise ValueError(f"expected a size such as 512M, got {text!r}")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"a size cannot be negative: {text}")
        return text
    match = _SIZE.match(str(text).strip())
    if not match:
        raise ValueError(
            f"not a size: {text!r} (expected a number with K, M, G, T, P or E, e.g. 512M)"
        )
    number, suffix = match.groups()
    return int(number, 0) * SUFFIXES[suffix.upper()]


def format_size(value: int) -> str:
    """The shortest exact kernel spelling of a byte count: 268435456 -> 256M."""
    if value == 0:
        return "0"
    for suffix in ("E", "P", "T", "G", "M", "K"):
        unit = SUFFIXES[suffix]
        if value % unit == 0:
            return f"{value // unit}{suffix}"
    return str(value)
