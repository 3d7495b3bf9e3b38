"""The one patch protocol every bootloader format shares.

A format module finds *sites*: spans of the file's text that hold kernel
command-line words (a GRUB `linux` line's arguments, the inside of a quoted
GRUB_CMDLINE_LINUX, an extlinux APPEND, ...). This module edits the words of a
span and nothing else, so every byte outside the crashkernel= words stays put.

Editing rules (they make set idempotent and remove the exact inverse of set):
- set: the first crashkernel= word is replaced by the new words, the others are
  removed; with none, the words are appended after the last word of the span,
  after one space.
- remove: each crashkernel= word goes together with the blanks before it (or,
  when it is the first word, the blanks after it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from kdumplayer.errors import UserError

# A crashkernel= word: starts a word (after a blank, a quote or the span start).
WORD = re.compile(r"(?<![^\s\"'])crashkernel=[^\s\"';]*")
_BLANK = " \t"


@dataclass(frozen=True)
class Site:
    """One span of command-line words in a file."""

    start: int  # offsets into the text; the span never holds a line break
    end: int
    line: int  # 1-based line of the span
    entry: str | None = None  # menu entry title, label or variable it belongs to
    aliases: tuple[str, ...] = ()  # other names --entry may use (submenu paths, MENU LABEL)
    lead_space: bool = False  # the span follows a command word: a first word needs a blank
    shell_word: bool = False  # one unquoted shell word: quote it when a blank appears
    fresh: bool = True  # for chained assignments: does not build on its own old value
    group: str = ""  # a format's grouping key (e.g. the variable name)

    def names(self) -> tuple[str, ...]:
        return ((self.entry,) if self.entry is not None else ()) + self.aliases


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    start: int  # offset of the first character
    text: str  # without the line ending

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def lines(text: str) -> Iterator[Line]:
    """The lines of `text` with their offsets; CR of a CRLF is not part of the line."""
    pos = 0
    for number, chunk in enumerate(text.split("\n"), start=1):
        body = chunk[:-1] if chunk.endswith("\r") else chunk
        yield Line(number, pos, body)
        pos += len(chunk) + 1


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def words(span: str) -> list[str]:
    """The crashkernel= words in a span."""
    return [m.group(0) for m in WORD.finditer(span)]


def _remove_at(span: str, start: int, end: int, lead_space: bool) -> str:
    before = start
    while before > 0 and span[before - 1] in _BLANK:
        before -= 1
    if before < start and (before > 0 or lead_space):
        return span[:before] + span[end:]
    after = end
    while after < len(span) and span[after] in _BLANK:
        after += 1
    if after > end and after < len(span):
        return span[:start] + span[after:]
    return span[:start] + span[end:]


def set_in_span(span: str, new: str, lead_space: bool) -> str:
    """`span` with its crashkernel= words replaced by `new` (or `new` appended)."""
    found = list(WORD.finditer(span))
    if found:
        for match in reversed(found[1:]):
            span = _remove_at(span, match.start(), match.end(), lead_space)
        first = found[0]
        return span[: first.start()] + new + span[first.end() :]
    last = len(span.rstrip())
    if last > 0 or lead_space:
        return span[:last] + " " + new + span[last:]
    return new + span


def remove_from_span(span: str, lead_space: bool) -> str:
    for match in reversed(list(WORD.finditer(span))):
        span = _remove_at(span, match.start(), match.end(), lead_space)
    return span


@dataclass
class Format:
    """What a format module registers: its name, how to find it, how to find its sites."""

    name: str
    what: str  # the command-line lines it patches, for error messages
    filenames: tuple[str, ...]  # fnmatch patterns on the path (lower-cased)
    sniff: re.Pattern[str]  # content that marks this format
    candidates: Callable[[str, str], list[Site]]  # (text, filename for errors)
    entry_kind: str | None = None  # "menu entry", "label", "variable"; None: no --entry
    chained: bool = False  # assignments build on each other (U-Boot, /etc/default/grub)
    preference: tuple[str, ...] = field(default=())  # chained: groups to try in order


def choose_chained(sites: Sequence[Site], text: str, preference: Sequence[str]) -> list[Site]:
    """For formats whose assignments run in sequence: patch the assignments that already
    hold crashkernel=; else the fresh ones of the first preferred group; else its appends.
    Patching both a fresh value and a later `${x} more` would add the words twice."""
    holding = [s for s in sites if words(text[s.start : s.end])]
    if holding:
        return holding
    groups = list(preference) + sorted({s.group for s in sites} - set(preference))
    for group in groups:
        members = [s for s in sites if s.group == group]
        if members:
            fresh = [s for s in members if s.fresh]
            return fresh or members
    return []


def select_entry(sites: Sequence[Site], entry: str, fmt: Format, filename: str) -> list[Site]:
    if fmt.entry_kind is None:
        raise UserError(
            f"--entry does not apply to the {fmt.name} format", file=filename or None, key="entry"
        )
    chosen = [s for s in sites if entry in s.names()]
    if not chosen:
        known = sorted({s.entry for s in sites if s.entry is not None})
        listing = ", ".join(repr(k) for k in known) or "none"
        raise UserError(
            f"no {fmt.entry_kind} {entry!r} with a kernel command line (found: {listing})",
            file=filename or None,
            key="entry",
        )
    return chosen


def apply(text: str, sites: Sequence[Site], edit: str, new: str = "") -> str:
    """Apply `edit` ("set" or "remove") to every site, last first so offsets hold."""
    for site in sorted(sites, key=lambda s: s.start, reverse=True):
        span = text[site.start : site.end]
        changed = (
            set_in_span(span, new, site.lead_space)
            if edit == "set"
            else (remove_from_span(span, site.lead_space))
        )
        if site.shell_word and re.search(r"\s", changed) and not re.search(r"\s", span):
            changed = f'"{changed}"'
        text = text[: site.start] + changed + text[site.end :]
    return text
