"""The defconfig merged over a base given at generation (--buildroot-dir, buildroot.base_defconfig).

The bases in data/buildroot-base/configs/ are written for these tests in the
shape of Buildroot 2026.x's qemu_x86_64, pc_x86_64_efi, raspberrypi4_64 and
beaglebone defconfigs. The merged defconfig keeps the base's lines and list
entries, puts ours after them, says what it replaced, parses as Kconfig, and
passes `kdumplayer check --buildroot`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import kconfiglib
import pytest

from kdumplayer.board.model import load_board
from kdumplayer.errors import UserError
from kdumplayer.generate import br_conventions as conv
from kdumplayer.generate import br_merge, buildroot
from kdumplayer.output import GeneratedFile, write_tree
from tests.check.conftest import KERNEL_61, KERNEL_612
from tests.conftest import REPO, run_cli

BASE = Path(__file__).resolve().parent / "data" / "buildroot-base"
BOARDS = REPO / "board-configs"


def ext(board: str) -> str:
    ident = board.replace("-", "_").upper()
    return f"$(BR2_EXTERNAL_KDUMP_{ident}_PATH)/board/{board}"


# (board file, the lists of the merged defconfig, BR2_ROOTFS_POST_SCRIPT_ARGS,
#  what the header's notes say)
CASES = [
    (
        "qemu-x86_64",
        {
            "BR2_ROOTFS_POST_BUILD_SCRIPT": ["board/qemu/x86_64/post-build.sh"],
            "BR2_ROOTFS_POST_IMAGE_SCRIPT": [
                "board/qemu/post-image.sh",
                f"{ext('qemu-x86_64')}/post-image.sh",
            ],
            "BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES": [
                f"{ext('qemu-x86_64')}/linux-kdump.fragment"
            ],
            "BR2_GLOBAL_PATCH_DIR": ["board/qemu/patches"],
        },
        "$(TOPDIR)/configs/qemu_x86_64_defconfig",
        ["passes $(TOPDIR)/configs/qemu_x86_64_defconfig where the base passes $(BR2_DEFCONFIG)"],
    ),
    (
        "pc-x86_64-grub",
        {
            "BR2_ROOTFS_POST_BUILD_SCRIPT": [
                "board/pc/post-build.sh",
                f"{ext('pc-x86_64-grub')}/post-build.sh",
            ],
            "BR2_ROOTFS_POST_IMAGE_SCRIPT": ["board/pc/post-image-efi.sh"],
            "BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES": [
                f"{ext('pc-x86_64-grub')}/linux-kdump.fragment"
            ],
        },
        None,
        [
            "BR2_INIT_BUSYBOX (Buildroot's default; the base sets no BR2_INIT_*) is replaced by "
            "BR2_INIT_SYSTEMD",
            "BR2_LINUX_KERNEL_INSTALL_TARGET was unset in the base.",
        ],
    ),
    (
        "raspberrypi4-64",
        {
            "BR2_ROOTFS_POST_BUILD_SCRIPT": [
                "board/raspberrypi4-64/post-build.sh",
                f"{ext('raspberrypi4-64')}/post-build.sh",
            ],
            "BR2_ROOTFS_POST_IMAGE_SCRIPT": ["board/raspberrypi4-64/post-image.sh"],
            "BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES": [
                "board/raspberrypi4-64/linux-4k-page-size.fragment",
                f"{ext('raspberrypi4-64')}/linux-kdump.fragment",
            ],
            "BR2_ROOTFS_OVERLAY": ["board/raspberrypi4-64/rootfs_overlay"],
        },
        None,
        ["BR2_INIT_SYSV of the base is replaced by BR2_INIT_BUSYBOX"],
    ),
    (
        "beaglebone-black",
        {
            "BR2_ROOTFS_POST_BUILD_SCRIPT": [
                "board/beaglebone/post-build.sh",
                f"{ext('beaglebone-black')}/post-build.sh",
            ],
            "BR2_ROOTFS_POST_IMAGE_SCRIPT": ["support/scripts/genimage.sh"],
            "BR2_ROOTFS_OVERLAY": ["board/beaglebone/rootfs_overlay"],
        },
        "-c board/beaglebone/genimage.cfg",
        [
            "BR2_INIT_BUSYBOX (Buildroot's default; the base sets no BR2_INIT_*) is replaced by "
            "BR2_INIT_SYSV"
        ],
    ),
]
IDS = [c[0] for c in CASES]
INITS = {"BR2_INIT_BUSYBOX", "BR2_INIT_SYSV", "BR2_INIT_OPENRC", "BR2_INIT_SYSTEMD"}


@cache
def merged_tree(board: str) -> dict[str, GeneratedFile]:
    return buildroot.generate(load_board(BOARDS / f"{board}.yaml"), buildroot_dir=BASE)


def defconfig_of(board: str, tree: dict[str, GeneratedFile] | None = None) -> str:
    tree = tree or merged_tree(board)
    return next(f.content.decode() for p, f in tree.items() if p.startswith("configs/"))


def assignments(text: str) -> dict[str, str]:
    """symbol -> unquoted value ("n" for is not set); a symbol set twice fails."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if match := re.match(r"^(BR2_\w+)=(.*)$", line):
            key, value = match[1], match[2]
            value = re.sub(r"\\(.)", r"\1", value[1:-1]) if value.startswith('"') else value
        elif match := re.match(r"^# (BR2_\w+) is not set$", line):
            key, value = match[1], "n"
        else:
            continue
        assert key not in found, f"{key} set twice"
        found[key] = value
    return found


