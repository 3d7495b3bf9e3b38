"""A deterministic initramfs writer: the cpio "newc" format the kernel unpacks.

Fixed owner (root), fixed time (0), sorted entries: the same inputs always give
the same bytes, so the image's hash can key caches.
"""

from __future__ import annotations

from dataclasses import dataclass

_MODES = {"dir": 0o040000, "file": 0o100000, "link": 0o120000, "chr": 0o020000}


@dataclass(frozen=True)
class Entry:
    path: str  # relative, no leading slash
    kind: str  # dir | file | link | chr
    mode: int = 0o755
    data: bytes = b""  # file contents, or the link target
    rdev: tuple[int, int] = (0, 0)  # a device node's major and minor


def _pad(n: int) -> bytes:
    return b"\0" * (-n % 4)


def _record(
    ino: int, mode: int, nlink: int, name: str, data: bytes, rdev: tuple[int, int] = (0, 0)
) -> bytes:
    encoded = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, *rdev, len(encoded), 0)
    header = b"070701" + b"".join(f"{f:08x}".encode() for f in fields)
    return header + encoded + _pad(len(header) + len(encoded)) + data + _pad(len(data))


def newc(entries: list[Entry]) -> bytes:
    """The archive bytes for `entries` (parents must be listed as dirs)."""
    out = []
    for ino, entry in enumerate(sorted(entries, key=lambda e: e.path), start=1):
        mode = _MODES[entry.kind] | (entry.mode & 0o7777)
        nlink = 2 if entry.kind == "dir" else 1
        data = entry.data if entry.kind in ("file", "link") else b""
        out.append(_record(ino, mode, nlink, entry.path, data, entry.rdev))
    out.append(_record(0, 0, 1, "TRAILER!!!", b""))
    return b"".join(out)
