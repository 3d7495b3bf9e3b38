"""The measured crashkernel= model: the floors `make floor` found in QEMU
(kconfig-fragments/crashkernel-floor.yaml) and how `crashkernel recommend` turns them
into a reservation (kconfig-fragments/crashkernel-model.yaml).

Per arch, each floor less its capture kernel's footprint and initrd is the overhead;
a least-squares line through the overheads against RAM gives intercept and slope.
A recommendation adds the board's own footprint and initrd and the stated margin,
and names the floors it rests on.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import yaml

from kdumplayer.board.model import Board
from kdumplayer.output import atomic_write
from kdumplayer.paths import FRAGMENTS_DIR
from kdumplayer.sizes import format_size, parse_size

FLOOR_FILE = FRAGMENTS_DIR / "crashkernel-floor.yaml"
MODEL_FILE = FRAGMENTS_DIR / "crashkernel-model.yaml"
MIB = 1 << 20
GIB = 1 << 30
_FLOOR_HEADER = """\
# The memory floor: the smallest crashkernel= that captures, per arch, kernel and
# guest RAM, measured in QEMU (TCG) by benchmarks/bench_floor.py (`make floor`
# rewrites this file; do not edit it by hand). Each figure is a boot, a crash and
# a capture whose dump was read back and checked (kdumplayer.verify.floor), with the
# size 2M below it seen failing. kernel: gold (the board's own fragment on
# tinyconfig) or debian-<generation>; image: bytes of the capture kernel file;
# footprint: what that kernel needs once loaded (bzImage init_size, Image
# image_size, zImage x zimage_factor); initrd: bytes of the capture initrd (0: the
# capture boots its root disk without one). `kdumplayer crashkernel recommend`
# computes from these (crashkernel-model.yaml says how).
"""


@dataclass(frozen=True)
class Entry:
    """One measured floor."""

    arch: str
    kernel: str  # gold | debian-<generation>
    memory: int
    captures: int  # the floor
    fails: int  # the size below it that failed
    image: int
    footprint: int
    initrd: int
    probes: str = ""  # every size booted, in order: "20M fails, 24M captures"
    measured: str = ""  # the date
    init: str = "busybox"  # the init system the capture boot ran

    def overhead(self, initrd_factor: int) -> int:
        """The floor less the capture kernel and its initrd."""
        return self.captures - self.footprint - initrd_factor * self.initrd


@dataclass(frozen=True)
class Table:
    entries: tuple[Entry, ...] = ()

    def find(self, arch: str, kernel: str, memory: int, init: str = "busybox") -> Entry | None:
        return next((e for e in self.entries if _key(e) == (arch, kernel, init, memory)), None)

    def with_entry(self, entry: Entry) -> Table:
        rest = [e for e in self.entries if _key(e) != _key(entry)]
        return Table(tuple(sorted([*rest, entry], key=_order)))

    def of(self, arch: str, kernel: str, init: str = "busybox") -> list[Entry]:
        return [e for e in self.entries if e.arch == arch and e.kernel == kernel and e.init == init]


def _key(e: Entry) -> tuple[str, str, str, int]:
    return e.arch, e.kernel, e.init, e.memory


_ARCH_ORDER = ("x86_64", "arm64", "arm", "riscv64", "i386")


def _order(e: Entry) -> tuple[int, str, bool, str, int]:
    rank = _ARCH_ORDER.index(e.arch) if e.arch in _ARCH_ORDER else len(_ARCH_ORDER)
    return rank, e.kernel, e.init != "busybox", e.init, e.memory


def load_floors(path: Path = FLOOR_FILE) -> Table:
    if not path.exists():
        return Table()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = []
    for row in raw.get("floors") or []:
        entries.append(
            Entry(
                arch=row["arch"],
                kernel=row["kernel"],
                memory=parse_size(row["memory"]),
                captures=parse_size(row["captures"]),
                fails=parse_size(row["fails"]),
                image=int(row["image"]),
                footprint=int(row["footprint"]),
                initrd=int(row["initrd"]),
                probes=str(row.get("probes", "")),
                measured=str(row.get("measured", "")),
                init=str(row.get("init", "busybox")),
            )
        )
    return Table(tuple(sorted(entries, key=_order)))


def render_floors(table: Table) -> str:
    lines = [_FLOOR_HEADER.rstrip("\n"), "floors:"]
    for e in table.entries:
        lines += [
            f"  - arch: {e.arch}",
            f"    kernel: {e.kernel}",
            f"    init: {e.init}",
            f"    memory: {format_size(e.memory)}",
            f"    captures: {format_size(e.captures)}",
            f"    fails: {format_size(e.fails)}",
            f"    image: {e.image}",
            f"    footprint: {e.footprint}",
            f"    initrd: {e.initrd}",
            f'    probes: "{e.probes}"',
            f'    measured: "{e.measured}"',
        ]
    return "\n".join(lines) + "\n"


def write_floors(table: Table, path: Path = FLOOR_FILE) -> None:
    atomic_write(path, render_floors(table).encode())


@dataclass(frozen=True)
class Previous:
    arch: str
    kernel: str
    memory: int
    captures: int
    fails: int


@dataclass(frozen=True)
class Model:
    margin_percent: int
    margin_minimum: int
    round: int
    initrd_factor: int
    zimage_factor: float
    previous: tuple[Previous, ...]
    previous_recommendation: tuple[str, int]

    @staticmethod
    def load(path: Path = MODEL_FILE) -> Model:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        prev = tuple(
            Previous(
                p["arch"],
                p["kernel"],
                parse_size(p["memory"]),
                parse_size(p["captures"]),
                parse_size(p["fails"]),
            )
            for p in raw.get("previous") or []
        )
        rec = raw.get("previous_recommendation") or {"board": "", "size": 0}
        return Model(
            margin_percent=int(raw["margin"]["percent"]),
            margin_minimum=parse_size(raw["margin"]["minimum"]),
            round=parse_size(raw["round"]),
            initrd_factor=int(raw["initrd_factor"]),
            zimage_factor=float(raw["zimage_factor"]),
            previous=prev,
            previous_recommendation=(str(rec["board"]), parse_size(rec["size"])),
        )


def footprint(data: bytes, zimage_factor: float) -> tuple[int, str]:
    """What a capture kernel image needs once loaded, from its own header where it
    has one: bzImage init_size, arm64/riscv64 Image image_size; an ELF vmlinux its
    loadable segments; a zImage (no size header) its size times `zimage_factor`."""
    if len(data) > 0x264 and data[0x202:0x206] == b"HdrS":
        return struct.unpack_from("<I", data, 0x260)[0], "bzImage init_size"
    if len(data) > 64 and data[56:60] in (b"ARM\x64", b"RSC\x05"):
        size = struct.unpack_from("<Q", data, 16)[0]
        if size:
            return size, "Image header image_size"
    if data[:4] == b"\x7fELF":
        from kdumplayer.crashkernel.rules import _elf_load_size

        return _elf_load_size(data, Path("image")), "loadable ELF segments"
    if len(data) > 0x28 and struct.unpack_from("<I", data, 0x24)[0] == 0x016F2818:
        return int(len(data) * zimage_factor), f"zImage size x {zimage_factor:g}"
    return len(data), "file size"


@dataclass(frozen=True)
class Fit:
    """overhead = intercept + slope x RAM, from `basis`."""

    arch: str
    kernel: str
    intercept: float
    slope: float  # bytes of overhead per byte of RAM
    basis: tuple[Entry, ...]


def fit(table: Table, model: Model, arch: str, kernel: str = "gold") -> Fit | None:
    """Least squares through the overheads of `kernel`'s floors on `arch` (with one
    RAM size only, the slope is 0 and said so by `basis`)."""
    basis = table.of(arch, kernel)
    if not basis:
        return None
    xs = [e.memory for e in basis]
    ys = [e.overhead(model.initrd_factor) for e in basis]
    n = len(basis)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    var = sum((x - mean_x) ** 2 for x in xs)
    slope = (
        0.0
        if var == 0
        else sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var
    )
    slope = max(slope, 0.0)  # more RAM never needs less memmap
    return Fit(arch, kernel, mean_y - slope * mean_x, slope, tuple(basis))


@dataclass(frozen=True)
class Term:
    label: str
    amount: int


@dataclass(frozen=True)
class Recommendation:
    terms: tuple[Term, ...]  # summed: the model's estimate of the floor
    model_total: int
    margin: Term
    size: int  # rounded up
    basis: tuple[Entry, ...]


def init_term(table: Table, init: str) -> tuple[Term, Entry | None]:
    """What the capture boot of `init` costs over BusyBox init: the largest
    difference of floors measured with both (same arch, kernel and RAM)."""
    pairs = [(e, table.find(e.arch, e.kernel, e.memory)) for e in table.entries if e.init == init]
    known = [(e, b) for e, b in pairs if b is not None]
    if not known:
        return Term(f"init {init}: not measured (the floors are BusyBox init's)", 0), None
    e, b = max(known, key=lambda p: p[0].captures - p[1].captures)
    return Term(
        f"init {init}: its floor less BusyBox init's ({e.arch} {e.kernel} {format_size(e.memory)})",
        e.captures - b.captures,
    ), e


def recommend(
    table: Table,
    model: Model,
    arch: str,
    memory: int,
    kernel: str,
    image_footprint: tuple[int, str] | None,
    initrd: int | None,
    init: str = "busybox",
) -> Recommendation:
    """The reservation for `arch` with `memory` of RAM. `kernel`: the label whose
    floors give the overhead and, when `image_footprint` is None, the footprint;
    `initrd` None: the initrd of those floors; `init`: the capture boot's init system."""
    # The kernel's own floors, else gold's, else any measured on the arch (riscv64:
    # Debian's while its gold kernel does not boot); the label says which.
    labels = [kernel, "gold", *dict.fromkeys(e.kernel for e in table.entries if e.arch == arch)]
    found = next((f for f in (fit(table, model, arch, k) for k in labels) if f), None)
    if found is None:
        raise LookupError(f"no measured floor for {arch} in {FLOOR_FILE.name}")
    ref = found.basis[0]
    terms = [
        Term(f"overhead measured on {arch} ({found.kernel}): intercept", round(found.intercept))
    ]
    terms.append(
        Term(
            f"RAM {format_size(memory)} x {found.slope * 1024:.2f}M per G (memmap, page tables)",
            round(found.slope * memory),
        )
    )
    if image_footprint is None:
        terms.append(Term(f"capture kernel {found.kernel} footprint (as measured)", ref.footprint))
    else:
        terms.append(Term(f"capture kernel footprint ({image_footprint[1]})", image_footprint[0]))
    used_initrd = ref.initrd if initrd is None else initrd
    if used_initrd:
        terms.append(
            Term(
                f"capture initrd {mib(used_initrd)} x {model.initrd_factor} (loaded + unpacked)",
                used_initrd * model.initrd_factor,
            )
        )
    basis = found.basis
    if init != "busybox":
        term, entry = init_term(table, init)
        terms.append(term)
        basis += (entry,) if entry is not None else ()
    total = sum(t.amount for t in terms)
    extra = max(total * model.margin_percent // 100, model.margin_minimum)
    margin = Term(
        f"margin {model.margin_percent}% (at least {format_size(model.margin_minimum)})", extra
    )
    size = -(-(total + extra) // model.round) * model.round
    return Recommendation(tuple(terms), total, margin, size, basis)


def mib(amount: float) -> str:
    mib = amount / MIB
    return f"{mib:.0f}M" if mib == int(mib) else f"{mib:.1f}M"


def describe(entry: Entry) -> str:
    return (
        f"{entry.arch} {entry.kernel} {format_size(entry.memory)}: "
        f"{format_size(entry.captures)} captures, {format_size(entry.fails)} fails"
    )


def format_recommendation(rec: Recommendation) -> list[str]:
    width = max(len(t.label) for t in (*rec.terms, rec.margin)) + 2
    lines = [f"    {t.label:<{width}}{mib(t.amount):>9}" for t in rec.terms]
    lines.append(f"  = {'model of the floor':<{width}}{mib(rec.model_total):>9}")
    lines.append(f"  + {rec.margin.label:<{width}}{mib(rec.margin.amount):>9}")
    lines.append(f"    {'rounded up':<{width}}{mib(rec.size):>9}")
    lines.append("  rests on: " + "; ".join(describe(e) for e in rec.basis))
    return lines


def verify_kernel_label(board: Board, which: str = "auto") -> str:
    """The label of the kernel `kdumplayer verify --kernel which` boots for `board`:
    the floors the board's recommendation rests on."""
    from kdumplayer.verify import kernels  # verify's choice, no download, no build

    choice = kernels.choose(board, which)
    return "gold" if choice.which == "gold" else f"debian-{choice.generation}"
