"""Check a kernel .config without its kernel tree: the values as written, no evaluation.

A .config written by the kernel's tools names its arch and version in its
header (`# Linux/x86 6.1.0 Kernel Configuration`). From those the kdump
requirements are selected and compared with the values in the file, the way
kernel-hardening-checker works. Dependencies are not evaluated: a value the
file sets is taken as the final one (it is, in a .config the tools wrote), a
symbol the file does not mention is not set, and nothing can say why. The
file may be gzip-compressed (/proc/config.gz).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kdumplayer.arch import Arch, all_arches, get_arch
from kdumplayer.errors import UserError
from kdumplayer.kconfig.configfile import (
    Assignment,
    Header,
    header_of,
    parse_config_text,
    read_text,
)
from kdumplayer.kconfig.explain import satisfied
from kdumplayer.kconfig.result import CheckResult, Explanation, RequirementResult, Status
from kdumplayer.requirements import BoardChoices, Requirement, select
from kdumplayer.version import parse_version

NOT_EVALUATED = (
    "dependencies were not evaluated (no kernel tree): the values are the "
    "file's own, as the kernel's tools wrote them"
)


@dataclass(frozen=True)
class KernelConfig:
    path: str
    header: Header
    arch: Arch
    assignments: tuple[Assignment, ...]

    @property
    def version(self) -> str:
        return self.header.version

    def values(self) -> dict[str, str]:
        return {a.symbol: a.value for a in self.assignments}


def _arch(header: Header, values: dict[str, str], asked: str | None, shown: str) -> Arch:
    candidates = [
        a for a in all_arches().values() if header.arch in (a.srcarch, a.kernel_arch, a.name)
    ]
    if not candidates:
        raise UserError(
            f"its header names arch {header.arch!r}; kdumplayer knows " + ", ".join(all_arches()),
            file=shown,
            line=header.line,
        )
    bits = 64 if values.get("64BIT") == "y" else 32
    if len(candidates) > 1 or header.arch == candidates[0].srcarch:
        candidates = [a for a in candidates if a.bits == bits] or candidates
    arch = candidates[0]
    if arch.bits != bits:  # a riscv32 .config, say
        raise UserError(
            f"a {bits}-bit {header.arch} config: kdumplayer supports "
            + ", ".join(a.name for a in all_arches().values() if a.srcarch == arch.srcarch),
            file=shown,
            line=header.line,
        )
    if asked is not None and get_arch(asked).name != arch.name:
        bits_line = f"CONFIG_64BIT={values.get('64BIT', 'n')}"
        raise UserError(
            f"--arch {asked} differs from the config's own arch {arch.name} "
            f"(its header: Linux/{header.arch}, {bits_line})",
            file=shown,
            line=header.line,
        )
    return arch


def load(path: Path, arch: str | None = None) -> KernelConfig:
    """A .config written by the kernel's tools (plain or gzip'd); UserError if it is not one."""
    shown = str(path)
    text = read_text(path, shown, strict=True)
    if not text.strip():
        raise UserError("not a kernel config: empty", file=shown)
    header = header_of(text)
    if header is None:
        raise UserError(
            "not a kernel config written by the kernel's tools: no "
            "'# Linux/ARCH VERSION Kernel Configuration' header (give --kernel-src "
            "to evaluate a fragment or defconfig)",
            file=shown,
            line=1,
        )
    if not text.endswith("\n"):
        lines = text.count("\n") + 1
        raise UserError(
            "truncated: the last line is cut off (no newline at the end)", file=shown, line=lines
        )
    assignments = tuple(parse_config_text(text, shown))
    values = {a.symbol: a.value for a in assignments}
    return KernelConfig(shown, header, _arch(header, values, arch, shown), assignments)


def _judge(config: KernelConfig, req: Requirement) -> RequirementResult:
    values = config.values()
    lines = {a.symbol: a for a in config.assignments}
    for name in req.symbols:
        if satisfied(values.get(name), req.value):
            return RequirementResult(
                req, Status.MET, name, req.value, values.get(name), lines.get(name)
            )
    name = next((n for n in req.symbols if n in values), req.symbol)
    final = values.get(name)
    if final is None:
        summary = (
            f"CONFIG_{name} is not in the config: not set, its dependencies off, or "
            f"not a symbol of this kernel (not evaluated without a kernel tree)"
        )
    else:
        where = lines[name].where
        shown = {"n": "not set", "": "empty"}.get(final, final)
        summary = f"{where}: CONFIG_{name} is {shown}, {req.value} is wanted"
    return RequirementResult(
        req, Status.UNMET, name, req.value, final, lines.get(name), Explanation(summary=summary)
    )


def check(
    config: KernelConfig,
    requirements: tuple[Requirement, ...] | None = None,
    board: BoardChoices | None = None,
) -> CheckResult:
    """The requirements for the config's own arch and version, judged on its values."""
    parse_version(config.version)  # a header version such as 6.1.0 always parses
    reqs = (
        requirements
        if requirements is not None
        else select(config.arch.name, config.version, board or BoardChoices())
    )
    return CheckResult(
        kernel_version=config.version,
        arch=config.arch.name,
        probes="-",
        base=config.path,
        fragments=(),
        items=tuple(_judge(config, req) for req in reqs),
        notes=(NOT_EVALUATED,),
    )
