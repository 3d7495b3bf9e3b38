"""Round trip of the generated defconfigs through a real Buildroot (`make buildroot-check`).

Kconfig drops a defconfig line whose dependencies are not met without a word,
so for every example board and every way the README gives to use the tree,
this configures the real Buildroot and compares each line of the defconfig
with the .config it produced:

- standalone: generated without a base, `make <board>_kdump_defconfig` alone;
- merged: generated with `--buildroot-dir BUILDROOT` (over configs/<base>);
- over-base: the README's merge of the kdump settings over the base
  (`make <base>`, support/kconfig/merge_config.sh -m, `make olddefconfig`).

`compare()` is a pure function of two texts (tested in CI); `main()` needs a
Buildroot checkout, which CI cannot fetch, so it runs only from the make target:
`python -m kdumplayer.generate.br_roundtrip BUILDROOT [BOARD...]`.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

_SET = re.compile(r"^(BR2_[A-Za-z0-9_]+)=(.*)$")
_UNSET = re.compile(r"^# (BR2_[A-Za-z0-9_]+) is not set$")
KDUMP_MARK = "# kdump (kdumplayer)"


@dataclass(frozen=True)
class Lost:
    """A defconfig line whose value did not reach the .config."""

    line: int
    text: str
    final: str  # the .config's line for the symbol, or "(absent)"
    kdump: bool  # one of kdumplayer's lines (not a line of the base)


@dataclass(frozen=True)
class Comparison:
    lines: int  # assignments compared
    kdump_lines: int  # of which kdumplayer's
    lost: tuple[Lost, ...]

    @property
    def kdump_lost(self) -> list[Lost]:
        return [x for x in self.lost if x.kdump]


def _final(config: str) -> dict[str, str]:
    values = {}
    for raw in config.splitlines():
        if (match := _SET.match(raw)) or (match := _UNSET.match(raw)):
            values[match[1]] = raw
    return values


def compare(defconfig: str, config: str, *, all_kdump: bool = False) -> Comparison:
    """Each assignment of `defconfig` against the configured `config`.

    kdumplayer's lines are those after the `# kdump (kdumplayer)` mark, or every
    line with `all_kdump` (a standalone or kdump-only defconfig).
    """
    final = _final(config)
    lost: list[Lost] = []
    count = kdump_count = 0
    mine = all_kdump
    for number, raw in enumerate(defconfig.splitlines(), 1):
        line = raw.strip()
        if line == KDUMP_MARK:
            mine = True
            continue
        if match := _SET.match(line):
            ok = final.get(match[1]) == line
        elif match := _UNSET.match(line):
            ok = final.get(match[1], line) == line  # absent is not set
        else:
            continue
        count += 1
        kdump_count += mine
        if not ok:
            lost.append(Lost(number, line, final.get(match[1], "(absent)"), mine))
    return Comparison(count, kdump_count, tuple(lost))


# -- the real Buildroot -----------------------------------------------------------


def _run(cmd: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {result.returncode}\n{result.stderr[-2000:]}")


def _make(buildroot: Path, out: Path, external: Path, target: str) -> None:
    _run(["make", "-C", str(buildroot), f"O={out}", f"BR2_EXTERNAL={external}", target])


def _generate(board: Path, tree: Path, buildroot: Path | None) -> None:
    cmd = [sys.executable, "-m", "kdumplayer", "generate", "buildroot", str(board), "-o", str(tree)]
    if buildroot is not None:
        cmd += ["--buildroot-dir", str(buildroot)]
    _run(cmd)


def _defconfig(tree: Path) -> Path:
    return next((tree / "configs").glob("*_kdump_defconfig"))


def round_trip(board: Path, buildroot: Path, work: Path) -> list[tuple[str, Comparison]]:
    """The three ways of using the tree, each compared; raises on a make failure."""
    from kdumplayer.board.model import load_board

    base = load_board(board).buildroot.defconfig
    results = []
    alone, merged = work / "tree-standalone", work / "tree-merged"
    _generate(board, alone, None)
    _generate(board, merged, buildroot)
    defconfig = _defconfig(alone)
    settings = alone / "board" / board.stem / "kdump.defconfig"
    standalone = settings.is_file()
    if standalone:
        out = work / "out-standalone"
        _make(buildroot, out, alone, defconfig.name)
        results.append(
            (
                "standalone",
                compare(defconfig.read_text(), (out / ".config").read_text(), all_kdump=True),
            )
        )
    out = work / "out-merged"
    _make(buildroot, out, merged, _defconfig(merged).name)
    results.append(
        ("merged", compare(_defconfig(merged).read_text(), (out / ".config").read_text()))
    )
    if base:
        out = work / "out-over-base"
        piece = settings if standalone else defconfig
        _make(buildroot, out, alone, base)
        _run(
            [
                str(buildroot / "support" / "kconfig" / "merge_config.sh"),
                "-m",
                ".config",
                str(piece),
            ],
            cwd=out,
        )
        _make(buildroot, out, alone, "olddefconfig")
        results.append(
            ("over-base", compare(piece.read_text(), (out / ".config").read_text(), all_kdump=True))
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="buildroot-check", description=__doc__.split("\n")[0])
    parser.add_argument("buildroot", type=Path, help="a Buildroot checkout")
    parser.add_argument("boards", nargs="*", type=Path, help="default: board-configs/*.yaml")
    args = parser.parse_args(argv)
    boards = args.boards or sorted(Path("board-configs").glob("*.yaml"))
    failed = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kdumplayer-br-") as tmp:
        for board in boards:
            for mode, result in round_trip(board, args.buildroot.resolve(), Path(tmp) / board.stem):
                lost = result.kdump_lost
                failed += bool(lost)
                state = "ok  " if not lost else "LOST"
                print(
                    f"{state} {board.stem:24} {mode:10} {result.kdump_lines:3} kdump lines kept"
                    f" {result.kdump_lines - len(lost)}/{result.kdump_lines}; "
                    f"{result.lines} lines, {len(result.lost)} changed",
                    flush=True,
                )
                for item in result.lost:
                    tag = "kdump" if item.kdump else "base "
                    print(f"       {tag} line {item.line}: {item.text} -> {item.final}")
    print(
        f"{len(boards)} board(s), {failed} round trip(s) losing a kdump line, "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
