"""Benchmark the kdump capture in QEMU on the default board (Debian's cloud kernel):

- time from the crash (the kernel's "sysrq: Trigger a crash" line on the serial
  console) to the hook's "kdump: dump ok" line, host clock;
- the vmcore's size against the guest's RAM for each dump level (0, 1, 31) and
  compression (none, zlib, lzo: Debian's makedumpfile 1.7.2 has no snappy/zstd);
- the smallest crashkernel= that still captures (bisection in 8M steps between
  32M and the board's size, each probe one boot + crash + capture), next to
  Fedora's 256M and Debian's 192M defaults.

Every figure comes from a real boot; about 15 boots, a few minutes under TCG.
Run: python3 benchmarks/bench_verify.py [--board FILE] [--json FILE] (from `make bench`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kdumplayer.board.model import load_board  # noqa: E402
from kdumplayer.verify import assets, report  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", default=str(REPO / "board-configs" / "qemu-x86_64.yaml"))
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    board = load_board(args.board)
    kernel = assets.debian_kernel()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kdumplayer-bench-") as tmp:
        result = report.measure(
            board,
            kernel,
            Path(tmp),
            log=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
        )
    print(report.format_report(result))
    print(f"\n{len(result.sizes) + len(result.probes)} boots in {time.monotonic() - start:.0f}s")
    if args.json:
        args.json.write_text(json.dumps(result.as_dict(), indent=2) + "\n")
    return 0 if result.smallest else 1


if __name__ == "__main__":
    sys.exit(main())
