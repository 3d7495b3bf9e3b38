"""`kdumplayer check --config FILE` without a kernel tree: the config's own values.

The configs under data/kernel-configs/ were written by the kernel's own C
kconfig (`make tinyconfig`, then merge_config.sh with the kdump fragment and
`make olddefconfig`; see its README); the slow fidelity tests check the same on
configs the C tools write at test time.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from kdumplayer.kconfig import static
from tests.conftest import run_cli

DATA = Path(__file__).resolve().parent / "data"
CONFIGS = DATA / "kernel-configs"

# (file, arch, version, first unmet requirement: None with kdump, all met)
KERNEL_WRITTEN = [
    ("6.12-x86_64-tinyconfig-kdump.config", "x86_64", "6.12.118", None),
    ("6.12-x86_64-tinyconfig.config", "x86_64", "6.12.118", "KEXEC"),
    ("6.1-arm64-tinyconfig-kdump.config", "arm64", "6.1.192", None),
    ("6.1-arm64-tinyconfig.config", "arm64", "6.1.192", "KEXEC_FILE"),
]


def shown(path: Path) -> str:
    """A path as reports name it (relative under the working directory)."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def as_gzip(path: Path, tmp_path: Path) -> Path:
    out = tmp_path / "config.gz"
    out.write_bytes(gzip.compress(path.read_bytes()))
    return out


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "config.gz"])
@pytest.mark.parametrize(("name", "arch", "version", "unmet"), KERNEL_WRITTEN)
def test_kernel_written_config(
    tmp_path: Path, name: str, arch: str, version: str, unmet: str | None, compressed: bool
) -> None:
    kdump = unmet is None
    path = CONFIGS / name
    given = as_gzip(path, tmp_path) if compressed else path
    result = run_cli("check", "--config", given)
    assert result.code == (0 if kdump else 1), result.out + result.err
    first = result.out.splitlines()[0]
    assert first.startswith(
        f"{'PASS' if kdump else 'FAIL'} {given} ({arch}, linux {version}, no kernel tree)"
    )
    assert "note: dependencies were not evaluated" in result.out
    if unmet is not None:  # the kernel's own line is the one to change
        assert f"FAIL {unmet}: requested y, final n" in result.out
        line = next(
            i
            for i, text in enumerate(path.read_text().splitlines(), 1)
            if text == f"# CONFIG_{unmet} is not set"
        )
        assert f"change: {shown(given)}:{line}" in result.out


@pytest.mark.parametrize("fmt", ["json", "junit", "github"])
def test_report_formats(fmt: str) -> None:
    path = CONFIGS / "6.12-x86_64-tinyconfig.config"
    result = run_cli("check", "--config", path, "--format", fmt)
    assert result.code == 1
    if fmt == "json":
        data = json.loads(result.out)
        (entry,) = data["results"]
        assert entry["kernel"] == {
            "source": "",
            "version": "6.12.118",
            "toolchain": "no kernel tree",
        }
        assert any("dependencies were not evaluated" in n for n in entry["notes"])
        kexec = next(r for r in entry["requirements"] if r["symbol"] == "KEXEC")
        assert (kexec["final"], kexec["met"]) == ("n", False)
    elif fmt == "junit":
        suite = ET.fromstring(result.out).find("testsuite")
        assert suite is not None and int(suite.get("failures", "0")) >= 1
    else:
        assert f"::error file={shown(path)},line=" in result.out


def test_arch_from_header_and_bits() -> None:
    i386 = static.load(CONFIGS / "6.12-x86_64-tinyconfig.config")
    assert (i386.arch.name, i386.version) == ("x86_64", "6.12.118")


def test_arch_option_must_agree() -> None:
    result = run_cli("check", "--config", CONFIGS / "6.1-arm64-tinyconfig.config", "--arch", "arm")
    assert result.code == 2
    assert "--arch arm differs from the config's own arch arm64" in result.err


def test_options_that_need_a_tree() -> None:
    result = run_cli(
        "check", "--config", CONFIGS / "6.1-arm64-tinyconfig.config", "--fix", "fix.cfg"
    )
    assert result.code == 2
    assert "--fix needs --kernel-src" in result.err


