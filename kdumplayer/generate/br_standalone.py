"""The kernel and toolchain settings of a defconfig generated without a base.

Without a base defconfig, `<board>_kdump_defconfig` must configure Buildroot's
linux package by itself, or BR2_LINUX_KERNEL_INSTALL_TARGET and the kernel
fragment silently vanish when Kconfig loads it. `plan(board, ...)` returns
those settings (the arch, a glibc toolchain that meets kexec's and
makedumpfile's dependencies, headers as the kernel, the kernel's source,
config and image format, with the hash files BR2_DOWNLOAD_FORCE_CHECK_HASHES
wants), or the reason they cannot be known from the board description, which
`validate` and `generate` then print. Buildroot facts are data
(recipes/buildroot/buildroot.yaml, `standalone`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kdumplayer.board.model import Board

Setting = tuple[str, str, bool]  # (symbol, unquoted value, is a string)
_SERIES = re.compile(r"^(\d+)\.(\d+)")
_DEFCONFIG_SUFFIX = "_defconfig"


@dataclass(frozen=True)
class Standalone:
    """What makes the defconfig build a kernel by itself."""

    settings: tuple[Setting, ...]  # written before the kdump settings
    files: tuple[tuple[str, str], ...]  # (path relative to the tree, text)
    notes: tuple[str, ...]  # what the board description cannot say (README)


def _series(version: str) -> tuple[int, int] | None:
    match = _SERIES.match(version)
    return (int(match[1]), int(match[2])) if match else None


@cache
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 of a file, computed once per (path, size, mtime) in this process."""
    stat = path.stat()
    return _sha256(path.resolve(), stat.st_size, stat.st_mtime_ns)


def why_not(board: Board, facts: dict[str, Any]) -> str | None:
    """Why the board description cannot configure the kernel by itself, or None."""
    spec = facts["standalone"]
    version = board.kernel.version
    if not version or _series(version) is None:
        return (
            "the board names no kernel.version, so the defconfig cannot configure "
            "Buildroot's kernel by itself"
        )
    series = _series(version)
    assert series is not None
    if series < _series(spec["headers_min"]):  # type: ignore[operator]
        return (
            f"Linux {version} is older than the kernel headers {spec['headers_min']} "
            "kexec needs, which Buildroot's toolchain cannot then take from the kernel"
        )
    if f"{series[0]}.{series[1]}" not in spec["headers_series"]:
        return (
            f"Buildroot {facts['release']} knows no kernel headers series "
            f"{series[0]}.{series[1]} (Linux {version})"
        )
    if board.kernel.image not in spec["image_symbols"]:
        return f"Buildroot has no kernel binary format option for {board.kernel.image}"
    return None


def plan(board: Board, facts: dict[str, Any], *, name: str, board_dir: str) -> Standalone | str:
    """The standalone settings, or why there are none (the defconfig is then kdump only)."""
    reason = why_not(board, facts)
    if reason:
        return reason
    spec = facts["standalone"]
    version = board.kernel.version or ""
    series = _series(version)
    assert series is not None
    ext = f"$(BR2_EXTERNAL_{name}_PATH)"
    settings: list[Setting] = [(board.arch.buildroot_arch_symbol, "y", False)]
    settings += [(symbol, "y", False) for symbol in spec["toolchain"]]
    settings += [
        ("BR2_KERNEL_HEADERS_AS_KERNEL", "y", False),
        (f"BR2_PACKAGE_HOST_LINUX_HEADERS_CUSTOM_{series[0]}_{series[1]}", "y", False),
    ]
    files: list[tuple[str, str]] = []
    notes: list[str] = []
    source = board.kernel.source
    kernel: list[Setting] = [("BR2_LINUX_KERNEL", "y", False)]
    if source is not None and source.is_file():
        tarball = source.resolve()
        kernel += [
            ("BR2_LINUX_KERNEL_CUSTOM_TARBALL", "y", False),
            ("BR2_LINUX_KERNEL_CUSTOM_TARBALL_LOCATION", f"file://{tarball}", True),
        ]
        line = f"sha256  {file_sha256(tarball)}  {tarball.name}\n"
        head = f"# Locally computed by kdumplayer from {tarball}\n"
        files += [
            (f"{board_dir}/patches/linux/linux.hash", head + line),
            (f"{board_dir}/patches/linux-headers/linux-headers.hash", head + line),
        ]
        settings.append(("BR2_GLOBAL_PATCH_DIR", f"{ext}/{board_dir}/patches", True))
    else:
        kernel += [
            ("BR2_LINUX_KERNEL_CUSTOM_VERSION", "y", False),
            ("BR2_LINUX_KERNEL_CUSTOM_VERSION_VALUE", version, True),
        ]
        notes.append(
            f"Buildroot downloads linux-{version}.tar.xz from kernel.org and, with "
            "BR2_DOWNLOAD_FORCE_CHECK_HASHES, stops until its sha256 (kernel.org's "
            f"sha256sums.asc) is in {board_dir}/patches/linux/linux.hash and "
            "linux-headers/linux-headers.hash, with BR2_GLOBAL_PATCH_DIR pointing there; "
            "or give kernel.source a release tarball."
        )
    if board.kernel.config is not None:
        files.append((f"{board_dir}/linux.config", board.kernel.config.read_text(encoding="utf-8")))
        kernel += [
            ("BR2_LINUX_KERNEL_USE_CUSTOM_CONFIG", "y", False),
            ("BR2_LINUX_KERNEL_CUSTOM_CONFIG_FILE", f"{ext}/{board_dir}/linux.config", True),
        ]
    elif board.kernel.defconfig and board.kernel.defconfig != "defconfig":
        kernel += [
            ("BR2_LINUX_KERNEL_USE_DEFCONFIG", "y", False),
            (
                "BR2_LINUX_KERNEL_DEFCONFIG",
                board.kernel.defconfig.removesuffix(_DEFCONFIG_SUFFIX),
                True,
            ),
        ]
    else:
        kernel.append(("BR2_LINUX_KERNEL_USE_ARCH_DEFAULT_CONFIG", "y", False))
    kernel.append((spec["image_symbols"][board.kernel.image], "y", False))
    kernel += [(symbol, "y", False) for symbol in spec["host_deps"]]
    notes += [note for arch, note in spec.get("arch_notes", {}).items() if arch == board.arch.name]
    return Standalone(tuple(settings + kernel), tuple(files), tuple(notes))
