"""Fixtures for the Kconfig tests: the real Debian kernel trees, parsed once per session,
and the kernel's own C kconfig (`make *config` built from the same tree) to compare with."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from kdumplayer.kconfig import KconfigTree
from kdumplayer.kconfig.configfile import read_config
from kdumplayer.paths import cache_dir

DATA = Path(__file__).resolve().parent / "data"
VERSIONS = ("6.1", "6.12")


def tarball(version: str) -> Path:
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
    root = tree.root
    out = cache_dir() / "c-kconfig" / f"{root.name}-{tree.arch.name}"
    out.mkdir(parents=True, exist_ok=True)
    dummy = root / "scripts" / "dummy-tools"
    make = [
        "nice", "make", "-s", "-j2", "-C", str(root), f"O={out}",
        f"ARCH={tree.arch.kernel_arch}", f"CROSS_COMPILE={dummy}/", f"PAHOLE={dummy}/pahole",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KCONFIG_")}

    def run(argv: list[str], cwd: Path | None = None) -> None:
        done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"

    run([*make, base])
    if fragments:
        merge = root / "scripts" / "kconfig" / "merge_config.sh"
        run(["sh", str(merge), "-m", "-O", str(out), str(out / ".config"),
             *map(str, fragments)], cwd=out)
        run([*make, "olddefconfig"])
    return {a.symbol: a.value if a.value == "n" else a.raw for a in read_config(out / ".config")}


def c_conf(tree: KconfigTree) -> Path:
    """The tree's own scripts/kconfig/conf binary (built by make on first use)."""
    build = cache_dir() / "c-kconfig" / f"{tree.root.name}-{tree.arch.name}"
    conf = build / "scripts" / "kconfig" / "conf"
    if not conf.is_file():
        c_kconfig(tree, "defconfig" if tree.arch.name != "x86_64" else "x86_64_defconfig", [])
    return conf


def c_olddefconfig(conf: Path, kconfig_dir: Path, config_text: str, work: Path,
                   mode: str = "olddefconfig") -> dict[str, str]:
    """`conf --olddefconfig` (or --allnoconfig) of a synthetic Kconfig tree, started from
    config_text (for allnoconfig: the KCONFIG_ALLCONFIG seed)."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / ".config"
    config.write_text(config_text)
    env = {"PATH": os.environ.get("PATH", ""), "srctree": str(kconfig_dir),
           "KCONFIG_CONFIG": str(config)}
    if mode == "allnoconfig":
        seed = work / "seed.config"
        seed.write_text(config_text)
        config.write_text("")
        env["KCONFIG_ALLCONFIG"] = str(seed)
    done = subprocess.run([str(conf), f"--{mode}", "Kconfig"], cwd=kconfig_dir, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return {a.symbol: a.value if a.value == "n" else a.raw for a in read_config(config)}
