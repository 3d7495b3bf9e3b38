"""Read .config files and fragments into located assignments.

The accepted lines are the ones the C tools read (scripts/kconfig/confdata.c,
conf_read_simple): `CONFIG_X=value` and `# CONFIG_X is not set`; blank lines
and other comments are skipped. Anything else is a UserError naming the file
and line, because a fragment line the C tools would silently ignore is a
fragment that does not do what its author thinks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.errors import UserError

_SET = re.compile(r"^CONFIG_([A-Za-z0-9_]+)=(.*)$")
_UNSET = re.compile(r"^# CONFIG_([A-Za-z0-9_]+) is not set\s*$")


@dataclass(frozen=True)
class Assignment:
    """One `CONFIG_X=value` line; value is unquoted ("y", "n", "0x1000000", "text")."""

    symbol: str
    value: str
    file: str
    line: int
    raw: str  # the value as written (quoted for strings), for writing it back

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def config_line(self) -> str:
        if self.value == "n" and self.raw == "n":
            return f"# CONFIG_{self.symbol} is not set"
        return f"CONFIG_{self.symbol}={self.raw}"


def _unquote(raw: str, file: str, line: int) -> str:
    if not raw.startswith('"'):
        return raw
    body, out, i = raw[1:], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
            continue
        if char == '"':
            if body[i + 1:].strip():
                raise UserError("text after the closing quote", file=file, line=line)
            return "".join(out)
        out.append(char)
        i += 1
    raise UserError("unterminated string value", file=file, line=line)


def parse_config_text(text: str, file: str) -> list[Assignment]:
    """The assignments in a .config or fragment text, in order."""
    result = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.rstrip("\r\n")
        if match := _UNSET.match(stripped):
            result.append(Assignment(match.group(1), "n", file, number, "n"))
            continue
        if not stripped.strip() or stripped.lstrip().startswith("#"):
            continue
        match = _SET.match(stripped.strip())
        if not match:
            raise UserError(
                f"not an assignment (expected CONFIG_NAME=value or '# CONFIG_NAME is not set'): "
                f"{stripped.strip()[:60]!r}",
                file=file,
                line=number,
            )
        # An empty value is what the C tools write for an int/hex symbol without one
        # (before 6.8); they read it back as "no value", and so does evaluation.
        raw = match.group(2).strip()
        result.append(Assignment(match.group(1), _unquote(raw, file, number), file, number, raw))
    return result


def read_config(path: Path, shown: str | None = None) -> list[Assignment]:
    """The assignments in a config file; UserError if it cannot be read."""
    name = shown or str(path)
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", file=name) from None
    return parse_config_text(text, name)


def config_value_text(symbol_type: str, value: str) -> str:
    """A value as a .config writes it (strings quoted and escaped)."""
    if symbol_type == "string":
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return value
