"""U-Boot boot scripts (boot.cmd, boot.txt): `setenv bootargs ...` and `env set bootargs ...`.

The value may be one quoted string (patched inside the quotes) or several
words (setenv joins them with blanks), and may be built from other variables
(`"console=${console} root=${rootdev}"`). A variable whose quoted value is
itself a script (`setenv mmcargs 'setenv bootargs ...'`) is searched too. An
assignment that builds on `${bootargs}` is an append; see
protocol.choose_chained for which assignment is patched.
"""

from __future__ import annotations

import re

from kdumplayer.cmdline.protocol import Format, Site, line_of, lines
from kdumplayer.cmdline.shellwords import Token, commands, split

_SELF = re.compile(r"\$\{?bootargs\b")


def _assignment(cmd: list[Token]) -> tuple[str, list[Token], Token] | None:
    """(name, value words, the name's token) of a setenv / env set command."""
    if cmd[0].raw == "setenv" and len(cmd) >= 2:
        return cmd[1].value, cmd[2:], cmd[1]
    if cmd[0].raw == "env" and len(cmd) >= 3 and cmd[1].raw == "set":
        return cmd[2].value, cmd[3:], cmd[2]
    return None


def script_sites(
    text: str, start: int, end: int, entry: str | None, filename: str = ""
) -> list[Site]:
    """The bootargs assignments in the script text[start:end] (one line, or a value)."""
    sites: list[Site] = []
    line = line_of(text, start)
    for cmd in commands(split(text, start, end, file=filename, line=line)):
        found = _assignment(cmd)
        if not found:
            continue
        name, value, name_tok = found
        if not value:
            continue  # `setenv bootargs` deletes the variable: no command line there
        if name != "bootargs":
            if len(value) == 1 and value[0].quoted_whole() and "bootargs" in value[0].raw:
                inner = value[0]
                sites += script_sites(text, inner.start + 1, inner.end - 1, name, filename)
            continue
        raw = text[value[0].start : value[-1].end]
        fresh = not _SELF.search(raw)
        if len(value) == 1 and value[0].quoted_whole():
            sites.append(
                Site(
                    value[0].start + 1, value[0].end - 1, line, entry, fresh=fresh, group="bootargs"
                )
            )
        else:
            sites.append(
                Site(
                    name_tok.end,
                    value[-1].end,
                    line,
                    entry,
                    lead_space=True,
                    fresh=fresh,
                    group="bootargs",
                )
            )
    return sites


def candidates(text: str, filename: str = "") -> list[Site]:
    sites = []
    for line in lines(text):
        if "bootargs" in line.text:
            sites += script_sites(text, line.start, line.end, None, filename)
    return sites


FORMAT = Format(
    name="u-boot",
    what="no 'setenv bootargs ...' or 'env set bootargs ...'",
    filenames=("boot.cmd", "boot.txt", "*.cmd", "boot*.scr.txt"),
    sniff=re.compile(r"(^|[;\s'\"])(setenv|env\s+set)\s+bootargs\s", re.M),
    candidates=candidates,
    chained=True,
    preference=("bootargs",),
)
