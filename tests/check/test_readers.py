"""Reading Buildroot defconfigs and Yocto layers: kernel settings, paths, Buildroot-side checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kdumplayer.check import buildroot, yocto
from kdumplayer.errors import UserError
from kdumplayer.findings import Location
from tests.check.conftest import DATA

# Bad inputs the reader itself refuses (a version without a source needs the CLI).
BR_BAD = [
    p
    for p in sorted((DATA / "br-bad-input").glob("*_defconfig"))
    if not p.name.startswith("no_source")
]


def test_settings_are_unquoted_with_lines(br_external: Path) -> None:
    settings = buildroot.read_settings(br_external / "configs" / "pc_x86_64_kdump_defconfig")
    assert settings["BR2_LINUX_KERNEL_DEFCONFIG"].value == "x86_64"
    assert settings["BR2_LINUX_KERNEL_DEFCONFIG"].line == 9
    assert settings["BR2_x86_64"].value == "y"


def test_defconfig_and_fragment_paths(br_external: Path) -> None:
    br = buildroot.load(br_external / "configs" / "pc_x86_64_kdump_defconfig")
    assert br.arch == "x86_64"
    assert br.kernel_defconfig == "x86_64_defconfig"  # Buildroot appends _defconfig
    assert br.kernel_config is None
    assert br.fragments == (br_external.resolve() / "board" / "pc" / "kdump.cfg",)
    assert br.version == "6.12.117"
    assert {f.rule: f.ok for f in br.findings} == {
        "kdump-package": True,
        "kdump-service": True,
        "install-target": True,
        "crashkernel": True,
    }
    crash = next(f for f in br.findings if f.rule == "crashkernel")
    assert re.search(r"crashkernel=256M in .*board/pc/post-build.sh:\d+", crash.message)


def test_custom_config_and_overlay(br_external: Path) -> None:
    br = buildroot.load(br_external / "configs" / "arm64_custom_kdump_defconfig")
    assert br.arch == "arm64"
    assert br.kernel_defconfig is None
    assert br.kernel_config == br_external.resolve() / "board" / "arm64" / "linux.config"
    findings = {f.rule: f for f in br.findings}
    assert findings["kdump-package"].ok and "BR2_PACKAGE_KEXEC" in findings["kdump-package"].message
    assert findings["crashkernel"].ok and "extlinux.conf" in findings["crashkernel"].message
    # kexec alone loads nothing at boot: the board's overlay installs its own service.
    assert findings["kdump-service"].ok and "S95kdump" in findings["kdump-service"].message


@pytest.mark.parametrize(
    ("defconfig", "checks", "line"),
    [
        # last line: where to add; nothing installs kexec, nor a service
        ("pc_x86_64_nopackage_defconfig", ["kdump-package", "kdump-service"], 13),
        ("pc_x86_64_noservice_defconfig", ["kdump-service"], 14),  # kexec, no service
        ("arm_nocrashkernel_defconfig", ["crashkernel"], 13),  # the post-image script line
    ],
)
def test_failed_side_checks_point_at_a_line(
    br_external: Path, defconfig: str, checks: list[str], line: int
) -> None:
    br = buildroot.load(br_external / "configs" / defconfig)
    failed = [f for f in br.findings if not f.ok]
    assert [f.rule for f in failed] == checks
    assert {f.location.line for f in failed if f.location} == {line}
    assert failed[0].location == Location(str(br_external / "configs" / defconfig), line)


def test_topdir_relative_paths(tmp_path: Path) -> None:
    top = tmp_path / "buildroot"
    (top / "board" / "qemu").mkdir(parents=True)
    (top / "board" / "qemu" / "kdump.cfg").write_text("CONFIG_KEXEC=y\n")
    (top / "board" / "qemu" / "readme.txt").write_text(
        "qemu-system-x86_64 -append 'crashkernel=128M'\n"
    )
    defconfig = tmp_path / "qemu_defconfig"
    defconfig.write_text(
        'BR2_x86_64=y\nBR2_LINUX_KERNEL=y\nBR2_LINUX_KERNEL_DEFCONFIG="x86_64"\n'
        'BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES="board/qemu/kdump.cfg"\n'
        'BR2_ROOTFS_POST_IMAGE_SCRIPT="$(TOPDIR)/board/qemu/post-image.sh"\n'
    )
    with pytest.raises(UserError, match=r"relative to the Buildroot directory"):
        buildroot.load(defconfig)
    br = buildroot.load(defconfig, topdir=top)
    assert br.fragments == (top / "board" / "qemu" / "kdump.cfg",)
    assert next(f for f in br.findings if f.rule == "crashkernel").ok


def test_no_kernel_is_a_finding(tmp_path: Path) -> None:
    defconfig = tmp_path / "nokernel_defconfig"
    defconfig.write_text("BR2_arm=y\nBR2_PACKAGE_KEXEC=y\n")
    br = buildroot.load(defconfig)
    assert [(f.rule, f.ok) for f in br.findings] == [("kernel", False)]


@pytest.mark.parametrize("defconfig", BR_BAD, ids=lambda p: p.name)
def test_bad_buildroot_input_is_located(defconfig: Path, br_external: Path) -> None:
    expect = re.search(r"^# expect: (.+)$", defconfig.read_text(), re.M)
    assert expect, f"{defconfig} lacks its '# expect:' line"
    with pytest.raises(UserError) as info:
        buildroot.load(defconfig, br2_external=[br_external])
    assert expect[1] in str(info.value)
    assert info.value.file == str(defconfig)
    assert info.value.line is not None


def test_yocto_fragments_for_a_machine(yocto_layer: Path) -> None:
    found = yocto.kernel_fragments(yocto_layer, "qemuarm64")
    files = yocto_layer / "recipes-kernel" / "linux" / "files"
    # The .inc's kdump.cfg first (required at line 4), then the machine's serial.cfg.
    assert found.fragments == [files / "kdump.cfg", files / "qemuarm64" / "serial.cfg"]
    assert any("SRC_URI:append:kdump ignored" in note for note in found.notes)
    assert any("KERNEL_FEATURES" in note for note in found.notes)


def test_yocto_other_machine_gets_only_common_fragments(yocto_layer: Path) -> None:
    found = yocto.kernel_fragments(yocto_layer, "qemux86-64")
    assert [p.name for p in found.fragments] == ["kdump.cfg"]


def test_yocto_missing_fragment_is_located(yocto_layer: Path) -> None:
    (yocto_layer / "recipes-kernel" / "linux" / "files" / "kdump.cfg").unlink()
    with pytest.raises(UserError, match=r"file://kdump.cfg not found") as info:
        yocto.kernel_fragments(yocto_layer, "qemuarm64")
    assert info.value.file.endswith("linux-yocto-kdump.inc")
    assert info.value.line == 1


def test_yocto_not_a_layer(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no conf/layer\.conf"):
        yocto.kernel_fragments(tmp_path, None)


@pytest.mark.parametrize(
    ("lines", "arch"),
    [
        # Buildroot's "Target Architecture" default is BR2_i386 (qemu_x86_defconfig).
        ("BR2_x86_pentiumpro=y\nBR2_LINUX_KERNEL=y\n", "i386"),
        ("BR2_riscv=y\nBR2_RISCV_32=y\nBR2_LINUX_KERNEL=y\n", None),  # riscv32: not handled
        ("BR2_riscv=y\nBR2_LINUX_KERNEL=y\n", "riscv64"),
        ("BR2_mips64=y\nBR2_LINUX_KERNEL=y\n", None),
        ("BR2_PACKAGE_KDUMP_INIT=y\n", None),  # kdump settings only: no default applies
    ],
)
def test_arch_of_a_defconfig(tmp_path: Path, lines: str, arch: str | None) -> None:
    defconfig = tmp_path / "x_defconfig"
    defconfig.write_text(lines + 'BR2_LINUX_KERNEL_DEFCONFIG="x"\n')
    assert buildroot.load(defconfig).arch == arch
