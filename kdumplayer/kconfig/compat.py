"""Kconfig syntax the kernel accepts and kconfiglib 14.1.0 rejects.

kconfiglib reads every Kconfig file through Kconfig._open(). CompatKconfig
overrides that one method to hand the parser a rewritten copy of each file,
in memory, with exactly the same number of lines. So:

- the user's tree is never modified and no shadow tree has to be kept in sync;
- every position kconfiglib reports (errors, MenuNode.filename/linenr, which
  the explanations quote) is the true file:line of the original;
- no kconfiglib code is patched: only file contents change, one line for one.

The rewrites (each keeps the line count; see tests/kconfig/data/compat/):

- bare `modules` (5.13+) -> `option modules` (the older spelling);
- `transitional` (6.18+) -> a prompt, so the symbol takes its value from the
  old .config like the C tools do; the names are recorded so evaluation leaves
  them out of the written .config (the C tools never write them);
- `depends on X if Y` (7.x) -> `depends on (X) || <Y = n>`, the C parser's
  own translation (menu_add_dep: X || (Y = n), with expr_trans_compare's
  rules for `Y = n` when Y is an expression);
- a stray `;` ending a property line (2.6.32 drivers/hwmon/Kconfig:319),
  which the C lexer ignores with a warning.

The 2.6-era entry point (no top-level Kconfig: arch/$SRCARCH/Kconfig) is
chosen in kdumplayer.kconfig.source.entry_kconfig.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import kconfiglib

MEMORY_CONFIG = "<kdumplayer: assignments>"
_CONFIG = re.compile(r"^\s*(?:menu)?config\s+([A-Za-z0-9_]+)\s*(?:#.*)?$")
_MODULES = re.compile(r"^(\s*)modules(\s*(?:#.*)?)$")
_TRANSITIONAL = re.compile(r"^(\s*)transitional(\s*(?:#.*)?)$")
_DEPENDS = re.compile(r"^(\s*depends\s+on\s+)(.*?)\s*$")
_HELP = re.compile(r"^\s*(?:---help---|help)\s*(?:#.*)?$")
_PROPERTY_SEMI = re.compile(
    r"^(\s*(?:bool|boolean|tristate|string|int|hex|prompt|def_bool|def_tristate|default)\b.*?)"
    r"\s*;\s*$"
)
_TOKEN = re.compile(
    r'\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|&&|\|\||!=|<=|>=|[()!=<>]|[^\s()!=<>&|"\']+)'
)


@dataclass
class CompatLog:
    """What the rewrites found, for the report and for evaluation."""

    transitional: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> file, line
    rewrites: list[tuple[str, int, str]] = field(default_factory=list)  # file, line, what


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "" or text[pos:].lstrip().startswith("#"):
            break
        match = _TOKEN.match(text, pos)
        if not match:
            break
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


def _split_if(tokens: list[str]) -> tuple[list[str], list[str]] | None:
    """Split `X if Y` at the top-level `if` token."""
    depth = 0
    for i, token in enumerate(tokens):
        depth += token == "("
        depth -= token == ")"
        if token == "if" and depth == 0:
            return tokens[:i], tokens[i + 1 :]
    return None


class _Expr:
    """A tiny Kconfig expression parser that writes `expr = n` / `expr = y` tests."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.pos = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> tuple:
        node = self.or_expr()
        if self.peek() is not None:
            raise ValueError("trailing tokens")
        return node

    def or_expr(self) -> tuple:
        node = self.and_expr()
        while self.peek() == "||":
            self.take()
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self) -> tuple:
        node = self.unary()
        while self.peek() == "&&":
            self.take()
            node = ("and", node, self.unary())
        return node

    def unary(self) -> tuple:
        token = self.peek()
        if token == "!":
            self.take()
            return ("not", self.unary())
        if token == "(":
            self.take()
            node = self.or_expr()
            if self.take() != ")":
                raise ValueError("unbalanced parentheses")
            return node
        if token is None:
            raise ValueError("missing operand")
        left = self.take()
        if self.peek() in ("=", "!=", "<", "<=", ">", ">="):
            op = self.take()
            return ("cmp", f"{left} {op} {self.take()}")
        return ("sym", left)


