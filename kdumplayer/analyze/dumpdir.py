"""What DUMP names: a dump directory the hook wrote (vmcore, vmcore-dmesg.txt,
summary.txt, `-incomplete` while unfinished) or a bare vmcore. Only reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kdumplayer.errors import UserError
from kdumplayer.verify.inspect import parse_summary

VMCORE, DMESG, SUMMARY = "vmcore", "vmcore-dmesg.txt", "summary.txt"
INCOMPLETE = "-incomplete"
VMCOREDESC = f"{VMCORE}, {DMESG} and {SUMMARY}"
_DUMP_NAME = re.compile(r"^\d{8}-\d{6}(?:-\d+)?$")


@dataclass(frozen=True)
class DumpInput:
    path: Path  # what the user named
    vmcore: Path
    dmesg: str | None = None  # vmcore-dmesg.txt when the hook saved it
    summary: dict[str, str] = field(default_factory=dict)
    directory: Path | None = None


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None


def locate(path: Path) -> DumpInput:
    """The vmcore and its companions; UserError for anything that is not a finished dump."""
    if not path.exists():
        raise UserError("no such file or directory", file=path)
    if path.is_file():
        if path.name.endswith(INCOMPLETE):
            raise UserError(
                "an -incomplete vmcore: the capture did not finish writing it "
                "(see the dump's summary.txt)",
                file=path,
            )
        return DumpInput(path=path, vmcore=path)
    if not path.is_dir():
        raise UserError("not a file or directory", file=path)
    names = {p.name for p in path.iterdir()}
    if not names:
        raise UserError(f"an empty directory, not a dump (a dump holds {VMCOREDESC})", file=path)
    summary = parse_summary(_text(path / SUMMARY) or "")
    if VMCORE not in names:
        if VMCORE + INCOMPLETE in names:
            status = summary.get("status", "no summary.txt")
            raise UserError(
                f"{VMCORE}{INCOMPLETE}: the capture did not finish writing the "
                f"vmcore (summary: {status})",
                file=path,
            )
        dumps = sorted(n for n in names if _DUMP_NAME.match(n) and (path / n).is_dir())
        if dumps:
            raise UserError(
                f"a directory of {len(dumps)} dump(s), not one dump: name one, "
                f"e.g. {path / dumps[-1]}",
                file=path,
            )
        raise UserError(f"not a dump: no {VMCORE} here (a dump holds {VMCOREDESC})", file=path)
    return DumpInput(
        path=path, vmcore=path / VMCORE, dmesg=_text(path / DMESG), summary=summary, directory=path
    )
