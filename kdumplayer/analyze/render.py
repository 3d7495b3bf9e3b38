"""An Analysis as text (for people) or JSON (stable, documented in docs/analyze.md)."""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import TYPE_CHECKING

from kdumplayer.analyze.analysis import Analysis
from kdumplayer.analyze.facts import facts

if TYPE_CHECKING:  # drgn loads only when a dump is opened, not at every start-up
    from kdumplayer.analyze.engine import Frame

SCHEMA = 1
MIB = 1 << 20


def _size(value: int) -> str:
    if value >= 1 << 30:
        return f"{value / (1 << 30):.1f} GiB"
    return f"{value / MIB:.1f} MiB"


def _level(level: int | None) -> list[str]:
    if level is None:
        return []
    return [what for bit, what in sorted(facts().dump_level_bits.items()) if level & bit]


def as_dict(a: Analysis) -> dict[str, object]:
    v, crash = a.vmcore, a.crash
    return {
        "schema": SCHEMA,
        "ok": a.ok,
        "problems": a.problems,
        "kernel": {
            "release": a.info.release,
            "build_id": a.info.build_id,
            "arch": v.arch,
            "page_size": v.page_size,
        },
        "crash": {
            "time": a.crash_time.isoformat() if a.crash_time else None,
            "uptime": a.uptime,
            "panic": a.panic,
            "cpu": crash.cpu if crash else v.crash_cpu,
            "pid": crash.pid if crash else None,
            "comm": crash.comm if crash else None,
            "stack": [
                {
                    "index": f.index,
                    "function": f.function,
                    "file": f.file,
                    "line": f.line,
                    "pc": f.pc,
                    "inline": f.inline,
                }
                for f in crash.frames
            ]
            if crash
            else None,
        },
        "modules": list(crash.modules) if crash and crash.modules is not None else None,
        "log": {"source": a.log_source, "tail": a.log_tail},
        "debug_info": {"vmlinux": str(a.vmlinux) if a.vmlinux else None, "missing": a.missing},
        "dump": {
            "path": str(a.dump.path),
            "vmcore": str(v.path),
            "format": v.format,
            "machine": v.machine,
            "size": v.size,
            "memory": v.memory,
            "dumped": v.dumped,
            "compression": v.compression,
            "dump_level": v.dump_level,
            "excluded": _level(v.dump_level),
            "cpus": v.cpus,
            "complete": v.complete,
            "summary": a.dump.summary or None,
        },
        "engine": {"name": "drgn", "version": version("drgn")},
    }


def as_json(a: Analysis) -> str:
    return json.dumps(as_dict(a), indent=2)


def _frame(f: Frame) -> str:
    where = f" at {f.file}:{f.line}" if f.file and f.line else ""
    inline = " (inlined)" if f.inline else ""
    return f"  #{f.index:<2} {f.function}{inline}{where}"


def as_text(a: Analysis) -> str:
    v, info, crash = a.vmcore, a.info, a.crash
    lines = [f"dump      {a.dump.path}"]
    build = f", build id {info.build_id}" if info.build_id else ""
    lines.append(f"kernel    {info.release or '?'} ({v.arch}{build})")
    when = a.crash_time.strftime("%Y-%m-%d %H:%M:%S UTC") if a.crash_time else "unknown time"
    uptime = f", {a.uptime:.3f} s after boot" if a.uptime is not None else ""
    lines.append(f"crashed   {when}{uptime}")
    lines.append(f"panic     {a.panic or '(no panic line in the log)'}")
    if crash:
        cpu = f"CPU {crash.cpu}, " if crash.cpu is not None else ""
        lines.append(f"task      {cpu}pid {crash.pid} ({crash.comm})")
        lines.append(f"stack     (drgn, DWARF from {a.vmlinux})")
        lines += [_frame(f) for f in crash.frames]
        modules = (
            "kernel built without module support"
            if crash.modules is None
            else ", ".join(crash.modules) or "none loaded"
        )
        lines.append(f"modules   {modules}")
    else:
        if v.crash_cpu is not None:
            lines.append(
                f"task      CPU {v.crash_cpu} (from the dump header; no debug info for the task)"
            )
        lines.append(f"missing   {a.missing}")
    level = (
        f", dump level {v.dump_level} (excludes {', '.join(_level(v.dump_level))})"
        if v.dump_level
        else ", dump level 0 (nothing excluded)"
        if v.dump_level == 0
        else ""
    )
    lines.append(f"vmcore    {v.format}, compression {v.compression}{level}")
    ratio = 100.0 * v.size / v.memory if v.memory else 0.0
    lines.append(
        f"          {_size(v.size)} on disk for {_size(v.memory)} of memory "
        f"({ratio:.1f}%), {v.cpus} CPU(s), "
        f"{'complete' if v.complete else 'INCOMPLETE'}"
    )
    if a.dump.summary:
        lines.append("summary   " + "; ".join(f"{k}: {val}" for k, val in a.dump.summary.items()))
    lines.append(f"log       last {len(a.log_tail)} lines, from {a.log_source}:")
    lines += [f"  {line}" for line in a.log_tail]
    for problem in a.problems:
        lines.append(f"PROBLEM   {problem}")
    return "\n".join(lines)
