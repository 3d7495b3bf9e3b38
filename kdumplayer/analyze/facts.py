"""The data analyze reads dumps with (recipes/analyze/dumps.yaml): arch names in
vmcores, distribution debug packages, makedumpfile's flag bits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from kdumplayer.paths import RECIPES_DIR

FACTS_FILE = RECIPES_DIR / "analyze" / "dumps.yaml"


@dataclass(frozen=True)
class DumpArch:
    name: str  # kdumplayer's arch name
    elf_machine: int
    uname_machines: tuple[str, ...]
    bits: int
    stack_unread: str | None = None  # why drgn cannot read a stack on this arch


@dataclass(frozen=True)
class DebugPackage:
    distribution: str
    package: str
    path: str


@dataclass(frozen=True)
class Facts:
    arches: tuple[DumpArch, ...]
    debug_packages: tuple[DebugPackage, ...]
    compression_flags: dict[str, int]
    incomplete_flag: int
    dump_level_bits: dict[int, str]

    def arch_by_elf(self, machine: int) -> DumpArch | None:
        return next((a for a in self.arches if a.elf_machine == machine), None)

    def arch_by_uname(self, machine: str) -> DumpArch | None:
        return next((a for a in self.arches if machine in a.uname_machines), None)

    def arch_named(self, name: str) -> DumpArch | None:
        return next((a for a in self.arches if a.name == name), None)


@cache
def facts() -> Facts:
    raw = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))
    return Facts(
        arches=tuple(
            DumpArch(
                name=name,
                elf_machine=int(e["elf_machine"]),
                uname_machines=tuple(e["uname_machines"]),
                bits=int(e["bits"]),
                stack_unread=e.get("stack_unread"),
            )
            for name, e in raw["arches"].items()
        ),
        debug_packages=tuple(DebugPackage(**p) for p in raw["debug_packages"]),
        compression_flags={k: int(v) for k, v in raw["compression_flags"].items()},
        incomplete_flag=int(raw["incomplete_flag"]),
        dump_level_bits={int(k): str(v) for k, v in raw["dump_level_bits"].items()},
    )
