"""Shell-like word splitting with offsets, for GRUB script and U-Boot hush lines.

Only what is needed to find a command's words: '...' is literal, "..." and bare
words take backslash escapes, a word ends at an unquoted blank or ';', and '#'
at the start of a word begins a comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from kdumplayer.errors import UserError


@dataclass(frozen=True)
class Token:
    start: int  # offsets into the text the line came from
    end: int
    raw: str  # as written, quotes included

    @property
    def value(self) -> str:
        """The word with one level of quoting removed (no expansion)."""
        out, i, quote = [], 0, ""
        raw = self.raw
        while i < len(raw):
            ch = raw[i]
            if quote == "'":
                if ch == "'":
                    quote = ""
                else:
                    out.append(ch)
            elif ch == "\\" and i + 1 < len(raw):
                i += 1
                out.append(raw[i])
            elif ch in "'\"" and quote in ("", ch):
                quote = "" if quote else ch
            else:
                out.append(ch)
            i += 1
        return "".join(out)

    def quoted_whole(self) -> str | None:
        """The quote character if the token is one quoted string ("..." or '...')."""
        raw = self.raw
        if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0]:
            inner = raw[1:-1]
            if raw[0] == "'" and "'" not in inner:
                return "'"
            if raw[0] == '"' and closing(raw, 0) == len(raw) - 1:
                return '"'
        return None


def closing(text: str, pos: int) -> int:
    """Index of the quote closing the one at `pos`, or -1."""
    quote = text[pos]
    i = pos + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    return -1


def split(
    text: str, start: int, end: int, *, file: str = "", line: int | None = None
) -> list[Token]:
    """The words of text[start:end]; ';' is a word of its own; stops at a comment."""
    tokens: list[Token] = []
    i = start
    while i < end:
        ch = text[i]
        if ch in " \t":
            i += 1
            continue
        if ch == "#":
            break
        if ch == ";":
            tokens.append(Token(i, i + 1, ";"))
            i += 1
            continue
        j = i
        while j < end and text[j] not in " \t;":
            if text[j] in "'\"":
                close = closing(text[:end], j)
                if close < 0:
                    raise UserError(f"unterminated {text[j]} quote", file=file or None, line=line)
                j = close + 1
            elif text[j] == "\\":
                j += 2
            else:
                j += 1
        j = min(j, end)
        tokens.append(Token(i, j, text[i:j]))
        i = j
    return tokens


SEPARATORS = (";", "&&", "||")


def commands(tokens: list[Token]) -> list[list[Token]]:
    """Tokens grouped into commands at ';', '&&' and '||', dropping leading then/else/do."""
    out: list[list[Token]] = [[]]
    for tok in tokens:
        if tok.raw in SEPARATORS:
            out.append([])
        elif not out[-1] and tok.raw in ("then", "else", "do", "{"):
            continue
        else:
            out[-1].append(tok)
    return [c for c in out if c]
