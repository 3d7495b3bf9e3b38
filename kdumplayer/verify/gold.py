"""The gold kernel: built from the board's kernel.source (or, when it names none,
Debian's linux-source of its kernel.version, fetched through kdumplayer.debian)
with tinyconfig, the board's generated kdump fragment, and only what the QEMU machine needs
(recipes/runtime/qemu/kernel-<arch>.cfg). Booting it, crashing it and capturing
proves the fragment alone is enough.

Built with `make olddefconfig` and `make -j2 <image>` under nice; the image is
cached under cache_dir()/gold/<hash of tarball, fragment, machine needs>, with its
vmlinux (debug info, for `kdumplayer analyze`) beside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kdumplayer import debian
from kdumplayer.board.model import Board
from kdumplayer.errors import UserError
from kdumplayer.fragment import fragment_for_board
from kdumplayer.paths import RECIPES_DIR, cache_dir
from kdumplayer.verify import arches, assets
from kdumplayer.verify.assets import Kernel

_LINE = re.compile(r"^(?:CONFIG_(\w+)=(.*)|# CONFIG_(\w+) is not set)$")
# Where each arch's make target leaves the image.
_IMAGE_PATH = {
    "bzImage": "arch/x86/boot/bzImage",
    "Image": "arch/{arch}/boot/Image",
    "zImage": "arch/{arch}/boot/zImage",
}


@dataclass(frozen=True)
class GoldConfig:
    tarball: Path
    fragment: str
    machine: str
    arch: str
    image: str
    cross: str = ""  # CROSS_COMPILE for another arch than the host's

    @property
    def key(self) -> str:
        stat = self.tarball.stat()
        digest = hashlib.sha256()
        for part in (
            self.tarball.name,
            str(stat.st_size),
            self.fragment,
            self.machine,
            self.arch,
            self.image,
            *([self.cross] if self.cross else []),
        ):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()[:16]


def parse_config(text: str) -> dict[str, str]:
    """Symbol -> value ("n" for `is not set`) of a .config or fragment."""
    values = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match:
            if match.group(3):
                values[match.group(3)] = "n"
            else:
                values[match.group(1)] = match.group(2)
    return values


def unmet(requested: dict[str, str], final: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Requested values that did not make it: symbol -> (wanted, got)."""
    return {
        symbol: (want, final.get(symbol, "n"))
        for symbol, want in requested.items()
        if final.get(symbol, "n") != want
    }


def source_tarball(board: Board) -> Path:
    """The board's kernel.source, or the linux-source of its kernel.version."""
    tarball = board.kernel.source
    if tarball is None:
        if board.kernel.version is None:
            raise UserError(
                "the gold kernel needs kernel.source or kernel.version", key="kernel.version"
            )
        return debian.linux_source(board.kernel.version)
    if not tarball.exists():
        raise UserError(
            f"the board's kernel.source ({tarball}) is not there: install "
            f"linux-source-{board.kernel.version} (make deps), or leave "
            "kernel.source out to have it fetched",
            key="kernel.source",
        )
    return tarball


def tools_generation(board: Board) -> str:
    """The Debian generation whose tools the guest runs with the board's gold kernel:
    the one nearest its kernel.version, raised to what the arch needs."""
    version = board.kernel.version
    nearest = debian.generation_for_kernel(version).name if version else None
    return arches.tools_generation(board.arch, nearest or assets.HOST_GENERATION)


