"""The crashkernel= grammar: every form parses and formats back; every malformed value
fails with its own message at the right column."""

from __future__ import annotations

import pytest

from kdumplayer.crashkernel import grammar as ck

G, M, K = 1 << 30, 1 << 20, 1 << 10

# (value, canonical spelling, bytes reserved on a 1G machine, bytes on an 8G machine)
VALID = [
    ("256M", "256M", 256 * M, 256 * M),
    ("256m", "256M", 256 * M, 256 * M),
    ("131072K", "128M", 128 * M, 128 * M),
    ("1G", "1G", G, G),
    ("0x10000000", "256M", 256 * M, 256 * M),
    ("0X8M", "8M", 8 * M, 8 * M),
    ("010M", "8M", 8 * M, 8 * M),  # memparse reads a leading 0 as octal
    ("0", "0", 0, 0),
    ("268435456", "256M", 256 * M, 256 * M),
    ("1T", "1T", 1 << 40, 1 << 40),
    ("1P", "1P", 1 << 50, 1 << 50),
    ("1E", "1E", 1 << 60, 1 << 60),
    ("128M@16M", "128M@16M", 128 * M, 128 * M),
    ("128M@0x2000000", "128M@32M", 128 * M, 128 * M),
    ("256M,high", "256M,high", 256 * M, 256 * M),
    ("0,low", "0,low", 0, 0),
    ("64M,cma", "64M,cma", 64 * M, 64 * M),
    ("512M-:192M", "512M-:192M", 192 * M, 192 * M),
    ("1G-4G:192M,4G-64G:256M,64G-:512M", "1G-4G:192M,4G-64G:256M,64G-:512M", 192 * M, 256 * M),
    ("2G-64G:256M,64G-:512M", "2G-64G:256M,64G-:512M", 0, 256 * M),
    ("2G-4G:256M,4G-64G:320M,64G-:576M", "2G-4G:256M,4G-64G:320M,64G-:576M", 0, 320 * M),
    ("0-2G:128M,2G-:256M@16M", "0-2G:128M,2G-:256M@16M", 128 * M, 256 * M),
    ("1G-2G:64M,2G-4G:128M", "1G-2G:64M,2G-4G:128M", 64 * M, 0),  # 8G: beyond the last range
    ("1024M-:256M", "1G-:256M", 256 * M, 256 * M),
    ("900M-:256M", "900M-:256M", 256 * M, 256 * M),
]


@pytest.mark.parametrize(("value", "canonical", "on_1g", "on_8g"), VALID, ids=[v[0] for v in VALID])
def test_valid(value: str, canonical: str, on_1g: int, on_8g: int) -> None:
    parsed = ck.parse(value)
    assert str(parsed) == canonical
    assert ck.parse(canonical) == parsed
    assert parsed.size_for(1 * G) == on_1g
    assert parsed.size_for(8 * G) == on_8g


# (value, message, column): the exact message and where in the value it points.
MALFORMED = [
    ("", "empty value", 1),
    ("M", "expected a size such as 256M, found 'M'", 1),
    ("-256M", "expected a size such as 256M, found '-'", 1),
    ("256Q", "unknown size suffix 'Q' (use K, M, G, T, P or E)", 4),
    ("256MB", "unexpected 'B'", 5),
    ("0x", "expected hex digits after '0x'", 3),
    ("0xZ", "expected hex digits after '0x'", 3),
    ("08M", "'08' is not octal (a leading 0 makes the kernel read octal)", 1),
    ("256M@", "expected an offset such as 16M after '@', found the end", 6),
    ("256M@x", "expected an offset such as 16M after '@', found 'x'", 6),
    ("256M@16M@32M", "unexpected '@'", 9),
    ("256M,", "unknown qualifier '' (expected high, low or cma)", 6),
    ("256M,hgih", "unknown qualifier 'hgih' (expected high, low or cma)", 6),
    ("256M,HIGH", "unknown qualifier 'HIGH' (expected high, low or cma)", 6),
    ("256M@16M,high", "',high' cannot follow an @offset", 9),
    ("256M 128M", "unexpected ' '", 5),
    ("1G-4G", "a range needs ':' and a size, e.g. 1G-4G:192M", 3),
    ("1G:256M", "expected '-' after the range start, found ':'", 3),
    ("1G-4G192M:1M", "expected ':' after the range, found '1'", 6),
    ("1G-4G:", "expected a size after ':', found the end", 7),
    ("1G-4G:x", "expected a size after ':', found 'x'", 7),
    ("1G-:", "expected a size after ':', found the end", 5),
    ("-4G:192M", "expected a range start such as 1G, found '-'", 1),
    ("4G-1G:192M", "range end must be above its start", 1),
    ("1G-1G:192M", "range end must be above its start", 1),
    ("1G-4G:192M,2G-8G:256M", "ranges must increase and must not overlap", 12),
    ("1G-:192M,4G-:256M", "ranges must increase and must not overlap", 10),
    ("4G-8G:256M,1G-4G:192M", "ranges must increase and must not overlap", 12),
    ("1G-4G:192M,", "expected a range start such as 1G, found the end", 12),
    ("1G-4G:192M,high", "',high' does not combine with ranges", 11),
    ("1G-4G:192M@", "expected an offset such as 16M after '@', found the end", 12),
    ("1G-4G:192M@16M,high", "unexpected ','", 15),
    ("1G-4G:192Q", "unknown size suffix 'Q' (use K, M, G, T, P or E)", 10),
    ("1G-4G:192M;", "unexpected ';'", 11),
]


