"""Turn a check Request into Jobs: one per configuration to check.

The forms: a board description; one base (--defconfig, --config, tinyconfig,
allnoconfig) on --kernel-src; many kernel configs (paths or globs, tried in
the kernel tree when they match nothing here); Buildroot defconfigs
(--buildroot, read by kdumplayer.check.buildroot); a Yocto layer's
fragments (--yocto, read by kdumplayer.check.yocto). Every problem with the
arguments is a UserError (exit 2) before anything is evaluated.
"""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kdumplayer.arch import all_arches, get_arch
from kdumplayer.board.model import Board, load_board
from kdumplayer.check import buildroot, yocto
from kdumplayer.errors import UserError
from kdumplayer.findings import Finding, Location
from kdumplayer.fragment import fragment_for_board
from kdumplayer.kconfig.evaluate import Base
from kdumplayer.output import atomic_write
from kdumplayer.paths import cache_dir
from kdumplayer.requirements import BoardChoices, choices_of
from kdumplayer.version import parse_version

_WORD_BASES = ("tinyconfig", "allnoconfig")
_LABEL = re.compile(r"^([2-9]\.[0-9]+(?:\.[0-9]+)?)=(.+)$")
_IN_TREE = re.compile(r"(?:^|/)arch/([a-z0-9]+)/configs/([^/]+)$")


@dataclass(frozen=True)
class Request:
    """What `kdumplayer check` was asked, as plain values (cli/check.py parses the command
    line into one; the library never sees argparse)."""

    inputs: tuple[str, ...] = ()  # board files, config paths or globs, defconfigs, or a word
    kernel_src: tuple[str, ...] = ()  # DIR|TARBALL, or VERSION=DIR|TARBALL
    arch: str | None = None
    defconfig: str | None = None
    config: str | None = None
    fragments: tuple[str, ...] = ()
    toolchain: str | None = None
    against: str | None = None  # a fragment to check instead of the kdump requirements
    without_kdump_fragment: bool = False
    fix: bool = False  # also compute the fix fragment
    buildroot: bool = False  # the inputs are Buildroot defconfigs
    br2_external: tuple[str, ...] = ()
    buildroot_dir: str | None = None
    yocto: str | None = None  # a layer
    machine: str | None = None


@dataclass(frozen=True)
class Job:
    """One configuration to check: plain data that crosses process boundaries."""

    name: str  # what the user named, shown in every report
    kind: str  # kernel | buildroot | yocto
    source: str  # kernel tree or tarball
    arch: str
    base: Base
    fragments: tuple[str, ...] = ()
    toolchain: str | None = None
    against: str | None = None  # a fragment to check instead of the kdump requirements
    board: BoardChoices = field(default_factory=BoardChoices)
    buildroot: tuple[Finding, ...] = ()
    anchor: Location | None = None  # the file annotations fall back to
    fallback: Location | None = None  # where to add a missing setting (a fragment)
    notes: tuple[str, ...] = ()
    fix: bool = False  # also compute the fix fragment
    error: str | None = None  # why this config cannot be evaluated (reported, not checked)
    static: bool = False  # no kernel tree: the config's own values, not evaluated

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.source, self.arch, self.toolchain)


def expand(patterns: Sequence[str], roots: list[Path] | None = None) -> list[Path]:
    """Files named by paths or globs, in argument order (globs sorted), each once.

    A pattern that matches nothing under the working directory is tried under
    each of `roots` (a kernel tree: `arch/arm/configs/*_defconfig`); one that
    matches nothing anywhere is bad input.
    """
    found: list[Path] = []
    for pattern in patterns:
        matches = _matches(pattern, Path.cwd())
        for root in roots or []:
            if matches or Path(pattern).is_absolute():
                break
            matches = _matches(pattern, root)
        if not matches:
            raise UserError("no such file (nothing matches)", file=pattern)
        found += matches
    return list(dict.fromkeys(found))


