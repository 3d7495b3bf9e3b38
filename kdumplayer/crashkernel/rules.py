"""Checks of crashkernel= values against a board, and the recommendation's report.

What the kernel does with the value (kernel/crash_reserve.c, 6.12): the last
parameter of each kind wins; a plain one hides ,high and ,low; ,low alone is
never used; ranges compare the RAM rounded up to 128M and reject a size at or
above it; ,high and ,low need ARCH_HAS_GENERIC_CRASHKERNEL_RESERVATION (x86,
arm64, riscv; not 32-bit arm). What kdump needs beyond that: the reservation
leaves the running system at least half the RAM; an @offset is aligned for the
arch; on x86, a fixed offset equals CONFIG_PHYSICAL_START, where a
non-relocatable capture kernel is linked to run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from kdumplayer.arch import Arch
from kdumplayer.crashkernel import grammar as ck
from kdumplayer.errors import UserError
from kdumplayer.findings import Finding, Severity
from kdumplayer.paths import FRAGMENTS_DIR
from kdumplayer.sizes import format_size as fs
from kdumplayer.version import optional_version

REFERENCES_FILE = FRAGMENTS_DIR / "crashkernel-references.yaml"


def _said(arch: Arch) -> str:
    """The arch as the messages name it."""
    return {"i386": "32-bit x86", "arm": "32-bit arm"}.get(arch.name, arch.name)


def effective(params: tuple[ck.Crashkernel, ...], memory: int, arch: Arch) -> tuple[int, int]:
    """(reserved bytes in total, of which below 4G for ,low) as the kernel would reserve."""
    kinds = {p.kind: p for p in params}
    if "plain" in kinds:
        return kinds["plain"].size_for(memory), 0
    if "high" in kinds and arch.crash.low_default is not None:
        low = kinds["low"].size_for(memory) if "low" in kinds else arch.crash.low_default
        return kinds["high"].size_for(memory) + low, low
    return 0, 0


def check(
    params: tuple[ck.Crashkernel, ...],
    memory: int,
    arch: Arch,
    physical_start: int | None = None,
    kernel: str | None = None,
) -> list[Finding]:
    """Everything wrong with (problem) or worth knowing about (advice) the value on a board.

    `kernel` is the kernel version ("6.12"), when known.
    """
    out: list[Finding] = []
    kinds = {p.kind: p for p in params}
    value = ck.to_cmdline(params)
    total_ram = ck.kernel_ram(memory)
    if arch.crash.low_default is None and ({"high", "low"} & set(kinds)):
        out.append(
            Finding(
                "no-high-low",
                Severity.ERROR,
                f"{_said(arch)} has no crashkernel=,high or ,low (no "
                "ARCH_HAS_GENERIC_CRASHKERNEL_RESERVATION): nothing is reserved",
            )
        )
    if "plain" in kinds and ({"high", "low"} & set(kinds)):
        out.append(
            Finding(
                "plain-wins",
                Severity.NOTE,
                "the plain crashkernel= wins: the kernel ignores ,high, ,low",
            )
        )
    if "low" in kinds and "high" not in kinds and "plain" not in kinds:
        out.append(
            Finding(
                "low-without-high",
                Severity.ERROR,
                "crashkernel=...,low is only used together with "
                "crashkernel=...,high: nothing is reserved",
            )
        )
    if "cma" in kinds and not ({"plain", "high"} & set(kinds)):
        out.append(
            Finding(
                "cma-alone",
                Severity.ERROR,
                "crashkernel=...,cma only adds to a plain or ,high "
                "reservation: the capture kernel has no memory of its own",
            )
        )
    version = optional_version(kernel, key="kernel")
    cma_since = arch.crash.cma_since
    if "cma" in kinds and version is not None and cma_since is not None and version < cma_since:
        out.append(
            Finding(
                "cma-too-old",
                Severity.ERROR,
                f"Linux {kernel} has no crashkernel=...,cma (from 6.17): it "
                "reads it as the plain value, fails, and reserves nothing",
            )
        )
    elif "cma" in kinds and (version is None or cma_since is None):
        out.append(
            Finding(
                "cma-unsure",
                Severity.NOTE,
                "crashkernel=...,cma needs Linux 6.17 or later (x86_64 "
                "first; other arches later): an older kernel reserves nothing",
            )
        )
    for param in params:
        for rng in param.ranges:
            if rng.size >= total_ram:
                out.append(
                    Finding(
                        "range-not-below-ram",
                        Severity.ERROR,
                        f"range {rng}: the size is not below the RAM the kernel "
                        f"counts ({fs(total_ram)}); the kernel rejects it",
                    )
                )
            if rng.selects(memory):
                break
        if param.ranges and param.size_for(memory) == 0:
            out.append(
                Finding(
                    "range-selects-nothing",
                    Severity.ERROR,
                    f"crashkernel={param} selects nothing for {fs(memory)} of "
                    f"RAM (the kernel compares {fs(total_ram)}, the RAM rounded "
                    "up to 128M): nothing is reserved",
                )
            )
    reserved, low = effective(params, memory, arch)
    if reserved and reserved * 2 > memory:
        out.append(
            Finding(
                "keep-half",
                Severity.ERROR,
                f"{value} reserves {fs(reserved)}"
                f"{f' (with {fs(low)} low)' if low else ''}, leaving "
                f"{fs(max(memory - reserved, 0))} of {fs(memory)}: the system "
                "should keep at least half",
            )
        )
    if low and "low" not in kinds:
        out.append(
            Finding(
                "high-reserves-low",
                Severity.NOTE,
                f"crashkernel=...,high also reserves {fs(low)} below 4G by "
                "default; add crashkernel=0,low if the capture kernel "
                "needs none",
            )
        )
    offset = next((p.offset for p in params if p.offset is not None), None)
    size = next((p.size_for(memory) for p in params if p.offset is not None), 0)
    if offset is not None:
        out += _offset_findings(offset, size, memory, arch, physical_start)
        kaslr = arch.crash.kaslr_since
        if kaslr is not None and (version is None or version >= kaslr):
            out.append(
                Finding(
                    "kaslr-offset",
                    Severity.NOTE,
                    "x86 kernels randomize where they run (KASLR, on by "
                    "default since 4.12): with a fixed @offset the "
                    "reservation fails when the kernel lands in it; prefer "
                    "no offset, or boot with nokaslr",
                    key="offset",
                )
            )
    return out


def _offset_findings(
    offset: int, size: int, memory: int, arch: Arch, physical_start: int | None
) -> list[Finding]:
    out: list[Finding] = []
    if offset % arch.offset_align:
        out.append(
            Finding(
                "offset-alignment",
                Severity.ERROR,
                f"offset {fs(offset)} is not aligned to "
                f"{fs(arch.offset_align)} as {arch.name} requires",
                key="offset",
            )
        )
    elif offset % arch.offset_recommended:
        out.append(
            Finding(
                "offset-recommended",
                Severity.NOTE,
                f"offset {fs(offset)} is not a multiple of the recommended "
                f"{fs(arch.offset_recommended)} on {arch.name}",
                key="offset",
            )
        )
    if arch.srcarch == "x86":  # RAM starts at physical 0 on PCs; elsewhere the base varies
        limit = min(memory, arch.crash.limit or memory)
        if offset + size > limit:
            why = f" ({_said(arch)} keeps it below {fs(limit)})" if limit != memory else ""
            out.append(
                Finding(
                    "reservation-above-limit",
                    Severity.ERROR,
                    f"the reservation {fs(offset)}..{fs(offset + size)} ends "
                    f"above {fs(limit)}{why}",
                    key="offset",
                )
            )
        if physical_start is not None and physical_start != offset:
            out.append(
                Finding(
                    "physical-start-differs",
                    Severity.ERROR,
                    f"CONFIG_PHYSICAL_START is {fs(physical_start)} "
                    f"({physical_start:#x}) but the reservation starts at "
                    f"{fs(offset)}: they must be equal",
                    key="offset",
                )
            )
    return out


_PHYS = re.compile(r"^CONFIG_PHYSICAL_START=(0[xX][0-9a-fA-F]+|[0-9]+)\s*$", re.M)


def physical_start_of(fragment_text: str) -> int | None:
    """CONFIG_PHYSICAL_START from a fragment or .config text, if set."""
    match = _PHYS.search(fragment_text)
    return int(match.group(1), 0) if match else None


@dataclass(frozen=True)
class Reference:
    who: str
    arch: str
    value: str
    note: str


def references() -> list[Reference]:
    """The distributions' default crashkernel= values (data: kconfig-fragments/)."""
    with REFERENCES_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return [
        Reference(r["who"], r["arch"], r["value"], r.get("note", "")) for r in raw["references"]
    ]


