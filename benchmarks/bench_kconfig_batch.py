"""Benchmark the batch check cold and warm against the kernel's C kconfig, side by side.

The batch is what CI checks: every x86, arm64 and arm defconfig of
linux-source-6.12 (73) plus the kdump fragment (the three arches' fragments in
one file), with `kdumplayer check --jobs 2` as a child process:

- cold: a cache directory with the extracted tree but nothing parsed, resolved
  or probed (each run gets a new one): the first CI run;
- warm: the same cache again (parsed trees and resolved bases on disk).

The C path is what a developer runs for each config, with the tree's
scripts/dummy-tools for the compiler probes as kdumplayer uses them:
`make NAME`, `scripts/kconfig/merge_config.sh -m .config kdump.cfg`,
`make olddefconfig`, in a build directory (O=) per arch whose `conf` is built
before timing. All 73 by default; --sample N times N of them, spread over the
list, and counts the rest at their mean.

The runs alternate (cold, warm, C, cold, warm) so that a change of load during
the run weighs on both sides; the ratios use the mean of the two kdumplayer
runs of each kind. Wall and CPU time (of the child processes) are printed with
the load average before each step: the machine is shared, and the CPU time is
the steadier figure. Each C .config is also compared with kdumplayer's final
value of every requirement symbol (the check evaluates only what those reach).

Targets (issue 18): cold >= 20x, warm not below the previous ~60x.

Run: python3 benchmarks/bench_kconfig_batch.py [--sample N] (from `make bench`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.cpath import TARBALL, c_commands, children_cpu, make_command, run_check  # noqa: E402
from kdumplayer.arch import get_arch  # noqa: E402
from kdumplayer.fragment import fragment_for  # noqa: E402
from kdumplayer.kconfig.configfile import read_config  # noqa: E402
from kdumplayer.kconfig.source import open_source  # noqa: E402
from kdumplayer.paths import cache_dir  # noqa: E402


@dataclass
class Run:
    wall: float
    cpu: float
    load: float  # 1-minute load average when it started


def _load() -> float:
    return os.getloadavg()[0]


def empty_cache(tmp: Path, name: str) -> Path:
    """The extracted tarball (and its hash) but nothing parsed: what C starts from too."""
    cache = tmp / name
    cache.mkdir()
    for part in ("trees", "tarball-hashes"):
        if (cache_dir() / part).is_dir():
            (cache / part).symlink_to(cache_dir() / part)
    return cache


def kdumplayer(cache: Path, out: Path, fragment: Path) -> tuple[Run, dict]:
    load = _load()
    wall, cpu, data = run_check(cache, out, fragment)
    return Run(wall, cpu, load), data


def c_builddir(root: Path, arch: str, tmp: Path) -> Path:
    """An O= directory for the arch with scripts/kconfig/conf built (not timed)."""
    out = tmp / f"c-{arch}"
    out.mkdir()
    subprocess.run(
        [*make_command(root, out, get_arch(arch).kernel_arch), "allnoconfig"],
        check=True,
        capture_output=True,
    )
    return out


def c_config(root: Path, out: Path, arch: str, name: str, fragment: Path) -> Run:
    """make NAME + merge_config.sh -m + make olddefconfig."""
    load, cpu, start = _load(), children_cpu(), time.perf_counter()
    for argv in c_commands(root, out, get_arch(arch).kernel_arch, name, fragment):
        subprocess.run(argv, check=True, capture_output=True, cwd=out)
    return Run(time.perf_counter() - start, children_cpu() - cpu, load)


def differences(result: dict, c_config_file: Path) -> list[str]:
    """Requirement symbols whose kdumplayer final value is not what C wrote."""
    c_values = {a.symbol: a.value for a in read_config(c_config_file)}
    found = []
    for req in result["requirements"]:
        ours = req["final"] if req["final"] is not None else "n"
        theirs = c_values.get(req["symbol"], "n")
        if ours != theirs:
            found.append(f"{req['symbol']}: kdumplayer {ours}, C {theirs}")
    return found


def _mean(runs: list[Run]) -> Run:
    return Run(
        statistics.mean(r.wall for r in runs),
        statistics.mean(r.cpu for r in runs),
        statistics.mean(r.load for r in runs),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        help="time the C path on N configs spread over the 73 (0: all)",
    )
    args = parser.parse_args()
    if not TARBALL.is_file():
        sys.exit(f"{TARBALL} is missing (apt-get install linux-source-6.12)")
    root = open_source(TARBALL, "x86").root  # extracted into the cache once, not timed
    with tempfile.TemporaryDirectory(prefix="bench-kconfig-batch-") as name:
        tmp = Path(name)
        fragment = tmp / "kdump.cfg"
        fragment.write_text("".join(fragment_for(a, "6.12") for a in ("x86_64", "arm64", "arm")))
        colds: list[Run] = []
        warms: list[Run] = []

        def kdumplayer_pair(index: int) -> dict:
            cache = empty_cache(tmp, f"cache{index}")
            cold, _ = kdumplayer(cache, tmp / f"cold{index}.json", fragment)
            warm, data = kdumplayer(cache, tmp / f"warm{index}.json", fragment)
            colds.append(cold)
            warms.append(warm)
            return data

        data = kdumplayer_pair(1)
        results = data["results"]
        count = len(results)
        picked = list(range(count))
        if args.sample:
            step = count / args.sample
            picked = sorted({int(i * step) for i in range(args.sample)})
        outs = {arch: c_builddir(root, arch, tmp) for arch in {r["arch"] for r in results}}
        c_runs: list[Run] = []
        differing: dict[str, list[str]] = {}
        for i in picked:
            result = results[i]
            arch, defconfig = result["arch"], Path(result["name"]).name
            c_runs.append(c_config(root, outs[arch], arch, defconfig, fragment))
            diff = differences(result, outs[arch] / ".config")
            if diff:
                differing[result["name"]] = diff
        kdumplayer_pair(2)

    cold, warm = _mean(colds), _mean(warms)
    c_wall = statistics.mean(r.wall for r in c_runs)
    c_cpu = statistics.mean(r.cpu for r in c_runs)
    c_load = statistics.mean(r.load for r in c_runs)
    arches = {a: sum(r["arch"] == a for r in results) for a in ("x86_64", "i386", "arm64", "arm")}
    split = ", ".join(f"{a} {n}" for a, n in arches.items())
    print(
        f"batch: {count} defconfigs of linux-source-6.12 ({split}) + the kdump fragment; "
        f"kdumplayer check --jobs 2, {os.cpu_count()} CPUs"
    )
    print(f"  {data['summary']['passed']} meet the fragment, {data['summary']['failed']} do not")
    for label, runs in (("cold", colds), ("warm", warms)):
        for i, r in enumerate(runs, 1):
            print(
                f"  kdumplayer {label} run {i}: {r.wall:6.2f} s wall, {r.cpu:6.2f} s CPU "
                f"(load {r.load:.1f})"
            )
    timed = "all" if len(c_runs) == count else f"{len(c_runs)} sampled"
    print(
        f"  C kconfig ({timed}): {c_wall:.2f} s wall, {c_cpu:.2f} s CPU per config "
        f"(load {c_load:.1f}); {count} configs: {c_wall * count:.0f} s wall, "
        f"{c_cpu * count:.0f} s CPU"
    )
    c_total_wall, c_total_cpu = c_wall * count, c_cpu * count
    print(
        f"ratio C / kdumplayer, cold: {c_total_wall / cold.wall:5.1f}x wall, "
        f"{c_total_cpu / cold.cpu:5.1f}x CPU (target >= 20x)"
    )
    print(
        f"ratio C / kdumplayer, warm: {c_total_wall / warm.wall:5.1f}x wall, "
        f"{c_total_cpu / warm.cpu:5.1f}x CPU (previous ~60x)"
    )
    print(
        f"requirement values against C's .config: {len(c_runs)} configs compared, "
        f"{len(differing)} differing"
    )
    for config, diff in differing.items():
        print(f"  {config}: {'; '.join(diff)}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