def base_of(board: str) -> dict[str, str]:
    name = load_board(BOARDS / f"{board}.yaml").buildroot.defconfig
    return assignments((BASE / "configs" / str(name)).read_text())


@pytest.mark.parametrize(("board", "lists", "args", "notes"), CASES, ids=IDS)
def test_lists_keep_the_bases_entries_then_ours(
    board: str, lists: dict[str, list[str]], args: str | None, notes: list[str]
) -> None:
    merged = assignments(defconfig_of(board))
    for symbol, words in lists.items():
        assert merged[symbol].split() == words, symbol
    assert merged.get("BR2_ROOTFS_POST_SCRIPT_ARGS") == args
    # Every other setting of the base is there, unchanged, unless ours replaced it.
    ours = {
        "BR2_LINUX_KERNEL_INSTALL_TARGET": "y",
        "BR2_PACKAGE_KDUMP_INIT": "y",
        "BR2_DOWNLOAD_FORCE_CHECK_HASHES": "y",
    }
    for symbol, value in base_of(board).items():
        if symbol in lists or symbol == "BR2_ROOTFS_POST_SCRIPT_ARGS":
            continue
        if symbol in INITS:
            assert symbol not in merged or merged[symbol] == "y"
            continue
        assert merged[symbol] == ours.get(symbol, value), symbol
    assert {k: merged[k] for k in ours} == ours


@pytest.mark.parametrize(("board", "lists", "args", "notes"), CASES, ids=IDS)
def test_header_names_the_base_and_what_changed(
    board: str, lists: dict[str, list[str]], args: str | None, notes: list[str]
) -> None:
    text = defconfig_of(board)
    name = load_board(BOARDS / f"{board}.yaml").buildroot.defconfig
    digest = br_merge.hashlib.sha256((BASE / "configs" / str(name)).read_bytes()).hexdigest()
    assert f"# Base: configs/{name} (from --buildroot-dir)\n" in text
    assert f"# Base sha256: {digest}\n" in text
    header = " ".join(
        line[2:].strip(" -")
        for line in text.splitlines()
        if line.startswith("#") and not line.endswith("is not set")
    )
    for note in notes:
        assert note in header
    # One init system, the board's, and nothing else of the choice.
    init = buildroot.facts()["init_symbols"][load_board(BOARDS / f"{board}.yaml").init]
    assert [k for k in assignments(text) if k in INITS] == [init]


