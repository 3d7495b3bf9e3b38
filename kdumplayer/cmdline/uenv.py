"""U-Boot uEnv.txt (`env import -t`): `bootargs=`, `optargs=`, `cmdline=`, `extraargs=` values.

Values run to the end of the line, unquoted. A value that is a script
(`mmcargs=setenv bootargs console=${console} ${optargs}`) is searched for
`setenv bootargs` too. Without --entry the first of bootargs, optargs, cmdline,
extraargs present is patched, then a script's `setenv bootargs`.
"""

from __future__ import annotations

import re

from kdumplayer.cmdline.protocol import Format, Site, lines
from kdumplayer.cmdline.uboot import script_sites

DIRECT = ("bootargs", "optargs", "cmdline", "extraargs")
NESTED = "setenv bootargs"
_VAR = re.compile(r"^([A-Za-z0-9_.]+)=")


def candidates(text: str, filename: str = "") -> list[Site]:
    sites: list[Site] = []
    for line in lines(text):
        match = _VAR.match(line.text)
        if not match:
            continue
        name = match.group(1)
        start = line.start + match.end()
        if name in DIRECT:
            fresh = not re.search(r"\$\{?" + re.escape(name) + r"\b", line.text[match.end() :])
            sites.append(Site(start, line.end, line.number, name, fresh=fresh, group=name))
        elif "bootargs" in line.text:
            for site in script_sites(text, start, line.end, name, filename):
                sites.append(
                    Site(
                        site.start,
                        site.end,
                        site.line,
                        name,
                        lead_space=site.lead_space,
                        fresh=site.fresh,
                        group=NESTED,
                    )
                )
    return sites


FORMAT = Format(
    name="uenv",
    what="no bootargs=, optargs=, cmdline= or extraargs= line, nor a 'setenv bootargs' value",
    filenames=("uenv.txt", "*/uenv.txt", "uenv*.txt"),
    sniff=re.compile(r"^(bootargs|optargs|uenvcmd|cmdline)=", re.M),
    candidates=candidates,
    entry_kind="variable",
    chained=True,
    preference=(*DIRECT, NESTED),
)
