"""The guest's tools on any arch and Debian generation: busybox-static,
kexec-tools, makedumpfile and the libraries they link, downloaded through the
private apt state of kdumplayer.debian (APT::Architectures set there, never the
host's dpkg architectures) and unpacked with dpkg-deb -x, never installed. On
the host's own arch with the host's generation (Debian 12) the installed tools
are used (assets.guest_tools).

Which generation: the kernel's (Kernel.tools), raised to the oldest whose
kexec-tools handles the arch (arches.yaml: debian_tools_since).
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from pathlib import Path

from kdumplayer import debian
from kdumplayer.arch import Arch
from kdumplayer.errors import UserError
from kdumplayer.host import run as _run
from kdumplayer.verify import assets

TOOL_PACKAGES = ("busybox-static", "kexec-tools", "makedumpfile")
_HOST = {"x86_64": "x86_64", "aarch64": "arm64", "armv7l": "arm", "riscv64": "riscv64"}


@dataclass(frozen=True)
class GuestTools:
    """What the guest runs: busybox (a host path) and (guest path, host path) pairs."""

    busybox: Path
    files: tuple[tuple[str, Path], ...]


def is_host(arch: Arch) -> bool:
    return _HOST.get(platform.machine()) == arch.name


def tools_generation(arch: Arch, wanted: str = assets.HOST_GENERATION) -> str:
    """`wanted`, or the arch's debian_tools_since when that one is newer."""
    order = list(debian.generations())
    since = arch.debian_tools_since
    if since and order.index(since) > order.index(wanted):
        return since
    return wanted


def sysroot(
    arch: Arch, generation: str = assets.HOST_GENERATION, packages: tuple[str, ...] = TOOL_PACKAGES
) -> Path:
    """Debian's `packages` for the arch and their libraries, unpacked into one tree."""
    return debian.PrivateApt(generation, arch.debian_arch).unpack(packages)


def _needed(binary: Path) -> list[str]:
    text = _run(["readelf", "-d", "-W", str(binary)])
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", text)


def _interpreter(binary: Path) -> str | None:
    text = _run(["readelf", "-l", "-W", str(binary)])
    match = re.search(r"Requesting program interpreter: ([^\]]+)\]", text)
    return match.group(1) if match else None


def library_closure(root: Path, binaries: list[str], multiarch: str) -> list[str]:
    """Guest paths of the loader and the libraries `binaries` (guest paths) need."""
    search = [f"/lib/{multiarch}", f"/usr/lib/{multiarch}", "/lib", "/usr/lib"]
    found: set[str] = set()
    todo = list(binaries)
    while todo:
        binary = root / todo.pop().lstrip("/")
        interp = _interpreter(binary)
        if interp and interp not in found:
            found.add(interp)
        for soname in _needed(binary):
            path = next(
                (f"{d}/{soname}" for d in search if (root / d.lstrip("/") / soname).exists()), None
            )
            if path is None:
                raise UserError(f"{binary.name} needs {soname}, which no unpacked package has")
            if path not in found:
                found.add(path)
                todo.append(path)
    return sorted(found)


def _multiarch(root: Path) -> str:
    """The multiarch triplet Debian's libc6 for this arch uses (aarch64-linux-gnu, ...)."""
    for base in ("lib", "usr/lib"):
        for candidate in sorted((root / base).glob("*-linux-gnu*")):
            if (candidate / "libc.so.6").exists():
                return candidate.name
    raise UserError(f"no libc.so.6 under {root}")


def _host_path(root: Path, guest: str) -> Path:
    """The file behind a guest path in the sysroot, following links inside the sysroot
    (Debian 12 keeps /lib and /usr/lib apart, links may be absolute)."""
    path = root / guest.lstrip("/")
    if not path.exists() and not path.is_symlink():
        # Merged /usr (Debian 13 on): /lib/ld-linux-*.so.1 ships as /usr/lib/...
        path = root / "usr" / guest.lstrip("/")
    for _ in range(16):
        if not path.is_symlink():
            return path
        target = path.readlink()
        path = root / str(target).lstrip("/") if target.is_absolute() else path.parent / target
    raise UserError(f"too many links at {guest}")


def foreign_tools(arch: Arch, generation: str = assets.HOST_GENERATION) -> GuestTools:
    root = sysroot(arch, generation)
    tools = [t for t in assets.GUEST_TOOLS if (root / t.lstrip("/")).exists()]
    # Debian 12's kexec-tools installs /sbin/kexec (merged /usr makes it /usr/sbin on a host).
    for name in ("kexec", "vmcore-dmesg"):
        if f"/usr/sbin/{name}" not in tools and (root / "sbin" / name).exists():
            tools.append(f"/sbin/{name}")
    if len(tools) < len(assets.GUEST_TOOLS):
        raise UserError(
            f"Debian {generation} {arch.debian_arch} packages lack some of "
            f"{assets.GUEST_TOOLS}: {tools}"
        )
    libs = library_closure(root, tools, _multiarch(root))
    files = tuple((guest, _host_path(root, guest)) for guest in [*tools, *libs])
    # busybox-static: /bin/busybox up to Debian 12, /usr/bin/busybox (merged /usr) later.
    busybox = next(
        (root / d / "busybox" for d in ("bin", "usr/bin") if (root / d / "busybox").exists()), None
    )
    if busybox is None:
        raise UserError(f"Debian {generation} {arch.debian_arch} busybox-static has no busybox")
    return GuestTools(busybox=busybox, files=files)


def guest_tools(arch: Arch, generation: str = assets.HOST_GENERATION) -> GuestTools:
    """The tools for `arch`'s guest from `generation` (raised to what the arch needs):
    the host's on its own arch and generation, Debian's packages otherwise."""
    generation = tools_generation(arch, generation)
    if is_host(arch) and generation == assets.HOST_GENERATION:
        paths = assets.guest_tools(arch.name)
        return GuestTools(
            busybox=Path(assets.BUSYBOX), files=tuple((p, Path(p).resolve()) for p in paths)
        )
    return foreign_tools(arch, generation)


def capture_booted(console: list[str], arch: Arch) -> bool:
    """The capture kernel booted: x86 kexec-tools puts elfcorehdr= on its command line;
    arm64, arm and riscv pass it in the device tree, so there the sign is a second
    kernel whose command line carries the arch's capture append."""
    lines = [line for line in console if "Kernel command line:" in line]
    return any(
        "elfcorehdr=" in line
        or line.rstrip().endswith(arch.capture_append)
        or f"{arch.capture_append} " in line
        for line in lines[1:]
    )


# Arches the proof cannot run on yet, and why (docs/architectures.md says more).
UNSUPPORTED = {
    "i386": "no QEMU proof for i386 yet",
}


def check_supported(arch: Arch) -> None:
    """UserError naming why `verify` cannot run on `arch`."""
    reason = UNSUPPORTED.get(arch.name)
    if reason:
        raise UserError(f"verify cannot run {arch.name} guests: {reason}", key="arch")
