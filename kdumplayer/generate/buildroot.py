"""The Buildroot BR2_EXTERNAL tree that adds kdump to a board.

`generate(board)` returns the whole tree in memory (relative path ->
GeneratedFile): external.desc/.mk and Config.in; package/kdump-init (the
runtime files of kdumplayer.runtime, installed where the QEMU proof boots
them, and the kernel options as LINUX_CONFIG_FIXUPS); a kdump-kexec-tools
package when the board pins a kexec-tools release other than Buildroot's;
board/<board>/ with the kernel fragment of kdumplayer.fragment and the script
that puts crashkernel= into the bootloader's file; configs/<ident>_kdump_defconfig
(the kdump settings only or, given the base defconfig, merged over it by
kdumplayer.generate.br_merge); a README. Every file is a template under
recipes/buildroot/; the Buildroot facts it relies on are data in
recipes/buildroot/buildroot.yaml.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from kdumplayer.board.model import Board
from kdumplayer.errors import UserError
from kdumplayer.fragment import fragment_for_board
from kdumplayer.generate import br_merge, br_standalone
from kdumplayer.output import GeneratedFile
from kdumplayer.paths import RECIPES_DIR
from kdumplayer.render import render
from kdumplayer.runtime import RuntimeFile, all_runtime_files

FACTS_FILE = RECIPES_DIR / "buildroot" / "buildroot.yaml"
PACKAGE = "kdump-init"
PINNED_PACKAGE = "kdump-kexec-tools"
FRAGMENT_NAME = "linux-kdump.fragment"
# The kdump settings alone, to merge over a board's own defconfig.
SETTINGS_NAME = "kdump.defconfig"
EXEC_MODE = 0o755
FINAL_ACTIONS = {
    "reboot": "reboots",
    "halt": "halts",
    "poweroff": "powers off",
    "shell": "starts a shell",
}

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_FRAGMENT_SET = re.compile(r"^CONFIG_([A-Za-z0-9_]+)=(.*)$")
_FRAGMENT_UNSET = re.compile(r"^# CONFIG_([A-Za-z0-9_]+) is not set$")
# What a crashkernel= value may hold once it is in a sed replacement and a shell word.
_CMDLINE_SAFE = re.compile(r"^crashkernel=[A-Za-z0-9@:,.-]+( crashkernel=[A-Za-z0-9@:,.-]+)*$")
_INIT_MACROS = (("SYSV", ("busybox", "sysv")), ("SYSTEMD", ("systemd",)), ("OPENRC", ("openrc",)))


@cache
def facts() -> dict[str, Any]:
    """recipes/buildroot/buildroot.yaml: what kdumplayer knows about Buildroot."""
    with FACTS_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def default_dirname(board: Board, *, name: str | None = None) -> str:
    return "buildroot"


def external_name(board: Board, name: str | None = None) -> str:
    value = name or board.buildroot.external_name
    if not _NAME.fullmatch(value):  # fullmatch: `$` would let a trailing newline in
        message = f"{value!r} is not a BR2_EXTERNAL name (letters, digits and _ only)"
        if name:
            raise UserError(message, key="--name")
        raise board.error("buildroot.external_name", message)
    return value


def defconfig_name(board: Board) -> str:
    return f"{board.ident}_kdump_defconfig"


def _installed_files(board: Board) -> list[RuntimeFile]:
    """Every init system's hook files: Buildroot installs the selected init's."""
    files = all_runtime_files(board)
    for f in files:
        if "/" in f.name or not f.name or not f.install_path.startswith("/"):
            raise RuntimeError(
                f"runtime file {f.name!r} -> {f.install_path!r}: expected a plain "
                "name and an absolute target path"
            )
    return files


def config_fixups(fragment: str) -> list[str]:
    """The fragment as Buildroot KCONFIG_*_OPT calls, in the fragment's order."""
    calls = []
    for number, raw in enumerate(fragment.splitlines(), start=1):
        line = raw.strip()
        unset = _FRAGMENT_UNSET.match(line)
        if unset:
            calls.append(f"KCONFIG_DISABLE_OPT,CONFIG_{unset.group(1)}")
            continue
        if not line or line.startswith("#"):
            continue
        match = _FRAGMENT_SET.match(line)
        if not match:
            raise RuntimeError(f"kernel fragment line {number} is not an assignment: {raw!r}")
        symbol, value = match.groups()
        if value == "y":
            calls.append(f"KCONFIG_ENABLE_OPT,CONFIG_{symbol}")
        elif re.match(r'^(-?[0-9]+|0x[0-9a-fA-F]+|m|"[^"$,#\'()\\]*")$', value):
            # KCONFIG_SET_OPT echoes the value inside single quotes, as a $(call) argument.
            calls.append(f"KCONFIG_SET_OPT,CONFIG_{symbol},{value}")
        else:
            raise RuntimeError(f"CONFIG_{symbol}={value} cannot be passed to KCONFIG_SET_OPT")
    return calls


