"""The one reader of Buildroot defconfig text: `kdumplayer check --buildroot` (check/buildroot.py)
and the defconfig merge of `generate buildroot` (generate/br_merge.py) both read with it.

Strings are unquoted as Kconfig does (a backslash escapes the next character).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.errors import UserError

_SET = re.compile(r"^(BR2_[A-Za-z0-9_]+)=(.*)$")
_UNSET = re.compile(r"^# (BR2_[A-Za-z0-9_]+) is not set$")


@dataclass(frozen=True)
class Line:
    number: int
    raw: str  # the line, stripped
    key: str | None  # None for a comment or a blank line
    value: str  # unquoted; "n" for `# X is not set`
    unset: bool = False  # written as `# X is not set`


def read_lines(text: str, file: Path | str) -> list[Line]:
    """Every line of a defconfig; anything that is not an assignment or a comment is refused."""
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if match := _SET.match(line):
            lines.append(Line(number, line, match[1], unquote(match[2], file, number)))
        elif match := _UNSET.match(line):
            lines.append(Line(number, line, match[1], "n", unset=True))
        elif not line or line.startswith("#"):
            lines.append(Line(number, line, None, ""))
        else:
            raise UserError(f"not a Buildroot defconfig line: {line!r}", file=file, line=number)
    return lines


def unquote(value: str, file: Path | str, number: int) -> str:
    value = value.strip()
    if not value.startswith('"'):
        return value
    if len(value) < 2 or not value.endswith('"'):
        raise UserError(f"unterminated string {value!r}", file=file, line=number)
    return re.sub(r"\\(.)", r"\1", value[1:-1])


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
