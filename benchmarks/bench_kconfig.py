"""Benchmark the Kconfig library: every arm defconfig of linux-source-6.12 checked with
one parse, against the kernel's own C kconfig (make NAME, merge_config.sh -m, make
olddefconfig) on a sample; plus a cold and a warm single check.

- batch: KconfigTree.load once, then tree.check(defconfig + kdump fragment) for each
  arm defconfig (about seventy); time per config;
- C: the same fragment merged into a sample of those defconfigs in a build directory
  (O=) whose `conf` is built before timing; time per config;
- cold: a fresh process that parses the tree (no parse cache) and checks one config;
- warm: a fresh process that loads the parsed tree from the disk cache and checks one.

Wall and CPU times are printed: on a shared machine the CPU time is the steadier one.
Targets (issue 3): batch >= 10x faster per config than the C path, cold single check
no slower than one C config, warm check < 0.5 s.

Run: python3 benchmarks/bench_kconfig.py [--sample N] [--limit N] (from `make bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.cpath import c_commands  # noqa: E402
from kdumplayer.fragment import fragment_for  # noqa: E402
from kdumplayer.kconfig import Base, KconfigTree  # noqa: E402
from kdumplayer.kconfig.configfile import read_config  # noqa: E402
from kdumplayer.paths import cache_dir  # noqa: E402

TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
ARCH = "arm"
SINGLE = "multi_v7_defconfig"

_CHILD = """
import json, sys, time
t0 = time.perf_counter(); c0 = time.process_time()
from kdumplayer.kconfig import Base, KconfigTree
tree = KconfigTree.load(sys.argv[1], sys.argv[2], cache=sys.argv[3] == "warm")
t1 = time.perf_counter(); c1 = time.process_time()
result = tree.check(Base.defconfig(sys.argv[4]), [sys.argv[5]])
t2 = time.perf_counter(); c2 = time.process_time()
print(json.dumps({"load": t1 - t0, "check": t2 - t1, "total": t2 - t0,
                  "cpu": c2 - c0, "ok": result.ok}))
"""


def c_path(tree: KconfigTree, out: Path, name: str, frag: Path) -> tuple[float, float]:
    """(wall, cpu of the children) for make NAME + merge_config.sh -m + make olddefconfig."""
    before = os.times()
    start = time.perf_counter()
    for argv in c_commands(tree.root, out, tree.arch.kernel_arch, name, frag):
        subprocess.run(argv, check=True, capture_output=True, cwd=out)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def child(mode: str, frag: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(TARBALL), ARCH, mode, SINGLE, str(frag)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    data = json.loads(done.stdout)
    data["process"] = time.perf_counter() - start
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=5, help="defconfigs for the C path")
    parser.add_argument("--limit", type=int, default=0, help="check only N defconfigs (0: all)")
    args = parser.parse_args()

    start = time.perf_counter()
    tree = KconfigTree.load(TARBALL, ARCH)  # extracts and parses on first use
    print(
        f"tree: {TARBALL} -> Linux {tree.version}, arch {ARCH}, probes {tree.probes} "
        f"(first load {time.perf_counter() - start:.2f} s)"
    )
    names = tree.defconfigs()
    if args.limit:
        names = names[: args.limit]
    with tempfile.TemporaryDirectory(prefix="bench-kconfig-") as tmp:
        frag = Path(tmp) / "kdump.cfg"
        frag.write_text(fragment_for(ARCH, tree.version))

        parse_wall = time.perf_counter()
        parse_cpu = time.process_time()
        tree = KconfigTree.load(TARBALL, ARCH, cache=False)
        parse_wall = time.perf_counter() - parse_wall
        parse_cpu = time.process_time() - parse_cpu
        ours: dict[str, tuple[float, float, bool]] = {}
        for name in names:
            w, c = time.perf_counter(), time.process_time()
            ok = tree.check(Base.defconfig(name), [frag]).ok
            ours[name] = (time.perf_counter() - w, time.process_time() - c, ok)

        step = max(1, len(names) // max(1, args.sample))
        sample = names[::step][: args.sample]
        out = cache_dir() / "bench-c-kconfig" / f"{tree.root.name}-{ARCH}"
        out.mkdir(parents=True, exist_ok=True)
        c_path(tree, out, sample[0], frag)  # builds scripts/kconfig/conf, not timed
        theirs = {}
        differing = {}
        for name in sample:
            theirs[name] = c_path(tree, out, name, frag)
            c_values = {
                a.symbol: a.value if a.value == "n" else a.raw for a in read_config(out / ".config")
            }
            values = tree.evaluate(Base.defconfig(name), [frag]).values
            differing[name] = sum(
                values.get(k) != c_values.get(k) for k in set(values) | set(c_values)
            )

        cold = child("cold", frag)
        warm = child("warm", frag)

    print(f"\n{'defconfig':34} {'kdumplayer s':>12} {'cpu s':>7} {'C s':>7} {'C cpu s':>8}  met")
    for name in names:
        w, c, ok = ours[name]
        cw, cc = theirs.get(name, (None, None))
        c_text = f"{cw:7.2f} {cc:8.2f}" if cw is not None else f"{'-':>7} {'-':>8}"
        print(f"{name:34} {w:12.3f} {c:7.3f} {c_text}  {'yes' if ok else 'no'}")

    our_wall = statistics.mean(v[0] for v in ours.values())
    our_cpu = statistics.mean(v[1] for v in ours.values())
    c_wall = statistics.mean(v[0] for v in theirs.values())
    c_cpu = statistics.mean(v[1] for v in theirs.values())
    batch_wall = parse_wall + sum(v[0] for v in ours.values())
    batch_cpu = parse_cpu + sum(v[1] for v in ours.values())
    print(
        f"\nkdumplayer: one parse {parse_wall:.2f} s (cpu {parse_cpu:.2f}), "
        f"{len(names)} checks, mean {our_wall:.3f} s per config (cpu {our_cpu:.3f})"
    )
    print(
        f"C kconfig:  {len(theirs)} sampled, mean {c_wall:.2f} s per config "
        f"(cpu {c_cpu:.2f}); all {len(names)} would take ~{c_wall * len(names):.0f} s"
    )
    print(
        f"ratio per config (C / kdumplayer): wall {c_wall / our_wall:.1f}x, "
        f"cpu {c_cpu / our_cpu:.1f}x"
    )
    print(
        f"ratio whole batch incl. the parse: wall {c_wall * len(names) / batch_wall:.1f}x, "
        f"cpu {c_cpu * len(names) / batch_cpu:.1f}x"
    )
    print(
        f"cold single check (fresh process, no parse cache): load {cold['load']:.2f} s + "
        f"check {cold['check']:.2f} s = {cold['total']:.2f} s (cpu {cold['cpu']:.2f}, "
        f"process {cold['process']:.2f} s) vs one C config {c_wall:.2f} s"
    )
    print(
        f"warm single check (fresh process, parsed tree from disk): load "
        f"{warm['load']:.2f} s + check {warm['check']:.2f} s = {warm['total']:.2f} s "
        f"(cpu {warm['cpu']:.2f}, process {warm['process']:.2f} s); target < 0.5 s"
    )
    print(
        "same .config as the C kconfig on the sample: "
        + ", ".join(f"{n} {d} differing" for n, d in differing.items())
    )
    failed = [n for n, v in ours.items() if not v[2]]
    print(
        f"defconfigs where the kdump fragment is not met: {len(failed)}"
        + (f" ({', '.join(failed[:8])}{' ...' if len(failed) > 8 else ''})" if failed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
