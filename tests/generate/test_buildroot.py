"""The Buildroot BR2_EXTERNAL tree: structure, content, install layout, Kconfig, --check."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from functools import cache
from pathlib import Path

import kconfiglib
import pytest

from kdumplayer.board.model import Board, BootloaderSpec, CrashkernelSpec, load_board
from kdumplayer.crashkernel import grammar as ck
from kdumplayer.fragment import fragment_for_board
from kdumplayer.generate import buildroot
from kdumplayer.output import GeneratedFile, write_tree
from kdumplayer.runtime import INITS, runtime_files
from tests.conftest import BOARDS, DEFAULT_BOARD, REPO, run_cli

# Every example board. visionfive2 asks for makedumpfile on riscv64, which
# Buildroot does not build: its tree is generated with the cp collector (its
# refusal as written is a test below). The board with an ssh dump target
# (docs/network-targets.md) adds the SSH client and the key's install.
GENERATED = [*BOARDS, REPO / "tests" / "data" / "network" / "ssh-board.yaml"]


@cache
def board_of(path: Path) -> Board:
    board = load_board(path)
    if path.stem == "visionfive2":
        board = dataclasses.replace(
            board, dump=dataclasses.replace(board.dump, collector="cp", compression="none")
        )
    return board


def variant(
    path: Path = DEFAULT_BOARD,
    *,
    bootloader: str | None = None,
    config: str | None = None,
    crashkernel: str | None = None,
    **changes: object,
) -> Board:
    """A board file with a different bootloader, crashkernel= value or other fields."""
    board = board_of(path)
    if bootloader:
        changes["bootloader"] = BootloaderSpec(bootloader, config)
    if crashkernel:
        changes["crashkernel"] = CrashkernelSpec(ck.parse_params(crashkernel), False)
    return dataclasses.replace(board, **changes)  # type: ignore[arg-type]


@cache
def tree_of(path: Path) -> dict[str, GeneratedFile]:
    return buildroot.generate(board_of(path))


def text(tree: dict[str, GeneratedFile], path: str) -> str:
    return tree[path].content.decode("utf-8")


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


# --- structure and content -----------------------------------------------------------------


@pytest.mark.parametrize("path", GENERATED, ids=ids(GENERATED))
def test_structure(path: Path) -> None:
    board = board_of(path)
    tree = tree_of(path)
    script = "post-image.sh" if board.bootloader.type == "qemu" else "post-fakeroot.sh"
    # Written out, not derived from runtime_files(): the package ships the hook,
    # its configuration and the init file of every init system it can install.
    expected = {
        "external.desc",
        "external.mk",
        "Config.in",
        "README.md",
        "package/kdump-init/Config.in",
        "package/kdump-init/kdump-init.mk",
        "package/kdump-init/kdump",
        "package/kdump-init/kdump.conf",
        "package/kdump-init/S95kdump",
        "package/kdump-init/kdump.service",
        "package/kdump-init/kdump.openrc",
        f"board/{board.name}/linux-kdump.fragment",
        f"board/{board.name}/{script}",
        f"configs/{board.ident}_kdump_defconfig",
    }
    # Only legacy-x86_64-2.6.32 pins a release other than Buildroot's own 2.0.32
    # (visionfive2 pins 2.0.32 itself: Buildroot's package serves it).
    if path.stem == "legacy-x86_64-2.6.32":
        expected |= {
            "package/kdump-kexec-tools/kdump-kexec-tools.mk",
            "package/kdump-kexec-tools/kdump-kexec-tools.hash",
            "package/kdump-kexec-tools/Config.in",
        }
    if buildroot.context(board)["standalone"]:  # the kdump settings alone, hash files
        expected |= {
            f"board/{board.name}/kdump.defconfig",
            f"board/{board.name}/patches/linux/linux.hash",
            f"board/{board.name}/patches/linux-headers/linux-headers.hash",
        }
    assert set(tree) == expected
    assert text(tree, "external.desc").startswith(f"name: {board.buildroot.external_name}\n")


@pytest.mark.parametrize("path", GENERATED, ids=ids(GENERATED))
def test_fragment_is_the_boards_and_reaches_the_kernel(path: Path) -> None:
    board = board_of(path)
    tree = tree_of(path)
    fragment = fragment_for_board(board)
    assert text(tree, f"board/{board.name}/linux-kdump.fragment") == fragment
    name = board.buildroot.external_name
    defconfig = text(tree, f"configs/{board.ident}_kdump_defconfig")
    assert (
        f'BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES="$(BR2_EXTERNAL_{name}_PATH)/board/'
        f'{board.name}/linux-kdump.fragment"\n'
    ) in defconfig
    # Every assignment of the fragment is also a LINUX_CONFIG_FIXUPS call.
    mk = text(tree, "package/kdump-init/kdump-init.mk")
    for symbol in re.findall(r"^CONFIG_([A-Z0-9_]+)=", fragment, re.M):
        assert f"CONFIG_{symbol}" in mk
    assert "CONFIG_CRASH_DUMP" in fragment


@pytest.mark.parametrize("path", GENERATED, ids=ids(GENERATED))
def test_crashkernel_value_is_the_boards(path: Path) -> None:
    board = board_of(path)
    tree = tree_of(path)
    script = next(v for k, v in tree.items() if k.startswith("board/") and k.endswith(".sh"))
    assert f"CRASHKERNEL={board.crashkernel.cmdline}\n" in script.content.decode()


@pytest.mark.parametrize("path", GENERATED, ids=ids(GENERATED))
def test_defconfig_settings(path: Path) -> None:
    board = board_of(path)
    tree = tree_of(path)
    lines = text(tree, f"configs/{board.ident}_kdump_defconfig").splitlines()
    name = board.buildroot.external_name
    for needed in (
        "BR2_PACKAGE_KDUMP_INIT=y",
        "BR2_LINUX_KERNEL_INSTALL_TARGET=y",
        "BR2_DOWNLOAD_FORCE_CHECK_HASHES=y",
    ):
        assert needed in lines
    script = [line for line in lines if line.startswith("BR2_ROOTFS_POST_")]
    assert len(script) == 1 and f"$(BR2_EXTERNAL_{name}_PATH)/board/{board.name}/" in script[0]
    if board.bootloader.type == "qemu":
        # The qemu boards' own post-image script writes start-qemu.sh first.
        assert script[0].startswith('BR2_ROOTFS_POST_IMAGE_SCRIPT="board/qemu/post-image.sh ')


@pytest.mark.parametrize(
    ("path", "kexec", "collector"),
    [
        (
            REPO / "board-configs" / "qemu-x86_64.yaml",
            "BR2_PACKAGE_KEXEC",
            "BR2_PACKAGE_MAKEDUMPFILE",
        ),
        (
            REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml",
            "BR2_PACKAGE_KDUMP_KEXEC_TOOLS",
            None,
        ),
        (REPO / "board-configs" / "visionfive2.yaml", "BR2_PACKAGE_KEXEC", None),
    ],
    ids=["buildroot-kexec", "pinned-2.0.1", "pinned-same-as-buildroot"],
)
def test_selects(path: Path, kexec: str, collector: str | None) -> None:
    config = text(buildroot.generate(board_of(path)), "package/kdump-init/Config.in")
    assert f"\tselect {kexec}\n" in config
    assert ("\tselect BR2_PACKAGE_MAKEDUMPFILE\n" in config) == bool(collector)


def test_pinned_kexec_tools_package() -> None:
    tree = tree_of(REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml")
    mk = text(tree, "package/kdump-kexec-tools/kdump-kexec-tools.mk")
    assert "KDUMP_KEXEC_TOOLS_VERSION = 2.0.1\n" in mk
    assert "$(eval $(autotools-package))" in mk
    hashes = text(tree, "package/kdump-kexec-tools/kdump-kexec-tools.hash")
    assert "sha1  d3711794a2161bb88c75b74b5d6b41596e505b25  kexec-tools-2.0.1.tar.bz2\n" in hashes
    assert "depends on !BR2_PACKAGE_KEXEC" in text(tree, "package/kdump-kexec-tools/Config.in")


def test_pinned_release_with_license_hash() -> None:
    board = variant(kexec_tools="2.0.28")
    tree = buildroot.generate(board)
    hashes = text(tree, "package/kdump-kexec-tools/kdump-kexec-tools.hash").splitlines()
    assert any(line.endswith("  kexec-tools-2.0.28.tar.xz") for line in hashes)
    assert any(line.endswith("  COPYING") for line in hashes)
    assert "LICENSE_FILES = COPYING" in text(tree, "package/kdump-kexec-tools/kdump-kexec-tools.mk")


@pytest.mark.parametrize(
    ("compression", "symbol"),
    [
        ("zstd", "BR2_PACKAGE_ZSTD"),
        ("lzo", "BR2_PACKAGE_LZO"),
        ("snappy", "BR2_PACKAGE_SNAPPY"),
        ("zlib", None),
    ],
)
def test_compression_library_is_selected(compression: str, symbol: str | None) -> None:
    board = variant(dump=dataclasses.replace(board_of(DEFAULT_BOARD).dump, compression=compression))
    config = text(buildroot.generate(board), "package/kdump-init/Config.in")
    selected = re.findall(r"\tselect (\S+)", config)
    assert selected[:2] == ["BR2_PACKAGE_KEXEC", "BR2_PACKAGE_MAKEDUMPFILE"]
    assert selected[2:] == ([symbol] if symbol else [])
    if compression == "snappy":
        assert "depends on BR2_INSTALL_LIBSTDCPP # snappy" in config
        assert (
            "needs a toolchain w/ headers >= 3.17, wchar, dynamic library, threads, C++" in config
        )


def test_bad_external_name_is_a_user_error(tmp_path: Path) -> None:
    result = run_cli("generate", "buildroot", DEFAULT_BOARD, "-o", tmp_path, "--name", "kd-ump")
    assert result.code == 2
    assert "not a BR2_EXTERNAL name" in result.err
    assert not any(tmp_path.iterdir())


def test_name_override() -> None:
    tree = buildroot.generate(board_of(DEFAULT_BOARD), name="MY_KDUMP")
    assert text(tree, "external.desc").startswith("name: MY_KDUMP\n")
    assert "$(BR2_EXTERNAL_MY_KDUMP_PATH)/board/" in text(
        tree, "configs/qemu_x86_64_kdump_defconfig"
    )


# --- determinism and --check ---------------------------------------------------------------


@pytest.mark.parametrize("path", GENERATED, ids=ids(GENERATED))
def test_byte_identical_when_generated_twice(path: Path, tmp_path: Path) -> None:
    first = buildroot.generate(board_of(path))
    second = buildroot.generate(board_of(path))
    assert first == second
    assert write_tree(tmp_path, first) == sorted(first)
    assert write_tree(tmp_path, second) == []


def test_cli_writes_then_check_finds_stale(tmp_path: Path) -> None:
    out = tmp_path / "br"
    assert run_cli("generate", "buildroot", DEFAULT_BOARD, "-o", out).code == 0
    fresh = run_cli("generate", "buildroot", DEFAULT_BOARD, "-o", out, "--check")
    assert fresh.code == 0 and "up to date" in fresh.out
    mk = out / "package/kdump-init/kdump-init.mk"
    mk.write_text(mk.read_text().replace("KDUMP_INIT_LICENSE = MIT", "KDUMP_INIT_LICENSE = GPL"))
    (out / "external.desc").unlink()
    (out / "board/qemu-x86_64/post-image.sh").chmod(0o644)
    stale = run_cli("generate", "buildroot", DEFAULT_BOARD, "-o", out, "--check")
    assert stale.code == 1
    assert "external.desc: missing" in stale.out
    assert "-KDUMP_INIT_LICENSE = GPL\n+KDUMP_INIT_LICENSE = MIT" in stale.out
    assert "board/qemu-x86_64/post-image.sh: mode 644, expected 755" in stale.out


# --- what kdump-init.mk installs, run through GNU make ---------------------------------------

# A stand-in for the few pieces of Buildroot's package infrastructure the .mk
# uses; the KCONFIG_*_OPT macros record their calls in a file.
HARNESS = """\
SHARP_SIGN := \\#
INSTALL = install
KDUMP_INIT_PKGDIR = {pkgdir}
TARGET_DIR = {target}
KCONFIG_ENABLE_OPT = echo '$(strip $(1))=y' >> {calls}
KCONFIG_SET_OPT = echo '$(strip $(1))=$(2)' >> {calls}
KCONFIG_DISABLE_OPT = echo '$(SHARP_SIGN) $(strip $(1)) is not set' >> {calls}
include {mk}
install-target:
\t$(KDUMP_INIT_INSTALL_TARGET_CMDS)
install-init-%:
\t$(KDUMP_INIT_INSTALL_INIT_$*)
fixups:
\t$(KDUMP_INIT_LINUX_CONFIG_FIXUPS)
"""
INIT_MACRO = {"busybox": "SYSV", "sysv": "SYSV", "systemd": "SYSTEMD", "openrc": "OPENRC"}


def run_make(tree_dir: Path, work: Path, *targets: str) -> None:
    harness = work / "Makefile"
    harness.write_text(
        HARNESS.format(
            pkgdir=tree_dir / "package/kdump-init",
            target=work / "target",
            calls=work / "calls",
            mk=tree_dir / "package/kdump-init/kdump-init.mk",
        )
    )
    subprocess.run(["make", "-s", "-f", str(harness), *targets], check=True, cwd=work)


def installed(root: Path) -> dict[str, tuple[int, bytes | None]]:
    return {
        "/" + str(p.relative_to(root)): (
            p.stat().st_mode & 0o777,
            p.read_bytes() if p.is_file() else None,
        )
        for p in root.rglob("*")
        if p.is_file() or not any(p.iterdir())
    }


@pytest.mark.parametrize("init", INITS)
def test_installed_layout_is_the_runtime_one(init: str, tmp_path: Path) -> None:
    board = dataclasses.replace(board_of(DEFAULT_BOARD), init=init)
    tree = buildroot.generate(board)
    write_tree(tmp_path / "tree", tree)
    run_make(tmp_path / "tree", tmp_path, "install-target", f"install-init-{INIT_MACRO[init]}")
    expected = {f.install_path: (f.mode, f.text.encode()) for f in runtime_files(board)}
    expected[board.dump.dir] = (0o700, None)
    assert installed(tmp_path / "target") == expected


def test_dump_dir_with_spaces_reaches_make_and_shell(tmp_path: Path) -> None:
    board = dataclasses.replace(
        board_of(DEFAULT_BOARD),
        dump=dataclasses.replace(board_of(DEFAULT_BOARD).dump, dir="/var/crash dumps/kdump"),
    )
    write_tree(tmp_path / "tree", buildroot.generate(board))
    run_make(tmp_path / "tree", tmp_path, "install-target")
    assert (tmp_path / "target/var/crash dumps/kdump").is_dir()
    assert not (tmp_path / "target/var/crash").exists()


@pytest.mark.parametrize("path", GENERATED, ids=ids(GENERATED))
def test_config_fixups_set_the_fragment(path: Path, tmp_path: Path) -> None:
    board = board_of(path)
    write_tree(tmp_path / "tree", tree_of(path))
    run_make(tmp_path / "tree", tmp_path, "fixups")
    calls = (tmp_path / "calls").read_text().splitlines()
    wanted = [
        line
        for line in fragment_for_board(board).splitlines()
        if line.startswith("CONFIG_") or re.match(r"^# CONFIG_\w+ is not set$", line)
    ]
    assert calls == wanted


# --- Kconfig: the Config.in files parse, and select what kdump needs -------------------------


def _kconfig(tmp_path: Path, tree: dict[str, GeneratedFile], name: str) -> kconfiglib.Kconfig:
    """Parse the tree's Config.in with the Buildroot symbols it uses declared as stubs."""
    write_tree(tmp_path / "tree", tree)
    configs = "".join(text(tree, p) for p in tree if p.endswith("Config.in"))
    defined = set(re.findall(r"^config (BR2_\w+)", configs, re.M))
    used = set(re.findall(r"\bBR2_[A-Za-z0-9_]+", configs)) - defined
    used = {u for u in used if not u.startswith("BR2_EXTERNAL_")}
    stubs = "".join(f'config {s}\n\tbool "{s}"\n\n' for s in sorted(used))
    top = tmp_path / "Config.in"
    top.write_text(f'mainmenu "stub"\n\n{stubs}source "$BR2_EXTERNAL_{name}_PATH/Config.in"\n')
    os.environ[f"BR2_EXTERNAL_{name}_PATH"] = str(tmp_path / "tree")
    try:
        kconf = kconfiglib.Kconfig(str(top), warn_to_stderr=False)
    finally:
        del os.environ[f"BR2_EXTERNAL_{name}_PATH"]
    assert kconf.warnings == []
    return kconf


