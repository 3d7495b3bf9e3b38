"""runtime_files(board): which files, where, with what mode; every rendered script
passes the real shellcheck, for every example board and every init system."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.runtime import INITS, all_runtime_files, runtime_files
from tests.conftest import BOARDS, DEFAULT_BOARD

EXPECTED = {
    "busybox": {
        "kdump": "/usr/sbin/kdump",
        "kdump.conf": "/etc/kdump.conf",
        "S95kdump": "/etc/init.d/S95kdump",
    },
    "sysv": {
        "kdump": "/usr/sbin/kdump",
        "kdump.conf": "/etc/kdump.conf",
        "S95kdump": "/etc/init.d/S95kdump",
    },
    "systemd": {
        "kdump": "/usr/sbin/kdump",
        "kdump.conf": "/etc/kdump.conf",
        "kdump.service": "/usr/lib/systemd/system/kdump.service",
    },
    "openrc": {
        "kdump": "/usr/sbin/kdump",
        "kdump.conf": "/etc/kdump.conf",
        "kdump.openrc": "/etc/init.d/kdump",
    },
}
SCRIPTS = [
    (board, init, name)
    for board in BOARDS
    for init in INITS
    for name in EXPECTED[init]
    if name not in ("kdump.conf", "kdump.service")
]


@pytest.mark.parametrize("board_path", BOARDS, ids=lambda p: p.stem)
def test_only_the_boards_init_files(board_path: Path) -> None:
    board = load_board(board_path)
    files = runtime_files(board)
    assert {f.name: f.install_path for f in files} == EXPECTED[board.init]
    for item in files:
        assert item.mode == (0o644 if item.name in ("kdump.conf", "kdump.service") else 0o755)
        assert board.init in item.inits


@pytest.mark.parametrize("init", INITS)
def test_init_override(init: str) -> None:
    files = runtime_files(load_board(DEFAULT_BOARD), init)
    assert {f.name for f in files} == set(EXPECTED[init])


def test_all_runtime_files_lists_each_path_once() -> None:
    paths = [f.install_path for f in all_runtime_files(load_board(DEFAULT_BOARD))]
    assert len(paths) == len(set(paths)) == 5


def test_rendering_is_deterministic() -> None:
    board = load_board(DEFAULT_BOARD)
    assert [f.text for f in runtime_files(board)] == [f.text for f in runtime_files(board)]


@pytest.fixture(scope="module")
def shellcheck_findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One shellcheck run over every rendered script: file name -> findings."""
    assert shutil.which("shellcheck"), "shellcheck is not installed (make deps installs it)"
    root = tmp_path_factory.mktemp("rendered")
    by_text: dict[str, list[str]] = {}  # identical renderings are checked once
    for board_path, init, name in SCRIPTS:
        item = next(f for f in runtime_files(load_board(board_path), init) if f.name == name)
        by_text.setdefault(item.text, []).append(f"{board_path.stem}-{init}-{name}")
    paths = {}
    for index, (text, ids) in enumerate(by_text.items()):
        path = root / f"script{index}"
        path.write_text(text)
        paths[path.name] = ids
    done = subprocess.run(
        ["shellcheck", "-s", "sh", "-S", "style", "-f", "gcc", *(str(root / n) for n in paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    findings: dict[str, str] = {}
    for line in done.stdout.splitlines():
        for ident in paths[Path(line.split(":", 1)[0]).name]:
            findings[ident] = findings.get(ident, "") + line + "\n"
    return findings


@pytest.mark.parametrize(
    ("board_path", "init", "name"), SCRIPTS, ids=[f"{b.stem}-{i}-{n}" for b, i, n in SCRIPTS]
)
def test_shellcheck(
    board_path: Path, init: str, name: str, shellcheck_findings: dict[str, str]
) -> None:
    assert shellcheck_findings.get(f"{board_path.stem}-{init}-{name}", "") == ""


def test_shellcheck_reports_a_planted_problem(tmp_path: Path) -> None:
    # The check above can fail: shellcheck flags an unquoted variable in our style.
    script = tmp_path / "bad"
    script.write_text("#!/bin/sh\nrm $1\n")
    done = subprocess.run(
        ["shellcheck", "-s", "sh", "-S", "style", "-f", "gcc", str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "SC2086" in done.stdout


def test_sysv_script_is_buildroot_style() -> None:
    item = next(f for f in runtime_files(load_board(DEFAULT_BOARD)) if f.name.startswith("S"))
    assert re.fullmatch(r"S\d\dkdump", item.name)
    assert 'DAEMON="kdump"' in item.text.splitlines()
    indented = [line for line in item.text.splitlines() if line[:1] in (" ", "\t")]
    assert indented and all(line.startswith("\t") for line in indented)
    assert item.text.endswith("}\n") or item.text.endswith("esac\n")
    assert not any(line != line.rstrip() for line in item.text.splitlines())


def test_systemd_unit() -> None:
    item = next(
        f for f in runtime_files(load_board(DEFAULT_BOARD), "systemd") if f.name == "kdump.service"
    )
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(item.text)
    assert unit["Service"]["Type"] == "oneshot"
    assert unit["Service"]["ExecStart"] == "/usr/sbin/kdump start"
    assert unit["Service"]["RemainAfterExit"] == "yes"
    assert "local-fs.target" in unit["Unit"]["After"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_openrc_service() -> None:
    item = next(
        f for f in runtime_files(load_board(DEFAULT_BOARD), "openrc") if f.name == "kdump.openrc"
    )
    assert item.text.startswith("#!/sbin/openrc-run\n")
    # use, not need: Debian's OpenRC has no localmount service (the proof boots it).
    assert "use localmount" in item.text and "need " not in item.text
    assert "/usr/sbin/kdump start" in item.text


def test_conf_has_the_boards_values() -> None:
    board = load_board(BOARDS[[p.stem for p in BOARDS].index("beaglebone-black")])
    conf = next(f for f in runtime_files(board) if f.name == "kdump.conf").text
    values = dict(line.split("=", 1) for line in conf.splitlines() if line and line[0] != "#")
    assert values["kernel"] == board.capture_image
    assert values["dtb"] == "/sys/firmware/fdt"
    assert values["kexec_type"] == "zImage"
    assert values["cmdline_append"].startswith("maxcpus=1 reset_devices")
    assert values["keep"] == str(board.dump.keep)
    assert values["min_free_kb"] == str(board.dump.min_free // 1024)
