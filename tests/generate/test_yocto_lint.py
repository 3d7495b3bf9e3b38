"""The Yocto layer passes the real checkers: oelint-adv (pinned) and shellcheck.

oelint-adv runs on every BitBake file of each example board's layer for every
release the layer claims, suppressing only the rule that needs the network
(homepageping). shellcheck runs on the scripts the layer installs and on the
shell tasks of its recipes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kdumplayer.board.model import Board, load_board
from kdumplayer.generate import yocto
from kdumplayer.output import write_tree
from tests.conftest import BOARDS as EXAMPLES
from tests.conftest import DEFAULT_BOARD, REPO

# The examples, and a board with an ssh dump target (the client, the key's install).
BOARDS = [*EXAMPLES, REPO / "tests" / "data" / "network" / "ssh-board.yaml"]
IDS = [p.stem for p in BOARDS]
BITBAKE_SUFFIXES = (".bb", ".bbappend", ".inc", ".bbclass", ".conf")
# A shell task of a recipe: `do_x() {` (or do_x:append) up to the closing brace.
TASK = re.compile(r"^(do_[a-z_]+(?::(?:append|prepend))?)\(\) \{\n(.*?)^\}$", re.M | re.S)


def oelint(release: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "oelint_adv",
            "--quiet",
            "--release",
            release,
            "--hide",
            "info",
            "--suppress",
            "oelint.vars.homepageping",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def bitbake_files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*") if p.suffix in BITBAKE_SUFFIXES and "files" not in p.parts
    )


def write_layer(board: Board, tmp: Path) -> Path:
    root = tmp / board.yocto.layer
    write_tree(root, yocto.generate(board))
    return root


def test_oelint_is_the_pinned_version() -> None:
    from importlib.metadata import version

    assert version("oelint-adv") == "9.11.2"


@pytest.mark.parametrize("path", BOARDS, ids=IDS)
def test_oelint_clean(path: Path, tmp_path: Path) -> None:
    board = load_board(path)
    root = write_layer(board, tmp_path)
    files = bitbake_files(root)
    assert len(files) >= 7  # layer.conf, conf snippet, class, bbappend, 2 .inc, recipe
    for release in board.yocto.releases:
        result = oelint(release, files)
        assert result.returncode == 0 and not result.stderr.strip(), (
            f"oelint-adv --release {release}:\n{result.stderr}{result.stdout}"
        )


# What the linter must catch, so a clean run above means something: each edit
# turns the default board's kdump-init recipe into one oelint-adv rejects.
BREAKAGES = {
    "old-override": (
        lambda t: t.replace("RDEPENDS:${PN} =", "RDEPENDS_${PN} ="),
        "oelint.vars.mispell",
    ),
    "no-license": (lambda t: t.replace('LICENSE = "MIT"\n', ""), "oelint.var.mandatoryvar.LICENSE"),
    # SECTION moved below RDEPENDS: out of the style guide's order.
    "bad-order": (
        lambda t: t.replace('SECTION = "kernel/userland"\n', "") + 'SECTION = "kernel/userland"\n',
        "oelint.var.order.SECTION",
    ),
}


@pytest.mark.parametrize("what", BREAKAGES)
def test_oelint_catches(tmp_path: Path, what: str) -> None:
    edit, rule = BREAKAGES[what]
    board = load_board(DEFAULT_BOARD)
    root = write_layer(board, tmp_path)
    target = root / "recipes-kernel" / "kdump-init" / "kdump-init_1.0.bb"
    before = target.read_text()
    target.write_text(edit(before))
    assert target.read_text() != before
    result = oelint(board.yocto.releases[-1], bitbake_files(root))
    assert result.returncode != 0, what
    assert rule in result.stderr, result.stderr


def shell_of_tasks(text: str) -> str:
    """The recipe's shell tasks as one sh script: BitBake references become fixed paths."""
    out = ["#!/bin/sh", 'bbwarn() { echo "$*" >&2; }', 'oe_runmake() { make "$@"; }']
    for name, body in TASK.findall(text):
        body = re.sub(r"\$\{@[^}]*\}", "/bb/python", body)
        body = re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: f"/bb/{m.group(1)}", body)
        out += [f"{name.replace(':', '_')}() {{", body.rstrip("\n"), "}"]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("path", BOARDS, ids=IDS)
def test_shellcheck(path: Path, tmp_path: Path) -> None:
    board = load_board(path)
    root = write_layer(board, tmp_path)
    scripts = [
        p
        for p in (root / "recipes-kernel" / "kdump-init" / "files").iterdir()
        if p.read_text().startswith("#!")
    ]
    assert scripts
    tasks = []
    for recipe in bitbake_files(root):
        text = recipe.read_text()
        if TASK.search(text):
            shell = tmp_path / f"{recipe.name}.sh"
            shell.write_text(shell_of_tasks(text))
            tasks.append(shell)
    assert any(t.name.startswith("kdump-init") for t in tasks)
    assert any(t.name.startswith("linux-kdump-merge") for t in tasks)
    result = subprocess.run(
        ["shellcheck", "-s", "sh", *map(str, scripts + tasks)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_sees_task_bodies(tmp_path: Path) -> None:
    """The task extraction hands shellcheck real code: a broken task fails."""
    shell = tmp_path / "broken.sh"
    shell.write_text(shell_of_tasks("do_install() {\n    install -d $D/${bindir}\n}\n"))
    assert "install -d $D//bb/bindir" in shell.read_text()
    result = subprocess.run(
        ["shellcheck", "-s", "sh", str(shell)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "SC2086" in result.stdout


def test_check_layer_script() -> None:
    """ci/yocto-check-layer.sh (`make yocto-check-layer`, run by hand against fetched
    oe-core and bitbake): shellcheck clean, and without them it says how to run it."""
    script = Path(__file__).resolve().parents[2] / "ci" / "yocto-check-layer.sh"
    lint = subprocess.run(
        ["shellcheck", "-s", "sh", str(script)], capture_output=True, text=True, check=False
    )
    assert lint.returncode == 0, lint.stdout
    usage = subprocess.run(
        ["sh", str(script), "/nonexistent"], capture_output=True, text=True, check=False
    )
    assert usage.returncode == 2 and usage.stderr.startswith("usage: ")
