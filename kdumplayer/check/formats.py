"""Check results as text, JSON, JUnit XML or GitHub Actions annotations.

The input is a list of ConfigOutcome values: one checked configuration each
(a kernel defconfig or .config, a Buildroot defconfig, a Yocto machine), with
the outcome of every kdump requirement and the Buildroot-side findings. The
data comes from the Kconfig library (kdumplayer.kconfig) through
kdumplayer.check.runner; this module only formats it. Every format is a pure
function returning a string; the JSON layout is documented in docs/ci.md
(Reports) and versioned by SCHEMA_ID.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from kdumplayer.findings import Finding, Location
from kdumplayer.kconfig.result import Status

SCHEMA_ID = "kdumplayer-check/1"
FORMATS = ("text", "json", "junit", "github")


@dataclass(frozen=True)
class RequirementOutcome:
    symbol: str
    requested: str
    final: str | None  # None: the symbol is not defined in this kernel
    status: Status  # the Kconfig library's status, carried as it is
    reason: str = ""
    why: tuple[str, ...] = ()  # explanation lines, most useful first
    location: Location | None = None
    details: dict[str, Any] = field(default_factory=dict)  # structured explanation (JSON)

    @property
    def met(self) -> bool:
        return self.status is Status.MET

    @property
    def final_text(self) -> str:
        return "(not defined)" if self.final is None else self.final or '""'


@dataclass(frozen=True)
class ConfigOutcome:
    name: str  # what the user named: a path or a defconfig name
    kind: str  # kernel | buildroot | yocto
    arch: str
    source: str
    kernel_version: str | None
    toolchain: str  # what ran the compiler probes (dummy tools, host, a prefix)
    base: str
    fragments: tuple[str, ...] = ()
    requirements: tuple[RequirementOutcome, ...] = ()
    buildroot: tuple[Finding, ...] = ()
    anchor: Location | None = None  # the file of this config, for annotations
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    fix: str | None = None  # the fix fragment's text, when one was asked for
    # Why this config could not be evaluated (an arch kdumplayer does not handle, no
    # kernel source for its version); the others of the batch are still checked.
    error: str | None = None

    @property
    def state(self) -> str:
        """passed | failed | error"""
        if self.error is not None:
            return "error"
        return "passed" if not self.unmet and not self.failed_findings else "failed"

    @property
    def unmet(self) -> list[RequirementOutcome]:
        return [r for r in self.requirements if not r.met]

    @property
    def failed_findings(self) -> list[Finding]:
        return [f for f in self.buildroot if not f.ok]

    @property
    def passed(self) -> bool:
        return self.state == "passed"

    @property
    def first_failure(self) -> str:
        if self.error is not None:
            return "error"
        if self.unmet:
            return self.unmet[0].symbol
        if self.failed_findings:
            return f"buildroot:{self.failed_findings[0].rule}"
        return "-"


def render(outcomes: list[ConfigOutcome], fmt: str, *, verbose: bool = False) -> str:
    if fmt == "text":
        return text(outcomes, verbose=verbose)
    if fmt == "json":
        return to_json(outcomes)
    if fmt == "junit":
        return junit(outcomes)
    if fmt == "github":
        return github(outcomes)
    raise ValueError(f"unknown format {fmt!r}")


# -- text -------------------------------------------------------------------


def _relpath(path: str) -> str:
    """Paths under the working directory as relative paths (what CI annotations need)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def text(outcomes: list[ConfigOutcome], *, verbose: bool = False) -> str:
    """Details for every config (each requirement when one config or verbose), then a table."""
    lines: list[str] = []
    show_all = verbose or len(outcomes) == 1
    for outcome in outcomes:
        if outcome.error is not None:
            where = f" ({_relpath(str(outcome.anchor))})" if outcome.anchor else ""
            lines += [
                f"ERROR {outcome.name} ({outcome.arch}): not evaluated: {outcome.error}{where}",
                "",
            ]
            continue
        met = sum(r.met for r in outcome.requirements)
        state = "PASS" if outcome.passed else "FAIL"
        version = f"linux {outcome.kernel_version}" if outcome.kernel_version else "linux ?"
        lines.append(
            f"{state} {outcome.name} ({outcome.arch}, {version}, {outcome.toolchain}): "
            f"{met}/{len(outcome.requirements)} requirements met"
        )
        lines.append(
            f"  base: {outcome.base}"
            + (
                f"; fragments: {', '.join(map(_relpath, outcome.fragments))}"
                if outcome.fragments
                else ""
            )
        )
        lines += [f"  note: {note}" for note in outcome.notes]
        for req in outcome.requirements:
            if req.met and not show_all:
                continue
            mark = "ok  " if req.met else "FAIL"
            lines.append(
                f"  {mark} {req.symbol}: requested {req.requested}, final {req.final_text}"
            )
            if not req.met:
                lines += [f"         {why}" for why in req.why]
                if req.location:
                    lines.append(f"         change: {_relpath(str(req.location))}")
        for finding in outcome.buildroot:
            if finding.ok and not show_all:
                continue
            mark = "ok  " if finding.ok else "FAIL"
            where = (
                f" ({_relpath(finding.location.file)}:{finding.location.line})"
                if not finding.ok and finding.location and finding.location.line
                else ""
            )
            lines.append(f"  {mark} buildroot {finding.rule}: {finding.message}{where}")
        lines.append("")
    lines += summary_table(outcomes)
    return "\n".join(lines) + "\n"


