"""The board description: load a YAML file, validate it, resolve defaults into a Board.

Structure and types are checked against board-configs/schema/board.schema.json;
the checks that need arithmetic or several fields (sizes, crashkernel=,
offset alignment, path safety, cross-field conflicts) follow here. Every
problem is a UserError naming file, line and key.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from kdumplayer.arch import Arch, get_arch
from kdumplayer.board import targets
from kdumplayer.board.target import Network, SshTarget, read_network, read_ssh
from kdumplayer.crashkernel import grammar as ck
from kdumplayer.crashkernel import rules as crashkernel_rules
from kdumplayer.errors import UserError
from kdumplayer.paths import RECIPES_DIR, SCHEMA_FILE
from kdumplayer.sizes import format_size, parse_size
from kdumplayer.yamlsrc import LocatedYaml, Pointer, load

# Absolute, no "..", and only characters that need no quoting anywhere we write them
# (shell, Make, BitBake, Kconfig strings) except the space, which templates quote.
_SAFE_PATH = re.compile(r"/[A-Za-z0-9._/+@%, -]*")
_UNSAFE_TEXT = re.compile(r"[\n\r\"'`$\\]")
# A defconfig name: a make target and a file name, never an option or a path.
_DEFCONFIG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
# No board value has a use for control characters (C0, DEL, C1), Unicode line
# separators or lone surrogates (YAML's "\ud800", which no file can encode): refused
# everywhere, a value stays on the line of every file it reaches. This also makes `$`
# in a schema pattern mean the end of the value: Python's `$` would otherwise accept
# a trailing newline, which JSON Schema's (ECMA) `$` does not.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
YOCTO_RELEASES_FILE = RECIPES_DIR / "yocto" / "releases.yaml"
COMPRESSION_FLAGS = {"none": None, "zlib": "-c", "lzo": "-l", "snappy": "-p", "zstd": "-z"}


@dataclass(frozen=True)
class KernelSpec:
    version: str | None
    source: Path | None
    defconfig: str | None
    config: Path | None
    image: str
    recipe: str
    fragments: tuple[Path, ...]


@dataclass(frozen=True)
class CrashkernelSpec:
    params: tuple[ck.Crashkernel, ...]  # what goes on the command line
    auto: bool  # the size was `auto` and was recommended by kdumplayer

    @property
    def value(self) -> str:
        """The value(s) without the `crashkernel=` prefix, space separated."""
        return " ".join(str(p) for p in self.params)

    @property
    def cmdline(self) -> str:
        return ck.to_cmdline(self.params)

    @property
    def offset(self) -> int | None:
        return next((p.offset for p in self.params if p.offset is not None), None)


@dataclass(frozen=True)
class CaptureSpec:
    kernel: str  # "same" or a target path
    initrd: str | None
    dtb: str | None
    cmdline_append: str
    cmdline_remove: tuple[str, ...]
    load_method: str  # auto | kexec_load | kexec_file_load


@dataclass(frozen=True)
class BootloaderSpec:
    type: str
    config: str | None


@dataclass(frozen=True)
class DumpSpec:
    dir: str
    collector: str
    level: int
    compression: str
    keep: int
    dmesg: bool
    min_free: int
    failure_action: str
    final_action: str
    pre: tuple[str, ...]
    post: tuple[str, ...]
    ssh: SshTarget | None = None  # dump.target of type ssh (None: the local dump.dir)
    network: Network | None = None  # how the capture kernel reaches it


@dataclass(frozen=True)
class BuildrootSpec:
    defconfig: str | None
    external_name: str
    # a copy of the base defconfig, as written in the board file (relative to it)
    base_defconfig: str | None = None


@dataclass(frozen=True)
class YoctoSpec:
    machine: str | None
    layer: str
    releases: tuple[str, ...]


@dataclass(frozen=True)
class Board:
    path: Path | None
    name: str
    description: str
    arch: Arch
    memory: int
    kernel: KernelSpec
    crashkernel: CrashkernelSpec
    capture: CaptureSpec
    bootloader: BootloaderSpec
    init: str
    dump: DumpSpec
    kexec_tools: str | None
    buildroot: BuildrootSpec
    yocto: YoctoSpec
    # line of each dotted key in the board file, so later stages can point at it
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def error(self, key: str, message: str) -> UserError:
        """A UserError located at `key` (dotted, e.g. "dump.collector") of the board file."""
        parts = key.split(".")
        while parts and ".".join(parts) not in self.lines:
            parts.pop()
        line = self.lines.get(".".join(parts)) if parts else None
        return UserError(message, file=self.path, line=line, key=key)

    @property
    def capture_image(self) -> str:
        """Target path of the kernel `kexec -p` loads."""
        return (
            f"/boot/{self.kernel.image}" if self.capture.kernel == "same" else self.capture.kernel
        )

    @property
    def ident(self) -> str:
        """The board name as an identifier: [a-z0-9_]."""
        return re.sub(r"[^a-z0-9_]", "_", self.name)

    def summary(self) -> dict[str, Any]:
        """The resolved board, as plain data (what `validate` prints)."""
        return {
            "name": self.name,
            "arch": self.arch.name,
            "memory": format_size(self.memory),
            "kernel": {
                "version": self.kernel.version,
                "source": str(self.kernel.source) if self.kernel.source else None,
                "defconfig": self.kernel.defconfig,
                "config": str(self.kernel.config) if self.kernel.config else None,
                "image": self.kernel.image,
                "recipe": self.kernel.recipe,
                "fragments": [str(f) for f in self.kernel.fragments],
            },
            "crashkernel": self.crashkernel.cmdline + (" (auto)" if self.crashkernel.auto else ""),
            "capture": {
                "kernel": self.capture_image,
                "initrd": self.capture.initrd,
                "dtb": self.capture.dtb,
                "cmdline_append": self.capture.cmdline_append,
                "cmdline_remove": list(self.capture.cmdline_remove),
                "load_method": self.capture.load_method,
                "arch_append": self.arch.capture_append,
            },
            "bootloader": {
                "type": self.bootloader.type,
                "config": self.bootloader.config,
            },
            "init": self.init,
            "dump": {
                "dir": self.dump.dir,
                "collector": self.dump.collector,
                "level": self.dump.level,
                "compression": self.dump.compression,
                "keep": self.dump.keep,
                "dmesg": self.dump.dmesg,
                "min_free": format_size(self.dump.min_free),
                "failure_action": self.dump.failure_action,
                "final_action": self.dump.final_action,
                "pre": list(self.dump.pre),
                "post": list(self.dump.post),
                "target": _target_summary(self.dump.ssh),
                "network": {
                    "interface": self.dump.network.interface if self.dump.network else "eth0",
                    "address": self.dump.network.address if self.dump.network else "dhcp",
                    "gateway": self.dump.network.gateway if self.dump.network else None,
                },
            },
            "kexec_tools": self.kexec_tools,
            "buildroot": {
                "defconfig": self.buildroot.defconfig,
                "external_name": self.buildroot.external_name,
            },
            "yocto": {
                "machine": self.yocto.machine,
                "layer": self.yocto.layer,
                "releases": list(self.yocto.releases),
            },
        }


def _target_summary(ssh: SshTarget | None) -> dict[str, Any]:
    """dump.target as plain data (a local board: the defaults)."""
    if ssh is None:
        return {"type": "local", "port": 22, "client": "openssh", "fallback": "none"}
    return {
        "type": "ssh",
        "url": ssh.url,
        "user": ssh.user,
        "host": ssh.host,
        "port": ssh.port,
        "path": ssh.path,
        "key": ssh.key,
        "host_key": ssh.host_key,
        "client": ssh.client,
        "fallback": ssh.fallback,
    }


@cache
def default_yocto_releases() -> list[str]:
    """The releases a layer claims when the board names none (recipes/yocto/releases.yaml)."""
    with YOCTO_RELEASES_FILE.open(encoding="utf-8") as handle:
        releases = yaml.safe_load(handle)["releases"]
    return [name for name, facts in releases.items() if facts["default"]]


@cache
def schema() -> dict[str, Any]:
    with SCHEMA_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _schema_error(doc: LocatedYaml, error: jsonschema.ValidationError) -> UserError:
    path: Pointer = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(known))
        key = extra[0]
        hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else f" (known: {', '.join(known)})"
        return doc.error((*path, key), f"unknown key{suggestion}")
    if error.validator == "required":
        missing = next(k for k in error.validator_value if k not in error.instance)
        return doc.error((*path, missing), "required key is missing")
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return doc.error(
            path, f"expected {expected}, got {type(error.instance).__name__} {error.instance!r}"
        )
    if error.validator == "pattern":
        # The schema's description of the key says which characters it takes and why.
        about = error.schema.get("description") or f"it must match {error.validator_value}"
        return doc.error(path, f"{error.instance!r} is refused: {about}")
    if error.validator == "maxLength":
        return doc.error(
            path, f"{len(error.instance)} characters is too long (at most {error.validator_value})"
        )
    if error.validator == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return doc.error(path, f"{error.instance!r} is not one of: {options}")
    return doc.error(path, error.message)


def _control_characters(doc: LocatedYaml) -> None:
    """Refuse a control character in any string value, at the value's line."""

    def walk(node: Any, path: Pointer) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))
        elif isinstance(node, str) and (found := _CONTROL.search(node)):
            raise doc.error(
                path,
                f"contains {found.group()!r} (a control, line-separator or surrogate character) at "
                f"offset {found.start()}: board values are one line of printable text",
            )

    walk(doc.data, ())


