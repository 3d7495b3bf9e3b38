"""Architecture knowledge, read from kconfig-fragments/arches.yaml (one home for each fact)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from kdumplayer.errors import UserError
from kdumplayer.paths import FRAGMENTS_DIR
from kdumplayer.sizes import parse_size
from kdumplayer.version import Version, optional_version

ARCHES_FILE = FRAGMENTS_DIR / "arches.yaml"


@dataclass(frozen=True)
class Qemu:
    binary: str
    machine: str
    cpu: str
    console: str


@dataclass(frozen=True)
class CrashFacts:
    """What the kernel's crashkernel= reservation does on an arch (arches.yaml `crash:`)."""

    low_default: int | None  # ,high's default low part; None: no ,high/,low on this arch
    limit: int | None  # where an @offset reservation must end (32-bit x86)
    physical_start: int | None  # default CONFIG_PHYSICAL_START (x86)
    kaslr_since: Version | None  # RANDOMIZE_BASE on by default from this release
    cma_since: Version | None  # first release with crashkernel=...,cma here


def _size(value: object) -> int | None:
    return None if value is None else parse_size(str(value))


def _crash(raw: dict[str, object]) -> CrashFacts:
    return CrashFacts(
        low_default=_size(raw["low_default"]),
        limit=_size(raw["limit"]),
        physical_start=_size(raw["physical_start"]),
        kaslr_since=optional_version(str(raw["kaslr_since"] or "")),
        cma_since=optional_version(str(raw["cma_since"] or "")),
    )


@dataclass(frozen=True)
class Arch:
    name: str
    kernel_arch: str  # ARCH=
    srcarch: str  # SRCARCH= (the arch/ directory)
    bits: int
    images: tuple[str, ...]
    kexec_type: str | None
    needs_dtb: bool
    capture_append: str
    offset_align: int
    offset_recommended: int
    debian_arch: str
    cross_prefix: str
    qemu: Qemu
    buildroot_arch_symbol: str
    crash: CrashFacts
    debian_kernel: str | None = None  # meta package of Debian's kernel for verify
    debian_tools_since: str | None = None  # oldest Debian generation with usable tools

    @property
    def default_image(self) -> str:
        return self.images[0]


@cache
def all_arches() -> dict[str, Arch]:
    with ARCHES_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    arches = {}
    for name, entry in raw.items():
        arches[name] = Arch(
            name=name,
            kernel_arch=entry["kernel_arch"],
            srcarch=entry["srcarch"],
            bits=int(entry["bits"]),
            images=tuple(entry["images"]),
            kexec_type=entry["kexec_type"],
            needs_dtb=bool(entry["needs_dtb"]),
            capture_append=entry["capture_append"],
            offset_align=parse_size(entry["offset_align"]),
            offset_recommended=parse_size(entry["offset_recommended"]),
            debian_arch=entry["debian_arch"],
            cross_prefix=entry["cross_prefix"],
            qemu=Qemu(**entry["qemu"]),
            buildroot_arch_symbol=entry["buildroot"]["arch_symbol"],
            crash=_crash(entry["crash"]),
            debian_kernel=entry.get("debian_kernel"),
            debian_tools_since=entry.get("debian_tools_since"),
        )
    return arches


def supported() -> list[str]:
    return list(all_arches())


def get_arch(name: str) -> Arch:
    """The Arch for a board's `arch:` name; UserError listing the supported ones."""
    try:
        return all_arches()[name]
    except KeyError:
        raise UserError(
            f"unsupported arch {name!r} (supported: {', '.join(supported())})", key="arch"
        ) from None
