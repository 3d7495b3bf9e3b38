"""The measured crashkernel= model (kdumplayer.crashkernel_model): the fit through the
floors, the recommendation's arithmetic, the image footprints read from headers, and
the example boards reserving what the recommendation says."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from kdumplayer.board.model import load_board
from kdumplayer.crashkernel import model
from tests.conftest import REPO, run_cli

M = 1 << 20
G = 1 << 30
MODEL_TEXT = """\
margin: {percent: 25, minimum: 8M}
round: 2M
initrd_factor: 2
zimage_factor: 5
previous:
  - {arch: x86_64, kernel: gold, memory: 1G, captures: 24M, fails: 16M}
previous_recommendation: {board: qemu-x86_64, size: 144M}
"""


def _entry(
    memory: int,
    captures: int,
    *,
    arch: str = "x86_64",
    kernel: str = "gold",
    footprint: int = 14 * M,
    initrd: int = 0,
    init: str = "busybox",
) -> model.Entry:
    return model.Entry(
        arch=arch,
        kernel=kernel,
        memory=memory,
        captures=captures,
        fails=captures - 2 * M,
        image=2 * M,
        footprint=footprint,
        initrd=initrd,
        init=init,
    )


@pytest.fixture
def mdl(tmp_path: Path) -> model.Model:
    path = tmp_path / "model.yaml"
    path.write_text(MODEL_TEXT)
    return model.Model.load(path)


# Overheads 6M, 8M, 12M at 0.5G, 1G, 2G: least squares gives 4M + 4M per G exactly.
TABLE = model.Table((_entry(G // 2, 20 * M), _entry(G, 22 * M), _entry(2 * G, 26 * M)))


def test_fit_is_least_squares_through_the_overheads(mdl: model.Model) -> None:
    found = model.fit(TABLE, mdl, "x86_64")
    assert found is not None
    assert found.intercept == pytest.approx(4 * M)
    assert found.slope * G == pytest.approx(4 * M)
    assert len(found.basis) == 3


def test_fit_of_one_ram_size_has_no_slope(mdl: model.Model) -> None:
    found = model.fit(model.Table((_entry(G, 22 * M),)), mdl, "x86_64")
    assert found is not None
    assert (found.intercept, found.slope) == (8 * M, 0.0)


@pytest.mark.parametrize(
    ("memory", "footprint", "initrd", "model_total", "margin", "size"),
    [
        # 4M + 4M/G x 4G + 14M = 34M; 25% = 8.5M (above the 8M minimum): 42.5M -> 44M.
        (4 * G, None, None, 34 * M, 8.5 * M, 44 * M),
        # 4M + 4M + 14M = 22M; 25% is 5.5M, the minimum 8M wins: 30M.
        (G, None, None, 22 * M, 8 * M, 30 * M),
        # A 20M footprint and a 3M initrd counted twice: 4 + 4 + 20 + 6 = 34M -> 42.5 -> 44M.
        (G, 20 * M, 3 * M, 34 * M, 8.5 * M, 44 * M),
    ],
)
def test_recommend_arithmetic(
    mdl: model.Model,
    memory: int,
    footprint: int | None,
    initrd: int | None,
    model_total: int,
    margin: float,
    size: int,
) -> None:
    given = None if footprint is None else (footprint, "test")
    rec = model.recommend(TABLE, mdl, "x86_64", memory, "gold", given, initrd)
    assert rec.model_total == model_total
    assert sum(t.amount for t in rec.terms) == rec.model_total
    assert rec.margin.amount == int(margin)
    assert rec.size == size
    assert rec.size % (2 * M) == 0
    assert rec.basis == TABLE.entries


def test_recommend_adds_what_another_init_costs(mdl: model.Model) -> None:
    table = TABLE.with_entry(_entry(G, 40 * M, init="systemd"))
    rec = model.recommend(table, mdl, "x86_64", G, "gold", None, None, "systemd")
    init = rec.terms[-1]
    assert init.amount == 18 * M  # 40M with systemd less 22M with BusyBox, same RAM
    assert "systemd" in init.label
    assert rec.model_total == 40 * M
    assert rec.size == 50 * M  # + 25% = 10M
    unmeasured = model.recommend(TABLE, mdl, "x86_64", G, "gold", None, None, "openrc")
    assert unmeasured.terms[-1].amount == 0
    assert "not measured" in unmeasured.terms[-1].label


def test_recommend_without_floors_for_the_arch(mdl: model.Model) -> None:
    with pytest.raises(LookupError, match="no measured floor for arm"):
        model.recommend(TABLE, mdl, "arm", G, "gold", None, None)


def test_floors_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "floor.yaml"
    table = TABLE.with_entry(_entry(G, 80 * M, kernel="debian-bookworm", initrd=5 * M))
    model.write_floors(table, path)
    assert model.load_floors(path) == table
    assert path.read_text().startswith("# The memory floor")


def test_footprint_from_headers() -> None:
    bz = bytearray(0x300)
    bz[0x202:0x206] = b"HdrS"
    struct.pack_into("<I", bz, 0x260, 14 * M)
    assert model.footprint(bytes(bz), 5) == (14 * M, "bzImage init_size")
    arm64 = bytearray(64 + 16)
    struct.pack_into("<Q", arm64, 16, 5 * M)
    arm64[56:60] = b"ARM\x64"
    assert model.footprint(bytes(arm64), 5) == (5 * M, "Image header image_size")
    zimage = bytearray(1000)
    struct.pack_into("<I", zimage, 0x24, 0x016F2818)
    assert model.footprint(bytes(zimage), 5) == (5000, "zImage size x 5")
    assert model.footprint(b"\0" * 100, 5) == (100, "file size")


def _reserved(path: Path) -> int:
    board = load_board(path)
    return max(p.size_for(board.memory) for p in board.crashkernel.params)


# Every arch of an example board has a measured floor (docs/memory.md).
UNMEASURED: set[str] = set()
BOARDS = sorted((REPO / "board-configs").glob("*.yaml"))
MEASURED_BOARDS = [p for p in BOARDS if load_board(p).arch.name not in UNMEASURED]


def test_unmeasured_arches_are_the_listed_ones() -> None:
    measured = {e.arch for e in model.load_floors().entries}
    boards = {load_board(p).arch.name for p in BOARDS}
    assert boards - measured == UNMEASURED


@pytest.mark.parametrize("path", MEASURED_BOARDS, ids=lambda p: p.stem)
def test_example_boards_reserve_the_recommendation(path: Path) -> None:
    board = load_board(path)
    table, mdl = model.load_floors(), model.Model.load()
    label = model.verify_kernel_label(board)
    rec = model.recommend(table, mdl, board.arch.name, board.memory, label, None, None, board.init)
    assert _reserved(path) == rec.size
    measured = table.find(board.arch.name, label, board.memory, board.init)
    if measured is not None:
        assert rec.size >= measured.captures + mdl.margin_minimum


def test_recommend_command_shows_arithmetic_and_basis() -> None:
    board = REPO / "board-configs" / "qemu-x86_64.yaml"
    result = run_cli("crashkernel", "recommend", board, "--kernel", "gold", "--image-size", "14M")
    assert result.code == 0, result.err
    lines = [" ".join(line.split()) for line in result.out.splitlines()]
    table, mdl = model.load_floors(), model.Model.load()
    rec = model.recommend(table, mdl, "x86_64", G, "gold", (14 * M, "--image-size"), None)
    assert lines[0].startswith("qemu-x86_64: x86_64, 1G of RAM, init busybox, capture kernel gold")
    assert f"= model of the floor {model.mib(rec.model_total)}" in lines
    assert "capture kernel footprint (--image-size) 14M" in lines
    assert any(line.startswith("rests on: x86_64 gold ") for line in lines)
    assert f"recommended: crashkernel={rec.size // M}M" in lines
    assert "Debian 512M-:192M -> 192M kdump-tools, amd64" in lines


def test_recommend_command_unreadable_image(tmp_path: Path) -> None:
    result = run_cli(
        "crashkernel",
        "recommend",
        REPO / "board-configs" / "qemu-x86_64.yaml",
        "--image",
        tmp_path / "missing",
    )
    assert result.code == 2
    assert "cannot read the file" in result.err
