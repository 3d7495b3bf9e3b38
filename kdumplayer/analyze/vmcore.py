"""A vmcore's own facts, read from its headers without any debug info: format
(ELF from cp, kdump-compressed from makedumpfile), arch, dump level,
compression, the memory it covers, whether it is complete, its VMCOREINFO.

kdump-compressed layout (makedumpfile's diskdump_mod.h): block 0 holds
disk_dump_header, the next sub_hdr_size blocks kdump_sub_header (with the
offsets of VMCOREINFO and the ELF notes), then two bitmaps (pages present,
pages dumped), then one page_desc (offset, size, flags, page_flags) per dumped
page, then the page data.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kdumplayer.analyze.facts import facts
from kdumplayer.errors import UserError

KDUMP_SIGNATURE = b"KDUMP   "
FLAT_SIGNATURE = b"makedumpfile\0"
ELF_SIGNATURE = b"\x7fELF"
PT_LOAD, PT_NOTE = 1, 4
NT_PRSTATUS = 1
PAGE_DESC_SIZE = 24  # off_t offset; u32 size; u32 flags; u64 page_flags
_UTS_LEN = 65


@dataclass(frozen=True)
class VmcoreFacts:
    path: Path
    format: str  # "ELF" or "kdump-compressed"
    arch: str  # kdumplayer's arch name
    machine: str  # as the dump names it (utsname.machine or ELF e_machine)
    size: int  # bytes on disk
    memory: int  # bytes of RAM the dump describes (dumped or filtered out)
    dumped: int  # bytes of memory actually in the dump
    compression: str  # none, zlib, lzo, snappy, zstd (kdump-compressed), none (ELF)
    dump_level: int | None  # makedumpfile -d; None for ELF (nothing filtered)
    cpus: int  # CPUs with a register note (NT_PRSTATUS)
    crash_cpu: int | None  # disk_dump_header.current_cpu
    vmcoreinfo: str
    truncated_at: int | None  # the size the file should have when it is cut short
    incomplete_flag: bool  # makedumpfile marked it incomplete (ran out of space)
    page_size: int

    @property
    def complete(self) -> bool:
        return self.truncated_at is None and not self.incomplete_flag


def read_facts(path: Path) -> VmcoreFacts:
    """The facts of the vmcore at `path`; UserError when it is not one or is cut short
    before its headers end."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
            if head.startswith(KDUMP_SIGNATURE):
                return _kdump(path, handle)
            if head.startswith(ELF_SIGNATURE):
                return _elf(path, handle)
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", file=path) from None
    if head.startswith(FLAT_SIGNATURE):
        raise UserError(
            "a flattened makedumpfile stream (-F): turn it into a vmcore first "
            "with `makedumpfile -R vmcore < FILE`",
            file=path,
        )
    raise UserError(
        f"not a vmcore (neither ELF nor kdump-compressed: it starts with {head[:8]!r})", file=path
    )


def _read(handle: BinaryIO, offset: int, size: int, path: Path, what: str) -> bytes:
    handle.seek(offset)
    data = handle.read(size)
    if len(data) < size:
        raise UserError(
            f"truncated: the file ends inside its {what} (byte {offset + len(data)},"
            f" {offset + size} needed)",
            file=path,
        )
    return bytes(data)


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("ascii", "replace")


