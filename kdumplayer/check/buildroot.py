"""Read a Buildroot defconfig: its kernel settings and the Buildroot side of kdump.

`kdumplayer check --buildroot configs/*_defconfig` evaluates the kernel config a
Buildroot defconfig produces. This module reads what Buildroot's linux package
would use (BR2_LINUX_KERNEL_DEFCONFIG or the custom config file, the fragments,
the custom version, the arch), expands $(BR2_EXTERNAL_<NAME>_PATH) and
$(TOPDIR), and checks what kdump needs outside the kernel config: a package
that installs kexec (kdump-init or Buildroot's kexec), the kernel image on the
target for a same-kernel capture, and a crashkernel= in the board's files.

Everything here is a function of the files read; nothing is evaluated.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from kdumplayer.arch import all_arches
from kdumplayer.buildroot_defconfig import read_lines
from kdumplayer.errors import UserError
from kdumplayer.findings import Finding, Location, Severity
from kdumplayer.paths import RECIPES_DIR
from kdumplayer.requirements import BoardChoices

_VAR = re.compile(r"\$\(([A-Za-z0-9_]+)\)|\$\{([A-Za-z0-9_]+)\}")
_EXT_NAME = re.compile(r"^name:\s*([A-Za-z0-9_]+)\s*$", re.M)
# The mark kdumplayer writes in the defconfigs it generates (generate/buildroot.py).
_MARK = re.compile(r"^# kdumplayer-board:((?: [a-z_]+=[A-Za-z0-9_.+-]+)+)\s*$")
_LOAD_METHODS = ("auto", "kexec_load", "kexec_file_load")
# Where a package or overlay installs a kdump service: SysV/BusyBox init scripts,
# systemd units, OpenRC services.
_SERVICE = re.compile(
    r"(^|/)(etc/init\.d/(S[0-9]{2})?kdump[^/]*|"
    r"(usr/)?lib/systemd/system/kdump[^/]*\.service)$"
)

# Options whose files or directories belong to the board: where a crashkernel=
# is looked for (bootloader configs, post scripts, overlays, genimage files).
_BOARD_FILE_OPTIONS = (
    "BR2_ROOTFS_POST_BUILD_SCRIPT",
    "BR2_ROOTFS_POST_IMAGE_SCRIPT",
    "BR2_ROOTFS_POST_FAKEROOT_SCRIPT",
    "BR2_ROOTFS_OVERLAY",
    "BR2_TARGET_UBOOT_BOOT_SCRIPT_SOURCE",
    "BR2_TARGET_GRUB2_CFG",
    "BR2_TARGET_GRUB2_BUILTIN_CONFIG_PC",
    "BR2_TARGET_GRUB2_BUILTIN_CONFIG_EFI",
    "BR2_TARGET_SYSLINUX_CONFIG",
    "BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES",
    "BR2_LINUX_KERNEL_CUSTOM_CONFIG_FILE",
)
_MAX_SCAN_BYTES = 1 << 20
_MAX_SCAN_FILES = 2000
_CRASHKERNEL = re.compile(r"crashkernel=[0-9A-Za-z:,@.\-]+")


@dataclass(frozen=True)
class Setting:
    key: str
    value: str  # unquoted; "" for `# X is not set`
    line: int


def _check(rule: str, ok: bool, message: str, file: str, line: int | None) -> Finding:
    """One Buildroot-side check, passed (what satisfied it) or failed (the line to change)."""
    return Finding(rule, Severity.OK if ok else Severity.ERROR, message, Location(file, line))


@dataclass(frozen=True)
class BoardMark:
    """The board a generated defconfig is for, from its `# kdumplayer-board:` line."""

    name: str | None = None
    arch: str | None = None
    choices: BoardChoices = field(default_factory=BoardChoices)
    line: int | None = None


def read_mark(path: Path, text: str) -> BoardMark:
    for number, raw in enumerate(text.splitlines(), 1):
        match = _MARK.match(raw.strip())
        if not match:
            continue
        fields = dict(item.split("=", 1) for item in match[1].split())
        arch = fields.get("arch")
        method = fields.get("load_method", "auto")
        offset = fields.get("offset", "none")
        if (
            (arch is not None and arch not in all_arches())
            or method not in _LOAD_METHODS
            or not (offset == "none" or offset.isdigit())
        ):
            raise UserError(
                f"kdumplayer-board mark with unknown values: {raw.strip()!r}",
                file=path,
                line=number,
            )
        capture = fields.get("capture", "same")
        return BoardMark(
            fields.get("name"),
            arch,
            BoardChoices(
                load_method=method,
                offset=None if offset == "none" else int(offset),
                capture=capture if capture in ("same", "dedicated") else "same",
            ),
            number,
        )
    return BoardMark()


@dataclass(frozen=True)
class BuildrootKernel:
    """What the linux package of one Buildroot defconfig builds, and the Buildroot-side checks."""

    defconfig: Path
    arch: str | None  # kdumplayer arch name
    kernel_defconfig: str | None  # e.g. "x86_64_defconfig" (from the kernel tree)
    kernel_config: Path | None  # BR2_LINUX_KERNEL_CUSTOM_CONFIG_FILE
    fragments: tuple[Path, ...]
    version: str | None
    settings: dict[str, Setting] = field(repr=False)
    # BR2_LINUX_KERNEL_CUSTOM_TARBALL_LOCATION when it is a file here (file://)
    tarball: Path | None = None
    findings: tuple[Finding, ...] = ()
    board: BoardMark = field(default_factory=BoardMark)

    def line_of(self, key: str) -> int | None:
        setting = self.settings.get(key)
        return setting.line if setting else None

    @property
    def last_line(self) -> int:
        return max((s.line for s in self.settings.values()), default=1)


def read_settings(path: Path) -> dict[str, Setting]:
    """The BR2_ assignments of a defconfig, unquoted, with their line numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("Buildroot defconfig not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read Buildroot defconfig: {exc}", file=path) from None
    return {
        line.key: Setting(line.key, "" if line.unset else line.value, line.number)
        for line in read_lines(text, path)
        if line.key is not None
    }


