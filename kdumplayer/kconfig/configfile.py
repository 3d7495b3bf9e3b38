"""Read .config files and fragments into located assignments.

The accepted lines are the ones the C tools read (scripts/kconfig/confdata.c,
conf_read_simple): `CONFIG_X=value` and `# CONFIG_X is not set`; blank lines
and other comments are skipped. Anything else is a UserError naming the file
and line, because a fragment line the C tools would silently ignore is a
fragment that does not do what its author thinks.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.errors import UserError

_HEADER = re.compile(r"^# Linux/([A-Za-z0-9_]+) (\d+\.\d+\S*) Kernel Configuration\s*$", re.M)
_HEADER_LINES = 8  # conf writes it on line 3; allow a few lines of other comments
_GZIP_MAGIC = b"\x1f\x8b"
_MAX_BYTES = 64 << 20  # a .config is well under 1 MiB; refuse to inflate anything huge
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
            if body[i + 1 :].strip():
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
    """The assignments in a config file (plain or gzip'd); UserError if it cannot be read."""
    name = shown or str(path)
    return parse_config_text(read_text(path, name), name)


@dataclass(frozen=True)
class Header:
    arch: str  # as written: x86, arm64, arm, riscv...
    version: str  # "6.1.0", "6.12.43-amd64"
    line: int


def read_text(path: Path, shown: str, *, strict: bool = False) -> str:
    """The text of a config file, plain or gzip'd. strict: binary or non-UTF-8 data is a
    UserError (a file that must be a kernel-written .config); else bytes pass through."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", file=shown) from None
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.GzipFile(fileobj=io.BytesIO(data)).read(_MAX_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise UserError(f"corrupt or truncated gzip data: {exc}", file=shown) from None
        if len(data) > _MAX_BYTES:
            raise UserError("not a kernel config: too large once decompressed", file=shown)
    if not strict:
        return data.decode("utf-8", errors="surrogateescape")
    if b"\0" in data:
        raise UserError("not a kernel config: binary data", file=shown)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"not a kernel config: not text (byte {exc.start} is not UTF-8)", file=shown
        ) from None


def header_of(text: str) -> Header | None:
    """The `# Linux/ARCH VERSION Kernel Configuration` line near the top, if any."""
    head = "\n".join(text.splitlines()[:_HEADER_LINES])
    match = _HEADER.search(head)
    if not match:
        return None
    line = head[: match.start()].count("\n") + 1
    return Header(match[1], match[2], line)


def header_of_file(path: Path) -> Header | None:
    """The header of a config file, or None (unreadable files are read_config's to report)."""
    try:
        return header_of(read_text(path, str(path), strict=True))
    except UserError:
        return None


def config_value_text(symbol_type: str, value: str) -> str:
    """A value as a .config writes it (strings quoted and escaped)."""
    if symbol_type == "string":
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return value
