"""`verify` reads the dump it captured: the dump directory is copied off the dump
disk (debugfs rdump, no mounting) and analyzed with the gold kernel's vmlinux;
the crashed task's stack must name the function `kdump test` crashes in."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from kdumplayer.analyze.analysis import Analysis, analyze
from kdumplayer.analyze.facts import facts
from kdumplayer.analyze.render import as_text
from kdumplayer.errors import UserError
from kdumplayer.verify import gold
from kdumplayer.verify.assets import Kernel
from kdumplayer.verify.scenarios import Outcome

# `echo c > /proc/sysrq-trigger` (kdump test) panics in this function.
CRASH_FUNCTION = "sysrq_handle_crash"
DUMP_DISK = "dump.img"  # the Guest's dump disk in its work directory


def copy_dump(image: Path, name: str, dest: Path) -> Path:
    """Copy dump directory `name` out of the ext4 `image` into `dest`/`name`."""
    target = dest / name
    shutil.rmtree(target, ignore_errors=True)
    dest.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["debugfs", "-R", f'rdump "/{name}" "{dest}"', str(image)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode or not target.is_dir():
        raise UserError(f"cannot copy dump {name} out of {image}: {done.stderr.strip()}")
    return target


def analyze_capture(outcome: Outcome, kernel: Kernel) -> Analysis | None:
    """Analyze the outcome's newest complete dump with the gold kernel's vmlinux and
    record the check; None when there is no such dump or no vmlinux."""
    vmlinux = gold.vmlinux_of(kernel)
    dumps = [d for d in outcome.dumps if d.complete]
    if vmlinux is None or not dumps or outcome.workdir is None:
        return None
    image = outcome.workdir / DUMP_DISK
    name = f"analyze: the crashed task's stack names {CRASH_FUNCTION}"
    try:
        result = analyze(copy_dump(image, dumps[-1].name, outcome.workdir / "dumps"), vmlinux)
    except UserError as exc:
        outcome.check(name, False, str(exc))
        return None
    functions = [f.function for f in result.crash.frames] if result.crash else []
    arch = next((a for a in facts().arches if a.name == result.vmcore.arch), None)
    if not functions and arch is not None and arch.stack_unread:
        # A known limit of the engine on this arch (recipes/analyze/dumps.yaml): the
        # analysis is shown, the capture is not failed for it.
        return result
    outcome.check(name, CRASH_FUNCTION in functions, as_text(result))
    return result
