"""The Yocto layer for a board: which files, rendered from recipes/yocto/ with what values.

The layer adds kdump to an image when `kdump` is in DISTRO_FEATURES and changes
nothing otherwise: every change to another layer's recipe sits in a .inc that a
bbappend requires only under that feature, and the board's variables (the
crashkernel= command line, QB_MEM, the image's packages) come through a class
that conf/layer.conf inherits only under it. The kdump-init recipe installs the
runtime files (kdumplayer.runtime) at exactly their target paths, the layout
the QEMU proof boots. Release facts (versions, which layer ships makedumpfile,
UNPACKDIR) are data in recipes/yocto/releases.yaml.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from kdumplayer.board.model import COMPRESSION_FLAGS, Board
from kdumplayer.errors import UserError
from kdumplayer.fragment import fragment_for_board
from kdumplayer.output import GeneratedFile
from kdumplayer.paths import RECIPES_DIR
from kdumplayer.render import render
from kdumplayer.runtime import RuntimeFile, runtime_files

RELEASES_FILE = RECIPES_DIR / "yocto" / "releases.yaml"
RECIPE_DIR = "recipes-kernel/kdump-init"
KERNEL_DIR = "recipes-kernel/linux"
MAKEDUMPFILE_DIR = "recipes-kernel/makedumpfile"
# Target directories and the BitBake variables that name them, longest first. Each
# variable's value is the directory on every release (usrmerge for systemd units,
# which oe-core's systemd requires), so the install paths stay the runtime's own.
DIR_VARS = (
    ("/usr/lib/systemd/system", "${systemd_system_unitdir}"),
    ("/etc/init.d", "${sysconfdir}/init.d"),
    ("/usr/sbin", "${sbindir}"),
    ("/usr/bin", "${bindir}"),
    ("/etc", "${sysconfdir}"),
)
COMPRESSION_PACKAGECONFIG = ("lzo", "snappy", "zstd")  # makedumpfile build options
LAYER_PRIORITY = 6


@dataclass(frozen=True)
class LayerFile:
    """A runtime file as the recipe installs it."""

    name: str
    path: str  # with BitBake directory variables
    mode: int
    install_path: str  # the literal target path


@cache
def facts() -> dict[str, Any]:
    with RELEASES_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def default_dirname(board: Board, *, name: str | None = None) -> str:
    """The layer's directory name: --name, else yocto.layer (meta-kdump-<board>)."""
    return layer_name(board, name)


def layer_name(board: Board, name: str | None) -> str:
    layer = name or board.yocto.layer
    if not re.fullmatch(r"meta-[a-z0-9-]+", layer):  # fullmatch: no trailing newline
        raise UserError(f"{layer!r} is not a layer name such as meta-kdump-myboard", key="--name")
    return layer


def bitbake_path(path: str) -> str:
    """`path` with its directory replaced by the BitBake variable naming it."""
    for prefix, var in DIR_VARS:
        if path.startswith(prefix + "/"):
            return var + path[len(prefix) :]
    raise ValueError(f"no BitBake directory variable for {path}")


def bsp_collection(board: Board) -> str | None:
    """The BSP layer collection the kernel recipe comes from (None: core or unknown)."""
    if board.kernel.recipe.startswith("linux-yocto"):
        return None
    entry = facts()["bsp"].get(board.yocto.machine or "") or {}
    return entry.get("collection")


def kernel_dir(board: Board) -> str:
    """Where the kernel bbappend and its files go: BSP kernels under dynamic-layers/."""
    collection = bsp_collection(board)
    return f"dynamic-layers/{collection}/{KERNEL_DIR}" if collection else KERNEL_DIR


def kernel_image_package(board: Board) -> str:
    """kernel.bbclass packages KERNEL_IMAGETYPE X as kernel-image-<x lowercase>."""
    return f"kernel-image-{board.kernel.image.lower()}"


def _release_facts(board: Board) -> list[dict[str, Any]]:
    table = facts()["releases"]
    return [dict(table[r], name=r) for r in board.yocto.releases]


def _runtime(board: Board) -> list[RuntimeFile]:
    return list(runtime_files(board))


def _fragment(board: Board) -> str:
    return fragment_for_board(board)


def _target_path(path: str) -> str:
    """`path` with a BitBake directory variable where one names its directory."""
    try:
        return bitbake_path(path)
    except ValueError:
        return path