def test_empty_values_are_read() -> None:
    # What the C tools write for an int/hex symbol without a value before 6.8.
    text = (CONFIGS / "6.1-arm64-tinyconfig-kdump.config").read_text()
    config = static.load(CONFIGS / "6.1-arm64-tinyconfig-kdump.config")
    assert len(config.assignments) == sum(
        line.startswith(("CONFIG_", "# CONFIG_")) for line in text.splitlines()
    )


# Bad files: (name, line or None, words of the one error line)
BAD = {
    "not-a-config.yaml": (1, "no '# Linux/ARCH VERSION Kernel Configuration' header"),
    "fragment-no-header.config": (1, "not a kernel config written by the kernel's tools"),
    "truncated.config": (160, "truncated: the last line is cut off"),
    "binary.bin": (None, "not a kernel config: binary data"),
    "not-utf8.config": (None, "not a kernel config: not text"),
    "empty.config": (None, "not a kernel config: empty"),
    "other-arch.config": (3, "its header names arch 'powerpc'"),
    "riscv32.config": (3, "a 32-bit riscv config: kdumplayer supports riscv64"),
    "garbage-line.config": (6, "not an assignment"),
    "truncated.gz": (None, "corrupt or truncated gzip data"),
}


def test_every_bad_file_has_a_case() -> None:
    assert sorted(p.name for p in (DATA / "bad-configs").iterdir()) == sorted(
        n for n in BAD if n != "truncated.gz"
    )


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file(tmp_path: Path, name: str) -> None:
    if name == "truncated.gz":
        whole = gzip.compress((CONFIGS / "6.12-x86_64-tinyconfig.config").read_bytes())
        path = tmp_path / name
        path.write_bytes(whole[: len(whole) // 2])
    else:
        path = DATA / "bad-configs" / name
    line, words = BAD[name]
    result = run_cli("check", "--config", path)
    assert result.code == 2
    assert result.out == ""
    (message,) = result.err.splitlines()  # one line, no traceback
    where = f"{path}:{line}" if line else f"{path}"
    assert message.startswith(f"kdumplayer: error: {where}: "), message
    assert words in message


@pytest.mark.parametrize(
    ("tarball", "note"),
    [
        (
            "/usr/src/linux-source-6.12.tar.xz",
            "6.1-arm64-tinyconfig-kdump.config:3: its header names Linux 6.1.192; it is evaluated on "  # noqa: E501
            "the Kconfig of Linux 6.12.",
        ),
        ("/usr/src/linux-source-6.1.tar.xz", None),
    ],
)
def test_header_of_another_version_is_said(tarball: str, note: str | None) -> None:
    path = CONFIGS / "6.1-arm64-tinyconfig-kdump.config"
    result = run_cli("check", "--config", path, "--kernel-src", tarball, "--arch", "arm64")
    assert result.code == 0, result.out + result.err
    notes = [line for line in result.out.splitlines() if line.startswith("  note: ")]
    if note is None:
        assert notes == []
    else:
        (line,) = notes
        assert note in line
        assert "of its symbols are not defined in this kernel and were dropped (" in line


def test_several_configs_each_on_its_header() -> None:
    paths = sorted(CONFIGS.glob("*.config"))
    result = run_cli("check", *paths)
    assert result.code == 1
    rows = {
        line.split()[0]: line.split()[1:4]
        for line in result.out.splitlines()
        if line.startswith(tuple(str(p) for p in paths))
    }
    assert rows[str(CONFIGS / "6.1-arm64-tinyconfig-kdump.config")] == ["arm64", "met", "11/11"]
    assert rows[str(CONFIGS / "6.12-x86_64-tinyconfig.config")][:2] == ["x86_64", "unmet"]


def test_against_a_fragment(tmp_path: Path) -> None:
    wanted = tmp_path / "wanted.cfg"
    wanted.write_text("CONFIG_KEXEC=y\n# CONFIG_MODULES is not set\nCONFIG_HZ=1000\n")
    result = run_cli(
        "check", "--config", CONFIGS / "6.12-x86_64-tinyconfig-kdump.config", "--against", wanted
    )
    assert result.code == 1
    assert "ok   KEXEC: requested y, final y" in result.out
    assert "ok   MODULES: requested n, final n" in result.out
    assert "FAIL HZ: requested 1000, final 250" in result.out
