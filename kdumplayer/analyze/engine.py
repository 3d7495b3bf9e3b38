"""The drgn engine: opens the vmcore (ELF, or kdump-compressed through
libkdumpfile in drgn's wheel), loads vmlinux's DWARF, and reads the crashed
task's stack, the kernel log and the module list. Without debug info it reads
the log through `makedumpfile --dump-dmesg`, which needs only VMCOREINFO."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import drgn
from drgn.helpers.linux.module import for_each_module
from drgn.helpers.linux.printk import get_dmesg
from drgn.helpers.linux.sched import task_cpu

from kdumplayer.errors import UserError


class BrokenDump(Exception):
    """The dump opened, but reading the crash out of it failed (exit 1, not 2)."""


@dataclass(frozen=True)
class Frame:
    index: int
    function: str  # "??" where no symbol covers the pc
    pc: int
    file: str | None
    line: int | None
    inline: bool


@dataclass(frozen=True)
class Crash:
    cpu: int | None
    pid: int
    comm: str
    frames: tuple[Frame, ...]
    modules: tuple[str, ...] | None  # None: a kernel without module support


def open_program(vmcore: Path, vmlinux: Path | None) -> drgn.Program:
    prog = drgn.Program()
    try:
        prog.set_core_dump(str(vmcore))
    except (drgn.FaultError, ValueError, OSError) as exc:
        raise UserError(f"drgn cannot open this vmcore: {exc}", file=vmcore) from None
    # Only the file the caller chose: no search of /usr/lib/debug, no debuginfod.
    prog.set_enabled_debug_info_finders([])
    if vmlinux is not None:
        try:
            prog.load_debug_info([str(vmlinux)], main=True)
        except drgn.MissingDebugInfoError as exc:
            raise UserError(
                f"drgn found no debug info for the dump's kernel in it: {exc}",
                file=vmlinux,
                key="--vmlinux",
            ) from None
    return prog


# The kernel tree's top-level directories: where a DWARF file name's source root ends.
_TOP_DIRS = (
    "arch",
    "block",
    "certs",
    "crypto",
    "drivers",
    "fs",
    "include",
    "init",
    "io_uring",
    "ipc",
    "kernel",
    "lib",
    "mm",
    "net",
    "rust",
    "security",
    "sound",
    "virt",
)


def _roots(file: str) -> set[str]:
    parts = file.split("/")
    return {
        "/".join(parts[:i]) + "/" for i, part in enumerate(parts[:-1]) if i and part in _TOP_DIRS
    }


def source_root(files: list[str]) -> str | None:
    """The kernel source tree the DWARF names files in (the build host's path): the
    longest directory that every file is under and that is followed by a kernel
    top-level directory; the shortest one when a single file cannot tell."""
    absolute = [f for f in files if f.startswith("/")]
    if not absolute:
        return None
    common = set.intersection(*(_roots(f) for f in absolute))
    if not common:
        return None
    pick = max if len(set(absolute)) > 1 else min
    return pick(common, key=len)


def _frames(trace: drgn.StackTrace) -> tuple[Frame, ...]:
    frames = []
    for index, frame in enumerate(trace):
        file, line = None, None
        try:
            location = frame.source()
            file, line = location[0], location[1]
        except LookupError:
            pass
        name = frame.name
        if name is None:
            try:
                name = frame.symbol().name
            except LookupError:
                name = "??"
        frames.append(
            Frame(
                index=index,
                function=name,
                pc=frame.pc,
                file=file,
                line=line,
                inline=frame.is_inline,
            )
        )
    root = source_root([f.file for f in frames if f.file])
    if root:
        frames = [
            replace(f, file=f.file[len(root) :]) if f.file and f.file.startswith(root) else f
            for f in frames
        ]
    return tuple(frames)


def crash(prog: drgn.Program) -> Crash:
    """The crashed task and its stack (needs debug info)."""
    try:
        thread = prog.crashed_thread()
        task = thread.object
        try:
            frames = _frames(thread.stack_trace())
        except NotImplementedError:
            # drgn 0.3.0 has no unwinder for some arches (riscv64): the task and the
            # log are still read (recipes/analyze/dumps.yaml: stack_unread).
            frames = ()
        comm = task.comm.string_().decode("utf-8", "replace")
        try:
            cpu: int | None = task_cpu(task)
        except (LookupError, drgn.FaultError):
            cpu = None
    except (LookupError, ValueError, drgn.FaultError) as exc:
        raise BrokenDump(f"cannot read the crashed task: {exc}") from None
    try:
        modules: tuple[str, ...] | None = tuple(
            mod.name.string_().decode() for mod in for_each_module(prog)
        )
    except LookupError:
        modules = None
    return Crash(cpu=cpu, pid=thread.tid, comm=comm, frames=frames, modules=modules)


def kernel_log(prog: drgn.Program) -> str:
    """The printk ring buffer (needs debug info)."""
    try:
        return get_dmesg(prog).decode("utf-8", "replace")
    except (LookupError, drgn.FaultError) as exc:
        raise BrokenDump(f"cannot read the kernel log: {exc}") from None


def kernel_log_without_debuginfo(vmcore: Path) -> str | None:
    """The log through makedumpfile --dump-dmesg (VMCOREINFO is enough), written to a
    temporary directory, never beside the dump; None when makedumpfile cannot."""
    tool = shutil.which("makedumpfile")
    if tool is None:
        return None
    with tempfile.TemporaryDirectory(prefix="kdumplayer-analyze-") as tmp:
        out = Path(tmp) / "dmesg"
        done = subprocess.run(
            [tool, "--dump-dmesg", str(vmcore), str(out)], capture_output=True, check=False
        )
        if done.returncode or not out.exists():
            return None
        return out.read_text(encoding="utf-8", errors="replace")
