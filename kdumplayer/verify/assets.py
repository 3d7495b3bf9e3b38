"""What the guest is made of: Debian's kernel package (downloaded, unpacked, not
installed) and the host's Debian tools with the shared libraries they link.

Everything downloaded or unpacked is cached under kdumplayer.paths.cache_dir(),
keyed by the package's name and version.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.errors import UserError
from kdumplayer.paths import cache_dir

KERNEL_META = "linux-image-cloud-amd64"
# The cloud kernel builds virtio as modules; this is their load order.
VIRTIO_MODULES = (
    "virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev",
    "virtio_pci", "virtio_blk",
)
# The guest's tools: Debian's packages as installed on the host.
GUEST_TOOLS = ("/usr/sbin/kexec", "/usr/sbin/vmcore-dmesg", "/usr/bin/makedumpfile")
BUSYBOX = "/bin/busybox"


@dataclass(frozen=True)
class Kernel:
    """A bootable kernel for the guest, with the modules the initramfs loads."""

    name: str  # e.g. linux-image-6.1.0-56-cloud-amd64_6.1.192-2 or gold-<hash>
    image: Path
    release: str
    modules: tuple[Path, ...]  # in load order; empty when everything is built in


def _run(argv: list[str], cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(argv, cwd=cwd, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise UserError(f"{argv[0]} is not installed (run `make deps`)") from None
    except subprocess.CalledProcessError as exc:
        raise UserError(f"`{' '.join(argv)}` failed: {exc.stderr.strip()[-400:]}") from None
    return done.stdout


def resolve_kernel_package(meta: str = KERNEL_META) -> tuple[str, str]:
    """The real image package the meta package depends on, and its candidate version."""
    try:
        depends = _run(["apt-cache", "depends", meta])
    except UserError:
        depends = ""
    if "Depends:" not in depends and os.geteuid() == 0:
        _run(["apt-get", "update", "-q"])  # no package lists yet (a fresh machine)
        depends = _run(["apt-cache", "depends", meta])
    match = re.search(r"Depends: (linux-image-\S+)", depends)
    if not match:
        raise UserError(f"cannot find the kernel package {meta} depends on (run apt-get update)")
    package = match.group(1)
    policy = _run(["apt-cache", "policy", package])
    version = re.search(r"Candidate: (\S+)", policy)
    if not version or version.group(1) == "(none)":
        raise UserError(f"{package} has no installable version (run apt-get update)")
    return package, version.group(1)


def debian_kernel(meta: str = KERNEL_META) -> Kernel:
    """Download the kernel .deb with apt-get download and unpack it with dpkg-deb -x."""
    package, version = resolve_kernel_package(meta)
    key = f"{package}_{version.replace(':', '%3a')}"
    root = cache_dir() / "debian" / key
    unpacked = root / "unpacked"
    if not (root / ".done").exists():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        _run(["apt-get", "download", f"{package}={version}"], cwd=root)
        deb = next(root.glob("*.deb"))
        _run(["dpkg-deb", "-x", str(deb), str(unpacked)])
        (root / ".done").write_text(version + "\n")
    image = next((unpacked / "boot").glob("vmlinuz-*"))
    release = image.name.removeprefix("vmlinuz-")
    moddir = unpacked / "lib" / "modules" / release / "kernel"
    modules = []
    for name in VIRTIO_MODULES:
        found = sorted(moddir.rglob(f"{name}.ko"))
        if not found:
            raise UserError(f"{package}: module {name}.ko not found")
        modules.append(found[0])
    return Kernel(name=key, image=image, release=release, modules=tuple(modules))


def library_closure(binaries: tuple[str, ...]) -> list[str]:
    """The shared libraries (and the loader) the binaries need, as absolute host paths."""
    libs: set[str] = set()
    for binary in binaries:
        for line in _run(["ldd", binary]).splitlines():
            match = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
            if match:
                libs.add(match.group(1))
    return sorted(libs)


def guest_tools(arch: str) -> list[str]:
    """Host paths of the tools and libraries copied into the guest, at the same paths."""
    import platform

    host = {"x86_64": "x86_64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    if arch != host:
        raise UserError(f"verify runs {arch} guests only on a {arch} host for now (host: {host})")
    missing = [t for t in (BUSYBOX, *GUEST_TOOLS) if not Path(t).exists()]
    if missing:
        raise UserError(f"missing on the host: {', '.join(missing)} (run `make deps`)")
    return [*GUEST_TOOLS, *library_closure(GUEST_TOOLS)]
