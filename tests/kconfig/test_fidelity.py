"""Fidelity: kdumplayer's evaluation equals the kernel's own C kconfig, symbol for symbol.

A sample of the whole sweep (`make fidelity`, kdumplayer.kconfig.fidelity), the cases
earlier sweeps found, and the newest kernel Debian offers (7.x syntax).

The C side is `make BASE`, `merge_config.sh -m .config kdump.cfg`, `make olddefconfig`,
with scripts/kconfig/conf built by make (flex, bison, gcc) from the same tree and the
same scripts/dummy-tools for the compiler probes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.fragment import fragment_for
from kdumplayer.kconfig import Base, fidelity
from kdumplayer.requirements import select
from tests.conftest import run_cli
from tests.kconfig.conftest import NEWEST, VERSIONS, tarball

SAMPLE_VERSIONS = (*VERSIONS, NEWEST)


def run(real_tree, tmp_path: Path, version: str, arch: str, base: str) -> fidelity.CaseResult:
    tree = real_tree(version, arch)
    result = fidelity.run_case(tree, fidelity.Case(version, arch, base), tmp_path)
    assert result.error is None, result.error
    shown = [
        f"{k}: kdumplayer={result.ours.get(k)} C={result.theirs.get(k)}"
        for k in result.differing[:20]
    ]
    assert result.differing == [], "\n".join(shown)
    assert result.symbols > 500  # a real .config (tinyconfig arm: ~670), not an empty one
    return result


# CI's sample of `make fidelity` (the whole sweep): per version and arch, the default
# defconfig and tinyconfig, with the kdump fragment.
@pytest.mark.slow
@pytest.mark.parametrize("version", SAMPLE_VERSIONS)
@pytest.mark.parametrize("arch", fidelity.SWEEP_ARCHES)
@pytest.mark.parametrize("which", ["defconfig", "tinyconfig"])
def test_sample_same_config_as_c_kconfig(
    real_tree, tmp_path: Path, version: str, arch: str, which: str
) -> None:
    tree = real_tree(version, arch)
    base = fidelity.default_defconfig(tree) if which == "defconfig" else which
    result = run(real_tree, tmp_path, version, arch, base)
    if which == "defconfig":  # the fragment took effect (arm's tinyconfig has no MMU: no kexec)
        assert result.ours["KEXEC"] == result.theirs["KEXEC"] == "y"


# The differences a sweep once found, each with the symbol that differed and the value
# the kernel's C kconfig gives it (both sides must agree on every symbol, and on this one).
REGRESSIONS = [
    # 6.1 keeps an `imply`d tristate at m (no m -> y promotion since 5.7)
    ("6.1", "arm", "ezx_defconfig", "CRYPTO_AES", "m"),
    # >= 6.11: a choice with a hidden prompt (`prompt ... if EXPERT`) still resolves
    ("6.12", "i386", "i386_defconfig", "VMSPLIT_3G", "y"),
    ("6.12", "i386", "allnoconfig", "VMSPLIT_3G", "y"),
    # >= 6.8: an int/hex symbol without any value is 0 / 0x0
    ("6.12", "arm", "rpc_defconfig", "DEBUG_UART_PHYS", "0x0"),
    # before 6.8 it is written empty (and such a .config must be readable)
    ("6.1", "arm", "rpc_defconfig", "DEBUG_UART_PHYS", ""),
    # `make rv32_defconfig` is arch/riscv/Makefile's target (defconfig + 32-bit.config),
    # not the file of that name
    ("6.1", "riscv64", "rv32_defconfig", "32BIT", "y"),
    ("6.12", "riscv64", "rv32_defconfig", "32BIT", "y"),
    # >= 6.8: the 64-bit NR_CPUS=256 out of the 32-bit range is clamped (before: default)
    (NEWEST, "riscv64", "rv32_defconfig", "NR_CPUS", "128"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("version", "arch", "base", "symbol", "value"), REGRESSIONS)
def test_regression_same_as_c_kconfig(
    real_tree, tmp_path: Path, version: str, arch: str, base: str, symbol: str, value: str
) -> None:
    result = run(real_tree, tmp_path, version, arch, base)
    assert result.ours[symbol] == result.theirs[symbol] == value


@pytest.mark.slow
def test_kernel_written_empty_value_is_read(real_tree, tmp_path: Path) -> None:
    tree = real_tree("6.1", "arm")
    frag = tmp_path / "kdump.cfg"
    frag.write_text(fragment_for("arm", tree.version))
    written = tmp_path / ".config"
    written.write_text(fidelity.c_config(tree, "rpc_defconfig", [frag]))
    assert "\nCONFIG_DEBUG_UART_PHYS=\n" in written.read_text()
    static = run_cli("check", "--config", written)
    assert static.code == 0, static.out + static.err
    evaluated = run_cli(
        "check", "--config", written, "--kernel-src", tarball("6.1"), "--arch", "arm"
    )
    assert evaluated.code == 0, evaluated.out + evaluated.err


@pytest.mark.slow
def test_newest_kernel_uses_the_new_syntax(real_tree) -> None:
    """The newest tree really has `transitional` and `depends on X if Y` lines, so the
    sample above compares them with that kernel's own C conf."""
    tree = real_tree(NEWEST, "x86_64")
    assert tree.version_tuple >= (7, 0)
    kinds = {what.split()[0] for _, _, what in tree.kconfig.compat.rewrites}
    assert {"transitional", "depends"} <= kinds
    assert any(" if " in what for _, _, what in tree.kconfig.compat.rewrites)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arch", "base"),
    [
        ("x86_64", "x86_64_defconfig"),
        ("arm64", "defconfig"),
        ("arm", "multi_v7_defconfig"),
        ("riscv64", "defconfig"),
    ],
)
def test_newest_fragment_is_met(real_tree, tmp_path: Path, arch: str, base: str) -> None:
    tree = real_tree(NEWEST, arch)
    frag = tmp_path / "kdump.cfg"
    frag.write_text(fragment_for(arch, tree.version))
    result = tree.check(Base.parse(base), [frag], select(arch, tree.version))
    assert result.ok, [(i.symbol, i.final, i.why()) for i in result.unmet]
    assert result.unknown == ()  # every symbol the fragment names exists there


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
def test_synthetic_trees_match_c_conf(
    real_tree, tmp_path: Path, version: str, tree_dir: str, config: str
) -> None:
    from kdumplayer.kconfig import KconfigTree
    from tests.kconfig.conftest import DATA, c_conf, c_olddefconfig

    conf = c_conf(real_tree(version, "x86_64"))
    start = tmp_path / "start.config"
    start.write_text(config)
    ours = (
        KconfigTree.load(DATA / tree_dir, "x86_64", cache=False).evaluate(Base.config(start)).values
    )
    theirs = c_olddefconfig(conf, DATA / tree_dir, config, tmp_path / "c")
    assert ours == theirs


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("tree_dir", ["choice-6.10", "choice-6.12", "compat/modules"])
def test_synthetic_allnoconfig_matches_c_conf(
    real_tree, tmp_path: Path, version: str, tree_dir: str
) -> None:
    from kdumplayer.kconfig import KconfigTree
    from tests.kconfig.conftest import DATA, c_conf, c_olddefconfig

    conf = c_conf(real_tree(version, "x86_64"))
    tree = KconfigTree.load(DATA / tree_dir, "x86_64", cache=False)
    ours = tree.evaluate(Base.allnoconfig()).values
    assert ours == c_olddefconfig(conf, DATA / tree_dir, "", tmp_path / "c", "allnoconfig")


