"""Read a Yocto layer's kernel configuration: the .cfg fragments a machine gets.

`kdumplayer check --yocto LAYER --machine M` evaluates the kernel config the
layer's kernel recipes and appends produce for machine M. This reads the
layer's kernel .bb/.bbappend files (and the .inc files they require), takes
the `file://*.cfg` (and `file://defconfig`) entries of SRC_URI that apply to M,
and finds those files next to the recipe as BitBake's FILESPATH would
(`files/`, `${PN}/`, machine subdirectories).

Not a BitBake parser: plain and override-qualified SRC_URI assignments are
understood; inline Python such as bb.utils.contains('DISTRO_FEATURES', 'kdump',
...) is read as if the feature were on (the point is to check kdump); an
override that only OVERRIDES could enable (`SRC_URI:append:kdump`) is reported
as a note, since it has no effect unless that override is active.
KERNEL_FEATURES (.scc) come from the yocto-kernel-cache and are noted, not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kdumplayer.errors import UserError

_ASSIGN = re.compile(
    r"^(?P<var>SRC_URI|KERNEL_FEATURES)(?P<over>(?:[:_][A-Za-z0-9_-]+)*)\s*"
    r"(?P<op>\+=|=\+|\?\?=|\?=|:=|\.=|=\.|=)\s*\"(?P<value>.*)\"\s*$"
)
_REQUIRE = re.compile(r"^(?:require|include)\s+(.+)$")
_FILE_URI = re.compile(r"file://([^\s;'\"}]+)")
_OPS = {"append", "prepend", "remove"}
_MAX_DEPTH = 4


@dataclass
class YoctoKernel:
    recipes: list[Path] = field(default_factory=list)
    fragments: list[Path] = field(default_factory=list)
    defconfig: Path | None = None
    notes: tuple[str, ...] = ()


def _logical_lines(path: Path) -> list[tuple[int, str]]:
    """Lines with backslash continuations joined, comments dropped, with first line numbers."""
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(
        path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
    ):
        if not pending:
            start = number
            if raw.lstrip().startswith("#"):
                continue
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        lines.append((start, (pending + raw).strip()))
        pending = ""
    if pending:
        lines.append((start, pending.strip()))
    return lines


def _recipes(layer: Path) -> list[Path]:
    found = [
        p
        for pattern in ("*.bb", "*.bbappend")
        for p in layer.rglob(pattern)
        if "recipes-kernel" in p.parts or p.name.startswith("linux")
    ]
    return sorted(found)


def _applies(overrides: list[str], machine: str | None) -> tuple[bool, str | None]:
    """Whether a SRC_URI override chain applies to the machine; a note when it cannot be known."""
    conditions = [o for o in overrides if o not in _OPS]
    if not conditions:
        return True, None
    if machine is not None and all(c == machine for c in conditions):
        return True, None
    if machine is None or any(c != machine for c in conditions):
        return False, (
            f"SRC_URI:{':'.join(overrides)} ignored: it applies only when "
            f"'{':'.join(conditions)}' is in OVERRIDES"
        )
    return False, None


def _resolve(name: str, recipe: Path, machine: str | None) -> Path | None:
    """Where BitBake's FILESPATH would find file://NAME for this recipe."""
    base = recipe.parent
    candidates = [
        p
        for p in base.rglob(Path(name).name)
        if p.is_file()
        and len(p.relative_to(base).parts) <= _MAX_DEPTH
        and p.as_posix().endswith(name)
    ]
    if not candidates:
        return None
    # A machine-specific copy wins, as FILESOVERRIDES puts the machine first.
    candidates.sort(
        key=lambda p: (machine not in p.parts if machine else False, len(p.parts), str(p))
    )
    return candidates[0]


def kernel_fragments(layer: Path, machine: str | None) -> YoctoKernel:
    """The kernel fragments (and defconfig) the layer gives `machine`, in SRC_URI order.

    As BitBake: plain assignments in file order (a `require` read where it
    stands), then the :prepend values before them and the :append values after.
    """
    if not layer.is_dir():
        raise UserError("not a directory (a Yocto layer)", file=layer, key="--yocto")
    if not (layer / "conf" / "layer.conf").is_file():
        raise UserError("not a Yocto layer: no conf/layer.conf", file=layer, key="--yocto")
    result = YoctoKernel(recipes=_recipes(layer))
    state = _State(machine)
    for recipe in result.recipes:
        _read(recipe, state, set())
    for recipe, number, name in state.prepend[::-1] + state.plain + state.append:
        if name in state.removed:
            continue
        path = _resolve(name, recipe, machine)
        if path is None:
            raise UserError(
                f"file://{name} not found next to the recipe (files/, "
                "${PN}/ or a machine directory)",
                file=recipe,
                line=number,
                key="SRC_URI",
            )
        if Path(name).name == "defconfig":
            result.defconfig = path
        elif path not in result.fragments:
            result.fragments.append(path)
    result.notes = tuple(state.notes)
    return result


@dataclass
class _State:
    machine: str | None
    plain: list[tuple[Path, int, str]] = field(default_factory=list)
    prepend: list[tuple[Path, int, str]] = field(default_factory=list)
    append: list[tuple[Path, int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)


def _read(recipe: Path, state: _State, stack: set[Path]) -> None:
    if recipe in stack:
        return
    stack = stack | {recipe}
    for number, line in _logical_lines(recipe):
        if match := _REQUIRE.match(line):
            for name in re.findall(r"[A-Za-z0-9_./${}-]+\.inc", match[1]):
                included = recipe.parent / name.replace("${THISDIR}/", "")
                if included.is_file():
                    _read(included, state, stack)
            continue
        match = _ASSIGN.match(line)
        if not match:
            continue
        overrides = [o for o in re.split(r"[:_]", match["over"]) if o]
        applies, note = _applies(overrides, state.machine)
        where = f"{recipe}:{number}"
        if note:
            state.notes.append(f"{where}: {note}")
        if not applies:
            continue
        if match["var"] == "KERNEL_FEATURES":
            state.notes.append(
                f"{where}: KERNEL_FEATURES {match['value'].strip()} come from "
                "the yocto-kernel-cache and are not checked"
            )
            continue
        if "remove" in overrides:
            state.removed.update(_FILE_URI.findall(match["value"]))
            continue
        target = (
            state.append
            if "append" in overrides
            else state.prepend
            if "prepend" in overrides
            else state.plain
        )
        for name in _FILE_URI.findall(match["value"]):
            if name.endswith(".cfg") or Path(name).name == "defconfig":
                target.append((recipe, number, name))