def _matches(pattern: str, root: Path) -> list[Path]:
    # Under the working directory, paths stay as the user wrote them (relative ones
    # make the names in reports and the files in CI annotations).
    here = Path(pattern).is_absolute() or root == Path.cwd()
    full = pattern if here else str(root / pattern)
    if glob.has_magic(pattern):
        return [Path(p) for p in sorted(glob.glob(full, recursive=True)) if Path(p).is_file()]
    return [Path(full)] if Path(full).is_file() else []


@dataclass(frozen=True)
class Source:
    path: str
    label: str | None  # the version the user said this source is for


def parse_sources(values: Sequence[str]) -> list[Source]:
    sources = []
    for value in values:
        match = _LABEL.match(value)
        source = Source(match[2], match[1]) if match else Source(value, None)
        if not Path(source.path).exists():
            raise UserError("kernel source not found", file=source.path, key="--kernel-src")
        sources.append(source)
    return sources


def _major_minor(version: str) -> tuple[int, ...]:
    return parse_version(version)[:2]


class Sources:
    """The --kernel-src values, with versions read once (tarballs are extracted once, cached)."""

    def __init__(self, values: Sequence[str]) -> None:
        self.items = parse_sources(values)
        self._versions: dict[str, str] = {}

    def version(self, source: Source, srcarch: str) -> str:
        if source.path not in self._versions:
            from kdumplayer.kconfig.source import open_source

            self._versions[source.path] = open_source(source.path, srcarch).version
        return self._versions[source.path]

    def default(self) -> str:
        if not self.items:
            raise UserError("no kernel source: give --kernel-src DIR|TARBALL", key="--kernel-src")
        unlabelled = [s for s in self.items if s.label is None]
        return (unlabelled or self.items)[0].path

    def for_version(self, version: str | None, srcarch: str, where: Location) -> str:
        """The source for a kernel version (major.minor must match); UserError if none."""
        if version is None:
            return self.default()
        want = _major_minor(version)
        for source in self.items:
            if source.label is not None and _major_minor(source.label) == want:
                return source.path
        for source in self.items:
            if source.label is None and _major_minor(self.version(source, srcarch)) == want:
                return source.path
        given = ", ".join(f"{s.path} ({s.label or self.version(s, srcarch)})" for s in self.items)
        raise UserError(
            f"kernel version {version}: no source given for it (give --kernel-src "
            f"{'.'.join(map(str, want))}=DIR|TARBALL; given: {given or 'none'})",
            file=where.file,
            line=where.line,
        )


def _against(req: Request) -> str | None:
    return _existing(req.against, "--against") if req.against else None


def _existing(path: str, key: str) -> str:
    if not Path(path).is_file():
        raise UserError("no such file", file=path, key=key)
    return str(Path(path))


def _fragments(req: Request) -> tuple[str, ...]:
    return tuple(_existing(f, "--fragment") for f in req.fragments)


def _arch_name(req: Request) -> str:
    if not req.arch:
        raise UserError("give --arch (one of: " + ", ".join(all_arches()) + ")", key="--arch")
    return get_arch(req.arch).name


def build(req: Request) -> list[Job]:
    sources = Sources(req.kernel_src)
    if req.yocto:
        return yocto_jobs(req, sources)
    if req.buildroot:
        return buildroot_jobs(req, sources)
    inputs = list(req.inputs)
    if len(inputs) == 1 and inputs[0].endswith((".yaml", ".yml")):
        return [board_job(req, sources, Path(inputs[0]))]
    if not inputs or (len(inputs) == 1 and inputs[0] in _WORD_BASES):
        return [single_job(req, sources, inputs[0] if inputs else None)]
    if req.defconfig or req.config:
        raise UserError("give either CONFIG arguments or --defconfig/--config, not both")
    return config_jobs(req, sources, inputs)


