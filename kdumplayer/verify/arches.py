"""The proof on other arches than the host's: the guest's tools come from Debian's
packages for the board's arch (busybox-static, kexec-tools, makedumpfile and
the libraries they link), downloaded with `apt-get download pkg:ARCH` and
unpacked with dpkg-deb -x, never installed; the Debian kernel is the arch's
cloud (or generic) image.

On the host's own arch the installed tools are used (assets.guest_tools).
Downloads and the unpacked sysroot are cached under cache_dir()/debian-ARCH/,
keyed by the packages' versions.
"""

from __future__ import annotations

import hashlib
import platform
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.arch import Arch
from kdumplayer.errors import UserError
from kdumplayer.paths import cache_dir
from kdumplayer.verify import assets

TOOL_PACKAGES = ("busybox-static", "kexec-tools", "makedumpfile")
# Debian's kernel for the proof, per arch (the cloud flavour is small and boots virt;
# arm has none, the proof there uses the gold kernel).
DEBIAN_KERNELS = {
    "x86_64": "linux-image-cloud-amd64",
    "arm64": "linux-image-cloud-arm64",
}
_HOST = {"x86_64": "x86_64", "aarch64": "arm64", "armv7l": "arm", "riscv64": "riscv64"}


@dataclass(frozen=True)
class GuestTools:
    """What the guest runs: busybox (a host path) and (guest path, host path) pairs."""

    busybox: Path
    files: tuple[tuple[str, Path], ...]


def is_host(arch: Arch) -> bool:
    return _HOST.get(platform.machine()) == arch.name


def _run(argv: list[str], cwd: Path | None = None) -> str:
    return assets._run(argv, cwd=cwd)


def ensure_architecture(debian_arch: str) -> None:
    """dpkg knows the foreign architecture and apt has its package lists."""
    if debian_arch in _run(["dpkg", "--print-foreign-architectures"]).split():
        return
    if shutil.which("id") and _run(["id", "-u"]).strip() != "0":
        raise UserError(f"Debian's {debian_arch} packages are needed: run "
                        f"`dpkg --add-architecture {debian_arch} && apt-get update` as root")
    _run(["dpkg", "--add-architecture", debian_arch])
    _run(["apt-get", "update", "-q"])


def package_closure(debian_arch: str, packages: tuple[str, ...]) -> list[str]:
    """The packages and what they depend on, level by level: real packages only, the
    first of alternatives, no virtual ones (debconf, perl: nothing the tools load)."""
    names: set[str] = set()
    level = set(packages)
    while level:
        names |= level
        text = _run(["apt-cache", "depends", "--no-recommends", "--no-suggests",
                     "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
                     *(f"{p}:{debian_arch}" for p in sorted(level))])
        found, alternative = set(), False
        for line in text.splitlines():
            match = re.match(r"^\s+(\|)?(?:Pre)?Depends: (\S+)", line)
            if not match:
                continue
            name, first = match.group(2), not alternative
            alternative = bool(match.group(1))  # the next line is this one's alternative
            if first and not name.startswith("<"):
                found.add(name.split(":")[0])
        level = found - names
    return sorted(names)


def candidate_versions(debian_arch: str, names: list[str]) -> dict[str, str]:
    text = _run(["apt-cache", "policy", *(f"{n}:{debian_arch}" for n in names)])
    versions, current = {}, None
    for line in text.splitlines():
        if not line.startswith(" "):
            current = line.rstrip(":").split(":")[0]
        elif (current and (match := re.match(r"\s+Candidate: (\S+)", line))
              and match.group(1) != "(none)"):
            versions[current] = match.group(1)
    missing = sorted(set(names) - set(versions))
    if missing:
        raise UserError(f"no {debian_arch} package for: {', '.join(missing)} (apt-get update?)")
    return versions


