"""Kconfig syntax kconfiglib 14.1.0 lacks, on synthetic trees written for each case."""

from __future__ import annotations

import gc
import hashlib
import warnings
from pathlib import Path

import kconfiglib
import pytest

from kdumplayer.errors import UserError
from kdumplayer.kconfig import Base, KconfigTree
from kdumplayer.kconfig.compat import rewrite_depends_if
from tests.kconfig.conftest import DATA

COMPAT = DATA / "compat"


def load(name: str) -> KconfigTree:
    return KconfigTree.load(DATA / name, "x86_64", cache=False)


def fragment(tmp_path: Path, text: str, name: str = "frag.cfg") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("modules", "modules"),
        ("transitional", "transitional"),
        ("depends-if", "if"),
        ("legacy-2.6", ";"),
    ],
)
def test_plain_kconfiglib_rejects_the_cases(
    monkeypatch: pytest.MonkeyPatch, case: str, message: str
) -> None:
    """The cases are real: kconfiglib alone cannot parse them."""
    root = COMPAT / case
    monkeypatch.setenv("srctree", str(root))
    monkeypatch.setenv("SRCARCH", "x86")
    entry = "Kconfig" if (root / "Kconfig").is_file() else "arch/x86/Kconfig"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # kconfiglib leaves the file open
        try:
            kconfiglib.Kconfig(entry, warn=False)
        except kconfiglib.KconfigError as exc:
            error = str(exc)
        else:
            error = ""
        gc.collect()
    assert message in error


def test_bare_modules_keyword(tmp_path: Path) -> None:
    tree = load("compat/modules")
    assert tree.kconfig.compat.rewrites == [("kernel/module/Kconfig", 4, "modules")]
    frag = fragment(tmp_path, "CONFIG_MODULES=y\nCONFIG_DRIVER=m\n")
    values = tree.evaluate(Base.allnoconfig(), [frag]).values
    assert values["DRIVER"] == "m"  # tristate works because MODULES is the modules symbol
    # a help line reading "modules" is help text, untouched
    assert all(line != 7 for _, line, _ in tree.kconfig.compat.rewrites)


def test_transitional_symbol_feeds_new_name_and_is_not_written(tmp_path: Path) -> None:
    tree = load("compat/transitional")
    assert tree.transitional == {"OLD_NAME"}
    values = tree.evaluate(Base.config(fragment(tmp_path, "CONFIG_OLD_NAME=y\n")), []).values
    assert values["NEW_NAME"] == "y"
    assert "OLD_NAME" not in values
    values = tree.evaluate(Base.config(fragment(tmp_path, "CONFIG_UNRELATED=y\n")), []).values
    assert values["NEW_NAME"] == "n"


# (X, Y, Z) -> is SIMPLE visible (X || Y = n), is COMPOUND visible (X || (Y && !Z) = n)
DEPENDS_IF = [
    ("n", "n", "n", True, True),
    ("n", "m", "n", False, False),
    ("n", "y", "n", False, False),
    ("n", "y", "y", False, True),
    ("m", "y", "n", True, True),
    ("y", "y", "n", True, True),
    ("n", "m", "y", False, True),
]


@pytest.mark.parametrize(("x", "y", "z", "simple", "compound"), DEPENDS_IF)
def test_depends_on_if(
    tmp_path: Path, x: str, y: str, z: str, simple: bool, compound: bool
) -> None:
    tree = load("compat/depends-if")
    text = f"CONFIG_MODULES=y\nCONFIG_X={x}\nCONFIG_Y={y}\nCONFIG_Z={z}\n"
    tree.evaluate(Base.config(fragment(tmp_path, text)), [])
    syms = tree.kconfig.syms
    assert bool(syms["SIMPLE"].visibility) is simple
    assert bool(syms["COMPOUND"].visibility) is compound
    assert bool(syms["PLAIN"].visibility) is (x != "n")


