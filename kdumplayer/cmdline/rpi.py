"""Raspberry Pi cmdline.txt: the firmware reads only the first line, the command line."""

from __future__ import annotations

import re

from kdumplayer.cmdline.protocol import Format, Site, lines


def candidates(text: str, filename: str = "") -> list[Site]:
    first = next(lines(text))
    return [Site(first.start, first.end, 1)]


FORMAT = Format(
    name="rpi",
    what="no command line",
    filenames=("cmdline.txt", "*/cmdline.txt"),
    sniff=re.compile(r"\A[^\n#]*\b(console=|root=)[^\n]*\n?\Z"),
    candidates=candidates,
)
