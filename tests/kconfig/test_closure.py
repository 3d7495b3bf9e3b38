"""A check evaluates only the closure of its requirements' symbols (evaluate.Closure):
it must judge and explain every requirement exactly as evaluating the whole tree does,
on the real 6.12 tree, for met and unmet configs, and with the compat fast path."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from kdumplayer.fragment import fragment_for
from kdumplayer.kconfig import Base, KconfigTree, compat
from kdumplayer.kconfig.evaluate import _reset, closure
from kdumplayer.kconfig.explain import check
from kdumplayer.requirements import Requirement, select

# Met and unmet (imxrt, mps2: no kexec without MMU), a choice of the requirements
# (i386 HIGHMEM), the bases that are not plain defconfigs.
CASES = [
    ("arm", "multi_v7_defconfig"),
    ("arm", "imxrt_defconfig"),
    ("arm", "mps2_defconfig"),
    ("arm", "pxa_defconfig"),
    ("arm", "tinyconfig"),
    ("arm64", "defconfig"),
    ("x86_64", "x86_64_defconfig"),
    ("x86_64", "allnoconfig"),
    ("i386", "i386_defconfig"),
]


def _within_then_whole(
    tree: KconfigTree, base: Base, fragments: list[Path], reqs: list[Requirement] | None = None
) -> tuple[dict, dict]:
    """The closure check from a clean tree (no user value, nothing computed: a symbol
    the closure missed would keep its default, not a value an earlier check left), then
    the whole check."""
    _reset(tree)
    within = check(tree, base, fragments, reqs).to_dict()
    return within, check(tree, base, fragments, reqs, whole=True).to_dict()


def _fragment(tmp_path: Path, arch: str, version: str, extra: str = "") -> Path:
    path = tmp_path / f"kdump-{arch}.cfg"
    path.write_text(fragment_for(arch, version) + extra)
    return path


@pytest.mark.parametrize(("arch", "base"), CASES)
def test_closure_check_is_the_whole_check(
    real_tree: Callable[[str, str], KconfigTree], tmp_path: Path, arch: str, base: str
) -> None:
    tree = real_tree("6.12", arch)
    frag = _fragment(tmp_path, arch, tree.version)
    within, whole = _within_then_whole(tree, Base.parse(base), [frag])
    assert within == whole


def test_closure_check_explains_what_a_user_line_switched_off(
    real_tree: Callable[[str, str], KconfigTree], tmp_path: Path
) -> None:
    """Lines outside the requirements (PM_SLEEP_SMP through SUSPEND) and a choice member
    set against the kdump fragment: same explanations, located the same way."""
    tree = real_tree("6.12", "arm")
    frag = _fragment(
        tmp_path,
        "arm",
        tree.version,
        "# CONFIG_SUSPEND is not set\n# CONFIG_HIBERNATION is not set\n# CONFIG_KEXEC is not set\n",
    )
    within, whole = _within_then_whole(tree, Base.defconfig("multi_v7_defconfig"), [frag])
    assert not whole["ok"]
    assert within == whole


def test_closure_check_of_a_config_file_base(
    real_tree: Callable[[str, str], KconfigTree], tmp_path: Path
) -> None:
    tree = real_tree("6.12", "x86_64")
    config = tmp_path / "board.config"
    config.write_text(
        "CONFIG_SMP=y\n# CONFIG_RELOCATABLE is not set\nCONFIG_HIGHMEM4G=y\n"
        "CONFIG_NO_SUCH_SYMBOL=y\n"
    )
    frag = _fragment(tmp_path, "x86_64", tree.version)
    within, whole = _within_then_whole(tree, Base.config(config), [frag])
    assert within == whole


def test_closure_is_small_and_holds_what_decides(
    real_tree: Callable[[str, str], KconfigTree],
) -> None:
    tree = real_tree("6.12", "arm")
    names = {n for r in select("arm", tree.version) for n in r.symbols}
    found = closure(tree, names)
    assert names & set(tree.symbol_names()) <= found.names
    # what turns m into y, what blocks KEXEC on no-MMU arm, what selects KEXEC_CORE
    assert {"MODULES", "ARCH_SUPPORTS_KEXEC", "MMU", "KEXEC", "PM_SLEEP_SMP"} <= found.names
    assert len(found.names) < len(tree.symbol_names()) // 5  # ~1000 of 18000


# Each requirement is decided by one kind of reference only: a select, an imply, a
# default's condition, a range, a choice's other member, a prompt condition, MODULES.
SYNTHETIC = """\
mainmenu "closure"

config MODULES
\tbool "modules"
\tmodules

config SELECTOR
\tbool "selects SELECTED"
\tselect SELECTED

config SELECTED
\tbool

config IMPLIER
\tbool "implies IMPLIED"
\timply IMPLIED

config IMPLIED
\ttristate "implied"

config SWITCH
\tbool "switch"

config DEFAULTED
\tbool
\tdefault y if SWITCH

config BOUND
\tint "bound"
\tdefault 4

config RANGED
\tint "ranged"
\trange 1 BOUND
\tdefault 3

choice
\tprompt "pick"
\tdefault FIRST

config FIRST
\tbool "first"

config SECOND
\tbool "second"

endchoice

config GATE
\tbool "gate"

config GATED
\tbool "gated" if GATE
\tdefault y

config DRIVER
\ttristate "driver"
\tdefault m
"""
BASE = """\
CONFIG_MODULES=y
CONFIG_SELECTOR=y
CONFIG_IMPLIER=y
CONFIG_SWITCH=y
CONFIG_BOUND=2
CONFIG_SECOND=y
CONFIG_GATE=y
# CONFIG_GATED is not set
"""


def test_every_kind_of_reference_is_followed(tmp_path: Path) -> None:
    """A closure that missed one kind of reference would leave that requirement's
    deciding symbol at its default: each of these would then differ."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / "Makefile").write_text("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION =\n")
    (root / "Kconfig").write_text(SYNTHETIC)
    tree = KconfigTree.load(root, "x86_64", cache=False)
    config = tmp_path / "base.config"
    config.write_text(BASE)
    wanted = {
        "SELECTED": "y",
        "IMPLIED": "y",
        "DEFAULTED": "y",
        "RANGED": "2",
        "FIRST": "n",
        "GATED": "n",
        "DRIVER": "m",
    }
    reqs = [Requirement(symbol=s, value=v, roles=(), reason="test") for s, v in wanted.items()]
    within, whole = _within_then_whole(tree, Base.config(config), [], reqs)
    assert [(i["symbol"], i["final"]) for i in whole["requirements"]] == list(wanted.items())
    assert within == whole


_ALL_LINES = re.compile(r"")


def test_compat_skips_only_files_with_nothing_to_rewrite(
    real_tree: Callable[[str, str], KconfigTree],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every Kconfig file of the 6.12 tree and of the compat cases: the pre-check's
    answer is the full walk's (same text, same log)."""
    tree = real_tree("6.12", "arm")
    files = [*tree.root.rglob("Kconfig*"), *(Path(__file__).parent / "data").rglob("Kconfig*")]
    rewritten = 0
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        fast_log, full_log = compat.CompatLog(), compat.CompatLog()
        fast = compat.rewrite(text, str(path), fast_log)
        with monkeypatch.context() as patch:
            patch.setattr(compat, "_CANDIDATE", _ALL_LINES)
            full = compat.rewrite(text, str(path), full_log)
        assert (fast, fast_log) == (full, full_log), path
        rewritten += fast != text
    assert rewritten >= 5  # the compat cases (modules, transitional, depends-if, ';')