@pytest.mark.parametrize("path", GENERATED, ids=ids(GENERATED))
def test_config_in_parses_and_selects(path: Path, tmp_path: Path) -> None:
    board = board_of(path)
    kconf = _kconfig(tmp_path, tree_of(path), board.buildroot.external_name)
    pkg = kconf.syms["BR2_PACKAGE_KDUMP_INIT"]
    # Every dependency met: the package can be enabled and selects kexec (and makedumpfile).
    for sym in kconf.unique_defined_syms:
        if (
            sym.name.startswith("BR2_")
            and sym is not pkg
            and not sym.name.startswith(
                (
                    "BR2_PACKAGE_KDUMP",
                    "BR2_PACKAGE_KEXEC",
                    "BR2_PACKAGE_MAKEDUMPFILE",
                    "BR2_PACKAGE_ZSTD",
                    "BR2_PACKAGE_LZO",
                )
            )
        ):
            sym.set_value("n" if sym.name == "BR2_STATIC_LIBS" else "y")
    for arch_sym in ("BR2_PACKAGE_KEXEC_ARCH_SUPPORTS", "BR2_PACKAGE_MAKEDUMPFILE_ARCH_SUPPORTS"):
        if arch_sym in kconf.syms:
            kconf.syms[arch_sym].set_value("y")
    assert pkg.set_value("y") and pkg.str_value == "y"
    pinned = buildroot.pinned_kexec(board)
    kexec = "BR2_PACKAGE_KDUMP_KEXEC_TOOLS" if pinned else "BR2_PACKAGE_KEXEC"
    assert kconf.syms[kexec].str_value == "y"
    if board.dump.collector == "makedumpfile":
        assert kconf.syms["BR2_PACKAGE_MAKEDUMPFILE"].str_value == "y"
    # A toolchain without what kexec needs: the package hides, the comment says why.
    kconf.syms["BR2_TOOLCHAIN_HEADERS_AT_LEAST_3_17"].set_value("n")
    assert pkg.str_value == "n"
    comments = [
        node.prompt[0]
        for node in kconf.node_iter()
        if node.item == kconfiglib.COMMENT
        and kconfiglib.expr_value(node.dep)
        and node.prompt[0].startswith("kdump-init")
    ]
    assert comments and "headers >= 3.17" in comments[0]


