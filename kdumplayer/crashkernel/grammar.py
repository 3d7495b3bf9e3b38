"""The crashkernel= grammar: parse, format and evaluate every form the kernel accepts.

Forms (kernel/crash_reserve.c, Documentation/admin-guide/kdump/kdump.rst):
``size[@offset]``, ``start-[end]:size[,start-[end]:size...][@offset]``,
``size,high``, ``size,low``, ``size,cma``. Several forms travel as separate
``crashkernel=`` parameters on one command line (e.g. high with low).

Numbers follow the kernel's memparse(): decimal, ``0x`` hex or ``0`` octal, with an
optional K, M, G, T, P or E suffix (either case). We are stricter than the kernel
where it would silently ignore text (a malformed tail after a matching range) and
where a typo would change the meaning (ranges must increase and must not overlap).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kdumplayer.sizes import SUFFIXES, format_size

QUALIFIERS = ("high", "low", "cma")
_NUM_RE = re.compile(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([KMGTPEkmgtpe]?)")
_RAM_ROUND = 128 << 20  # parse_crashkernel_mem() rounds the RAM it compares up to 128M


class CrashkernelError(ValueError):
    """A crashkernel= value that does not parse; `column` is 1-based within the value.

    str() is the one wording every command prints (`crashkernel check`, `cmdline
    set`, a board's crashkernel.value): ``crashkernel=VALUE: reason (column N)``.
    """

    def __init__(self, message: str, value: str, column: int) -> None:
        shown = value if value.startswith("crashkernel=") else f"crashkernel={value}"
        super().__init__(f"{shown}: {message} (column {column})")
        self.reason = message
        self.value = value
        self.column = column


@dataclass(frozen=True)
class Range:
    start: int
    end: int | None  # None: open ended
    size: int

    def selects(self, memory: int) -> bool:
        """Whether the kernel picks this range on a machine with `memory` bytes of RAM."""
        total = kernel_ram(memory)
        return self.start <= total and (self.end is None or total < self.end)

    def __str__(self) -> str:
        end = "" if self.end is None else format_size(self.end)
        return f"{format_size(self.start)}-{end}:{format_size(self.size)}"


@dataclass(frozen=True)
class Crashkernel:
    """One crashkernel= parameter."""

    size: int | None = None  # plain, high, low, cma forms
    offset: int | None = None
    ranges: tuple[Range, ...] = ()
    qualifier: str | None = None  # None, "high", "low", "cma"

    def size_for(self, memory: int) -> int:
        """Bytes reserved on a machine with `memory` bytes of RAM (0: nothing selected)."""
        if self.ranges:
            for rng in self.ranges:
                if rng.selects(memory):
                    return rng.size
            return 0
        return self.size or 0

    @property
    def kind(self) -> str:
        """Which of the kernel's lookups uses this parameter: plain, high, low or cma."""
        return self.qualifier or "plain"

    def __str__(self) -> str:
        text = ",".join(str(r) for r in self.ranges) if self.ranges else format_size(self.size or 0)
        if self.offset is not None:
            text += f"@{format_size(self.offset)}"
        if self.qualifier:
            text += f",{self.qualifier}"
        return text


def kernel_ram(memory: int) -> int:
    """The RAM figure the kernel compares ranges with: `memory` rounded up to 128M."""
    return -(-memory // _RAM_ROUND) * _RAM_ROUND


def _found(value: str, pos: int) -> str:
    return repr(value[pos]) if pos < len(value) else "the end"


def _number(value: str, pos: int, what: str) -> tuple[int, int]:
    match = _NUM_RE.match(value, pos)
    if not match:
        raise CrashkernelError(f"expected {what}, found {_found(value, pos)}", value, pos + 1)
    digits, suffix = match.groups()
    end = match.end()
    if digits == "0" and value[end : end + 1] in ("x", "X"):
        raise CrashkernelError("expected hex digits after '0x'", value, end + 2)
    if digits.startswith("0") and not suffix and value[end : end + 1].isdigit():
        raise CrashkernelError(
            f"{value[pos : end + 1]!r} is not octal (a leading 0 makes the kernel read octal)",
            value,
            pos + 1,
        )
    if not suffix and value[end : end + 1].isalpha():
        raise CrashkernelError(
            f"unknown size suffix {value[end]!r} (use K, M, G, T, P or E)", value, end + 1
        )
    base = 16 if digits[:2] in ("0x", "0X") else 8 if digits.startswith("0") else 10
    return int(digits, base) * SUFFIXES[suffix.upper()], end


def parse(value: str) -> Crashkernel:
    """Parse the text after ``crashkernel=``; raise CrashkernelError with a column."""
    if not value:
        raise CrashkernelError("empty value", value, 1)
    if ":" in value:
        return _parse_ranges(value)
    size, pos = _number(value, 0, "a size such as 256M")
    if value[pos : pos + 1] == "-":
        raise CrashkernelError("a range needs ':' and a size, e.g. 1G-4G:192M", value, pos + 1)
    offset = None
    qualifier = None
    if pos < len(value) and value[pos] == "@":
        offset, pos = _number(value, pos + 1, "an offset such as 16M after '@'")
    if pos < len(value) and value[pos] == ",":
        qualifier = value[pos + 1 :]
        if qualifier not in QUALIFIERS:
            raise CrashkernelError(
                f"unknown qualifier {qualifier!r} (expected high, low or cma)", value, pos + 2
            )
        if offset is not None:
            raise CrashkernelError(f"',{qualifier}' cannot follow an @offset", value, pos + 1)
        pos = len(value)
    if pos != len(value):
        raise CrashkernelError(f"unexpected {value[pos]!r}", value, pos + 1)
    return Crashkernel(size=size, offset=offset, qualifier=qualifier)


def _parse_ranges(value: str) -> Crashkernel:
    ranges: list[Range] = []
    pos = 0
    while True:
        range_col = pos
        if value[pos:] in QUALIFIERS:
            raise CrashkernelError(f"',{value[pos:]}' does not combine with ranges", value, pos)
        start, pos = _number(value, pos, "a range start such as 1G")
        if pos >= len(value) or value[pos] != "-":
            raise CrashkernelError(
                f"expected '-' after the range start, found {_found(value, pos)}", value, pos + 1
            )
        pos += 1
        end = None
        if pos < len(value) and value[pos] != ":":
            end, pos = _number(value, pos, "a range end or ':'")
        if pos >= len(value) or value[pos] != ":":
            raise CrashkernelError(
                f"expected ':' after the range, found {_found(value, pos)}", value, pos + 1
            )
        size, pos = _number(value, pos + 1, "a size after ':'")
        if end is not None and end <= start:
            raise CrashkernelError("range end must be above its start", value, range_col + 1)
        if ranges and (ranges[-1].end is None or start < ranges[-1].end):
            raise CrashkernelError(
                "ranges must increase and must not overlap", value, range_col + 1
            )
        ranges.append(Range(start, end, size))
        if pos < len(value) and value[pos] == ",":
            pos += 1
            continue
        break
    offset = None
    if pos < len(value) and value[pos] == "@":
        offset, pos = _number(value, pos + 1, "an offset such as 16M after '@'")
    if pos != len(value):
        raise CrashkernelError(f"unexpected {value[pos]!r}", value, pos + 1)
    return Crashkernel(ranges=tuple(ranges), offset=offset)


def parse_params(text: str) -> tuple[Crashkernel, ...]:
    """Parse one or more values separated by spaces, each optionally `crashkernel=`-prefixed.

    Columns in errors count from the start of `text`. A second parameter of the
    same kind is refused: the kernel would silently use only the last one.
    """
    items: list[Crashkernel] = []
    for match in re.finditer(r"\S+", text):
        word = match.group(0)
        start = word_start = match.start()
        if word.startswith("crashkernel="):
            word = word.removeprefix("crashkernel=")
            start += len("crashkernel=")
        try:
            item = parse(word)
        except CrashkernelError as exc:
            raise CrashkernelError(exc.reason, text, start + exc.column) from None
        if any(i.kind == item.kind for i in items):
            raise CrashkernelError(
                f"a second {item.kind} crashkernel= (the kernel would use only the last one)",
                text,
                word_start + 1,
            )
        items.append(item)
    if not items:
        raise CrashkernelError("empty value", text, 1)
    return tuple(items)


def to_cmdline(params: tuple[Crashkernel, ...]) -> str:
    """The command-line words: ``crashkernel=256M,high crashkernel=128M,low``."""
    return " ".join(f"crashkernel={p}" for p in params)


@dataclass(frozen=True)
class Term:
    """One line of the recommendation's arithmetic."""

    label: str
    amount: int


RECOMMEND_STEP = 16 << 20


def human(amount: int) -> str:
    """A size for people: exact kernel spelling when there is one, else MiB with a decimal."""
    text = format_size(amount)
    return text if not text.isdigit() or amount < 1 << 20 else f"{amount / (1 << 20):.1f}M"


def recommend_terms(
    bits: int, memory: int, image_size: int = 0, initrd_size: int = 0
) -> tuple[Term, ...]:
    """The summands of the recommended reservation, before rounding."""
    terms = [
        Term(
            f"base: {bits}-bit capture kernel, drivers, makedumpfile",
            (128 if bits == 64 else 96) << 20,
        )
    ]
    if image_size:
        terms.append(
            Term(
                f"capture kernel image {human(image_size)} x 4 (load, decompress, early use)",
                image_size * 4,
            )
        )
    if initrd_size:
        terms.append(Term(f"capture initrd {human(initrd_size)}", initrd_size))
    terms.append(Term(f"memmap of the dumped RAM {format_size(memory)} / 64", memory // 64))
    return tuple(terms)


def recommend_size(bits: int, memory: int, image_size: int = 0, initrd_size: int = 0) -> int:
    """A reservation for `size: auto`: a base for the capture kernel's own needs,
    plus the images it must hold, plus page-table room that grows with RAM;
    rounded up to 16M. See `kdumplayer crashkernel recommend` for the arithmetic."""
    total = sum(t.amount for t in recommend_terms(bits, memory, image_size, initrd_size))
    return -(-total // RECOMMEND_STEP) * RECOMMEND_STEP