@dataclass(frozen=True)
class KexecRelease:
    source: str
    site: str
    hashes: tuple[tuple[str, str, str], ...]
    license_hash: bool
    provenance: str


def kexec_release(board: Board, version: str) -> KexecRelease:
    entry = facts()["kexec_tools_releases"][version]  # known: kdumplayer.board.targets
    tarball = f"kexec-tools-{version}.tar.xz"
    if "tarball" in entry:
        hashes = [("sha256", entry["tarball"], tarball)]
        provenance = (
            "From https://www.kernel.org/pub/linux/utils/kernel/kexec/sha256sums.asc"
            " (as in Buildroot's package/kexec/kexec.hash)"
        )
    else:
        hashes = [tuple(h) for h in entry["hashes"]]
        provenance = "kexec-tools as Buildroot used it in 2010; hash from Aboriginal Linux"
    if entry.get("copying"):
        hashes.append(("sha256", entry["copying"], "COPYING"))
    return KexecRelease(
        source=entry.get("source", "kexec-tools-$(KDUMP_KEXEC_TOOLS_VERSION).tar.xz"),
        site=entry.get("site", "$(BR2_KERNEL_MIRROR)/linux/utils/kernel/kexec"),
        hashes=tuple(hashes),  # type: ignore[arg-type]
        license_hash=bool(entry.get("copying")),
        provenance=provenance,
    )


def pinned_kexec(board: Board) -> str | None:
    """The kexec-tools version to package separately, or None for Buildroot's kexec."""
    if board.kexec_tools is None or board.kexec_tools == str(facts()["kexec_version"]):
        return None
    return board.kexec_tools


def _dependencies(
    board: Board, pinned: str | None
) -> tuple[list[tuple[str, str]], list[str], list[str], list[str]]:
    """(depends on lines, selects, toolchain needs, the comment's depends on lines)."""
    deps = facts()["depends"]
    parts = ["kexec"]
    selects = ["BR2_PACKAGE_KDUMP_KEXEC_TOOLS" if pinned else "BR2_PACKAGE_KEXEC"]
    if board.dump.collector == "makedumpfile":
        parts.append("makedumpfile")
        selects.append("BR2_PACKAGE_MAKEDUMPFILE")
        library = facts()["compression_packages"][board.dump.compression]
        if library:
            selects.append(library)
            if board.dump.compression in deps:
                parts.append(board.dump.compression)
    if board.dump.ssh is not None:
        parts.append("ssh")
        selects += facts()["ssh_clients"][board.dump.ssh.client]
    depends: list[tuple[str, str]] = []
    needs: list[str] = []
    arches: list[str] = []
    missing: list[str] = []
    for part in parts:
        spec = deps[part]
        if spec.get("arch"):
            depends.append((spec["arch"], part))
            arches.append(spec["arch"])
        for symbol, need in spec.get("toolchain", []):
            if all(symbol != s for s, _ in depends):
                depends.append((symbol, part))
                needs.append(need)
                missing.append(symbol[1:] if symbol.startswith("!") else f"!{symbol}")
    if pinned:
        depends.append(("!BR2_PACKAGE_KEXEC", PINNED_PACKAGE))
    comment = [" && ".join(arches)] if arches else []
    comment.append(" || ".join(missing))
    return depends, selects, needs, comment


def _help(board: Board, pinned: str | None) -> list[str]:
    kexec = f"kexec-tools {pinned} (kdump-kexec-tools)" if pinned else "kexec"
    collector = (
        "makedumpfile"
        + (f" ({board.dump.compression})" if board.dump.compression != "none" else "")
        if board.dump.collector == "makedumpfile"
        else "cp"
    )
    text = (
        f"kdump for {board.name}: at boot, /usr/sbin/kdump loads the "
        f"capture kernel with {kexec}; after a crash, the capture kernel "
        f"saves the dump to {board.dump.dir} with {collector}, then "
        f"{FINAL_ACTIONS[board.dump.final_action]}. Configuration: /etc/kdump.conf. "
        "Selecting this package also enables the kernel options kdump needs."
    )
    lines = textwrap.wrap(text, width=62, break_long_words=False, break_on_hyphens=False)
    return [*lines, "", "https://www.kernel.org/doc/html/latest/admin-guide/kdump/kdump.html"]