def sysroot(arch: Arch, packages: tuple[str, ...] = TOOL_PACKAGES) -> Path:
    """Debian's `packages` for the arch and their libraries, unpacked into one tree."""
    ensure_architecture(arch.debian_arch)
    names = package_closure(arch.debian_arch, packages)
    versions = candidate_versions(arch.debian_arch, names)
    key = hashlib.sha256("\n".join(f"{n}={versions[n]}" for n in names).encode()).hexdigest()[:16]
    base = cache_dir() / f"debian-{arch.debian_arch}" / key
    root = base / "root"
    if (base / ".done").exists():
        return root
    shutil.rmtree(base, ignore_errors=True)
    debs = base / "debs"
    debs.mkdir(parents=True)
    _run(["apt-get", "download", *(f"{n}:{arch.debian_arch}={versions[n]}" for n in names)],
         cwd=debs)
    for deb in sorted(debs.glob("*.deb")):
        _run(["dpkg-deb", "-x", str(deb), str(root)])
    (base / "packages.txt").write_text("".join(f"{n} {versions[n]}\n" for n in names))
    (base / ".done").write_text("")
    return root


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
            path = next((f"{d}/{soname}" for d in search
                         if (root / d.lstrip("/") / soname).exists()), None)
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
    for _ in range(16):
        if not path.is_symlink():
            return path
        target = path.readlink()
        path = root / str(target).lstrip("/") if target.is_absolute() else path.parent / target
    raise UserError(f"too many links at {guest}")


def foreign_tools(arch: Arch) -> GuestTools:
    root = sysroot(arch)
    tools = [t for t in assets.GUEST_TOOLS if (root / t.lstrip("/")).exists()]
    # Debian 12's kexec-tools installs /sbin/kexec (merged /usr makes it /usr/sbin on a host).
    for name in ("kexec", "vmcore-dmesg"):
        if f"/usr/sbin/{name}" not in tools and (root / "sbin" / name).exists():
            tools.append(f"/sbin/{name}")
    if len(tools) < len(assets.GUEST_TOOLS):
        raise UserError(f"{arch.debian_arch} packages lack some of {assets.GUEST_TOOLS}: {tools}")
    libs = library_closure(root, tools, _multiarch(root))
    files = tuple((guest, _host_path(root, guest)) for guest in [*tools, *libs])
    return GuestTools(busybox=root / "bin" / "busybox", files=files)


def guest_tools(arch: Arch) -> GuestTools:
    """The tools for `arch`'s guest: the host's on its own arch, Debian's otherwise."""
    if is_host(arch):
        paths = assets.guest_tools(arch.name)
        return GuestTools(busybox=Path(assets.BUSYBOX),
                          files=tuple((p, Path(p).resolve()) for p in paths))
    return foreign_tools(arch)


def debian_kernel_package(arch: Arch) -> str:
    """The meta package of Debian's kernel for the proof on `arch` (apt's arch suffix)."""
    meta = DEBIAN_KERNELS.get(arch.name)
    if meta is None:
        raise UserError(f"Debian 12 has no kernel package for {arch.name}; use --kernel gold",
                        key="arch")
    if is_host(arch):
        return meta
    ensure_architecture(arch.debian_arch)
    return f"{meta}:{arch.debian_arch}"


def capture_booted(console: list[str], arch: Arch) -> bool:
    """The capture kernel booted: x86 kexec-tools puts elfcorehdr= on its command line;
    arm64, arm and riscv pass it in the device tree, so there the sign is a second
    kernel whose command line carries the arch's capture append."""
    lines = [line for line in console if "Kernel command line:" in line]
    return any("elfcorehdr=" in line or line.rstrip().endswith(arch.capture_append)
               or f"{arch.capture_append} " in line for line in lines[1:])


# Arches the proof cannot run on yet, and why (the README's arches table says more).
UNSUPPORTED = {
    "riscv64": "Debian 12 has no riscv64 packages (busybox-static, kexec-tools, "
               "makedumpfile) and kexec-tools supports riscv only from 2.0.32 "
               "(kconfig-fragments/kexec-tools.yaml: riscv64-needs-2.0.32)",
    "i386": "no QEMU proof for i386 yet",
}


def check_supported(arch: Arch) -> None:
    """UserError naming why `verify` cannot run on `arch`."""
    reason = UNSUPPORTED.get(arch.name)
    if reason:
        raise UserError(f"verify cannot run {arch.name} guests: {reason}", key="arch")
