"""What the guest is made of: Debian's kernel package for the board's arch and a
Debian generation (downloaded through the private apt state of
kdumplayer.debian, unpacked, never installed), and the host's Debian tools with
the shared libraries they link.

Everything downloaded or unpacked is cached under kdumplayer.paths.cache_dir(),
keyed by the package's name and version.
"""

from __future__ import annotations

import lzma
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from kdumplayer import debian
from kdumplayer.arch import Arch, get_arch
from kdumplayer.errors import UserError
from kdumplayer.host import run as _run
from kdumplayer.paths import RECIPES_DIR, cache_dir

# What the initramfs loads when the kernel has them as modules: the virtio disk
# on PCI and the root filesystem (their dependencies come first, read from each
# module's own `depends=`), and the virtio NIC a network dump target uses.
ROOT_MODULES = ("virtio_pci", "virtio_blk", "ext4", "virtio_net")
# The guest's tools: Debian's packages as installed on the host.
GUEST_TOOLS = ("/usr/sbin/kexec", "/usr/sbin/vmcore-dmesg", "/usr/bin/makedumpfile")
BUSYBOX = "/bin/busybox"
HOST_GENERATION = "bookworm"  # the host is Debian 12: its tools are this generation's


@dataclass(frozen=True)
class Kernel:
    """A bootable kernel for the guest, with the modules the initramfs loads."""

    name: str  # e.g. linux-image-6.1.0-56-cloud-amd64_6.1.192-2 or gold-<hash>
    image: Path
    release: str
    modules: tuple[Path, ...]  # in load order; empty when everything is built in
    # The Debian generation whose busybox, kexec-tools and makedumpfile the guest runs.
    tools: str = HOST_GENERATION
    config: Path | None = None  # the kernel's .config, when known
    # Recorded as `captures with cp`: makedumpfile refuses this kernel's dump, the
    # hook's cp fallback saves it whole (and its summary says so, as a failure).
    cp_fallback: bool = False


def _modinfo_depends(data: bytes) -> list[str]:
    match = re.search(rb"(?:^|\x00)depends=([^\x00]*)\x00", data)
    return [d for d in match.group(1).decode().split(",") if d] if match else []


def _norm(name: str) -> str:
    return name.replace("-", "_")


def module_order(
    moddir: Path, builtin: tuple[Path, ...] = (), wanted: tuple[str, ...] = ROOT_MODULES
) -> list[Path]:
    """The `wanted` modules the kernel has as modules (not built in: the
    modules.builtin lists), after the ones they depend on, decompressed beside
    `moddir` (busybox's insmod takes plain .ko files)."""
    built_in = {
        _norm(Path(line).name.split(".ko")[0])
        for path in builtin
        for line in path.read_text().split()
    }
    files = {_norm(p.name.split(".ko")[0]): p for p in (moddir / "kernel").rglob("*.ko*")}
    plain = moddir.parent / f"{moddir.name}.plain"
    plain.mkdir(exist_ok=True)
    order: list[Path] = []
    seen: set[str] = set()

    def load(name: str, chain: tuple[str, ...]) -> None:
        name = _norm(name)
        if name in seen or name in built_in:
            return
        source = files.get(name)
        if source is None:
            raise UserError(
                f"{moddir.name}: module {name} (for {' <- '.join(chain)}) is "
                "neither built in nor in the package"
            )
        seen.add(name)
        data = source.read_bytes()
        if source.name.endswith(".xz"):
            data = lzma.decompress(data)
        for dep in _modinfo_depends(data):
            load(dep, (*chain, name))
        target = plain / f"{name}.ko"
        if not target.exists():
            target.write_bytes(data)
        order.append(target)

    for name in wanted:
        load(name, (name,))
    return order


def debian_kernel(
    arch: Arch | None = None, generation: str = HOST_GENERATION, tools: str | None = None
) -> Kernel:
    """Debian's kernel for `arch` (default x86_64) from `generation`: the image
    package its meta package (arches.yaml: debian_kernel) depends on, downloaded
    through the private apt state and unpacked with dpkg-deb -x. The guest's tools
    come from `tools` (default: the same generation)."""
    arch = arch or get_arch("x86_64")
    if arch.debian_kernel is None:
        raise UserError(
            f"Debian has no kernel for QEMU's {arch.name} machine; use --kernel gold", key="arch"
        )
    apt = debian.PrivateApt(generation, arch.debian_arch)
    apt.update()
    package = apt.depends_of(arch.debian_kernel, prefix="linux-image-")
    # From Debian 14 (unstable) on the image package is split: the kernel is in
    # linux-binary-RELEASE, the modules in linux-modules-RELEASE.
    flavour = package.removeprefix("linux-image-")
    parts = [
        package,
        *(d for d in apt.depends(package) if d.startswith("linux-") and d.endswith(f"-{flavour}")),
    ]
    debs = [apt.download(name) for name in dict.fromkeys(parts)]
    unpacked = cache_dir() / "debian" / "kernels" / debs[0].stem
    for deb in debs:
        debian.unpack_deb(deb, unpacked / deb.stem)
    # Debian 12 and 13: /boot/vmlinuz-RELEASE and /boot/config-RELEASE; Debian 14:
    # /usr/lib/modules/RELEASE/vmlinuz and .../config.
    trees = [d for d in sorted(unpacked.iterdir()) if d.is_dir()]
    images = sorted(
        [
            *(p for t in trees for p in (t / "boot").glob("vmlinu[xz]-*")),
            *(p for t in trees for p in t.glob("usr/lib/modules/*/vmlinu[xz]")),
        ]
    )
    if not images:
        raise UserError(
            f"{', '.join(d.name for d in debs)} hold no kernel image "
            "(/boot/vmlinuz-*, /usr/lib/modules/*/vmlinuz)"
        )
    image = images[0]
    boot = image.parent.name == "boot"
    release = re.sub(r"^vmlinu[xz]-", "", image.name) if boot else image.parent.name
    moddirs = [
        t / sub / release
        for t in trees
        for sub in ("usr/lib/modules", "lib/modules")
        if (t / sub / release).is_dir()
    ]
    moddir = next((m for m in moddirs if (m / "kernel").is_dir()), None)
    builtin = tuple(m / "modules.builtin" for m in moddirs if (m / "modules.builtin").exists())
    modules = tuple(module_order(moddir, builtin)) if moddir else ()
    configs = [t / "boot" / f"config-{release}" for t in trees] + [m / "config" for m in moddirs]
    config = next((c for c in configs if c.exists()), None)
    return Kernel(
        name=debs[0].stem,
        image=image,
        release=release,
        modules=modules,
        tools=tools or generation,
        config=config,
    )


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


@cache
def firmware(arch: str) -> Path | None:
    """The firmware QEMU boots for `arch` instead of its own bundled one
    (recipes/runtime/qemu/firmware.yaml says which and why), or None."""
    table = yaml.safe_load((RECIPES_DIR / "runtime" / "qemu" / "firmware.yaml").read_text())
    entry = (table or {}).get(arch)
    if entry is None:
        return None
    apt = debian.PrivateApt(entry["generation"], arch)
    path = apt.unpack([entry["package"]], with_depends=False) / entry["file"]
    if not path.is_file():
        raise UserError(
            f"Debian {entry['generation']}'s {entry['package']} has no "
            f"{entry['file']} (recipes/runtime/qemu/firmware.yaml)"
        )
    return path
