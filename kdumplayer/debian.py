"""Debian packages of any generation and arch, through a private apt state.

kdumplayer needs packages the host's apt does not offer: another arch's tools
(armhf, arm64, riscv64), newer kernels and linux-source from trixie or unstable.
The host's apt setup is never changed (no `dpkg --add-architecture`, no sources
added): each (generation, arch) gets its own sources list, package lists, cache
and an empty dpkg status under cache_dir()/apt/, and the ordinary apt client is
pointed at it with `-o Dir::...` options. Packages are downloaded with
`apt-get download` and unpacked with `dpkg-deb -x`, never installed.

The generations and their suites are data: kconfig-fragments/debian.yaml.
The mirror is the one the host's own apt sources name.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from kdumplayer.errors import UserError
from kdumplayer.host import run as _run
from kdumplayer.paths import FRAGMENTS_DIR, cache_dir
from kdumplayer.version import series as version_series

KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
# Package lists younger than this are used as they are (unstable moves daily;
# what was downloaded is cached by version, so a refresh only adds).
LISTS_MAX_AGE = 24 * 3600
RETRIES = 3


@dataclass(frozen=True)
class Generation:
    name: str
    release: str
    suites: tuple[str, ...]
    security: str | None
    kernels: tuple[str, ...]


@cache
def generations() -> dict[str, Generation]:
    data = yaml.safe_load((FRAGMENTS_DIR / "debian.yaml").read_text())
    return {
        name: Generation(
            name=name,
            release=str(entry["release"]),
            suites=tuple(entry["suites"]),
            security=entry.get("security"),
            kernels=tuple(str(k) for k in entry.get("kernels", ())),
        )
        for name, entry in data["generations"].items()
    }


def _series(version: str) -> tuple[int, ...]:
    found = version_series(version)
    if found is None:
        raise UserError(f"not a kernel version: {version!r}")
    return found


def generation_for_kernel(version: str) -> Generation:
    """The generation whose kernel series is nearest `version` (equal, else the
    nearest newer one, else the newest: unstable)."""
    want = _series(version)
    table = [(_series(k), gen) for gen in generations().values() for k in gen.kernels]
    exact = [gen for series, gen in table if series == want]
    if exact:
        return exact[0]
    newer = sorted((series, gen.name) for series, gen in table if series > want)
    if newer:
        return generations()[newer[0][1]]
    newest = yaml.safe_load((FRAGMENTS_DIR / "debian.yaml").read_text())["newest"]
    return generations()[newest[0]]


def _host_sources() -> list[tuple[str, list[str]]]:
    """(URI, suites) of the host's Debian sources, deb822 and one-line styles."""
    found: list[tuple[str, list[str]]] = []
    etc = Path("/etc/apt")
    for path in sorted(etc.glob("sources.list.d/*.sources")):
        for stanza in path.read_text(errors="replace").split("\n\n"):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.MULTILINE))
            if "deb" in fields.get("Types", "").split() and "URIs" in fields:
                for uri in fields["URIs"].split():
                    found.append((uri, fields.get("Suites", "").split()))
    for path in [etc / "sources.list", *sorted(etc.glob("sources.list.d/*.list"))]:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            match = re.match(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
            if match:
                found.append((match.group(1), [match.group(2)]))
    return found


def mirrors() -> tuple[str, str | None]:
    """The Debian archive and security archive URIs the host uses."""
    override = os.environ.get("KDUMPLAYER_DEBIAN_MIRROR")
    sources = _host_sources()
    security = next(
        (uri for uri, suites in sources if any(s.endswith("-security") for s in suites)), None
    )
    if override:
        return override.rstrip("/"), security
    known = {s for gen in generations().values() for s in gen.suites}
    archive = next((uri for uri, suites in sources if known & set(suites)), None)
    if archive is None:
        raise UserError(
            "no Debian mirror in the host's apt sources (/etc/apt); set "
            "KDUMPLAYER_DEBIAN_MIRROR to a Debian archive URI"
        )
    return archive.rstrip("/"), security.rstrip("/") if security else None


def _say(message: str) -> None:
    print(f"kdumplayer: {message}", file=sys.stderr, flush=True)


# apt-cache depends: only what must be installed for a package to run.
_DEPENDS_ONLY = (
    "--no-recommends",
    "--no-suggests",
    "--no-conflicts",
    "--no-breaks",
    "--no-replaces",
    "--no-enhances",
)


class PrivateApt:
    """apt pointed at a private state for one generation and one Debian arch."""

    def __init__(self, generation: str | Generation, arch: str) -> None:
        self.generation = (
            generation if isinstance(generation, Generation) else generations()[generation]
        )
        self.arch = arch
        self.root = cache_dir() / "apt" / f"{self.generation.name}-{arch}"

    # -- the state -------------------------------------------------------------

    def _options(self) -> list[str]:
        r = self.root
        return [
            "-o",
            f"Dir::Etc::SourceList={r / 'sources.list'}",
            "-o",
            f"Dir::Etc::SourceParts={r / 'sources.list.d'}",
            "-o",
            f"Dir::Etc::Preferences={r / 'preferences'}",
            "-o",
            f"Dir::Etc::PreferencesParts={r / 'preferences.d'}",
            "-o",
            f"Dir::State={r / 'state'}",
            "-o",
            f"Dir::State::Lists={r / 'lists'}",
            "-o",
            f"Dir::State::status={r / 'status'}",
            "-o",
            f"Dir::Cache={r / 'cache'}",
            "-o",
            f"APT::Architecture={self.arch}",
            "-o",
            f"APT::Architectures={self.arch}",
            "-o",
            "Acquire::Languages=none",
            "-o",
            "APT::Sandbox::User=root",
            "-o",
            "Acquire::Retries=3",
        ]

    def _write_state(self) -> None:
        archive, security = mirrors()
        lines = [
            f"deb [signed-by={KEYRING}] {archive} {suite} main" for suite in self.generation.suites
        ]
        if self.generation.security and security:
            lines.append(f"deb [signed-by={KEYRING}] {security} {self.generation.security} main")
        for sub in (
            "sources.list.d",
            "preferences.d",
            "state",
            "lists/partial",
            "cache/archives/partial",
        ):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        text = "\n".join(lines) + "\n"
        sources = self.root / "sources.list"
        if not sources.exists() or sources.read_text() != text:
            sources.write_text(text)
            (self.root / "lists" / ".stamp").unlink(missing_ok=True)
        (self.root / "preferences").touch()
        (self.root / "status").touch()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _apt(
        self, tool: str, *args: str, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [tool, *self._options(), *args]
        try:
            return subprocess.run(
                argv, cwd=cwd, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}
            )
        except FileNotFoundError:
            raise UserError(f"{tool} is not installed (this needs Debian's apt)") from None

    def update(self, *, force: bool = False) -> None:
        """Fetch the package lists, retrying transient failures. An index that still
        fails is tolerated while every suite has its Packages list: the packages
        asked for later say whether they were found."""
        with self._locked():
            self._write_state()
            stamp = self.root / "lists" / ".stamp"
            if not force and stamp.exists() and time.time() - stamp.stat().st_mtime < LISTS_MAX_AGE:
                return
            _say(f"apt: updating {self.generation.name} ({self.arch}) package lists")
            errors = ""
            for attempt in range(RETRIES):
                done = self._apt("apt-get", "-q", "update")
                if done.returncode == 0:
                    stamp.touch()
                    return
                errors = (done.stderr or done.stdout).strip()
                time.sleep(2 * (attempt + 1))
            missing = [s for s in self.generation.suites if not self._has_lists(s)]
            if missing:
                raise UserError(
                    f"apt-get update for Debian {self.generation.name} "
                    f"({self.arch}) failed; no package list for "
                    f"{', '.join(missing)}:\n{errors}"
                )
            _say(f"apt: some {self.generation.name} indexes failed, using the others:\n{errors}")
            stamp.touch()

    def _has_lists(self, suite: str) -> bool:
        return any(self.root.glob(f"lists/*_dists_{suite}_main_binary-{self.arch}_Packages*"))

    # -- queries -----------------------------------------------------------------

    def _query(self, *args: str) -> str:
        done = self._apt("apt-cache", *args)
        if done.returncode != 0:
            raise UserError(
                f"apt-cache {' '.join(args)} (Debian {self.generation.name}, "
                f"{self.arch}) failed:\n{done.stderr.strip()}"
            )
        return done.stdout

    def candidates(self, names: Sequence[str]) -> dict[str, str]:
        """name -> the version apt would pick; names without one are left out."""
        versions: dict[str, str] = {}
        current = None
        for line in self._query("policy", *names).splitlines():
            if not line.startswith(" "):
                current = line.rstrip(":").split(":")[0]
            elif (
                current
                and (match := re.match(r"\s+Candidate: (\S+)", line))
                and match.group(1) != "(none)"
            ):
                versions[current] = match.group(1)
        return versions

    def depends_of(self, name: str, prefix: str = "") -> str:
        """The first real package `name` depends on whose name starts with `prefix`
        (a meta package's image: unstable's linux-image-cloud-arm64 depends on
        linux-base-cloud-arm64 first, then on the linux-image-X package)."""
        text = self._query("depends", "--no-recommends", "--no-suggests", name)
        pattern = (
            rf"^\s+Depends: ({re.escape(prefix)}[a-z0-9][^\s<]*)"
            if prefix
            else r"^\s+Depends: ([a-z0-9][^\s<]*)"
        )
        match = re.search(pattern, text, re.MULTILINE)
        if not match:
            raise UserError(
                f"{name} depends on no {prefix or ''}package in Debian "
                f"{self.generation.name} ({self.arch})"
            )
        return match.group(1).split(":")[0]

    def depends(self, name: str) -> list[str]:
        """The real packages `name` depends on (first of alternatives), in order."""
        return self._first_depends(name)

    def _first_depends(self, *names: str) -> list[str]:
        """What `names` depend on, in apt-cache's order: the first of alternatives,
        real packages only (a virtual one is shown as <name>)."""
        text = self._query("depends", *_DEPENDS_ONLY, *names)
        found: list[str] = []
        alternative = False
        for line in text.splitlines():
            match = re.match(r"^\s+(\|)?(?:Pre)?Depends: (\S+)", line)
            if not match:
                continue
            first, alternative = not alternative, bool(match.group(1))
            if first and not match.group(2).startswith("<"):
                found.append(match.group(2).split(":")[0])
        return found

    def closure(self, packages: Sequence[str]) -> list[str]:
        """The packages and what they depend on, level by level: the first of
        alternatives, real packages only (nothing virtual the tools would load)."""
        names: set[str] = set()
        level = set(packages)
        while level:
            names |= level
            level = set(self._first_depends(*sorted(level))) - names
        return sorted(names)

    # -- downloads ---------------------------------------------------------------

    def unpack(self, packages: Sequence[str], *, with_depends: bool = True) -> Path:
        """Download `packages` (and what they depend on) and unpack them into one
        tree, cached by name and version; returns the tree."""
        self.update()
        names = self.closure(packages) if with_depends else sorted(set(packages))
        versions = self.candidates(names)
        missing = sorted(set(names) - set(versions))
        if missing:
            raise UserError(
                f"Debian {self.generation.name} has no {self.arch} package "
                f"for: {', '.join(missing)}"
            )
        listing = "".join(f"{n} {versions[n]}\n" for n in names)
        key = hashlib.sha256(listing.encode()).hexdigest()[:16]
        base = cache_dir() / "debian" / f"{self.generation.name}-{self.arch}" / key
        root = base / "root"
        with self._locked():
            if (base / ".done").exists():
                return root
            shutil.rmtree(base, ignore_errors=True)
            debs = base / "debs"
            debs.mkdir(parents=True)
            _say(f"apt: downloading {len(names)} {self.generation.name} {self.arch} packages")
            self._download([f"{n}={versions[n]}" for n in names], debs)
            for deb in sorted(debs.glob("*.deb")):
                _run(["dpkg-deb", "-x", str(deb), str(root)])
            (base / "packages.txt").write_text(listing)
            (base / ".done").write_text("")
        return root

    def download(self, package: str) -> Path:
        """One package's .deb (no dependencies), cached by version."""
        self.update()
        version = self.candidates([package]).get(package)
        if version is None:
            raise UserError(f"Debian {self.generation.name} has no {self.arch} package {package}")
        dest = cache_dir() / "debian" / f"{self.generation.name}-{self.arch}" / "debs"
        with self._locked():
            dest.mkdir(parents=True, exist_ok=True)
            quoted = version.replace(":", "%3a")
            found = sorted(dest.glob(f"{package}_{quoted}_*.deb"))
            if not found:
                self._download([f"{package}={version}"], dest)
                found = sorted(dest.glob(f"{package}_{quoted}_*.deb"))
            if not found:
                raise UserError(f"apt-get download {package}={version} left no .deb in {dest}")
            return found[0]

    def _download(self, specs: list[str], dest: Path) -> None:
        errors = ""
        for attempt in range(RETRIES):
            done = self._apt("apt-get", "-q", "download", *specs, cwd=dest)
            if done.returncode == 0:
                return
            errors = (done.stderr or done.stdout).strip()
            time.sleep(2 * (attempt + 1))
        raise UserError(
            f"apt-get download from Debian {self.generation.name} ({self.arch}) failed:\n{errors}"
        )


def unpack_deb(deb: Path, dest: Path) -> Path:
    """dpkg-deb -x into `dest` once (a .done marker), returning `dest`."""
    if not (dest / ".done").exists():
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        _run(["dpkg-deb", "-x", str(deb), str(dest)])
        (dest / ".done").write_text(deb.name + "\n")
    return dest


def _newest_generations() -> list[Generation]:
    names = yaml.safe_load((FRAGMENTS_DIR / "debian.yaml").read_text())["newest"]
    return [generations()[name] for name in names]


def source_generation(series: str) -> Generation:
    """The generation that offers linux-source-`series`: the table's, else the
    first of the newest generations that has it."""
    gen = generation_for_kernel(series)
    if series in gen.kernels:
        return gen
    for candidate in _newest_generations():
        apt = PrivateApt(candidate, "amd64")
        apt.update()
        if apt.candidates([f"linux-source-{series}"]):
            return candidate
    raise UserError(
        f"no Debian generation offers linux-source-{series} "
        f"(newest: {newest_linux_source_series()})"
    )


def linux_source(version: str) -> Path:
    """The linux-source tarball of kernel series `version` ("6.12", "7.2"): the
    host's /usr/src copy when installed, else Debian's package from the
    generation that offers it, downloaded and unpacked into the cache."""
    series = ".".join(str(n) for n in _series(version))
    host = Path(f"/usr/src/linux-source-{series}.tar.xz")
    if host.exists():
        return host
    apt = PrivateApt(source_generation(series), "amd64")
    deb = apt.download(f"linux-source-{series}")
    tree = unpack_deb(deb, cache_dir() / "debian" / "linux-source" / deb.stem)
    found = sorted(tree.glob("usr/src/linux-source-*.tar.*"))
    if not found:
        raise UserError(f"{deb.name} holds no linux-source tarball")
    return found[0]


def newest_linux_source_series() -> str | None:
    """The newest linux-source-X.Y any of the newest generations offers ("7.3")."""
    best: tuple[int, ...] | None = None
    for gen in _newest_generations():
        apt = PrivateApt(gen, "amd64")
        apt.update()
        text = apt._query("search", "--names-only", r"^linux-source-[0-9]+\.[0-9]+$")
        for found in re.findall(r"^linux-source-(\d+\.\d+) ", text, re.MULTILINE):
            if best is None or _series(found) > best:
                best = _series(found)
    return f"{best[0]}.{best[1]}" if best else None
