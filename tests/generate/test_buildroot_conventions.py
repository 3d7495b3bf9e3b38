"""Generated Buildroot trees follow check-package's conventions; their scripts pass shellcheck."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kdumplayer.generate import br_conventions as conv
from kdumplayer.generate import buildroot
from kdumplayer.output import GeneratedFile
from tests.generate.test_buildroot import GENERATED, ids, tree_of, variant

HEADER = "#" * 80 + "\n#\n# kdump-init\n#\n" + "#" * 80 + "\n\n"
GOOD_CONFIG = (
    'config BR2_PACKAGE_X\n\tbool "x"\n\tdepends on BR2_A\n\tselect BR2_B\n\thelp\n\t  X.\n'
)

# (rule id, path, content, mode): each breaks exactly the named rule.
BAD = [
    ("TrailingSpace", "package/kdump-init/Config.in", GOOD_CONFIG.replace('"x"', '"x" '), 0o644),
    ("NewlineAtEof", "external.mk", "include x", 0o644),
    ("NewlineAtEof", "external.mk", "include x\n\n", 0o644),
    ("ConsecutiveEmptyLines", "README.md", "a\n\n\nb\n", 0o644),
    ("FileMode", "package/kdump-init/S95kdump", 'DAEMON="kdump"\n', 0o755),
    ("FileMode", "board/b/post-fakeroot.sh", "#!/bin/sh\n", 0o644),
    (
        "PackageHeader",
        "package/kdump-init/kdump-init.mk",
        HEADER.replace("# kdump-init", "# kdump") + "# x\n",
        0o644,
    ),
    ("PackageHeader", "package/kdump-init/kdump-init.mk", HEADER[:-1] + "# x\n", 0o644),
    ("VariablePrefix", "package/kdump-init/kdump-init.mk", HEADER + "KDUMP_LICENSE = MIT\n", 0o644),
    (
        "VariablePrefix",
        "package/kdump-init/kdump-init.mk",
        HEADER + "define INSTALL_CMDS\nendef\n",
        0o644,
    ),
    (
        "ConfigAttributeOrder",
        "package/kdump-init/Config.in",
        GOOD_CONFIG.replace(
            "\tdepends on BR2_A\n\tselect BR2_B\n", "\tselect BR2_B\n\tdepends on BR2_A\n"
        ),
        0o644,
    ),
    (
        "ConfigIndent",
        "package/kdump-init/Config.in",
        GOOD_CONFIG.replace("\tbool", "  bool"),
        0o644,
    ),
    ("ConfigIndent", "Config.in", '\tsource "x/Config.in"\n', 0o644),
    ("HelpText", "package/kdump-init/Config.in", GOOD_CONFIG.replace("X.", "x" * 63), 0o644),
    ("HelpText", "package/kdump-init/Config.in", GOOD_CONFIG.replace("\t  X.", "\tX."), 0o644),
    ("SysvScript", "package/kdump-init/S95kdump", 'DAEMON="kexec"\n', 0o644),
    ("SysvScript", "package/kdump-init/S95kdump", "start() {\n    true\n}\n", 0o644),
    ("DefconfigForceHashes", "configs/b_kdump_defconfig", "BR2_PACKAGE_KDUMP_INIT=y\n", 0o644),
    ("HashFile", "package/x/x.hash", "sha256 " + "a" * 64 + " x.tar.xz\n", 0o644),
    ("HashFile", "package/x/x.hash", "sha256  " + "a" * 63 + "  x.tar.xz\n", 0o644),
    ("HashFile", "package/x/x.hash", "crc32  abcd  x.tar.xz\n", 0o644),
    ("ExternalDesc", "external.desc", "name: kdump-x\ndesc: x\n", 0o644),
    ("ExternalDesc", "external.desc", "name: KDUMP\n", 0o644),
]


@pytest.mark.parametrize("path", GENERATED, ids=ids(GENERATED))
def test_tree_follows_conventions(path: Path) -> None:
    assert [str(f) for f in conv.check_tree(tree_of(path))] == []


@pytest.mark.parametrize(
    ("rule", "path", "content", "mode"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)]
)
def test_rule_catches(rule: str, path: str, content: str, mode: int) -> None:
    findings = conv.check_file(path, GeneratedFile(content.encode(), mode))
    assert {f.rule for f in findings} == {rule}
    assert str(findings[0]).startswith(f"{path}:")


def test_rules_accept_the_good_examples() -> None:
    good = {
        "package/kdump-init/Config.in": GOOD_CONFIG,
        "package/kdump-init/kdump-init.mk": HEADER + "KDUMP_INIT_LICENSE = MIT\n",
        "package/kdump-init/S95kdump": 'DAEMON="kdump"\n\nstart() {\n\ttrue\n}\n',
        "package/x/x.hash": "# from upstream\nsha256  " + "a" * 64 + "  x.tar.xz\n",
        "external.desc": "name: KDUMP_X\ndesc: x\n",
    }
    tree = {p: GeneratedFile(c.encode()) for p, c in good.items()}
    assert conv.check_tree(tree) == []


# Every bootloader format's script, on top of the example boards' own.
FORMAT_VARIANTS = [
    ("grub", None),
    ("grub-legacy", None),
    ("extlinux", None),
    ("systemd-boot", None),
    ("rpi", None),
    ("qemu", None),
    ("u-boot", "board/x/boot.cmd"),
    ("u-boot", "board/x/uEnv.txt"),
]


def _scripts(tree: dict[str, GeneratedFile]) -> list[str]:
    return sorted(p for p, f in tree.items() if f.content.startswith(b"#!/bin/sh"))


def test_shellcheck_every_script(tmp_path: Path) -> None:
    trees = {p.stem: tree_of(p) for p in GENERATED}
    for fmt, config in FORMAT_VARIANTS:
        trees[f"{fmt}-{config}"] = buildroot.generate(variant(bootloader=fmt, config=config))
    scripts: dict[bytes, str] = {}  # each distinct script once: the hook is the same in many
    for label, tree in trees.items():
        assert conv.check_tree(tree) == [], label
        for path in _scripts(tree):
            scripts.setdefault(tree[path].content, f"{label}/{path}")
    files = []
    for content, name in scripts.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        files.append(str(target))
    # One shellcheck run over all of them (-s sh: POSIX, as Buildroot's check-package does).
    result = subprocess.run(["shellcheck", "-s", "sh", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert len([f for f in files if "/board/" in f]) >= len(FORMAT_VARIANTS)
