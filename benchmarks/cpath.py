"""What the batch benchmarks share: the 73-defconfig batch of linux-source-6.12, the
`kdumplayer check` run that evaluates it, and the C path's commands for one config
(make NAME, merge_config.sh -m, make olddefconfig in an O= directory, dummy tools)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
PATTERNS = [
    "arch/x86/configs/*_defconfig",
    "arch/arm64/configs/defconfig",
    "arch/arm/configs/*_defconfig",
]


def children_cpu() -> float:
    """CPU seconds of the waited-for child processes (and theirs), so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_check(cache: Path, out: Path, fragment: Path) -> tuple[float, float, dict]:
    """(wall, CPU, JSON report) of `kdumplayer check --jobs 2` over PATTERNS."""
    env = {**os.environ, "KDUMPLAYER_CACHE": str(cache), "CI": "1"}
    cmd = [
        sys.executable,
        "-m",
        "kdumplayer",
        "check",
        "--kernel-src",
        str(TARBALL),
        "--jobs",
        "2",
        "--format",
        "json",
        "-o",
        str(out),
        "--fragment",
        str(fragment),
        *PATTERNS,
    ]
    start, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1) or not out.is_file():
        sys.exit(f"kdumplayer check failed ({done.returncode}):\n{done.stderr}")
    return wall, children_cpu() - cpu, json.loads(out.read_text())


def make_command(root: Path, out: Path, kernel_arch: str) -> list[str]:
    """The kernel's make for an O= directory, with the dummy tools for the compiler probes."""
    dummy = root / "scripts" / "dummy-tools"
    return [
        "make",
        "-s",
        "-C",
        str(root),
        f"O={out}",
        f"ARCH={kernel_arch}",
        f"CROSS_COMPILE={dummy}/",
        f"PAHOLE={dummy}/pahole",
    ]


def c_commands(
    root: Path, out: Path, kernel_arch: str, name: str, fragment: Path
) -> list[list[str]]:
    """make NAME + merge_config.sh -m + make olddefconfig, run in `out` one after another."""
    make = make_command(root, out, kernel_arch)
    merge = [
        "sh",
        str(root / "scripts/kconfig/merge_config.sh"),
        "-m",
        "-O",
        str(out),
        str(out / ".config"),
        str(fragment),
    ]
    return [[*make, name], merge, [*make, "olddefconfig"]]
