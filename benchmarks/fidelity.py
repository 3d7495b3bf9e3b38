"""`make fidelity`: every defconfig, config target, tinyconfig and allnoconfig of
x86_64, i386, arm64, arm and riscv64, for linux-source 6.1, 6.12 and the newest
series Debian offers, evaluated by kdumplayer and by the kernel's own C kconfig
with the kdump fragment; JSON lines (one a case) to --output, a summary table on
stdout; exit 1 on any difference or failed case. See docs/fidelity.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from kdumplayer import debian
from kdumplayer.kconfig import fidelity


def sources(versions: list[str]) -> dict[str, Path]:
    found = {}
    for version in versions:
        series = debian.newest_linux_source_series() if version == "newest" else version
        if series is None:
            raise SystemExit("fidelity: no newest linux-source series found")
        found[series] = debian.linux_source(series)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", default="6.1,6.12,newest",
                        help="kernel series, comma-separated ('newest': Debian's newest)")
    parser.add_argument("--arches", default=",".join(fidelity.SWEEP_ARCHES))
    parser.add_argument("--output", "-o", default="out/fidelity.jsonl",
                        help="JSON lines, one a case")
    parser.add_argument("--sample", action="store_true",
                        help="per version and arch: the default defconfig and tinyconfig only")
    parser.add_argument("--c-only", action="store_true",
                        help="only compute (and cache) the C side")
    args = parser.parse_args()
    trees = sources(args.versions.split(","))
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0, 0.0, 0.0, 0, 0])
    kernels: dict[str, str] = {}
    failed = False
    start = time.monotonic()
    with out.open("w", encoding="utf-8") as handle, tempfile.TemporaryDirectory() as tmp:
        results = fidelity.sweep(trees, tuple(args.arches.split(",")), Path(tmp),
                                 sample=args.sample, c_only=args.c_only)
        for result in results:
            record = result.record()
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            row = totals[(result.case.version, result.case.arch)]
            kernels[result.case.version] = result.kernel
            row[0] += 1
            row[1] += bool(result.differing)
            row[2] += len(result.differing)
            row[3] += result.ours_seconds
            row[4] += result.c_seconds
            row[5] += result.c_cached
            row[6] += result.error is not None
            if result.differing or result.error:
                failed = True
                what = result.error.splitlines()[0] if result.error else ", ".join(
                    f"{s} ours={result.ours.get(s)} C={result.theirs.get(s)}"
                    for s in result.differing[:5])
                print(f"DIFF {result.case.name}: {what}", file=sys.stderr, flush=True)
    print(f"{'kernel':<10} {'arch':<8} {'cases':>5} {'differ':>6} {'symbols':>7} "
          f"{'errors':>6} {'kdumplayer s':>12} {'C s':>8} {'C cached':>8}")
    sums = [0, 0, 0, 0.0, 0.0, 0, 0]
    for (version, arch), row in totals.items():
        print(f"{kernels[version]:<10} {arch:<8} {row[0]:>5} {row[1]:>6} {row[2]:>7} "
              f"{row[6]:>6} {row[3]:>12.1f} {row[4]:>8.1f} {row[5]:>8}")
        sums = [a + b for a, b in zip(sums, row, strict=True)]
    print(f"{'total':<10} {'':<8} {sums[0]:>5} {sums[1]:>6} {sums[2]:>7} {sums[6]:>6} "
          f"{sums[3]:>12.1f} {sums[4]:>8.1f} {sums[5]:>8}")
    print(f"wall time {time.monotonic() - start:.0f} s; JSON lines: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