def static_job(req: Request, path: str) -> Job:
    """A kernel-written .config (or /proc/config.gz) checked without a kernel tree."""
    from kdumplayer.kconfig import static

    for option, given in (
        ("--fragment", req.fragments),
        ("--fix", req.fix),
        ("--toolchain", req.toolchain),
    ):
        if given:
            raise UserError(
                f"{option} needs --kernel-src (without a kernel tree only the "
                "values of the config itself are checked)",
                key=option,
            )
    config = static.load(Path(path), req.arch)  # bad files fail here, before any check
    return Job(
        name=path,
        kind="kernel",
        source="",
        arch=config.arch.name,
        base=Base.config(path),
        anchor=Location(path),
        fallback=Location(path),
        against=_against(req),
        static=True,
        notes=(
            f"Linux {config.version}, {config.arch.name}: from the config's header "
            f"(line {config.header.line})",
        ),
    )


def single_job(req: Request, sources: Sources, word: str | None) -> Job:
    if req.config and not sources.items:
        return static_job(req, _existing(req.config, "--config"))
    if req.config:
        base = Base.config(_existing(req.config, "--config"))
        anchor: Location | None = Location(base.name)
    elif req.defconfig:
        base = (
            Base(req.defconfig, name=req.defconfig)
            if req.defconfig in _WORD_BASES
            else Base.defconfig(req.defconfig)
        )
        anchor = None
    elif word:
        base, anchor = Base(word, name=word), None
    else:
        raise UserError(
            "nothing to check: give a BOARD, CONFIG files, --defconfig NAME, "
            "--config FILE, tinyconfig or allnoconfig"
        )
    arch = _arch_name(req)
    fragments = _fragments(req)
    return Job(
        name=base.name,
        kind="kernel",
        source=sources.default(),
        arch=arch,
        base=base,
        fragments=fragments,
        anchor=anchor,
        fallback=Location(fragments[-1]) if fragments else anchor,
        fix=req.fix,
        toolchain=req.toolchain,
        against=_against(req),
    )


def board_job(req: Request, sources: Sources, path: Path) -> Job:
    board = load_board(path)
    kernel = board.kernel
    if req.arch and get_arch(req.arch).name != board.arch.name:
        raise UserError(f"--arch {req.arch} differs from the board's arch {board.arch.name}")
    if sources.items:
        source = sources.for_version(kernel.version, board.arch.srcarch, Location(str(path)))
    elif kernel.source is not None:
        source = str(kernel.source)
    else:
        raise UserError(
            "the board names no kernel source; give --kernel-src", file=path, key="kernel.source"
        )
    if req.config:
        base = Base.config(_existing(req.config, "--config"))
    elif req.defconfig:
        base = Base.defconfig(req.defconfig)
    elif kernel.config is not None:
        base = Base.config(str(kernel.config))
    elif kernel.defconfig:
        base = Base.defconfig(kernel.defconfig)
    else:
        base = Base.defconfig(_arch_default_defconfig(source, board.arch.name))
    own = tuple(_existing(str(f), "kernel.fragments") for f in kernel.fragments)
    notes: tuple[str, ...] = ()
    generated: tuple[str, ...] = ()
    if not req.without_kdump_fragment:
        # What the generated Buildroot and Yocto trees add: the board's kdump fragment.
        generated = (str(_generated_fragment(board)),)
        # The path is already on the fragments line: say only what that file is.
        notes = (
            f"the last fragment is the kdump fragment kdumplayer generates for {board.name} "
            "(--without-kdump-fragment checks the board's config as it is)",
        )
    return Job(
        name=board.name,
        kind="kernel",
        source=source,
        arch=board.arch.name,
        base=base,
        fragments=own + generated + _fragments(req),
        board=choices_of(board),
        anchor=Location(str(path)),
        fallback=Location(str(path)),
        notes=notes,
        fix=req.fix,
        toolchain=req.toolchain,
        against=_against(req),
    )


def _generated_fragment(board: Board) -> Path:
    """The board's kdump fragment as a file (content-addressed in the cache: the
    Kconfig library reads fragments from files, and workers get paths)."""
    text = fragment_for_board(board)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = cache_dir() / "fragments" / f"{board.ident}-{digest}.cfg"
    if not path.is_file():
        atomic_write(path, text.encode())
    return path