# --- injection is refused before anything is written -------------------------------------------

INJECTIONS = [
    ("dump-dir-command", 'dump:\n  dir: "/var/crash$(reboot)"\n', "dump.dir"),
    ("dump-dir-backtick", 'dump:\n  dir: "/var/`reboot`"\n', "dump.dir"),
    ("dump-dir-quote", "dump:\n  dir: \"/var/crash'; reboot; '\"\n", "dump.dir"),
    ("dump-dir-newline", 'dump:\n  dir: "/var/crash\\nreboot"\n', "dump.dir"),
    (
        "bootloader-config",
        'bootloader:\n  type: u-boot\n  config: "board/$(reboot)/boot.cmd"\n',
        "bootloader.config",
    ),
    ("description", 'description: "x `reboot`"\n', "description"),
]


@pytest.mark.parametrize(
    ("extra", "key"), [c[1:] for c in INJECTIONS], ids=[c[0] for c in INJECTIONS]
)
def test_injection_is_refused_at_validation(extra: str, key: str, tmp_path: Path) -> None:
    lines = DEFAULT_BOARD.read_text().splitlines(keepends=True)
    top = extra.split(":", 1)[0]
    kept, skipping = [], False
    for line in lines:  # drop the board's own block for the key being replaced
        if not line.startswith((" ", "\t")):
            skipping = line.startswith(f"{top}:")
        if not skipping:
            kept.append(line)
    board = tmp_path / "board.yaml"
    board.write_text("".join(kept) + extra)
    result = run_cli("generate", "buildroot", board, "-o", tmp_path / "out")
    assert result.code == 2, result.err
    assert f": {key}: " in result.err
    assert not (tmp_path / "out").exists()


