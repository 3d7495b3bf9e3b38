"""Typed check results: one RequirementResult per requirement, with its evidence.

Statuses are an enum, explanations are data (terms with values, selectors,
locations); text and JSON are derived from them, never the reverse.
RESULT_SCHEMA documents the JSON form of CheckResult.to_dict().
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from kdumplayer.findings import Location
from kdumplayer.kconfig.configfile import Assignment
from kdumplayer.requirements import Requirement


class Status(enum.Enum):
    MET = "met"  # the final value is the wanted one (or n wanted on an absent symbol)
    UNMET = "unmet"  # defined, but the final value differs
    ABSENT = "absent"  # not defined in this kernel for this arch


@dataclass(frozen=True)
class Term:
    """One operand of a dependency or select expression, with its current value."""

    text: str  # "KEXEC_CORE", "!HIBERNATION", "KPROBES && HAVE_KPROBES"
    value: str  # y | m | n
    symbols: tuple[str, ...] = ()  # symbols the term mentions
    shown: str = ""  # the text with each symbol's value: "KPROBES [=n] && HAVE_KPROBES [=y]"

    def __str__(self) -> str:
        if self.shown and self.shown != f"{self.text} [={self.value}]":
            return f"{self.shown} => {self.value}" if self.symbols[1:] else self.shown
        return f"{self.text} [={self.value}]"


@dataclass(frozen=True)
class Explanation:
    """Why a symbol did not get the wanted value."""

    summary: str  # one line
    depends: str = ""  # the whole direct dependency, e.g. "ARCH_SUPPORTS_KEXEC [=y] && ..."
    depends_value: str = ""  # its value (y | m | n)
    blocking: tuple[Term, ...] = ()  # the AND terms of the dependency that are n
    # for a blocking symbol without a prompt: how it could be turned on
    # ("KEXEC_CORE has no prompt; selected by KEXEC [=n], KEXEC_FILE [=n]")
    blocking_detail: tuple[str, ...] = ()
    prompt: bool = True  # False: no prompt, only select/default can set it
    prompt_condition: tuple[Term, ...] = ()  # failing `prompt ... if COND` terms
    selected_by: tuple[Term, ...] = ()  # select terms (value n when not selecting)
    choice: str = ""  # the choice's prompt, when the symbol is a choice member
    choice_selection: str = ""  # the member the choice resolved to instead
    defined_at: tuple[Location, ...] = ()
    closest: tuple[str, ...] = ()  # for absent symbols
    renamed: tuple[str, ...] = ()  # known successors, for absent symbols
    overridden: tuple[tuple[Assignment, Assignment], ...] = ()  # (earlier, later) in fragments
    related: tuple[str, ...] = ()  # why what the fragment writes instead did not take

    def lines(self) -> tuple[str, ...]:
        """The explanation as text lines, most useful first."""
        out = [self.summary, *self.related]
        if self.blocking:
            out.append("blocked by " + ", ".join(str(t) for t in self.blocking))
            out.extend(self.blocking_detail)
        if self.depends:
            out.append(f"depends on [{self.depends_value}]: {self.depends}")
        if self.prompt_condition:
            out.append("prompt hidden: " + ", ".join(str(t) for t in self.prompt_condition))
        if not self.prompt:
            if self.selected_by:
                out.append("no prompt; selected by " + ", ".join(str(t) for t in self.selected_by))
            else:
                out.append("no prompt and nothing selects it")
        elif self.selected_by:
            out.append("selected by " + ", ".join(str(t) for t in self.selected_by))
        if self.choice:
            out.append(f"choice {self.choice!r} resolved to {self.choice_selection or 'nothing'}")
        for earlier, later in self.overridden:
            out.append(
                f"{earlier.where} sets {earlier.value}, overridden by {later.where} ({later.value})"
            )
        if self.renamed:
            out.append("known successor(s) in newer kernels: " + ", ".join(self.renamed))
        if self.closest:
            out.append("closest names here: " + ", ".join(self.closest))
        if self.defined_at:
            out.append("defined at " + ", ".join(str(loc) for loc in self.defined_at))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "depends": self.depends or None,
            "depends_value": self.depends_value or None,
            "blocking": [{"term": t.text, "value": t.value} for t in self.blocking],
            "blocking_detail": list(self.blocking_detail),
            "prompt": self.prompt,
            "prompt_condition": [{"term": t.text, "value": t.value} for t in self.prompt_condition],
            "selected_by": [{"term": t.text, "value": t.value} for t in self.selected_by],
            "choice": self.choice or None,
            "choice_selection": self.choice_selection or None,
            "defined_at": [str(loc) for loc in self.defined_at],
            "closest": list(self.closest),
            "renamed": list(self.renamed),
            "related": list(self.related),
            "overridden": [
                {
                    "earlier": e.where,
                    "earlier_value": e.value,
                    "later": la.where,
                    "later_value": la.value,
                }
                for e, la in self.overridden
            ],
        }


@dataclass(frozen=True)
class RequirementResult:
    requirement: Requirement
    status: Status
    symbol: str  # the symbol that decided (the requirement's or a met alternative)
    wanted: str  # the value the requirement wants
    final: str | None  # the final .config value; None when the symbol is not defined
    requested: Assignment | None = None  # the last fragment/base line that set it
    explanation: Explanation | None = None

    @property
    def met(self) -> bool:
        return self.status is Status.MET

    def why(self) -> tuple[str, ...]:
        return self.explanation.lines() if self.explanation else ()

    def to_dict(self) -> dict[str, Any]:
        req = self.requirement
        return {
            "symbol": self.symbol,
            "requirement": req.symbol,
            "alternatives": list(req.alternatives),
            "wanted": self.wanted,
            "final": self.final,
            "status": self.status.value,
            "met": self.met,
            "roles": list(req.roles),
            "reason": req.reason,
            "requested": None
            if self.requested is None
            else {
                "value": self.requested.value,
                "file": self.requested.file,
                "line": self.requested.line,
            },
            "explanation": None if self.explanation is None else self.explanation.to_dict(),
        }


@dataclass(frozen=True)
class CheckResult:
    kernel_version: str
    arch: str
    probes: str  # which tools answered the compiler probes
    base: str
    fragments: tuple[str, ...]
    items: tuple[RequirementResult, ...]
    unknown: tuple[Assignment, ...] = ()  # fragment lines naming symbols the tree lacks
    overridden: tuple[tuple[Assignment, Assignment], ...] = ()  # within the fragments
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(item.met for item in self.items)

    @property
    def unmet(self) -> tuple[RequirementResult, ...]:
        return tuple(item for item in self.items if not item.met)

    @property
    def assignments_ignored(self) -> tuple[Assignment, ...]:
        return (*self.unknown, *(earlier for earlier, _ in self.overridden))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kernel_version": self.kernel_version,
            "arch": self.arch,
            "probes": self.probes,
            "base": self.base,
            "fragments": list(self.fragments),
            "ok": self.ok,
            "requirements": [item.to_dict() for item in self.items],
            "unknown_symbols": [
                {"symbol": a.symbol, "value": a.value, "file": a.file, "line": a.line}
                for a in self.unknown
            ],
            "overridden": [
                {
                    "symbol": e.symbol,
                    "earlier": e.where,
                    "earlier_value": e.value,
                    "later": la.where,
                    "later_value": la.value,
                }
                for e, la in self.overridden
            ],
            "notes": list(self.notes),
        }


_TERMS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["term", "value"],
        "properties": {"term": {"type": "string"}, "value": {"enum": ["y", "m", "n"]}},
    },
}
_LOCATED = {
    "type": "object",
    "required": ["value", "file", "line"],
    "properties": {
        "value": {"type": "string"},
        "file": {"type": "string"},
        "line": {"type": "integer"},
    },
}

RESULT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "kdumplayer Kconfig check result (CheckResult.to_dict())",
    "type": "object",
    "required": [
        "kernel_version",
        "arch",
        "probes",
        "base",
        "fragments",
        "ok",
        "requirements",
        "unknown_symbols",
        "overridden",
        "notes",
    ],
    "properties": {
        "kernel_version": {"type": "string"},
        "arch": {"type": "string"},
        "probes": {"type": "string"},
        "base": {"type": "string"},
        "fragments": {"type": "array", "items": {"type": "string"}},
        "ok": {"type": "boolean"},
        "requirements": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "symbol",
                    "requirement",
                    "wanted",
                    "final",
                    "status",
                    "met",
                    "roles",
                    "reason",
                    "requested",
                    "explanation",
                ],
                "properties": {
                    "symbol": {"type": "string"},
                    "requirement": {"type": "string"},
                    "alternatives": {"type": "array", "items": {"type": "string"}},
                    "wanted": {"type": "string"},
                    "final": {"type": ["string", "null"]},
                    "status": {"enum": [s.value for s in Status]},
                    "met": {"type": "boolean"},
                    "roles": {
                        "type": "array",
                        "items": {"enum": ["system", "capture", "userspace", "board"]},
                    },
                    "reason": {"type": "string"},
                    "requested": {"oneOf": [{"type": "null"}, _LOCATED]},
                    "explanation": {
                        "oneOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": [
                                    "summary",
                                    "blocking",
                                    "selected_by",
                                    "closest",
                                    "renamed",
                                ],
                                "properties": {
                                    "summary": {"type": "string"},
                                    "depends": {"type": ["string", "null"]},
                                    "depends_value": {"type": ["string", "null"]},
                                    "blocking": _TERMS,
                                    "blocking_detail": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                    },
                                    "prompt": {"type": "boolean"},
                                    "prompt_condition": _TERMS,
                                    "selected_by": _TERMS,
                                    "choice": {"type": ["string", "null"]},
                                    "choice_selection": {"type": ["string", "null"]},
                                    "defined_at": {"type": "array", "items": {"type": "string"}},
                                    "closest": {"type": "array", "items": {"type": "string"}},
                                    "renamed": {"type": "array", "items": {"type": "string"}},
                                    "related": {"type": "array", "items": {"type": "string"}},
                                    "overridden": {"type": "array"},
                                },
                            },
                        ]
                    },
                },
            },
        },
        "unknown_symbols": {"type": "array", "items": {"type": "object"}},
        "overridden": {"type": "array", "items": {"type": "object"}},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}