# The version rules behind the regressions above, on a small tree, against the C conf of
# each version: (conf of, tree, symbols the C tools give these values).
RULES = [
    ("6.1", "rules-6.1", {"IMPLIED": "m", "IMPLIED_HIDDEN": "m", "NUM": "4"}),
    (
        "6.12",
        "rules-6.12",
        {"IMPLIED": "m", "PHYS": "0x0", "COUNT": "0", "SPLIT_3G": "y", "SPLIT_2G": "n", "NUM": "8"},
    ),
    (
        NEWEST,
        "rules-6.12",
        {"IMPLIED": "m", "PHYS": "0x0", "COUNT": "0", "SPLIT_3G": "y", "NUM": "8"},
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("version", "tree_dir", "expected"), RULES)
def test_version_rules_match_c_conf(
    real_tree, tmp_path: Path, version: str, tree_dir: str, expected: dict[str, str]
) -> None:
    from kdumplayer.kconfig import KconfigTree
    from tests.kconfig.conftest import DATA, c_conf, c_olddefconfig

    config = "CONFIG_MODULES=y\nCONFIG_ROOT=y\nCONFIG_IMPLIED=m\nCONFIG_NUM=16\n"
    start = tmp_path / "start.config"
    start.write_text(config)
    ours = (
        KconfigTree.load(DATA / tree_dir, "x86_64", cache=False).evaluate(Base.config(start)).values
    )
    theirs = c_olddefconfig(
        c_conf(real_tree(version, "x86_64")), DATA / tree_dir, config, tmp_path / "c"
    )
    assert ours == theirs
    assert {k: theirs.get(k) for k in expected} == expected


@pytest.mark.slow
@pytest.mark.parametrize("usb", ["n", "m", "y"])
@pytest.mark.parametrize("gadget", ["n", "m", "y"])
@pytest.mark.parametrize("z", ["n", "y"])
def test_depends_if_matches_newest_c_conf(
    real_tree, tmp_path: Path, usb: str, gadget: str, z: str
) -> None:
    """`depends on X if Y` with m values (7.3 arm footbridge_defconfig: USB=m, USB_GADGET=n)."""
    from kdumplayer.kconfig import KconfigTree
    from tests.kconfig.conftest import DATA, c_conf, c_olddefconfig

    config = (
        f"CONFIG_MODULES=y\nCONFIG_USB={usb}\nCONFIG_USB_GADGET={gadget}\nCONFIG_Z={z}\n"
        "CONFIG_DUAL=m\nCONFIG_COMPOUND=m\nCONFIG_NEGATED_OR=m\n"
    )
    start = tmp_path / "start.config"
    start.write_text(config)
    tree_dir = DATA / "compat" / "depends-if-7"
    ours = KconfigTree.load(tree_dir, "x86_64", cache=False).evaluate(Base.config(start)).values
    theirs = c_olddefconfig(c_conf(real_tree(NEWEST, "x86_64")), tree_dir, config, tmp_path / "c")
    assert ours == theirs
