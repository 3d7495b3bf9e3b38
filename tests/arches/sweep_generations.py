"""The longer sweep (`make sweep-arches`, not part of `make test`): every `proven`
row of kconfig-fragments/kexec-tools.yaml that names a Debian generation is run
again with `verify --kernel debian --debian GENERATION` on the arch's QEMU
board, and must end as the row says: captures, captures with cp (makedumpfile
refused, the hook's cp fallback saved it), broken (the hook reports the broken
capture) or fails (no dump)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer.board.kexec_compat import compat_data
from tests.arches.verify_cli import console, explain, verify
from tests.conftest import REPO, board_file_with_distribution_reservation

BOARDS = {
    arch: REPO / "board-configs" / f"qemu-{arch}.yaml" for arch in ("x86_64", "arm64", "riscv64")
}
ROWS = [row for row in compat_data().proven if row.get("debian") and row["arch"] in BOARDS]


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=[f"{r['arch']}-{r['debian']}" for r in ROWS])
def test_row_still_holds(row: dict[str, str], tmp_path: Path) -> None:
    # The example boards reserve what their own kernel needs; Debian's needs more.
    (tmp_path / "board").mkdir()
    board = board_file_with_distribution_reservation(BOARDS[row["arch"]], tmp_path / "board")
    result, outcomes = verify(board, tmp_path, "--kernel", "debian", "--debian", row["debian"])
    ok = result.code == 0 and all(o["ok"] for o in outcomes)
    if row["result"] in ("captures", "captures with cp"):
        assert ok, explain(result, outcomes, tmp_path)
        fell_back = "kdump: makedumpfile exited" in console(tmp_path)
        assert fell_back is (row["result"] == "captures with cp"), row["result"]
        return
    assert not ok, f"recorded as {row['result']}, but it captured: {row}"
    if row["result"] == "broken":
        statuses = [d["status"] for o in outcomes for d in o["dumps"]]
        assert any(s.startswith("failed: broken capture") for s in statuses), explain(
            result, outcomes, tmp_path
        )