def _rdepends(board: Board) -> list[str]:
    deps = ["kexec", "vmcore-dmesg"]
    if board.dump.collector == "makedumpfile":
        deps.append("makedumpfile")
    if board.capture.kernel == "same":
        deps.append(kernel_image_package(board))
    if board.dump.ssh is not None:
        deps.append(facts()["ssh_clients"][board.dump.ssh.client])
    return sorted(deps)


def _meta_oe_releases(board: Board, releases: list[dict[str, Any]]) -> list[str]:
    """The claimed releases on which makedumpfile comes from meta-oe, not oe-core."""
    if board.dump.collector != "makedumpfile":
        return []
    return [r["name"] for r in releases if r["makedumpfile"]["layer"] != "core"]


def _layerdepends(board: Board, releases: list[dict[str, Any]]) -> list[str]:
    """The dependencies on every release (meta-oe's is added by release in layer.conf)."""
    return ["core"]


def _init(board: Board, files: list[LayerFile]) -> dict[str, Any]:
    """How kdump-init hooks into the board's init system."""
    ctx: dict[str, Any] = {
        "init_class": "update-rc.d",
        "initscript": None,
        "initscript_priority": None,
        "systemd_service": None,
        "openrc_runlevel": None,
        "openrc_runlevel_var": None,
        "openrc_service": None,
    }
    if board.init == "systemd":
        unit = next(f for f in files if f.install_path.endswith(".service"))
        ctx.update(init_class="systemd", systemd_service=unit.install_path.rsplit("/", 1)[1])
        return ctx
    script = next(f for f in files if f.install_path.startswith("/etc/init.d/"))
    name = script.install_path.rsplit("/", 1)[1]
    match = re.match(r"^S([0-9]{2})", name)
    ctx.update(initscript=name, initscript_priority=match.group(1) if match else "90")
    if board.init == "openrc":
        ctx.update(
            openrc_runlevel=script.install_path,
            openrc_runlevel_var=script.path,
            openrc_service=name,
        )
    return ctx


def _kas(
    board: Board, layer: str, releases: list[dict[str, Any]], layerdepends: list[str]
) -> dict[str, Any]:
    """Values for the kas file: the board's first release, its BSP layer if known."""
    data = facts()
    release = releases[0]
    return {
        "release": release,
        "bsp": data["bsp"].get(board.yocto.machine or ""),
        "meta_oe": release["name"] in _meta_oe_releases(board, releases),
        "init_manager": data["init_manager"][board.init],
        "layer": layer,
    }


def context(board: Board, name: str | None = None) -> dict[str, Any]:
    """Everything the templates need, computed once."""
    layer = layer_name(board, name)
    collection = layer.removeprefix("meta-")
    releases = _release_facts(board)
    runtime = _runtime(board)
    files = [
        LayerFile(f.name, bitbake_path(f.install_path), f.mode, f.install_path) for f in runtime
    ]
    all_unpackdir = all(r["unpackdir"] for r in releases)
    layerdepends = _layerdepends(board, releases)
    memory_mb = board.memory >> 20
    compression = board.dump.compression if board.dump.collector == "makedumpfile" else "none"
    ctx: dict[str, Any] = {
        "board": board,
        "layer": layer,
        "collection": collection,
        "priority": LAYER_PRIORITY,
        "releases": [r["name"] for r in releases],
        "release_facts": releases,
        "layerdepends": layerdepends,
        "meta_oe_releases": _meta_oe_releases(board, releases),
        "class_name": collection.replace("-", "_"),  # oelint: no - in class names
        "cmdline_vars": facts()["cmdline_vars"][board.bootloader.type],
        "qb_mem": f"{memory_mb}" if board.bootloader.type == "qemu" else None,
        "files": files,
        "runtime": runtime,
        "unpackdir": "unpackdir" if all_unpackdir else "either",
        "srcdir": "${UNPACKDIR}"
        if all_unpackdir
        else "${@d.getVar('UNPACKDIR') or d.getVar('WORKDIR')}",
        "machine": board.yocto.machine,
        "bsp_collection": bsp_collection(board),
        "kernel_dir": kernel_dir(board),
        "rdepends": _rdepends(board),
        "ssh_key": _target_path(board.dump.ssh.key) if board.dump.ssh else None,
        "kernel_features": ["features/kexec/kexec-enable.scc", "features/kdump/kdump-enable.scc"]
        if board.kernel.recipe.startswith("linux-yocto")
        else [],
        "compression": compression if compression in COMPRESSION_PACKAGECONFIG else None,
        "compression_flag": COMPRESSION_FLAGS.get(compression) or "",
        "kernel_image_package": kernel_image_package(board),
        "maintainer": facts()["maintainer"],
        "email": facts()["email"],
    }
    ctx["license"] = render("yocto/COPYING.MIT", **ctx)
    ctx["license_md5"] = hashlib.md5(ctx["license"].encode("utf-8")).hexdigest()
    ctx.update(_init(board, files))
    ctx["kas"] = _kas(board, layer, releases, layerdepends)
    ctx["caveats"] = _caveats(board, releases)
    return ctx


