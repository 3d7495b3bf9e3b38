"""systemd-boot loader entries (loader/entries/*.conf): `options` lines.

Several `options` lines are joined into one command line, so a new
crashkernel= goes to the last one only; an existing one is replaced where it is.
"""

from __future__ import annotations

import re

from kdumplayer.cmdline.protocol import Format, Site, lines

_OPTIONS = re.compile(r"^\s*options(?=\s|$)")
_TITLE = re.compile(r"^\s*title\s+(.*?)\s*$")


def candidates(text: str, filename: str = "") -> list[Site]:
    sites = []
    title = None
    for line in lines(text):
        match = _TITLE.match(line.text)
        if match:
            title = match.group(1)
            continue
        match = _OPTIONS.match(line.text)
        if match:
            sites.append(
                Site(
                    line.start + match.end(),
                    line.end,
                    line.number,
                    title,
                    lead_space=True,
                    group="options",
                )
            )
    # All but the last options line count as "not fresh": the chained choice takes the last.
    return [
        s
        if s is sites[-1]
        else Site(s.start, s.end, s.line, s.entry, lead_space=True, fresh=False, group="options")
        for s in sites
    ]


FORMAT = Format(
    name="systemd-boot",
    what="no options line",
    filenames=("*/loader/entries/*.conf", "loader/entries/*.conf"),
    sniff=re.compile(
        r"^\s*(linux|efi|uki)\s+\S[\s\S]*^\s*options\s|^\s*options\s[\s\S]*"
        r"^\s*(linux|efi|uki)\s+\S",
        re.M,
    ),
    candidates=candidates,
    chained=True,
    preference=("options",),
)
