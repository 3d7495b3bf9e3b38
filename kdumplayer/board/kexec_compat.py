"""kexec-tools compatibility: which release and load method work with a board's
kernel and arch, read from kconfig-fragments/kexec-tools.yaml.

`assess(board)` returns the findings for one board: a kexec_tools pin older
than its kernel needs, a load method the arch or kernel cannot use, a kernel
config that breaks the dump's ELF header. Pure: the board (and, when it names
one, its kernel config) in, typed findings out; the CLI prints them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kdumplayer.board.model import Board
from kdumplayer.errors import UserError
from kdumplayer.findings import Finding, Severity
from kdumplayer.kconfig.configfile import read_config
from kdumplayer.paths import FRAGMENTS_DIR
from kdumplayer.version import Version, parse_version
from kdumplayer.yamlsrc import load

COMPAT_FILE = FRAGMENTS_DIR / "kexec-tools.yaml"
SEVERITIES = ("warning", "note")
KEY = "kexec_tools"  # the board key every finding here concerns
_CONDITIONS = {"arch", "load_methods", "kernel_since", "images", "config"}
_NEEDS = {"needs_kexec_tools", "needs_config", "needs_load_method", "unsupported"}
_KEYS = {"id", "severity", "reason", "evidence"} | _CONDITIONS | _NEEDS


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    reason: str
    evidence: str
    arch: tuple[str, ...] = ()
    load_methods: tuple[str, ...] = ()
    kernel_since: Version | None = None
    images: tuple[str, ...] = ()
    config: tuple[tuple[str, str], ...] = ()
    needs_kexec_tools: Version | None = None
    needs_config: tuple[tuple[str, str], ...] = ()
    needs_load_method: str | None = None
    unsupported: bool = False


@dataclass(frozen=True)
class CompatData:
    releases: dict[Version, datetime.date]
    kernels: dict[Version, datetime.date]
    rules: tuple[Rule, ...]
    proven: tuple[dict[str, str], ...]


def _version(text: object, where: str) -> Version:
    try:
        return parse_version(str(text))
    except UserError:
        raise UserError(f"{text!r} is not a version", file=str(COMPAT_FILE), key=where) from None


def _pairs(raw: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in (raw or {}).items()))


def _rule(raw: dict[str, Any], index: int) -> Rule:
    where = f"rules[{index}]"
    unknown = set(raw) - _KEYS
    if unknown:
        raise UserError(f"unknown key {sorted(unknown)[0]!r}", file=str(COMPAT_FILE), key=where)
    if not (set(raw) & _NEEDS):
        raise UserError(
            "a rule needs one of " + ", ".join(sorted(_NEEDS)), file=str(COMPAT_FILE), key=where
        )
    if raw.get("severity") not in SEVERITIES:
        raise UserError(f"severity must be one of {SEVERITIES}", file=str(COMPAT_FILE), key=where)
    since, needs = raw.get("kernel_since"), raw.get("needs_kexec_tools")
    return Rule(
        id=str(raw["id"]),
        severity=raw["severity"],
        reason=" ".join(str(raw["reason"]).split()),
        evidence=" ".join(str(raw.get("evidence", "")).split()),
        arch=tuple(raw.get("arch", ())),
        load_methods=tuple(raw.get("load_methods", ())),
        kernel_since=_version(since, where) if since is not None else None,
        images=tuple(raw.get("images", ())),
        config=_pairs(raw.get("config")),
        needs_kexec_tools=_version(needs, where) if needs is not None else None,
        needs_config=_pairs(raw.get("needs_config")),
        needs_load_method=raw.get("needs_load_method"),
        unsupported=bool(raw.get("unsupported", False)),
    )


@cache
def compat_data(path: Path = COMPAT_FILE) -> CompatData:
    raw = load(path).data
    return CompatData(
        releases={_version(k, "releases"): v for k, v in raw["releases"].items()},
        kernels={_version(k, "kernels"): v for k, v in raw["kernels"].items()},
        rules=tuple(_rule(r, i) for i, r in enumerate(raw["rules"])),
        proven=tuple(raw.get("proven", ())),
    )


def _dotted(version: Version) -> str:
    return ".".join(str(part) for part in version)


def board_config(board: Board) -> dict[str, str] | None:
    """The board's kernel config (symbol -> value), when it names one that exists."""
    path = board.kernel.config
    if path is None or not path.exists():
        return None
    return {a.symbol: a.value for a in read_config(path)}


