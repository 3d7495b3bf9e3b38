"""What the generated Buildroot tree needs of a board's values, checked when the board
is loaded, so that `validate` refuses what `generate` would (one home for validation).

The facts come from recipes/buildroot/buildroot.yaml, the file the generator reads.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from kdumplayer.paths import RECIPES_DIR

BUILDROOT_FACTS = RECIPES_DIR / "buildroot" / "buildroot.yaml"


@cache
def _buildroot() -> dict[str, Any]:
    with BUILDROOT_FACTS.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def problem(
    *,
    kexec_tools: str | None,
    collector: str,
    arch: str,
    bootloader: str,
    bootloader_config: str | None,
    base_defconfig: Path | None,
) -> tuple[str, str] | None:
    """(board key, message) for the first value the Buildroot tree cannot take, else None.

    Plain values in (board/model.py raises the located error), so this module needs
    nothing of the board model."""
    facts = _buildroot()
    known = facts["kexec_tools_releases"]
    if (
        kexec_tools is not None
        and kexec_tools != str(facts["kexec_version"])
        and kexec_tools not in known
    ):
        return (
            "kexec_tools",
            f"no download hash known for kexec-tools {kexec_tools}; Buildroot checks every "
            f"download (known: {', '.join(known)}); add it to {BUILDROOT_FACTS.name}",
        )
    arches = facts["makedumpfile_arches"]
    if collector == "makedumpfile" and arch not in arches:
        return (
            "dump.collector",
            f"Buildroot's makedumpfile package does not build for {arch} "
            f"(it does for {', '.join(arches)}); use dump.collector: cp for this board",
        )
    if bootloader == "u-boot" and not bootloader_config:
        return (
            "bootloader.config",
            "a U-Boot board needs bootloader.config: its boot.cmd source "
            "(relative to Buildroot's top directory) or uEnv.txt",
        )
    if base_defconfig is not None and not base_defconfig.is_file():
        return ("buildroot.base_defconfig", f"{base_defconfig}: no such file")
    return None