def _first(
    errors: list[jsonschema.ValidationError], doc: LocatedYaml
) -> jsonschema.ValidationError:
    # Report the error nearest the top of the file: what a reader meets first.
    return min(errors, key=lambda e: (doc.line(tuple(e.absolute_path)) or 0, str(e.absolute_path)))


class _Reader:
    """Typed access to the validated document, raising located errors."""

    def __init__(self, doc: LocatedYaml) -> None:
        self.doc = doc
        self.base = Path(doc.file).resolve().parent

    def get(self, *path: str, default: Any = None) -> Any:
        node: Any = self.doc.data
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return default if node is None else node

    def size(self, *path: str, default: Any = None) -> int | None:
        value = self.get(*path, default=default)
        if value is None:
            return None
        try:
            return parse_size(value)
        except ValueError as exc:
            raise self.doc.error(path, str(exc)) from None

    def text(self, *path: str, default: str = "") -> str:
        value = str(self.get(*path, default=default))
        if _UNSAFE_TEXT.search(value):
            raise self.doc.error(
                path, "must not contain quotes, '$', backticks, backslashes or newlines"
            )
        return value

    def target_path(self, *path: str, default: str | None = None) -> str | None:
        value = self.get(*path, default=default)
        if value is None:
            return None
        value = str(value)
        if not value.startswith("/"):
            raise self.doc.error(path, f"{value!r} must be an absolute path on the target")
        if ".." in value.split("/"):
            raise self.doc.error(path, f"{value!r} must not contain '..'")
        if not _SAFE_PATH.fullmatch(value):
            raise self.doc.error(
                path,
                f"{value!r} contains a character that is unsafe in a path "
                "(quotes, '$', backticks, newlines and the like are refused)",
            )
        return value.rstrip("/") or "/"

    def host_path(self, *path: str) -> Path | None:
        value = self.get(*path)
        if value is None:
            return None
        return (self.base / Path(str(value)).expanduser()).resolve()


