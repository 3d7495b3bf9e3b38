"""`kdumplayer reassemble`: what it refuses, one line each (the QEMU proof,
tests/verify/test_ssh_target.py, reassembles a real flattened dump)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

CASES = [
    ("empty-dir", {}, "holds no vmcore.flat"),
    (
        "cut",
        {"vmcore.flat-incomplete": b"makedumpfile\0"},
        "only vmcore.flat-incomplete: the transfer did not finish",
    ),
    ("not-flat", {"vmcore.flat": b"KDUMP   " + bytes(64)}, "is not in makedumpfile's flattened"),
    ("exists", {"vmcore.flat": b"makedumpfile\0" + bytes(64), "vmcore": b"x"}, "exists already"),
]


@pytest.mark.parametrize(("name", "files", "says"), CASES, ids=[c[0] for c in CASES])
def test_refused(name: str, files: dict[str, bytes], says: str, tmp_path: Path) -> None:
    for file, data in files.items():
        (tmp_path / file).write_bytes(data)
    result = run_cli("reassemble", tmp_path)
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and says in result.err, result.err
    assert not (tmp_path / "vmcore-incomplete").exists()


def test_a_broken_flat_file_leaves_nothing(tmp_path: Path) -> None:
    # The real makedumpfile -R refuses a header without the rest of the stream.
    (tmp_path / "vmcore.flat").write_bytes(b"makedumpfile\0" + bytes(4083))
    result = run_cli("reassemble", tmp_path)
    assert result.code == 2 and "makedumpfile -R" in result.err, result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vmcore.flat"]
