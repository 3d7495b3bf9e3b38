"""One Finding type for every rule kdumplayer checks: crashkernel= rules, kexec-tools
compatibility, Buildroot conventions of the generated tree, the Buildroot side of a
defconfig check. A finding names its rule, says how bad it is, and where."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"  # will not work as meant: the check fails
    WARNING = "warning"  # likely wrong for this board
    NOTE = "note"  # advice
    OK = "ok"  # a check that passed, reported with what it found


@dataclass(frozen=True)
class Location:
    """A file, and the line in it when known: where to look, or what to change."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Finding:
    rule: str  # the rule's id, stable (tests, JSON, CI annotations)
    severity: Severity
    message: str
    location: Location | None = None
    key: str | None = None  # the part of the setting it concerns (crashkernel: "offset")
    evidence: str = ""  # how the rule is known to hold (kexec-tools compatibility data)

    @property
    def problem(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def ok(self) -> bool:
        return not self.problem

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message} [{self.rule}]"