@pytest.mark.parametrize("board", IDS)
def test_merged_tree_follows_conventions_and_is_deterministic(board: str) -> None:
    tree = merged_tree(board)
    assert conv.check_tree(tree) == []
    again = buildroot.generate(load_board(BOARDS / f"{board}.yaml"), buildroot_dir=BASE)
    assert again == tree
    # The settings-only tree differs in the defconfig, the stage of the script
    # (post-build after the base's, not post-fakeroot) and the README only.
    plain = buildroot.generate(load_board(BOARDS / f"{board}.yaml"))
    changed = {p for p in set(tree) | set(plain) if tree.get(p) != plain.get(p)}
    # Without the base it also configures the kernel by itself: the kdump settings
    # alone for a merge, and the kernel tarball's hash files.
    own = {p for p in plain if p not in tree and not re.match(r"board/[^/]+/post-\w+\.sh$", p)}
    assert {re.sub(r"^board/[^/]+/", "", p) for p in own} == {
        "kdump.defconfig",
        "patches/linux/linux.hash",
        "patches/linux-headers/linux-headers.hash",
    }
    assert {p for p in changed - own if not re.match(r"board/[^/]+/post-\w+\.sh$", p)} == {
        "README.md",
        next(p for p in tree if p.startswith("configs/")),
    }
    # The tree's README: build as it is, or merge over the base.
    defconfig = next(p for p in tree if p.startswith("configs/")).split("/")[1]
    readme = tree["README.md"].content.decode()
    assert f"    make BR2_EXTERNAL=/path/to/this/tree {defconfig}\n    make\n" in readme
    assert "merge_config.sh" not in readme
    assert "merge_config.sh" in plain["README.md"].content.decode()


