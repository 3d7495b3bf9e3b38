"""The generators `kdumplayer generate` offers: one typed entry per target."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.board.model import Board
from kdumplayer.generate import buildroot, yocto
from kdumplayer.output import GeneratedFile

Tree = dict[str, GeneratedFile]


@dataclass(frozen=True)
class Options:
    """What the command line may pass to a generator."""

    name: str | None = None  # the tree's name (external name, layer name)
    buildroot_dir: Path | None = None  # a Buildroot tree: merge over its base defconfig


@dataclass(frozen=True)
class Generator:
    target: str
    generate: Callable[[Board, Options], Tree]
    dirname: Callable[[Board, str | None], str]  # its directory under `generate all -o DIR`
    takes_buildroot_dir: bool = False


GENERATORS: dict[str, Generator] = {
    "buildroot": Generator(
        "buildroot",
        lambda board, o: buildroot.generate(board, name=o.name, buildroot_dir=o.buildroot_dir),
        lambda board, name: buildroot.default_dirname(board, name=name),
        takes_buildroot_dir=True,
    ),
    "yocto": Generator(
        "yocto",
        lambda board, o: yocto.generate(board, name=o.name),
        lambda board, name: yocto.default_dirname(board, name=name),
    ),
}