def external_names(dirs: list[Path]) -> dict[str, Path]:
    """BR2_EXTERNAL name -> directory, read from each tree's external.desc."""
    names: dict[str, Path] = {}
    for directory in dirs:
        desc = directory / "external.desc"
        try:
            match = _EXT_NAME.search(desc.read_text(encoding="utf-8"))
        except OSError:
            raise UserError(
                "not a BR2_EXTERNAL tree (no readable external.desc)", file=desc
            ) from None
        if not match:
            raise UserError("no 'name: NAME' line", file=desc)
        names[match[1]] = directory.resolve()
    return names


def _own_external(defconfig: Path) -> list[Path]:
    """A defconfig under EXT/configs/ belongs to the external tree EXT."""
    parent = defconfig.resolve().parent
    if parent.name == "configs" and (parent.parent / "external.desc").is_file():
        return [parent.parent]
    return []


def _own_topdir(defconfig: Path) -> Path | None:
    """A defconfig under BUILDROOT/configs/ belongs to that Buildroot tree."""
    parent = defconfig.resolve().parent
    top = parent.parent
    if parent.name == "configs" and (top / "Config.in").is_file() and (top / "package").is_dir():
        return top
    return None


class _Expander:
    """Expand the make variables a defconfig path may use, with located errors."""

    def __init__(self, defconfig: Path, externals: dict[str, Path], topdir: Path | None) -> None:
        self.defconfig = defconfig
        self.externals = externals
        self.topdir = topdir

    def value(self, key: str) -> Path | None:
        if key == "TOPDIR":
            return self.topdir
        match = re.fullmatch(r"BR2_EXTERNAL_([A-Za-z0-9_]+)_PATH", key)
        if match:
            return self.externals.get(match[1])
        return None

    def path(self, raw: str, setting: Setting) -> Path:
        def replace(match: re.Match[str]) -> str:
            name = match[1] or match[2]
            value = self.value(name)
            if value is None:
                hint = (
                    " (pass --br2-external DIR for the tree that defines it)"
                    if name.startswith("BR2_EXTERNAL_")
                    else " (pass --buildroot-dir DIR)"
                    if name == "TOPDIR"
                    else ""
                )
                raise UserError(
                    f"cannot expand $({name}){hint}",
                    file=self.defconfig,
                    line=setting.line,
                    key=setting.key,
                )
            return str(value)

        text = _VAR.sub(replace, raw)
        path = Path(text)
        if path.is_absolute():
            return path
        # Buildroot runs from its top directory: relative paths are TOPDIR-relative.
        if self.topdir is None:
            raise UserError(
                f"{raw!r} is relative to the Buildroot directory; pass --buildroot-dir DIR",
                file=self.defconfig,
                line=setting.line,
                key=setting.key,
            )
        return self.topdir / path

    def paths(self, setting: Setting) -> list[Path]:
        return [self.path(word, setting) for word in setting.value.split()]


