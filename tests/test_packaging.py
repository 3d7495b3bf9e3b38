"""A regular `pip install` of the checkout works: the wheel carries the data
directories, and the installed package finds them (not the checkout's)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import DEFAULT_BOARD, REPO

SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "out",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    "tests",
    "docs",
    "_data",
)


def test_wheel_carries_the_data_and_runs_from_it(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=SKIP)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = wheels.glob("kdumplayer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "kconfig-fragments/kdump.yaml",
        "kconfig-fragments/arches.yaml",
        "board-configs/schema/board.schema.json",
        "recipes/runtime/kdump",
    ):
        assert f"kdumplayer/_data/{data}" in names, data

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("KDUMPLAYER_DATA", None)
    shutil.rmtree(source)  # nothing may come from a checkout
    probe = "import kdumplayer, kdumplayer.paths as p; print(kdumplayer.__file__); print(p.ROOT)"
    where = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert where == [
        str(target / "kdumplayer" / "__init__.py"),
        str(target / "kdumplayer" / "_data"),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "kdumplayer", "fragment", str(DEFAULT_BOARD)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "CONFIG_CRASH_DUMP=y" in done.stdout