# --- a defconfig without a base configures the kernel by itself -------------------------------


@pytest.mark.parametrize("path", GENERATED, ids=ids(GENERATED))
def test_standalone_defconfig_configures_a_kernel(path: Path) -> None:
    board = board_of(path)
    tree = tree_of(path)
    lines = text(tree, f"configs/{board.ident}_kdump_defconfig").splitlines()
    reason = buildroot.br_standalone.why_not(board, buildroot.facts())
    if reason:  # Linux 2.6.32: kdump settings only, and the header says to merge
        assert "BR2_LINUX_KERNEL=y" not in lines
        assert any("Merge them over" in line for line in lines)
        assert f"{board.kernel.version}" in reason
        return
    assert "BR2_LINUX_KERNEL=y" in lines
    assert f"{board.arch.buildroot_arch_symbol}=y" in lines
    assert "BR2_TOOLCHAIN_BUILDROOT_GLIBC=y" in lines  # threads, wchar, shared libs
    series = "_".join((board.kernel.version or "").split(".")[:2])
    assert f"BR2_PACKAGE_HOST_LINUX_HEADERS_CUSTOM_{series}=y" in lines
    image = buildroot.facts()["standalone"]["image_symbols"][board.kernel.image]
    assert f"{image}=y" in lines
    assert f'BR2_LINUX_KERNEL_CUSTOM_TARBALL_LOCATION="file://{board.kernel.source}"' in lines
    sha = text(tree, f"board/{board.name}/patches/linux/linux.hash").splitlines()[-1]
    assert re.fullmatch(rf"sha256  [0-9a-f]{{64}}  {re.escape(board.kernel.source.name)}", sha)
    # The kdump settings alone, for a merge over the board's own defconfig.
    alone = text(tree, f"board/{board.name}/kdump.defconfig").splitlines()
    assert "BR2_PACKAGE_KDUMP_INIT=y" in alone and "BR2_LINUX_KERNEL=y" not in alone
    assert lines[lines.index("# kdump (kdumplayer)") + 1 :] == [
        x for x in alone if not x.startswith("#")
    ]


