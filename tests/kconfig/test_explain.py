"""Explanations and fixes around choices, on the synthetic choice trees (6.10 and 6.12 rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.kconfig import Base, KconfigTree, Status, compute_fix
from kdumplayer.requirements import Requirement
from tests.kconfig.conftest import DATA


def want(symbol: str, value: str = "y") -> Requirement:
    return Requirement(symbol=symbol, value=value, roles=("system",), reason="test")


# (tree, config, the member the choice resolves to)
CONFLICTS = [
    ("choice-6.12", "CONFIG_XZ=y\n", "XZ"),
    ("choice-6.10", "CONFIG_ZSTD=y\n", "ZSTD"),
    ("choice-6.12", "# CONFIG_GZIP is not set\n", "XZ"),  # the 6.11 rule
]


@pytest.mark.parametrize(("tree_dir", "config", "chosen"), CONFLICTS)
def test_choice_conflict_is_explained_and_fixed(
    tmp_path: Path, tree_dir: str, config: str, chosen: str
) -> None:
    tree = KconfigTree.load(DATA / tree_dir, "x86_64", cache=False)
    frag = tmp_path / "frag.cfg"
    frag.write_text(config)
    result = tree.check(Base.allnoconfig(), [frag], [want("GZIP")])
    [item] = result.items
    assert item.status is Status.UNMET
    assert (item.explanation.choice, item.explanation.choice_selection) == ("Compression", chosen)
    assert f"choice 'Compression' resolved to {chosen}" in item.why()
    assert item.explanation.defined_at[0].file == "Kconfig"
    fix = compute_fix(tree, Base.allnoconfig(), [frag], [want("GZIP")])
    assert [(a.symbol, a.value) for a in fix.assignments] == [("GZIP", "y")]
    assert fix.verified.ok


def test_unmet_not_set_request_on_defined_symbol(tmp_path: Path) -> None:
    """`n` wanted on a symbol that is y: unmet, and the fix turns it off."""
    tree = KconfigTree.load(DATA / "compat" / "modules", "x86_64", cache=False)
    frag = tmp_path / "on.cfg"
    frag.write_text("CONFIG_MODULES=y\nCONFIG_DRIVER=y\n")
    result = tree.check(Base.allnoconfig(), [frag], [want("DRIVER", "n")])
    assert result.items[0].status is Status.UNMET
    fix = compute_fix(tree, Base.allnoconfig(), [frag], [want("DRIVER", "n")])
    assert [(a.symbol, a.value) for a in fix.assignments] == [("DRIVER", "n")]
    assert "# CONFIG_DRIVER is not set" in fix.text
    assert fix.verified.ok
