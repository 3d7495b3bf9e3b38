"""Yocto release names have one home, recipes/yocto/releases.yaml: the schema's enum and
the board's default follow it."""

from __future__ import annotations

import json

import yaml

from kdumplayer.board.model import YOCTO_RELEASES_FILE, default_yocto_releases, load_board
from kdumplayer.paths import SCHEMA_FILE
from tests.conftest import REPO


def _releases() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = yaml.safe_load(YOCTO_RELEASES_FILE.read_text())["releases"]
    return data


def test_schema_enum_lists_exactly_the_data_files_releases() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    enum = schema["properties"]["yocto"]["properties"]["releases"]["items"]["enum"]
    assert enum == list(_releases())


def test_a_board_without_releases_claims_the_default_ones() -> None:
    assert default_yocto_releases() == [n for n, r in _releases().items() if r["default"]]
    assert "kirkstone" not in default_yocto_releases()  # as the examples have always claimed
    board = load_board(REPO / "board-configs" / "qemu-x86_64.yaml")
    assert "releases" not in yaml.safe_load(
        (REPO / "board-configs" / "qemu-x86_64.yaml").read_text()
    ).get("yocto", {})
    assert list(board.yocto.releases) == default_yocto_releases()
