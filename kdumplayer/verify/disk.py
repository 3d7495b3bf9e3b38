"""ext4 disk images for the guest, made and read on the host without mounting:
mkfs.ext4 -d fills an image from a directory, debugfs lists and reads it."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.errors import UserError


@dataclass(frozen=True)
class DirEntry:
    name: str
    mode: int
    size: int

    @property
    def is_dir(self) -> bool:
        return (self.mode & 0o170000) == 0o040000


def make_ext4(image: Path, size: int, source: Path | None = None, label: str = "") -> None:
    """Create `image` (sparse, `size` bytes) holding a copy of `source`."""
    image.unlink(missing_ok=True)
    with image.open("wb") as handle:
        handle.truncate(size)
    argv = ["mkfs.ext4", "-q", "-F", "-E", "root_owner=0:0"]
    if label:
        argv += ["-L", label]
    if source is not None:
        argv += ["-d", str(source)]
    _run([*argv, str(image)])


def _run(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(argv, capture_output=True, check=False)
    except FileNotFoundError:
        raise UserError(f"{argv[0]} is not installed (install e2fsprogs: `make deps`)") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        raise UserError(f"`{' '.join(argv)}` failed: {detail}")
    return done


def _debugfs(image: Path, request: str) -> subprocess.CompletedProcess[bytes]:
    return _run(["debugfs", "-R", request, str(image)])


def list_dir(image: Path, path: str) -> list[DirEntry] | None:
    """The entries of `path` (without . and ..), or None when it does not exist."""
    done = _debugfs(image, f'ls -p "{path}"')
    if b"File not found" in done.stderr:
        return None
    entries = []
    for line in done.stdout.decode(errors="replace").splitlines():
        # /inode/mode/uid/gid/name/size/
        parts = line.split("/")
        if len(parts) < 7 or parts[5] in (".", ".."):
            continue
        entries.append(DirEntry(name=parts[5], mode=int(parts[2], 8), size=int(parts[6] or 0)))
    return sorted(entries, key=lambda e: e.name)


def read_file(image: Path, path: str, out: Path | None = None) -> bytes:
    """A file's bytes; with `out`, dump it there first (large files)."""
    if out is not None:
        out.unlink(missing_ok=True)
        _debugfs(image, f'dump "{path}" "{out}"')
        if not out.exists():
            raise FileNotFoundError(path)
        return out.read_bytes()
    done = _debugfs(image, f'cat "{path}"')
    if b"File not found" in done.stderr:
        raise FileNotFoundError(path)
    return done.stdout


def read_head(image: Path, path: str, size: int, scratch: Path) -> bytes:
    """The first `size` bytes of a file (dumped to `scratch`, then removed)."""
    try:
        data = read_file(image, path, scratch)
    finally:
        scratch.unlink(missing_ok=True)
    return data[:size]
