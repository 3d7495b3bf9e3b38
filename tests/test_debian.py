"""The private apt state: generations from data, the host's mirror, real downloads."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kdumplayer import debian


@pytest.mark.parametrize(
    ("version", "generation"),
    [
        ("6.1", "bookworm"),
        ("6.1.192", "bookworm"),
        ("6.12", "trixie"),
        ("6.6", "trixie"),  # no 6.6 in the table: the nearest newer series
        ("7.2", "unstable"),
        ("2.6.32", "bookworm"),
    ],
)
def test_generation_for_kernel(version: str, generation: str) -> None:
    assert debian.generation_for_kernel(version).name == generation


def test_generations_name_their_suites() -> None:
    gens = debian.generations()
    assert gens["bookworm"].suites[0] == "bookworm"
    assert gens["unstable"].suites == ("sid",)
    assert all(gen.suites for gen in gens.values())


def test_mirror_from_the_host_sources() -> None:
    archive, _security = debian.mirrors()
    assert archive.startswith(("http://", "https://", "file:/"))


def test_mirror_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KDUMPLAYER_DEBIAN_MIRROR", "http://mirror.invalid/debian/")
    assert debian.mirrors()[0] == "http://mirror.invalid/debian"


def test_private_state_leaves_the_host_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """riscv64 packages from unstable: found, while the host's dpkg still knows
    no riscv64 architecture and its own lists are untouched."""
    before = subprocess.run(
        ["dpkg", "--print-foreign-architectures"], capture_output=True, text=True, check=True
    ).stdout
    apt = debian.PrivateApt("unstable", "riscv64")
    apt.update()
    versions = apt.candidates(["kexec-tools", "makedumpfile", "busybox-static"])
    assert set(versions) == {"kexec-tools", "makedumpfile", "busybox-static"}
    assert versions["kexec-tools"].split(":")[-1] >= "2.0.32"
    after = subprocess.run(
        ["dpkg", "--print-foreign-architectures"], capture_output=True, text=True, check=True
    ).stdout
    assert after == before and "riscv64" not in after
    assert (apt.root / "sources.list").read_text().count(" sid main") == 1


def test_missing_package_is_one_clear_error() -> None:
    apt = debian.PrivateApt("unstable", "riscv64")
    with pytest.raises(debian.UserError, match="has no riscv64 package for: no-such-package-kdl"):
        apt.unpack(["no-such-package-kdl"], with_depends=False)