def _crashkernel(r: _Reader, arch: Arch, memory: int, version: str | None) -> CrashkernelSpec:
    raw = r.get("crashkernel", "value")
    size = r.get("crashkernel", "size")
    if raw is not None and (size is not None or r.get("crashkernel", "offset") is not None):
        raise r.doc.error(("crashkernel", "value"), "give either value or size/offset, not both")
    auto = False
    if raw is not None:
        try:
            params = ck.parse_params(str(raw))
        except ck.CrashkernelError as exc:
            raise r.doc.error(("crashkernel", "value"), str(exc)) from None
        offset_key: tuple[str, ...] = ("crashkernel", "value")
    else:
        if size is None:
            raise r.doc.error(
                ("crashkernel", "size"), "required key is missing (a size, auto, or value)"
            )
        offset = r.size("crashkernel", "offset")
        if str(size) == "auto":
            size_bytes = ck.recommend_size(arch.bits, memory)
            auto = True
        else:
            size_bytes = r.size("crashkernel", "size") or 0
            if size_bytes == 0:
                raise r.doc.error(("crashkernel", "size"), "the reservation size must be above 0")
        params = (ck.Crashkernel(size=size_bytes, offset=offset),)
        offset_key = ("crashkernel", "offset")
    # The same rules as `kdumplayer crashkernel check`: one home for them.
    value_key = ("crashkernel", "value") if raw is not None else ("crashkernel", "size")
    for finding in crashkernel_rules.check(params, memory, arch, kernel=version):
        if finding.problem:
            raise r.doc.error(offset_key if finding.key == "offset" else value_key, finding.message)
    return CrashkernelSpec(params=params, auto=auto)