@pytest.mark.parametrize(("value", "message", "column"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed(value: str, message: str, column: int) -> None:
    with pytest.raises(ck.CrashkernelError) as exc:
        ck.parse(value)
    assert exc.value.reason == message
    assert exc.value.column == column
    assert str(exc.value) == f"crashkernel={value}: {message} (column {column})"


# Several parameters on one line: (text, canonical command line) or (text, message, column).
PARAMS = [
    ("256M", "crashkernel=256M"),
    ("crashkernel=256M", "crashkernel=256M"),
    ("512M,high 128M,low", "crashkernel=512M,high crashkernel=128M,low"),
    ("crashkernel=512M,high  crashkernel=0,low", "crashkernel=512M,high crashkernel=0,low"),
    ("256M 64M,cma", "crashkernel=256M crashkernel=64M,cma"),
]
PARAMS_BAD = [
    ("", "empty value", 1),
    ("   ", "empty value", 1),
    ("256M 512M", "a second plain crashkernel= (the kernel would use only the last one)", 6),
    (
        "1G,high crashkernel=2G,high",
        "a second high crashkernel= (the kernel would use only the last one)",
        9,
    ),
    (
        "crashkernel=512M,high crashkernel=12Q,low",
        "unknown size suffix 'Q' (use K, M, G, T, P or E)",
        37,
    ),
]


@pytest.mark.parametrize(("text", "cmdline"), PARAMS, ids=[p[0] for p in PARAMS])
def test_params(text: str, cmdline: str) -> None:
    assert ck.to_cmdline(ck.parse_params(text)) == cmdline


@pytest.mark.parametrize(("text", "message", "column"), PARAMS_BAD, ids=[p[0] for p in PARAMS_BAD])
def test_params_bad(text: str, message: str, column: int) -> None:
    with pytest.raises(ck.CrashkernelError) as exc:
        ck.parse_params(text)
    assert (exc.value.reason, exc.value.column) == (message, column)


# The kernel compares ranges with the RAM rounded up to 128M (parse_crashkernel_mem).
ROUNDING = [
    (1023 * M, "1G-:256M", 256 * M),  # 1023M counts as 1G
    (1 * G, "1G-:256M", 256 * M),
    (1 * G + M, "1G-2G:256M", 256 * M),  # 1025M counts as 1152M
    (1 * G + M, "0-1G:128M,1G-:256M", 256 * M),
    (897 * M, "0-1G:128M", 0),  # 897M counts as 1G: outside 0-1G
    (896 * M, "0-1G:128M", 128 * M),
    (2 * G - 1, "2G-:512M", 512 * M),
]


@pytest.mark.parametrize(("memory", "value", "reserved"), ROUNDING)
def test_kernel_ram_rounding(memory: int, value: str, reserved: int) -> None:
    assert ck.parse(value).size_for(memory) == reserved


def test_recommend_size_arithmetic() -> None:
    terms = ck.recommend_terms(64, 1 * G, 10 * M, 8 * M)
    assert [t.amount for t in terms] == [128 * M, 40 * M, 8 * M, 16 * M]
    assert ck.recommend_size(64, 1 * G, 10 * M, 8 * M) == 192 * M  # 192M exactly
    assert ck.recommend_size(64, 1 * G, 10 * M, 9 * M) == 208 * M  # 193M -> next 16M
    assert ck.recommend_size(32, 512 * M) == 112 * M  # 96M + 8M -> 112M
    assert ck.recommend_size(64, 4 * G) == 192 * M  # what `size: auto` gives a 4G board