def _compare(node: tuple, equal: bool, value: str) -> str:
    """`node = value` (equal) or `node != value`, rewritten the way the C parser's
    expr_trans_compare() does it: a NOT flips the comparison instead of negating a
    tristate, so `!Y = n` is `Y != n` (y when Y is m), not `Y = y`."""
    kind = node[0]
    if kind == "sym":
        return f"{node[1]} {'=' if equal else '!='} {value}"
    if kind == "not":
        return _compare(node[1], not equal, value)
    if kind == "cmp":  # a comparison is y or n: `= y` keeps it, `= n` negates it
        return f"({node[1]})" if equal == (value == "y") else f"!({node[1]})"
    joiner = " && " if (kind == "and") == (value == "y") else " || "
    text = f"({_compare(node[1], True, value)}{joiner}{_compare(node[2], True, value)})"
    return text if equal else f"!{text}"


def rewrite_depends_if(dep: str) -> str | None:
    """`X if Y` -> `(X) || (Y = n)`, as menu_add_dep() builds it; None without an `if`."""
    parts = _split_if(_tokens(dep))
    if parts is None:
        return None
    cond, guard = parts
    if not cond or not guard:
        return None
    try:
        condition = _Expr(guard).parse()
    except (ValueError, IndexError):
        return None  # leave it to kconfiglib to report the line
    return f"({' '.join(cond)}) || {_compare(condition, True, 'n')}"


# A line any rewrite below could change: a superset of their patterns. Most Kconfig
# files have none, and one search is cheaper than walking their lines (the walk was
# a fifth of a parse).
_CANDIDATE = re.compile(
    r"^[^\S\n]*(?:modules|transitional)[^\S\n]*(?:#.*)?$"
    r"|^[^\S\n]*depends[^\S\n].*\bif\b|;[^\S\n]*$",
    re.M,
)


def rewrite(text: str, filename: str, log: CompatLog) -> str:
    """The file with each unsupported construct rewritten on its own line."""
    if not _CANDIDATE.search(text):
        return text
    lines = text.split("\n")
    current: str | None = None
    in_help = False
    help_indent = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if in_help:
            indent = len(line) - len(line.lstrip())
            if stripped and help_indent == -1:
                help_indent = indent
            if not stripped or indent >= help_indent >= 0:
                continue
            in_help = False
        if _HELP.match(line):
            in_help, help_indent = True, -1
            continue
        match = _CONFIG.match(line)
        if match:
            current = match.group(1)
            continue
        new = line
        if m := _MODULES.match(line):
            new = f"{m.group(1)}option modules{m.group(2)}"
        elif m := _TRANSITIONAL.match(line):
            new = f'{m.group(1)}prompt "transitional"{m.group(2)}'
            if current:
                log.transitional[current] = (filename, i + 1)
        elif m := _DEPENDS.match(line):
            dep = rewrite_depends_if(m.group(2))
            if dep is not None:
                new = f"{m.group(1)}{dep}"
        elif m := _PROPERTY_SEMI.match(line):
            new = m.group(1)
        if new != line:
            lines[i] = new
            log.rewrites.append((filename, i + 1, stripped))
    return "\n".join(lines)


class CompatKconfig(kconfiglib.Kconfig):
    """kconfiglib.Kconfig that parses the compat rewrite of each Kconfig file."""

    def __init__(self, filename: str, srctree: str, **kwargs: object) -> None:
        self.compat = CompatLog()
        self._compat_srctree = srctree.rstrip("/") + "/"
        self._compat_parsing = True
        try:
            super().__init__(filename, **kwargs)  # type: ignore[arg-type]
        finally:
            self._compat_parsing = False

    def _open(self, filename: str, mode: str):  # type: ignore[override]
        if filename == MEMORY_CONFIG:  # evaluate.py's assignments, never a file
            return io.StringIO(getattr(self, "pending_config", ""))
        if not (mode == "r" and getattr(self, "_compat_parsing", False)):
            return super()._open(filename, mode)
        with super()._open(filename, mode) as handle:
            text = handle.read()
        rel = (
            filename[len(self._compat_srctree) :]
            if filename.startswith(self._compat_srctree)
            else filename
        )
        return io.StringIO(rewrite(text, rel, self.compat))

    def __getstate__(self) -> dict:
        # The parser's file handle is gone after parsing; nothing else is unpicklable.
        state = {slot: getattr(self, slot) for slot in _slots() if hasattr(self, slot)}
        state["_readline"] = None
        state.update(self.__dict__)
        return state

    def __setstate__(self, state: dict) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)


def _slots() -> tuple[str, ...]:
    return tuple(kconfiglib.Kconfig.__slots__)