def _infer_arch(path: Path) -> str | None:
    """arch/x86/configs/i386_defconfig -> i386; arch/arm64/configs/... -> arm64."""
    match = _IN_TREE.search(path.as_posix())
    if not match:
        return None
    srcarch, name = match[1], match[2]
    candidates = [a for a in all_arches().values() if a.srcarch == srcarch]
    if len(candidates) > 1:  # x86: the defconfig's name says which
        named = [a for a in candidates if name.startswith(a.kernel_arch)]
        candidates = named or [a for a in candidates if a.bits == 64]
    return candidates[0].name if candidates else None


def config_jobs(req: Request, sources: Sources, patterns: list[str]) -> list[Job]:
    if not sources.items:  # no tree: each kernel-written .config on its own values
        return [static_job(req, str(path)) for path in expand(patterns)]
    source = sources.default()
    roots = []
    if Path(source).is_dir():
        roots.append(Path(source))
    elif any(not Path(p).exists() for p in patterns):
        from kdumplayer.kconfig.source import open_source

        srcarch = get_arch(req.arch).srcarch if req.arch else "x86"
        roots.append(open_source(source, srcarch).root)
    files = expand(patterns, roots)
    fragments = _fragments(req)
    jobs = []
    for path in files:
        arch = get_arch(req.arch).name if req.arch else _infer_arch(path)
        if arch is None:
            raise UserError("cannot tell the arch of this config; give --arch", file=path)
        name = _display_name(path, roots)
        in_tree = any(_is_under(path, root) for root in roots)
        anchor = None if in_tree and not Path(source).is_dir() else Location(str(path))
        # A defconfig of the tree itself is named as `make NAME` would take it.
        own = in_tree and path.parent.name == "configs" and path.parent.parent.parent.name == "arch"
        base = Base.defconfig(path.name) if own else Base.config(str(path))
        jobs.append(
            Job(
                name=name,
                kind="kernel",
                source=source,
                arch=arch,
                base=base,
                fragments=fragments,
                anchor=anchor,
                fallback=Location(fragments[-1]) if fragments else anchor,
                toolchain=req.toolchain,
                against=_against(req),
            )
        )
    return jobs


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _display_name(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if _is_under(path, root):
            return path.resolve().relative_to(root.resolve()).as_posix()
    return str(path)


def _arch_default_defconfig(source: str, arch: str) -> str:
    """What `make defconfig` uses: KBUILD_DEFCONFIG from arch/$SRCARCH/Makefile."""
    from kdumplayer.kconfig.source import open_source

    info = get_arch(arch)
    root = open_source(source, info.srcarch).root
    makefile = root / "arch" / info.srcarch / "Makefile"
    text = makefile.read_text(encoding="utf-8", errors="replace") if makefile.is_file() else ""
    names = re.findall(r"^\s*KBUILD_DEFCONFIG\s*:?=\s*(\S+)", text, re.M)
    # x86 picks by $(ARCH) (x86_64, i386) when ARCH is not plain x86: that line first.
    names.sort(key=lambda n: "$(ARCH)" not in n)
    for name in names:
        name = name.replace("$(ARCH)", info.kernel_arch)
        if (root / "arch" / info.srcarch / "configs" / name).is_file():
            return name
    return "defconfig"


def _unevaluable(
    path: Path, arch: str, message: str, line: int | None, findings: tuple[Finding, ...] = ()
) -> Job:
    """A Buildroot defconfig reported as not evaluated; the batch goes on with the others."""
    return Job(
        name=str(path),
        kind="buildroot",
        source="",
        arch=arch,
        base=Base.allnoconfig(),
        buildroot=findings,
        anchor=Location(str(path), line),
        error=message,
    )


def buildroot_jobs(req: Request, sources: Sources) -> list[Job]:
    if not req.inputs:
        raise UserError("--buildroot: give the Buildroot defconfigs to check")
    externals = [Path(d) for d in req.br2_external]
    topdir = Path(req.buildroot_dir) if req.buildroot_dir else None
    jobs = []
    for path in expand(req.inputs):
        br = buildroot.load(path, br2_external=externals, topdir=topdir)
        # A generated kdump-only defconfig names its arch in its kdumplayer-board mark.
        arch = br.arch or (get_arch(req.arch).name if req.arch else None) or br.board.arch
        if arch is None:
            jobs.append(
                _unevaluable(
                    path,
                    "?",
                    "no arch kdumplayer handles (BR2_x86_64, BR2_i386, BR2_aarch64, "
                    "BR2_arm, BR2_riscv), no kdumplayer-board mark and no --arch",
                    None,
                )
            )
            continue
        board = br.board.choices
        notes = (
            (
                f"board {br.board.name} (kdumplayer-board mark, line {br.board.line}): "
                f"load method {board.load_method}",
            )
            if br.board.name
            else ()
        )
        if br.kernel_config is None and br.kernel_defconfig is None:  # no kernel built
            jobs.append(
                Job(
                    name=str(path),
                    kind="buildroot",
                    source="",
                    arch=arch,
                    base=Base.allnoconfig(),
                    buildroot=br.findings,
                    anchor=Location(str(path)),
                    notes=(*notes, "no kernel to check"),
                )
            )
            continue
        version_line = br.line_of("BR2_LINUX_KERNEL_CUSTOM_VERSION_VALUE")
        try:
            if br.tarball is not None:  # what Buildroot builds: the local tarball itself
                if not br.tarball.is_file():
                    raise UserError(
                        f"kernel tarball {br.tarball} does not exist",
                        file=path,
                        line=br.line_of("BR2_LINUX_KERNEL_CUSTOM_TARBALL_LOCATION"),
                    )
                source = str(br.tarball)
            else:
                source = sources.for_version(
                    br.version, get_arch(arch).srcarch, Location(str(path), version_line)
                )
        except UserError as exc:  # no source for this kernel version: report it, go on
            jobs.append(_unevaluable(path, arch, exc.message, exc.line, br.findings))
            continue
        if br.kernel_config:
            base = Base.config(str(br.kernel_config))
        elif br.kernel_defconfig == "defconfig":  # USE_ARCH_DEFAULT_CONFIG: `make defconfig`
            base = Base.defconfig(_arch_default_defconfig(source, arch))
        else:
            base = Base.defconfig(br.kernel_defconfig or "defconfig")
        frag_line = br.line_of("BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES")
        fallback = (
            Location(str(br.fragments[-1]))
            if br.fragments
            else Location(str(path), frag_line or br.last_line)
        )
        jobs.append(
            Job(
                name=str(path),
                kind="buildroot",
                source=source,
                arch=arch,
                base=base,
                fragments=tuple(str(f) for f in br.fragments) + _fragments(req),
                board=board,
                buildroot=br.findings,
                anchor=Location(str(path)),
                fallback=fallback,
                notes=notes + ((f"kernel version {br.version}",) if br.version else ()),
                toolchain=req.toolchain,
                against=_against(req),
            )
        )
    return jobs


def yocto_jobs(req: Request, sources: Sources) -> list[Job]:
    arch = _arch_name(req)
    layer = Path(req.yocto or ".")
    found = yocto.kernel_fragments(layer, req.machine)
    source = sources.default()
    if req.config:
        base = Base.config(_existing(req.config, "--config"))
    elif req.defconfig:
        base = Base.defconfig(req.defconfig)
    elif found.defconfig is not None:
        base = Base.config(str(found.defconfig))
    else:
        base = Base.defconfig(_arch_default_defconfig(source, arch))
    fragments = tuple(str(f) for f in found.fragments) + _fragments(req)
    anchor = Location(str(found.recipes[0])) if found.recipes else Location(str(layer))
    return [
        Job(
            name=f"{layer.name}:{req.machine or 'any machine'}",
            kind="yocto",
            source=source,
            arch=arch,
            base=base,
            fragments=fragments,
            anchor=anchor,
            fallback=Location(fragments[-1]) if fragments else anchor,
            notes=found.notes,
            board=BoardChoices(),
            fix=req.fix,
            toolchain=req.toolchain,
            against=_against(req),
        )
    ]
