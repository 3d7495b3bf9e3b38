"""QEMU start scripts and readmes: every `-append "..."` (or '...', or one bare word).

A quoted value is patched inside its quotes; a bare word gains double quotes
when a blank appears. Every occurrence is patched: a readme often shows one
command per way of booting.
"""

from __future__ import annotations

import re

from kdumplayer.cmdline.protocol import Format, Site, line_of
from kdumplayer.cmdline.shellwords import closing
from kdumplayer.errors import UserError

_APPEND = re.compile(r"(?<![\w-])--?append(?:[ \t]+|=)")


def candidates(text: str, filename: str = "") -> list[Site]:
    sites = []
    for match in _APPEND.finditer(text):
        pos = match.end()
        line_end = len(text) if text.find("\n", pos) < 0 else text.find("\n", pos)
        line_end -= 1 if text[line_end - 1 : line_end] == "\r" else 0
        line = line_of(text, pos)
        if pos < len(text) and text[pos] in "'\"":
            close = closing(text[:line_end], pos)
            if close < 0:
                raise UserError(
                    "the -append value's quote does not close on this line",
                    file=filename or None,
                    line=line,
                )
            sites.append(Site(pos + 1, close, line))
        else:
            end = pos
            while end < line_end and text[end] not in " \t;|&)\\":
                end += 1
            if end > pos:
                sites.append(Site(pos, end, line, shell_word=True))
    return sites


FORMAT = Format(
    name="qemu",
    what="no -append option",
    filenames=("start-qemu.sh", "*/start-qemu.sh", "readme.txt", "*/readme.txt", "*.sh"),
    sniff=re.compile(r"qemu-system-\w+[\s\S]*?(?<![\w-])--?append\s"),
    candidates=candidates,
)