def test_scripts_pass_shellcheck(tmp_path: Path) -> None:
    files = []
    for board in IDS:
        for path, item in merged_tree(board).items():
            if path.startswith("board/") and path.endswith(".sh"):
                target = tmp_path / board / Path(path).name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(item.content)
                files.append(str(target))
    assert len(files) == len(IDS)
    result = subprocess.run(["shellcheck", "-s", "sh", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# --- Kconfig: the merged defconfig loads as written ---------------------------------------


def _stub_kconfig(
    tmp_path: Path, tree: dict[str, GeneratedFile], defconfig: str, name: str
) -> kconfiglib.Kconfig:
    """The tree's Config.in under a stub top level declaring the symbols the
    defconfig and the tree use: the init system as Buildroot's choice, the
    tree's dependencies met, the other symbols bool or string by their value."""
    write_tree(tmp_path / "tree", tree)
    configs = "".join(f.content.decode() for p, f in tree.items() if p.endswith("Config.in"))
    defined = set(re.findall(r"^config (BR2_\w+)", configs, re.M))
    values = assignments(defconfig)
    used = (set(re.findall(r"\bBR2_[A-Za-z0-9_]+", configs)) | set(values)) - defined - INITS
    stubs = []
    for symbol in sorted(u for u in used if not u.startswith("BR2_EXTERNAL_")):
        if symbol in values and values[symbol] not in ("y", "n"):
            stubs.append(f'config {symbol}\n\tstring "{symbol}"\n')
        else:
            default = "n" if symbol == "BR2_STATIC_LIBS" or symbol in values else "y"
            stubs.append(f'config {symbol}\n\tbool "{symbol}"\n\tdefault {default}\n')
    choice = "".join(f'config {s}\n\tbool "{s}"\n' for s in sorted(INITS))
    top = tmp_path / "Config.in"
    top.write_text(
        f'mainmenu "stub"\n\nchoice\n\tprompt "Init system"\n\tdefault BR2_INIT_BUSYBOX'
        f"\n\n{choice}\nendchoice\n\n"
        + "\n".join(stubs)
        + f'\nsource "$BR2_EXTERNAL_{name}_PATH/Config.in"\n'
    )
    # Buildroot's symbols carry their BR2_ prefix: no CONFIG_ prefix in .config.
    env = {f"BR2_EXTERNAL_{name}_PATH": str(tmp_path / "tree"), "CONFIG_": ""}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return kconfiglib.Kconfig(str(top), warn_to_stderr=False)
    finally:
        for key, value in saved.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value


@pytest.mark.parametrize("board", IDS)
def test_defconfig_loads_in_kconfig(board: str, tmp_path: Path) -> None:
    tree = merged_tree(board)
    text = defconfig_of(board)
    loaded = load_board(BOARDS / f"{board}.yaml")
    kconf = _stub_kconfig(tmp_path, tree, text, loaded.buildroot.external_name)
    path = tmp_path / "defconfig"
    path.write_text(text)
    kconf.load_config(str(path))
    assert kconf.warnings == []
    for symbol, value in assignments(text).items():
        assert kconf.syms[symbol].str_value == value, symbol
    init = buildroot.facts()["init_symbols"][loaded.init]
    assert kconf.syms[init].choice.selection is kconf.syms[init]
    # What the package selects follows from the defconfig alone.
    assert kconf.syms["BR2_PACKAGE_KEXEC"].str_value == "y"


# --- the kdump checker passes on the merged defconfig ---------------------------------------

CHECKED = [("qemu-x86_64", "6.1."), ("pc-x86_64-grub", "6.12.")]


@pytest.mark.parametrize(("board", "version"), CHECKED, ids=[c[0] for c in CHECKED])
def test_kdump_check_passes(board: str, version: str, tmp_path: Path) -> None:
    external = tmp_path / "external"
    write_tree(external, merged_tree(board))
    defconfig = next((external / "configs").glob("*_defconfig"))
    result = run_cli(
        "check",
        "--buildroot",
        defconfig,
        "--br2-external",
        external,
        "--buildroot-dir",
        BASE,
        "--kernel-src",
        f"6.1={KERNEL_61}",
        "--kernel-src",
        f"6.12={KERNEL_612}",
        "--format",
        "json",
    )
    data = json.loads(result.out)["results"][0]
    assert result.code == 0, json.dumps(data, indent=1)
    assert data["kernel"]["version"].startswith(version)  # the base's kernel version chose
    assert [f["check"] for f in data["buildroot"] if f["ok"]] == [
        "kdump-package",
        "kdump-service",
        "install-target",
        "crashkernel",
    ]


# --- the base from the board file, --check, refusals ------------------------------------------


def board_with(tmp_path: Path, board: str, base: str, text: str | None = None) -> Path:
    """A copy of a board file next to a base defconfig, naming it as buildroot.base_defconfig."""
    target = tmp_path / "bases" / base
    target.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        shutil.copy(BASE / "configs" / base, target)
    else:
        target.write_text(text)
    path = tmp_path / f"{board}.yaml"
    path.write_text(
        (BOARDS / f"{board}.yaml")
        .read_text()
        .replace("buildroot:\n", f"buildroot:\n  base_defconfig: bases/{base}\n")
    )
    return path


def test_board_key_gives_the_same_defconfig(tmp_path: Path) -> None:
    board = load_board(board_with(tmp_path, "qemu-x86_64", "qemu_x86_64_defconfig"))
    tree = buildroot.generate(board)
    text = defconfig_of("qemu-x86_64", tree)
    assert "# Base: bases/qemu_x86_64_defconfig (buildroot.base_defconfig)\n" in text
    want = defconfig_of("qemu-x86_64").replace(
        "configs/qemu_x86_64_defconfig (from --buildroot-dir)",
        "bases/qemu_x86_64_defconfig (buildroot.base_defconfig)",
    )
    assert text == want
    # --buildroot-dir on the command line wins over the board's key.
    assert defconfig_of(
        "qemu-x86_64", buildroot.generate(board, buildroot_dir=BASE)
    ) == defconfig_of("qemu-x86_64")


def test_qemu_base_without_the_start_script_writer_gets_it(tmp_path: Path) -> None:
    text = (
        (BASE / "configs" / "qemu_x86_64_defconfig")
        .read_text()
        .replace(
            'BR2_ROOTFS_POST_IMAGE_SCRIPT="board/qemu/post-image.sh"\n',
            'BR2_ROOTFS_POST_IMAGE_SCRIPT="board/mine/post-image.sh"\n',
        )
    )
    tree = buildroot.generate(load_board(board_with(tmp_path, "qemu-x86_64", "x_defconfig", text)))
    assert assignments(defconfig_of("qemu-x86_64", tree))[
        "BR2_ROOTFS_POST_IMAGE_SCRIPT"
    ].split() == [
        "board/mine/post-image.sh",
        "board/qemu/post-image.sh",
        f"{ext('qemu-x86_64')}/post-image.sh",
    ]


def test_check_notices_a_changed_base(tmp_path: Path) -> None:
    top = tmp_path / "buildroot"
    shutil.copytree(BASE / "configs", top / "configs")
    out = tmp_path / "br"
    board = BOARDS / "qemu-x86_64.yaml"
    assert run_cli("generate", "buildroot", board, "-o", out, "--buildroot-dir", top).code == 0
    fresh = run_cli("generate", "buildroot", board, "-o", out, "--buildroot-dir", top, "--check")
    assert fresh.code == 0, fresh.out
    # Without the base, the tree on disk is not the settings-only one.
    assert run_cli("generate", "buildroot", board, "-o", out, "--check").code == 1
    base = top / "configs" / "qemu_x86_64_defconfig"
    base.write_text(base.read_text().replace('"eth0"', '"eth1"'))
    stale = run_cli("generate", "buildroot", board, "-o", out, "--buildroot-dir", top, "--check")
    assert stale.code == 1
    assert '-BR2_SYSTEM_DHCP="eth0"\n+BR2_SYSTEM_DHCP="eth1"' in stale.out
    assert "-# Base sha256: " in stale.out and "+# Base sha256: " in stale.out


def _no_kernel(text: str) -> str:
    return re.sub(r"^BR2_LINUX_KERNEL.*\n", "", text, flags=re.M)


# (id, board, base name, base text change, message)
REFUSED = [
    (
        "other-arch",
        "qemu-arm64",
        "qemu_x86_64_defconfig",
        None,
        "the base is for x86_64 (BR2_x86_64=y); the board is arm64",
    ),
    ("no-kernel", "qemu-x86_64", "qemu_x86_64_defconfig", _no_kernel, "the base builds no kernel"),
    (
        "bad-line",
        "qemu-x86_64",
        "qemu_x86_64_defconfig",
        lambda t: t + "BR2_SYSTEM_DHCP\n",
        "not a Buildroot defconfig line",
    ),
    (
        "unterminated",
        "qemu-x86_64",
        "qemu_x86_64_defconfig",
        lambda t: t + 'BR2_TARGET_GENERIC_HOSTNAME="kdump\n',
        "unterminated string",
    ),
]


@pytest.mark.parametrize(
    ("board", "base", "change", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused_bases(board: str, base: str, change, message: str, tmp_path: Path) -> None:
    text = (BASE / "configs" / base).read_text()
    path = board_with(tmp_path, board, base, change(text) if change else text)
    result = run_cli("generate", "buildroot", path, "-o", tmp_path / "out")
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert line.startswith(f"kdumplayer: error: {tmp_path / 'bases' / base}")
    assert message in line
    assert not (tmp_path / "out").exists()


def test_refused_options(tmp_path: Path) -> None:
    board = BOARDS / "qemu-x86_64.yaml"
    missing = run_cli(
        "generate", "buildroot", board, "-o", tmp_path / "o", "--buildroot-dir", tmp_path
    )
    assert (
        missing.code == 2
        and "no configs/qemu_x86_64_defconfig in the Buildroot tree" in missing.err
    )
    yocto = run_cli("generate", "yocto", board, "-o", tmp_path / "o", "--buildroot-dir", BASE)
    assert yocto.code == 2 and "--buildroot-dir is not used by the yocto generator" in yocto.err
    nameless = dataclasses.replace(
        load_board(board),
        buildroot=dataclasses.replace(load_board(board).buildroot, defconfig=None),
    )
    with pytest.raises(UserError) as err:
        buildroot.generate(nameless, buildroot_dir=BASE)
    assert err.value.key == "buildroot.defconfig"
    path = board_with(tmp_path, "qemu-x86_64", "gone_defconfig", "")
    (tmp_path / "bases" / "gone_defconfig").unlink()
    gone = run_cli("generate", "buildroot", path, "-o", tmp_path / "o")
    assert gone.code == 2 and ": buildroot.base_defconfig: " in gone.err
    assert "gone_defconfig: no such file" in gone.err


def test_pinned_kexec_turns_the_bases_kexec_off(tmp_path: Path) -> None:
    text = (BASE / "configs" / "qemu_x86_64_defconfig").read_text() + "BR2_PACKAGE_KEXEC=y\n"
    board = load_board(board_with(tmp_path, "legacy-x86_64-2.6.32", "kexec_defconfig", text))
    tree = buildroot.generate(board)
    merged = defconfig_of(board.name, tree)
    assert "\n# BR2_PACKAGE_KEXEC is not set\n" in merged
    assert "BR2_PACKAGE_KEXEC=y of the base is turned off: kdump-kexec-tools" in merged
    # kdump-kexec-tools depends on !BR2_PACKAGE_KEXEC: with the base's kexec
    # left on, Kconfig would drop it (and kdump-init with it).
    kconf = _stub_kconfig(tmp_path, tree, merged, board.buildroot.external_name)
    path = tmp_path / "defconfig"
    path.write_text(merged)
    kconf.load_config(str(path))
    assert kconf.warnings == []
    assert kconf.syms["BR2_PACKAGE_KDUMP_KEXEC_TOOLS"].str_value == "y"
    assert kconf.syms["BR2_PACKAGE_KDUMP_INIT"].str_value == "y"


def test_generate_all_gives_the_base_to_buildroot_only(tmp_path: Path) -> None:
    result = run_cli(
        "generate", "all", BOARDS / "qemu-x86_64.yaml", "-o", tmp_path, "--buildroot-dir", BASE
    )
    assert result.code == 0, result.err
    text = (tmp_path / "buildroot/configs/qemu_x86_64_kdump_defconfig").read_text()
    assert text == defconfig_of("qemu-x86_64")


# A board value that would add a line to the defconfig is refused at generation.
INJECTED = [
    ("base-newline", '  base_defconfig: "bases/x\\nBR2_EVIL=y"\n', "buildroot.base_defconfig"),
    ("name-newline", '  defconfig: "qemu_x86_64_defconfig\\nBR2_EVIL=y"\n', "buildroot.defconfig"),
    ("name-quote", "  defconfig: 'qemu\"_defconfig'\n", "buildroot.defconfig"),
]


@pytest.mark.parametrize(("line", "key"), [c[1:] for c in INJECTED], ids=[c[0] for c in INJECTED])
def test_injection_through_the_base_is_refused(line: str, key: str, tmp_path: Path) -> None:
    text = (
        (BOARDS / "qemu-x86_64.yaml")
        .read_text()
        .replace("  defconfig: qemu_x86_64_defconfig\n", line)
    )
    board = tmp_path / "board.yaml"
    board.write_text(text)
    result = run_cli("generate", "buildroot", board, "-o", tmp_path / "out")
    assert result.code == 2, result.err
    assert f": {key}: " in result.err
    assert not (tmp_path / "out").exists()