def from_document(doc: LocatedYaml) -> Board:
    """Validate a loaded document and resolve it into a Board that every generator takes."""
    board = _resolve(doc)
    base = board.buildroot.base_defconfig
    found = targets.problem(
        kexec_tools=board.kexec_tools,
        collector=board.dump.collector,
        arch=board.arch.name,
        bootloader=board.bootloader.type,
        bootloader_config=board.bootloader.config,
        base_defconfig=(board.path.parent if board.path else Path()) / base if base else None,
    )
    if found is not None:
        raise board.error(*found)
    return board


def _kernel(r: _Reader, arch: Arch) -> KernelSpec:
    doc = r.doc
    image = str(r.get("kernel", "image", default=arch.default_image))
    if image not in arch.images:
        raise doc.error(
            ("kernel", "image"),
            f"{image!r} cannot be loaded by kexec on {arch.name} (use {', '.join(arch.images)})",
        )
    if r.get("kernel", "defconfig") is not None and r.get("kernel", "config") is not None:
        raise doc.error(("kernel", "config"), "give either defconfig or config, not both")
    version = r.get("kernel", "version")
    if version is not None:
        version = str(version)
        if not re.fullmatch(r"[2-9]\.[0-9]+(\.[0-9]+)?", version):
            raise doc.error(
                ("kernel", "version"), f"{version!r} is not a kernel version such as 6.12"
            )
    config = r.host_path("kernel", "config")
    # The generators copy it into the trees: a missing or unreadable file is refused
    # here, so that validate accepts exactly what the generators accept.
    if config is not None and not (config.is_file() and os.access(config, os.R_OK)):
        raise doc.error(
            ("kernel", "config"),
            f"{config} is not a readable file (the kernel .config the board builds from)",
        )
    return KernelSpec(
        version=version,
        source=r.host_path("kernel", "source"),
        defconfig=r.get("kernel", "defconfig"),
        config=config,
        image=image,
        recipe=r.text("kernel", "recipe", default="linux-yocto"),
        fragments=tuple(
            (r.base / str(f)).resolve() for f in r.get("kernel", "fragments", default=[])
        ),
    )


def _capture(r: _Reader, arch: Arch) -> CaptureSpec:
    capture_kernel = r.get("capture", "kernel", default="same")
    if capture_kernel != "same":
        capture_kernel = r.target_path("capture", "kernel")
    dtb = r.target_path("capture", "dtb", default="/sys/firmware/fdt" if arch.needs_dtb else None)
    return CaptureSpec(
        kernel=capture_kernel,
        initrd=r.target_path("capture", "initrd"),
        dtb=dtb,
        cmdline_append=r.text("capture", "cmdline_append"),
        cmdline_remove=tuple(
            _word(r, i, w) for i, w in enumerate(r.get("capture", "cmdline_remove", default=[]))
        ),
        load_method=r.get("capture", "load_method", default="auto"),
    )


def _dump(r: _Reader) -> DumpSpec:
    doc = r.doc
    collector = r.get("dump", "collector", default="makedumpfile")
    compression = r.get(
        "dump", "compression", default="zlib" if collector == "makedumpfile" else "none"
    )
    if collector == "cp" and compression != "none":
        raise doc.error(
            ("dump", "compression"),
            f"the cp collector cannot compress ({compression}); use none or collector makedumpfile",
        )
    keep = int(r.get("dump", "keep", default=0))
    if keep < 0:
        raise doc.error(("dump", "keep"), "must be 0 (keep all) or more")
    dump = DumpSpec(
        dir=r.target_path("dump", "dir", default="/var/crash") or "/var/crash",
        collector=collector,
        level=int(r.get("dump", "level", default=31)),
        compression=compression,
        keep=keep,
        dmesg=bool(r.get("dump", "dmesg", default=True)),
        min_free=r.size("dump", "min_free", default="0") or 0,
        failure_action=r.get("dump", "failure_action", default="reboot"),
        final_action=r.get("dump", "final_action", default="reboot"),
        pre=tuple(_command(r, "pre", i, c) for i, c in enumerate(r.get("dump", "pre", default=[]))),
        post=tuple(
            _command(r, "post", i, c) for i, c in enumerate(r.get("dump", "post", default=[]))
        ),
    )
    ssh = read_ssh(doc)
    dump = replace(dump, ssh=ssh, network=read_network(doc, ssh))
    if dump.dir == "/":
        raise doc.error(("dump", "dir"), "the dump directory cannot be /")
    return dump


