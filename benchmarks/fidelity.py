"""`make fidelity`: every defconfig, config target, tinyconfig and allnoconfig of
x86_64, i386, arm64, arm and riscv64, for linux-source 6.1, 6.12 and the newest
series Debian offers, evaluated by kdumplayer and by the kernel's own C kconfig
with the kdump fragment; JSON lines (one a case) to --output, a summary table on
stdout; exit 1 on any difference or failed case. See docs/fidelity.md.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def summary(records: list[dict[str, Any]]) -> tuple[list[str], bool]:
    """The table of JSON-line records, per kernel and arch; and whether all agreed."""
    rows: dict[tuple[str, str], list[float]] = {}
    for r in records:
        row = rows.setdefault((r["kernel"], r["arch"]), [0, 0, 0, 0, 0.0, 0.0, 0])
        row[0] += 1
        row[1] += bool(r["differences"])
        row[2] += len(r["differences"])
        row[3] += r["error"] is not None
        row[4] += r["kdumplayer_seconds"]
        row[5] += r["c_seconds"]
        row[6] += r["symbols"]
    head = (
        f"{'kernel':<9} {'arch':<8} {'cases':>5} {'differ':>6} {'symbols':>7} "
        f"{'errors':>6} {'kdumplayer s':>12} {'C s':>8} {'compared':>9}"
    )
    lines = [head]
    total = [0, 0, 0, 0, 0.0, 0.0, 0]
    for (kernel, arch), row in sorted(
        rows.items(), key=lambda kv: (tuple(int(p) for p in kv[0][0].split(".")[:3]), kv[0][1])
    ):
        lines.append(
            f"{kernel:<9} {arch:<8} {row[0]:>5} {row[1]:>6} {row[2]:>7} {row[3]:>6} "
            f"{row[4]:>12.1f} {row[5]:>8.1f} {row[6]:>9}"
        )
        total = [a + b for a, b in zip(total, row, strict=True)]
    lines.append(
        f"{'total':<9} {'':<8} {total[0]:>5} {total[1]:>6} {total[2]:>7} "
        f"{total[3]:>6} {total[4]:>12.1f} {total[5]:>8.1f} {total[6]:>9}"
    )
    lines.append(
        "(differ: cases with a differing symbol; symbols: differing symbols; "
        "compared: .config symbols compared; s: CPU-bound wall seconds of each side)"
    )
    return lines, total[1] == 0 and total[3] == 0


def read_records(paths: list[str]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            seen[(record["kernel"], record["arch"], record["base"])] = record  # later wins
    return list(seen.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--versions",
        default="6.1,6.12,newest",
        help="kernel series, comma-separated ('newest': Debian's newest)",
    )
    parser.add_argument("--arches", default=",".join(fidelity.SWEEP_ARCHES))
    parser.add_argument(
        "--output", "-o", default="out/fidelity.jsonl", help="JSON lines, one a case"
    )
    parser.add_argument(
        "--sample",
        action="store_true",
        help="per version and arch: the default defconfig and tinyconfig only",
    )
    parser.add_argument("--c-only", action="store_true", help="only compute (and cache) the C side")
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="only the cases whose C side has already run (and is cached)",
    )
    parser.add_argument(
        "--summary",
        nargs="+",
        metavar="JSONL",
        help="print the table of earlier runs' JSON lines and exit",
    )
    args = parser.parse_args()
    if args.summary:
        lines, agreed = summary(read_records(args.summary))
        print("\n".join(lines))
        return 0 if agreed else 1
    trees = sources(args.versions.split(","))
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    start = time.monotonic()
    complete = False
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a stopped sweep still sums up
    try:
        with out.open("w", encoding="utf-8") as handle, tempfile.TemporaryDirectory() as tmp:
            for result in fidelity.sweep(
                trees,
                tuple(args.arches.split(",")),
                Path(tmp),
                sample=args.sample,
                c_only=args.c_only,
                cached_only=args.cached_only,
            ):
                record = result.record()
                records.append(record)
                handle.write(json.dumps(record, sort_keys=True) + "\n")
                handle.flush()
                if result.differing or result.error:
                    what = (
                        result.error.splitlines()[0]
                        if result.error
                        else ", ".join(
                            f"{s} ours={result.ours.get(s)} C={result.theirs.get(s)}"
                            for s in result.differing[:5]
                        )
                    )
                    print(f"DIFF {result.case.name}: {what}", file=sys.stderr, flush=True)
        complete = True
    except KeyboardInterrupt:
        print(
            "fidelity: stopped before the end; the table covers the cases that ran", file=sys.stderr
        )
    lines, agreed = summary(records)
    print("\n".join(lines))
    print(f"wall time {time.monotonic() - start:.0f} s; JSON lines: {out}")
    return 0 if agreed and complete else 1


if __name__ == "__main__":
    sys.exit(main())
