"""extlinux.conf / syslinux.cfg: APPEND (any case) lines, per LABEL.

A label is named by its LABEL and also by its MENU LABEL text. An APPEND before
the first LABEL is the global one (no entry name). `APPEND -` means "no
command line" and is left alone.
"""

from __future__ import annotations

import re

from kdumplayer.cmdline.protocol import Format, Site, lines

_LABEL = re.compile(r"^\s*label\s+(.*?)\s*$", re.I)
_MENU_LABEL = re.compile(r"^\s*menu\s+label\s+(.*?)\s*$", re.I)
_APPEND = re.compile(r"^\s*append(?=\s|$)", re.I)


def candidates(text: str, filename: str = "") -> list[Site]:
    sites: list[Site] = []
    label: str | None = None
    menu_label: str | None = None
    pending: list[int] = []  # sites of the current label, to get its MENU LABEL alias
    for line in lines(text):
        if line.text.lstrip().startswith("#"):
            continue
        match = _LABEL.match(line.text)
        if match:
            label, menu_label, pending = match.group(1), None, []
            continue
        match = _MENU_LABEL.match(line.text)
        if match and label is not None:
            menu_label = match.group(1)
            for index in pending:
                old = sites[index]
                sites[index] = Site(
                    old.start, old.end, old.line, old.entry, (menu_label,), lead_space=True
                )
            continue
        match = _APPEND.match(line.text)
        if match and line.text[match.end() :].strip() != "-":
            aliases = (menu_label,) if menu_label else ()
            pending.append(len(sites))
            sites.append(
                Site(
                    line.start + match.end(), line.end, line.number, label, aliases, lead_space=True
                )
            )
    return sites


FORMAT = Format(
    name="extlinux",
    what="no APPEND line",
    filenames=("extlinux.conf", "syslinux.cfg", "isolinux.cfg", "*/pxelinux.cfg/*"),
    sniff=re.compile(r"^\s*label\s.*\n(?:.*\n)*?\s*(append|kernel|linux)\s", re.M | re.I),
    candidates=candidates,
    entry_kind="label",
)
