"""Finding the vmlinux (with DWARF) that belongs to a dump, and refusing one that
does not: the GNU build id in vmlinux against BUILD-ID in VMCOREINFO, or the
release in its banner against OSRELEASE where a kernel predates BUILD-ID."""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.analyze.facts import facts
from kdumplayer.analyze.vmcoreinfo import VmcoreInfo
from kdumplayer.errors import UserError
from kdumplayer.paths import cache_dir

SHT_NOTE, NT_GNU_BUILD_ID = 7, 3
_BANNER = b"Linux version "


@dataclass(frozen=True)
class Vmlinux:
    path: Path
    build_id: str | None
    release: str | None
    has_dwarf: bool


def read_vmlinux(path: Path) -> Vmlinux:
    """Build id, release and whether it has .debug_info; UserError if not an ELF file."""
    try:
        with (
            path.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
        ):
            return _parse(path, data)
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot read vmlinux: {getattr(exc, 'strerror', None) or exc}", file=path
        ) from None


def _parse(path: Path, data: mmap.mmap) -> Vmlinux:
    if data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        raise UserError("not a vmlinux (not an ELF file)", file=path)
    is64, order = data[4] == 2, "<" if data[5] == 1 else ">"
    if is64:
        (shoff,) = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)
        shdr = order + "IIQQQQIIQQ"
    else:
        (shoff,) = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x2E)
        shdr = order + "IIIIIIIIII"
    sections = [struct.unpack_from(shdr, data, shoff + i * shentsize) for i in range(shnum)]
    if not sections or shstrndx >= len(sections):
        raise UserError("not a vmlinux (an ELF file without section headers)", file=path)
    names_at = sections[shstrndx][4]

    def name(entry: tuple[int, ...]) -> bytes:
        start = names_at + entry[0]
        return bytes(data[start : data.find(b"\0", start)])

    build_id, has_dwarf = None, False
    for entry in sections:
        has_dwarf = has_dwarf or name(entry) == b".debug_info"
        if entry[1] == SHT_NOTE and build_id is None:
            build_id = _build_id(bytes(data[entry[4] : entry[4] + entry[5]]), order)
    return Vmlinux(path=path, build_id=build_id, release=_release(data), has_dwarf=has_dwarf)


def _build_id(notes: bytes, order: str) -> str | None:
    offset = 0
    while offset + 12 <= len(notes):
        namesz, descsz, kind = struct.unpack_from(order + "III", notes, offset)
        desc = offset + 12 + (namesz + 3) // 4 * 4
        if kind == NT_GNU_BUILD_ID and notes[offset + 12 : offset + 12 + namesz] == b"GNU\0":
            return notes[desc : desc + descsz].hex()
        offset = desc + (descsz + 3) // 4 * 4
    return None


def _release(data: mmap.mmap) -> str | None:
    """The release in linux_banner ("Linux version RELEASE (builder) ...")."""
    at = data.find(_BANNER)
    while at >= 0:
        end = data.find(b" ", at + len(_BANNER))
        if end > 0 and data[end + 1 : end + 2] == b"(":
            return data[at + len(_BANNER) : end].decode("ascii", "replace")
        at = data.find(_BANNER, at + 1)
    return None


def mismatch(vmlinux: Vmlinux, info: VmcoreInfo) -> str | None:
    """Why `vmlinux` is not the dump's kernel, or None when it is."""
    if vmlinux.build_id and info.build_id:
        if vmlinux.build_id != info.build_id:
            return (
                f"its build id {vmlinux.build_id} is not the dump's {info.build_id} "
                f"(release {vmlinux.release or '?'} against the dump's {info.release or '?'})"
            )
        return None
    if vmlinux.release and info.release and vmlinux.release != info.release:
        return f"its release {vmlinux.release} is not the dump's {info.release}"
    return None


def check_given(path: Path, info: VmcoreInfo) -> Vmlinux:
    """The user's --vmlinux, refused when it is not the dump's kernel or has no DWARF."""
    vmlinux = read_vmlinux(path)
    why = mismatch(vmlinux, info)
    if why:
        raise UserError(f"this vmlinux does not match the dump: {why}", file=path, key="--vmlinux")
    if not vmlinux.has_dwarf:
        raise UserError(
            "this vmlinux has no debug info (.debug_info): build the kernel with "
            "CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=y",
            file=path,
            key="--vmlinux",
        )
    return vmlinux


def candidates(info: VmcoreInfo) -> list[Path]:
    """Where a matching vmlinux may already be: the distributions' debug packages'
    paths for the dump's release, then the gold kernels kdumplayer built."""
    paths = []
    if info.release:
        release = info.release
        paths += [Path(p.path.format(release=release)) for p in facts().debug_packages]
        paths += [Path(f"/boot/vmlinux-{release}"), Path(f"/lib/modules/{release}/build/vmlinux")]
    paths += sorted((cache_dir() / "gold").glob("*/vmlinux"))
    return list(dict.fromkeys(paths))


def find(info: VmcoreInfo) -> Vmlinux | None:
    """The first candidate that matches the dump by build id (never by release alone:
    two builds of one release are different kernels) and carries DWARF."""
    if not info.build_id:
        return None
    for path in candidates(info):
        if not path.is_file():
            continue
        try:
            vmlinux = read_vmlinux(path)
        except UserError:
            continue
        if vmlinux.build_id == info.build_id and vmlinux.has_dwarf:
            return vmlinux
    return None


def how_to_get(info: VmcoreInfo, arch: str) -> str:
    """One sentence: what is missing and how to get it."""
    release = info.release or "RELEASE"
    packages = ", ".join(
        f"{p.distribution}'s {p.package.format(release=release)}" for p in facts().debug_packages
    )
    build = f" (build id {info.build_id})" if info.build_id else ""
    return (
        f"no debug info for {arch} kernel {release}{build}: no stack trace, "
        f"task or modules; pass --vmlinux FILE (the kernel's vmlinux built with "
        f"CONFIG_DEBUG_INFO; `kdumplayer verify --kernel gold` keeps it at "
        f"{cache_dir() / 'gold' / '<hash>' / 'vmlinux'}), or install {packages}"
    )