def gold_config(board: Board) -> GoldConfig:
    tarball = source_tarball(board)
    machine = RECIPES_DIR / "runtime" / "qemu" / f"kernel-{board.arch.name}.cfg"
    if not machine.exists():
        raise UserError(f"no gold-kernel machine needs for {board.arch.name} ({machine})")
    if board.kernel.image not in _IMAGE_PATH:
        raise UserError(f"the gold kernel cannot build {board.kernel.image} yet")
    needs = machine.read_text(encoding="utf-8")
    if board.dump.ssh is not None:  # the capture kernel brings up the network
        needs += (RECIPES_DIR / "runtime" / "qemu" / "kernel-net.cfg").read_text(encoding="utf-8")
    if board.init == "systemd":  # systemd stops without cgroups, signalfd and the like
        needs += (RECIPES_DIR / "runtime" / "qemu" / "kernel-systemd.cfg").read_text(
            encoding="utf-8"
        )
    return GoldConfig(
        tarball=tarball,
        fragment=fragment_for_board(board),
        machine=needs,
        arch=board.arch.kernel_arch,
        image=board.kernel.image,
        cross="" if arches.is_host(board.arch) else board.arch.cross_prefix,
    )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (several test runs may share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _source_tree(tarball: Path) -> Path:
    """The tarball unpacked once into the cache (by tar: faster than tarfile on the
    kernel's 80 000 files)."""
    stat = tarball.stat()
    dest = cache_dir() / "linux-source" / f"{tarball.name}-{stat.st_size}"
    with _locked(dest.with_name(dest.name + ".lock")):
        if not (dest / ".done").exists():
            shutil.rmtree(dest, ignore_errors=True)
            tmp = dest.with_name(dest.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            done = subprocess.run(
                ["tar", "-xf", str(tarball), "-C", str(tmp)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode:
                raise UserError(f"cannot unpack {tarball}: {done.stderr.strip()[-300:]}")
            (tmp / ".done").write_text("")
            tmp.rename(dest)
    return next(p for p in dest.iterdir() if p.is_dir())


def _make(
    src: Path,
    build: Path,
    arch: str,
    *targets: str,
    jobs: int = 1,
    log: Path | None = None,
    cross: str = "",
) -> None:
    argv = [
        "nice",
        "-n",
        "10",
        "make",
        "-C",
        str(src),
        f"O={build}",
        f"ARCH={arch}",
        *([f"CROSS_COMPILE={cross}"] if cross else []),
        f"-j{jobs}",
        *targets,
    ]
    with (log or build / "make.log").open("a") as sink:
        done = subprocess.run(
            argv,
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=False,
            env={
                **os.environ,
                "KBUILD_BUILD_TIMESTAMP": "kdumplayer",
                "KBUILD_BUILD_USER": "kdumplayer",
                "KBUILD_BUILD_HOST": "kdumplayer",
            },
        )
    if done.returncode:
        tail = (log or build / "make.log").read_text(errors="replace").splitlines()[-20:]
        raise UserError(f"`make {' '.join(targets)}` failed:\n" + "\n".join(tail))


def vmlinux_of(kernel: Kernel) -> Path | None:
    """The vmlinux kept beside a gold kernel's image; None for other kernels."""
    path = kernel.image.parent / "vmlinux"
    return path if path.exists() else None


@dataclass(frozen=True)
class GoldBuild:
    kernel: Kernel
    config: dict[str, str]  # the final .config
    unmet: dict[str, tuple[str, str]]  # fragment values that did not take
    cached: bool


def build_gold(board: Board, jobs: int = 2) -> GoldBuild:
    """Build (or take from the cache) the gold kernel for `board`."""
    cfg = gold_config(board)
    out = cache_dir() / "gold" / cfg.key
    image = out / cfg.image
    with _locked(out.with_name(out.name + ".lock")):
        # A build from before vmlinux was kept counts as missing.
        cached = (out / ".done").exists() and (out / "vmlinux").exists()
        if not cached:
            _build(cfg, out, jobs)
    final = parse_config((out / "config").read_text())
    release = f"gold-{cfg.key}"
    return GoldBuild(
        kernel=Kernel(
            name=release,
            image=image,
            release=release,
            modules=(),
            tools=tools_generation(board),
            config=out / "config",
        ),
        config=final,
        unmet=unmet(parse_config(cfg.fragment), final),
        cached=cached,
    )


def _build(cfg: GoldConfig, out: Path, jobs: int) -> None:
    """tinyconfig, then the fragment and the machine needs, olddefconfig, the image."""
    src = _source_tree(cfg.tarball)
    build = out / "build"
    shutil.rmtree(out, ignore_errors=True)
    build.mkdir(parents=True)
    _make(src, build, cfg.arch, "tinyconfig", cross=cfg.cross)
    base = (build / ".config").read_text()
    # Later lines win in kconfig: tinyconfig, then the fragment, then the machine.
    (build / ".config").write_text(base + "\n" + cfg.fragment + "\n" + cfg.machine)
    _make(src, build, cfg.arch, "olddefconfig", cross=cfg.cross)
    _make(src, build, cfg.arch, cfg.image, jobs=jobs, cross=cfg.cross)
    shutil.copy2(build / _IMAGE_PATH[cfg.image].format(arch=cfg.arch), out / cfg.image)
    # The image's debug info, for `kdumplayer analyze` (the fragment asks for DEBUG_INFO).
    shutil.copy2(build / "vmlinux", out / "vmlinux")
    shutil.copy2(build / ".config", out / "config")
    shutil.copy2(build / "make.log", out / "make.log")
    shutil.rmtree(build)
    (out / ".done").write_text("")
