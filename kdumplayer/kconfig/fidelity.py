"""Fidelity sweep: kdumplayer's evaluation against the kernel's own C kconfig.

One case is (kernel tree, arch, base): every defconfig of the arch, every
config target its arch Makefile defines (riscv rv32_defconfig, arm
multi_v7_lpae_defconfig, arm64 virtconfig), the default defconfig followed by
each of the arch's X.config merge targets (`make defconfig kvm_guest.config`),
tinyconfig and allnoconfig. Each
gets the kdump fragment of kdumplayer.fragment.fragment_for(arch, version).

The C side is what a developer runs: `make BASE`, `merge_config.sh -m .config
kdump.cfg`, `make olddefconfig`, with scripts/kconfig/conf built by make from
the same tree and scripts/dummy-tools for the compiler probes. It costs about
4 s a case, so its result is cached by (tree content, arch, base, fragment):
a sweep run again recomputes only the kdumplayer side (the recorded C time is
reported with it). Used by tests/kconfig/test_fidelity.py and `make fidelity`
(benchmarks/fidelity.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.arch import all_arches, get_arch
from kdumplayer.errors import UserError
from kdumplayer.kconfig.configfile import parse_config_text
from kdumplayer.kconfig.evaluate import Base
from kdumplayer.kconfig.targets import arch_targets
from kdumplayer.kconfig.tree import KconfigTree
from kdumplayer.paths import cache_dir

_C_FORMAT = "c1"  # bump when the C procedure changes: old results are not reused
SWEEP_ARCHES = ("x86_64", "i386", "arm64", "arm", "riscv64")


@dataclass(frozen=True)
class Case:
    version: str  # the series asked for ("6.1", "7.3")
    arch: str
    base: str  # a make target: NAME_defconfig, tinyconfig, allnoconfig, a Makefile target

    @property
    def name(self) -> str:
        return f"{self.version}/{self.arch}/{self.base}"


def cases_for(tree: KconfigTree, version: str, sample: bool = False) -> list[Case]:
    """The sweep's cases of one tree and arch (sample: its default defconfig + tinyconfig)."""
    arch = tree.arch
    if sample:
        return [
            Case(version, arch.name, default_defconfig(tree)),
            Case(version, arch.name, "tinyconfig"),
        ]
    names = [n for n in tree.defconfigs() if _defconfig_arch(n, arch.srcarch) == arch.name]
    names += [t for t in arch_targets(tree.root, arch.srcarch) if t not in names]
    # `make DEFAULT X.config` for the arch's own merge fragments (kvm_guest, lpae, virt...)
    default = default_defconfig(tree)
    merges = [
        f"{default} {p.name}"
        for p in sorted((tree.root / "arch" / arch.srcarch / "configs").glob("*.config"))
    ]
    bases = [*sorted(set(names)), *merges, "tinyconfig", "allnoconfig"]
    return [Case(version, arch.name, b) for b in bases]


def default_defconfig(tree: KconfigTree) -> str:
    """What `make defconfig` starts from: x86 {i386,x86_64}_defconfig, else `defconfig`."""
    named = f"{tree.arch.kernel_arch}_defconfig"
    return named if named in tree.defconfigs() else "defconfig"


def _defconfig_arch(name: str, srcarch: str) -> str | None:
    """x86's i386_defconfig belongs to i386, x86_64_defconfig to x86_64; others to the
    one kdumplayer arch of their directory."""
    candidates = [a for a in all_arches().values() if a.srcarch == srcarch]
    if len(candidates) > 1:
        named = [a for a in candidates if name.startswith(a.kernel_arch + "_")]
        return named[0].name if named else None
    return candidates[0].name if candidates else None


def _make(tree: KconfigTree, out: Path) -> list[str]:
    dummy = tree.root / "scripts" / "dummy-tools"
    return [
        "nice",
        "make",
        "-s",
        "-C",
        str(tree.root),
        f"O={out}",
        f"ARCH={tree.arch.kernel_arch}",
        f"CROSS_COMPILE={dummy}/",
        f"PAHOLE={dummy}/pahole",
    ]


