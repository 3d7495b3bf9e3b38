"""Checks, explanations and fixes on Debian's real linux-source-6.1 and 6.12 trees."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from kdumplayer.fragment import fragment_for
from kdumplayer.kconfig import RESULT_SCHEMA, Base, KconfigTree, Status, compute_fix
from kdumplayer.requirements import Requirement, select
from tests.kconfig.conftest import VERSIONS

DEFCONFIG = {"x86_64": "x86_64_defconfig", "arm64": "defconfig", "arm": "multi_v7_defconfig"}


def kdump_fragment(tmp_path: Path, tree: KconfigTree) -> Path:
    path = tmp_path / f"kdump-{tree.arch.name}.cfg"
    path.write_text(fragment_for(tree.arch.name, tree.version))
    return path


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def requirement(symbol: str, value: str = "y") -> Requirement:
    return Requirement(symbol=symbol, value=value, roles=("system",), reason="test")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
@pytest.mark.parametrize("base_name", ["defconfig", "tinyconfig"])
def test_generated_fragment_is_met_after_fix(
    real_tree, tmp_path: Path, version: str, arch: str, base_name: str
) -> None:
    tree = real_tree(version, arch)
    base = Base.tinyconfig() if base_name == "tinyconfig" else Base.defconfig(DEFCONFIG[arch])
    frag = kdump_fragment(tmp_path, tree)
    result = tree.check(base, [frag])
    fix = compute_fix(tree, base, [frag])
    assert fix.verified.ok, [item.why() for item in fix.verified.unmet]
    assert not fix.unfixable
    if result.ok:
        assert fix.assignments == ()
    # the fix, written as a fragment after the kdump one, really makes it pass
    fix_file = write(tmp_path, "fix.cfg", fix.text)
    assert tree.check(base, [frag, fix_file]).ok
    # without the kdump fragment tinyconfig fails: the check is not vacuous
    if base_name == "tinyconfig":
        assert not tree.check(base, []).ok


def test_x86_64_defconfig_needs_no_fix_beyond_the_fragment(real_tree, tmp_path: Path) -> None:
    for version in VERSIONS:
        tree = real_tree(version, "x86_64")
        assert tree.check(Base.defconfig("x86_64_defconfig"), [kdump_fragment(tmp_path, tree)]).ok


@pytest.mark.parametrize(
    ("version", "fragment", "symbol", "blocking"),
    [
        ("6.12", "CONFIG_CRASH_DUMP=y\n", "CRASH_DUMP", "KEXEC_CORE [=n]"),
        ("6.1", "CONFIG_PROC_VMCORE=y\n", "PROC_VMCORE", "PROC_FS [=n]"),
    ],
)
def test_blocked_symbol_names_the_blocking_term(
    real_tree, tmp_path: Path, version: str, fragment: str, symbol: str, blocking: str
) -> None:
    tree = real_tree(version, "x86_64")
    frag = write(tmp_path, "blocked.cfg", fragment)
    result = tree.check(Base.tinyconfig(), [frag], [requirement(symbol)])
    [item] = result.items
    assert item.status is Status.UNMET and item.final == "n"
    assert item.requested is not None and item.requested.where == f"{frag}:1"
    assert blocking in [str(t) for t in item.explanation.blocking]
    text = "\n".join(item.why())
    assert f"{frag}:1 sets y, final value n" in text and blocking in text
    if version == "6.12":  # the promptless blocker is followed to what selects it
        assert any(
            d.startswith("KEXEC_CORE has no prompt; selected by KEXEC [=n]")
            for d in item.explanation.blocking_detail
        )


def test_unknown_symbol_closest_names_and_renames(real_tree, tmp_path: Path) -> None:
    tree = real_tree("6.12", "x86_64")
    frag = write(tmp_path, "old.cfg", "CONFIG_CRASH_CORE=y\nCONFIG_KEXEC=y\n")
    result = tree.check(
        Base.defconfig("x86_64_defconfig"),
        [frag],
        [requirement("CRASH_CORE"), requirement("KEXEC_FIEL")],
    )
    crash_core, typo = result.items
    assert crash_core.status is Status.ABSENT and crash_core.final is None
    assert "not defined in this kernel" in crash_core.explanation.summary
    assert any(r.startswith("VMCORE_INFO (since 6.9") for r in crash_core.explanation.renamed)
    assert "KEXEC_FILE" in typo.explanation.closest
    assert [a.symbol for a in result.unknown] == ["CRASH_CORE"]
    assert result.notes[0].startswith(f"{frag}:1: CONFIG_CRASH_CORE is not defined")


def test_not_set_on_absent_symbol_is_met(real_tree, tmp_path: Path) -> None:
    tree = real_tree("6.12", "arm64")
    frag = write(tmp_path, "off.cfg", "# CONFIG_CRASH_CORE is not set\n")
    result = tree.check(Base.defconfig("defconfig"), [frag], [requirement("CRASH_CORE", "n")])
    assert result.ok and result.items[0].status is Status.MET and result.items[0].final is None
    # the same absent symbol wanted =y is not met
    assert not tree.check(Base.defconfig("defconfig"), [frag], [requirement("CRASH_CORE")]).ok


def test_value_overridden_by_later_fragment(real_tree, tmp_path: Path) -> None:
    tree = real_tree("6.12", "x86_64")
    first = write(tmp_path, "a.cfg", "CONFIG_KEXEC=y\nCONFIG_MAGIC_SYSRQ=y\n")
    second = write(tmp_path, "b.cfg", "# CONFIG_MAGIC_SYSRQ is not set\n")
    result = tree.check(
        Base.defconfig("x86_64_defconfig"), [first, second], [requirement("MAGIC_SYSRQ")]
    )
    [item] = result.items
    assert item.status is Status.UNMET
    [(earlier, later)] = item.explanation.overridden
    assert (earlier.where, later.where) == (f"{first}:2", f"{second}:1")
    assert any("overridden by" in note for note in result.notes)


def test_arch_without_kexec_file_is_unfixable_with_reason(real_tree) -> None:
    tree = real_tree("6.12", "arm")
    reqs = [requirement("KEXEC_FILE")]
    fix = compute_fix(tree, Base.defconfig("multi_v7_defconfig"), [], reqs)
    [unfixable] = fix.unfixable
    assert "KEXEC_FILE" in unfixable.why
    assert "cannot be met here" in fix.text
    [item] = fix.verified.items
    assert "ARCH_SUPPORTS_KEXEC_FILE is not defined for arm: this arch does not offer it" in (
        item.explanation.blocking_detail
    )


def test_json_result_follows_schema(real_tree, tmp_path: Path) -> None:
    tree = real_tree("6.1", "arm64")
    result = tree.check(Base.tinyconfig(), [write(tmp_path, "x.cfg", "CONFIG_NOPE=y\n")])
    data = result.to_dict()
    jsonschema.validate(data, RESULT_SCHEMA)
    assert data["ok"] is False
    statuses = {r["status"] for r in data["requirements"]}
    assert "unmet" in statuses
    assert data["probes"] == "scripts/dummy-tools"


def test_one_parse_serves_many_configs(real_tree) -> None:
    """Checks on one parsed tree do not leak state into each other."""
    tree = real_tree("6.12", "arm64")
    reqs = select("arm64", tree.version)
    first = tree.check(Base.tinyconfig(), [], reqs)
    tree.check(Base.defconfig("defconfig"), [], reqs)
    again = tree.check(Base.tinyconfig(), [], reqs)
    assert [i.final for i in first.items] == [i.final for i in again.items]


def test_parsed_tree_is_cached_on_disk(real_tree) -> None:
    parsed = real_tree("6.12", "x86_64")
    cached = KconfigTree.load(parsed.source.origin, "x86_64")
    assert cached is not parsed and cached.version == parsed.version
    base = Base.defconfig("x86_64_defconfig")
    assert cached.evaluate(base).values == parsed.evaluate(base).values


def test_cross_toolchain_probes(real_tree, tmp_path: Path) -> None:
    """--toolchain: the probes run the cross compiler; the kdump symbols come out the same."""
    dummy = real_tree("6.12", "arm64")
    cross = KconfigTree.load(dummy.source.origin, "arm64", toolchain="aarch64-linux-gnu-")
    assert (dummy.probes, cross.probes) == ("scripts/dummy-tools", "toolchain aarch64-linux-gnu-")
    assert cross.env["CC"] == "aarch64-linux-gnu-gcc"
    frag = kdump_fragment(tmp_path, dummy)
    base = Base.defconfig("defconfig")
    finals = [[i.final for i in t.check(base, [frag]).items] for t in (dummy, cross)]
    assert finals[0] == finals[1]


def test_missing_toolchain_is_bad_input(real_tree) -> None:
    from kdumplayer.errors import UserError

    with pytest.raises(UserError, match="nonexistent-gcc not found"):
        KconfigTree.load(
            real_tree("6.12", "arm64").source.origin, "arm64", toolchain="nonexistent-"
        )
