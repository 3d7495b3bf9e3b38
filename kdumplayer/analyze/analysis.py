"""From a dump to a diagnosis: the dump's own facts, VMCOREINFO, the summary,
then (with debug info) the crashed task's stack through drgn. One Analysis
value, rendered by kdumplayer/analyze/render.py."""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kdumplayer.analyze import debuginfo
from kdumplayer.analyze.dumpdir import DumpInput, locate
from kdumplayer.analyze.facts import facts
from kdumplayer.analyze.vmcore import VmcoreFacts, read_facts
from kdumplayer.analyze.vmcoreinfo import VmcoreInfo
from kdumplayer.errors import UserError

LOG_TAIL = 20
_PANIC = re.compile(
    r"^\[\s*(\d+\.\d+)\]\s*((?:Kernel panic - not syncing: |BUG: |Oops|"
    r"Unable to handle kernel |general protection fault).*)$"
)
_STAMP = re.compile(r"^\[\s*(\d+\.\d+)\]")

if TYPE_CHECKING:  # drgn loads only when a dump is opened, not at every start-up
    from kdumplayer.analyze.engine import Crash


@dataclass
class Analysis:
    dump: DumpInput
    vmcore: VmcoreFacts
    info: VmcoreInfo
    vmlinux: Path | None
    missing: str | None  # what debug info is missing and how to get it
    log: str
    log_source: str
    crash: Crash | None = None
    panic: str | None = None
    uptime: float | None = None  # seconds from boot to the panic line
    problems: list[str] = field(default_factory=list)  # why the analysis says broken

    @property
    def crash_time(self) -> datetime | None:
        if self.info.crash_time is None:
            return None
        return datetime.fromtimestamp(self.info.crash_time, UTC)

    @property
    def log_tail(self) -> list[str]:
        return self.log.rstrip("\n").splitlines()[-LOG_TAIL:] if self.log else []

    @property
    def ok(self) -> bool:
        return not self.problems


def host_arch() -> str | None:
    arch = facts().arch_by_uname(platform.machine())
    return arch.name if arch else None


def _panic(log: str) -> tuple[str | None, float | None]:
    """The first panic/oops line of the log and its timestamp."""
    for line in log.splitlines():
        match = _PANIC.match(line.strip())
        if match:
            return match.group(2).strip(), float(match.group(1))
    return None, None


def _last_stamp(log: str) -> float | None:
    for line in reversed(log.splitlines()):
        match = _STAMP.match(line.strip())
        if match:
            return float(match.group(1))
    return None


def analyze(path: Path, vmlinux: Path | None = None) -> Analysis:
    from kdumplayer.analyze import engine

    """Everything analyze reports about the dump at `path`; UserError for bad input."""
    dump = locate(path)
    facts_ = read_facts(dump.vmcore)
    if facts_.truncated_at is not None:
        raise UserError(
            f"truncated: {facts_.size} bytes where its page descriptors need {facts_.truncated_at}",
            file=dump.vmcore,
        )
    if facts_.incomplete_flag:
        raise UserError(
            "makedumpfile marked this vmcore incomplete (it ran out of space)", file=dump.vmcore
        )
    info = VmcoreInfo.parse(facts_.vmcoreinfo)
    chosen = debuginfo.check_given(vmlinux, info) if vmlinux is not None else debuginfo.find(info)
    host = host_arch()
    if chosen is None and facts_.arch != host:
        raise UserError(
            f"a dump of another arch ({facts_.arch}; this host is {host}) needs "
            f"its vmlinux: {debuginfo.how_to_get(info, facts_.arch)}",
            file=dump.path,
        )
    prog = engine.open_program(dump.vmcore, chosen.path if chosen else None)
    result = Analysis(
        dump=dump,
        vmcore=facts_,
        info=info,
        vmlinux=chosen.path if chosen else None,
        missing=None if chosen else debuginfo.how_to_get(info, facts_.arch),
        log="",
        log_source="",
    )
    if chosen is not None:
        try:
            result.crash = engine.crash(prog)
            result.log, result.log_source = engine.kernel_log(prog), "drgn (printk buffer)"
        except engine.BrokenDump as exc:
            result.problems.append(str(exc))
        if result.crash is not None and not result.crash.frames:
            result.problems.append("the crashed task's stack trace is empty")
    if not result.log:
        result.log, result.log_source = _log_without_debuginfo(dump)
    result.panic, result.uptime = _panic(result.log)
    if result.uptime is None:
        result.uptime = _last_stamp(result.log)
    status = dump.summary.get("status")
    if status is not None and status != "ok":
        result.problems.append(f"the hook's summary says: {status}")
    return result


def _log_without_debuginfo(dump: DumpInput) -> tuple[str, str]:
    from kdumplayer.analyze import engine

    """drgn's printk helpers need the kernel's types: the hook's copy of the log,
    else makedumpfile's reading of it."""
    if dump.dmesg:
        return dump.dmesg, "vmcore-dmesg.txt"
    text = engine.kernel_log_without_debuginfo(dump.vmcore)
    if text:
        return text, "makedumpfile --dump-dmesg (VMCOREINFO)"
    return "", "none (no vmcore-dmesg.txt, and makedumpfile could not read the log)"
