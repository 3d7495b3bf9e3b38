"""Fidelity: kdumplayer's evaluation equals the kernel's own C kconfig, symbol for symbol.

The C side is `make BASE`, `merge_config.sh -m .config kdump.cfg`, `make olddefconfig`,
with scripts/kconfig/conf built by make (flex, bison, gcc) from the same tree and the
same scripts/dummy-tools for the compiler probes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.fragment import fragment_for
from kdumplayer.kconfig import Base
from tests.kconfig.conftest import VERSIONS, c_kconfig

CASES = [
    ("x86_64", "x86_64_defconfig"),
    ("arm64", "defconfig"),
    ("arm", "multi_v7_defconfig"),
    ("x86_64", "tinyconfig"),
]


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("arch", "base"), CASES)
def test_same_config_as_c_kconfig(real_tree, tmp_path: Path, version: str, arch: str,
                                  base: str) -> None:
    tree = real_tree(version, arch)
    frag = tmp_path / "kdump.cfg"
    frag.write_text(fragment_for(arch, tree.version))
    ours = tree.evaluate(Base.parse(base), [frag]).values
    theirs = c_kconfig(tree, base, [frag])
    differing = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    shown = [f"{k}: kdumplayer={ours.get(k)} C={theirs.get(k)}" for k in differing[:20]]
    assert differing == [], "\n".join(shown)
    assert len(ours) > 800  # a real .config, not an empty comparison
    # the fragment took effect on both sides
    assert ours["KEXEC"] == theirs["KEXEC"] == "y"