def _run(argv: list[str], cwd: Path | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KCONFIG_")}
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")


def c_workdir(tree: KconfigTree) -> Path:
    return cache_dir() / "c-kconfig" / f"{tree.root.name}-{tree.arch.name}"


def c_config(tree: KconfigTree, base: str, fragments: list[Path]) -> str:
    """The .config text the C kconfig writes for `make BASE` + merge_config.sh -m the
    fragments + `make olddefconfig` (same dummy tools as kdumplayer's parse)."""
    out = c_workdir(tree)
    out.mkdir(parents=True, exist_ok=True)
    make = _make(tree, out)
    # One build directory per tree and arch: a test and a sweep may want it at once.
    with (out.parent / f"{out.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _run([*make, *base.split()])
        if fragments:
            merge = tree.root / "scripts" / "kconfig" / "merge_config.sh"
            _run(
                [
                    "sh",
                    str(merge),
                    "-m",
                    "-O",
                    str(out),
                    str(out / ".config"),
                    *map(str, fragments),
                ],
                cwd=out,
            )
            _run([*make, "olddefconfig"])
        return (out / ".config").read_text(encoding="utf-8", errors="surrogateescape")


def config_values(text: str, name: str) -> dict[str, str]:
    """{symbol: value} of a .config as the comparison sees it ("n" for not set)."""
    return {a.symbol: a.value if a.value == "n" else a.raw for a in parse_config_text(text, name)}


class NotCached(Exception):
    """The C side of a case has not run yet (and the caller asked not to run it)."""


def c_values_cached(
    tree: KconfigTree, base: str, fragment_text: str, work: Path, cached_only: bool = False
) -> tuple[dict[str, str], float, bool]:
    """(values, C seconds, from cache) for a case; computed once per input."""
    key = hashlib.sha256(
        "\n".join([_C_FORMAT, tree.root.name, tree.arch.name, base, fragment_text]).encode()
    ).hexdigest()
    memo = cache_dir() / "fidelity" / f"{key[:32]}.json"
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
        return data["values"], float(data["seconds"]), True
    except (OSError, ValueError, KeyError):
        if cached_only:
            raise NotCached(base) from None
    frag = work / "kdump.cfg"
    frag.write_text(fragment_text, encoding="utf-8")
    start = time.monotonic()
    values = config_values(c_config(tree, base, [frag]), f"C .config of {base}")
    seconds = time.monotonic() - start
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"values": values, "seconds": seconds}), encoding="utf-8")
    os.replace(tmp, memo)
    return values, seconds, False


def ours(tree: KconfigTree, base: str, fragment: Path) -> dict[str, str]:
    return tree.evaluate(Base.parse(base), [fragment]).values


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


@dataclass
class CaseResult:
    case: Case
    kernel: str  # the tree's full version
    symbols: int
    differing: list[str]
    ours: dict[str, str]
    theirs: dict[str, str]
    ours_seconds: float
    c_seconds: float
    c_cached: bool
    error: str | None = None

    def record(self) -> dict[str, object]:
        return {
            "version": self.case.version,
            "kernel": self.kernel,
            "arch": self.case.arch,
            "base": self.case.base,
            "symbols": self.symbols,
            "differences": [
                {"symbol": s, "kdumplayer": self.ours.get(s), "c": self.theirs.get(s)}
                for s in self.differing
            ],
            "kdumplayer_seconds": round(self.ours_seconds, 3),
            "c_seconds": round(self.c_seconds, 3),
            "c_cached": self.c_cached,
            "error": self.error,
        }


def run_case(
    tree: KconfigTree, case: Case, work: Path, c_only: bool = False, cached_only: bool = False
) -> CaseResult:
    """One case; NotCached when cached_only and its C side has not run yet."""
    from kdumplayer.fragment import fragment_for

    work.mkdir(parents=True, exist_ok=True)
    text = fragment_for(tree.arch.name, tree.version)
    frag = work / "kdump.cfg"
    frag.write_text(text, encoding="utf-8")
    try:
        theirs, c_seconds, cached = c_values_cached(tree, case.base, text, work, cached_only)
    except (RuntimeError, OSError, UserError) as exc:
        return CaseResult(case, tree.version, 0, [], {}, {}, 0.0, 0.0, False, str(exc)[:2000])
    if c_only:
        return CaseResult(case, tree.version, len(theirs), [], {}, theirs, 0.0, c_seconds, cached)
    start = time.monotonic()
    mine = ours(tree, case.base, frag)
    seconds = time.monotonic() - start
    return CaseResult(
        case,
        tree.version,
        len(theirs),
        differences(mine, theirs),
        mine,
        theirs,
        seconds,
        c_seconds,
        cached,
    )


def sweep(
    sources: dict[str, Path],
    arches: tuple[str, ...],
    work: Path,
    sample: bool = False,
    c_only: bool = False,
    cached_only: bool = False,
) -> Iterator[CaseResult]:
    """Every case of every (version, arch), in order (cached_only: those whose C side
    has already run)."""
    for version, src in sources.items():
        for arch in arches:
            tree = KconfigTree.load(src, get_arch(arch))
            for case in cases_for(tree, version, sample):
                try:
                    yield run_case(
                        tree,
                        case,
                        work / re.sub(r"[^A-Za-z0-9_.-]", "_", case.name),
                        c_only,
                        cached_only,
                    )
                except NotCached:
                    continue
