"""Kernel sources for Kconfig evaluation: a tree directory or a release tarball.

A tarball is extracted once, keeping only what Kconfig evaluation (and the
C `make olddefconfig` used to cross-check it) needs, into the per-user cache
keyed by the tarball's content. Also here: the kernel version from the
Makefile, the entry Kconfig file, and the environment (ARCH, SRCARCH, CC...)
a parse runs with, including which compiler probes were used.
"""

from __future__ import annotations

import bz2
import fnmatch
import gzip
import hashlib
import json
import lzma
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kdumplayer.arch import Arch
from kdumplayer.errors import UserError
from kdumplayer.paths import cache_dir
from kdumplayer.version import parse_version

TARBALL_SUFFIXES = (".tar.xz", ".tar.gz", ".tgz", ".tar.bz2", ".tar")
# What Kconfig evaluation and `make *config` read: every Kconfig file, the
# Makefiles that `make` includes for config targets, scripts/ (kconfig sources,
# probe scripts, dummy-tools, merge_config.sh), defconfigs and config fragments.
_KEEP = (
    "Makefile",
    "Kconfig",
    "*/Kconfig*",
    "Kconfig*",
    "scripts/*",
    "arch/*/Makefile*",
    "arch/*/Kbuild*",
    "arch/*/tools/*.sh",
    "arch/*/configs/*",
    "kernel/configs/*",
)
_EXTRACT_FORMAT = "1"  # bump when _KEEP changes, so old extractions are not reused


@dataclass(frozen=True)
class KernelSource:
    root: Path  # the tree to read (the user's directory or our extraction)
    origin: Path  # what the user named (directory or tarball)
    version: str  # "6.12.57" from the Makefile
    entry: str  # the top Kconfig file, relative to root

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return parse_version(self.version)


def read_version(root: Path, shown: Path | None = None) -> str:
    """VERSION.PATCHLEVEL.SUBLEVEL from the tree's top Makefile."""
    makefile = root / "Makefile"
    where = shown or makefile
    try:
        text = makefile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        raise UserError("not a kernel tree: it has no top-level Makefile", file=where) from None
    fields = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d*)\s*$", text, re.M))
    extra = re.search(r"^EXTRAVERSION\s*=[ \t]*([-.+A-Za-z0-9_]*)[ \t]*$", text, re.M)
    if not fields.get("VERSION") or not fields.get("PATCHLEVEL"):
        raise UserError(
            "not a kernel tree: its Makefile sets no VERSION and PATCHLEVEL", file=where, line=1
        )
    parts = [fields["VERSION"], fields["PATCHLEVEL"]]
    if fields.get("SUBLEVEL"):
        parts.append(fields["SUBLEVEL"])
    return ".".join(parts) + (extra.group(1) if extra else "")  # as KERNELVERSION


def entry_kconfig(root: Path, srcarch: str) -> str:
    """The top Kconfig file: Kconfig, or arch/$SRCARCH/Kconfig before 2.6.36 had one."""
    if (root / "Kconfig").is_file():
        return "Kconfig"
    legacy = f"arch/{srcarch}/Kconfig"
    if (root / legacy).is_file():
        return legacy
    raise UserError(f"not a kernel tree: no Kconfig and no {legacy}", file=root)


def _tarball_key(path: Path) -> str:
    """sha256 of the tarball, remembered by (size, mtime, inode) so it is read once."""
    st = path.stat()
    memo_dir = cache_dir() / "tarball-hashes"
    stamp = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"
    memo = memo_dir / hashlib.sha256(stamp.encode()).hexdigest()
    try:
        return memo.read_text(encoding="ascii").strip()
    except OSError:
        pass
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    key = digest.hexdigest()
    memo_dir.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_suffix(f".{os.getpid()}.tmp")  # atomic: workers may race here
    tmp.write_text(key + "\n", encoding="ascii")
    os.replace(tmp, memo)
    return key


def _wanted(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in _KEEP)


def _extract(tarball: Path, dest: Path) -> None:
    """Stream the tarball once, writing only the wanted members (no links, no escapes)."""
    try:
        # The decompressor is opened here, not by tarfile, so that reading it to the
        # end proves the stream complete (tarfile's stream mode misses truncation).
        with _decompressed(tarball) as raw, tarfile.open(fileobj=raw, mode="r|") as archive:
            for member in archive:
                parts = member.name.split("/", 1)
                if len(parts) != 2 or not parts[1]:
                    continue
                rel = parts[1]
                if not (member.isfile() or member.isdir()) or ".." in rel.split("/"):
                    continue
                if member.isdir() or not _wanted(rel):
                    continue
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                assert source is not None
                with source, target.open("wb") as out:
                    shutil.copyfileobj(source, out)
                os.chmod(target, 0o755 if member.mode & 0o111 else 0o644)
            while raw.read(1 << 20):
                pass
    except (tarfile.TarError, EOFError, OSError, ValueError, lzma.LZMAError) as exc:
        raise UserError(f"corrupt or unreadable tarball: {exc}", file=tarball) from None