def _merged_length(ranges: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for start, stop in sorted(ranges):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def _elf(path: Path, handle: BinaryIO) -> VmcoreFacts:
    ident = _read(handle, 0, 64, path, "ELF header")
    bits, order = {1: 32, 2: 64}.get(ident[4]), {1: "<", 2: ">"}.get(ident[5])
    if bits is None or order is None:
        raise UserError("not a vmcore (an ELF file of unknown class or byte order)", file=path)
    if bits == 64:
        e_type, e_machine, _, _, e_phoff, _, _, _, e_phentsize, e_phnum = struct.unpack_from(
            order + "HHIQQQIHHH", ident, 16
        )
        phdr = order + "IIQQQQQQ"
    else:
        e_type, e_machine, _, _, e_phoff, _, _, _, e_phentsize, e_phnum = struct.unpack_from(
            order + "HHIIIIIHHH", ident, 16
        )
        phdr = order + "IIIIIIII"
    if e_type != 4:  # ET_CORE
        raise UserError(f"not a vmcore (an ELF file of type {e_type}, not a core dump)", file=path)
    table = _read(handle, e_phoff, e_phentsize * e_phnum, path, "program headers")
    ranges, notes, end = [], b"", 0
    for index in range(e_phnum):
        fields = struct.unpack_from(phdr, table, index * e_phentsize)
        if bits == 64:
            p_type, _, p_offset, _, p_paddr, p_filesz, p_memsz, _ = fields
        else:
            p_type, p_offset, _, p_paddr, p_filesz, p_memsz, _, _ = fields
        end = max(end, p_offset + p_filesz)
        if p_type == PT_LOAD:
            ranges.append((p_paddr, p_paddr + p_memsz))
        elif p_type == PT_NOTE:
            notes += _read(handle, p_offset, p_filesz, path, "ELF notes")
    size = path.stat().st_size
    cpus, vmcoreinfo = _notes(notes, order)
    arch = facts().arch_by_elf(e_machine)
    memory = _merged_length(ranges)
    return VmcoreFacts(
        path=path,
        format="ELF",
        arch=arch.name if arch else f"e_machine {e_machine}",
        machine=f"e_machine {e_machine}",
        size=size,
        memory=memory,
        dumped=memory,
        compression="none",
        dump_level=None,
        cpus=cpus,
        crash_cpu=None,
        vmcoreinfo=vmcoreinfo,
        truncated_at=end if size < end else None,
        incomplete_flag=False,
        page_size=_page_size(vmcoreinfo),
    )


def _notes(data: bytes, order: str) -> tuple[int, str]:
    """(NT_PRSTATUS count, VMCOREINFO text) of an ELF note area."""
    cpus, vmcoreinfo, offset = 0, "", 0
    while offset + 12 <= len(data):
        namesz, descsz, kind = struct.unpack_from(order + "III", data, offset)
        name_at = offset + 12
        desc_at = name_at + (namesz + 3) // 4 * 4
        name = data[name_at : name_at + namesz].rstrip(b"\0")
        if name == b"CORE" and kind == NT_PRSTATUS:
            cpus += 1
        elif name == b"VMCOREINFO":
            vmcoreinfo = data[desc_at : desc_at + descsz].rstrip(b"\0").decode("ascii", "replace")
        if namesz == 0 and descsz == 0:
            break
        offset = desc_at + (descsz + 3) // 4 * 4
    return cpus, vmcoreinfo


def _page_size(vmcoreinfo: str) -> int:
    for line in vmcoreinfo.splitlines():
        if line.startswith("PAGESIZE="):
            return int(line.partition("=")[2])
    return 4096


def _kdump(path: Path, handle: BinaryIO) -> VmcoreFacts:
    block0 = _read(handle, 0, 512, path, "kdump header")
    machine = _cstr(block0[12 + 4 * _UTS_LEN : 12 + 5 * _UTS_LEN])
    arch = facts().arch_by_uname(machine)
    bits = arch.bits if arch else 64
    # struct timeval is 16 bytes, 8-aligned on 64-bit hosts; 8 bytes on 32-bit ones.
    after_uts = 12 + 6 * _UTS_LEN
    status_at = (after_uts + 7) // 8 * 8 + 16 if bits == 64 else (after_uts + 3) // 4 * 4 + 8
    (status, block_size, sub_hdr_size, bitmap_blocks, _, _, _, _, current_cpu, nr_cpus) = (
        struct.unpack_from("<IiiIIIIIIi", block0, status_at)
    )
    version = struct.unpack_from("<i", block0, 8)[0]
    if block_size <= 0 or block_size > 1 << 20 or bitmap_blocks <= 0:
        raise UserError(
            f"not a vmcore (a kdump header with block size {block_size} and "
            f"{bitmap_blocks} bitmap blocks)",
            file=path,
        )
    sub = _read(handle, block_size, 104, path, "kdump sub-header")
    if bits == 64:
        dump_level = struct.unpack_from("<i", sub, 8)[0]
        off_info, size_info, off_note, size_note = struct.unpack_from("<qQqQ", sub, 32)
    else:  # the ARM EABI layout: off_t (64-bit) fields 8-aligned
        dump_level = struct.unpack_from("<i", sub, 4)[0]
        off_info, size_info = struct.unpack_from("<qI", sub, 24)
        off_note, size_note = struct.unpack_from("<qI", sub, 40)
    vmcoreinfo = (
        _read(handle, off_info, size_info, path, "VMCOREINFO")
        .rstrip(b"\0")
        .decode("ascii", "replace")
        if version >= 3 and size_info
        else ""
    )
    cpus = nr_cpus
    if version >= 4 and size_note:
        cpus = _notes(_read(handle, off_note, size_note, path, "ELF notes"), "<")[0]
    bitmap_at = (1 + sub_hdr_size) * block_size
    bitmaps = _read(handle, bitmap_at, bitmap_blocks * block_size, path, "page bitmaps")
    half = len(bitmaps) // 2
    present = int.from_bytes(bitmaps[:half], "little").bit_count()
    dumped = int.from_bytes(bitmaps[half:], "little").bit_count()
    size = path.stat().st_size
    descs_at = bitmap_at + len(bitmaps)
    truncated_at = _kdump_end(handle, descs_at, dumped, size)
    flags = facts().compression_flags
    compression = next((name for name, bit in flags.items() if status & bit), "none")
    return VmcoreFacts(
        path=path,
        format="kdump-compressed",
        arch=arch.name if arch else machine,
        machine=machine,
        size=size,
        memory=present * block_size,
        dumped=dumped * block_size,
        compression=compression,
        dump_level=dump_level if version >= 1 else None,
        cpus=cpus,
        crash_cpu=current_cpu,
        vmcoreinfo=vmcoreinfo,
        truncated_at=truncated_at,
        incomplete_flag=bool(status & facts().incomplete_flag),
        page_size=block_size,
    )


def _kdump_end(handle: BinaryIO, descs_at: int, pages: int, size: int) -> int | None:
    """The size the file must have to hold every dumped page, when it is shorter."""
    table_end = descs_at + pages * PAGE_DESC_SIZE
    if size < table_end:
        return table_end
    handle.seek(descs_at)
    table = handle.read(pages * PAGE_DESC_SIZE)
    end = max(
        (offset + length for offset, length, _, _ in struct.iter_unpack("<qIIQ", table)),
        default=table_end,
    )
    return end if size < end else None
