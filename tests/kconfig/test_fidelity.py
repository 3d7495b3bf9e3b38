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


# Synthetic trees evaluated by the C conf of a kernel with the same rules:
# 6.1's conf (choices before 6.11) and 6.12's conf (the 6.11 priority rule).
SYNTHETIC = [
    ("6.1", "choice-6.10", "# CONFIG_GZIP is not set\n"),
    ("6.12", "choice-6.12", "# CONFIG_GZIP is not set\n"),
    ("6.12", "choice-6.12", "# CONFIG_GZIP is not set\n# CONFIG_XZ is not set\n"),
    ("6.12", "choice-6.12", "CONFIG_XZ=y\nCONFIG_ZSTD=y\n"),
    ("6.12", "choice-6.12", "CONFIG_ZSTD=y\n# CONFIG_ZSTD is not set\n"),
    ("6.1", "choice-6.10", "CONFIG_XZ=y\n# CONFIG_XZ is not set\n"),
    ("6.12", "compat/modules", "CONFIG_MODULES=y\nCONFIG_DRIVER=m\n"),
    ("6.1", "compat/modules", "# CONFIG_MODULES is not set\nCONFIG_DRIVER=m\n"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("version", "tree_dir", "config"), SYNTHETIC)
def test_synthetic_trees_match_c_conf(real_tree, tmp_path: Path, version: str, tree_dir: str,
                                      config: str) -> None:
    from kdumplayer.kconfig import KconfigTree
    from tests.kconfig.conftest import DATA, c_conf, c_olddefconfig

    conf = c_conf(real_tree(version, "x86_64"))
    start = tmp_path / "start.config"
    start.write_text(config)
    ours = KconfigTree.load(DATA / tree_dir, "x86_64", cache=False).evaluate(
        Base.config(start)).values
    theirs = c_olddefconfig(conf, DATA / tree_dir, config, tmp_path / "c")
    assert ours == theirs


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("tree_dir", ["choice-6.10", "choice-6.12", "compat/modules"])
def test_synthetic_allnoconfig_matches_c_conf(real_tree, tmp_path: Path, version: str,
                                              tree_dir: str) -> None:
    from kdumplayer.kconfig import KconfigTree
    from tests.kconfig.conftest import DATA, c_conf, c_olddefconfig

    conf = c_conf(real_tree(version, "x86_64"))
    tree = KconfigTree.load(DATA / tree_dir, "x86_64", cache=False)
    ours = tree.evaluate(Base.allnoconfig()).values
    assert ours == c_olddefconfig(conf, DATA / tree_dir, "", tmp_path / "c", "allnoconfig")
