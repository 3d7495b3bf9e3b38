"""Fixtures for the Kconfig tests: the real Debian kernel trees, parsed once per session,
and the kernel's own C kconfig (`make *config` built from the same tree) to compare with."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from kdumplayer import debian
from kdumplayer.kconfig import KconfigTree, fidelity
from kdumplayer.kconfig.configfile import read_config

DATA = Path(__file__).resolve().parent / "data"
VERSIONS = ("6.1", "6.12")


NEWEST = "newest"  # the newest linux-source series Debian offers (7.x), through kdumplayer.debian


def series(version: str) -> str:
    """ "6.1" -> "6.1"; "newest" -> Debian's newest series ("7.3")."""
    if version != NEWEST:
        return version
    found = debian.newest_linux_source_series()
    if found is None:  # never skip: the registry is reachable wherever `make test` runs
        pytest.fail("no linux-source series found in Debian's newest suites")
    return found


def tarball(version: str) -> Path:
    if version == NEWEST:
        return debian.linux_source(series(version))
    path = Path(f"/usr/src/linux-source-{version}.tar.xz")
    if not path.is_file():  # never skip: `make test` installs these packages
        pytest.fail(f"{path} is missing: install linux-source-{version} (make deps)")
    return path


_TREES: dict[tuple[str, str], KconfigTree] = {}


@pytest.fixture(scope="session")
def real_tree() -> Callable[[str, str], KconfigTree]:
    """real_tree("6.12", "arm64"): the Debian tree parsed for the arch (once per session)."""

    def get(version: str, arch: str) -> KconfigTree:
        key = (version, arch)
        if key not in _TREES:
            _TREES[key] = KconfigTree.load(tarball(version), arch)
        return _TREES[key]

    return get


def c_kconfig(tree: KconfigTree, base: str, fragments: list[Path]) -> dict[str, str]:
    """The .config the kernel's own C kconfig writes: `make BASE`, merge_config.sh -m
    the fragments, `make olddefconfig`; same dummy tools as kdumplayer uses."""
    return fidelity.config_values(fidelity.c_config(tree, base, fragments), "C .config")


def c_conf(tree: KconfigTree) -> Path:
    """The tree's own scripts/kconfig/conf binary (built by make on first use)."""
    conf = fidelity.c_workdir(tree) / "scripts" / "kconfig" / "conf"
    if not conf.is_file():
        c_kconfig(tree, "defconfig" if tree.arch.name != "x86_64" else "x86_64_defconfig", [])
    return conf


def c_olddefconfig(
    conf: Path, kconfig_dir: Path, config_text: str, work: Path, mode: str = "olddefconfig"
) -> dict[str, str]:
    """`conf --olddefconfig` (or --allnoconfig) of a synthetic Kconfig tree, started from
    config_text (for allnoconfig: the KCONFIG_ALLCONFIG seed)."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / ".config"
    config.write_text(config_text)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "srctree": str(kconfig_dir),
        "KCONFIG_CONFIG": str(config),
    }
    if mode == "allnoconfig":
        seed = work / "seed.config"
        seed.write_text(config_text)
        config.write_text("")
        env["KCONFIG_ALLCONFIG"] = str(seed)
    done = subprocess.run(
        [str(conf), f"--{mode}", "Kconfig"],
        cwd=kconfig_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {a.symbol: a.value if a.value == "n" else a.raw for a in read_config(config)}