def test_validate_says_when_the_defconfig_needs_a_base() -> None:
    legacy = REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml"
    result = run_cli("validate", "-q", legacy)
    assert result.code == 0
    assert "must be merged over qemu_x86_64_defconfig" in result.err
    assert "must be merged" not in run_cli("validate", "-q", DEFAULT_BOARD).err


def test_round_trip_comparison() -> None:
    """`make buildroot-check` compares defconfig lines with the configured .config."""
    from kdumplayer.generate.br_roundtrip import compare

    defconfig = (
        "BR2_x86_64=y\n# BR2_TARGET_ROOTFS_TAR is not set\n\n# kdump (kdumplayer)\n"
        'BR2_PACKAGE_KDUMP_INIT=y\nBR2_ROOTFS_OVERLAY="a b"\n'
        "# BR2_PACKAGE_KEXEC is not set\n"
    )
    config = 'BR2_x86_64=y\nBR2_TARGET_ROOTFS_TAR=y\nBR2_ROOTFS_OVERLAY="a b"\n'
    result = compare(defconfig, config)
    assert (result.lines, result.kdump_lines) == (5, 3)
    assert [(x.line, x.final, x.kdump) for x in result.lost] == [
        (2, "BR2_TARGET_ROOTFS_TAR=y", False),
        (5, "(absent)", True),
    ]
    assert [x.text for x in result.kdump_lost] == ["BR2_PACKAGE_KDUMP_INIT=y"]
    assert compare(defconfig, config, all_kdump=True).kdump_lines == 5


def test_board_without_base_or_version_gets_kdump_only_and_advice() -> None:
    """An arm64 U-Boot board naming neither a Buildroot defconfig nor a kernel version:
    the kernel cannot be configured, generate and validate say to merge over a base."""
    board = board_of(REPO / "board-configs" / "raspberrypi4-64.yaml")
    board = dataclasses.replace(
        board,
        kernel=dataclasses.replace(board.kernel, version=None),
        buildroot=dataclasses.replace(board.buildroot, defconfig=None),
    )
    advice = buildroot.standalone_advice(board)
    assert advice and "no kernel.version" in advice
    assert "must be merged over your board's Buildroot defconfig" in advice
    tree = buildroot.generate(board)
    defconfig = text(tree, f"configs/{board.ident}_kdump_defconfig")
    assert "BR2_LINUX_KERNEL=y" not in defconfig and "BR2_PACKAGE_KDUMP_INIT=y" in defconfig
    assert "arch=arm64" in defconfig  # the mark check --buildroot reads
    readme = text(tree, "README.md")
    assert "merge_config.sh -m .config" in readme and "no kernel.version" in readme
