"""What `make NAME` does for a config target, read from the tree's own Makefiles.

scripts/kconfig/Makefile gives the generic targets: `defconfig` (the arch's
KBUILD_DEFCONFIG), `NAME_defconfig` (arch/$SRCARCH/configs/NAME_defconfig),
`NAME.config` (merge kernel/configs/NAME.config and arch/$SRCARCH/configs/
NAME.config into the current .config, then olddefconfig). An arch Makefile
may define explicit targets, which make prefers to those patterns (riscv's
rv32_defconfig is `defconfig 32-bit.config` even where a file of that name
exists). They come in two forms, both read here:

    rv32_defconfig:
            $(Q)$(MAKE) -f $(srctree)/Makefile defconfig 32-bit.config
    multi_v7_lpae_defconfig:
            $(call merge_into_defconfig,multi_v7_defconfig,lpae)

The second merges the base file's own lines with the fragments (not the
resolved base) and runs olddefconfig (scripts/Makefile.defconf). Targets
whose recipe is anything else (randconfig seeds) are not config targets
kdumplayer can evaluate and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_RULE = re.compile(r"^([A-Za-z0-9_.-]*config)\s*:(?!=)\s*(.*)$")
_MAKE = re.compile(r"^\$\(Q\)\$\(MAKE\)\s+-f\s+\$\(srctree\)/Makefile\s+(.+)$")
_MERGE = re.compile(r"^\$\(call\s+merge_into_defconfig(?:_override)?,\s*([^,\s]+)\s*,\s*([^)]*)\)$")
_DEFCONFIG_VAR = re.compile(r"^\s*KBUILD_DEFCONFIG\s*:?=\s*(\S+)", re.M)


@dataclass(frozen=True)
class Targets:
    """`make T1 T2 ...` (each target run in turn on the .config the last one left)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class MergeInto:
    """merge_into_defconfig: the base file's lines, then the fragments, then olddefconfig."""

    base: str  # a file under arch/$SRCARCH/configs
    fragments: tuple[str, ...]  # NAME for arch/$SRCARCH/configs/NAME.config


Recipe = Targets | MergeInto


def _rules(makefile: Path) -> dict[str, list[str]]:
    """Explicit rules of a Makefile: target -> recipe lines (continuations joined)."""
    try:
        text = makefile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    rules: dict[str, list[str]] = {}
    current: list[str] | None = None
    pending = ""
    for line in text.splitlines():
        if current is not None and line.startswith("\t"):
            pending += line.strip()
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            current.append(" ".join(pending.split()))
            pending = ""
            continue
        current = None
        match = _RULE.match(line)
        if match and "%" not in match[1] and "$" not in match[1]:
            current = rules.setdefault(match[1], [])
    return rules


def _recipe(lines: list[str]) -> Recipe | None:
    if len(lines) != 1:
        return None
    if match := _MERGE.match(lines[0]):
        return MergeInto(match[1], tuple(match[2].split()))
    if match := _MAKE.match(lines[0]):
        words = match[1].split()
        if any("=" in w or w.startswith("-") or "$" in w for w in words):
            return None  # variables (KCONFIG_ALLCONFIG=...) or options: not a plain chain
        return Targets(tuple(words))
    return None


def arch_recipes(root: Path, srcarch: str) -> dict[str, Recipe]:
    """The config targets arch/$SRCARCH/Makefile defines, with what they do."""
    found = {}
    for name, lines in _rules(root / "arch" / srcarch / "Makefile").items():
        recipe = _recipe(lines)
        if recipe is not None:
            found[name] = recipe
    return found


def arch_targets(root: Path, srcarch: str) -> list[str]:
    return sorted(arch_recipes(root, srcarch))


def kbuild_defconfig(root: Path, srcarch: str, kernel_arch: str) -> str:
    """KBUILD_DEFCONFIG of the arch Makefile, as `make defconfig` uses it (x86 picks by
    $(ARCH)); a file under arch/$SRCARCH/configs, or else a target to make."""
    makefile = root / "arch" / srcarch / "Makefile"
    try:
        text = makefile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    names = [n.replace("$(ARCH)", kernel_arch) for n in _DEFCONFIG_VAR.findall(text)]
    # ifeq blocks pick by ARCH: the $(ARCH) line is the one taken when ARCH is x86_64/i386.
    by_arch = [n for n in names if n.startswith(kernel_arch + "_")]
    for name in by_arch + names:
        if (root / "arch" / srcarch / "configs" / name).is_file():
            return name
    return names[0] if names else "defconfig"


def fragment_files(root: Path, srcarch: str, target: str) -> list[Path]:
    """The files a NAME.config target merges, in make's order (kernel/ then arch/)."""
    return [
        p
        for p in (
            root / "kernel" / "configs" / target,
            root / "arch" / srcarch / "configs" / target,
        )
        if p.is_file()
    ]