def _counts(o: ConfigOutcome) -> str:
    """Checks met of checks made: requirements and Buildroot-side checks together."""
    met = sum(r.met for r in o.requirements) + sum(f.ok for f in o.buildroot)
    return f"{met}/{len(o.requirements) + len(o.buildroot)}"


def summary_table(outcomes: list[ConfigOutcome]) -> list[str]:
    rows = [("CONFIG", "ARCH", "RESULT", "CHECKS", "FIRST FAILING")]
    for o in outcomes:
        result = {"passed": "met", "failed": "unmet", "error": "error"}[o.state]
        rows.append((o.name, o.arch, result, _counts(o), o.first_failure))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    table = [
        "  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    ]
    failed = sum(o.state == "failed" for o in outcomes)
    errors = sum(o.state == "error" for o in outcomes)
    table.append(
        f"{len(outcomes)} config(s): {len(outcomes) - failed - errors} passed, "
        f"{failed} failed" + (f", {errors} not evaluated" if errors else "")
    )
    return table


# -- JSON -------------------------------------------------------------------


def _location(loc: Location | None) -> dict[str, Any] | None:
    return None if loc is None else {"file": loc.file, "line": loc.line}


def to_data(outcomes: list[ConfigOutcome]) -> dict[str, Any]:
    failed = sum(o.state == "failed" for o in outcomes)
    errors = sum(o.state == "error" for o in outcomes)
    return {
        "schema": SCHEMA_ID,
        "summary": {
            "configs": len(outcomes),
            "passed": len(outcomes) - failed - errors,
            "failed": failed,
            "errors": errors,
        },
        "results": [
            {
                "name": o.name,
                "kind": o.kind,
                "arch": o.arch,
                "passed": o.passed,
                "state": o.state,
                "error": None
                if o.error is None
                else {"message": o.error, "location": _location(o.anchor)},
                "first_failure": None if o.passed else o.first_failure,
                "kernel": {
                    "source": o.source,
                    "version": o.kernel_version,
                    "toolchain": o.toolchain,
                },
                "base": o.base,
                "fragments": list(o.fragments),
                "seconds": round(o.seconds, 3),
                "notes": list(o.notes),
                "requirements": [
                    {
                        "symbol": r.symbol,
                        "requested": r.requested,
                        "final": r.final,
                        "met": r.met,
                        "status": r.status.value,
                        "reason": r.reason,
                        "why": list(r.why),
                        "location": _location(r.location),
                        "details": r.details,
                    }
                    for r in o.requirements
                ],
                "buildroot": [
                    {
                        "check": f.rule,
                        "ok": f.ok,
                        "message": f.message,
                        "location": _location(f.location),
                    }
                    for f in o.buildroot
                ],
                "fix": o.fix,
            }
            for o in outcomes
        ],
    }


def to_json(outcomes: list[ConfigOutcome]) -> str:
    return json.dumps(to_data(outcomes), indent=2, sort_keys=False) + "\n"


# -- JUnit XML --------------------------------------------------------------


def junit(outcomes: list[ConfigOutcome]) -> str:
    """One <testsuite> per config, one <testcase> per requirement and Buildroot check."""
    root = ET.Element("testsuites", name="kdumplayer check")
    total = failures = errors = 0
    seconds = 0.0
    for o in outcomes:
        suite = ET.SubElement(root, "testsuite", name=o.name)
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("arch", o.arch),
            ("kernel.source", o.source),
            ("kernel.version", o.kernel_version or ""),
            ("toolchain", o.toolchain),
            ("base", o.base),
        ):
            ET.SubElement(props, "property", name=key, value=value)
        classname = f"kdump.{o.kind}.{o.arch}.{Path(o.name).name}"
        cases = 0
        suite_failures = suite_errors = 0
        if o.error is not None:
            case = ET.SubElement(suite, "testcase", name="evaluate", classname=classname)
            _case_location(case, o.anchor)
            error = ET.SubElement(case, "error", type="not-evaluated", message=o.error)
            error.text = o.error
            cases += 1
            suite_errors += 1
        for r in o.requirements:
            case = ET.SubElement(
                suite, "testcase", name=f"CONFIG_{r.symbol}={r.requested}", classname=classname
            )
            _case_location(case, r.location or o.anchor)
            if not r.met:
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=r.status.value,
                    message=f"{r.symbol}: requested {r.requested}, final {r.final_text}",
                )
                failure.text = "\n".join((r.reason, *r.why)).strip()
                suite_failures += 1
            cases += 1
        for f in o.buildroot:
            case = ET.SubElement(suite, "testcase", name=f"buildroot {f.rule}", classname=classname)
            _case_location(case, f.location)
            if not f.ok:
                failure = ET.SubElement(
                    case, "failure", type=f"buildroot-{f.rule}", message=f.message
                )
                failure.text = f.message
                suite_failures += 1
            cases += 1
        suite.set("tests", str(cases))
        suite.set("failures", str(suite_failures))
        suite.set("errors", str(suite_errors))
        suite.set("skipped", "0")
        suite.set("time", f"{o.seconds:.3f}")
        total += cases
        failures += suite_failures
        errors += suite_errors
        seconds += o.seconds
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case_location(case: ET.Element, loc: Location | None) -> None:
    if loc is None:
        return
    case.set("file", _relpath(loc.file))
    if loc.line:
        case.set("line", str(loc.line))