@pytest.mark.parametrize(
    ("dep", "expected"),
    [
        ("X if Y", "(X) || Y = n"),
        ("X if Y && !Z", "(X) || (Y = n || Z != n)"),
        ("A || B if !(C || D)", "(A || B) || !(C = n && D = n)"),
        ("USB if !USB_GADGET", "(USB) || USB_GADGET != n"),
        ("X if Y = m", "(X) || !(Y = m)"),
        ("X", None),
        ('FOO = "if"', None),
    ],
)
def test_depends_if_rewrite(dep: str, expected: str | None) -> None:
    assert rewrite_depends_if(dep) == expected


def test_legacy_entry_and_stray_semicolon() -> None:
    tree = load("compat/legacy-2.6")
    assert tree.source.entry == "arch/x86/Kconfig"
    assert tree.version == "2.6.32"
    assert ("drivers/hwmon/Kconfig", 12) in [(f, n) for f, n, _ in tree.kconfig.compat.rewrites]
    sensor = tree.kconfig.syms["SENSORS_FOO"]
    assert sensor.nodes[0].prompt[0] == "A sensor whose prompt ends in a stray semicolon"
    # `option env="ARCH"` and the ARCH comparison work
    values = tree.evaluate(Base.allnoconfig()).values
    assert values["64BIT"] == "y"


def test_positions_are_the_original_ones() -> None:
    """Messages quote true file:line even after rewritten lines."""
    tree = load("compat/depends-if")
    simple = tree.kconfig.syms["SIMPLE"].nodes[0]
    assert (simple.filename, simple.linenr) == ("Kconfig", 18)
    with pytest.raises(UserError) as err:
        load("bad-trees/error-after-rewrite")
    assert err.value.file and err.value.file.endswith("kernel/module/Kconfig")
    assert err.value.line == 12


def test_user_tree_is_not_modified() -> None:
    def snapshot() -> dict[str, str]:
        return {
            str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(COMPAT.rglob("*"))
            if p.is_file()
        }

    before = snapshot()
    for case in ("modules", "transitional", "depends-if", "legacy-2.6"):
        load(f"compat/{case}")
    assert snapshot() == before


# The 6.11 change: an explicit n on the default member is honoured from 6.11 on.
CHOICES = [
    ("choice-6.10", "# CONFIG_GZIP is not set\n", "GZIP"),
    ("choice-6.12", "# CONFIG_GZIP is not set\n", "XZ"),
    ("choice-6.10", "", "GZIP"),
    ("choice-6.12", "", "GZIP"),
    ("choice-6.12", "CONFIG_ZSTD=y\n", "ZSTD"),
    ("choice-6.10", "CONFIG_ZSTD=y\n", "ZSTD"),
    ("choice-6.12", "# CONFIG_GZIP is not set\n# CONFIG_XZ is not set\n", "ZSTD"),
    ("choice-6.12", "CONFIG_XZ=y\nCONFIG_ZSTD=y\n", "ZSTD"),
]


@pytest.mark.parametrize(("tree_dir", "config", "chosen"), CHOICES)
def test_choice_resolution_follows_the_version(
    tmp_path: Path, tree_dir: str, config: str, chosen: str
) -> None:
    tree = load(tree_dir)
    values = tree.evaluate(Base.config(fragment(tmp_path, config or "\n")), []).values
    assert [name for name in ("GZIP", "XZ", "ZSTD") if values[name] == "y"] == [chosen]


def test_env_symbols_and_srcarch_in_source_paths() -> None:
    """2.6.36-4.17: `option env="SRCARCH"` symbols and $SRCARCH in source statements."""
    tree = load("compat/env-2.6.36")
    assert tree.source.entry == "Kconfig"
    assert tree.kconfig.mainmenu_text == "Linux/x86_64 2.6.36 Kernel Configuration"
    values = tree.evaluate(Base.allnoconfig()).values
    assert values == {"X86": "y", "KEXEC": "n"}
