"""A board's crashkernel= checked against its RAM, arch and its own kernel fragment.

Apart from rules.py because it needs the board's fragment (kdumplayer.fragment),
which needs the board model, which runs rules.py's checks while loading.
"""

from __future__ import annotations

from kdumplayer.board.model import Board
from kdumplayer.crashkernel.rules import check, physical_start_of
from kdumplayer.findings import Finding, Severity
from kdumplayer.fragment import fragment_for_board
from kdumplayer.sizes import format_size as fs


def check_board(board: Board) -> list[Finding]:
    """The board's crashkernel= against its RAM, arch and its own fragment's PHYSICAL_START.

    A dedicated capture kernel must start where the reservation does; a kernel
    that is also the system kernel runs at its (default) PHYSICAL_START, which
    must then lie outside the reservation.
    """
    default_start = board.arch.crash.physical_start
    physical = None
    if default_start is not None:
        physical = physical_start_of(fragment_for_board(board))
    out = check(board.crashkernel.params, board.memory, board.arch, physical, board.kernel.version)
    offset = board.crashkernel.offset
    if default_start is not None and board.capture.kernel == "same" and offset is not None:
        load = physical if physical is not None else default_start
        size = max(p.size_for(board.memory) for p in board.crashkernel.params)
        if offset <= load < offset + size:
            out.append(
                Finding(
                    "kernel-inside-reservation",
                    Severity.ERROR,
                    f"the running kernel is loaded at {fs(load)} "
                    "(CONFIG_PHYSICAL_START), inside the reservation "
                    f"{fs(offset)}..{fs(offset + size)}: the reservation "
                    "fails; move the offset above the kernel",
                    key="offset",
                )
            )
    return out