@cache
def _facts() -> dict[str, Any]:
    with (RECIPES_DIR / "buildroot" / "buildroot.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def _arch(settings: dict[str, Setting]) -> str | None:
    symbols = [s for s in _facts()["arch_choice"] if _enabled(settings, s)]
    if not symbols and _enabled(settings, "BR2_LINUX_KERNEL"):
        # A complete defconfig that names no arch builds for the choice's default
        # (configs/qemu_x86_defconfig: BR2_x86_pentiumpro alone is i386).
        settings = {**settings, _facts()["arch_default"]: Setting(_facts()["arch_default"], "y", 0)}
    for name, arch in all_arches().items():
        setting = settings.get(arch.buildroot_arch_symbol)
        if setting and setting.value == "y":
            # BR2_riscv is 64-bit unless BR2_RISCV_32 says otherwise (arch/Config.in.riscv).
            if arch.buildroot_arch_symbol == "BR2_riscv" and _enabled(settings, "BR2_RISCV_32"):
                return None
            return name
    return None


def _enabled(settings: dict[str, Setting], key: str) -> bool:
    setting = settings.get(key)
    return setting is not None and setting.value == "y"


def load(
    defconfig: Path,
    *,
    br2_external: list[Path] | None = None,
    topdir: Path | None = None,
) -> BuildrootKernel:
    """Read one Buildroot defconfig; UserError (exit 2) for what cannot be read or expanded."""
    settings = read_settings(defconfig)
    externals = external_names(list(br2_external or []) + _own_external(defconfig))
    expander = _Expander(defconfig, externals, topdir or _own_topdir(defconfig))
    file = str(defconfig)

    kernel_defconfig: str | None = None
    kernel_config: Path | None = None
    fragments: list[Path] = []
    version: str | None = None
    findings: list[Finding] = []
    if not _enabled(settings, "BR2_LINUX_KERNEL"):
        findings.append(
            _check(
                "kernel",
                False,
                "BR2_LINUX_KERNEL is not enabled: Buildroot builds "
                "no kernel, so there is no kernel config to check",
                file,
                None,
            )
        )
    else:
        if _enabled(settings, "BR2_LINUX_KERNEL_USE_CUSTOM_CONFIG"):
            setting = settings.get("BR2_LINUX_KERNEL_CUSTOM_CONFIG_FILE")
            if setting is None or not setting.value:
                raise UserError(
                    "BR2_LINUX_KERNEL_USE_CUSTOM_CONFIG=y without "
                    "BR2_LINUX_KERNEL_CUSTOM_CONFIG_FILE",
                    file=defconfig,
                    line=settings["BR2_LINUX_KERNEL_USE_CUSTOM_CONFIG"].line,
                )
            kernel_config = expander.path(setting.value, setting)
            if not kernel_config.is_file():
                raise UserError(
                    f"kernel config {kernel_config} does not exist",
                    file=defconfig,
                    line=setting.line,
                    key=setting.key,
                )
        elif _enabled(settings, "BR2_LINUX_KERNEL_USE_ARCH_DEFAULT_CONFIG"):
            kernel_defconfig = "defconfig"
        else:
            setting = settings.get("BR2_LINUX_KERNEL_DEFCONFIG")
            if setting is None or not setting.value:
                raise UserError(
                    "BR2_LINUX_KERNEL=y but no BR2_LINUX_KERNEL_DEFCONFIG, "
                    "ARCH_DEFAULT_CONFIG or CUSTOM_CONFIG_FILE",
                    file=defconfig,
                    line=settings["BR2_LINUX_KERNEL"].line,
                )
            kernel_defconfig = f"{setting.value}_defconfig"  # as Buildroot's linux.mk
        frag_setting = settings.get("BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES")
        if frag_setting:
            for path in expander.paths(frag_setting):
                if not path.is_file():
                    raise UserError(
                        f"kernel config fragment {path} does not exist",
                        file=defconfig,
                        line=frag_setting.line,
                        key=frag_setting.key,
                    )
                fragments.append(path)
        version = _version(settings)
        findings += _side_checks(defconfig, settings, expander)

    try:
        mark = read_mark(defconfig, defconfig.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):  # read_settings has read it already
        mark = BoardMark()
    location = settings.get("BR2_LINUX_KERNEL_CUSTOM_TARBALL_LOCATION")
    tarball = None
    if (
        _enabled(settings, "BR2_LINUX_KERNEL_CUSTOM_TARBALL")
        and location
        and location.value.startswith("file://")
    ):
        tarball = expander.path(location.value.removeprefix("file://"), location)
    return BuildrootKernel(
        tarball=tarball,
        board=mark,
        defconfig=defconfig,
        arch=_arch(settings),
        kernel_defconfig=kernel_defconfig,
        kernel_config=kernel_config,
        fragments=tuple(fragments),
        version=version,
        settings=settings,
        findings=tuple(findings),
    )


def _version(settings: dict[str, Setting]) -> str | None:
    for key in ("BR2_LINUX_KERNEL_CUSTOM_VERSION_VALUE", "BR2_LINUX_KERNEL_VERSION"):
        setting = settings.get(key)
        if setting and re.match(r"^[2-9]\.[0-9]+", setting.value):
            return setting.value
    return None


def _side_checks(
    defconfig: Path, settings: dict[str, Setting], expander: _Expander
) -> list[Finding]:
    file = str(defconfig)
    last = max((s.line for s in settings.values()), default=1)
    findings = []

    kexec = sorted(
        k
        for k, s in settings.items()
        if s.value == "y" and k.startswith("BR2_PACKAGE_") and "KEXEC" in k
    )
    if _enabled(settings, "BR2_PACKAGE_KDUMP_INIT"):
        findings.append(
            _check(
                "kdump-package",
                True,
                "BR2_PACKAGE_KDUMP_INIT is selected",
                file,
                settings["BR2_PACKAGE_KDUMP_INIT"].line,
            )
        )
    elif kexec:
        findings.append(
            _check(
                "kdump-package",
                True,
                f"{kexec[0]} is selected (kexec-tools)",
                file,
                settings[kexec[0]].line,
            )
        )
    else:
        findings.append(
            _check(
                "kdump-package",
                False,
                "neither BR2_PACKAGE_KDUMP_INIT nor BR2_PACKAGE_KEXEC is selected: nothing "
                "installs kexec to load the capture kernel (add BR2_PACKAGE_KDUMP_INIT=y)",
                file,
                last,
            )
        )

    findings.append(_service(file, settings, expander, last))

    if _enabled(settings, "BR2_LINUX_KERNEL_INSTALL_TARGET"):
        findings.append(
            _check(
                "install-target",
                True,
                "BR2_LINUX_KERNEL_INSTALL_TARGET=y",
                file,
                settings["BR2_LINUX_KERNEL_INSTALL_TARGET"].line,
            )
        )
    else:
        setting = settings.get("BR2_LINUX_KERNEL_INSTALL_TARGET")
        findings.append(
            _check(
                "install-target",
                False,
                "BR2_LINUX_KERNEL_INSTALL_TARGET is not set: a same-kernel capture loads the "
                "kernel image from /boot on the target (add BR2_LINUX_KERNEL_INSTALL_TARGET=y)",
                file,
                setting.line if setting else last,
            )
        )

    found = find_crashkernel(board_paths(settings, expander))
    if found:
        where, line, value = found
        findings.append(_check("crashkernel", True, f"{value} in {where}:{line}", file, None))
    else:
        anchor = next(
            (
                settings[k].line
                for k in ("BR2_ROOTFS_POST_BUILD_SCRIPT", "BR2_ROOTFS_POST_IMAGE_SCRIPT")
                if k in settings
            ),
            last,
        )
        findings.append(
            _check(
                "crashkernel",
                False,
                "no crashkernel= in the board's bootloader files, post scripts or overlays: "
                "the kernel reserves no memory for the capture kernel",
                file,
                anchor,
            )
        )
    return findings


def _service(file: str, settings: dict[str, Setting], expander: _Expander, last: int) -> Finding:
    """Something must load the capture kernel at boot: kdump-init or another provider."""
    if _enabled(settings, "BR2_PACKAGE_KDUMP_INIT"):
        return _check(
            "kdump-service",
            True,
            "kdump-init installs the kdump service",
            file,
            settings["BR2_PACKAGE_KDUMP_INIT"].line,
        )
    # Another package of a BR2_EXTERNAL tree named after kdump (not kexec-tools itself).
    others = sorted(
        k
        for k, s in settings.items()
        if s.value == "y" and "KDUMP" in k and k.startswith("BR2_PACKAGE_") and "KEXEC" not in k
    )
    if others:
        return _check(
            "kdump-service",
            True,
            f"{others[0]} is selected (a kdump package)",
            file,
            settings[others[0]].line,
        )
    overlay = settings.get("BR2_ROOTFS_OVERLAY")
    for root in expander.paths(overlay) if overlay and overlay.value else []:
        for path in _walk(root):
            if _SERVICE.search(path.relative_to(root).as_posix()):
                return _check(
                    "kdump-service",
                    True,
                    f"the overlay installs {path}",
                    file,
                    overlay.line if overlay else None,
                )
    return _check(
        "kdump-service",
        False,
        "nothing installs a kdump service: BR2_PACKAGE_KDUMP_INIT is not selected and no "
        "other kdump package or overlay file (etc/init.d/S??kdump, kdump.service) "
        "provides one, so nothing loads the capture kernel at boot "
        "(add BR2_PACKAGE_KDUMP_INIT=y)",
        file,
        last,
    )


def board_paths(settings: dict[str, Setting], expander: _Expander) -> list[Path]:
    """The files and directories of the board that may carry the kernel command line."""
    paths: list[Path] = []
    for key in _BOARD_FILE_OPTIONS:
        setting = settings.get(key)
        if setting is None or not setting.value:
            continue
        for path in expander.paths(setting):
            paths.append(path)
            if key in (
                "BR2_ROOTFS_POST_BUILD_SCRIPT",
                "BR2_ROOTFS_POST_IMAGE_SCRIPT",
                "BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES",
            ):
                paths.append(path.parent)  # the board directory: grub.cfg, readme.txt...
    args = settings.get("BR2_ROOTFS_POST_SCRIPT_ARGS")
    if args:  # e.g. `-c board/foo/genimage.cfg`
        for word in args.value.split():
            if "/" in word and not word.startswith("-"):
                paths.append(expander.path(word, args))
    return list(dict.fromkeys(paths))


def find_crashkernel(paths: list[Path]) -> tuple[str, int, str] | None:
    """The first crashkernel= found in these files or directories: (file, line, text)."""
    seen = 0
    for root in paths:
        files = [root] if root.is_file() else _walk(root)
        for path in files:
            seen += 1
            if seen > _MAX_SCAN_FILES:
                return None
            try:
                if path.stat().st_size > _MAX_SCAN_BYTES:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for number, line in enumerate(text.splitlines(), 1):
                if line.lstrip().startswith("#"):
                    continue  # a comment that mentions crashkernel= sets nothing
                if match := _CRASHKERNEL.search(line):
                    return str(path), number, match[0]
    return None


def _walk(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath) / name for name in sorted(filenames)]
    return found
