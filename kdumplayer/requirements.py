"""The kdump Kconfig requirements: load kconfig-fragments/kdump.yaml and select them.

A Requirement is data (symbol, value, roles, reason, alternatives, arch and
version conditions); `select()` keeps the ones that apply to an arch, a kernel
version and a board's choices, with board-dependent values resolved. The same
selection writes the fragment (kdumplayer.fragment) and is checked
(kdumplayer.kconfig).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from kdumplayer.arch import supported
from kdumplayer.errors import UserError
from kdumplayer.paths import FRAGMENTS_DIR
from kdumplayer.version import Version, parse_version
from kdumplayer.yamlsrc import LocatedYaml, Pointer, load

REQUIREMENTS_FILE = FRAGMENTS_DIR / "kdump.yaml"
ROLES = ("system", "capture", "userspace", "board")
LOAD_METHODS = ("auto", "kexec_load", "kexec_file_load")
_KEYS = {
    "symbol",
    "value",
    "roles",
    "reason",
    "alternatives",
    "set",
    "arch",
    "since",
    "before",
    "when",
    "write",
}
_SYMBOL = re.compile(r"^[A-Za-z0-9_]+$")
_VALUE = re.compile(r"^(y|m|n|-?[0-9]+|0x[0-9a-fA-F]+)$")


@dataclass(frozen=True)
class BoardChoices:
    """What of a board the requirements depend on (defaults: no board given)."""

    load_method: str = "auto"
    offset: int | None = None
    capture: str = "same"  # same | dedicated (the board names a separate capture kernel)


@dataclass(frozen=True)
class Requirement:
    symbol: str
    value: str  # resolved: y | m | n | a number; for {board: offset} see select()
    roles: tuple[str, ...]
    reason: str
    alternatives: tuple[str, ...] = ()
    set: tuple[tuple[str, str], ...] = ()  # what the fragment writes instead
    arch: tuple[str, ...] = ()
    since: Version | None = None
    before: Version | None = None
    when: tuple[tuple[str, Any], ...] = ()
    write: bool = True
    line: int = 0  # where it is defined in REQUIREMENTS_FILE
    board_value: str | None = field(default=None, compare=False)

    @property
    def assignments(self) -> tuple[tuple[str, str], ...]:
        """The (symbol, value) pairs the fragment writes for this requirement."""
        if not self.write:
            return ()
        return self.set or ((self.symbol, self.value),)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Symbols any one of which satisfies the requirement."""
        return (self.symbol, *self.alternatives)

    def applies(self, arch: str, version: Version | None, board: BoardChoices) -> bool:
        if self.arch and arch not in self.arch:
            return False
        # No version given: the newest kernel is meant.
        if version is not None:
            if self.since is not None and version < self.since:
                return False
            if self.before is not None and version >= self.before:
                return False
        elif self.before is not None:
            return False
        conditions = dict(self.when)
        if "load_method" in conditions and board.load_method not in conditions["load_method"]:
            return False
        if "capture" in conditions and board.capture != conditions["capture"]:
            return False
        if "offset" in conditions:
            return bool(conditions["offset"]) == (board.offset is not None)
        return True


def _fail(doc: LocatedYaml, path: tuple[str | int, ...], message: str) -> UserError:
    return doc.error(path, message)


