"""GRUB legacy menu.lst / grub.conf: the arguments of `kernel` lines, per `title` entry."""

from __future__ import annotations

import re

from kdumplayer.cmdline.protocol import Format, Site, lines

_KERNEL = re.compile(r"^\s*kernel\s+(?:--\S+\s+)*\S+")
_TITLE = re.compile(r"^\s*title\s+(.*?)\s*$")


def candidates(text: str, filename: str = "") -> list[Site]:
    sites = []
    title = None
    for line in lines(text):
        if line.text.lstrip().startswith("#"):
            continue
        match = _TITLE.match(line.text)
        if match:
            title = match.group(1)
            continue
        match = _KERNEL.match(line.text)
        if match:
            sites.append(
                Site(line.start + match.end(), line.end, line.number, title, lead_space=True)
            )
    return sites


FORMAT = Format(
    name="grub-legacy",
    what="no kernel line",
    filenames=("menu.lst", "grub.conf", "*/grub/menu.lst", "*/grub/grub.conf"),
    sniff=re.compile(r"^\s*title\s.*\n(?:.*\n)*?\s*kernel\s+\S", re.M),
    candidates=candidates,
    entry_kind="title",
)