def effective_method(board: Board, config: dict[str, str] | None) -> str:
    """What the hook ends up using: auto tries kexec -s, then falls back to kexec_load."""
    method = board.capture.load_method
    if method == "auto" and config is not None and config.get("KEXEC_FILE", "n") == "y":
        return "kexec_file_load"
    return method


def _applies(rule: Rule, board: Board, config: dict[str, str] | None) -> bool:
    if rule.arch and board.arch.name not in rule.arch:
        return False
    if rule.load_methods and effective_method(board, config) not in rule.load_methods:
        return False
    if rule.kernel_since is not None and (
        board.kernel.version is None or parse_version(board.kernel.version) < rule.kernel_since
    ):
        return False
    if rule.images and board.kernel.image not in rule.images:
        return False
    if rule.config:
        if config is None:
            return False
        return all(config.get(symbol, "n") == value for symbol, value in rule.config)
    return True


def _violation(
    rule: Rule, board: Board, config: dict[str, str] | None, pin: Version | None
) -> str | None:
    """What is wrong for this board under an applicable rule, or None."""
    if rule.unsupported:
        return f"no kexec-tools release handles this ({board.arch.name})"
    if rule.needs_kexec_tools is not None:
        if pin is None or pin >= rule.needs_kexec_tools:
            return None
        return (
            f"pinned {_dotted(pin)} is older than {_dotted(rule.needs_kexec_tools)}, "
            f"which this kernel needs"
        )
    if rule.needs_config:
        if config is None:
            return None
        missing = [f"{s}={v}" for s, v in rule.needs_config if config.get(s, "n") != v]
        return f"the kernel config lacks {', '.join(missing)}" if missing else None
    if rule.needs_load_method is not None:
        method = effective_method(board, config)
        if method == rule.needs_load_method:
            return None
        return f"load method {method} does not work here; use {rule.needs_load_method}"
    return None


def age_finding(board: Board, data: CompatData) -> Finding | None:
    """The manual procedure's advice: a kexec-tools release no older than the kernel."""
    if board.kexec_tools is None or board.kernel.version is None:
        return None
    pin = parse_version(board.kexec_tools)
    full = parse_version(board.kernel.version)
    # 2.6.32 is its own release; from 3.0 on the third number is a stable update.
    kernel = full if full in data.kernels else full[:2]
    released, kernel_date = data.releases.get(pin), data.kernels.get(kernel)
    if released is None or kernel_date is None or released >= kernel_date:
        return None
    newer = [v for v, d in sorted(data.releases.items()) if d >= kernel_date]
    advice = f"; {_dotted(newer[0])} is the first release after it" if newer else ""
    return Finding(
        rule="age",
        severity=Severity.NOTE,
        key=KEY,
        message=(
            f"pinned {_dotted(pin)} ({released}) is older than Linux {_dotted(kernel)} "
            f"({kernel_date}): match kexec-tools to the kernel's age{advice}"
        ),
        evidence="the manual kdump procedure: kexec-tools released about when the kernel was",
    )


def assess(
    board: Board, config: dict[str, str] | None = None, data: CompatData | None = None
) -> list[Finding]:
    """The kexec-tools findings for `board`, warnings first. `config` defaults to the
    board's kernel.config when it names one."""
    data = data or compat_data()
    config = config if config is not None else board_config(board)
    pin = parse_version(board.kexec_tools) if board.kexec_tools else None
    findings = []
    for rule in data.rules:
        if not _applies(rule, board, config):
            continue
        problem = _violation(rule, board, config, pin)
        if problem:
            findings.append(
                Finding(
                    rule.id,
                    Severity(rule.severity),
                    f"{problem}: {rule.reason}",
                    key=KEY,
                    evidence=rule.evidence,
                )
            )
    age = age_finding(board, data)
    if age is not None:
        findings.append(age)
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity.value))
