"""What the generated Buildroot tree needs of a board's values, checked when the board
is loaded, so that `validate` refuses what `generate` would (one home for validation).

The facts come from recipes/buildroot/buildroot.yaml, the file the generator reads.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kdumplayer.paths import RECIPES_DIR

if TYPE_CHECKING:  # model.py calls check(): the Board is only named here
    from kdumplayer.board.model import Board

BUILDROOT_FACTS = RECIPES_DIR / "buildroot" / "buildroot.yaml"


@cache
def _buildroot() -> dict[str, Any]:
    with BUILDROOT_FACTS.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def check(board: Board) -> None:
    """Raise the board's located UserError for a value the Buildroot tree cannot take."""
    facts = _buildroot()
    pin = board.kexec_tools
    known = facts["kexec_tools_releases"]
    if pin is not None and pin != str(facts["kexec_version"]) and pin not in known:
        raise board.error(
            "kexec_tools",
            f"no download hash known for kexec-tools {pin}; Buildroot checks every "
            f"download (known: {', '.join(known)}); add it to {BUILDROOT_FACTS.name}")
    arches = facts["makedumpfile_arches"]
    if board.dump.collector == "makedumpfile" and board.arch.name not in arches:
        raise board.error(
            "dump.collector",
            f"Buildroot's makedumpfile package does not build for {board.arch.name} "
            f"(it does for {', '.join(arches)}); use dump.collector: cp for this board")
    if board.bootloader.type == "u-boot" and not board.bootloader.config:
        raise board.error(
            "bootloader.config",
            "a U-Boot board needs bootloader.config: its boot.cmd source "
            "(relative to Buildroot's top directory) or uEnv.txt")
    base = board.buildroot.base_defconfig
    if base is not None:
        path = (board.path.parent if board.path else Path()) / base
        if not path.is_file():
            raise board.error("buildroot.base_defconfig", f"{path}: no such file")
