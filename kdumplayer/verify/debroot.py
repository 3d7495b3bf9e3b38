"""Debian root filesystems for the init systems BusyBox cannot stand in for.

For a board whose init is systemd, sysv or openrc the proof boots a Debian
bookworm root built by mmdebstrap from Debian's own packages: the init system
(systemd-sysv, sysvinit-core, openrc) plus what the hook runs (kexec-tools,
makedumpfile; coreutils, mawk and sed come with minbase). Documentation, man
pages and locales are left out. The root is a tarball cached under
cache_dir()/debroot/, keyed by the suite, the package list and the exclusions;
a lock keeps two builds of the same root from racing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kdumplayer.errors import UserError
from kdumplayer.paths import cache_dir

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
HOOK_PACKAGES = ("kexec-tools", "makedumpfile")
INIT_PACKAGES = {
    "systemd": ("systemd-sysv", "udev"),  # udev: device units (the dump disk) need it
    "sysv": ("sysvinit-core",),
    "openrc": ("sysvinit-core", "openrc"),
}
EXCLUDES = (
    "/usr/share/doc/*",
    "/usr/share/man/*",
    "/usr/share/info/*",
    "/usr/share/locale/*",
    "/usr/share/lintian/*",
    "/usr/share/zoneinfo/*",
)
# kexec-tools asks debconf whether to kexec on every reboot; the proof reboots
# with reboot -f, and a board would not want it either.
CUSTOMIZE = (
    'echo "LOAD_KEXEC=false" > "$1/etc/default/kexec"',
    'rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*',
)


@dataclass(frozen=True)
class DebianRoot:
    init: str
    tarball: Path
    packages: tuple[str, ...]
    build_seconds: float  # as measured when it was built (0 if it came from an older cache)
    size: int  # bytes unpacked


def packages(init: str) -> tuple[str, ...]:
    if init not in INIT_PACKAGES:
        raise UserError(f"no Debian root for init {init!r} (only {', '.join(INIT_PACKAGES)})")
    return tuple(sorted({*INIT_PACKAGES[init], *HOOK_PACKAGES}))


def cache_key(init: str) -> str:
    spec = {
        "suite": SUITE,
        "variant": "minbase",
        "packages": packages(init),
        "excludes": EXCLUDES,
        "customize": CUSTOMIZE,
    }
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    return f"{SUITE}-{init}-{digest}"


def mmdebstrap_argv(init: str, target: Path) -> list[str]:
    argv = [
        "mmdebstrap",
        "--quiet",
        "--mode=root",
        "--variant=minbase",
        "--include=" + ",".join(packages(init)),
    ]
    argv += [f"--dpkgopt=path-exclude={pattern}" for pattern in EXCLUDES]
    argv += [f"--customize-hook={hook}" for hook in CUSTOMIZE]
    return [*argv, SUITE, str(target), MIRROR]


def debian_root(init: str) -> DebianRoot:
    """The cached root tarball for `init`, built with mmdebstrap the first time."""
    if shutil.which("mmdebstrap") is None:
        raise UserError("mmdebstrap is not installed (run `make deps`)")
    root = cache_dir() / "debroot" / cache_key(init)
    root.mkdir(parents=True, exist_ok=True)
    tarball, meta = root / "root.tar", root / "meta.json"
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not meta.exists():
            partial = root / "partial.tar"  # mmdebstrap picks the format by the suffix
            start = time.monotonic()
            done = subprocess.run(
                mmdebstrap_argv(init, partial), capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                partial.unlink(missing_ok=True)
                tail = "\n".join(done.stderr.strip().splitlines()[-5:])
                raise UserError(f"mmdebstrap for the {init} root failed: {tail}")
            partial.replace(tarball)
            listing = subprocess.run(
                ["tar", "-tvf", str(tarball)], capture_output=True, text=True, check=True
            ).stdout
            size = sum(
                int(line.split()[2]) for line in listing.splitlines() if line.startswith("-")
            )
            meta.write_text(
                json.dumps({"seconds": round(time.monotonic() - start, 1), "size": size}) + "\n"
            )
    info = json.loads(meta.read_text())
    return DebianRoot(
        init=init,
        tarball=tarball,
        packages=packages(init),
        build_seconds=float(info["seconds"]),
        size=int(info["size"]),
    )


def unpack(debroot: DebianRoot, target: Path) -> None:
    """Unpack the root into the empty directory `target` (owners, modes, devices kept)."""
    subprocess.run(
        ["tar", "-xpf", str(debroot.tarball), "-C", str(target), "--numeric-owner"],
        check=True,
        capture_output=True,
    )
