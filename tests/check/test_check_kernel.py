"""`kdumplayer check` on kernel configs: every x86, arm64 and arm defconfig of
linux-source-6.12 in one run, sharding, the single-config form, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import xmlschema

from kdumplayer.board.model import load_board
from kdumplayer.check.jobs import Job
from kdumplayer.check.runner import parse_shard, shard
from kdumplayer.errors import UserError
from kdumplayer.fragment import fragment_for, fragment_for_board
from kdumplayer.kconfig import Base
from kdumplayer.kconfig.source import open_source
from tests.check.conftest import DATA, KERNEL_61, KERNEL_612
from tests.conftest import REPO, run_cli

ALL = [
    "arch/x86/configs/*_defconfig",
    "arch/arm64/configs/defconfig",
    "arch/arm/configs/*_defconfig",
]


@pytest.fixture(scope="module")
def tree612() -> Path:
    return open_source(KERNEL_612, "x86").root


@pytest.fixture(scope="module")
def everything(tree612: Path) -> dict:
    """All x86, arm64 and arm defconfigs of 6.12, checked in one run with --jobs 2."""
    result = run_cli("check", "--kernel-src", KERNEL_612, "--jobs", "2", "--format", "json", *ALL)
    assert result.code == 1, result.err  # most defconfigs lack kdump options
    return json.loads(result.out)


def _defconfigs(tree: Path) -> list[str]:
    names = []
    for pattern in ALL:
        names += sorted(p.relative_to(tree).as_posix() for p in tree.glob(pattern))
    return names


def test_every_defconfig_is_checked_in_order(everything: dict, tree612: Path) -> None:
    names = [r["name"] for r in everything["results"]]
    assert names == _defconfigs(tree612)
    assert len(names) > 70
    assert everything["summary"]["configs"] == len(names)


def test_arch_follows_the_path(everything: dict) -> None:
    arches = {r["name"]: r["arch"] for r in everything["results"]}
    assert arches["arch/x86/configs/i386_defconfig"] == "i386"
    assert arches["arch/x86/configs/x86_64_defconfig"] == "x86_64"
    assert arches["arch/arm64/configs/defconfig"] == "arm64"
    assert {a for n, a in arches.items() if n.startswith("arch/arm/")} == {"arm"}


def test_results_follow_the_defconfig_text(everything: dict, tree612: Path) -> None:
    """KEXEC defaults to n: a defconfig without CONFIG_KEXEC=y (or KEXEC_FILE) cannot meet
    the kexec requirement, and one that passes has it."""
    for result in everything["results"]:
        text = (tree612 / result["name"]).read_text()
        has_kexec = re.search(r"^CONFIG_KEXEC(_FILE)?=y$", text, re.M) is not None
        kexec = next(r for r in result["requirements"] if r["symbol"] in ("KEXEC", "KEXEC_FILE"))
        assert kexec["met"] is has_kexec, result["name"]
        assert result["passed"] is all(r["met"] for r in result["requirements"])
        if not result["passed"]:
            assert result["first_failure"] == next(
                r["symbol"] for r in result["requirements"] if not r["met"]
            )


def test_known_outcomes(everything: dict) -> None:
    results = {r["name"]: r for r in everything["results"]}
    assert results["arch/arm64/configs/defconfig"]["passed"]
    x86 = results["arch/x86/configs/x86_64_defconfig"]
    assert [r["symbol"] for r in x86["requirements"] if not r["met"]] == ["DEBUG_INFO"]
    multi = {r["symbol"]: r for r in results["arch/arm/configs/multi_v7_defconfig"]["requirements"]}
    assert multi["KEXEC"]["met"] and multi["CRASH_DUMP"]["met"]  # set by the defconfig
    assert multi["DEBUG_INFO"]["final"] == "n" and multi["DEBUG_INFO"]["status"] == "unmet"
    assert results["arch/arm/configs/multi_v7_defconfig"]["base"] == "defconfig multi_v7_defconfig"
    assert all(r["kernel"]["version"].startswith("6.12.") for r in everything["results"])
    assert all(r["kernel"]["toolchain"] == "scripts/dummy-tools" for r in everything["results"])


def _jobs(names: list[str]) -> list[Job]:
    return [
        Job(name=n, kind="kernel", source="src", arch="arm", base=Base.config(n)) for n in names
    ]


@pytest.mark.parametrize("total", [1, 2, 3, 7])
def test_shards_are_disjoint_and_complete(total: int) -> None:
    jobs = _jobs([f"c{i:02}_defconfig" for i in range(20)])
    parts = [shard(jobs, k, total) for k in range(1, total + 1)]
    names = [j.name for part in parts for j in part]
    assert sorted(names) == sorted(j.name for j in jobs)
    assert len(set(names)) == len(names)
    # Independent of argument order.
    assert [j.name for j in shard(list(reversed(jobs)), 1, total)] == [j.name for j in parts[0]]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"])
def test_bad_shard(text: str) -> None:
    with pytest.raises(UserError, match="--shard"):
        parse_shard(text)


def test_shards_on_the_command_line() -> None:
    pattern = "arch/arm/configs/s*_defconfig"
    full = run_cli("check", "--kernel-src", KERNEL_612, "--format", "json", pattern)
    parts = [
        run_cli(
            "check", "--kernel-src", KERNEL_612, "--format", "json", "--shard", f"{k}/2", pattern
        )
        for k in (1, 2)
    ]
    names = [r["name"] for p in parts for r in json.loads(p.out)["results"]]
    assert sorted(names) == [r["name"] for r in json.loads(full.out)["results"]]
    assert "shard 1/2:" in parts[0].err


def test_junit_on_real_configs(tmp_path: Path) -> None:
    out = tmp_path / "kdump.xml"
    result = run_cli(
        "check",
        "--kernel-src",
        KERNEL_612,
        "--format",
        "junit",
        "-o",
        out,
        "arch/arm/configs/s*_defconfig",
        "arch/arm64/configs/defconfig",
    )
    assert result.code == 1
    schema = xmlschema.XMLSchema(DATA / "junit.xsd")
    schema.validate(out)
    suites = schema.to_dict(out)["testsuite"]
    assert suites[-1]["@name"] == "arch/arm64/configs/defconfig"
    assert suites[-1]["@failures"] == 0


@pytest.fixture(scope="module")
def fragment_x86(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("frag") / "kdump.cfg"
    path.write_text(fragment_for("x86_64", "6.12"))
    return path


def test_single_defconfig_with_the_fragment(fragment_x86: Path) -> None:
    result = run_cli(
        "check",
        "--kernel-src",
        KERNEL_612,
        "--arch",
        "x86_64",
        "--defconfig",
        "x86_64_defconfig",
        "--fragment",
        fragment_x86,
    )
    assert result.code == 0, result.out
    assert re.search(r"^PASS x86_64_defconfig \(x86_64, linux 6\.12\.\d+", result.out, re.M)
    assert "ok   KEXEC: requested y, final y" in result.out  # one config: every requirement


def test_tinyconfig_fix_is_verified(tmp_path: Path) -> None:
    fix = tmp_path / "fix.cfg"
    args = ["check", "--kernel-src", KERNEL_612, "--arch", "x86_64", "tinyconfig"]
    first = run_cli(*args, "--fix", fix)
    assert first.code == 1  # tinyconfig has no kexec
    text = fix.read_text()
    assert text.startswith("# kdump fix fragment")
    assert "CONFIG_KEXEC=y" in text
    second = run_cli(*args, "--fragment", fix)
    assert second.code == 0, second.out


def test_against_a_fragment(tmp_path: Path) -> None:
    wanted = tmp_path / "wanted.cfg"
    wanted.write_text("CONFIG_KEXEC=y\nCONFIG_DEBUG_INFO_BTF=y\n")
    result = run_cli(
        "check",
        "--kernel-src",
        KERNEL_612,
        "--arch",
        "x86_64",
        "--defconfig",
        "x86_64_defconfig",
        "--against",
        wanted,
        "--format",
        "json",
    )
    reqs = json.loads(result.out)["results"][0]["requirements"]
    assert [(r["symbol"], r["met"]) for r in reqs] == [("KEXEC", True), ("DEBUG_INFO_BTF", False)]
    assert result.code == 1


def test_board_form() -> None:
    """A board: its source, arch and base, plus the kdump fragment generated for it
    (what the generated Buildroot and Yocto trees build), or without it."""
    board = REPO / "board-configs" / "qemu-x86_64.yaml"
    result = run_cli("check", board, "--kernel-src", f"6.1={KERNEL_61}", "--format", "json")
    data = json.loads(result.out)["results"][0]
    assert result.code == 0, result.out
    assert data["name"] == "qemu-x86_64"
    assert data["base"] == "defconfig x86_64_defconfig"
    assert data["kernel"]["version"].startswith("6.1.")
    (fragment,) = data["fragments"]
    assert Path(fragment).read_text() == fragment_for_board(load_board(board))
    bare = run_cli("check", board, "--without-kdump-fragment", "--format", "json")
    data = json.loads(bare.out)["results"][0]
    assert bare.code == 1
    assert data["fragments"] == []
    failed = [r for r in data["requirements"] if not r["met"]]
    assert failed and all(r["location"] == {"file": str(board), "line": None} for r in failed)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["arch/arm/configs/nothing*_defconfig"], "nothing matches"),
        (["--arch", "sparc", "--defconfig", "x"], "unsupported arch 'sparc'"),
        (["--arch", "x86_64", "--defconfig", "no_such_defconfig"], "no_such_defconfig"),
        (["--arch", "x86_64", "--config", "/no/such.config"], "--config: no such file"),
        (["--arch", "x86_64", "--fragment", "/no/frag.cfg", "tinyconfig"], "/no/frag.cfg"),
        (["--fix", "/tmp/x.cfg", "arch/arm/configs/s*_defconfig"], "--fix needs exactly one"),
        (["--shard", "3/2", "arch/arm64/configs/defconfig"], "--shard '3/2'"),
        ([str(REPO / "board-configs" / "qemu-x86_64.yaml")], "kernel version 6.1: no source"),
        ([], "nothing to check"),
    ],
)
def test_bad_input_exits_2(args: list[str], message: str) -> None:
    result = run_cli("check", "--kernel-src", f"6.12={KERNEL_612}", *args)
    assert result.code == 2, result.out
    assert result.out == ""
    (line,) = result.err.splitlines()
    assert line.startswith("kdumplayer: error: ")
    assert message in line


def test_kernel_source_missing_exits_2() -> None:
    result = run_cli("check", "--kernel-src", "/no/linux.tar.xz", "--arch", "arm", "tinyconfig")
    assert result.code == 2
    assert "/no/linux.tar.xz: --kernel-src: kernel source not found" in result.err


def test_cold_parse_in_worker_processes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tree612: Path
) -> None:
    """Workers parse and pickle the arm tree themselves (an empty parse cache): the deep
    recursion of the pickle must not kill them (it did with the 8 MiB stack)."""
    from kdumplayer.check import runner
    from kdumplayer.paths import cache_dir

    monkeypatch.setattr(runner, "_TREES", {})  # forked workers must not inherit parsed trees
    shared = cache_dir()
    fresh = tmp_path / "cache"
    fresh.mkdir()
    for name in ("trees", "tarball-hashes"):  # keep the extraction, drop parsed trees
        (fresh / name).symlink_to(shared / name)
    monkeypatch.setenv("KDUMPLAYER_CACHE", str(fresh))
    result = run_cli(
        "check",
        "--kernel-src",
        KERNEL_612,
        "--jobs",
        "2",
        "--format",
        "json",
        "arch/arm/configs/s3c6400_defconfig",
        "arch/arm/configs/sama5_defconfig",
    )
    assert result.code == 1, result.err
    assert len(json.loads(result.out)["results"]) == 2
    assert list((fresh / "parsed").glob("*.pickle"))


def test_chunks_put_each_key_first_once() -> None:
    from kdumplayer.check.runner import chunks

    arches = ["x86_64", "i386", "arm64"] + ["arm"] * 10
    jobs = [
        Job(name=str(i), kind="kernel", source="s", arch=a, base=Base.config("x"))
        for i, a in enumerate(arches)
    ]
    parts = chunks(jobs, 2)
    assert sorted(i for part in parts for i in part) == list(range(len(jobs)))
    for part in parts:
        assert len({jobs[i].arch for i in part}) == 1
    # The first chunks start four different trees; arm, the largest, first.
    assert [jobs[part[0]].arch for part in parts[:4]] == ["arm", "arm64", "i386", "x86_64"]
    assert sum(jobs[part[0]].arch == "arm" for part in parts) == 4  # 2 x workers
    assert chunks(jobs, 1)[0] == list(range(3, 13))  # one worker: one chunk per key


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bad_fragment_line_in_a_worker_exits_2(jobs: str) -> None:
    """A UserError raised while checking (here in the Kconfig library, possibly in a worker
    process) comes back as the one located error line."""
    bad = DATA / "bad-fragment.cfg"
    result = run_cli(
        "check",
        "--kernel-src",
        KERNEL_612,
        "--jobs",
        jobs,
        "--fragment",
        bad,
        "arch/arm64/configs/defconfig",
        "arch/arm/configs/sama5_defconfig",
    )
    assert result.code == 2
    assert result.out == ""
    (line,) = result.err.splitlines()
    assert line.startswith(f"kdumplayer: error: {bad}:3: not an assignment")
