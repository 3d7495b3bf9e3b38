"""From the Kconfig library's CheckResult to a report's ConfigOutcome, with the line to change.

This is the thin adapter between kdumplayer.kconfig (which evaluates and
explains) and kdumplayer.check.formats (which formats): it picks the requirements
(the kdump data, or the assignments of an --against fragment), runs the check
and, for every unmet requirement, finds the line a user edits: the assignment
that turns it (or what blocks it) off, else the line that asked for it, else
the place where a fragment is added (the job's fallback).
"""

from __future__ import annotations

import time
from pathlib import Path

import kconfiglib

from kdumplayer.check.formats import ConfigOutcome, RequirementOutcome
from kdumplayer.check.jobs import Job
from kdumplayer.findings import Location
from kdumplayer.kconfig.configfile import Assignment, read_config
from kdumplayer.kconfig.result import Explanation, RequirementResult
from kdumplayer.kconfig.tree import KconfigTree
from kdumplayer.requirements import Requirement, select


def load_tree(source: str, arch: str, toolchain: str | None) -> KconfigTree:
    return KconfigTree.load(source, arch, toolchain=toolchain)


def against_requirements(path: str) -> tuple[Requirement, ...]:
    """Each assignment of a fragment as a requirement of its own (`--against`)."""
    return tuple(
        Requirement(
            symbol=a.symbol, value=a.value, roles=(), reason=f"{a.file}:{a.line}", line=a.line
        )
        for a in read_config(Path(path))
    )


def _blamed(tree: KconfigTree, explanation: Explanation | None) -> set[str]:
    """Symbols whose value blocks the wanted one: blocking terms and selectors, and what
    selects those (KEXEC and KEXEC_FILE for a blocking KEXEC_CORE [=n])."""
    if explanation is None:
        return set()
    names = {s for t in explanation.blocking + explanation.prompt_condition for s in t.symbols}
    names |= {s for t in explanation.selected_by for s in t.symbols}
    syms = tree.kconfig.syms
    for name in list(names):
        sym = syms.get(name)
        if sym is not None:
            names |= {
                item.name
                for item in kconfiglib.expr_items(sym.rev_dep)
                if isinstance(item, kconfiglib.Symbol)
            }
    return names


class _Lines:
    """Every assignment in the user's files (base config and fragments), in order."""

    def __init__(self, files: list[str]) -> None:
        self.assignments: list[Assignment] = []
        for file in files:
            self.assignments += read_config(Path(file))

    def last(self, symbols: set[str], value: str | None = None) -> Assignment | None:
        found = None
        for a in self.assignments:
            if a.symbol in symbols and (value is None or a.value == value):
                found = a
        return found


def _location(
    tree: KconfigTree, item: RequirementResult, lines: _Lines, job: Job
) -> Location | None:
    """The line to change for an unmet requirement."""
    req = item.requirement
    explanation = item.explanation
    # 1. A later fragment overrode the wanted value: the overriding line.
    if explanation is not None and explanation.overridden:
        later = explanation.overridden[-1][1]
        return Location(later.file, later.line)
    # 2. The user's own line that sets it (or an alternative) to something else.
    own = lines.last(set(req.symbols))
    if own is not None and own.value != req.value:
        return Location(own.file, own.line)
    # 3. A line that switches off what blocks it (KEXEC=n for KEXEC_CORE [=n]).
    blocker = lines.last(_blamed(tree, explanation) - set(req.symbols), "n")
    if blocker is not None:
        return Location(blocker.file, blocker.line)
    # 4. The user's line that asked for it; 5. where a fragment line would be added.
    if own is not None:
        return Location(own.file, own.line)
    return job.fallback


def _requirement(item: RequirementResult, location: Location | None) -> RequirementOutcome:
    """One requirement's result as the reports carry it (a tree's or a static check's)."""
    return RequirementOutcome(
        symbol=item.symbol,
        requested=item.wanted,
        final=item.final,
        status=item.status,
        reason=item.requirement.reason,
        why=item.why(),
        location=location,
        details=item.explanation.to_dict() if item.explanation else {},
    )


def check(tree: KconfigTree | None, job: Job, *, started: float | None = None) -> ConfigOutcome:
    """Check one job against a parsed tree."""
    start = time.perf_counter() if started is None else started
    if job.static:
        return static_check(job, start)
    if tree is None or not job.source:  # a Buildroot defconfig without a kernel: side checks
        return ConfigOutcome(
            name=job.name,
            kind=job.kind,
            arch=job.arch,
            source="",
            kernel_version=None,
            toolchain="-",
            base="(no kernel)",
            buildroot=job.buildroot,
            anchor=job.anchor,
            notes=job.notes,
        )
    base = job.base
    fragments = [Path(f) for f in job.fragments]
    if job.against:
        reqs = against_requirements(job.against)
    else:
        reqs = select(tree.arch.name, tree.version, job.board)
    result = tree.check(base, fragments, reqs)
    user_files = [job.base.name] if job.base.kind == "config" else []
    lines = _Lines([*user_files, *job.fragments])
    outcomes = [
        _requirement(item, None if item.met else _location(tree, item, lines, job))
        for item in result.items
    ]
    fix_text = None
    if job.fix:
        from kdumplayer.kconfig import compute_fix

        fix_text = compute_fix(tree, base, fragments, reqs).text
    return ConfigOutcome(
        name=job.name,
        kind=job.kind,
        arch=job.arch,
        source=job.source,
        kernel_version=tree.version,
        toolchain=tree.probes,
        base=str(job.base),
        fragments=job.fragments,
        requirements=tuple(outcomes),
        buildroot=job.buildroot,
        anchor=job.anchor,
        seconds=time.perf_counter() - start,
        notes=job.notes + result.notes,
        fix=fix_text,
    )


def static_check(job: Job, start: float) -> ConfigOutcome:
    """A .config checked without a kernel tree (kdumplayer.kconfig.static)."""
    from kdumplayer.kconfig import static

    config = static.load(job.base.path or Path(job.base.name), job.arch)
    reqs = against_requirements(job.against) if job.against else None
    result = static.check(config, reqs, job.board)
    outcomes = tuple(
        _requirement(
            item,
            None
            if item.met
            else (
                Location(item.requested.file, item.requested.line)
                if item.requested
                else job.fallback
            ),
        )
        for item in result.items
    )
    return ConfigOutcome(
        name=job.name,
        kind=job.kind,
        arch=config.arch.name,
        source="",
        kernel_version=config.version,
        toolchain="no kernel tree",
        base=str(job.base),
        requirements=outcomes,
        anchor=job.anchor,
        seconds=time.perf_counter() - start,
        notes=job.notes + result.notes,
    )
