"""`kdumplayer check --buildroot` and `--yocto` on real kernel sources (linux-source-6.12, 6.1).

The Buildroot-style external tree in data/br-external has one defconfig per
case, with the expected result; the tree kdumplayer generates (issue 6) is
checked too, merged over a Buildroot-style base defconfig as its README says.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import xmlschema

from kdumplayer.board.model import load_board
from kdumplayer.generate import buildroot as gen_buildroot
from kdumplayer.generate import yocto as gen_yocto
from kdumplayer.output import write_tree
from tests.check.conftest import DATA, KERNEL_61, KERNEL_612
from tests.conftest import REPO, run_cli

SRC = f"6.12={KERNEL_612}"

# defconfig -> (passes, first failing check)
EXPECTED = {
    "pc_x86_64_kdump_defconfig": (True, "-"),
    "arm64_custom_kdump_defconfig": (True, "-"),
    "pc_x86_64_nofragment_defconfig": (False, "DEBUG_INFO"),  # no kdump fragment listed
    "pc_x86_64_nopackage_defconfig": (False, "buildroot:kdump-package"),
    # kexec and makedumpfile, but nothing that loads the capture kernel at boot
    "pc_x86_64_noservice_defconfig": (False, "buildroot:kdump-service"),
    "pc_x86_64_blocked_defconfig": (False, "KEXEC"),  # no-kexec.cfg blocks CRASH_DUMP
    "arm_nocrashkernel_defconfig": (False, "buildroot:crashkernel"),
}


@pytest.fixture(scope="module")
def br_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    """One JSON and one GitHub run over the whole tree (--jobs 2), shared by the tests."""
    from tests.check.conftest import write_br_external

    tree = write_br_external(tmp_path_factory.mktemp("br") / "br-external")
    configs = sorted(str(p) for p in (tree / "configs").glob("*_defconfig"))
    result = run_cli(
        "check", "--buildroot", *configs, "--kernel-src", SRC, "--jobs", "2", "--format", "json"
    )
    assert result.code == 1, result.err
    github = run_cli("check", "--buildroot", *configs, "--kernel-src", SRC, "--format", "github")
    assert github.code == 1, github.err
    return tree, json.loads(result.out), github.out


def test_every_case_is_covered(br_run: tuple[Path, dict, str]) -> None:
    tree, data, _ = br_run
    assert {Path(r["name"]).name for r in data["results"]} == set(EXPECTED)
    assert sorted(p.name for p in (tree / "configs").iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_result(br_run: tuple[Path, dict, str], name: str) -> None:
    _, data, _ = br_run
    result = next(r for r in data["results"] if Path(r["name"]).name == name)
    passes, first = EXPECTED[name]
    assert result["passed"] is passes
    assert (result["first_failure"] or "-") == first
    assert result["kernel"]["version"].startswith("6.12.")
    assert result["kind"] == "buildroot"


def test_blocked_dependency_is_explained(br_run: tuple[Path, dict, str]) -> None:
    tree, data, _ = br_run
    result = next(r for r in data["results"] if r["name"].endswith("pc_x86_64_blocked_defconfig"))
    reqs = {r["symbol"]: r for r in result["requirements"]}
    crash = reqs["CRASH_DUMP"]
    assert crash["final"] == "n"
    assert {"term": "KEXEC_CORE", "value": "n"} in crash["details"]["blocking"]
    assert any("KEXEC_CORE [=n]" in line for line in crash["why"])
    # The line to change: where no-kexec.cfg turns kexec off, not where kdump.cfg asks for y.
    no_kexec = str(tree / "board" / "pc" / "no-kexec.cfg")
    assert crash["location"]["file"] == no_kexec
    assert reqs["KEXEC"]["location"] == {"file": no_kexec, "line": 2}
    assert any("overridden by" in line for line in reqs["KEXEC"]["why"])


def test_github_annotations_line_by_line(br_run: tuple[Path, dict, str]) -> None:
    tree, _, out = br_run
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    pattern = re.compile(r"^::error file=([^,]+)(?:,line=(\d+))?,title=([^:]+)::(.*)$")
    seen = set()
    for line in annotations:
        match = pattern.match(line)
        assert match, line
        file, number, title = match[1], match[2], match[3].replace("%3A", ":")
        assert Path(file).is_file(), line
        if number:  # the line exists in that file
            assert 1 <= int(number) <= len(Path(file).read_text().splitlines()), line
        seen.add((Path(file).name, int(number) if number else None, title))
    configs = tree / "configs"
    assert seen >= {
        ("pc_x86_64_nopackage_defconfig", 13, "kdump: buildroot kdump-package"),
        ("arm_nocrashkernel_defconfig", 13, "kdump: buildroot crashkernel"),
        ("no-kexec.cfg", 2, "kdump: KEXEC"),
        ("pc_x86_64_nofragment_defconfig", 12, "kdump: DEBUG_INFO"),
        ("pc_x86_64_noservice_defconfig", 14, "kdump: buildroot kdump-service"),
    }
    # Nothing about the configs that pass.
    for passing in ("pc_x86_64_kdump_defconfig", "arm64_custom_kdump_defconfig"):
        assert (configs / passing).is_file()
        assert not [line for line in annotations if passing in line]
    table = out.splitlines()[len(annotations) :]
    assert table[-1] == "7 config(s): 2 passed, 5 failed"


def test_junit_report_is_valid(br_external: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    configs = [str(p) for p in sorted((br_external / "configs").glob("pc_*_defconfig"))]
    result = run_cli(
        "check", "--buildroot", *configs, "--kernel-src", SRC, "--format", "junit", "-o", report
    )
    assert result.code == 1
    assert "5 config(s): 1 passed, 4 failed" in result.out  # the table still goes to stdout
    schema = xmlschema.XMLSchema(DATA / "junit.xsd")
    schema.validate(report)
    doc = schema.to_dict(report)
    assert len(doc["testsuite"]) == 5
    assert doc["@failures"] == sum(s["@failures"] for s in doc["testsuite"]) > 0


def test_generated_buildroot_tree_passes(tmp_path: Path) -> None:
    """The tree `kdumplayer generate buildroot` writes, merged over a Buildroot-style base."""
    board = load_board(REPO / "board-configs" / "qemu-x86_64.yaml")
    external = tmp_path / "external"
    write_tree(external, gen_buildroot.generate(board))
    # The kdump settings alone, as the README merges them over the board's own defconfig.
    kdump = external / "board" / board.name / "kdump.defconfig"
    base = DATA / "buildroot-top" / "configs" / "qemu_x86_64_defconfig"
    merged = tmp_path / "qemu_x86_64_kdump_defconfig"
    merged.write_text(base.read_text() + kdump.read_text())
    result = run_cli(
        "check",
        "--buildroot",
        merged,
        "--br2-external",
        external,
        "--buildroot-dir",
        DATA / "buildroot-top",
        "--kernel-src",
        f"6.1={KERNEL_61}",
        "--kernel-src",
        SRC,
        "--format",
        "json",
    )
    data = json.loads(result.out)["results"][0]
    assert result.code == 0, json.dumps(data, indent=1)
    assert data["kernel"]["version"].startswith("6.1.")  # BR2_..._VERSION_VALUE chose the source
    assert [f["check"] for f in data["buildroot"] if f["ok"]] == [
        "kdump-package",
        "kdump-service",
        "install-target",
        "crashkernel",
    ]


BR_BAD = sorted((DATA / "br-bad-input").glob("*_defconfig"))


@pytest.mark.parametrize("defconfig", BR_BAD, ids=lambda p: p.name)
def test_bad_input_exits_2(defconfig: Path, br_external: Path) -> None:
    expect = re.search(r"^# expect: (.+)$", defconfig.read_text(), re.M)
    assert expect
    result = run_cli(
        "check", "--buildroot", defconfig, "--br2-external", br_external, "--kernel-src", SRC
    )
    assert result.code == 2
    if "no source given" in expect[1]:  # not evaluated: reported for that config
        assert "1 config(s): 0 passed, 0 failed, 1 not evaluated" in result.out
    else:
        assert result.out == ""
    (line,) = result.err.splitlines()
    assert line.startswith(f"kdumplayer: error: {defconfig}:")
    assert expect[1] in line


def test_missing_defconfig_exits_2() -> None:
    result = run_cli("check", "--buildroot", "no/such_defconfig", "--kernel-src", SRC)
    assert result.code == 2
    assert "no/such_defconfig: no such file" in result.err


def test_yocto_layer_for_a_machine(yocto_layer: Path) -> None:
    result = run_cli(
        "check",
        "--yocto",
        yocto_layer,
        "--machine",
        "qemuarm64",
        "--arch",
        "arm64",
        "--kernel-src",
        KERNEL_612,
        "--format",
        "json",
    )
    data = json.loads(result.out)["results"][0]
    assert [Path(f).name for f in data["fragments"]] == ["kdump.cfg", "serial.cfg"]
    assert any("SRC_URI:append:kdump ignored" in n for n in data["notes"])
    assert data["base"] == "defconfig defconfig"  # arm64's KBUILD_DEFCONFIG
    assert result.code == 0, result.out


def test_generated_yocto_layer(tmp_path: Path) -> None:
    board = load_board(REPO / "board-configs" / "qemu-x86_64.yaml")
    layer = tmp_path / "meta-kdump"
    write_tree(layer, gen_yocto.generate(board))
    # The layer's kdump.cfg comes in through a DISTRO_FEATURES-conditional require,
    # read as if the feature were on.
    plain = run_cli(
        "check",
        "--yocto",
        layer,
        "--machine",
        "qemux86-64",
        "--arch",
        "x86_64",
        "--kernel-src",
        KERNEL_61,
        "--format",
        "json",
    )
    data = json.loads(plain.out)["results"][0]
    assert [Path(f).name for f in data["fragments"]] == ["kdump.cfg"]
    assert data["kernel"]["version"].startswith("6.1.")
    assert plain.code == 0, plain.out


def test_no_source_for_the_version(tmp_path: Path, br_external: Path) -> None:
    defconfig = tmp_path / "old_defconfig"
    shutil.copy(br_external / "configs" / "pc_x86_64_kdump_defconfig", defconfig)
    defconfig.write_text(defconfig.read_text().replace("6.12.117", "5.10.1"))
    result = run_cli(
        "check", "--buildroot", defconfig, "--br2-external", br_external, "--kernel-src", KERNEL_612
    )  # unlabelled: its Makefile says 6.12
    assert result.code == 2
    assert f"{defconfig}:7: kernel version 5.10.1: no source given" in result.err


@pytest.fixture(scope="module")
def mixed_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dict[str, object]]:
    """A good defconfig between two that cannot be evaluated, in every report format."""
    from tests.check.conftest import write_br_external

    tree = write_br_external(tmp_path_factory.mktemp("mixed") / "br-external")
    mips = tree / "configs" / "qemu_mips64_malta_defconfig"
    mips.write_text('BR2_mips64=y\nBR2_LINUX_KERNEL=y\nBR2_LINUX_KERNEL_DEFCONFIG="malta"\n')
    old = tree / "configs" / "pc_x86_64_old_defconfig"
    old.write_text(
        (tree / "configs" / "pc_x86_64_kdump_defconfig").read_text().replace("6.12.117", "5.10.1")
    )
    configs = [mips, tree / "configs" / "pc_x86_64_kdump_defconfig", old]
    runs = {
        fmt: run_cli("check", "--buildroot", *configs, "--kernel-src", SRC, "--format", fmt)
        for fmt in ("text", "json", "junit", "github")
    }
    return configs, runs


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
def test_unevaluable_configs_are_reported_and_the_others_checked(
    mixed_batch: tuple[list[Path], dict], fmt: str
) -> None:
    configs, runs = mixed_batch
    result = runs[fmt]
    assert result.code == 2, result.err
    errors = result.err.splitlines()
    assert len(errors) == 2 and all(e.startswith("kdumplayer: error: ") for e in errors)
    assert f"{configs[0]}: no arch kdumplayer handles" in errors[0]
    assert f"{configs[2]}:7: kernel version 5.10.1: no source given" in errors[1]
    if fmt == "json":
        data = json.loads(result.out)
        assert data["summary"] == {"configs": 3, "passed": 1, "failed": 0, "errors": 2}
        states = [(r["state"], r["passed"]) for r in data["results"]]
        assert states == [("error", False), ("passed", True), ("error", False)]
        assert data["results"][2]["error"]["location"]["line"] == 7
    elif fmt == "junit":
        doc = xmlschema.XMLSchema(DATA / "junit.xsd").to_dict(result.out)
        assert doc["@errors"] == 2 and doc["@failures"] == 0
        assert [s["@errors"] for s in doc["testsuite"]] == [1, 0, 1]
    elif fmt == "github":
        titles = re.findall(r"^::error [^:]*title=kdump%3A not evaluated::", result.out, re.M)
        assert len(titles) == 2
    else:
        assert result.out.count("ERROR ") == 2 and "PASS " in result.out
    if fmt in ("text", "github"):
        assert "3 config(s): 1 passed, 0 failed, 2 not evaluated" in result.out


def test_generated_defconfig_knows_the_board(tmp_path: Path) -> None:
    """pc-x86_64-grub loads with kexec_file_load: its generated (standalone) defconfig
    says so in its kdumplayer-board mark, and /proc/kcore is not asked for."""
    board = load_board(REPO / "board-configs" / "pc-x86_64-grub.yaml")
    external = tmp_path / "external"
    write_tree(external, gen_buildroot.generate(board))
    defconfig = next((external / "configs").glob("*_defconfig"))
    result = run_cli("check", "--buildroot", defconfig, "--kernel-src", SRC, "--format", "json")
    data = json.loads(result.out)["results"][0]
    symbols = {r["symbol"] for r in data["requirements"]}
    assert "PROC_KCORE" not in symbols and "KEXEC_FILE" in symbols
    assert any("load method kexec_file_load" in n for n in data["notes"])
    assert [f["check"] for f in data["buildroot"] if f["ok"]][:2] == [
        "kdump-package",
        "kdump-service",
    ]
    # The same defconfig told the board loads with kexec_load: PROC_KCORE is asked for.
    defconfig.write_text(
        defconfig.read_text().replace("load_method=kexec_file_load", "load_method=kexec_load")
    )
    again = run_cli("check", "--buildroot", defconfig, "--kernel-src", SRC, "--format", "json")
    assert "PROC_KCORE" in {
        r["symbol"] for r in json.loads(again.out)["results"][0]["requirements"]
    }


def test_kdump_only_defconfig_names_its_arch(tmp_path: Path) -> None:
    """Generated without a base for a board whose kernel it cannot configure, the
    defconfig holds no BR2_<arch> symbol: check reads the arch from the mark."""
    board = load_board(REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml")
    external = tmp_path / "external"
    write_tree(external, gen_buildroot.generate(board))
    defconfig = next((external / "configs").glob("*_defconfig"))
    assert "BR2_x86_64" not in defconfig.read_text()
    result = run_cli("check", "--buildroot", defconfig, "--kernel-src", SRC, "--format", "json")
    assert result.code == 1, result.err
    data = json.loads(result.out)["results"][0]
    assert data["arch"] == "x86_64"
    assert data["first_failure"] == "buildroot:kernel"  # merge it over a base first


def test_check_prints_the_kexec_tools_advice() -> None:
    board = REPO / "board-configs" / "legacy-x86_64-2.6.32.yaml"
    validate = run_cli("validate", "-q", board)
    advice = [line for line in validate.err.splitlines() if "kexec_tools" in line]
    assert advice
    result = run_cli("check", board, "--format", "json")  # stops: no kernel source
    for line in advice:
        assert line in result.err.splitlines()


def test_defconfig_without_a_kernel(tmp_path: Path) -> None:
    defconfig = tmp_path / "rootfs_only_defconfig"
    defconfig.write_text("BR2_arm=y\nBR2_PACKAGE_KEXEC=y\n")
    result = run_cli("check", "--buildroot", defconfig, "--kernel-src", SRC, "--format", "json")
    assert result.code == 1
    data = json.loads(result.out)["results"][0]
    assert data["first_failure"] == "buildroot:kernel"
    assert data["requirements"] == []


@pytest.mark.parametrize(
    ("arch_symbol", "base"),
    [
        ("BR2_x86_64", "defconfig x86_64_defconfig"),
        ("BR2_i386", "defconfig i386_defconfig"),
        ("BR2_aarch64", "defconfig defconfig"),
        ("BR2_arm", "defconfig multi_v7_defconfig"),
    ],
)
def test_arch_default_config_is_kbuild_defconfig(
    tmp_path: Path, arch_symbol: str, base: str
) -> None:
    """BR2_LINUX_KERNEL_USE_ARCH_DEFAULT_CONFIG runs `make defconfig`: KBUILD_DEFCONFIG."""
    defconfig = tmp_path / "default_defconfig"
    defconfig.write_text(
        f"{arch_symbol}=y\nBR2_LINUX_KERNEL=y\nBR2_LINUX_KERNEL_USE_ARCH_DEFAULT_CONFIG=y\n"
    )
    result = run_cli("check", "--buildroot", defconfig, "--kernel-src", SRC, "--format", "json")
    assert result.code == 1, result.err  # no kdump package, no crashkernel=
    assert json.loads(result.out)["results"][0]["base"] == base
