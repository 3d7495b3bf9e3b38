"""Benchmark `kdumplayer check` on every x86, arm64 and arm defconfig of linux-source-6.12
against the kernel's own tools (merge_config.sh + make olddefconfig) on a sample.

kdumplayer runs as a child process (`--jobs 2`, JSON report), once with an empty
parse cache (the Kconfig trees parsed in the run, one per arch and process) and
once warm (parsed trees from the cache); peak memory is the largest resident set
of the child processes (resource.getrusage(RUSAGE_CHILDREN)). The C side merges
the same kdump fragment (the x86_64, arm64 and arm fragments in one file) into
each sampled defconfig with
scripts/kconfig/merge_config.sh -m, then runs `make olddefconfig`, in a copy of
the kernel tree whose `conf` is built before timing. Prints the time per config
of both and the ratio (target: kdumplayer at least 10x faster).

Run: python3 benchmarks/bench_check.py [--sample N] (from `make bench`).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.cpath import TARBALL, children_cpu, run_check  # noqa: E402
from kdumplayer.arch import get_arch  # noqa: E402
from kdumplayer.fragment import fragment_for  # noqa: E402
from kdumplayer.kconfig.source import open_source  # noqa: E402
from kdumplayer.paths import cache_dir  # noqa: E402

# The C side's sample: the three arches' main defconfigs and a spread of arm ones.
SAMPLE = [
    ("x86_64", "x86_64_defconfig"),
    ("i386", "i386_defconfig"),
    ("arm64", "defconfig"),
    ("arm", "multi_v7_defconfig"),
    ("arm", "imx_v6_v7_defconfig"),
    ("arm", "omap2plus_defconfig"),
    ("arm", "at91_dt_defconfig"),
    ("arm", "pxa_defconfig"),
]


def union_fragment(path: Path) -> Path:
    """One kdump fragment for all three arches (arch-only symbols are ignored elsewhere),
    so that both sides apply the same file to every defconfig."""
    path.write_text("".join(fragment_for(arch, "6.12") for arch in ("x86_64", "arm64", "arm")))
    return path


def shared_cache(tmp: Path) -> Path:
    """A cache with the extracted tarball (and its hash) but no parsed trees: a cold parse."""
    cache = tmp / "cache"
    cache.mkdir()
    for name in ("trees", "tarball-hashes"):
        if (cache_dir() / name).is_dir():
            (cache / name).symlink_to(cache_dir() / name)
    return cache


def c_tree(tmp: Path) -> Path:
    root = open_source(TARBALL, "x86").root
    tree = tmp / "linux"
    shutil.copytree(root, tree, symlinks=True)
    subprocess.run(
        ["make", "-s", "-j2", "scripts_basic"], cwd=tree, check=False, capture_output=True
    )
    subprocess.run(
        ["make", "-s", "-C", str(tree), "ARCH=x86_64", "allnoconfig"],
        check=True,
        capture_output=True,
    )  # builds scripts/kconfig/conf once
    return tree


def run_c(tree: Path, arch: str, defconfig: str, fragment: Path) -> tuple[float, float]:
    info = get_arch(arch)
    env = {**os.environ, "ARCH": info.kernel_arch, "CROSS_COMPILE": "scripts/dummy-tools/"}
    base = tree / "arch" / info.srcarch / "configs" / defconfig
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(
        ["scripts/kconfig/merge_config.sh", "-m", str(base), str(fragment)],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "make",
            "-s",
            f"ARCH={info.kernel_arch}",
            "CROSS_COMPILE=scripts/dummy-tools/",
            "olddefconfig",
        ],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start, children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sample",
        type=int,
        default=len(SAMPLE),
        help="how many configs the C side runs (default: all of the sample)",
    )
    args = parser.parse_args()
    if not TARBALL.is_file():
        sys.exit(f"{TARBALL} is missing (apt-get install linux-source-6.12)")
    with tempfile.TemporaryDirectory(prefix="bench-check-") as name:
        tmp = Path(name)
        cold_cache = shared_cache(tmp)
        fragment = union_fragment(tmp / "kdump.cfg")
        cold, cold_cpu, data = run_check(cold_cache, tmp / "cold.json", fragment)
        warm, warm_cpu, data = run_check(cold_cache, tmp / "warm.json", fragment)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        results = data["results"]
        count = len(results)
        print(
            f"kdumplayer check --jobs 2: {count} defconfigs of linux-source-6.12 "
            f"(x86 {sum(r['arch'] in ('x86_64', 'i386') for r in results)}, "
            f"arm64 {sum(r['arch'] == 'arm64' for r in results)}, "
            f"arm {sum(r['arch'] == 'arm' for r in results)})"
        )
        print(
            f"  cold parse cache: {cold:.1f} s total, {cold / count:.3f} s per config "
            f"(CPU {cold_cpu:.1f} s, {cold_cpu / count:.3f} s per config)"
        )
        print(
            f"  warm parse cache: {warm:.1f} s total, {warm / count:.3f} s per config "
            f"(CPU {warm_cpu:.1f} s, {warm_cpu / count:.3f} s per config)"
        )
        checks = [r["seconds"] for r in results]
        print(
            f"  evaluation alone per config: median {statistics.median(checks):.3f} s, "
            f"max {max(checks):.3f} s"
        )
        print(f"  peak memory of a child process: {peak_mb:.0f} MB")
        print(
            f"  results: {data['summary']['passed']} met, {data['summary']['failed']} unmet "
            "(each defconfig plus the kdump fragment)"
        )
        print()
        tree = c_tree(tmp)
        c_times, c_cpus = [], []
        evaluated = {Path(r["name"]).name: r["seconds"] for r in results}
        print("  per config: C merge_config.sh -m + make olddefconfig | kdumplayer evaluation")
        for arch, defconfig in SAMPLE[: args.sample]:
            seconds, cpu = run_c(tree, arch, defconfig, fragment)
            c_times.append(seconds)
            c_cpus.append(cpu)
            print(
                f"  {arch:7} {defconfig:24} C {seconds:5.2f} s (CPU {cpu:.2f} s) | "
                f"kdumplayer {evaluated.get(defconfig, float('nan')):.3f} s"
            )
        c_mean, c_cpu = statistics.mean(c_times), statistics.mean(c_cpus)
        print(f"C kconfig: {c_mean:.2f} s per config, CPU {c_cpu:.2f} s (mean of {len(c_times)})")
        print(
            f"ratio, C / kdumplayer per config, wall: {c_mean / (cold / count):.1f}x cold, "
            f"{c_mean / (warm / count):.1f}x warm (target >= 10x)"
        )
        print(
            f"ratio, C / kdumplayer per config, CPU:  {c_cpu / (cold_cpu / count):.1f}x cold, "
            f"{c_cpu / (warm_cpu / count):.1f}x warm"
        )
        return 0


if __name__ == "__main__":
    sys.exit(main())
