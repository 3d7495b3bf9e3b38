"""`make NAME` for config targets an arch Makefile defines (kdumplayer.kconfig.targets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.kconfig.targets import MergeInto, Targets, arch_recipes, kbuild_defconfig

MAKEFILE = """\
KBUILD_DEFCONFIG := multi_v7_defconfig
PHONY += rv32_defconfig
rv32_defconfig:
\t$(Q)$(MAKE) -f $(srctree)/Makefile defconfig 32-bit.config

rv32_randconfig:
\t$(Q)$(MAKE) KCONFIG_ALLCONFIG=$(srctree)/arch/riscv/configs/32-bit.config \\
\t\t-f $(srctree)/Makefile randconfig

multi_v7_lpae_defconfig:
\t$(call merge_into_defconfig,multi_v7_defconfig,lpae)

virtconfig:
\t$(call merge_into_defconfig_override,defconfig,virt kvm)

%_config: foo
\t$(Q)$(MAKE) -f $(srctree)/Makefile nothing

define archhelp
  echo  '  rv32_defconfig	- Select 32-bit configuration'
endef
"""

CASES = [
    ("rv32_defconfig", Targets(("defconfig", "32-bit.config"))),
    ("multi_v7_lpae_defconfig", MergeInto("multi_v7_defconfig", ("lpae",))),
    ("virtconfig", MergeInto("defconfig", ("virt", "kvm"))),
    ("rv32_randconfig", None),  # a random seed: not a config kdumplayer can evaluate
]


@pytest.mark.parametrize(("name", "recipe"), CASES)
def test_arch_recipes(tmp_path: Path, name: str, recipe: object) -> None:
    (tmp_path / "arch" / "demo").mkdir(parents=True)
    (tmp_path / "arch" / "demo" / "Makefile").write_text(MAKEFILE)
    assert arch_recipes(tmp_path, "demo").get(name) == recipe


X86 = """\
ifeq ($(ARCH),x86)
  ifeq ($(shell uname -m | sed -e 's/i.86/i386/'),i386)
        KBUILD_DEFCONFIG := i386_defconfig
  else
        KBUILD_DEFCONFIG := x86_64_defconfig
  endif
else
        KBUILD_DEFCONFIG := $(ARCH)_defconfig
endif
"""


@pytest.mark.parametrize(
    ("makefile", "kernel_arch", "files", "expected"),
    [
        (X86, "i386", ["i386_defconfig", "x86_64_defconfig"], "i386_defconfig"),
        (X86, "x86_64", ["i386_defconfig", "x86_64_defconfig"], "x86_64_defconfig"),
        (MAKEFILE, "arm", ["multi_v7_defconfig"], "multi_v7_defconfig"),
        ("", "arm64", ["defconfig"], "defconfig"),
    ],
)
def test_kbuild_defconfig(
    tmp_path: Path, makefile: str, kernel_arch: str, files: list[str], expected: str
) -> None:
    configs = tmp_path / "arch" / "demo" / "configs"
    configs.mkdir(parents=True)
    (tmp_path / "arch" / "demo" / "Makefile").write_text(makefile)
    for name in files:
        (configs / name).write_text("")
    assert kbuild_defconfig(tmp_path, "demo", kernel_arch) == expected
