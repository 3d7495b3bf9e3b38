"""/etc/default/grub: GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT, keeping their quoting.

The file is shell sourced by grub-mkconfig: the inside of "..." or '...' is
patched; an unquoted value gains double quotes only when a blank appears. An
assignment that builds on the variable itself ("$GRUB_CMDLINE_LINUX more") is
an append; see protocol.choose_chained for which assignment is patched.
"""

from __future__ import annotations

import re

from kdumplayer.cmdline.protocol import Format, Site, lines
from kdumplayer.cmdline.shellwords import closing
from kdumplayer.errors import UserError

VARIABLES = ("GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT")
_ASSIGN = re.compile(r"^\s*(?:export\s+)?(GRUB_CMDLINE_LINUX(?:_DEFAULT)?)=")


def candidates(text: str, filename: str = "") -> list[Site]:
    sites = []
    for line in lines(text):
        match = _ASSIGN.match(line.text)
        if not match:
            continue
        name = match.group(1)
        pos = line.start + match.end()
        quote = text[pos] if pos < line.end else ""
        if quote in ("'", '"'):
            close = closing(text[: line.end], pos)
            if close < 0:
                raise UserError(
                    f"{name}: the {quote} quote does not close on this line",
                    file=filename or None,
                    line=line.number,
                )
            start, end, shell_word = pos + 1, close, False
        else:
            end = pos
            while end < line.end and text[end] not in " \t;#":
                end += 1
            start, shell_word = pos, True
        value = text[start:end]
        fresh = not re.search(r"\$\{?" + name + r"\b", value)
        sites.append(
            Site(
                start,
                end,
                line.number,
                name,
                lead_space=False,
                shell_word=shell_word,
                fresh=fresh,
                group=name,
            )
        )
    return sites


FORMAT = Format(
    name="grub-default",
    what="no GRUB_CMDLINE_LINUX or GRUB_CMDLINE_LINUX_DEFAULT assignment",
    filenames=("*/default/grub", "grub", "*/default/grub.d/*.cfg"),
    sniff=re.compile(r"^\s*(export\s+)?GRUB_CMDLINE_LINUX(_DEFAULT)?=", re.M),
    candidates=candidates,
    entry_kind="variable",
    chained=True,
    preference=VARIABLES,
)
