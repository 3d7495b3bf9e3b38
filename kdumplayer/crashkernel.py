"""The crashkernel= grammar: parse, format and evaluate every form the kernel accepts.

Forms (kernel/crash_reserve.c, Documentation/admin-guide/kdump/kdump.rst):
``size[@offset]``, ``start-[end]:size[,start-[end]:size...][@offset]``,
``size,high``, ``size,low``, ``size,cma``. Several forms travel as separate
``crashkernel=`` parameters on one command line (e.g. high with low).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kdumplayer.sizes import format_size, parse_size

_NUM = r"(?:0[xX][0-9a-fA-F]+|[0-9]+)[KMGTPEkmgtpe]?"
_NUM_RE = re.compile(_NUM)


class CrashkernelError(ValueError):
    """A crashkernel= value that does not parse; `column` is 1-based within the value."""

    def __init__(self, message: str, value: str, column: int) -> None:
        super().__init__(f"{message} at column {column} of {value!r}")
        self.reason = message
        self.value = value
        self.column = column


@dataclass(frozen=True)
class Range:
    start: int
    end: int | None  # None: open ended
    size: int

    def selects(self, memory: int) -> bool:
        return self.start <= memory and (self.end is None or memory < self.end)

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

    def __str__(self) -> str:
        ranges = ",".join(str(r) for r in self.ranges)
        text = ranges or format_size(self.size or 0)
        if self.offset is not None:
            text += f"@{format_size(self.offset)}"
        if self.qualifier:
            text += f",{self.qualifier}"
        return text


def _number(value: str, pos: int, what: str) -> tuple[int, int]:
    match = _NUM_RE.match(value, pos)
    if not match:
        found = repr(value[pos]) if pos < len(value) else "the end"
        raise CrashkernelError(f"expected {what}, found {found}", value, pos + 1)
    return parse_size(match.group(0)), match.end()


def parse(value: str) -> Crashkernel:
    """Parse the text after ``crashkernel=``; raise CrashkernelError with a column."""
    if not value:
        raise CrashkernelError("empty value", value, 1)
    if ":" in value:
        return _parse_ranges(value)
    size, pos = _number(value, 0, "a size such as 256M")
    offset = None
    qualifier = None
    if pos < len(value) and value[pos] == "@":
        offset, pos = _number(value, pos + 1, "an offset such as 16M after '@'")
    if pos < len(value) and value[pos] == ",":
        qualifier = value[pos + 1 :]
        if qualifier not in ("high", "low", "cma"):
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
        start, pos = _number(value, pos, "a range start such as 1G")
        if pos >= len(value) or value[pos] != "-":
            raise CrashkernelError("expected '-' after the range start", value, pos + 1)
        pos += 1
        end = None
        if pos < len(value) and value[pos] != ":":
            end, pos = _number(value, pos, "a range end or ':'")
        if pos >= len(value) or value[pos] != ":":
            raise CrashkernelError("expected ':' after the range", value, pos + 1)
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
        offset, pos = _number(value, pos + 1, "an offset after '@'")
    if pos != len(value):
        raise CrashkernelError(f"unexpected {value[pos]!r}", value, pos + 1)
    return Crashkernel(ranges=tuple(ranges), offset=offset)


def parse_params(text: str) -> tuple[Crashkernel, ...]:
    """Parse one or more values separated by spaces, each optionally `crashkernel=`-prefixed."""
    items = []
    for word in text.split():
        items.append(parse(word.removeprefix("crashkernel=")))
    if not items:
        raise CrashkernelError("empty value", text, 1)
    return tuple(items)


def to_cmdline(params: tuple[Crashkernel, ...]) -> str:
    """The command-line words: ``crashkernel=256M,high crashkernel=128M,low``."""
    return " ".join(f"crashkernel={p}" for p in params)


def recommend_size(bits: int, memory: int, image_size: int = 0, initrd_size: int = 0) -> int:
    """A reservation for `size: auto`: a base for the capture kernel's own needs,
    plus the images it must hold, plus page-table room that grows with RAM;
    rounded up to 16M. See `kdumplayer crashkernel recommend` for the arithmetic."""
    base = (128 if bits == 64 else 96) << 20
    per_ram = memory // 64  # ~16M per GiB of RAM for the memmap of the dumped system
    total = base + image_size * 4 + initrd_size + per_ram
    step = 16 << 20
    return -(-total // step) * step
