"""Benchmark `kdumplayer analyze` on the default board's 1 GiB guest: the gold
kernel (built once, cached) crashes in QEMU, the hook saves the dump, and
analyze (drgn, the gold vmlinux) reads it: wall time and peak RSS of the
analyze process on the board's dump (its settings: makedumpfile -d 31, zlib).
(An unfiltered cp capture of the 1 GiB, tried once under TCG on a loaded 2-core
host, saved no complete dump; it is not part of the run.)

Target: under 10 s and under 1 GiB of memory.
One capture (two boots under TCG, a few minutes), plus the gold kernel build
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kdumplayer.board.model import load_board  # noqa: E402
from kdumplayer.verify import analysis, gold, scenarios  # noqa: E402

TARGET_SECONDS, TARGET_RSS = 10.0, 1 << 30


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
    level, compression = board.dump.level, board.dump.compression
    with tempfile.TemporaryDirectory(prefix="kdumplayer-bench-") as tmp:
        work = Path(tmp) / "capture"
        outcome = scenarios.capture(board, build.kernel, work)
        dumps = [d for d in outcome.dumps if d.complete]
        if not dumps:
            print(f"no dump captured (see {work})", file=sys.stderr)
            return 1
        dump = analysis.copy_dump(work / analysis.DUMP_DISK, dumps[-1].name, work / "dumps")
        argv = [sys.executable, "-m", "kdumplayer", "analyze", str(dump), "--vmlinux", str(vmlinux)]
        print(f"$ {shlex.join(argv)}", flush=True)
        seconds, rss, code = measure(argv)
        vmcore = (dump / "vmcore").stat().st_size
    ok = code == 0 and seconds < TARGET_SECONDS and rss < TARGET_RSS
    print(
        f"  makedumpfile -d {level} {compression}, vmcore {vmcore / (1 << 20):.1f} MiB: "
        f"{seconds:.2f} s, peak RSS {rss / (1 << 20):.1f} MiB, exit {code} "
        f"({'within' if ok else 'OUTSIDE'} the target: {TARGET_SECONDS:.0f} s, "
        f"{TARGET_RSS >> 20} MiB)",
        flush=True,
    )
    run = {
        "level": level,
        "compression": compression,
        "vmcore": vmcore,
        "seconds": round(seconds, 2),
        "peak_rss": rss,
        "exit": code,
    }
    if args.json:
        args.json.write_text(
            json.dumps({"board": board.name, "memory": board.memory, "run": run}, indent=2) + "\n"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