def _text_list(
    doc: LocatedYaml, path: Pointer, value: Any, allowed: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(doc, path, "must be a list of names")
    for item in value:
        if allowed is not None and item not in allowed:
            raise _fail(doc, path, f"{item!r} is not one of {', '.join(allowed)}")
    return tuple(value)


def _value(doc: LocatedYaml, path: tuple[str | int, ...], value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _fail(doc, path, "must be y, m, n or a number")
    text = str(value)
    if not _VALUE.match(text):
        raise _fail(doc, path, f"{text!r} is not y, m, n or a number")
    return text


def _requirement(doc: LocatedYaml, index: int, raw: Any) -> Requirement:
    base: tuple[str | int, ...] = ("requirements", index)
    if not isinstance(raw, dict):
        raise _fail(doc, base, "a requirement must be a mapping")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise _fail(doc, (*base, unknown[0]), f"unknown key (known: {', '.join(sorted(_KEYS))})")
    for key in ("symbol", "value", "roles", "reason"):
        if key not in raw:
            raise _fail(doc, base, f"missing {key!r}")
    symbol = raw["symbol"]
    if not isinstance(symbol, str) or not _SYMBOL.match(symbol):
        raise _fail(doc, (*base, "symbol"), "must be a symbol name such as KEXEC")
    board_value = None
    if isinstance(raw["value"], dict):
        if raw["value"] != {"board": "offset"}:
            raise _fail(doc, (*base, "value"), "the only board value is {board: offset}")
        value, board_value = "", "offset"
    else:
        value = _value(doc, (*base, "value"), raw["value"])
    sets = raw.get("set", {})
    if not isinstance(sets, dict):
        raise _fail(doc, (*base, "set"), "must map symbols to values")
    when = raw.get("when", {})
    if not isinstance(when, dict) or set(when) - {"load_method", "offset", "capture"}:
        raise _fail(doc, (*base, "when"), "conditions are load_method, offset and capture")
    if when.get("capture", "same") not in ("same", "dedicated"):
        raise _fail(doc, (*base, "when", "capture"), "must be same or dedicated")
    if "load_method" in when:
        _text_list(doc, (*base, "when", "load_method"), when["load_method"], LOAD_METHODS)
    return Requirement(
        symbol=symbol,
        value=value,
        roles=_text_list(doc, (*base, "roles"), raw["roles"], ROLES),
        reason=" ".join(str(raw["reason"]).split()),
        alternatives=_text_list(doc, (*base, "alternatives"), raw.get("alternatives", [])),
        set=tuple((str(k), _value(doc, (*base, "set", k), v)) for k, v in sets.items()),
        arch=_text_list(doc, (*base, "arch"), raw.get("arch", []), tuple(supported())),
        since=parse_version(str(raw["since"])) if "since" in raw else None,
        before=parse_version(str(raw["before"])) if "before" in raw else None,
        when=tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in when.items())),
        write=bool(raw.get("write", True)),
        line=doc.line(base) or 0,
        board_value=board_value,
    )


def load_requirements(path: Path = REQUIREMENTS_FILE) -> tuple[Requirement, ...]:
    """Every requirement in the data file, validated (UserError with file:line otherwise)."""
    return _load(str(path))


class _Invalid(Exception):
    """The fast reading found a problem; the located reading reports it precisely."""


class _FastDoc(LocatedYaml):
    """The data read with libyaml, lines only for each requirement (a check's hot path:
    the located reader takes ~0.1 s for this file). Any problem -> _Invalid."""

    def __init__(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader)
        node = yaml.compose(text, Loader=loader)
        lines: dict[Pointer, int] = {}
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == "requirements" and isinstance(value, yaml.SequenceNode):
                    for i, item in enumerate(value.value):
                        lines[("requirements", i)] = item.start_mark.line + 1
        super().__init__(data, lines, str(path))

    def error(self, path: Pointer, message: str) -> UserError:
        raise _Invalid(message)


def _read(doc: LocatedYaml) -> tuple[Requirement, ...]:
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("requirements"), list):
        raise doc.error((), "expected a mapping with a 'requirements' list")
    return tuple(_requirement(doc, i, raw) for i, raw in enumerate(doc.data["requirements"]))


@cache
def _load(path: str) -> tuple[Requirement, ...]:
    try:
        return _read(_FastDoc(Path(path)))
    except (_Invalid, yaml.YAMLError, OSError, UnicodeDecodeError, AttributeError, TypeError):
        return _read(load(Path(path)))  # raises the located UserError


def select(
    arch: str,
    version: Version | str | None,
    board: BoardChoices | None = None,
    requirements: tuple[Requirement, ...] | None = None,
) -> tuple[Requirement, ...]:
    """The requirements for this arch, kernel version and board, board values resolved."""
    if isinstance(version, str):
        version = parse_version(version)
    board = board or BoardChoices()
    chosen = []
    for req in load_requirements() if requirements is None else requirements:
        if not req.applies(arch, version, board):
            continue
        if req.board_value == "offset":
            assert board.offset is not None  # guaranteed by when: {offset: true}
            value = hex(board.offset)
            req = Requirement(
                **{**req.__dict__, "value": value, "set": tuple((s, value) for s, _ in req.set)}
            )
        chosen.append(req)
    return tuple(chosen)


def choices_of(board: Any) -> BoardChoices:
    """The BoardChoices of a kdumplayer.board.model.Board."""
    return BoardChoices(
        load_method=board.capture.load_method,
        offset=board.crashkernel.offset,
        capture="same" if board.capture.kernel == "same" else "dedicated",
    )