def _post_script(board: Board, name: str, board_dir: str, merged: bool) -> dict[str, Any]:
    """What the crashkernel= script needs, and how the defconfig wires it."""
    fmt = board.bootloader.type
    boot_script = None
    if fmt == "u-boot":
        config = board.bootloader.config or ""
        if PurePosixPath(config).name.lower().startswith("uenv"):
            fmt = "uenv"
        else:  # a U-Boot board names its boot.cmd source (kdumplayer.board.targets)
            boot_script = config
    spec = facts()["bootloaders"][fmt]
    stage = spec["with_base" if merged else "stage"]
    script = f"post-{stage}.sh"
    value = board.crashkernel.cmdline
    if not _CMDLINE_SAFE.match(value):
        raise board.error("crashkernel", f"{value!r} cannot be written by the post script")
    path = f"$(BR2_EXTERNAL_{name}_PATH)/{board_dir}/{script}"
    if stage == "image":
        setting = ("BR2_ROOTFS_POST_IMAGE_SCRIPT", f"{spec['base_post_image']} {path}")
    else:
        setting = (f"BR2_ROOTFS_POST_{stage.upper()}_SCRIPT", path)
    return {
        "format": fmt,
        "stage": stage,
        "script": script,
        "files": spec["files"],
        "crashkernel": value,
        "qemu_memory": f"{board.memory >> 20}M" if fmt == "qemu" else None,
        "boot_script": boot_script,
        "mkimage_arch": facts()["mkimage_arch"][board.arch.name],
        "setting": setting,
    }


def _group(files: list[Any]) -> tuple[list[Any], list[tuple[str, list[Any]]]]:
    """(files every init installs, [(INSTALL_INIT_<MACRO>, files)])."""
    every = {init for f in files for init in f.inits}
    common = [f for f in files if set(f.inits) == every]
    macros = []
    for macro, inits in _INIT_MACROS:
        own = [f for f in files if f not in common and set(f.inits) & set(inits)]
        if own:
            macros.append((macro, own))
    return common, macros


def _settings(
    board: Board, fragment_setting: str, selects: list[str], post: dict[str, Any]
) -> list[tuple[str, str, bool]]:
    """The defconfig's kdump settings: (symbol, unquoted value, is a string)."""
    return [
        ("BR2_DOWNLOAD_FORCE_CHECK_HASHES", "y", False),
        (facts()["init_symbols"][board.init], "y", False),
        ("BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES", fragment_setting, True),
        ("BR2_LINUX_KERNEL_INSTALL_TARGET", "y", False),
        ("BR2_PACKAGE_KDUMP_INIT", "y", False),
        *((symbol, "y", False) for symbol in selects),
        (post["setting"][0], post["setting"][1], True),
    ]


def _defconfig(
    board: Board,
    base: br_merge.BaseDefconfig | None,
    ours: list[tuple[str, str, bool]],
    pinned: str | None,
) -> br_merge.Merged:
    if base is None:
        return br_merge.Merged((), tuple((s, br_merge.written(v, q)) for s, v, q in ours), ())
    return br_merge.merge(
        board,
        base,
        ours,
        list_options=frozenset(facts()["list_options"]),
        init_symbols=frozenset(facts()["init_symbols"].values()),
        init_symbol=facts()["init_symbols"][board.init],
        init_default=facts()["init_default"],
        off={
            "BR2_PACKAGE_KEXEC": f"{PINNED_PACKAGE} (kexec-tools {pinned}) replaces "
            "Buildroot's kexec package"
        }
        if pinned
        else None,
    )


def marker(board: Board) -> str:
    """The comment line that tells `check --buildroot` the board a defconfig is for."""
    offset = board.crashkernel.offset
    return (
        f"# kdumplayer-board: name={board.name} arch={board.arch.name} "
        f"load_method={board.capture.load_method} "
        f"capture={'same' if board.capture.kernel == 'same' else 'dedicated'} "
        f"offset={offset if offset is not None else 'none'}"
    )


def standalone_advice(board: Board) -> str | None:
    """What validate and generate say when no base is given and the defconfig cannot
    configure the kernel by itself (None: it can, or the board gives a base copy)."""
    if board.buildroot.base_defconfig:
        return None
    reason = br_standalone.why_not(board, facts())
    if reason is None:
        return None
    base = board.buildroot.defconfig or "your board's Buildroot defconfig"
    return (
        f"Buildroot: {reason}. The generated {defconfig_name(board)} holds the kdump "
        f"settings only and must be merged over {base} (the tree's README shows how; "
        "`generate buildroot --buildroot-dir DIR` merges it at generation)"
    )