def _kexec_tools(r: _Reader) -> str | None:
    kexec_tools = r.get("kexec_tools")
    if kexec_tools is not None:
        kexec_tools = str(kexec_tools)
        if not re.fullmatch(r"2\.0\.[0-9]+", kexec_tools):
            raise r.doc.error(
                ("kexec_tools",), f"{kexec_tools!r} is not a kexec-tools version such as 2.0.32"
            )
    return kexec_tools


def _base_defconfig(r: _Reader) -> str | None:
    base_defconfig = r.get("buildroot", "base_defconfig")
    # Without buildroot.defconfig, the generated defconfig is named after the copy's file.
    if (
        base_defconfig is not None
        and r.get("buildroot", "defconfig") is None
        and not _DEFCONFIG_NAME.fullmatch(Path(base_defconfig).name)
    ):
        raise r.doc.error(
            ("buildroot", "base_defconfig"),
            f"{base_defconfig!r}: without buildroot.defconfig, its file name must be a "
            "defconfig name (letters, digits, '.', '_', '+', '-')",
        )
    return base_defconfig


def _bootloader(r: _Reader) -> BootloaderSpec:
    bootloader = BootloaderSpec(
        type=r.get("bootloader", "type"),
        config=r.get("bootloader", "config"),
    )
    if bootloader.config is not None and _UNSAFE_TEXT.search(bootloader.config):
        raise r.doc.error(
            ("bootloader", "config"), "must not contain quotes, '$', backticks or newlines"
        )
    return bootloader


def _resolve(doc: LocatedYaml) -> Board:
    """The document's values checked one by one and together, resolved into a Board."""
    if not isinstance(doc.data, dict):
        raise doc.error((), "the board description must be a mapping of keys")
    _control_characters(doc)
    errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(doc.data))
    if errors:
        raise _schema_error(doc, _first(errors, doc))
    r = _Reader(doc)
    try:
        arch = get_arch(str(r.get("arch")))
    except UserError as exc:
        raise doc.error(("arch",), exc.message) from None
    memory = r.size("memory") or 0
    if memory < 64 << 20:
        raise doc.error(
            ("memory",), f"{format_size(memory)} is too little RAM for kdump (at least 64M)"
        )

    kernel = _kernel(r, arch)
    version = kernel.version

    crash = _crashkernel(r, arch, memory, version)

    capture = _capture(r, arch)

    dump = _dump(r)

    kexec_tools = _kexec_tools(r)
    base_defconfig = _base_defconfig(r)

    name = str(r.get("name"))
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
    bootloader = _bootloader(r)
    return Board(
        lines={
            ".".join(str(p) for p in path): line
            for path, line in doc.lines.items()
            if path and all(isinstance(p, str) for p in path)
        },
        path=Path(doc.file),
        name=name,
        description=r.text("description", default=""),
        arch=arch,
        memory=memory,
        kernel=kernel,
        crashkernel=crash,
        capture=capture,
        bootloader=bootloader,
        init=r.get("init"),
        dump=dump,
        kexec_tools=kexec_tools,
        buildroot=BuildrootSpec(
            defconfig=r.get("buildroot", "defconfig"),
            external_name=r.get("buildroot", "external_name", default=f"KDUMP_{ident}"),
            base_defconfig=base_defconfig,
        ),
        yocto=YoctoSpec(
            machine=r.get("yocto", "machine"),
            layer=r.get("yocto", "layer", default=f"meta-kdump-{re.sub(r'[^a-z0-9-]', '-', name)}"),
            releases=tuple(r.get("yocto", "releases", default=default_yocto_releases())),
        ),
    )


def _word(r: _Reader, index: int, word: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.,:=/+-]+", word):
        raise r.doc.error(
            ("capture", "cmdline_remove", index), f"{word!r} is not a kernel parameter name"
        )  # type: ignore[arg-type]
    return word


def _command(r: _Reader, which: str, index: int, command: str) -> str:
    if "\n" in command or "\r" in command or not command.strip():
        raise r.doc.error(("dump", which, index), "a hook command is one non-empty line")  # type: ignore[arg-type]
    return command


def load_board(path: str | Path) -> Board:
    """Read and validate a board description file."""
    return from_document(load(path))