# -- GitHub Actions annotations ---------------------------------------------


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(message: str, title: str, loc: Location | None) -> str:
    props = []
    if loc is not None:
        props.append(f"file={_escape_property(_relpath(loc.file))}")
        if loc.line:
            props.append(f"line={loc.line}")
    props.append(f"title={_escape_property(title)}")
    return f"::error {','.join(props)}::{_escape_data(message)}"


def github(outcomes: list[ConfigOutcome]) -> str:
    """One `::error` workflow command per problem, at the line to change, then the table."""
    lines = []
    for o in outcomes:
        if o.error is not None:
            lines.append(
                annotation(f"{o.name}: not evaluated: {o.error}", "kdump: not evaluated", o.anchor)
            )
        for r in o.unmet:
            message = (
                f"{o.name} ({o.arch}): CONFIG_{r.symbol} requested {r.requested}, "
                f"final {r.final_text}"
            )
            if r.why:
                message += "\n" + "\n".join(r.why)
            lines.append(annotation(message, f"kdump: {r.symbol}", r.location or o.anchor))
        for f in o.failed_findings:
            lines.append(
                annotation(
                    f"{o.name}: {f.message}",
                    f"kdump: buildroot {f.rule}",
                    f.location,
                )
            )
    lines += summary_table(outcomes)
    return "\n".join(lines) + "\n"


def markdown_summary(outcomes: list[ConfigOutcome]) -> str:
    """The summary table for $GITHUB_STEP_SUMMARY."""
    lines = ["| config | arch | result | checks | first failing |", "|---|---|---|---|---|"]
    for o in outcomes:
        result = {"passed": "met", "failed": "**unmet**", "error": "**error**"}[o.state]
        lines.append(f"| `{o.name}` | {o.arch} | {result} | {_counts(o)} | {o.first_failure} |")
    return "\n".join(lines) + "\n"