def context(
    board: Board, name: str | None = None, base: br_merge.BaseDefconfig | None = None
) -> dict[str, Any]:
    """Everything the templates are rendered with."""
    name = external_name(board, name)
    board_dir = f"board/{board.name}"
    pinned = pinned_kexec(board)
    fragment = fragment_for_board(board)
    files = _installed_files(board)
    target_files, init_macros = _group(files)
    depends, selects, needs, comment_depends = _dependencies(board, pinned)
    post = _post_script(board, name, board_dir, merged=base is not None)
    fragment_setting = f"$(BR2_EXTERNAL_{name}_PATH)/{board_dir}/{FRAGMENT_NAME}"
    ours = _settings(board, fragment_setting, selects, post)
    standalone: br_standalone.Standalone | None = None
    reason = None
    if base is None:
        planned = br_standalone.plan(board, facts(), name=name, board_dir=board_dir)
        standalone, reason = (None, planned) if isinstance(planned, str) else (planned, None)
    defconfig = _defconfig(board, base, ours, pinned)
    return {
        "board": board,
        "name": name,
        "board_dir": board_dir,
        "defconfig_name": defconfig_name(board),
        "base_defconfig": board.buildroot.defconfig or "<board>_defconfig",
        "fragment": fragment,
        "fragment_path": f"{board_dir}/{FRAGMENT_NAME}",
        "fragment_setting": fragment_setting,
        "fixups": config_fixups(fragment),
        "runtime": files,
        "target_files": target_files,
        "init_macros": init_macros,
        "dump_dir": board.dump.dir,
        "ssh_key": board.dump.ssh.key if board.dump.ssh else None,
        "pinned": pinned,
        "buildroot_kexec": facts()["kexec_version"],
        "depends": depends,
        "selects": selects,
        "needs": needs,
        "comment_depends": comment_depends,
        "help": _help(board, pinned),
        "final_action": FINAL_ACTIONS[board.dump.final_action],
        "init_symbol": facts()["init_symbols"][board.init],
        "post": post,
        "post_scripts": [post["setting"]],
        "base": base,
        "defconfig": defconfig,
        "standalone": standalone,
        "standalone_settings": [(s, br_merge.written(v, q)) for s, v, q in standalone.settings]
        if standalone
        else [],
        "standalone_reason": reason,
        "settings_path": f"{board_dir}/{SETTINGS_NAME}",
        "marker": marker(board),
        "buildroot_release": facts()["release"],
        **{
            k: post[k]
            for k in (
                "format",
                "stage",
                "files",
                "crashkernel",
                "qemu_memory",
                "boot_script",
                "mkimage_arch",
            )
        },
    }


def generate(
    board: Board, *, name: str | None = None, buildroot_dir: Path | None = None
) -> dict[str, GeneratedFile]:
    """The BR2_EXTERNAL tree for `board`, in memory.

    With `buildroot_dir` (or the board's buildroot.base_defconfig) the defconfig
    is merged over the board's base defconfig, which is read here.
    """
    ctx = context(board, name, br_merge.read_base(board, buildroot_dir))

    def tpl(template: str, **extra: Any) -> GeneratedFile:
        return GeneratedFile.text(render(f"buildroot/{template}", **ctx, **extra))

    pkg = f"package/{PACKAGE}"
    tree: dict[str, GeneratedFile] = {
        "external.desc": tpl("external.desc"),
        "external.mk": tpl("external.mk"),
        "Config.in": tpl("Config.in"),
        "README.md": tpl("README.md"),
        f"{pkg}/Config.in": tpl("package/kdump-init/Config.in"),
        f"{pkg}/{PACKAGE}.mk": tpl("package/kdump-init/kdump-init.mk"),
        ctx["fragment_path"]: GeneratedFile.text(ctx["fragment"]),
        f"{ctx['board_dir']}/{ctx['post']['script']}": GeneratedFile(
            render("buildroot/board/kdump-cmdline.sh", **ctx).encode("utf-8"), EXEC_MODE
        ),
        f"configs/{ctx['defconfig_name']}": tpl("configs/kdump_defconfig"),
    }
    if ctx["standalone"]:
        tree[ctx["settings_path"]] = tpl("board/kdump.defconfig")
        for path, content in ctx["standalone"].files:
            tree[path] = GeneratedFile.text(content)
    for f in ctx["runtime"]:
        # Files in a package directory are not executable (check-package);
        # kdump-init.mk installs them with their mode.
        tree[f"{pkg}/{f.name}"] = GeneratedFile.text(f.text)
    if ctx["pinned"]:
        release = kexec_release(board, ctx["pinned"])
        sub = f"package/{PINNED_PACKAGE}"
        extra = {"version": ctx["pinned"], "release": release}
        tree[f"{sub}/Config.in"] = tpl(f"{sub}/Config.in", **extra)
        tree[f"{sub}/{PINNED_PACKAGE}.mk"] = tpl(f"{sub}/{PINNED_PACKAGE}.mk", **extra)
        tree[f"{sub}/{PINNED_PACKAGE}.hash"] = tpl(f"{sub}/{PINNED_PACKAGE}.hash", **extra)
    return dict(sorted(tree.items()))
