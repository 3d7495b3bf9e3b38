"""Merge the kdump settings over a board's base Buildroot defconfig.

With a base (`generate buildroot --buildroot-dir DIR` reads
DIR/configs/<buildroot.defconfig>; or the board's `buildroot.base_defconfig`,
a copy relative to the board file) the generated defconfig is complete: the
base's lines, then the kdump settings. Scalars are merged as Buildroot's
merge_config.sh would (ours win); the space-separated list options keep the
base's entries and append ours (an entry already there is not repeated), so the
base's post scripts, fragments and overlays still run, ours after them. A base
BR2_INIT_* choice other than the board's is replaced, and the defconfig says
so. Which options are lists is data (recipes/buildroot/buildroot.yaml).

`read_base` does the reading; `merge` is a pure function of the texts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.arch import all_arches
from kdumplayer.board.model import Board
from kdumplayer.buildroot_defconfig import Line, quote, read_lines
from kdumplayer.errors import UserError
from kdumplayer.version import series

DEFCONFIG_ARG = "$(BR2_DEFCONFIG)"


@dataclass(frozen=True)
class BaseDefconfig:
    """A base defconfig: where it came from and its text."""

    label: str  # shown in the header: configs/<name> or the board file's path
    origin: str  # how it was given: "--buildroot-dir" or "buildroot.base_defconfig"
    name: str  # its name in Buildroot's configs/, for $(BR2_DEFCONFIG)
    file: Path  # for located errors
    text: str
    sha256: str


@dataclass(frozen=True)
class Merged:
    base_lines: tuple[str, ...]  # the base's lines that stay as they are
    settings: tuple[tuple[str, str], ...]  # (symbol, value as written) after them
    notes: tuple[str, ...]  # what the merge changed in the base, for the header


def read_base(board: Board, buildroot_dir: Path | None) -> BaseDefconfig | None:
    """The base given by --buildroot-dir or the board's buildroot.base_defconfig, else None."""
    name = board.buildroot.defconfig  # a defconfig name: the board schema's pattern
    if buildroot_dir is not None:
        if not name:
            raise board.error(
                "buildroot.defconfig",
                "--buildroot-dir needs the board's Buildroot defconfig name "
                "(buildroot.defconfig, e.g. qemu_x86_64_defconfig)",
            )
        path = buildroot_dir / "configs" / name
        if not path.is_file():
            raise UserError(
                f"no configs/{name} in the Buildroot tree {buildroot_dir}", key="--buildroot-dir"
            )
        label, origin = f"configs/{name}", "--buildroot-dir"
    elif board.buildroot.base_defconfig:
        label, origin = board.buildroot.base_defconfig, "buildroot.base_defconfig"
        path = (board.path.parent if board.path else Path()) / label
        # A one-line path to an existing file named like a defconfig: board validation.
        name = name or path.name
    else:
        return None
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text: {exc}", file=path) from None
    return BaseDefconfig(label, origin, name, path, text, hashlib.sha256(data).hexdigest())


def parse(base: BaseDefconfig) -> list[Line]:
    """The base's lines; anything that is not an assignment or a comment is refused."""
    return read_lines(base.text, base.file)


def written(value: str, string: bool) -> str:
    return quote(value) if string else value


def _check_base(board: Board, base: BaseDefconfig, values: dict[str, Line]) -> list[str]:
    """Refuse a base for another arch or without Buildroot's kernel; notes on the rest."""
    for arch in all_arches().values():
        line = values.get(arch.buildroot_arch_symbol)
        if line and line.value == "y" and arch.name != board.arch.name:
            raise UserError(
                f"the base is for {arch.name} ({arch.buildroot_arch_symbol}=y); "
                f"the board is {board.arch.name}",
                file=base.file,
                line=line.number,
            )
    kernel = values.get("BR2_LINUX_KERNEL")
    if kernel is None or kernel.value != "y":
        raise UserError(
            "the base builds no kernel (no BR2_LINUX_KERNEL=y): the kdump fragment "
            "and BR2_LINUX_KERNEL_INSTALL_TARGET need Buildroot's linux package",
            file=base.file,
            line=kernel.number if kernel else None,
        )
    notes = []
    version = values.get("BR2_LINUX_KERNEL_CUSTOM_VERSION_VALUE")
    built = version.value if version else ""
    wanted = series(board.kernel.version)
    if (have := series(built)) and wanted and have != wanted:
        notes.append(
            f"The base builds Linux {built}; the fragment is for the "
            f"board's {board.kernel.version}: check the result with "
            "`kdumplayer check --buildroot`."
        )
    return notes


def merge(
    board: Board,
    base: BaseDefconfig,
    ours: list[tuple[str, str, bool]],
    *,
    list_options: frozenset[str],
    init_symbols: frozenset[str],
    init_symbol: str,
    init_default: str,
    off: dict[str, str] | None = None,
) -> Merged:
    """The base with our (symbol, unquoted value, is a string) settings merged over it.

    `off`: symbol -> why it must not stay enabled (one of ours conflicts with it).
    """
    lines = parse(base)
    values = {line.key: line for line in lines if line.key}
    notes = _check_base(board, base, values)
    settings: list[tuple[str, str]] = []
    taken: set[str] = set()

    chosen = sorted(k for k in init_symbols if k in values and values[k].value == "y")
    if (chosen or [init_default]) != [init_symbol]:
        was = (
            f"{', '.join(chosen)} of the base"
            if chosen
            else f"{init_default} (Buildroot's default; the base sets no BR2_INIT_*)"
        )
        notes.append(
            f"{was} is replaced by {init_symbol}, the init system of the board "
            f"description ({board.init}). Kconfig drops the base's options that "
            "need the other init: check .config."
        )
    taken |= init_symbols
    for symbol, value, string in ours:
        line = values.get(symbol)
        if symbol in list_options and line is not None:
            words = line.value.split()
            added = [w for w in value.split() if w not in words]
            value = " ".join(words + added)
        elif line is not None and line.value != value:
            was = "unset" if line.value == "n" else written(line.value, string)
            notes.append(f"{symbol} was {was} in the base.")
        settings.append((symbol, written(value, string)))
        taken.add(symbol)

    for symbol, why in (off or {}).items():
        line = values.get(symbol)
        if line is not None and line.value == "y":
            settings.append((symbol, "n"))
            taken.add(symbol)
            notes.append(f"{symbol}=y of the base is turned off: {why}.")

    args = values.get("BR2_ROOTFS_POST_SCRIPT_ARGS")
    if args is not None and args.key and DEFCONFIG_ARG in args.value.split():
        # Scripts such as board/qemu/post-image.sh find the board by the
        # defconfig's name, which is now ours: give them the base's.
        own = f"$(TOPDIR)/configs/{base.name}"
        value = " ".join(own if w == DEFCONFIG_ARG else w for w in args.value.split())
        settings.append((args.key, quote(value)))
        taken.add("BR2_ROOTFS_POST_SCRIPT_ARGS")
        notes.append(
            f"BR2_ROOTFS_POST_SCRIPT_ARGS passes {own} where the base passes {DEFCONFIG_ARG}."
        )

    kept: list[str] = []
    for line in lines:
        if line.key in taken:
            continue
        if line.raw or (kept and kept[-1]):
            kept.append(line.raw)
    while kept and not kept[-1]:
        kept.pop()
    return Merged(tuple(kept), tuple(settings), tuple(notes))
