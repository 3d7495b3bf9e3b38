"""Writing generated files: atomic, reproducible, and checkable against the disk.

A generator returns a Tree (relative path -> GeneratedFile) computed fully in
memory, so a bad input fails before anything is written; then each file is
written to a temporary name and renamed into place.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GeneratedFile:
    content: bytes
    mode: int = 0o644

    @classmethod
    def text(cls, text: str, mode: int = 0o644) -> GeneratedFile:
        return cls(text.encode("utf-8"), mode)


Tree = Mapping[str, GeneratedFile]


def atomic_write(path: Path, content: bytes, mode: int = 0o644) -> None:
    """Write `content` to `path` through a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_tree(outdir: Path, tree: Tree) -> list[str]:
    """Write every file of `tree` under `outdir`; return the paths that changed."""
    changed = []
    for rel in sorted(tree):
        item = tree[rel]
        target = outdir / rel
        try:
            same = (
                target.read_bytes() == item.content and (target.stat().st_mode & 0o777) == item.mode
            )
        except FileNotFoundError:
            same = False
        if not same:
            atomic_write(target, item.content, item.mode)
            changed.append(rel)
    return changed


def check_tree(outdir: Path, tree: Tree) -> list[str]:
    """Differences between `tree` and the disk, as unified diffs and mode notes."""
    problems: list[str] = []
    for rel in sorted(tree):
        item = tree[rel]
        target = outdir / rel
        if not target.exists():
            problems.append(f"{rel}: missing")
            continue
        current = target.read_bytes()
        if current != item.content:
            diff = difflib.unified_diff(
                current.decode("utf-8", "replace").splitlines(keepends=True),
                item.content.decode("utf-8", "replace").splitlines(keepends=True),
                fromfile=f"{rel} (on disk)",
                tofile=f"{rel} (generated)",
            )
            problems.append("".join(diff).rstrip("\n"))
        mode = target.stat().st_mode & 0o777
        if mode != item.mode:
            problems.append(f"{rel}: mode {mode:o}, expected {item.mode:o}")
    return problems
