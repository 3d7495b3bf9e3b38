"""Fixtures for the check tests: copies of the Buildroot and Yocto test trees with the
kdump fragments written by kdumplayer itself (so they follow the requirement data)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kdumplayer.fragment import fragment_for

DATA = Path(__file__).resolve().parent / "data"
KERNEL_612 = Path("/usr/src/linux-source-6.12.tar.xz")
KERNEL_61 = Path("/usr/src/linux-source-6.1.tar.xz")

# board directory in br-external -> the arch its kdump.cfg is for
BR_FRAGMENTS = {"pc": "x86_64", "arm64": "arm64", "arm": "arm"}


def write_br_external(dest: Path) -> Path:
    shutil.copytree(DATA / "br-external", dest)
    for board, arch in BR_FRAGMENTS.items():
        (dest / "board" / board / "kdump.cfg").write_text(fragment_for(arch, "6.12"))
    return dest


@pytest.fixture
def br_external(tmp_path: Path) -> Path:
    return write_br_external(tmp_path / "br-external")


@pytest.fixture
def yocto_layer(tmp_path: Path) -> Path:
    layer = tmp_path / "meta-kdump-test"
    shutil.copytree(DATA / "meta-kdump-test", layer)
    files = layer / "recipes-kernel" / "linux" / "files"
    (files / "kdump.cfg").write_text(fragment_for("arm64", "6.12"))
    return layer
