"""Benchmark `kdumplayer analyze` on the default board's 1 GiB guest: the gold
kernel (built once, cached) crashes in QEMU, the hook saves the dump, and
analyze (drgn, the gold vmlinux) reads it: wall time and peak RSS of the
analyze process, for the board's dump (makedumpfile -d 31, zlib) and for an
unfiltered ELF one (the hook's cp collector: every page of the 1 GiB guest).

Target: under 10 s and under 1 GiB of memory for each.
Two captures (four boots under TCG, a few minutes), plus the gold kernel build
when it is not cached.
Run: python3 benchmarks/bench_analyze.py [--board FILE] [--json FILE] (from `make bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kdumplayer.board import load_board  # noqa: E402
from kdumplayer.verify import analysis, gold, report, scenarios  # noqa: E402

TARGET_SECONDS, TARGET_RSS = 10.0, 1 << 30
SETTINGS = ((31, "zlib", "makedumpfile"), (0, "none", "cp"))


def measure(argv: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS bytes, exit code) of one process."""
    start = time.monotonic()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode and child.stderr:
        print(child.stderr.read().decode(errors="replace"), file=sys.stderr)
    return seconds, usage.ru_maxrss * 1024, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", default=str(REPO / "board-configs" / "qemu-x86_64.yaml"))
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    board = load_board(args.board)
    build = gold.build_gold(board)
    vmlinux = gold.vmlinux_of(build.kernel)
    assert vmlinux is not None
    size = max(p.size_for(board.memory) for p in board.crashkernel.params)
    rows, ok = [], True
    with tempfile.TemporaryDirectory(prefix="kdumplayer-bench-") as tmp:
        for level, compression, collector in SETTINGS:
            setting = report.with_setting(board, size, level, compression)
            setting = replace(setting, dump=replace(setting.dump, collector=collector))
            outcome = scenarios.capture(setting, build.kernel, Path(tmp) / f"d{level}")
            dumps = [d for d in outcome.dumps if d.complete]
            if not dumps:
                print(f"level {level} {compression}: no dump captured", file=sys.stderr)
                return 1
            dump = analysis.copy_dump(Path(tmp) / f"d{level}" / analysis.DUMP_DISK,
                                      dumps[-1].name, Path(tmp) / f"d{level}" / "dumps")
            argv = [sys.executable, "-m", "kdumplayer", "analyze", str(dump),
                    "--vmlinux", str(vmlinux)]
            print(f"$ {shlex.join(argv)}", flush=True)
            seconds, rss, code = measure(argv)
            vmcore = (dump / "vmcore").stat().st_size
            good = code == 0 and seconds < TARGET_SECONDS and rss < TARGET_RSS
            ok = ok and good
            rows.append({"collector": collector, "level": level, "compression": compression,
                         "vmcore": vmcore,
                         "seconds": round(seconds, 2), "peak_rss": rss, "exit": code})
            print(f"  {collector} -d {level:2d} {compression:5s} "
                  f"vmcore {vmcore / (1 << 20):7.1f} MiB: "
                  f"{seconds:5.2f} s, peak RSS {rss / (1 << 20):6.1f} MiB, exit {code} "
                  f"({'within' if good else 'OUTSIDE'} {TARGET_SECONDS:.0f} s / "
                  f"{TARGET_RSS >> 20} MiB)", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"board": board.name, "memory": board.memory,
                                         "runs": rows}, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
