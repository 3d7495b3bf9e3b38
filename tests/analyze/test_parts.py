"""analyze's parts that need no dump: VMCOREINFO parsing, build ids read from a
real ELF file (checked against readelf), and the refusals that follow."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kdumplayer.analyze import debuginfo
from kdumplayer.analyze.vmcoreinfo import VmcoreInfo
from kdumplayer.errors import UserError

TOOL = Path(shutil.which("readelf") or "/usr/bin/readelf")


def test_vmcoreinfo_fields() -> None:
    info = VmcoreInfo.parse(
        "OSRELEASE=6.1.0\nBUILD-ID=ABCDEF\nPAGESIZE=4096\n"
        "CRASHTIME=1765000000\nSYMBOL(prb)=ffffffff82\n"
    )
    assert (info.release, info.build_id, info.page_size, info.crash_time) == (
        "6.1.0",
        "abcdef",
        4096,
        1765000000,
    )


def test_build_id_matches_readelf() -> None:
    notes = subprocess.run(
        ["readelf", "-n", str(TOOL)], capture_output=True, text=True, check=True
    ).stdout
    expected = re.search(r"Build ID: ([0-9a-f]+)", notes)
    assert expected, notes
    vmlinux = debuginfo.read_vmlinux(TOOL)
    assert vmlinux.build_id == expected.group(1)


def test_a_vmlinux_of_another_build_is_refused_naming_both() -> None:
    own = debuginfo.read_vmlinux(TOOL)
    assert own.build_id
    info = VmcoreInfo.parse("OSRELEASE=6.1.0\nBUILD-ID=00112233\n")
    with pytest.raises(UserError) as caught:
        debuginfo.check_given(TOOL, info)
    assert f"its build id {own.build_id} is not the dump's 00112233" in str(caught.value)


def test_a_file_without_dwarf_is_refused() -> None:
    own = debuginfo.read_vmlinux(TOOL)
    assert own.build_id and not own.has_dwarf  # Debian strips its binaries
    info = VmcoreInfo.parse(f"OSRELEASE=6.1.0\nBUILD-ID={own.build_id}\n")
    with pytest.raises(UserError, match=r"has no debug info \(\.debug_info\)"):
        debuginfo.check_given(TOOL, info)


def test_not_elf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vmlinux").write_text("not a kernel\n")
    with pytest.raises(UserError, match="not a vmlinux"):
        debuginfo.read_vmlinux(tmp_path / "vmlinux")