def _decompressed(tarball: Path) -> IO[bytes]:
    name = tarball.name
    if name.endswith(".tar.xz"):
        return lzma.open(tarball, "rb")
    if name.endswith((".tar.gz", ".tgz")):
        return gzip.open(tarball, "rb")  # type: ignore[return-value]
    if name.endswith(".tar.bz2"):
        return bz2.open(tarball, "rb")
    return tarball.open("rb")


def extract_tarball(tarball: Path) -> Path:
    """The cached minimal tree of a kernel tarball (extracted on first use)."""
    key = _tarball_key(tarball)
    dest = cache_dir() / "trees" / f"{key[:24]}-{_EXTRACT_FORMAT}"
    if (dest / ".complete").is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
    try:
        _extract(tarball, tmp)
        (tmp / ".complete").write_text(json.dumps({"tarball": str(tarball), "sha256": key}) + "\n")
        try:
            tmp.rename(dest)
        except OSError:  # another process won the race; use its copy
            if not (dest / ".complete").is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def open_source(path: str | Path, srcarch: str) -> KernelSource:
    """A kernel tree or tarball, ready to parse; UserError when it is neither."""
    origin = Path(path)
    if not origin.exists():
        raise UserError("no such file or directory", file=origin)
    if origin.is_dir():
        root = origin.resolve()
    elif origin.name.endswith(TARBALL_SUFFIXES):
        root = extract_tarball(origin)
    else:
        raise UserError(
            "not a kernel tree or a release tarball (.tar.xz, .tar.gz, .tar.bz2)", file=origin
        )
    version = read_version(root, origin / "Makefile" if origin.is_dir() else origin)
    entry = entry_kconfig(root, srcarch)
    return KernelSource(root=root, origin=origin, version=version, entry=entry)


@dataclass(frozen=True)
class Probes:
    """The tools Kconfig's $(shell ...) probes run, and how the report names them."""

    description: str
    env: dict[str, str]


def probe_env(source: KernelSource, arch: Arch, toolchain: str | None) -> Probes:
    """The environment `make` would export to Kconfig (ARCH, SRCARCH, CC, LD...)."""
    root = source.root
    dummy = root / "scripts" / "dummy-tools"
    if toolchain is None and (dummy / "gcc").is_file():
        prefix, description = f"{dummy}/", "scripts/dummy-tools"
    elif toolchain is None:
        prefix, description = "", "host tools"
    else:
        if shutil.which(f"{toolchain}gcc") is None:
            raise UserError(f"{toolchain}gcc not found on PATH", key="--toolchain")
        prefix, description = toolchain, f"toolchain {toolchain}"
    env = {
        "srctree": str(root),
        "objtree": str(root),
        "ARCH": arch.kernel_arch,
        "SRCARCH": arch.srcarch,
        "KERNELVERSION": source.version,
        "KERNELRELEASE": source.version,
        "CROSS_COMPILE": prefix,
        "CC": f"{prefix}gcc",
        "LD": f"{prefix}ld",
        "AR": f"{prefix}ar",
        "NM": f"{prefix}nm",
        "OBJCOPY": f"{prefix}objcopy",
        "OBJDUMP": f"{prefix}objdump",
        "READELF": f"{prefix}readelf",
        "STRIP": f"{prefix}strip",
        "PAHOLE": f"{dummy}/pahole" if description == "scripts/dummy-tools" else "pahole",
        "HOSTCC": "gcc",
        "HOSTCXX": "g++",
        "RUSTC": "rustc",
        "BINDGEN": "bindgen",
        "CLANG_FLAGS": "",
        "LC_ALL": "C",
    }
    env["CC_VERSION_TEXT"] = _first_line([env["CC"], "--version"]).replace("#", "")
    env["RUSTC_VERSION_TEXT"] = ""
    env["PYTHON3"] = "python3"
    # 7.x reads $(PAHOLE_VERSION), which the top Makefile computes and exports.
    pahole_version = root / "scripts" / "pahole-version.sh"
    if pahole_version.is_file():
        env["PAHOLE_VERSION"] = _first_line(["sh", str(pahole_version), env["PAHOLE"]]) or "0"
    return Probes(description=description, env=env)


def _first_line(argv: list[str]) -> str:
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
            env={**os.environ, "LC_ALL": "C"},
        )
    except OSError:
        return ""
    return (done.stdout.splitlines() or [""])[0]
