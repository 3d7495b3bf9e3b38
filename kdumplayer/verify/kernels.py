"""Which kernel `verify` boots: Debian's for the board's arch from the generation
nearest the board's kernel.version (6.1 bookworm, 6.12 trixie, 7.x unstable),
when kconfig-fragments/kexec-tools.yaml records that kernel capturing on that
arch (a `proven` row with `debian:` the generation and result `captures`, or
`captures with cp`: the hook's cp fallback saved what makedumpfile refused);
otherwise the gold kernel, built from the board's own fragment. Either can be
asked for by name (--kernel debian|gold, --debian GENERATION).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from kdumplayer import debian
from kdumplayer.board.kexec_compat import compat_data
from kdumplayer.board.model import Board
from kdumplayer.errors import UserError
from kdumplayer.verify import arches, assets, gold
from kdumplayer.verify.assets import Kernel

CHOICES = ("auto", "debian", "gold")
CAPTURES = ("captures", "captures with cp")  # proven results auto accepts


def board_generation(board: Board) -> str:
    """The Debian generation whose kernel is nearest the board's kernel.version."""
    if board.kernel.version is None:
        return assets.HOST_GENERATION
    return debian.generation_for_kernel(board.kernel.version).name


def proven_debian(arch: str, generation: str) -> dict[str, str] | None:
    """The proven row saying Debian `generation`'s kernel captures on `arch`."""
    return next((row for row in compat_data().proven
                 if row.get("arch") == arch and row.get("debian") == generation
                 and row.get("result") in CAPTURES), None)


@dataclass(frozen=True)
class Choice:
    which: str  # debian | gold
    generation: str  # the Debian generation of the kernel (debian) or of the tools
    why: str


def choose(board: Board, which: str = "auto", generation: str | None = None) -> Choice:
    """What `verify` boots for `board` (no download, no build)."""
    if which not in CHOICES:
        raise UserError(f"--kernel must be one of {', '.join(CHOICES)}")
    gen = generation or board_generation(board)
    if gen not in debian.generations():
        raise UserError(f"unknown Debian generation {gen!r} "
                        f"(known: {', '.join(debian.generations())})")
    arch = board.arch
    if which == "debian" or (which == "auto" and arch.debian_kernel
                             and proven_debian(arch.name, gen)):
        if arch.debian_kernel is None:
            raise UserError(f"Debian has no kernel for QEMU's {arch.name} machine; "
                            "use --kernel gold", key="arch")
        release = debian.generations()[gen].release
        return Choice("debian", gen, f"Debian {release}'s {arch.debian_kernel} ({gen})")
    why = "the gold kernel (tinyconfig + the board's kdump fragment)"
    if which == "auto":
        release = debian.generations()[gen].release
        why += (f": Debian {release}'s {arch.name} kernel is not recorded as capturing"
                if arch.debian_kernel else f": Debian has no {arch.name} kernel for QEMU")
    return Choice("gold", gen, why)


def load(board: Board, choice: Choice, note: Callable[[str], None] = lambda _: None) -> Kernel:
    """Download or build the chosen kernel."""
    note(f"verify: kernel: {choice.why}")
    if choice.which == "debian":
        kernel = assets.debian_kernel(board.arch, choice.generation,
                                      tools=arches.tools_generation(board.arch, choice.generation))
        row = proven_debian(board.arch.name, choice.generation)
        return replace(kernel, cp_fallback=bool(row and row.get("result") == "captures with cp"))
    build = gold.build_gold(board)
    if build.unmet:
        raise UserError("the gold kernel's .config lost fragment values: " + ", ".join(
            f"CONFIG_{s}={w} (got {g})" for s, (w, g) in sorted(build.unmet.items())))
    return build.kernel