def image_size(path: Path) -> tuple[int, str]:
    """Bytes a kernel image needs once loaded, and how that was found.

    An ELF vmlinux counts its loadable segments (its file size is mostly debug
    information); any other image (bzImage, Image, zImage) counts its file size:
    that is what `kexec -p` copies into the reservation.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the image: {exc.strerror}", file=path) from None
    if data[:4] == b"\x7fELF":
        return _elf_load_size(data, path), "loadable ELF segments"
    return len(data), "file size"


def _elf_load_size(data: bytes, path: Path) -> int:
    is64 = data[4] == 2
    order: Literal["little", "big"] = "little" if data[5] == 1 else "big"

    def num(offset: int, width: int) -> int:
        return int.from_bytes(data[offset : offset + width], order)

    phoff, phentsize, phnum = (
        (num(32, 8), num(54, 2), num(56, 2)) if is64 else (num(28, 4), num(42, 2), num(44, 2))
    )
    spans = []
    for index in range(phnum):
        base = phoff + index * phentsize
        if num(base, 4) != 1:  # PT_LOAD
            continue
        paddr, memsz = (
            (num(base + 24, 8), num(base + 40, 8))
            if is64
            else (num(base + 12, 4), num(base + 20, 4))
        )
        spans.append((paddr, paddr + memsz))
    if not spans:
        raise UserError("an ELF file without loadable segments is not a kernel", file=path)
    return max(e for _, e in spans) - min(s for s, _ in spans)
