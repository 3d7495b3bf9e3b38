"""GRUB 2 grub.cfg: the arguments of `linux`, `linux16` and `linuxefi` lines, per menuentry.

An entry is named by its title; one inside a submenu also by the GRUB_DEFAULT
style path `Submenu title>Entry title`.
"""

from __future__ import annotations

import re

from kdumplayer.cmdline.protocol import Format, Site, lines
from kdumplayer.cmdline.shellwords import commands, split

LINUX_COMMANDS = ("linux", "linux16", "linuxefi")


def candidates(text: str, filename: str = "") -> list[Site]:
    sites: list[Site] = []
    stack: list[str | None] = []  # menu titles of the open blocks (None: other blocks)
    for line in lines(text):
        tokens = split(text, line.start, line.end, file=filename, line=line.number)
        for cmd in commands(tokens):
            head = cmd[0].raw
            if head in ("menuentry", "submenu") and cmd[-1].raw.endswith("{"):
                title = cmd[1].value if len(cmd) > 2 else None
                stack.append(title)
                continue
            if head == "}" or (cmd[-1].raw == "}" and head not in LINUX_COMMANDS):
                if stack:
                    stack.pop()
                continue
            if cmd[-1].raw.endswith("{") and head not in LINUX_COMMANDS:
                stack.append(None)  # function or other block
                continue
            if head in LINUX_COMMANDS and len(cmd) >= 2:
                titles = [t for t in stack if t is not None]
                entry = titles[-1] if titles else None
                path = ">".join(titles)
                aliases = (path,) if len(titles) > 1 else ()
                sites.append(
                    Site(cmd[1].end, cmd[-1].end, line.number, entry, aliases, lead_space=True)
                )
    return sites


FORMAT = Format(
    name="grub",
    what="no linux, linux16 or linuxefi line",
    filenames=("grub.cfg", "grub2.cfg", "grub-*.cfg", "*/grub/*.cfg", "*/grub2/*.cfg"),
    sniff=re.compile(r"^\s*(menuentry|submenu|linux16|linuxefi)\s", re.M),
    candidates=candidates,
    entry_kind="menu entry",
)