def _caveats(board: Board, releases: list[dict[str, Any]]) -> list[str]:
    """What the README must say the layer cannot do on some chosen release."""
    notes = []
    if board.arch.name == "riscv64":
        old = [r["name"] for r in releases if not r["kexec_riscv64"]]
        if old:
            notes.append(
                f"oe-core's kexec-tools does not build for riscv64 on {', '.join(old)} "
                "(COMPATIBLE_HOST; riscv64 support came with kexec-tools 2.0.32): "
                "provide a newer kexec-tools recipe there."
            )
    if board.init == "systemd":
        split = [r["name"] for r in releases if not r["usrmerge"]]
        if split:
            notes.append(
                f"On {', '.join(split)} without the usrmerge distro feature, "
                "${systemd_system_unitdir} is /lib/systemd/system: the unit is installed there."
            )
    if board.kexec_tools:
        shipped = sorted({r["kexec_tools"] for r in releases})
        if shipped != [board.kexec_tools]:
            notes.append(
                f"The board pins kexec-tools {board.kexec_tools}; oe-core ships "
                f"{', '.join(shipped)} on the chosen releases, and the layer uses oe-core's."
            )
    return notes


def _files(ctx: dict[str, Any]) -> dict[str, str]:
    """Relative path -> rendered text."""
    board: Board = ctx["board"]
    recipe = board.kernel.recipe
    kdir = kernel_dir(board)
    out = {
        "conf/layer.conf": render("yocto/layer.conf", **ctx),
        f"conf/kdump/{board.ident}.conf": render("yocto/board.conf", **ctx),
        f"classes/{ctx['class_name']}.bbclass": render("yocto/kdump.bbclass", **ctx),
        f"{kdir}/{recipe}_%.bbappend": render("yocto/kernel.bbappend", **ctx),
        f"{kdir}/linux-kdump.inc": render("yocto/linux-kdump.inc", **ctx),
        f"{kdir}/linux-kdump-merge.inc": render("yocto/linux-kdump-merge.inc", **ctx),
        f"{kdir}/files/kdump.cfg": _fragment(board),
        f"{RECIPE_DIR}/kdump-init_1.0.bb": render("yocto/kdump-init.bb", **ctx),
        "README.md": render("yocto/README.md", **ctx),
        "SECURITY.md": render("yocto/SECURITY.md", **ctx),
        "COPYING.MIT": ctx["license"],
        f"{RECIPE_DIR}/files/COPYING.MIT": ctx["license"],
        f"kas-{board.name}.yml": render("yocto/kas.yml", **ctx),
    }
    if ctx["compression"]:
        out[f"{MAKEDUMPFILE_DIR}/makedumpfile_%.bbappend"] = render(
            "yocto/makedumpfile.bbappend", **ctx
        )
        out[f"{MAKEDUMPFILE_DIR}/makedumpfile-kdump.inc"] = render(
            "yocto/makedumpfile-kdump.inc", **ctx
        )
    return out


def generate(board: Board, *, name: str | None = None) -> dict[str, GeneratedFile]:
    """The layer as relative path -> GeneratedFile, computed in memory."""
    ctx = context(board, name)
    tree = {path: GeneratedFile.text(text) for path, text in _files(ctx).items()}
    for item in ctx["runtime"]:
        # Files in a layer are data for the recipe: not executable (install -m sets the mode).
        tree[f"{RECIPE_DIR}/files/{item.name}"] = GeneratedFile.text(item.text)
    return dict(sorted(tree.items()))
